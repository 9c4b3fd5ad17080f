import { useState } from 'react';
import { type ExportRecord, type Proposal } from '../../../shared/domain';
import { formatTimestamp } from '../format';
import { useAction, useApp } from '../state';

/** Writes the trade list of an approved proposal and shows exactly what was written, with its hash. */
export function ExportPanel({ proposal, onChanged }: { proposal: Proposal; onChanged(): void }) {
  const { client } = useApp();
  const [run, busy] = useAction();
  const [written, setWritten] = useState<ExportRecord | null>(null);
  const exportable = proposal.status === 'approved' || proposal.status === 'exported';
  const fresh = written && written.proposalId === proposal.id ? written : null;

  const exportCsv = () =>
    run(async () => {
      const record = await client.call('exports.create', { proposalId: proposal.id, format: 'csv' });
      setWritten(record);
      onChanged();
    });

  return (
    <div className="export" data-testid="export-panel">
      <h3>Export</h3>
      <p>
        <button
          type="button"
          data-testid="export-csv"
          disabled={!exportable || busy}
          title={exportable ? 'Write the trade list as a CSV basket' : 'Only an approved proposal can be exported'}
          onClick={() => void exportCsv()}
        >
          {busy ? 'Exporting…' : 'Export trade list (CSV)'}
        </button>{' '}
        {!exportable && <span className="muted">Only an approved proposal can be exported.</span>}
      </p>
      {fresh && (
        <dl className="facts" data-testid="export-result">
          <dt>Written to</dt>
          <dd className="mono selectable-text" data-testid="export-path">
            {fresh.path}
          </dd>
          <dt>Rows</dt>
          <dd data-testid="export-rows">{fresh.rows}</dd>
          <dt>SHA-256</dt>
          <dd className="mono selectable-text" data-testid="export-sha256">
            {fresh.sha256}
          </dd>
        </dl>
      )}
      {proposal.exports.length > 0 && (
        <table className="grid" data-testid="exports-history">
          <thead>
            <tr>
              <th>When</th>
              <th>Format</th>
              <th className="num">Rows</th>
              <th>File</th>
              <th>SHA-256</th>
            </tr>
          </thead>
          <tbody>
            {proposal.exports.map((e) => (
              <tr key={e.id}>
                <td>{formatTimestamp(e.createdAt)}</td>
                <td>{e.format.toUpperCase()}</td>
                <td className="num">{e.rows}</td>
                <td className="mono">{e.path}</td>
                <td className="mono" title={e.sha256}>
                  {e.sha256.slice(0, 16)}…
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
