/**
 * The naive and risk-based portfolios every strategy is compared with, as backtest strategies. Each decides
 * from the panel up to t only and leaves the cash floor in cash: the risky weights sum to 1 − cashFloor.
 *
 * - equal: 1/m over the m assets with a price today.
 * - 60-40: 60 % split equally across the priced 'equity' assets, 40 % across 'fixed_income' (panel.assetClasses).
 *   Until one class has a priced asset, its share stays in cash rather than turning the mix into 100/0.
 * - inverse-vol: w ∝ 1/σ_i, σ the sample volatility of daily returns over the lookback.
 * - erc: equal risk contribution on the Ledoit–Wolf covariance (risk/riskBudgeting).
 * - min-variance: long-only minimum variance on the Ledoit–Wolf covariance (allocate/allocator's QP).
 * The risk-based three use the assets with a price on every day of the lookback window whose price moved
 * (a stale, flat series would look riskless and soak up the portfolio); the others wait in cash until they do.
 *
 * `maxWeight` is a hard cap, as a mandate would impose it: weight above it is handed pro rata to the uncapped
 * assets (inside the class for 60/40), and when every asset is at the cap the rest stays in cash. Capping makes
 * ERC and inverse-vol only approximately what their names say — the price of honouring the mandate.
 */
import { BallastError } from '../../../shared/errors';
import type { PricePanel } from '../features/panel';
import { minimumVarianceWeights } from '../allocate/allocator';
import { type Matrix, zeros } from '../math/linalg';
import { ledoitWolfCovariance } from '../risk/covariance';
import { riskBudgetWeights } from '../risk/riskBudgeting';
import type { BacktestStrategy, RebalanceDecision } from './backtest';

export const BASELINE_NAMES = ['equal', '60-40', 'inverse-vol', 'erc', 'min-variance'] as const;
export type BaselineName = (typeof BASELINE_NAMES)[number];

export interface BaselineSettings {
  /** Daily returns in the risk estimates (inverse-vol, erc, min-variance). */
  lookbackDays: number;
  /** Fraction of value kept in cash, in [0, 1). */
  cashFloor: number;
  /** Per-asset cap, fraction of total value (none when omitted). */
  maxWeight?: number;
}

/** Fewer daily returns than about three months make a covariance of more than a handful of assets noise. */
const MIN_RETURNS = 60;

/**
 * Baseline strategies by name (all five unless `names` picks some). Throws BallastError('BAD_INPUT') for bad
 * settings, and for '60-40' when the panel has no asset classes or lacks an 'equity' or 'fixed_income' asset.
 */
export function baselineStrategies<K extends BaselineName = BaselineName>(
  panel: PricePanel,
  settings: BaselineSettings,
  names: readonly K[] = BASELINE_NAMES as unknown as readonly K[],
): Record<K, BacktestStrategy> {
  checkSettings(settings);
  const out = {} as Record<K, BacktestStrategy>;
  for (const name of names) out[name] = baselineStrategy(name, panel, settings);
  return out;
}

export function baselineStrategy(name: BaselineName, panel: PricePanel, settings: BaselineSettings): BacktestStrategy {
  checkSettings(settings);
  const budget = 1 - settings.cashFloor;
  const cap = settings.maxWeight ?? 1;
  const n = panel.tickers.length;
  const strategy = (decide: (t: number, view: PricePanel) => Float64Array): BacktestStrategy => ({
    name,
    decide: (t: number, _current: Float64Array, view: PricePanel): RebalanceDecision => ({ weights: decide(t, view) }),
  });

  switch (name) {
    case 'equal':
      return strategy((t, view) => {
        const priced = pricedAt(view.prices, t);
        return spread(n, priced, priced.map(() => 1), budget, cap);
      });
    case '60-40': {
      const classes = sixtyFortyClasses(panel);
      return strategy((t, view) => {
        const priced = pricedAt(view.prices, t);
        const equity = priced.filter((i) => classes[i] === 'equity');
        const bonds = priced.filter((i) => classes[i] === 'fixed_income');
        const weights = spread(n, equity, equity.map(() => 1), 0.6 * budget, cap);
        const bondWeights = spread(n, bonds, bonds.map(() => 1), 0.4 * budget, cap);
        for (let i = 0; i < n; i++) weights[i] = weights[i]! + bondWeights[i]!;
        return weights;
      });
    }
    case 'inverse-vol':
      return strategy((t, view) => {
        const window = riskWindow(view.prices, t, settings.lookbackDays);
        const inverse = window.columns.map((_, k) => 1 / Math.sqrt(sampleVariance(window.returns, k)));
        return spread(n, window.columns, inverse, budget, cap);
      });
    case 'erc':
      return strategy((t, view) => {
        const window = riskWindow(view.prices, t, settings.lookbackDays);
        if (window.columns.length === 0) return new Float64Array(n);
        if (window.columns.length === 1) return spread(n, window.columns, [1], budget, cap);
        const { covariance } = ledoitWolfCovariance(window.returns);
        const erc = riskBudgetWeights(covariance).weights;
        return spread(n, window.columns, Array.from(erc), budget, cap);
      });
    case 'min-variance':
      return strategy((t, view) => {
        const window = riskWindow(view.prices, t, settings.lookbackDays);
        const weights = new Float64Array(n);
        if (window.columns.length === 0) return weights;
        const { covariance } = ledoitWolfCovariance(window.returns);
        // Under a cap too tight to hold the budget, the remainder stays in cash, as for the other baselines.
        const solved = minimumVarianceWeights(covariance, { maxWeight: cap, budget: Math.min(budget, cap * window.columns.length) });
        window.columns.forEach((i, k) => (weights[i] = solved[k]!));
        return weights;
      });
    default: {
      const unknown: never = name;
      throw new BallastError('BAD_INPUT', `unknown baseline "${String(unknown)}"; choose one of ${BASELINE_NAMES.join(', ')}`);
    }
  }
}

/**
 * Spreads `budget` over `columns` in proportion to `raw`, with no weight above `cap`: capped weights are fixed
 * and their excess goes pro rata to the rest (water-filling); when all are capped the remainder stays in cash.
 */
function spread(n: number, columns: readonly number[], raw: readonly number[], budget: number, cap: number): Float64Array {
  const weights = new Float64Array(n);
  let open = columns.map((_, k) => k);
  let remaining = budget;
  while (open.length > 0 && remaining > 0) {
    let rawTotal = 0;
    for (const k of open) rawTotal += raw[k]!;
    const over = open.filter((k) => (remaining * raw[k]!) / rawTotal > cap);
    if (over.length === 0) {
      for (const k of open) weights[columns[k]!] = (remaining * raw[k]!) / rawTotal;
      break;
    }
    for (const k of over) weights[columns[k]!] = cap;
    remaining -= over.length * cap;
    open = open.filter((k) => !over.includes(k));
  }
  return weights;
}

function pricedAt(prices: Matrix, t: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < prices.cols; i++) {
    const p = prices.data[t * prices.cols + i]!;
    if (p > 0 && p < Infinity) out.push(i);
  }
  return out;
}

/**
 * Daily simple returns over the last min(lookback, t) days ending at t, for the assets priced on every day of
 * that window whose price moved at least once.
 */
function riskWindow(prices: Matrix, t: number, lookback: number): { columns: number[]; returns: Matrix } {
  const count = Math.min(lookback, t);
  if (count < MIN_RETURNS) {
    throw new BallastError(
      'INSUFFICIENT_DATA',
      `The risk-based baselines need ${MIN_RETURNS} daily returns before their first decision; row ${t} has ${count}. ` +
        'Start the backtest later (warm-up).',
      { row: t, returns: count, required: MIN_RETURNS },
    );
  }
  const n = prices.cols;
  const first = t - count;
  const columns: number[] = [];
  for (let i = 0; i < n; i++) {
    let complete = true;
    let moved = false;
    const p0 = prices.data[first * n + i]!;
    for (let s = first; s <= t && complete; s++) {
      const p = prices.data[s * n + i]!;
      complete = p > 0 && p < Infinity;
      if (p !== p0) moved = true;
    }
    if (complete && moved) columns.push(i);
  }
  const m = columns.length;
  const returns = zeros(count, m);
  for (let s = 0; s < count; s++) {
    const row = (first + s) * n;
    for (let k = 0; k < m; k++) {
      const i = columns[k]!;
      returns.data[s * m + k] = prices.data[row + n + i]! / prices.data[row + i]! - 1;
    }
  }
  return { columns, returns };
}

function sampleVariance(returns: Matrix, column: number): number {
  const { rows, cols, data } = returns;
  let mean = 0;
  for (let s = 0; s < rows; s++) mean += data[s * cols + column]!;
  mean /= rows;
  let sum = 0;
  for (let s = 0; s < rows; s++) sum += (data[s * cols + column]! - mean) ** 2;
  return sum / (rows - 1);
}

function sixtyFortyClasses(panel: PricePanel): readonly string[] {
  const classes = panel.assetClasses;
  if (!classes || classes.length !== panel.tickers.length) {
    throw new BallastError(
      'BAD_INPUT',
      'The 60/40 baseline needs each asset’s class (equity, fixed_income, …), and this price panel has none.',
      { reason: 'no-asset-classes' },
    );
  }
  const counts: Record<string, number> = {};
  for (const c of classes) counts[c] = (counts[c] ?? 0) + 1;
  const missing = ['equity', 'fixed_income'].filter((c) => !counts[c]);
  if (missing.length > 0) {
    const found = Object.entries(counts).map(([c, k]) => `${c} ×${k}`).join(', ');
    throw new BallastError(
      'BAD_INPUT',
      `The 60/40 baseline needs at least one asset classed ${missing.map((c) => `'${c}'`).join(' and ')}; ` +
        `the universe has ${found}.`,
      { reason: 'missing-class', missing, classes: counts },
    );
  }
  return classes;
}

function checkSettings(settings: BaselineSettings): void {
  if (!Number.isInteger(settings.lookbackDays) || settings.lookbackDays < MIN_RETURNS) {
    throw new BallastError('BAD_INPUT', `lookback of ${settings.lookbackDays} days: must be a whole number ≥ ${MIN_RETURNS}`);
  }
  if (!(settings.cashFloor >= 0 && settings.cashFloor < 1)) {
    throw new BallastError('BAD_INPUT', `cash floor ${settings.cashFloor} must be in [0, 1)`);
  }
  if (settings.maxWeight !== undefined && !(settings.maxWeight > 0 && settings.maxWeight <= 1)) {
    throw new BallastError('BAD_INPUT', `max weight ${settings.maxWeight} must be in (0, 1]`);
  }
}
