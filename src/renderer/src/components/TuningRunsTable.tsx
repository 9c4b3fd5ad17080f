import { type TuningRunSummary } from '../../../shared/tuning';
import { formatTimestamp } from '../format';
import { formatObjective, objectiveLabel, statusLabel, statusTone } from '../tuning';

interface Props {
  runs: readonly TuningRunSummary[];
  selectedId: number | null;
  onSelect(runId: number): void;
}

/** The account's tuning runs, newest first, with the one proposals use marked. */
export function TuningRunsTable({ runs, selectedId, onSelect }: Props) {
  return (
    <div className="list-scroll">
      <table className="grid selectable" aria-label="Tuning runs" data-testid="tuning-runs">
        <thead>
          <tr>
            <th>Run</th>
            <th>Started</th>
            <th>Status</th>
            <th>Optimising</th>
            <th className="num">Backtests</th>
            <th className="num">Best on validation</th>
            <th className="num">On the test window</th>
            <th>Proposals</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((r) => (
            <tr
              key={r.runId}
              data-testid="tuning-run-row"
              data-run-id={r.runId}
              data-status={r.status}
              aria-selected={r.runId === selectedId}
              className={r.runId === selectedId ? 'selected' : undefined}
              tabIndex={0}
              onClick={() => onSelect(r.runId)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' || e.key === ' ') onSelect(r.runId);
              }}
            >
              <td>#{r.runId}</td>
              <td title={formatTimestamp(r.createdAt)}>{formatTimestamp(r.createdAt).slice(0, 16)}</td>
              <td>
                <span className={`badge tuning-status tuning-${statusTone(r.status)}`}>{statusLabel(r.status)}</span>
              </td>
              <td>{objectiveLabel(r.objective)}</td>
              <td className="num">
                {r.evaluations} of {r.budget}
              </td>
              <td className="num">{formatObjective(r.bestValidation, r.objective)}</td>
              <td className="num">{formatObjective(r.test, r.objective)}</td>
              <td>
                {r.inUse ? (
                  <span className="badge badge-approved" title={r.acceptedBy ? `Accepted by ${r.acceptedBy} on ${formatTimestamp(r.acceptedAt)}` : undefined}>
                    In use
                  </span>
                ) : r.acceptedAt ? (
                  <span className="muted">accepted earlier</span>
                ) : (
                  <span className="muted">not used</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
