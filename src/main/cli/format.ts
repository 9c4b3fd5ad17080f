import type { AuditEntry, Portfolio, Proposal, ProposalSummary } from '../../shared/domain';

const pct = (x: number | null) => (x === null ? '' : `${(x * 100).toFixed(2)}%`);

/** Fixed-width text table; numbers right-aligned. */
export function table(headers: string[], rows: (string | number)[][], rightAlign: boolean[] = []): string {
  const cells = rows.map((r) => r.map(String));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (rightAlign[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

export function formatPortfolio(p: Portfolio): string {
  const rows = p.positions.map((x) => [x.ticker, x.name, x.quantity, x.price?.toFixed(4) ?? '', x.marketValue ?? '', pct(x.weight)]);
  return [
    `Account ${p.account.id} (${p.account.name}) positions as of ${p.asOf ?? 'n/a'}`,
    table(['Ticker', 'Name', 'Quantity', 'Price', 'Market value', 'Weight'], rows, [false, false, true, true, true, true]),
    `Cash ${p.cash}   Total ${p.totalValue} ${p.account.baseCurrency}`,
  ].join('\n');
}

export function formatProposal(p: Proposal): string {
  const assets = p.assets.map((a) => [a.ticker, pct(a.currentWeight), pct(a.targetWeight), pct(a.postTradeWeight), pct(a.riskContribution), pct(a.volatility)]);
  assets.push(['CASH', pct(p.cash.currentWeight), pct(p.cash.targetWeight), pct(p.cash.postTradeWeight), '', '']);
  const trades = p.trades.map((t) => [t.side, t.ticker, t.quantity, t.price.toFixed(4), t.notional]);
  const d = p.diagnostics;
  return [
    `Proposal ${p.id} — ${p.engineLabel} — ${p.status}`,
    `Account ${p.accountId}, prices as of ${p.asOf}, data ${p.dataRange.from} → ${p.dataRange.to}, total value ${p.totalValue}`,
    '',
    table(['Ticker', 'Current', 'Target', 'Post-trade', 'Risk contrib.', 'Vol (ann.)'], assets, [false, true, true, true, true, true]),
    '',
    p.trades.length ? table(['Side', 'Ticker', 'Quantity', 'Price', 'Notional'], trades, [false, false, true, true, true]) : 'No trades.',
    '',
    `Converged ${d.converged} in ${d.iterations} iterations (tolerance ${d.tolerance}); risk-contribution spread ${d.riskContributionSpread.toExponential(2)}; Ledoit–Wolf shrinkage ${d.shrinkageIntensity.toFixed(4)}; portfolio volatility ${pct(d.portfolioVolatility)}.`,
  ].join('\n');
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
