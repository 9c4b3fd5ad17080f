/**
 * One tuning evaluation: a θ backtested over stored forecasts on every validation fold, scored by the PM's
 * objective, with the outcome constraints checked fold by fold.
 *
 * Nested walk-forward (folds): the usable history — from the first date the strategy can decide on with any θ
 * of the space (first forecast, longest covariance lookback, one year of warm-up) — ends with a *test window*
 * of `testYears`, which no evaluation reads; the span before it is cut into `folds` consecutive validation
 * windows of equal length (in trading days). Each fold is its own backtest that starts in cash on the fold's
 * first day, so a fold's score does not depend on where the previous fold left the book. The objective of a θ
 * is the mean over folds: a noisy estimate (regimes differ), which is why the optimiser runs in noisy mode.
 *
 * Objectives, as the backtest computes them (engine/backtest/metrics.ts; returns net of costs, excess over the
 * cash rate where the panel has one):
 *  - sharpe, sortino: annualised, on daily returns in excess of cash;
 *  - calmar: CAGR / max drawdown;
 *  - utility: the certainty equivalent of a mean–variance investor with risk aversion λ = 4, in annualised
 *    excess return: 252·mean(r − c) − (λ/2)·252·var(r). Returns are net of trading costs (they are paid out of
 *    the account), so turnover is charged at its real price. λ is fixed (not θ's γ) so the tuner cannot improve
 *    the score by changing how risk is counted.
 */
import { BallastError } from '../../../shared/errors';
import type { StrategyParameters } from '../../../shared/strategy';
import type { TuningConstraint, TuningObjective } from '../../../shared/tuning';
import { runBacktest, type BacktestResult, type PerformanceMetrics } from '../backtest';
import { indexAtOrBefore, type PricePanel } from '../features/panel';
import type { ForecastSet } from '../forecast/types';
import { bayesianStrategy } from '../strategy/strategy';
import type { ParameterValues } from '../bo';
import { thetaFor } from './space';

export const UTILITY_RISK_AVERSION = 4;
/** A validation fold shorter than this many trading days (~6 months) says too little to tune on. */
export const MIN_FOLD_DAYS = 126;
const TRADING_DAYS = 252;

export interface Window {
  from: string;
  to: string;
}

export interface FoldPlan {
  folds: Window[];
  test: Window;
  /** Row index before which no decision is taken (warm-up for the longest lookback). */
  warmupIndex: number;
}

/**
 * The validation folds and the test window on a panel's calendar. `firstForecastDate`: the stored forecasts' first
 * date; `maxLookbackDays`: the longest covariance window the space allows.
 */
export function planFolds(dates: readonly string[], firstForecastDate: string, options: { folds: number; testYears: number; maxLookbackDays: number }): FoldPlan {
  const T = dates.length;
  if (T < 2) throw new BallastError('INSUFFICIENT_DATA', 'There is no price history to tune on.');
  const firstForecast = Math.max(0, indexAtOrBefore(dates, firstForecastDate));
  const warmupIndex = Math.max(firstForecast, options.maxLookbackDays + 1, 253);
  const last = dates[T - 1]!;
  const testStartDate = shiftYears(last, -options.testYears);
  let testStart = indexAtOrBefore(dates, testStartDate) + 1;
  if (testStart <= warmupIndex) testStart = warmupIndex + 1;
  const span = testStart - warmupIndex;
  const length = Math.floor(span / options.folds);
  if (length < MIN_FOLD_DAYS || testStart >= T - 1) {
    throw new BallastError(
      'INSUFFICIENT_DATA',
      `The history is too short for ${options.folds} validation folds and a ${options.testYears}-year test window: decisions can start on ${dates[Math.min(warmupIndex, T - 1)]} (first forecast ${firstForecastDate}, lookback up to ${options.maxLookbackDays} days), leaving ${span} trading days before the test window — each fold needs at least ${MIN_FOLD_DAYS}. Use fewer folds or a shorter test window.`,
      { folds: options.folds, testYears: options.testYears, availableDays: span },
    );
  }
  const folds: Window[] = [];
  for (let k = 0; k < options.folds; k++) {
    const from = warmupIndex + k * length;
    const to = k === options.folds - 1 ? testStart - 1 : from + length - 1;
    folds.push({ from: dates[from]!, to: dates[to]! });
  }
  return { folds, test: { from: dates[testStart]!, to: last }, warmupIndex };
}

function shiftYears(date: string, years: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  const ms = d.getTime() + years * 365.25 * 86_400_000;
  return new Date(ms).toISOString().slice(0, 10);
}

/** The objective of one backtest. */
export function objectiveValue(objective: TuningObjective, result: BacktestResult, panel: PricePanel): number {
  const m = result.metrics;
  switch (objective) {
    case 'sharpe':
      return m.sharpe;
    case 'sortino':
      return m.sortino;
    case 'calmar':
      return m.calmar;
    case 'utility':
      return meanVarianceUtility(result, panel);
  }
}

/** 252·mean(r − c) − (λ/2)·252·var(r) over the backtest's days; c is the day's cash return as the backtest earns it. */
export function meanVarianceUtility(result: BacktestResult, panel: PricePanel, riskAversion = UTILITY_RISK_AVERSION): number {
  const days = result.daily;
  if (days.length < 2) return 0;
  const t0 = indexAtOrBefore(panel.dates, days[0]!.date);
  let sumExcess = 0;
  let sum = 0;
  let sumSq = 0;
  const m = days.length - 1;
  for (let k = 1; k < days.length; k++) {
    const r = days[k]!.equity / days[k - 1]!.equity - 1;
    const rate = panel.cashRate ? panel.cashRate[t0 + k - 1]! : 0;
    const c = Number.isFinite(rate) ? rate / TRADING_DAYS : 0;
    sumExcess += r - c;
    sum += r;
    sumSq += r * r;
  }
  const mean = sum / m;
  const variance = m > 1 ? (sumSq - m * mean * mean) / (m - 1) : 0;
  return (TRADING_DAYS * sumExcess) / m - (riskAversion / 2) * TRADING_DAYS * Math.max(variance, 0);
}

export interface EvaluationContext {
  panel: PricePanel;
  forecasts: ForecastSet;
  base: StrategyParameters;
  objective: TuningObjective;
  constraints: readonly TuningConstraint[];
  plan: FoldPlan;
  signal?: { readonly aborted: boolean };
}

export interface FoldOutcome {
  window: Window;
  objective: number | null;
  metrics: PerformanceMetrics | null;
  /** Daily returns the objective was computed on (the window's trading days less one); null when not backtested. */
  returns: number | null;
}

/**
 * One window's backtest of θ as a worker returns it: the objective and metrics, or why the backtest failed, and which
 * constraints it broke (in words). Windows of one θ may be backtested in separate jobs; `combineWindows` joins them.
 */
export interface WindowOutcome extends FoldOutcome {
  failure: string | null;
  broken: string[];
}

export interface EvaluationOutcome {
  /** Mean objective over the windows; null when infeasible. */
  validation: number | null;
  folds: FoldOutcome[];
  feasible: boolean;
  reason: string | null;
}

const CONSTRAINT_WORDS: Record<TuningConstraint['metric'], string> = {
  maxDrawdown: 'max drawdown',
  turnover: 'turnover',
  volatility: 'volatility',
  costDrag: 'cost drag',
};

/**
 * Backtests θ = base ⊕ values on each window (the validation folds, or `[plan.test]` for the final report).
 * A θ that is not a valid strategy, a backtest the allocator cannot solve, or a constraint broken on any window
 * makes the evaluation infeasible, with the reason in words. CANCELLED propagates.
 */
export function evaluateValues(context: EvaluationContext, values: ParameterValues, windows: readonly Window[] = context.plan.folds): EvaluationOutcome {
  const run = backtestWindows(context, values, windows, windows.map((_, k) => k));
  return run.ok ? combineWindows(run.outcomes) : invalidTheta(windows, run.reason);
}

/**
 * The daily returns behind a score averaged over these windows (each window's count, summed); null when a window was
 * not backtested. The windows' calendar is the same whatever θ, so any one θ's backtests give the count.
 */
export function returnsBehind(windowReturns: readonly (number | null)[]): number | null {
  let total = 0;
  for (const n of windowReturns) {
    if (n === null) return null;
    total += n;
  }
  return total;
}

/** The evaluation of a θ that is not a valid strategy: infeasible on every window, nothing backtested. */
export function invalidTheta(windows: readonly Window[], reason: string): EvaluationOutcome {
  return { validation: null, folds: windows.map((window) => ({ window, objective: null, metrics: null, returns: null })), feasible: false, reason };
}

/**
 * Backtests θ on `windows[k]` for each k of `indices` (so failures and broken constraints name the fold as the whole
 * evaluation numbers it), or says why θ is not a valid strategy. CANCELLED propagates.
 */
export function backtestWindows(
  context: EvaluationContext,
  values: ParameterValues,
  windows: readonly Window[],
  indices: readonly number[],
): { ok: true; outcomes: WindowOutcome[] } | { ok: false; reason: string } {
  const resolved = thetaFor(context.base, values);
  if (!resolved.ok) return { ok: false, reason: resolved.reason };
  const theta = resolved.theta;
  const strategy = bayesianStrategy(context.panel, context.forecasts, theta);
  const outcomes = indices.map((k): WindowOutcome => {
    const window = windows[k]!;
    let result: BacktestResult;
    try {
      result = runBacktest(context.panel, strategy, {
        from: window.from,
        to: window.to,
        rebalance: theta.rebalance,
        costBpsPerSide: theta.costs.bpsPerSide,
        minTradeWeight: theta.constraints.minTradeWeight,
        warmupDays: context.plan.warmupIndex,
        ...(context.signal ? { signal: context.signal } : {}),
      });
    } catch (err) {
      if (err instanceof BallastError && err.code === 'CANCELLED') throw err;
      return { window, objective: null, metrics: null, returns: null, failure: `the backtest on ${describeWindow(windows, k)} failed: ${(err as Error).message}`, broken: [] };
    }
    const value = objectiveValue(context.objective, result, context.panel);
    const broken = context.constraints.flatMap((c) => {
      const observed = result.metrics[c.metric];
      return observed <= c.max ? [] : [`${CONSTRAINT_WORDS[c.metric]} ${fmt(observed)} > ${fmt(c.max)} on ${describeWindow(windows, k)}`];
    });
    return { window, objective: Number.isFinite(value) ? value : null, metrics: result.metrics, returns: result.daily.length - 1, failure: null, broken };
  });
  return { ok: true, outcomes };
}

/** Joins a θ's windows, in window order: the first failure, else every broken constraint, else the mean objective. */
export function combineWindows(outcomes: readonly WindowOutcome[]): EvaluationOutcome {
  const folds = outcomes.map(({ window, objective, metrics, returns }) => ({ window, objective, metrics, returns }));
  const failure = outcomes.find((o) => o.failure !== null)?.failure;
  if (failure) return { validation: null, folds, feasible: false, reason: failure };
  const broken = outcomes.flatMap((o) => o.broken);
  if (broken.length > 0) return { validation: null, folds, feasible: false, reason: broken.join('; ') };
  const values = folds.map((f) => f.objective);
  if (values.some((v) => v === null)) return { validation: null, folds, feasible: false, reason: 'the objective is not a finite number on every fold' };
  const validation = (values as number[]).reduce((a, b) => a + b, 0) / values.length;
  return { validation, folds, feasible: true, reason: null };
}

function describeWindow(windows: readonly Window[], k: number): string {
  const w = windows[k]!;
  return windows.length === 1 ? `${w.from} → ${w.to}` : `fold ${k + 1} (${w.from} → ${w.to})`;
}

function fmt(x: number): string {
  return Number.isFinite(x) ? String(Math.round(x * 10_000) / 10_000) : String(x);
}
