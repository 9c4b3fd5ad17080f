import { describe, expect, it } from 'vitest';
import { DEFAULT_STRATEGY_PARAMETERS } from '../../../shared/strategy';
import { randomPanel } from '../backtest/testSupport';
import { runBacktest } from '../backtest';
import type { ForecastSet } from '../forecast/types';
import { createRng } from '../math/random';
import { bayesianStrategy } from '../strategy/strategy';
import { MIN_FOLD_DAYS, backtestWindows, combineWindows, evaluateValues, meanVarianceUtility, planFolds, returnsBehind, type EvaluationContext } from './evaluate';
import { DEFAULT_TUNING_SPACE, maxLookbackDays, optimizerPriors, thetaFor, validateTuningSpace } from './space';

/** Seeded synthetic forecasts every 5 days from `first` on: small means, epistemic spreads that wander. */
function syntheticForecasts(dates: readonly string[], tickers: readonly string[], first: number, seed: number): ForecastSet {
  const rng = createRng(seed);
  const chosen = dates.filter((_d, t) => t >= first && (t - first) % 5 === 0);
  const n = tickers.length;
  const size = chosen.length * n;
  const mean = new Float64Array(size);
  const epi = new Float64Array(size);
  const ale = new Float64Array(size);
  let level = 0;
  for (let d = 0; d < chosen.length; d++) {
    level = 0.9 * level + 0.3 * rng.normal();
    for (let i = 0; i < n; i++) {
      mean[d * n + i] = 0.01 * rng.normal();
      epi[d * n + i] = 1e-4 * Math.exp(level + 0.2 * rng.normal());
      ale[d * n + i] = 2e-3;
    }
  }
  const sd = Float64Array.from(epi, (e, k) => Math.sqrt(e + ale[k]!));
  return {
    horizon: 21,
    tickers,
    dates: chosen,
    mean,
    epistemicVariance: epi,
    aleatoricVariance: ale,
    lower50: Float64Array.from(mean, (m, k) => m - 0.674 * sd[k]!),
    upper50: Float64Array.from(mean, (m, k) => m + 0.674 * sd[k]!),
    lower90: Float64Array.from(mean, (m, k) => m - 1.645 * sd[k]!),
    upper90: Float64Array.from(mean, (m, k) => m + 1.645 * sd[k]!),
  };
}

const panel = randomPanel(2600, 5, 11, { cashRate: new Float64Array(2600).fill(0.02) });
const forecasts = syntheticForecasts(panel.dates, panel.tickers, 600, 5);

describe('nested walk-forward folds', () => {
  it('cuts the span before a test window of testYears into consecutive, equal, non-overlapping folds', () => {
    const plan = planFolds(panel.dates, forecasts.dates[0]!, { folds: 4, testYears: 2, maxLookbackDays: 756 });
    expect(plan.warmupIndex).toBe(757);
    expect(plan.folds).toHaveLength(4);
    expect(plan.folds[0]!.from).toBe(panel.dates[757]);
    for (let k = 1; k < 4; k++) {
      const prevEnd = panel.dates.indexOf(plan.folds[k - 1]!.to);
      expect(panel.dates.indexOf(plan.folds[k]!.from)).toBe(prevEnd + 1);
    }
    expect(panel.dates.indexOf(plan.test.from)).toBe(panel.dates.indexOf(plan.folds[3]!.to) + 1);
    expect(plan.test.to).toBe(panel.dates[panel.dates.length - 1]);
    // Two calendar years of weekdays ≈ 522 rows.
    const testRows = panel.dates.length - panel.dates.indexOf(plan.test.from);
    expect(testRows).toBeGreaterThan(515);
    expect(testRows).toBeLessThan(530);
  });

  it('refuses folds shorter than the minimum, naming what is available', () => {
    expect(() => planFolds(panel.dates, forecasts.dates[0]!, { folds: 10, testYears: 3, maxLookbackDays: 756 })).toThrow(
      new RegExp(`each fold needs at least ${MIN_FOLD_DAYS}`),
    );
  });
});

describe('θ from a point of the search space', () => {
  it('sets leaves by path and keeps the rest of the base', () => {
    const r = thetaFor(DEFAULT_STRATEGY_PARAMETERS, { riskAversion: 3, 'rebalance.everyDays': 42, 'breaker.warn': -1.2 });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.theta.riskAversion).toBe(3);
    expect(r.theta.rebalance.everyDays).toBe(42);
    expect(r.theta.breaker.warn).toBe(-1.2);
    expect(r.theta.breaker.trip).toBe(DEFAULT_STRATEGY_PARAMETERS.breaker.trip);
    expect(r.theta.costs).toEqual(DEFAULT_STRATEGY_PARAMETERS.costs);
  });

  it('rejects a θ that breaks trip < warn < reset or floor ≤ caution, in words, without repairing it', () => {
    const r = thetaFor(DEFAULT_STRATEGY_PARAMETERS, { 'breaker.warn': -2.5, 'breaker.trip': -2 });
    expect(r).toEqual({ ok: false, reason: 'breaker thresholds must satisfy trip < warn < reset, got trip -2, warn -2.5, reset -0.5' });
    const e = thetaFor(DEFAULT_STRATEGY_PARAMETERS, { 'breaker.floorExposure': 0.9 });
    expect(e.ok).toBe(false);
    expect(!e.ok && e.reason).toMatch(/floor exposure 0.9 is above the caution exposure 0.7/);
  });

  it('the default space never describes an invalid θ at its corners, and a bad space is refused by name', () => {
    validateTuningSpace(DEFAULT_TUNING_SPACE);
    const corners = [
      { 'breaker.warn': -0.6, 'breaker.trip': -1.9 },
      { 'breaker.warn': -1.8, 'breaker.trip': -1.9 },
      { 'breaker.warn': -1.8, 'breaker.trip': -3.5 },
    ];
    for (const c of corners) expect(thetaFor(DEFAULT_STRATEGY_PARAMETERS, c).ok).toBe(true);
    expect(maxLookbackDays(DEFAULT_TUNING_SPACE, DEFAULT_STRATEGY_PARAMETERS)).toBe(756);
    expect(() => validateTuningSpace([{ name: 'riskAversion', type: 'continuous', lower: 0, upper: 10, scale: 'log' }])).toThrow(/"riskAversion": a log scale needs lower > 0/);
    expect(() => validateTuningSpace([{ name: 'covariance.lookbackDays', type: 'integer', lower: 10, upper: 100 }])).toThrow(/"covariance.lookbackDays": 10 is outside what θ allows/);
  });

  it('a range prior is a normal (log-normal on a log scale) with 90 % of its mass inside the range', () => {
    const priors = optimizerPriors(DEFAULT_TUNING_SPACE, {
      'rebalance.everyDays': { type: 'range', low: 20, high: 60 },
      riskAversion: { type: 'range', low: 4, high: 25 },
    });
    expect(priors['rebalance.everyDays']).toEqual({ type: 'normal', mean: 40, sd: expect.closeTo(40 / (2 * 1.6448536), 5) });
    expect(priors.riskAversion).toEqual({ type: 'logNormal', median: 10, sdLog: expect.closeTo(Math.log(25 / 4) / (2 * 1.6448536), 5) });
    expect(() => optimizerPriors(DEFAULT_TUNING_SPACE, { 'breaker.reset': { type: 'range', low: 0, high: 1 } })).toThrow(/names no parameter/);
  });
});

describe('one evaluation', () => {
  const plan = planFolds(panel.dates, forecasts.dates[0]!, { folds: 3, testYears: 2, maxLookbackDays: 756 });
  const context: EvaluationContext = { panel, forecasts, base: DEFAULT_STRATEGY_PARAMETERS, objective: 'sharpe', constraints: [], plan };

  it('is the mean of the folds’ objectives, each the backtest’s own metric on that window', () => {
    const values = { riskAversion: 5, 'rebalance.everyDays': 21 };
    const out = evaluateValues(context, values);
    expect(out.feasible).toBe(true);
    const theta = thetaFor(DEFAULT_STRATEGY_PARAMETERS, values);
    if (!theta.ok) throw new Error(theta.reason);
    const strategy = bayesianStrategy(panel, forecasts, theta.theta);
    const direct = plan.folds.map((w) =>
      runBacktest(panel, strategy, { from: w.from, to: w.to, rebalance: theta.theta.rebalance, costBpsPerSide: 5, minTradeWeight: theta.theta.constraints.minTradeWeight, warmupDays: plan.warmupIndex }).metrics.sharpe,
    );
    expect(out.folds.map((f) => f.objective)).toEqual(direct);
    expect(out.validation).toBeCloseTo(direct.reduce((a, b) => a + b, 0) / 3, 12);
    // Each fold's returns: one per trading day of its window after the first, whatever θ.
    const days = plan.folds.map((w) => panel.dates.filter((d) => d >= w.from && d <= w.to).length - 1);
    expect(out.folds.map((f) => f.returns)).toEqual(days);
    expect(evaluateValues(context, { riskAversion: 50, 'rebalance.everyDays': 5 }).folds.map((f) => f.returns)).toEqual(days);
    expect(returnsBehind(out.folds.map((f) => f.returns))).toBe(days.reduce((a, b) => a + b, 0));
    // The same θ gives the same numbers (deterministic).
    expect(evaluateValues(context, values)).toEqual(out);
  });

  it('a constraint broken on any fold makes the evaluation infeasible, naming metric, value and fold', () => {
    const loose = evaluateValues({ ...context, constraints: [{ metric: 'maxDrawdown', max: 0.9 }] }, { riskAversion: 5 });
    expect(loose.feasible).toBe(true);
    const drawdowns = loose.folds.map((f) => f.metrics!.maxDrawdown);
    const cap = Math.min(...drawdowns) + 1e-6;
    const tight = evaluateValues({ ...context, constraints: [{ metric: 'maxDrawdown', max: cap }] }, { riskAversion: 5 });
    expect(tight.feasible).toBe(false);
    expect(tight.validation).toBeNull();
    expect(tight.reason).toMatch(/^max drawdown 0\.\d+ > 0\.\d+ on fold \d \(\d{4}-\d{2}-\d{2} → \d{4}-\d{2}-\d{2}\)/);
  });

  it('utility is the annualised excess mean minus (λ/2)·variance of daily net returns', () => {
    const theta = DEFAULT_STRATEGY_PARAMETERS;
    const result = runBacktest(panel, bayesianStrategy(panel, forecasts, theta), { from: plan.folds[0]!.from, to: plan.folds[0]!.to, rebalance: theta.rebalance, costBpsPerSide: 5, warmupDays: plan.warmupIndex });
    const r = result.daily.slice(1).map((d, k) => d.equity / result.daily[k]!.equity - 1);
    const mean = r.reduce((a, b) => a + b, 0) / r.length;
    const variance = r.reduce((a, b) => a + (b - mean) ** 2, 0) / (r.length - 1);
    const expected = 252 * (mean - 0.02 / 252) - 2 * 252 * variance;
    expect(meanVarianceUtility(result, panel)).toBeCloseTo(expected, 10);
    const u = evaluateValues({ ...context, objective: 'utility' }, {});
    expect(u.feasible).toBe(true);
    expect(u.validation).toBeLessThan(1);
  });

  it('folds backtested in separate pieces (as parallel jobs do) combine to the whole evaluation, reasons included', () => {
    const split = (ctx: EvaluationContext, values: Record<string, number>, pieces: number[][]) => {
      const runs = pieces.map((indices) => backtestWindows(ctx, values, ctx.plan.folds, indices));
      return combineWindows(runs.flatMap((r) => (r.ok ? r.outcomes : [])));
    };
    const values = { riskAversion: 5, 'rebalance.everyDays': 21 };
    expect(split(context, values, [[0, 1], [2]])).toEqual(evaluateValues(context, values));
    expect(split(context, values, [[0], [1], [2]])).toEqual(evaluateValues(context, values));
    const loose = evaluateValues({ ...context, constraints: [{ metric: 'maxDrawdown', max: 0.9 }] }, values);
    const cap = Math.min(...loose.folds.map((f) => f.metrics!.maxDrawdown)) + 1e-6;
    const tight: EvaluationContext = { ...context, constraints: [{ metric: 'maxDrawdown', max: cap }] };
    const whole = evaluateValues(tight, values);
    expect(whole.feasible).toBe(false);
    expect(split(tight, values, [[0], [1, 2]])).toEqual(whole);
    expect(backtestWindows(context, { 'breaker.warn': -3, 'breaker.trip': -2 }, plan.folds, [1])).toMatchObject({ ok: false, reason: expect.stringMatching(/trip < warn < reset/) });
  });

  it('an invalid θ is infeasible with the reason, without running a backtest', () => {
    const out = evaluateValues(context, { 'breaker.warn': -3, 'breaker.trip': -2 });
    expect(out).toMatchObject({ feasible: false, validation: null, reason: expect.stringMatching(/trip < warn < reset/) });
    expect(out.folds.every((f) => f.returns === null)).toBe(true);
    expect(returnsBehind(out.folds.map((f) => f.returns))).toBeNull();
    expect(returnsBehind([250, null, 250])).toBeNull();
  });
});
