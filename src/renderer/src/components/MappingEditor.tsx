import { useState } from 'react';
import { type CanonicalField } from '../../../shared/domain';
import { CANONICAL_FIELDS } from '../../../shared/fields';
import {
  DATE_FORMATS,
  DELIMITERS,
  ENCODINGS,
  FIELD_LABELS,
  NUMBER_CONVENTIONS,
  assignColumn,
  mappingProblems,
  type MappingDraft,
} from '../mapping';

interface Props {
  /** The file's header row; null when editing a profile without a file at hand. */
  headers: readonly string[] | null;
  initial: MappingDraft;
  /** True when editing a saved profile (its name is then fixed: saving replaces it). */
  existing: boolean;
  busy: boolean;
  onSave(draft: MappingDraft): void;
  onCancel(): void;
}

const REQUIRED: ReadonlySet<CanonicalField> = new Set(['quantity']);

/** Maps a custodian CSV's columns to the fields Ballast reads, saved as a named profile. */
export function MappingEditor({ headers, initial, existing, busy, onSave, onCancel }: Props) {
  const [draft, setDraft] = useState<MappingDraft>(initial);
  const problems = mappingProblems(draft, headers);
  // Columns a saved profile names that the current file lacks stay selectable, so nothing is lost silently.
  const columns = [...new Set([...(headers ?? []), ...Object.values(draft.mapping).filter((c): c is string => Boolean(c))])];

  return (
    <section className="panel mapping-editor" data-testid="mapping-editor">
      <h2>{existing ? `Custodian profile “${initial.name}”` : 'Map the file’s columns'}</h2>
      {headers && (
        <p className="muted">
          The file’s header: <span className="mono" data-testid="mapping-headers">{headers.join(' | ')}</span>
        </p>
      )}
      <div className="import-row">
        <label>
          Profile name
          <input
            data-testid="mapping-name"
            value={draft.name}
            readOnly={existing}
            maxLength={80}
            size={34}
            placeholder="e.g. Northern Custody daily holdings"
            onChange={(e) => setDraft({ ...draft, name: e.target.value })}
          />
        </label>
        <DetectSelect label="Delimiter" testId="mapping-delimiter" value={draft.delimiter} options={DELIMITERS} onChange={(delimiter) => setDraft({ ...draft, delimiter })} />
        <DetectSelect label="Encoding" testId="mapping-encoding" value={draft.encoding} options={ENCODINGS} onChange={(encoding) => setDraft({ ...draft, encoding })} />
        <DetectSelect
          label="Numbers"
          testId="mapping-numbers"
          value={draft.numberConvention}
          options={NUMBER_CONVENTIONS}
          onChange={(numberConvention) => setDraft({ ...draft, numberConvention })}
        />
        <DetectSelect
          label="Dates"
          testId="mapping-dates"
          value={draft.dateFormat}
          options={DATE_FORMATS.map((d) => ({ value: d, label: d }))}
          onChange={(dateFormat) => setDraft({ ...draft, dateFormat })}
        />
      </div>

      <table className="grid mapping-table">
        <thead>
          <tr>
            <th>Ballast field</th>
            <th>Column in the file</th>
          </tr>
        </thead>
        <tbody>
          {CANONICAL_FIELDS.map((field) => (
            <tr key={field}>
              <td>
                {FIELD_LABELS[field]}
                {REQUIRED.has(field) && <span className="muted"> (required)</span>}
              </td>
              <td>
                <select
                  data-testid={`mapping-field-${field}`}
                  aria-label={`Column for ${FIELD_LABELS[field]}`}
                  value={draft.mapping[field] ?? ''}
                  onChange={(e) => setDraft({ ...draft, mapping: assignColumn(draft.mapping, field, e.target.value) })}
                >
                  <option value="">— not in the file —</option>
                  {columns.map((c) => (
                    <option key={c} value={c}>
                      {c}
                      {headers && !headers.includes(c) ? ' (not in this file)' : ''}
                    </option>
                  ))}
                </select>
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      {problems.length > 0 && (
        <ul className="blockers" data-testid="mapping-problems">
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
      <p>
        <button type="button" className="primary" data-testid="mapping-save" disabled={problems.length > 0 || busy} onClick={() => onSave(draft)}>
          {headers ? 'Save profile and preview again' : 'Save profile'}
        </button>{' '}
        <button type="button" data-testid="mapping-cancel" onClick={onCancel}>
          Cancel
        </button>
      </p>
    </section>
  );
}

/** A file setting the PM may pin or leave to detection ("detect" = null). */
function DetectSelect<T extends string>({
  label,
  testId,
  value,
  options,
  onChange,
}: {
  label: string;
  testId: string;
  value: T | null;
  options: readonly { value: T; label: string }[];
  onChange(value: T | null): void;
}) {
  return (
    <label>
      {label}
      <select data-testid={testId} value={value ?? ''} onChange={(e) => onChange((e.target.value || null) as T | null)}>
        <option value="">detect</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );
}
