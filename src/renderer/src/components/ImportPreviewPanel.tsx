import { type ImportPreview } from '../../../shared/domain';
import { formatDecimal, formatMoney, plural } from '../format';
import {
  detectedLabel,
  formatName,
  importReadiness,
  instrumentLabel,
  issueCounts,
  matchKind,
  matchLabel,
  missingTypedAccount,
  rowIdentifiers,
  unmatchedSecurities,
  type ImportChoices,
} from '../importing';
import { IssueTable } from './IssueTable';

interface Props {
  preview: ImportPreview;
  choices: ImportChoices;
  onChoices(choices: ImportChoices): void;
  /** The options changed since this preview was made; a new one is on its way. */
  stale: boolean;
  busy: boolean;
  onImport(): void;
  onEditMapping(): void;
}


/** What a file would do before anything is written: the PM reads this, then confirms. */
export function ImportPreviewPanel({ preview, choices, onChoices, stale, busy, onImport, onEditMapping }: Props) {
  const p = preview;
  const readiness = importReadiness(p, choices);
  const counts = issueCounts(p.issues);
  const unmatched = unmatchedSecurities(p.rows);
  // Ticked: the preview was made creating them, so they show as "new". Unticked: they are rejected as unknown.
  const toCreate = choices.createSecurities ? unmatched.creatable : unmatched.unknown;
  const sampleOnly = p.rows.length < p.totalRows;
  // What the server would write with these choices (rejected rows are already left out of the statements).
  // The first statements are listed; the rest (a file over more than a thousand accounts) come summed.
  const notListed = p.statementsNotListed;
  const positionsToWrite = p.statements.reduce((n, s) => n + s.positions, 0) + (notListed?.positions ?? 0);
  const statementCount = p.statements.length + (notListed?.statements ?? 0);
  const detected = Object.entries(p.detected);
  const shownAll = p.rows.length >= p.totalRows;
  const typedAccount = missingTypedAccount(p);
  const shrinking = p.statements.filter((s) => s.disappearing !== undefined);

  return (
    <section className="panel" data-testid="import-preview" data-format={p.format} aria-busy={stale}>
      <div className="panel-head">
        <h2>Preview of {p.fileName}</h2>
        {p.format === 'csv' && p.headers && (
          <button type="button" data-testid="edit-mapping" onClick={onEditMapping}>
            Edit column mapping
          </button>
        )}
      </div>

      {p.alreadyImported && (
        <p className="notice" data-testid="preview-already-imported">
          This file was already imported (same SHA-256). Importing it again would change nothing, so there is nothing to do.
        </p>
      )}
      {p.needsMapping && (
        <p className="notice warn-box" data-testid="preview-needs-mapping">
          Ballast could not recognise every column of this file. Map its columns below and save them as a custodian profile;
          the next file with the same header will use it automatically.
        </p>
      )}

      <dl className="facts">
        <dt>Detected format</dt>
        <dd data-testid="preview-format">{formatName(p.format)}</dd>
        <dt>Custodian profile</dt>
        <dd data-testid="preview-profile">{p.profile ?? '—'}</dd>
        <dt>Rows</dt>
        <dd data-testid="preview-total-rows">{p.totalRows.toLocaleString('en-US')}</dd>
        <dt>Rejected rows</dt>
        <dd data-testid="preview-rejected-rows" className={p.rejectedRows > 0 ? 'warn' : undefined}>
          {p.rejectedRows.toLocaleString('en-US')}
        </dd>
        <dt>SHA-256</dt>
        <dd className="mono selectable-text" data-testid="preview-sha256">
          {p.sha256}
        </dd>
      </dl>
      {detected.length > 0 && (
        <dl className="facts detected" data-testid="preview-detected">
          {detected.map(([key, value]) => (
            <div key={key} className="fact" data-key={key}>
              <dt>{detectedLabel(key)}</dt>
              <dd>{value}</dd>
            </div>
          ))}
        </dl>
      )}

      {p.kind === 'positions' && p.statements.length > 0 && (
        <>
          <h3>Statements ({statementCount.toLocaleString('en-US')})</h3>
          <table className="grid" data-testid="preview-statements">
            <thead>
              <tr>
                <th>Account</th>
                <th>As of</th>
                <th className="num">Positions</th>
                <th>Cash</th>
                <th>The account now</th>
                <th>Replaces</th>
              </tr>
            </thead>
            <tbody>
              {p.statements.map((s) => (
                <tr key={`${s.accountId}|${s.asOf}`} data-testid="statement-row" data-account={s.accountId} data-asof={s.asOf}>
                  <td className="mono">
                    {s.accountId}
                    {s.newAccount && (
                      <span className="tag" data-testid="statement-new-account" title="This account does not exist yet: the import creates it">
                        new account
                      </span>
                    )}
                  </td>
                  <td>{s.asOf}</td>
                  <td className="num">{s.positions}</td>
                  <td>{s.cash.length === 0 ? '—' : s.cash.map((c) => `${formatMoney(c.amount)} ${c.currency}`).join(', ')}</td>
                  <td data-testid="statement-previous">
                    {s.previous ? (
                      <>
                        {plural(s.previous.positions, 'holding')} as of {s.previous.asOf}
                        {s.disappearing && (
                          <span className="warn">
                            {' '}
                            — {plural(s.disappearing.holdings.length + s.disappearing.cash.length, 'line')} not in this file
                          </span>
                        )}
                      </>
                    ) : (
                      <span className="muted">{s.newAccount ? 'a new account' : 'no holdings yet'}</span>
                    )}
                  </td>
                  <td data-testid="statement-supersedes">
                    {s.supersedes.length === 0 ? (
                      <span className="muted">nothing (first snapshot for this account and date)</span>
                    ) : (
                      <span className="warn">
                        older {s.supersedes.length === 1 ? 'snapshot' : 'snapshots'} {s.supersedes.map((id) => `#${id}`).join(', ')} for the same account and
                        date
                      </span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {notListed && (
            <p className="muted" data-testid="statements-not-listed">
              … and {plural(notListed.statements, 'more statement')} not listed: {plural(notListed.positions, 'position')}
              {notListed.newAccounts > 0 ? `, ${plural(notListed.newAccounts, 'new account')}` : ''}
              {notListed.disappearing > 0 ? `, ${notListed.disappearing.toLocaleString('en-US')} that do not list everything the account holds now` : ''}.
            </p>
          )}
        </>
      )}

      {p.prices && (
        <dl className="facts" data-testid="preview-prices">
          <dt>Tickers</dt>
          <dd>{p.prices.tickers.join(', ')}</dd>
          <dt>Dates</dt>
          <dd>
            {p.prices.from} → {p.prices.to}
          </dd>
          <dt>Price rows</dt>
          <dd>{p.prices.rows.toLocaleString('en-US')}</dd>
        </dl>
      )}

      {p.rows.length > 0 && (
        <>
          <h3>
            Parsed rows{' '}
            <span className="muted">{shownAll ? `(${p.totalRows})` : `(the first ${p.rows.length} of ${p.totalRows.toLocaleString('en-US')})`}</span>
          </h3>
          <div className="table-scroll">
            <table className="grid" data-testid="preview-rows">
              <thead>
                <tr>
                  <th className="num">Line</th>
                  <th>Account</th>
                  <th>Identifiers</th>
                  <th>Description</th>
                  <th>Kind</th>
                  <th className="num">Quantity</th>
                  <th className="num">Price</th>
                  <th className="num">Market value</th>
                  <th>Ccy</th>
                  <th>Match</th>
                  <th>Status</th>
                </tr>
              </thead>
              <tbody>
                {p.rows.map((r) => (
                  <tr
                    key={`${r.line}|${r.accountId ?? ''}|${r.isin ?? r.ticker ?? ''}`}
                    data-testid="preview-row"
                    data-line={r.line}
                    data-status={r.status}
                    data-match={matchKind(r)}
                    className={`status-${r.status}`}
                  >
                    <td className="num">{r.line}</td>
                    <td className="mono">{r.accountId ?? '—'}</td>
                    <td className="mono">{rowIdentifiers(r) || '—'}</td>
                    <td className="wrap">
                      {r.description ?? '—'}
                      {r.custodianCode && (
                        <span className="tag" data-testid="custodian-code" title="Not a valid ISIN or CUSIP: kept as the custodian's own code for this security">
                          custodian code {r.custodianCode}
                        </span>
                      )}
                    </td>
                    <td>{instrumentLabel(r.instrumentType, r.multiplier) || '—'}</td>
                    <td className="num">
                      {formatDecimal(r.quantity)}
                      {r.quantity.startsWith('-') && (
                        <span className="tag" title="A short position (negative quantity)" data-testid="short">
                          short
                        </span>
                      )}
                      {r.quantityType === 'FAMT' && (
                        <span className="tag" title="Face amount (nominal), not a number of units" data-testid="famt">
                          FAMT
                        </span>
                      )}
                    </td>
                    <td className="num">{formatDecimal(r.price)}</td>
                    <td className="num">{formatMoney(r.marketValue)}</td>
                    <td>{r.currency ?? '—'}</td>
                    <td className={`match-${matchKind(r)}`}>{matchLabel(r)}</td>
                    <td>{r.status}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}

      <h3>
        Validation report{' '}
        <span className="muted" data-testid="report-counts" data-errors={counts.errors} data-warnings={counts.warnings}>
          ({plural(counts.errors, 'error')}, {plural(counts.warnings, 'warning')}; {plural(p.rejectedRows, 'row')} rejected of{' '}
          {p.totalRows.toLocaleString('en-US')})
        </span>
      </h3>
      {p.issues.length === 0 ? (
        <p className="ok-text" data-testid="report-clean">
          No problems found.
        </p>
      ) : (
        <IssueTable issues={p.issues} testId="validation-report" />
      )}

      {!p.alreadyImported && !p.needsMapping && (
        <div className="confirm-import" data-testid="import-confirm-area">
          {(shrinking.length > 0 || (notListed?.disappearing ?? 0) > 0) && (
            <fieldset className="shrinkage" data-testid="shrinkage">
              <legend>This file does not list everything the account holds now</legend>
              {shrinking.map((s) => (
                <div key={`${s.accountId}|${s.asOf}`} data-testid="shrinkage-account" data-account={s.accountId}>
                  <p>
                    Account <span className="mono">{s.accountId}</span> has, as of {s.previous?.asOf}, what this file does not list:
                  </p>
                  <ul data-testid="disappearing">
                    {s.disappearing!.holdings.map((h) => (
                      <li key={h.securityId} data-testid="disappearing-holding">
                        {h.ticker} — {h.name}: {formatDecimal(h.quantity)}
                        {h.marketValue !== null ? ` (${formatMoney(h.marketValue)})` : ''}
                      </li>
                    ))}
                    {s.disappearing!.cash.map((c) => (
                      <li key={c.currency} data-testid="disappearing-cash">
                        cash {formatMoney(c.amount)} {c.currency}
                      </li>
                    ))}
                  </ul>
                </div>
              ))}
              {(notListed?.disappearing ?? 0) > 0 && (
                <p data-testid="shrinkage-not-listed">… and {plural(notListed!.disappearing, 'more account')} not listed above.</p>
              )}
              <label className="check">
                <input type="radio" name="import-mode" data-testid="mode-update" checked={choices.mode === 'update'} onChange={() => onChoices({ ...choices, mode: 'update' })} />
                <span>
                  <strong>Update only the lines in this file</strong> (a partial statement): everything listed above is kept as it is.
                </span>
              </label>
              <label className="check">
                <input type="radio" name="import-mode" data-testid="mode-replace" checked={choices.mode === 'replace'} onChange={() => onChoices({ ...choices, mode: 'replace' })} />
                <span>
                  <strong>Replace the whole account</strong>: the file is everything the account holds; what is listed above is no longer held.
                </span>
              </label>
            </fieldset>
          )}
          {p.kind === 'positions' && (typedAccount !== null || choices.createAccount) && (
            <label className="check" data-testid="create-account-label">
              <input
                type="checkbox"
                data-testid="create-account"
                checked={choices.createAccount}
                onChange={(e) => onChoices({ ...choices, createAccount: e.target.checked })}
              />
              <span>
                There is no account {typedAccount !== null ? <span className="mono">{typedAccount}</span> : 'by that name'} yet. Create it with this file.{' '}
                <span className="muted">Check the spelling first: a mistyped account would start a new, separate portfolio.</span>
              </span>
            </label>
          )}
          {p.kind === 'positions' && (toCreate > 0 || choices.createSecurities) && (
            <label className="check" data-testid="create-securities-label">
              <input
                type="checkbox"
                data-testid="create-securities"
                checked={choices.createSecurities}
                onChange={(e) => onChoices({ ...choices, createSecurities: e.target.checked })}
              />
              <span>
                Create {plural(toCreate, 'new security', 'new securities')}
                {sampleOnly ? ' (counted in the rows shown)' : ''} from the file’s descriptions.{' '}
                <span className="muted">
                  The preview is updated to match. New securities get no price history until you import one.
                </span>
              </span>
            </label>
          )}
          {p.kind === 'positions' && p.rejectedRows > 0 && p.rejectedRows < p.totalRows && (
            <label className="check" data-testid="allow-partial-label">
              <input
                type="checkbox"
                data-testid="allow-partial"
                checked={choices.allowPartial}
                onChange={(e) => onChoices({ ...choices, allowPartial: e.target.checked })}
              />
              <span>
                Import without the {plural(p.rejectedRows, 'rejected row')} listed above.{' '}
                <span className="consequence">
                  Those holdings will be missing from the snapshot: Ballast will treat them as not held, and every weight and
                  proposal computed from it will be off by their value. The exclusion is recorded in the audit log.
                </span>
              </span>
            </label>
          )}
          {readiness.blockers.length > 0 && (
            <ul className="blockers" data-testid="import-blockers">
              {readiness.blockers.map((b) => (
                <li key={b}>{b}</li>
              ))}
            </ul>
          )}
          <p>
            <button
              type="button"
              className="primary"
              data-testid="import-confirm"
              disabled={!readiness.canImport || stale || busy}
              onClick={onImport}
            >
              {busy
                ? 'Importing…'
                : p.kind === 'prices'
                  ? `Import ${plural(p.prices?.rows ?? p.totalRows, 'price row')}`
                  : `Import ${plural(positionsToWrite, 'position')}${statementCount > 1 ? ` into ${statementCount.toLocaleString('en-US')} accounts` : ''}${readiness.excluded > 0 ? ` (leaving out ${plural(readiness.excluded, 'rejected row')})` : ''}`}
            </button>{' '}
            {stale && <span className="muted">Updating the preview…</span>}
          </p>
        </div>
      )}
    </section>
  );
}
