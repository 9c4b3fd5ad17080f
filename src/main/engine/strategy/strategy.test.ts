import { describe, expect, it } from 'vitest';
import { DEFAULT_STRATEGY_PARAMETERS, ForecastConfig, StrategyParameters } from '../../../shared/strategy';
import { runBacktest } from '../backtest/backtest';
import { randomPanel } from '../backtest/testSupport';
import type { PricePanel } from '../features/panel';
import { walkForwardForecasts, predictAt } from '../forecast/walkForward';
import { forecastAtOrBefore, type ForecastSet } from '../forecast/types';
import { ATTRIBUTION_GROUPS, proposalDecision } from './proposal';
import { bayesianStrategy, breakerTrack, decide } from './strategy';

// A small walk-forward so the whole pipeline runs in seconds: 6 assets, ~3.5 years, a few retrains.
const CONFIG = ForecastConfig.parse({
  minTrainDays: 252,
  trainWindowDays: 378,
  retrainEveryDays: 126,
  strideDays: 5,
  samples: 16,
  epochs: 8,
  updateEpochs: 3,
  hiddenLayers: [8],
  seed: 11,
});
const THETA = StrategyParameters.parse({
  covariance: { lookbackDays: 126 },
  breaker: { trailingDays: 126, minDwellDays: 5 },
  rebalance: { everyDays: 10 },
});

function modified(panel: PricePanel, afterIndex: number, mode: 'change' | 'delete'): PricePanel {
  if (mode === 'delete') {
    const rows = afterIndex + 1;
    const cols = panel.prices.cols;
    return { ...panel, dates: panel.dates.slice(0, rows), prices: { rows, cols, data: panel.prices.data.slice(0, rows * cols) } };
  }
  const data = panel.prices.data.slice();
  for (let k = (afterIndex + 1) * panel.prices.cols; k < data.length; k++) data[k] = data[k]! * (k % 3 === 0 ? 1.7 : 0.4);
  return { ...panel, prices: { ...panel.prices, data } };
}

function upTo(set: ForecastSet, date: string): ForecastSet {
  const d = set.dates.filter((x) => x <= date).length;
  const n = set.tickers.length;
  const cut = (a: Float64Array) => Array.from(a.subarray(0, d * n));
  return {
    ...set,
    dates: set.dates.slice(0, d),
    mean: cut(set.mean),
    epistemicVariance: cut(set.epistemicVariance),
    aleatoricVariance: cut(set.aleatoricVariance),
    lower50: cut(set.lower50),
    upper50: cut(set.upper50),
    lower90: cut(set.lower90),
    upper90: cut(set.upper90),
  } as unknown as ForecastSet;
}

describe('decide', () => {
  const panel = randomPanel(400, 5, 3);
  const t = 399;
  const n = 5;
  const base = { panel, t, current: new Float64Array(n).fill(0.19), horizonDays: 21, exposure: 1 };
  const flat = (mean: number, epistemic: number) => ({
    date: panel.dates[t]!,
    mean: new Float64Array(n).fill(mean),
    epistemicVariance: new Float64Array(n).fill(epistemic),
    aleatoricVariance: new Float64Array(n).fill(0.004),
    lower90: new Float64Array(n).fill(-0.1),
    upper90: new Float64Array(n).fill(0.1),
  });
  const costFree = StrategyParameters.parse({ costs: { bpsPerSide: 0 }, covariance: { lookbackDays: 252 } });

  it('with no signal the target is the risk-budgeting anchor', () => {
    const r = decide({ ...base, forecast: flat(0, 0.001), theta: costFree });
    r.weights.forEach((w, i) => expect(w).toBeCloseTo(r.anchor[i]!, 6));
    expect(r.weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1 - costFree.constraints.cashFloor, 9);
  });

  it('tilts toward a better forecast, and less so when the model is unsure of it', () => {
    const sure = flat(0, 1e-6);
    sure.mean[2] = 0.03;
    const unsure = { ...sure, epistemicVariance: new Float64Array(n).fill(0.05) };
    const a = decide({ ...base, forecast: sure, theta: costFree });
    const b = decide({ ...base, forecast: unsure, theta: costFree });
    expect(a.weights[2]!).toBeGreaterThan(a.anchor[2]! + 1e-4);
    expect(b.weights[2]! - b.anchor[2]!).toBeLessThan(a.weights[2]! - a.anchor[2]!);
    expect(b.weights[2]! - b.anchor[2]!).toBeGreaterThanOrEqual(-1e-9);
  });

  it('early in the data, with too few names priced for their maximums to hold 1 − cash floor, the rest stays in cash', () => {
    // Only two names have a full covariance window (the others start later); at most 35 % each.
    const late = { ...panel, prices: { ...panel.prices, data: panel.prices.data.slice() } };
    for (let s = 0; s < 300; s++) for (let i = 2; i < n; i++) late.prices.data[s * n + i] = Number.NaN;
    const theta = StrategyParameters.parse({ covariance: { lookbackDays: 63 }, trackingErrorBudget: 0.01 });
    const sure = flat(0, 1e-6);
    sure.mean[0] = 0.03;
    const r = decide({ ...base, panel: late, t: 330, current: new Float64Array(n), forecast: { ...sure, date: panel.dates[330]! }, theta });
    expect(r.investable).toEqual([true, true, false, false, false]);
    expect(Array.from(r.anchor)).toEqual([0.35, 0.35, 0, 0, 0]);
    expect(Array.from(r.weights)).toEqual([expect.closeTo(0.35, 12), expect.closeTo(0.35, 12), 0, 0, 0]);
    expect(r.allocation.cashWeight).toBeCloseTo(0.3, 12);
    expect(r.allocation.uninvestedCash).toBeCloseTo(0.28, 12);
    expect(r.allocation.binding).toContain('maximums (cash above floor)');
    // With room for more, the same strategy invests down to the floor again.
    const later = decide({ ...base, panel: late, t: 399, current: r.weights, forecast: { ...sure, date: panel.dates[399]! }, theta });
    expect(later.investable).toEqual([true, true, true, true, true]);
    expect(later.weights.reduce((a, b) => a + b, 0)).toBeCloseTo(0.98, 9);
    expect(later.allocation.uninvestedCash).toBe(0);
  });

  it('the breaker scales the risky weights toward cash', () => {
    const full = decide({ ...base, forecast: flat(0, 0.001), theta: costFree });
    const cut = decide({ ...base, forecast: flat(0, 0.001), theta: costFree, exposure: 0.35 });
    cut.weights.forEach((w, i) => expect(w).toBeCloseTo(0.35 * full.weights[i]!, 12));
  });

  it('the breaker never sells a holding on the no-sell list: it keeps its current weight, the others are cut', () => {
    const theta = StrategyParameters.parse({ costs: { bpsPerSide: 0 }, covariance: { lookbackDays: 252 }, constraints: { noSell: [panel.tickers[1]!] } });
    const full = decide({ ...base, forecast: flat(0, 0.001), theta });
    const cut = decide({ ...base, forecast: flat(0, 0.001), theta, exposure: 0.35 });
    expect(full.weights[1]!).toBeGreaterThanOrEqual(base.current[1]! - 1e-12);
    expect(cut.weights[1]!).toBeCloseTo(base.current[1]!, 12);
    cut.weights.forEach((w, i) => {
      if (i !== 1) expect(w).toBeCloseTo(0.35 * full.weights[i]!, 12);
    });
  });
});

describe('the Bayesian strategy through time', () => {
  const panel = randomPanel(900, 6, 21);
  const T = 760;
  const cutDate = panel.dates[T]!;

  it('has no look-ahead: changing or deleting every price after T leaves forecasts, weights and breaker states up to T identical', async () => {
    const original = await walkForwardForecasts(panel, CONFIG);
    expect(original.forecasts.dates.some((d) => d > cutDate)).toBe(true);
    const backtestTo = (p: PricePanel, f: ForecastSet) =>
      runBacktest(p, bayesianStrategy(p, f, THETA), { to: cutDate, rebalance: THETA.rebalance, costBpsPerSide: 5, warmupDays: 300 });
    const reference = backtestTo(panel, original.forecasts);
    const referenceTrack = breakerTrack(panel.dates, original.forecasts, THETA);
    for (const mode of ['change', 'delete'] as const) {
      const other = modified(panel, T, mode);
      const run = await walkForwardForecasts(other, CONFIG);
      expect(upTo(run.forecasts, cutDate)).toEqual(upTo(original.forecasts, cutDate));
      const result = backtestTo(other, run.forecasts);
      expect(result.daily).toEqual(reference.daily);
      expect(result.rebalances).toEqual(reference.rebalances);
      const track = breakerTrack(other.dates, run.forecasts, THETA);
      const k = referenceTrack.dates.filter((d) => d <= cutDate).length;
      expect(track.steps.slice(0, k)).toEqual(referenceTrack.steps.slice(0, k));
      expect(Array.from(track.certainty.subarray(0, k))).toEqual(Array.from(referenceTrack.certainty.subarray(0, k)));
    }
  }, 240_000);

  it('is deterministic, and a proposal decision explains every weight change exactly', async () => {
    const a = await walkForwardForecasts(panel, CONFIG);
    const b = await walkForwardForecasts(panel, CONFIG);
    expect(b.forecasts).toEqual(a.forecasts);
    const t = panel.dates.length - 1;
    const today = await predictAt(panel, CONFIG, a.checkpoint.modelBytes, { samples: 64, seed: 5 });
    const again = await predictAt(panel, CONFIG, a.checkpoint.modelBytes, { samples: 64, seed: 5 });
    expect(again.sampleMeans).toEqual(today.sampleMeans);
    const current = Float64Array.from([0.3, 0.3, 0.1, 0.1, 0.1, 0]);
    const track = breakerTrack(panel.dates, a.forecasts, THETA);
    const input = { panel, t, current, forecast: today.slice, horizonDays: CONFIG.horizonDays, theta: THETA, track, draws: { means: today.sampleMeans, variances: today.sampleVariances, count: 64 }, cashRate: 0.03 };
    const result = proposalDecision(input);
    expect(proposalDecision(input)).toEqual(result);

    // Shapley efficiency: the groups' parts add up to target − current for every asset and for cash.
    for (const asset of result.attribution.assets) {
      const sum = ATTRIBUTION_GROUPS.reduce((s, g) => s + asset.contributions[g.key]!, 0);
      expect(sum).toBeCloseTo(asset.change, 12);
    }
    const cashSum = ATTRIBUTION_GROUPS.reduce((s, g) => s + result.attribution.cash.contributions[g.key]!, 0);
    expect(cashSum).toBeCloseTo(result.attribution.cash.change, 12);
    const target = result.decision.weights;
    result.attribution.assets.forEach((asset, i) => expect(asset.change).toBeCloseTo(target[i]! - current[i]!, 12));

    const c = result.confidence;
    expect(c.lower90).toBeLessThan(c.expectedReturn);
    expect(c.upper90).toBeGreaterThan(c.expectedReturn);
    expect(c.probabilityBeatsCurrent).toBeGreaterThan(0);
    expect(c.probabilityBeatsCurrent).toBeLessThan(1);
    const forecast = forecastAtOrBefore(a.forecasts, panel.dates[t]!);
    expect(forecast).toBeDefined();

    // A PM's override sets the state and the exposure for this proposal only, and keeps what the model said.
    const overridden = proposalDecision({ ...input, override: { state: 'DE_RISKED', reason: 'event risk into the vote', by: 'A. Smith' } });
    expect(overridden.breaker.state).toBe('DE_RISKED');
    expect(overridden.breaker.exposure).toBe(THETA.breaker.floorExposure);
    expect(overridden.breaker.override).toMatchObject({ modelState: result.breaker.state, by: 'A. Smith' });
    const risky = (w: Float64Array) => w.reduce((s, x) => s + x, 0);
    expect(risky(overridden.decision.weights)).toBeCloseTo(THETA.breaker.floorExposure * risky(result.decision.tilted), 9);
  }, 240_000);

  it('defaults are valid parameters', () => {
    expect(StrategyParameters.parse({})).toEqual(DEFAULT_STRATEGY_PARAMETERS);
  });
});
