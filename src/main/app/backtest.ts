import { z } from 'zod';
import { BallastError } from '../../shared/errors';
import { StrategyParameters, type StrategyParameters as Theta } from '../../shared/strategy';
import type { BacktestInput, BacktestReport, StressWindow } from '../../shared/backtest';
import { BASELINE_NAMES, baselineStrategies, findStressWindows, runBacktest, windowDrawdown, type BacktestResult, type BacktestStrategy } from '../engine/backtest';
import { indexAtOrBefore } from '../engine/features/panel';
import { realisedCoverage } from '../engine/forecast/walkForward';
import type { ForecastSet } from '../engine/forecast/types';
import { bayesianStrategy } from '../engine/strategy/strategy';
import type { JobContext } from '../jobs/protocol';
import type { Store } from '../store';
import { ensureForecasts } from './forecasts';
import { loadMarketPanel } from './market-panel';
import { forecastConfigSetting } from './proposal-records';

const STRESS_WINDOWS_KEY = 'strategy.stressWindows';

/** Named stress windows (peak to trough of US equities), checked in every backtest that covers them; editable in settings. */
export const DEFAULT_STRESS_WINDOWS: StressWindow[] = [
  { name: 'Global financial crisis', from: '2007-10-09', to: '2009-03-09' },
  { name: 'COVID-19 crash', from: '2020-02-19', to: '2020-03-23' },
  { name: '2022 inflation and rate shock', from: '2022-01-03', to: '2022-10-12' },
];

export function stressWindowsSetting(store: Store): StressWindow[] {
  const text = store.settings.get(STRESS_WINDOWS_KEY);
  if (text === null) return DEFAULT_STRESS_WINDOWS;
  const parsed = z.array(z.object({ name: z.string(), from: z.string(), to: z.string() })).safeParse(JSON.parse(text));
  return parsed.success ? parsed.data : DEFAULT_STRESS_WINDOWS;
}

function summary(result: BacktestResult) {
  return { metrics: result.metrics, daily: result.daily.map((d) => ({ date: d.date, equity: d.equity })) };
}

/**
 * A walk-forward backtest of the strategy (or a baseline) with every baseline and, for the Bayesian strategy,
 * its ablations in the same run, on the same dates, with the same costs. Forecasts come from the store (trained
 * once per universe and model config, then reused).
 */
export async function backtestJob(store: Store, input: BacktestInput, job: JobContext): Promise<BacktestReport> {
  const market = loadMarketPanel(store, { ...(input.tickers ? { tickers: input.tickers } : {}), ...(input.to ? { to: input.to } : {}) });
  const { panel } = market;
  const n = panel.tickers.length;
  if (n < 2) throw new BallastError('INSUFFICIENT_DATA', 'A backtest needs price history for at least two securities.');
  const theta: Theta = StrategyParameters.parse(input.parameters ?? {});
  if (input.costBps !== undefined) theta.costs.bpsPerSide = input.costBps;
  const strategyName = input.strategy ?? 'bayesian';
  // The same forecast model proposals use (the saved setting), so a backtest shows the breaker track and forecasts a
  // proposal will see; a seed on the request picks another draw of that model.
  const forecastConfig = { ...forecastConfigSetting(store), ...(input.seed !== undefined ? { seed: input.seed } : {}) };

  let forecasts: ForecastSet | undefined;
  let runId: number | null = null;
  if (strategyName === 'bayesian') {
    const ensured = await ensureForecasts(store, market, forecastConfig, job);
    forecasts = ensured.forecasts;
    runId = ensured.runId;
    if (forecasts.dates.length === 0) {
      throw new BallastError('INSUFFICIENT_DATA', `The price history is too short for walk-forward forecasts: they start after ${forecastConfig.minTrainDays} trading days of history.`);
    }
  }
  // Default range: everything after the warm-up (the first forecast for the Bayesian strategy; the risk model's
  // lookback for the baselines), so every strategy in the table is compared on the same days.
  const warmup = Math.max(theta.covariance.lookbackDays + 1, 253);
  const firstDecision = forecasts ? Math.max(indexAtOrBefore(panel.dates, forecasts.dates[0]!), warmup) : warmup;
  if (firstDecision >= panel.dates.length - 1) throw new BallastError('INSUFFICIENT_DATA', `The price history is too short: the first decision needs ${warmup} trading days.`);
  const from = input.from && input.from > panel.dates[firstDecision]! ? input.from : panel.dates[firstDecision]!;
  const to = input.to ?? panel.dates[panel.dates.length - 1]!;
  const options = { from, to, rebalance: theta.rebalance, costBpsPerSide: theta.costs.bpsPerSide, minTradeWeight: theta.constraints.minTradeWeight, warmupDays: firstDecision, signal: job.signal };

  // 60/40 needs securities classed as equity and as fixed income; without both it is left out of the table.
  const hasClasses = panel.assetClasses?.includes('equity') && panel.assetClasses.includes('fixed_income');
  const baselineNames = hasClasses ? BASELINE_NAMES : BASELINE_NAMES.filter((name) => name !== '60-40');
  const contenders: Record<string, BacktestStrategy> = {
    ...baselineStrategies(panel, { lookbackDays: theta.covariance.lookbackDays, cashFloor: theta.constraints.cashFloor, maxWeight: theta.constraints.maxWeight }, baselineNames),
  };
  if (forecasts) {
    contenders.bayesian = bayesianStrategy(panel, forecasts, theta);
    contenders['bayesian-no-breaker'] = bayesianStrategy(panel, forecasts, theta, { name: 'bayesian-no-breaker', ablation: { breaker: true } });
    contenders['bayesian-no-uncertainty-penalty'] = bayesianStrategy(panel, forecasts, theta, { name: 'bayesian-no-uncertainty-penalty', ablation: { uncertaintyPenalty: true } });
  }
  const main = contenders[strategyName];
  if (!main) {
    throw new BallastError('BAD_INPUT', strategyName === '60-40' ? '60/40 needs securities classed as equity and as fixed income.' : `Unknown strategy ${strategyName}.`);
  }
  const names = Object.keys(contenders);
  const results: Record<string, BacktestResult> = {};
  names.forEach((name, k) => {
    job.progress(`Backtest: ${name}`, k, names.length);
    results[name] = runBacktest(panel, contenders[name]!, options);
  });
  job.progress('Backtest', names.length, names.length);
  const result = results[strategyName]!;

  const windows = [
    ...stressWindowsSetting(store).filter((w) => w.to >= from && w.from <= to),
    ...findStressWindows(panel, 3).map((w) => ({ name: w.name, from: w.from, to: w.to })),
  ];
  const stress = windows.map((w) => ({ ...w, maxDrawdown: Object.fromEntries(names.map((name) => [name, windowDrawdown(results[name]!, w.from, w.to)])) }));

  const coverage = forecasts ? realisedCoverage(forecasts, panel, undefined, { from, to }) : null;
  const forecastSummary = coverage ? { count: coverage.count, coverage: { '0.5': coverage.fifty, '0.9': coverage.ninety } } : null;
  return {
    strategy: strategyName,
    from: result.from,
    to: result.to,
    tickers: [...panel.tickers],
    parameters: theta,
    seed: forecastConfig.seed,
    modelRunId: runId,
    daily: result.daily,
    rebalances: result.rebalances,
    metrics: result.metrics,
    baselines: Object.fromEntries(names.filter((name) => name !== strategyName).map((name) => [name, summary(results[name]!)])),
    stress,
    forecasts: forecastSummary,
    breaker: result.breaker,
  };
}
