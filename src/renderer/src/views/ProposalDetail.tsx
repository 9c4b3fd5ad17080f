import { lazy, Suspense, useMemo } from 'react';
import { type Proposal } from '../../../shared/domain';
import { riskChartOption, weightsChartOption } from '../charts/options';
import { DecisionPanel } from '../components/DecisionPanel';
import { ExportPanel } from '../components/ExportPanel';
import { StatusBadge } from '../components/StatusBadge';
import { formatAssetClass, formatDecimal, formatMoney, formatNumber, formatPercent, formatPrice, formatTimestamp } from '../format';
import { useApp, useQuery } from '../state';

// ECharts is most of the bundle and only this view draws charts: load it when a proposal is first shown.
const EChart = lazy(() => import('../charts/EChart').then((m) => ({ default: m.EChart })));

export function ProposalDetail({ proposalId }: { proposalId: number }) {
  const { client } = useApp();
  const query = useQuery(() => client.call('proposals.get', { proposalId }), [client, proposalId], ['proposals']);
  // A stale proposal (previous selection still loading) must not be shown under the new id.
  const proposal = query.data && query.data.id === proposalId ? query.data : undefined;
  if (!proposal) {
    return (
      <section className="panel proposal-detail" data-testid="proposal-detail" aria-busy="true">
        <p className="muted">Loading proposal #{proposalId}…</p>
      </section>
    );
  }
  return <ProposalBody proposal={proposal} onChanged={query.reload} />;
}

function ProposalBody({ proposal, onChanged }: { proposal: Proposal; onChanged(): void }) {
  const weightsOption = useMemo(() => weightsChartOption(proposal), [proposal]);
  const riskOption = useMemo(() => riskChartOption(proposal), [proposal]);
  const p = proposal;
  const d = p.diagnostics;
  const budgets = p.parameters.riskBudgets;

  return (
    <section className="panel proposal-detail" data-testid="proposal-detail" data-proposal-id={p.id}>
      <div className="panel-head">
        <h2>
          <span className="engine-label" data-testid="engine-label">
            {p.engineLabel}
          </span>{' '}
          <span className="muted">proposal #{p.id} · {p.accountId}</span>
        </h2>
        <StatusBadge status={p.status} testId="proposal-status" />
      </div>

      <dl className="facts" data-testid="proposal-facts">
        <dt>Created</dt>
        <dd>{formatTimestamp(p.createdAt)}</dd>
        <dt>As of</dt>
        <dd>{p.asOf}</dd>
        <dt>Price data</dt>
        <dd>
          {p.dataRange.from} → {p.dataRange.to}
        </dd>
        <dt>Positions as of</dt>
        <dd>{p.positionsAsOf ?? '—'}</dd>
        <dt>Total value</dt>
        <dd>{formatMoney(p.totalValue)}</dd>
        <dt>Turnover</dt>
        <dd>{formatPercent(p.turnover)}</dd>
        <dt>Lookback</dt>
        <dd>{p.parameters.lookbackDays} trading days</dd>
        <dt>Cash floor</dt>
        <dd>{formatPercent(p.parameters.cashFloor)}</dd>
        <dt>Risk budgets</dt>
        <dd>
          {budgets
            ? Object.entries(budgets)
                .map(([ticker, b]) => `${ticker} ${formatPercent(b, 1)}`)
                .join(', ')
            : 'equal risk contribution'}
        </dd>
        <dt>Seed</dt>
        <dd data-testid="proposal-seed">{p.seed}</dd>
        <dt>Code version</dt>
        <dd className="mono">{p.codeVersion}</dd>
      </dl>

      <div className="charts">
        <Suspense fallback={<p className="muted">Loading charts…</p>}>
          <figure>
            <figcaption>Weights per ticker: current, target and post-trade</figcaption>
            <EChart option={weightsOption} height={260} label="Current, target and post-trade weights per ticker and cash" testId="weights-chart" />
          </figure>
          <figure>
            <figcaption>Risk contribution at target weights</figcaption>
            <EChart option={riskOption} height={260} label="Share of portfolio risk per ticker at the target weights" testId="risk-chart" />
          </figure>
        </Suspense>
      </div>

      <h3>Allocation</h3>
      <table className="grid" data-testid="allocation-table">
        <thead>
          <tr>
            <th>Ticker</th>
            <th>Asset class</th>
            <th className="num">Price</th>
            <th className="num">Current qty</th>
            <th className="num">Target qty</th>
            <th className="num">Current</th>
            <th className="num">Target</th>
            <th className="num">Post-trade</th>
            <th className="num">Risk contrib.</th>
            <th className="num">Volatility</th>
          </tr>
        </thead>
        <tbody>
          {p.assets.map((a) => (
            <tr key={a.securityId}>
              <td className="mono" title={a.name}>
                {a.ticker}
              </td>
              <td>{formatAssetClass(a.assetClass)}</td>
              <td className="num">{formatPrice(a.price)}</td>
              <td className="num">{formatDecimal(a.currentQuantity)}</td>
              <td className="num">{formatDecimal(a.targetQuantity)}</td>
              <td className="num">{formatPercent(a.currentWeight)}</td>
              <td className="num">{formatPercent(a.targetWeight)}</td>
              <td className="num">{formatPercent(a.postTradeWeight)}</td>
              <td className="num">{formatPercent(a.riskContribution)}</td>
              <td className="num">{formatPercent(a.volatility)}</td>
            </tr>
          ))}
          <tr className="subtotal">
            <td className="mono">Cash</td>
            <td colSpan={2} />
            <td className="num">{formatMoney(p.cash.current)}</td>
            <td className="num">{formatMoney(p.cash.postTrade)}</td>
            <td className="num">{formatPercent(p.cash.currentWeight)}</td>
            <td className="num">{formatPercent(p.cash.targetWeight)}</td>
            <td className="num">{formatPercent(p.cash.postTradeWeight)}</td>
            <td colSpan={2} />
          </tr>
        </tbody>
      </table>

      <h3>Trades ({p.trades.length})</h3>
      <table className="grid" data-testid="trades-table">
        <thead>
          <tr>
            <th>Side</th>
            <th>Ticker</th>
            <th>ISIN</th>
            <th className="num">Quantity</th>
            <th className="num">Price</th>
            <th className="num">Notional</th>
            <th>Ccy</th>
          </tr>
        </thead>
        <tbody>
          {p.trades.length === 0 && (
            <tr>
              <td colSpan={7} className="muted">
                No trades: the account is already at its target within whole shares.
              </td>
            </tr>
          )}
          {p.trades.map((t) => (
            <tr key={`${t.securityId}-${t.side}`} data-testid="trade-row">
              <td className={t.side === 'BUY' ? 'side-buy' : 'side-sell'}>{t.side}</td>
              <td className="mono">{t.ticker}</td>
              <td className="mono">{t.isin ?? '—'}</td>
              <td className="num">{formatDecimal(t.quantity)}</td>
              <td className="num">{formatPrice(t.price)}</td>
              <td className="num">{formatMoney(t.notional)}</td>
              <td>{t.currency}</td>
            </tr>
          ))}
        </tbody>
      </table>

      <h3>Diagnostics</h3>
      <dl className="facts" data-testid="diagnostics">
        <dt>Converged</dt>
        <dd data-testid="diag-converged" className={d.converged ? undefined : 'warn'}>
          {d.converged ? 'yes' : 'NO — treat the targets with caution'}
        </dd>
        <dt>Iterations</dt>
        <dd>
          {d.iterations} (tolerance {d.tolerance.toExponential(1)})
        </dd>
        <dt>Risk-contribution spread</dt>
        <dd>{formatPercent(d.riskContributionSpread, 3)}</dd>
        <dt>Shrinkage intensity</dt>
        <dd>{formatNumber(d.shrinkageIntensity, 3)}</dd>
        <dt>Portfolio volatility</dt>
        <dd>{formatPercent(d.portfolioVolatility)} a year</dd>
        <dt>Observations</dt>
        <dd>{d.observations} daily returns</dd>
      </dl>

      <DecisionPanel proposal={p} onChanged={onChanged} />
      <ExportPanel proposal={p} onChanged={onChanged} />
    </section>
  );
}
