import { useState } from 'react';
import { type CustodianProfile } from '../../../shared/domain';
import { describeMapping } from '../mapping';

interface Props {
  profiles: CustodianProfile[] | undefined;
  busy: boolean;
  onEdit(profile: CustodianProfile): void;
  onDelete(name: string): void;
}

/** Saved column mappings, one per custodian file layout. Deleting asks once more, in place. */
export function ProfilesList({ profiles, busy, onEdit, onDelete }: Props) {
  const [confirming, setConfirming] = useState<string | null>(null);
  return (
    <section className="panel" data-testid="profiles-panel">
      <h2>Custodian profiles</h2>
      {profiles && profiles.length === 0 && (
        <p className="muted">No saved profiles. A profile is created when you map the columns of a file Ballast cannot read by itself.</p>
      )}
      {profiles && profiles.length > 0 && (
        <table className="grid" data-testid="profiles-list">
          <thead>
            <tr>
              <th>Name</th>
              <th>Columns</th>
              <th>File layout</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {profiles.map((p) => (
              <tr key={p.name} data-testid="profile-row" data-name={p.name}>
                <td>{p.name}</td>
                <td className="wrap">{describeMapping(p.mapping)}</td>
                <td className="muted">
                  {[
                    p.delimiter ? `delimiter ${p.delimiter === '\t' ? 'tab' : p.delimiter}` : null,
                    p.encoding,
                    p.numberConvention === 'eu' ? '1.234,56' : p.numberConvention === 'us' ? '1,234.56' : null,
                    p.dateFormat,
                    p.headerSignature ? 'used automatically for its header' : null,
                  ]
                    .filter(Boolean)
                    .join(' · ') || 'detected per file'}
                </td>
                <td className="actions">
                  {confirming === p.name ? (
                    <>
                      <span className="warn">Delete “{p.name}”?</span>{' '}
                      <button
                        type="button"
                        className="danger"
                        data-testid="profile-delete-confirm"
                        disabled={busy}
                        onClick={() => {
                          setConfirming(null);
                          onDelete(p.name);
                        }}
                      >
                        Delete
                      </button>{' '}
                      <button type="button" onClick={() => setConfirming(null)}>
                        Keep
                      </button>
                    </>
                  ) : (
                    <>
                      <button type="button" data-testid="profile-edit" disabled={busy} onClick={() => onEdit(p)}>
                        Edit
                      </button>{' '}
                      <button type="button" data-testid="profile-delete" disabled={busy} onClick={() => setConfirming(p.name)}>
                        Delete
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
