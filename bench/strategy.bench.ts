// Strategy benchmark (issue 7's evidence): walk-forward forecasts on real data, the Bayesian strategy against every
// baseline and its own ablations, out of sample, with stress windows, breaker events and forecast coverage, plus the
// time of one 50-asset decision.
//
//   node --import tsx bench/strategy.bench.ts [--json] [--datasets etf,us50,ftse] [--quick] [--fresh]
//
// θ is chosen on each data set's early years only (first decision → 2012-12-31) from a small candidate set, by
// Sharpe; everything after 2012 is out of sample. Forecasts are cached in bench/results/cache (keyed by data and
// model config; --fresh retrains). Writes bench/results/strategy.json. Reads resources/demo and ../shared/data
// (bench only; the product never does).
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BASELINE_NAMES, baselineStrategies, runBacktest, findStressWindows, windowDrawdown, type BacktestResult, type BacktestStrategy } from '../src/main/engine/backtest';
import { initComputeBackend } from '../src/main/engine/bnn';
import { indexAtOrBefore } from '../src/main/engine/features/panel';
import { predictAt, realisedCoverage } from '../src/main/engine/forecast';
import { proposalDecision } from '../src/main/engine/strategy/proposal';
import { bayesianStrategy, breakerTrack } from '../src/main/engine/strategy/strategy';
import { DEFAULT_FORECAST_CONFIG, DEFAULT_STRATEGY_PARAMETERS, ForecastConfig, StrategyParameters, type StrategyParametersInput } from '../src/shared/strategy';
import { forecastsFor, loadDataset } from './datasets';

const root = path.resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const json = args.includes('--json');
const quick = args.includes('--quick');
const fresh = args.includes('--fresh');
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const datasets = (option('--datasets') ?? 'etf,us50,ftse').split(',');
const log = (...m: unknown[]) => (json ? console.error(...m) : console.log(...m));

const CALIBRATION_END = '2012-12-31';
const SUBPERIOD = { from: '2017-01-01', to: '2022-12-31' };
const NAMED_WINDOWS = [
  { name: 'Global financial crisis', from: '2007-10-09', to: '2009-03-09' },
  { name: 'COVID-19 crash', from: '2020-02-19', to: '2020-03-23' },
  { name: '2022 inflation and rate shock', from: '2022-01-03', to: '2022-10-12' },
];

/**
 * θ candidates, in two rounds (coordinate search, 20 backtests): the tilt (risk aversion × uncertainty penalty ×
 * tracking-error budget) with the default breaker, then the breaker (metric × thresholds × trailing window) on the
 * best tilt. Full tuning by Bayesian optimisation is the tuning issue's job; this only keeps defaults honest.
 */
function tiltCandidates(): StrategyParametersInput[] {
  const out: StrategyParametersInput[] = [];
  const gammas = quick ? [20] : [10, 40];
  const kappas = quick ? [0, 50] : [0, 20, 200];
  const tes = quick ? [0.03] : [0.02, 0.05];
  for (const riskAversion of gammas) for (const uncertaintyPenalty of kappas) for (const trackingErrorBudget of tes) out.push({ riskAversion, uncertaintyPenalty, trackingErrorBudget });
  return out;
}

function breakerCandidates(base: StrategyParametersInput): StrategyParametersInput[] {
  const out: StrategyParametersInput[] = [];
  const metrics = ['epistemic', 'predictive'] as const;
  const thresholds = quick ? [{ warn: -1.5, trip: -2.5 }] : [{ warn: -1.5, trip: -2.5 }, { warn: -1, trip: -2 }];
  const windows = quick ? [504] : [252, 504];
  for (const metric of metrics) for (const t of thresholds) for (const trailingDays of windows) out.push({ ...base, breaker: { ...DEFAULT_STRATEGY_PARAMETERS.breaker, ...t, metric, trailingDays } });
  return out;
}

function restrict(result: BacktestResult, from: string, to: string) {
  const daily = result.daily.filter((d) => d.date >= from && d.date <= to);
  if (daily.length < 60) return null;
  const eq = daily.map((d) => d.equity);
  const rets = eq.slice(1).map((e, k) => e / eq[k]! - 1);
  const mean = rets.reduce((a, b) => a + b, 0) / rets.length;
  const sd = Math.sqrt(rets.reduce((a, b) => a + (b - mean) ** 2, 0) / (rets.length - 1));
  let peak = -Infinity;
  let mdd = 0;
  for (const e of eq) {
    peak = Math.max(peak, e);
    mdd = Math.max(mdd, 1 - e / peak);
  }
  const years = (Date.parse(daily.at(-1)!.date) - Date.parse(daily[0]!.date)) / (365.25 * 86_400_000);
  const cagr = (eq.at(-1)! / eq[0]!) ** (1 / years) - 1;
  // Sharpe here is on total returns (no cash-rate series for every data set); the full-period metrics use excess returns.
  return { from: daily[0]!.date, to: daily.at(-1)!.date, cagr, volatility: sd * Math.sqrt(252), sharpe: (mean / sd) * Math.sqrt(252), maxDrawdown: mdd, calmar: mdd > 0 ? cagr / mdd : 0 };
}

async function runDataset(name: string) {
  const panel = loadDataset(name);
  const config = ForecastConfig.parse({ ...DEFAULT_FORECAST_CONFIG, ...(quick ? { epochs: 20, updateEpochs: 5, samples: 32 } : {}) });
  log(`${name}: ${panel.tickers.length} assets, ${panel.dates.length} days ${panel.dates[0]} → ${panel.dates.at(-1)}`);
  const cached = await forecastsFor(name, panel, config, { fresh, log });
  const { forecasts } = cached;
  const firstDecision = Math.max(indexAtOrBefore(panel.dates, forecasts.dates[0]!), 253);
  const start = panel.dates[firstDecision]!;
  const end = panel.dates.at(-1)!;
  const hasClasses = panel.assetClasses?.includes('equity') && panel.assetClasses.includes('fixed_income');

  // 1. θ from the early years only.
  const calibrationEnd = CALIBRATION_END > start ? CALIBRATION_END : panel.dates[Math.min(panel.dates.length - 1, firstDecision + 756)]!;
  const score = (input: StrategyParametersInput) => {
    const theta = StrategyParameters.parse(input);
    const r = runBacktest(panel, bayesianStrategy(panel, forecasts, theta), { from: start, to: calibrationEnd, rebalance: theta.rebalance, costBpsPerSide: theta.costs.bpsPerSide, minTradeWeight: theta.constraints.minTradeWeight, warmupDays: firstDecision });
    return { input, sharpe: r.metrics.sharpe, maxDrawdown: r.metrics.maxDrawdown };
  };
  const tilts = tiltCandidates().map(score).sort((a, b) => b.sharpe - a.sharpe);
  const scored = [...tilts, ...breakerCandidates(tilts[0]!.input).map(score)];
  scored.sort((a, b) => b.sharpe - a.sharpe);
  const theta = StrategyParameters.parse(scored[0]!.input);
  log(`${name}: θ chosen on ${start} → ${calibrationEnd}: ${JSON.stringify(scored[0]!.input)} (Sharpe ${scored[0]!.sharpe.toFixed(2)})`);

  // 2. Every strategy over the whole period, on the same days and costs.
  const contenders: Record<string, BacktestStrategy> = {
    bayesian: bayesianStrategy(panel, forecasts, theta),
    'bayesian-no-breaker': bayesianStrategy(panel, forecasts, theta, { name: 'bayesian-no-breaker', ablation: { breaker: true } }),
    'bayesian-no-uncertainty-penalty': bayesianStrategy(panel, forecasts, theta, { name: 'bayesian-no-uncertainty-penalty', ablation: { uncertaintyPenalty: true } }),
    'bayesian-no-forecasts': bayesianStrategy(panel, forecasts, theta, { name: 'bayesian-no-forecasts', ablation: { forecasts: true } }),
  };
  const names = hasClasses ? BASELINE_NAMES : BASELINE_NAMES.filter((k) => k !== '60-40');
  const baselines = baselineStrategies(panel, { lookbackDays: theta.covariance.lookbackDays, cashFloor: theta.constraints.cashFloor, maxWeight: theta.constraints.maxWeight }, names);
  Object.assign(contenders, baselines);
  const results: Record<string, BacktestResult> = {};
  for (const [k, strategy] of Object.entries(contenders)) {
    const t0 = performance.now();
    results[k] = runBacktest(panel, strategy, { from: start, to: end, rebalance: theta.rebalance, costBpsPerSide: theta.costs.bpsPerSide, minTradeWeight: theta.constraints.minTradeWeight, warmupDays: firstDecision });
    log(`  ${k}: Sharpe ${results[k]!.metrics.sharpe.toFixed(2)}, max DD ${(100 * results[k]!.metrics.maxDrawdown).toFixed(1)} % (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
  const periods = { full: { from: start, to: end }, outOfSample: { from: '2013-01-01', to: end }, '2017-2022': SUBPERIOD };
  const table = Object.fromEntries(
    Object.entries(results).map(([k, r]) => [k, { full: r.metrics, outOfSample: restrict(r, periods.outOfSample.from, periods.outOfSample.to), '2017-2022': restrict(r, SUBPERIOD.from, SUBPERIOD.to), breakerTimeInState: r.breaker?.timeInState ?? null }]),
  );

  // 3. Stress windows: the named ones inside the data, plus the universe's three worst episodes.
  const windows = [...NAMED_WINDOWS.filter((w) => w.from >= start && w.to <= end), ...findStressWindows(panel, 3).filter((w) => w.from >= start)];
  const stress = windows.map((w) => ({ name: w.name, from: w.from, to: w.to, maxDrawdown: Object.fromEntries(Object.entries(results).map(([k, r]) => [k, windowDrawdown(r, w.from, w.to)])) }));

  // 4. Breaker events around 2008, 2020 and 2022.
  const track = breakerTrack(panel.dates, forecasts, theta);
  const around = (from: string, to: string) => track.transitions.filter((e) => e.date >= from && e.date <= to).map((e) => ({ date: e.date, from: e.from, to: e.to, certainty: e.certainty }));
  const leftNormal2020 = track.transitions.find((e) => e.date >= '2020-01-01' && e.date <= '2020-06-30' && e.from === 'NORMAL');
  const trough = indexAtOrBefore(panel.dates, '2020-03-23');
  const breakerEvents = {
    '2008': around('2007-06-01', '2009-12-31'),
    '2020': around('2020-01-01', '2020-12-31'),
    '2022': around('2022-01-01', '2022-12-31'),
    leftNormal2020: leftNormal2020 ? { date: leftNormal2020.date, tradingDaysBeforeTrough: trough - indexAtOrBefore(panel.dates, leftNormal2020.date) } : null,
    totalTransitions: track.transitions.length,
  };

  // 5. Forecast calibration, out of sample by construction (walk-forward).
  const coverage = realisedCoverage(forecasts, panel);

  // 6. Goals (issue 7), on the out-of-sample period and the stress windows.
  const oos = (k: string) => table[k]!.outOfSample;
  const worst = (k: string) => Math.max(...stress.map((s) => s.maxDrawdown[k] ?? 0).filter((x) => Number.isFinite(x)));
  const sharpeRatio = oos('bayesian') && oos('erc') ? oos('bayesian')!.sharpe / oos('erc')!.sharpe : null;
  const goals = {
    sharpeVsErc: { ratio: sharpeRatio, goal: 1.2, met: sharpeRatio !== null && oos('erc')!.sharpe > 0 && sharpeRatio >= 1.2 },
    worstStressDrawdownVsErc: { bayesian: worst('bayesian'), erc: worst('erc'), ratio: worst('bayesian') / worst('erc'), goal: 0.6, met: worst('bayesian') <= 0.6 * worst('erc') },
    coverage90: { value: coverage.ninety, goal: [0.87, 0.93], met: coverage.ninety !== null && coverage.ninety >= 0.87 && coverage.ninety <= 0.93 },
    ablationsWorse: Object.fromEntries(
      ['bayesian-no-breaker', 'bayesian-no-uncertainty-penalty'].map((k) => [
        k,
        { sharpeLower: (oos(k)?.sharpe ?? Infinity) < (oos('bayesian')?.sharpe ?? -Infinity), worstStressDeeper: worst(k) > worst('bayesian'), met: (oos(k)?.sharpe ?? Infinity) < (oos('bayesian')?.sharpe ?? -Infinity) || worst(k) > worst('bayesian') },
      ]),
    ),
  };

  // 7. One decision with the model trained: features today + 100 draws + allocation (2⁵ for attribution) + breaker.
  const decisionMs: number[] = [];
  const t = panel.dates.length - 1;
  const current = new Float64Array(panel.tickers.length).fill(0.95 / panel.tickers.length);
  for (let k = 0; k < (quick ? 5 : 15); k++) {
    const t0 = performance.now();
    const today = await predictAt(panel, config, cached.modelBytes, { samples: 100, seed: k });
    proposalDecision({ panel, t, current, forecast: today.slice, horizonDays: config.horizonDays, theta, track, draws: { means: today.sampleMeans, variances: today.sampleVariances, count: 100 }, cashRate: 0.03 });
    decisionMs.push(performance.now() - t0);
  }
  decisionMs.sort((a, b) => a - b);
  return {
    assets: panel.tickers.length,
    days: panel.dates.length,
    range: { from: start, to: end },
    training: { seconds: cached.seconds, retrains: cached.retrains, forecastDates: forecasts.dates.length, config },
    calibration: { from: start, to: calibrationEnd, candidates: scored.length, chosen: scored[0]!.input, top: scored.slice(0, 5) },
    table,
    stress,
    breakerEvents,
    coverage: { '0.5': coverage.fifty, '0.9': coverage.ninety, count: coverage.count },
    goals,
    decision: { assets: panel.tickers.length, p50Ms: decisionMs[Math.floor(decisionMs.length / 2)]!, p90Ms: decisionMs[Math.floor(0.9 * (decisionMs.length - 1))]!, runs: decisionMs.length },
  };
}

async function main() {
  const backend = await initComputeBackend();
  log(`backend: ${backend.name} — ${backend.detail}`);
  const out: Record<string, unknown> = { machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, load: os.loadavg() }, backend: backend.name, quick };
  for (const name of datasets) out[name] = await runDataset(name);
  const dir = path.join(root, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'strategy.json'), JSON.stringify(out, null, 2));
  if (json) console.log(JSON.stringify(out, null, 2));
  else log(`wrote ${path.join(dir, 'strategy.json')}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
