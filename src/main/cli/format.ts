import type {
  AuditEntry,
  CustodianProfile,
  EmsProfile,
  FixSettings,
  ImportPreview,
  ImportResult,
  Portfolio,
  Proposal,
  ProposalSummary,
  StatementsNotListed,
} from '../../shared/domain';
import type { FileIssue } from '../../shared/errors';
import type { BacktestReport, PerformanceMetrics } from '../../shared/backtest';

const pct = (x: number | null) => (x === null ? '' : `${(x * 100).toFixed(2)}%`);

/** Fixed-width text table; numbers right-aligned. */
export function table(headers: string[], rows: (string | number)[][], rightAlign: boolean[] = []): string {
  const cells = rows.map((r) => r.map(String));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (rightAlign[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

export function formatPortfolio(p: Portfolio): string {
  const rows = p.positions.map((x) => [x.ticker, x.isin ?? x.cusip ?? x.sedol ?? '', x.name, x.quantity, x.currency, x.price?.toFixed(4) ?? '', x.marketValue ?? '', pct(x.weight)]);
  return [
    `Account ${p.account.id} (${p.account.name}) positions as of ${p.asOf ?? 'n/a'}`,
    table(['Ticker', 'ISIN/CUSIP/SEDOL', 'Name', 'Quantity', 'Ccy', 'Price', 'Market value', 'Weight'], rows, [false, false, false, true, false, true, true, true]),
    `Cash ${p.cash}   Total ${p.totalValue} ${p.account.baseCurrency}`,
  ].join('\n');
}

/**
 * `positions --json`: the portfolio, each holding carrying every identifier the master has for it and
 * the snapshot's as-of date, so a script needs nothing else to reconcile it with the custodian's file.
 */
export function positionsJson(p: Portfolio) {
  return {
    ...p,
    positions: p.positions.map((x) => ({ ...x, description: x.name, asOf: p.asOf })),
  };
}

/** The statements a result or preview sums instead of listing. */
function describeNotListed(n: StatementsNotListed): string {
  const details = [
    `${n.positions} holdings`,
    ...(n.newAccounts > 0 ? [`${n.newAccounts} new account${n.newAccounts === 1 ? '' : 's'}`] : []),
    ...(n.disappearing > 0 ? [`${n.disappearing} that do not list everything the account holds now`] : []),
  ];
  return `and ${n.statements} more statement${n.statements === 1 ? '' : 's'}, not listed (${details.join('; ')})`;
}

/** The validation report: one line per issue, addressed by line and field. */
export function formatIssues(issues: readonly FileIssue[]): string {
  return issues
    .map((i) => `  ${i.severity === 'warning' ? 'warning' : 'error  '} ${i.line > 0 ? `line ${i.line}` : 'file'}${i.field ? `, field ${i.field}` : ''}: ${i.reason}`)
    .join('\n');
}

export function formatImportResult(r: ImportResult, exclusions: readonly Pick<FileIssue, 'line' | 'field' | 'reason'>[]): string {
  if (r.status === 'already_imported') return `${r.fileName} was already imported (import ${r.importId}, SHA-256 ${r.sha256.slice(0, 12)}…); nothing changed.`;
  const lines = [`Imported ${r.rows} ${r.kind === 'prices' ? 'prices' : 'holdings'} from ${r.fileName} (${r.format}) as import ${r.importId}.`];
  for (const s of r.snapshots) {
    const cash = s.cash.length ? `, cash ${s.cash.map((c) => `${c.amount} ${c.currency}`).join(' + ')}` : '';
    const replaced = s.supersedes.length ? `; replaces snapshot ${s.supersedes.join(', ')} of the same day` : '';
    lines.push(`  account ${s.accountId} as of ${s.asOf}: ${s.positions} holdings${cash} (snapshot ${s.snapshotId}${replaced})${s.newAccount ? ' — a new account, created' : ''}`);
    if (s.mode === 'update' && s.carriedOver) lines.push(`    ${s.carriedOver} line${s.carriedOver === 1 ? '' : 's'} the file does not list kept from the snapshot of ${s.previous?.asOf ?? 'before'} (--update)`);
    if (s.mode === 'replace' && s.disappearing) lines.push(`    no longer held (the file is the whole account, --replace): ${describeShrinkage(s.disappearing)}`);
  }
  if (r.snapshotsNotListed) lines.push(`  ${describeNotListed(r.snapshotsNotListed)}`);
  if (r.securitiesCreated > 0) lines.push(`  ${r.securitiesCreated} new securit${r.securitiesCreated === 1 ? 'y' : 'ies'} created from the file.`);
  if (r.excluded > 0) {
    lines.push(`  ${r.excluded} row${r.excluded === 1 ? '' : 's'} left out, as accepted with --allow-partial (audited):`);
    lines.push(formatIssues(exclusions.map((e) => ({ ...e, severity: 'error' as const }))));
  }
  if (r.warnings.length) lines.push(formatIssues(r.warnings.map((w) => ({ ...w, severity: 'warning' as const }))));
  return lines.join('\n');
}

export function formatPreview(p: ImportPreview): string {
  const errors = p.issues.filter((i) => i.severity === 'error').length;
  const lines = [
    `${p.fileName}: ${p.format}${p.profile ? `, custodian profile "${p.profile}"` : ''}${p.alreadyImported ? ' — already imported (importing it again changes nothing)' : ''}`,
    ...Object.entries(p.detected).map(([k, v]) => `  ${k}: ${v}`),
  ];
  if (p.prices) lines.push(`Prices: ${p.prices.rows} observations of ${p.prices.tickers.length} tickers, ${p.prices.from} → ${p.prices.to}`);
  if (p.statements.length) {
    lines.push('Statements:');
    for (const s of p.statements) {
      const cash = s.cash.length ? `, cash ${s.cash.map((c) => `${c.amount} ${c.currency}`).join(' + ')}` : '';
      lines.push(
        `  account ${s.accountId} as of ${s.asOf}: ${s.positions} holdings${cash}${s.supersedes.length ? ` (replaces snapshot ${s.supersedes.join(', ')})` : ''}${s.newAccount ? ' — a new account: the import creates it' : ''}`,
      );
      if (s.disappearing) {
        lines.push(`    the account's snapshot of ${s.previous?.asOf ?? '?'} has what this file does not list: ${describeShrinkage(s.disappearing)}`);
      }
    }
    if (p.statementsNotListed) lines.push(`  ${describeNotListed(p.statementsNotListed)}`);
    if (p.choiceNeeded) {
      lines.push(
        'This file does not list everything the account holds now. Import it with --replace if it is the whole account (what it does not list is gone), or with --update if it updates only the lines it lists (everything else is kept).',
      );
    }
  }
  if (p.rows.length) {
    lines.push(
      table(
        ['Line', 'Account', 'Ticker', 'ISIN', 'Description', 'Quantity', 'Price', 'Market value', 'Ccy', 'Match', 'Status'],
        p.rows.map((r) => [
          r.line,
          r.accountId ?? '',
          r.ticker ?? '',
          r.isin ?? r.cusip ?? r.sedol ?? '',
          (r.description ?? '').slice(0, 32),
          `${r.quantity}${r.quantityType === 'FAMT' ? ' FAMT' : ''}`,
          r.price ?? '',
          r.marketValue ?? '',
          r.currency ?? '',
          r.match.willCreate ? 'new' : r.match.by ? `${r.match.ticker} by ${r.match.by}` : '—',
          r.status,
        ]),
        [true, false, false, false, false, true, true, true],
      ),
    );
  }
  if (p.needsMapping) lines.push(`The columns could not be recognised (${(p.headers ?? []).join(', ')}): map them in a custodian profile (ballast profiles save <profile.json>).`);
  lines.push(
    `${p.totalRows} rows, ${p.rejectedRows} rejected, ${p.issues.length} issue${p.issues.length === 1 ? '' : 's'}.${errors ? ` The file would be REJECTED as it is${p.statements.length ? ' (or imported without the rejected rows with --allow-partial)' : ''}.` : ''}`,
  );
  if (p.issues.length) lines.push(formatIssues(p.issues));
  return lines.join('\n');
}

export function formatCustodianProfiles(list: CustodianProfile[]): string {
  if (!list.length) return 'No custodian profiles saved.';
  return list
    .map((p) =>
      [
        `${p.name}${p.headerSignature ? ` (used automatically for header ${p.headerSignature})` : ''}`,
        ...Object.entries(p.mapping).map(([field, column]) => `  ${field.padEnd(12)} ← ${column}`),
        ...(['delimiter', 'encoding', 'numberConvention', 'dateFormat'] as const).filter((k) => p[k] !== null).map((k) => `  ${k}: ${JSON.stringify(p[k])}`),
      ].join('\n'),
    )
    .join('\n\n');
}

export function formatEmsProfiles(list: EmsProfile[]): string {
  if (!list.length) return 'No EMS profiles saved (CSV exports use the standard layout).';
  return list
    .map((p) => `${p.name}: ${p.columns.map((c) => `${c.header} (${c.field})`).join(p.delimiter === '\t' ? ' <tab> ' : `${p.delimiter} `)}; ${p.orderType} ${p.timeInForce}`)
    .join('\n');
}

export function formatFixSettings(s: FixSettings): string {
  return [
    `SenderCompID(49)  ${s.senderCompId}`,
    `TargetCompID(56)  ${s.targetCompId}`,
    `HandlInst(21)     ${s.handlInst ?? '(not sent)'}`,
    `TimeInForce(59)   ${s.timeInForce}`,
    `NewOrderList(35=E) ${s.newOrderList ? 'yes, one basket message after the orders' : 'no'}`,
  ].join('\n');
}

export function formatProposal(p: Proposal): string {
  const bayesian = p.engine === 'bayesian';
  const signed = (x: number) => `${x >= 0 ? '+' : '−'}${(Math.abs(x) * 100).toFixed(2)}%`;
  const assets = p.assets.map((a) => {
    const row = [a.ticker, pct(a.currentWeight), pct(a.targetWeight), pct(a.postTradeWeight), pct(a.riskContribution), pct(a.volatility)];
    if (bayesian) {
      const f = a.forecast;
      row.splice(2, 0, a.anchorWeight !== undefined ? pct(a.anchorWeight) : '');
      row.push(f ? `${signed(f.mean)} [${signed(f.lower90)}, ${signed(f.upper90)}]` : 'no forecast', f ? `${pct(f.epistemicSd)} / ${pct(f.aleatoricSd)}` : '');
    }
    return row;
  });
  const cashRow = ['CASH', pct(p.cash.currentWeight), pct(p.cash.targetWeight), pct(p.cash.postTradeWeight), '', ''];
  if (bayesian) {
    cashRow.splice(2, 0, '');
    cashRow.push('', '');
  }
  assets.push(cashRow);
  const headers = bayesian
    ? ['Ticker', 'Current', 'Anchor', 'Target', 'Post-trade', 'Risk contrib.', 'Vol (ann.)', `Forecast ${p.modelRun?.horizonDays ?? ''}d [90% interval]`, 'Epistemic / aleatoric sd']
    : ['Ticker', 'Current', 'Target', 'Post-trade', 'Risk contrib.', 'Vol (ann.)'];
  const trades = p.trades.map((t) => [t.side, t.ticker, t.quantity, t.price.toFixed(4), t.notional]);
  const d = p.diagnostics;
  const lines = [
    `Proposal ${p.id} — ${p.engineLabel} — ${p.status}`,
    `Account ${p.accountId}, prices as of ${p.asOf}, data ${p.dataRange.from} → ${p.dataRange.to}, total value ${p.totalValue}`,
  ];
  for (const w of p.warnings ?? []) lines.push(`WARNING: ${w}`);
  if (p.untouched) {
    // Issue 9: what the allocator left as it is, and why; it counts in the account total.
    if (p.untouched.holdings.length > 0) {
      lines.push(`Held, not allocated (${p.untouched.holdings.length}; value ${p.untouched.value}, account total ${p.untouched.accountTotal}):`);
      for (const h of p.untouched.holdings) lines.push(`  ${h.ticker} ${h.quantity}${h.marketValue !== null ? ` (${h.marketValue})` : ''}: ${h.explanation}`);
    }
    // Restricted lists: in the sleeve (and its total value), held back by θ.
    const restricted = p.untouched.restricted ?? [];
    if (restricted.length > 0) lines.push(`On restricted lists (${restricted.length}):`);
    for (const h of restricted) lines.push(`  ${h.ticker} ${h.quantity} (${h.marketValue}): ${h.explanation}`);
    const other = p.untouched.cashNotCounted ?? [];
    if (other.length > 0) lines.push(`  cash not counted in any total (other currencies, not converted): ${other.map((c) => `${c.amount} ${c.currency}`).join(', ')}`);
  }
  if (p.modelRun) {
    lines.push(`Forecast model run ${p.modelRun.id}: trained through ${p.modelRun.trainedThrough}, forecast of ${p.modelRun.forecastDate}, horizon ${p.modelRun.horizonDays} trading days, seed ${p.modelRun.seed}, ${p.modelRun.backend}`);
  }
  if (p.breaker) {
    const b = p.breaker;
    lines.push(
      `Circuit breaker: ${b.state} since ${b.since} (certainty ${b.certainty === null ? "not yet scored" : b.certainty.toFixed(2)}; warn ${b.thresholds.warn}, trip ${b.thresholds.trip}, reset ${b.thresholds.reset}); risky exposure kept ${pct(b.exposure)}`,
      `  ${b.reason}`,
    );
  }
  if (p.confidence) {
    const c = p.confidence;
    lines.push(
      `Portfolio over ${c.horizonDays} trading days: expected ${signed(c.expectedReturn)}, 90% interval [${signed(c.lower90)}, ${signed(c.upper90)}]; probability the target beats keeping current weights ${pct(c.probabilityBeatsCurrent)}`,
    );
  }
  lines.push('', table(headers, assets, headers.map((_h, i) => i > 0)), '');
  if (p.attribution) {
    const groups = p.attribution.groups;
    const rows = p.attribution.assets.map((a) => [a.ticker, signed(a.change), ...groups.map((g) => signed(a.contributions[g.key] ?? 0)), `${pct(a.riskContributionBefore)} → ${pct(a.riskContributionAfter)}`]);
    rows.push(['CASH', signed(p.attribution.cash.change), ...groups.map((g) => signed(p.attribution!.cash.contributions[g.key] ?? 0)), '']);
    lines.push('Why each weight changes (exact Shapley attribution; the parts add up to the change):');
    lines.push(table(['Ticker', 'Change', ...groups.map((g) => g.label), 'Risk share before → after'], rows, [false, true, ...groups.map(() => true), true]), '');
  }
  lines.push(p.trades.length ? table(['Side', 'Ticker', 'Quantity', 'Price', 'Notional'], trades, [false, false, true, true, true]) : 'No trades.', '');
  lines.push(
    bayesian
      ? `Allocator: ${d.iterations} QP solves; portfolio volatility ${pct(d.portfolioVolatility)}; risk from the last ${d.observations} daily returns (shrinkage ${d.shrinkageIntensity.toFixed(4)}); anchor risk budgeting converged ${d.converged}, spread ${d.riskContributionSpread.toExponential(2)}.`
      : `Converged ${d.converged} in ${d.iterations} iterations (tolerance ${d.tolerance}); risk-contribution spread ${d.riskContributionSpread.toExponential(2)}; Ledoit–Wolf shrinkage ${d.shrinkageIntensity.toFixed(4)}; portfolio volatility ${pct(d.portfolioVolatility)}.`,
  );
  return lines.join('\n');
}

export function formatBacktest(r: BacktestReport): string {
  const row = (name: string, m: PerformanceMetrics) => [name, pct(m.cagr), pct(m.volatility), m.sharpe.toFixed(2), m.sortino.toFixed(2), pct(m.maxDrawdown), m.calmar.toFixed(2), pct(m.turnover), pct(m.costDrag)];
  const rows = [row(r.strategy, r.metrics), ...Object.entries(r.baselines).map(([name, b]) => row(name, b.metrics))];
  const names = [r.strategy, ...Object.keys(r.baselines)];
  const lines = [
    `Backtest of ${r.strategy} on ${r.tickers.length} securities (${r.tickers.join(', ')}), ${r.from} → ${r.to}, ${r.rebalances.length} rebalances${r.modelRunId ? `, forecasts from model run ${r.modelRunId} (seed ${r.seed})` : ''}`,
    '',
    table(['Strategy', 'CAGR', 'Volatility', 'Sharpe', 'Sortino', 'Max drawdown', 'Calmar', 'Turnover/yr', 'Cost drag/yr'], rows, [false, true, true, true, true, true, true, true, true]),
    '',
    'Stress windows (max drawdown inside each):',
    table(['Window', 'From', 'To', ...names], r.stress.map((w) => [w.name, w.from, w.to, ...names.map((n) => (w.maxDrawdown[n] === null || w.maxDrawdown[n] === undefined ? '' : pct(w.maxDrawdown[n]!)))]), [false, false, false, ...names.map(() => true)]),
  ];
  if (r.forecasts) {
    const c = r.forecasts.coverage;
    lines.push('', `Forecasts: ${r.forecasts.count} scored; 50% intervals cover ${c['0.5'] === null ? 'n/a' : pct(c['0.5'])}, 90% intervals cover ${c['0.9'] === null ? 'n/a' : pct(c['0.9'])}.`);
  }
  if (r.breaker) {
    const t = r.breaker.timeInState;
    lines.push(`Circuit breaker: time in NORMAL ${pct(t.NORMAL ?? 0)}, CAUTION ${pct(t.CAUTION ?? 0)}, DE_RISKED ${pct(t.DE_RISKED ?? 0)}; ${r.breaker.events.length} transitions.`);
    for (const e of r.breaker.events.slice(-12)) lines.push(`  ${e.date}: ${e.from} → ${e.to}`);
  }
  return lines.join('\n');
}

export function formatProposalList(list: ProposalSummary[]): string {
  if (!list.length) return 'No proposals yet.';
  return table(
    ['Id', 'Account', 'Status', 'Engine', 'Created', 'As of', 'Trades', 'Turnover'],
    list.map((p) => [p.id, p.accountId, p.status, p.engine, p.createdAt, p.asOf, p.tradeCount, pct(p.turnover)]),
    [true, false, false, false, false, false, true, true],
  );
}

export function formatAudit(rows: AuditEntry[]): string {
  if (!rows.length) return 'The audit log is empty.';
  return table(
    ['Id', 'At', 'Actor', 'Action', 'Entity', 'Hash'],
    rows.map((r) => [r.id, r.at, r.actor, r.action, `${r.entity}${r.entityId ? ` ${r.entityId}` : ''}`, `${r.hash.slice(0, 12)}…`]),
    [true],
  );
}

/** "AAPL (100), MSFT (50) and cash 1234.56 USD" — what a new snapshot would drop. */
export function describeShrinkage(d: NonNullable<ImportPreview['statements'][number]['disappearing']>): string {
  const holdings = d.holdings.slice(0, 12).map((h) => `${h.ticker} (${h.quantity})`);
  if (d.holdings.length > 12) holdings.push(`${d.holdings.length - 12} more`);
  const cash = d.cash.map((c) => `cash ${c.amount} ${c.currency}`);
  return [...holdings, ...cash].join(', ');
}
