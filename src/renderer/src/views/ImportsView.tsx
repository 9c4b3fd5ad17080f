import { useEffect, useState, type ChangeEvent } from 'react';
import { type ImportResult } from '../../../shared/domain';
import { bytesToBase64, formatTimestamp } from '../format';
import { issuesOf, type Issue } from '../issues';
import { useAction, useApp, useQuery } from '../state';

type Kind = 'prices' | 'positions';

export function ImportsView({ accountId }: { accountId: string | null }) {
  const { client, runLong } = useApp();
  const [run, busy] = useAction();
  const [targetAccount, setTargetAccount] = useState(accountId ?? '');
  const [asOf, setAsOf] = useState('');
  const [result, setResult] = useState<ImportResult | null>(null);
  const [issues, setIssues] = useState<{ fileName: string; list: Issue[] } | null>(null);
  const history = useQuery(() => client.call('imports.list', {}), [client], ['imports']);

  useEffect(() => {
    if (accountId) setTargetAccount(accountId);
  }, [accountId]);

  const importFile = async (kind: Kind, event: ChangeEvent<HTMLInputElement>) => {
    const input = event.currentTarget;
    const file = input.files?.[0];
    if (!file) return;
    setResult(null);
    setIssues(null);
    await run(
      async () => {
        const contentBase64 = bytesToBase64(new Uint8Array(await file.arrayBuffer()));
        const value =
          kind === 'prices'
            ? await runLong('imports.prices', { fileName: file.name, contentBase64 }, `Importing ${file.name}`)
            : await runLong(
                'imports.positions',
                { accountId: targetAccount.trim(), fileName: file.name, contentBase64, ...(asOf ? { asOf } : {}) },
                `Importing ${file.name}`,
              );
        setResult(value);
      },
      (error) => setIssues({ fileName: file.name, list: issuesOf(error) }),
    );
    // Let the same file be picked again (e.g. after fixing it on disk).
    input.value = '';
  };

  return (
    <div className="imports-layout" data-testid="imports-view">
      <section className="panel">
        <h2>Import files</h2>
        <p className="muted">
          A file is imported whole or not at all: any bad row rejects it and nothing changes. The same file imported twice
          is recognised by its SHA-256 and not applied again.
        </p>
        <div className="import-row">
          <label>
            Price history (CSV)
            <input type="file" accept=".csv,text/csv" data-testid="prices-file" disabled={busy} onChange={(e) => void importFile('prices', e)} />
          </label>
        </div>
        <div className="import-row">
          <label>
            Account
            <input data-testid="positions-account" value={targetAccount} size={16} onChange={(e) => setTargetAccount(e.target.value)} />
          </label>
          <label>
            <span>
              As of <span className="muted">(if the file has no date)</span>
            </span>
            <input type="date" data-testid="positions-asof" value={asOf} onChange={(e) => setAsOf(e.target.value)} />
          </label>
          <label>
            Positions (CSV)
            <input
              type="file"
              accept=".csv,text/csv"
              data-testid="positions-file"
              disabled={busy || targetAccount.trim() === ''}
              onChange={(e) => void importFile('positions', e)}
            />
          </label>
        </div>

        {result && (
          <dl className="facts" data-testid="import-result" data-status={result.status}>
            <dt>File</dt>
            <dd>{result.fileName}</dd>
            <dt>Status</dt>
            <dd data-testid="import-status">{result.status === 'imported' ? 'imported' : 'already imported (no change)'}</dd>
            <dt>Rows</dt>
            <dd data-testid="import-rows">{result.rows}</dd>
            <dt>Format</dt>
            <dd>{result.format}</dd>
            {result.kind === 'positions' && (
              <>
                <dt>Account / as of</dt>
                <dd>
                  {result.accountId ?? '—'} / {result.asOf ?? '—'}
                </dd>
              </>
            )}
            <dt>New securities</dt>
            <dd>{result.securitiesCreated}</dd>
            <dt>SHA-256</dt>
            <dd className="mono">{result.sha256}</dd>
            {result.warnings.length > 0 && (
              <>
                <dt>Warnings</dt>
                <dd>
                  <ul className="warnings">
                    {result.warnings.map((w, i) => (
                      <li key={i}>
                        line {w.line}, {w.field}: {w.reason}
                      </li>
                    ))}
                  </ul>
                </dd>
              </>
            )}
          </dl>
        )}

        {issues && issues.list.length > 0 && (
          <>
            <h3>Problems in {issues.fileName}</h3>
            <table className="grid" data-testid="import-issues">
              <thead>
                <tr>
                  <th className="num">Line</th>
                  <th>Field</th>
                  <th>Reason</th>
                  <th>Value</th>
                </tr>
              </thead>
              <tbody>
                {issues.list.map((issue, i) => (
                  <tr key={i} data-testid="issue-row" data-line={issue.line ?? ''} data-field={issue.field}>
                    <td className="num">{issue.line ?? '—'}</td>
                    <td className="mono">{issue.field}</td>
                    <td>{issue.reason}</td>
                    <td className="mono">{issue.value ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </section>

      <section className="panel">
        <h2>Imported files</h2>
        {history.data && history.data.length === 0 && <p className="muted">Nothing imported yet.</p>}
        {history.data && history.data.length > 0 && (
          <table className="grid" data-testid="imports-list">
            <thead>
              <tr>
                <th>#</th>
                <th>When</th>
                <th>Kind</th>
                <th>File</th>
                <th>Format</th>
                <th className="num">Rows</th>
                <th>Status</th>
                <th>Account</th>
                <th>SHA-256</th>
              </tr>
            </thead>
            <tbody>
              {history.data.map((r) => (
                <tr key={r.id} data-testid="import-record">
                  <td>{r.id}</td>
                  <td>{formatTimestamp(r.createdAt)}</td>
                  <td>{r.kind}</td>
                  <td>{r.fileName}</td>
                  <td>{r.format}</td>
                  <td className="num">{r.rows}</td>
                  <td>{r.status}</td>
                  <td>{r.accountId ?? '—'}</td>
                  <td className="mono" title={r.sha256}>
                    {r.sha256.slice(0, 12)}…
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
