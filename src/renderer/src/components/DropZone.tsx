import { useRef, useState, type DragEvent } from 'react';

interface Props {
  accept: string;
  disabled: boolean;
  /** What the zone says when empty, e.g. which formats it takes. */
  hint: string;
  chosen: string | null;
  onFile(file: File): void;
}

/**
 * A file picker that also takes a file dropped on it. Only the first file of a drop is used: one
 * import is one file, so its report and SHA-256 stay unambiguous.
 */
export function DropZone({ accept, disabled, hint, chosen, onFile }: Props) {
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);

  const accepting = (e: DragEvent) => !disabled && Array.from(e.dataTransfer.types).includes('Files');

  return (
    <div
      className={`dropzone${over ? ' over' : ''}${disabled ? ' disabled' : ''}`}
      data-testid="import-dropzone"
      data-over={over}
      onDragEnter={(e) => {
        if (!accepting(e)) return;
        e.preventDefault();
        setOver(true);
      }}
      onDragOver={(e) => {
        // Without preventDefault the browser would open the file instead of dropping it here.
        if (!accepting(e)) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = 'copy';
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        if (disabled) return;
        const file = e.dataTransfer.files[0];
        if (file) onFile(file);
      }}
    >
      <p>
        <strong>Drop a file here</strong> or{' '}
        <button type="button" disabled={disabled} onClick={() => input.current?.click()}>
          Choose file…
        </button>
      </p>
      <p className="muted">{chosen ? <span data-testid="import-chosen">{chosen}</span> : hint}</p>
      <input
        ref={input}
        type="file"
        className="visually-hidden"
        accept={accept}
        data-testid="import-file"
        aria-label="File to import"
        disabled={disabled}
        onChange={(e) => {
          const file = e.currentTarget.files?.[0];
          // Let the same file be chosen again (e.g. after fixing it on disk).
          e.currentTarget.value = '';
          if (file) onFile(file);
        }}
      />
    </div>
  );
}
