import { useState } from 'react';
import { type AuditVerification } from '../../../shared/domain';
import { formatTimestamp, summariseDetails } from '../format';
import { useAction, useApp, useQuery } from '../state';

// The contract's ceiling; an audit log past this size wants a paged view, not a longer table.
const AUDIT_LIMIT = 10_000;

export function AuditView() {
  const { client } = useApp();
  const [run, busy] = useAction();
  const [verification, setVerification] = useState<AuditVerification | null>(null);
  const log = useQuery(() => client.call('audit.list', { limit: AUDIT_LIMIT }), [client], ['audit', 'proposals', 'imports', 'portfolio']);

  const verify = () =>
    run(async () => {
      setVerification(null);
      setVerification(await client.call('audit.verify', {}));
    });

  return (
    <section className="panel" data-testid="audit-view">
      <div className="panel-head">
        <h2>Audit log</h2>
        <span className="muted" data-testid="audit-count" data-count={log.data?.length ?? ''}>
          {log.data ? `${log.data.length} entries` : 'loading…'}
        </span>
        <span className="spacer" />
        <button type="button" data-testid="verify-chain" disabled={busy} onClick={() => void verify()}>
          Verify chain
        </button>
      </div>
      {verification && (
        <p
          className={verification.ok ? 'verify ok' : 'verify bad'}
          data-testid="verify-result"
          data-ok={String(verification.ok)}
        >
          {verification.ok
            ? `OK — the hash chain of all ${verification.rows} entries is intact.`
            : `Chain broken at entry #${verification.firstBadId ?? '?'}${verification.reason ? `: ${verification.reason}` : ''}. ${verification.rows} entries checked.`}
        </p>
      )}
      {log.data && (
        <table className="grid" data-testid="audit-table">
          <thead>
            <tr>
              <th className="num">#</th>
              <th>Time</th>
              <th>Actor</th>
              <th>Action</th>
              <th>Entity</th>
              <th>Details</th>
            </tr>
          </thead>
          <tbody>
            {log.data.map((entry) => (
              <tr key={entry.id} data-testid="audit-row" data-action={entry.action}>
                <td className="num">{entry.id}</td>
                <td>{formatTimestamp(entry.at)}</td>
                <td>{entry.actor}</td>
                <td className="mono">{entry.action}</td>
                <td>
                  {entry.entity}
                  {entry.entityId ? ` #${entry.entityId}` : ''}
                </td>
                <td className="details" title={JSON.stringify(entry.details)}>
                  {summariseDetails(entry.details)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
