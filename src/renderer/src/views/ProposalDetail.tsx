import { lazy, Suspense, useMemo } from 'react';
import { type Proposal, type ProposalAsset } from '../../../shared/domain';
import { anchorCashWeight, formatWithInterval, hasAnchor, hasForecasts, horizonDays, horizonPhrase } from '../bayesian';
import { forecastChartOption, riskChartOption, weightsChartOption } from '../charts/options';
import { AttributionTable } from '../components/AttributionTable';
import { ConfidencePanel, ModelRunLine, ProposalWarnings, strategySummary } from '../components/BayesianPanels';
import { BreakerPanel } from '../components/BreakerPanel';
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

/** The asset's forecast cell: mean and 90 % interval in words, the raw numbers as attributes for tests and tools. */
function ForecastCells({ asset }: { asset: ProposalAsset }) {
  const f = asset.forecast;
  if (!f) {
    return (
      <>
        <td className="muted" data-testid="asset-forecast" data-missing="true">
          no forecast
        </td>
        <td className="num muted">—</td>
      </>
    );
  }
  return (
    <>
      <td
        className="num"
        data-testid="asset-forecast"
        data-mean={f.mean}
        data-lower90={f.lower90}
        data-upper90={f.upper90}
        data-epistemic-sd={f.epistemicSd}
        data-aleatoric-sd={f.aleatoricSd}
      >
        {formatWithInterval(f.mean, f.lower90, f.upper90)}
      </td>
      <td className="num">
        {formatPercent(f.epistemicSd)} / {formatPercent(f.aleatoricSd)}
      </td>
    </>
  );
}

function ProposalBody({ proposal, onChanged }: { proposal: Proposal; onChanged(): void }) {
  const weightsOption = useMemo(() => weightsChartOption(proposal), [proposal]);
  const riskOption = useMemo(() => riskChartOption(proposal), [proposal]);
  const forecasts = hasForecasts(proposal);
  const forecastOption = useMemo(() => (forecasts ? forecastChartOption(proposal) : null), [proposal, forecasts]);
  const p = proposal;
  const d = p.diagnostics;
  const budgets = p.parameters.riskBudgets;
  const anchor = hasAnchor(p);
  const anchorCash = anchorCashWeight(p);
  const horizon = horizonPhrase(horizonDays(p));
  const strategy = strategySummary(p);

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

      <ProposalWarnings warnings={p.warnings} />
      {p.modelRun && <ModelRunLine run={p.modelRun} />}
      {p.parameters.tuningRunId != null && (
        <p className="model-run" data-testid="theta-source" data-tuning-run-id={p.parameters.tuningRunId}>
          Strategy parameters from accepted tuning run <strong>#{p.parameters.tuningRunId}</strong>
        </p>
      )}

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
        {strategy && (
          <>
            <dt>Strategy parameters</dt>
            <dd data-testid="strategy-parameters">{strategy}</dd>
          </>
        )}
        <dt>Seed</dt>
        <dd data-testid="proposal-seed">{p.seed}</dd>
        <dt>Code version</dt>
        <dd className="mono">{p.codeVersion}</dd>
      </dl>

      {(p.breaker || p.confidence) && (
        <div className="bayes-summary">
          {p.breaker && <BreakerPanel breaker={p.breaker} />}
          {p.confidence && <ConfidencePanel confidence={p.confidence} />}
        </div>
      )}

      <Suspense fallback={<p className="muted">Loading charts…</p>}>
        <div className="charts">
          <figure>
            <figcaption>Weights per ticker: current, {anchor ? 'risk-budgeting anchor, ' : ''}target and post-trade</figcaption>
            <EChart
              option={weightsOption}
              height={260}
              label={`Current, ${anchor ? 'anchor, ' : ''}target and post-trade weights per ticker and cash`}
              testId="weights-chart"
            />
          </figure>
          <figure>
            <figcaption>Risk contribution at target weights</figcaption>
            <EChart option={riskOption} height={260} label="Share of portfolio risk per ticker at the target weights" testId="risk-chart" />
          </figure>
        </div>
        {forecastOption && (
          <figure className="forecast-figure">
            <figcaption>
              Expected return {horizon} per asset, with its 90 % interval (log return, not annualised). Hover an asset for
              model uncertainty and market noise.
            </figcaption>
            <EChart
              option={forecastOption}
              height={280}
              label={`Each asset's expected return ${horizon} with its 90 % interval`}
              testId="forecast-chart"
            />
          </figure>
        )}
      </Suspense>

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
            {anchor && (
              <th className="num" title="Risk-budgeting weight the forecasts tilt from">
                Anchor
              </th>
            )}
            <th className="num">Target</th>
            <th className="num">Post-trade</th>
            <th className="num">Risk contrib.</th>
            <th className="num">Volatility</th>
            {forecasts && (
              <>
                <th className="num" title={`Expected log return ${horizon}, not annualised`}>
                  Forecast
                  <br />
                  (90 % interval)
                </th>
                <th
                  className="num"
                  title="Standard deviations of the forecast: model uncertainty (epistemic: how unsure the model is about the expected return) and market noise (aleatoric: the return's own randomness)"
                >
                  Model uncertainty /
                  <br />
                  market noise (sd)
                </th>
              </>
            )}
          </tr>
        </thead>
        <tbody>
          {p.assets.map((a) => (
            <tr key={a.securityId} data-testid="asset-row" data-ticker={a.ticker}>
              <td className="mono" title={a.name}>
                {a.ticker}
              </td>
              <td>{formatAssetClass(a.assetClass)}</td>
              <td className="num">{formatPrice(a.price)}</td>
              <td className="num">{formatDecimal(a.currentQuantity)}</td>
              <td className="num">{formatDecimal(a.targetQuantity)}</td>
              <td className="num">{formatPercent(a.currentWeight)}</td>
              {anchor && (
                <td className="num" data-testid="asset-anchor" data-value={a.anchorWeight}>
                  {formatPercent(a.anchorWeight)}
                </td>
              )}
              <td className="num">{formatPercent(a.targetWeight)}</td>
              <td className="num">{formatPercent(a.postTradeWeight)}</td>
              <td className="num">{formatPercent(a.riskContribution)}</td>
              <td className="num">{formatPercent(a.volatility)}</td>
              {forecasts && <ForecastCells asset={a} />}
            </tr>
          ))}
          <tr className="subtotal">
            <td className="mono">Cash</td>
            <td colSpan={2} />
            <td className="num">{formatMoney(p.cash.current)}</td>
            <td className="num">{formatMoney(p.cash.postTrade)}</td>
            <td className="num">{formatPercent(p.cash.currentWeight)}</td>
            {anchor && <td className="num">{formatPercent(anchorCash)}</td>}
            <td className="num">{formatPercent(p.cash.targetWeight)}</td>
            <td className="num">{formatPercent(p.cash.postTradeWeight)}</td>
            <td colSpan={forecasts ? 4 : 2} />
          </tr>
        </tbody>
      </table>

      {p.attribution && <AttributionTable attribution={p.attribution} />}

      {p.untouched && <UntouchedHoldings untouched={p.untouched} />}

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

// ---------------------------------------------------------------------------------------------------
// Holdings the allocator left as they are (issue 9): derivatives, shorts, cash-like funds, with why; and the
// holdings θ's restricted lists hold back (in the sleeve, so not in the untouched value).

function UntouchedHoldings({ untouched }: { untouched: NonNullable<Proposal['untouched']> }) {
  return (
    <section data-testid="untouched-holdings">
      {(untouched.cashNotCounted ?? []).length > 0 && (
        <p className="notice" data-testid="cash-not-counted">
          Cash in other currencies is kept but not counted in any total (no conversion yet):{' '}
          {(untouched.cashNotCounted ?? []).map((c) => `${formatMoney(c.amount)} ${c.currency}`).join(', ')}.
        </p>
      )}
      {untouched.holdings.length > 0 && (
        <>
          <h3>Held, not allocated ({untouched.holdings.length})</h3>
          <p className="muted">
            The proposal allocates the long positions it can trade. These holdings stay as they are; their value ({formatMoney(untouched.value)}) counts in the account
            total of {formatMoney(untouched.accountTotal)}.
          </p>
          <HeldTable rows={untouched.holdings} testId="untouched-row" reasonHeading="Why it is left as it is" />
        </>
      )}
      {(untouched.restricted ?? []).length > 0 && (
        <>
          <h3>On restricted lists ({(untouched.restricted ?? []).length})</h3>
          <p className="muted">These holdings are in the allocated sleeve and its total value; the strategy's restricted lists limit what the proposal does with them.</p>
          <HeldTable rows={untouched.restricted ?? []} testId="restricted-row" reasonHeading="What the proposal may do" />
        </>
      )}
    </section>
  );
}

/** Holdings a proposal names with a reason in words: those it leaves as they are, and those on restricted lists. */
function HeldTable(props: {
  rows: readonly { securityId: number; ticker: string; name: string; quantity: string; marketValue: string | null; reason: string; explanation: string }[];
  testId: string;
  reasonHeading: string;
}) {
  return (
    <table className="grid">
      <thead>
        <tr>
          <th>Ticker</th>
          <th>Name</th>
          <th className="num">Quantity</th>
          <th className="num">Market value</th>
          <th>{props.reasonHeading}</th>
        </tr>
      </thead>
      <tbody>
        {props.rows.map((h) => (
          <tr key={h.securityId} data-testid={props.testId} data-ticker={h.ticker} data-reason={h.reason}>
            <td className="mono">{h.ticker}</td>
            <td>{h.name}</td>
            <td className="num">{formatDecimal(h.quantity)}</td>
            <td className="num">{formatMoney(h.marketValue)}</td>
            <td>{h.explanation}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
