import { useEffect, useRef, useState } from 'react';
import { acceptFormProblem } from '../tuning';
import { rememberedReviewer } from '../reviewer';

interface Props {
  runId: number;
  accountId: string;
  /** What proposals use now, in words ("the saved default settings", "tuning run #2"). */
  currentSource: string;
  /** A reason to think twice, in words (the untuned settings did better on the test window), or null. */
  caution: string | null;
  busy: boolean;
  onConfirm(by: string, reason: string): void;
  onCancel(): void;
}

/**
 * Confirm before a tuning run's parameters replace what proposals use: a modal <dialog> (focus stays inside,
 * Escape cancels) that says what changes and records who accepted it and why.
 */
export function TuningAcceptDialog({ runId, accountId, currentSource, caution, busy, onConfirm, onCancel }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  const [by, setBy] = useState(rememberedReviewer);
  const [reason, setReason] = useState('');
  const problem = acceptFormProblem(by, reason);

  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);

  return (
    <dialog
      ref={ref}
      className="tuning-dialog"
      aria-labelledby="tuning-accept-title"
      aria-describedby="tuning-accept-what"
      onCancel={(e) => {
        e.preventDefault();
        if (!busy) onCancel();
      }}
    >
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          if (!problem && !busy) onConfirm(by.trim(), reason.trim());
        }}
      >
        <h2 id="tuning-accept-title">Use tuning run #{runId} for proposals?</h2>
        <p id="tuning-accept-what">
          From now on, every proposal for <strong>{accountId}</strong> uses the parameters this run found, instead of{' '}
          {currentSource}. Proposals already made stay as they are. The acceptance is recorded in the audit log with your name and
          reason; you can accept another run at any time.
        </p>
        {caution && (
          <p className="notice warn-box" data-testid="tuning-accept-caution" role="note">
            {caution}
          </p>
        )}
        <label>
          Your name
          <input value={by} autoComplete="name" onChange={(e) => setBy(e.target.value)} />
        </label>
        <label>
          Reason
          <textarea rows={3} value={reason} placeholder="Why these parameters should drive proposals" onChange={(e) => setReason(e.target.value)} />
        </label>
        {problem && <p className="muted small">{problem}</p>}
        <div className="buttons">
          <button type="submit" className="primary" disabled={problem !== null || busy}>
            {busy ? 'Accepting…' : `Accept run #${runId}`}
          </button>
          <button type="button" disabled={busy} onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}
