import { BallastError } from '../../../shared/errors';
import { ledoitWolfCovariance } from '../risk/covariance';
import { type Matrix, lastRows, quadraticForm } from '../math/linalg';
import { DEFAULT_RISK_BUDGET_TOLERANCE, riskBudgetWeights } from '../risk/riskBudgeting';
import { simpleReturns } from '../features/returns';

export const BASELINE_ENGINE = {
  name: 'risk-parity-baseline',
  label: 'Risk-parity baseline (Ledoit–Wolf covariance, equal risk contribution)',
} as const;

/** Fewer daily returns than about three months make a covariance of more than a handful of assets noise. */
export const MIN_OBSERVATIONS = 60;
export const TRADING_DAYS_PER_YEAR = 252;

export type ProgressCallback = (step: string, current: number, total: number) => void;

export interface RiskParityBaselineInput {
  /** T×N adjusted closes, oldest first; NaN marks a missing price. */
  prices: Matrix;
  /** Number of most recent daily returns to estimate risk from (uses all available if fewer). */
  lookbackDays: number;
  /** Risk budgets per asset (normalised to sum 1); equal risk contribution when omitted. */
  budgets?: Float64Array;
  /** Fraction of total value held back as cash. */
  cashFloor: number;
  onProgress?: ProgressCallback;
  signal?: { readonly aborted: boolean };
}

export interface RiskParityBaselineResult {
  /** Fractions of total value; sum to 1 − cashFloor, the rest is cash. */
  targetWeights: Float64Array;
  /** Fully invested risk-budgeting weights; sum to 1. */
  riskParityWeights: Float64Array;
  /** Shares of portfolio variance per asset (sum 1); identical for the target and fully invested weights. */
  riskContributions: Float64Array;
  /** Annualised (×√252) volatilities from the shrunk covariance. */
  volatilities: Float64Array;
  /** Annualised volatility of the target portfolio, cash counted at zero volatility. */
  portfolioVolatility: number;
  shrinkage: number;
  iterations: number;
  converged: boolean;
  spread: number;
  tolerance: number;
  /** Daily returns actually used. */
  observations: number;
}

const STEPS = ['returns', 'covariance', 'risk-budgeting'] as const;

/**
 * The baseline proposal: simple daily returns over the lookback window → Ledoit–Wolf shrunk covariance →
 * risk-budgeting weights (equal risk contribution by default) → scaled to leave the cash floor in cash.
 * Scaling by (1 − cashFloor) leaves each asset's share of risk unchanged, since cash carries none.
 */
export function riskParityBaseline(input: RiskParityBaselineInput): RiskParityBaselineResult {
  const { prices, lookbackDays, cashFloor, onProgress, signal } = input;
  if (!Number.isInteger(lookbackDays) || lookbackDays < 1) {
    throw new BallastError('BAD_INPUT', `lookback must be a whole number of trading days, got ${lookbackDays}`);
  }
  if (!(cashFloor >= 0 && cashFloor < 1)) {
    throw new BallastError('BAD_INPUT', `cash floor must be a fraction from 0 up to (not including) 1, got ${cashFloor}`);
  }
  if (prices.cols < 1) throw new BallastError('BAD_INPUT', 'no assets to allocate between');

  const observations = Math.min(lookbackDays, Math.max(prices.rows - 1, 0));
  if (observations < MIN_OBSERVATIONS) {
    throw new BallastError(
      'INSUFFICIENT_DATA',
      `Need at least ${MIN_OBSERVATIONS} daily returns to estimate risk; the price history gives ${observations}.`,
      { reason: 'too-few-observations', observations, required: MIN_OBSERVATIONS },
    );
  }
  const window = lastRows(prices, observations + 1);
  const gap = firstGap(window);
  if (gap !== undefined) {
    throw new BallastError(
      'INSUFFICIENT_DATA',
      `Asset ${gap.column + 1} has no price on ${gap.missing} of the last ${observations + 1} trading days; ` +
        'import the missing history or choose a shorter lookback.',
      { reason: 'gaps', column: gap.column, missing: gap.missing, firstMissingRow: prices.rows - window.rows + gap.row },
    );
  }

  const checkpoint = (done: number): void => {
    onProgress?.(STEPS[done - 1]!, done, STEPS.length);
    if (signal?.aborted) throw new BallastError('CANCELLED', 'The proposal run was cancelled.');
  };
  if (signal?.aborted) throw new BallastError('CANCELLED', 'The proposal run was cancelled.');

  const returns = simpleReturns(window);
  const flat = firstFlatColumn(returns);
  if (flat !== undefined) {
    // Shrinkage would lend a constant series a small positive variance, and equal risk contribution would
    // then pour most of the portfolio into it — a stale price must not look like a riskless asset.
    throw new BallastError(
      'INSUFFICIENT_DATA',
      `Asset ${flat + 1} has the same price on all of the last ${observations + 1} trading days, so its risk ` +
        'cannot be estimated; check that its price history is up to date.',
      { reason: 'flat', column: flat },
    );
  }
  checkpoint(1);
  const { covariance, shrinkage } = ledoitWolfCovariance(returns);
  checkpoint(2);
  const tolerance = DEFAULT_RISK_BUDGET_TOLERANCE;
  const budgeted = riskBudgetWeights(covariance, input.budgets, signal ? { tolerance, signal } : { tolerance });
  checkpoint(3);

  const n = prices.cols;
  const targetWeights = new Float64Array(n);
  const volatilities = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    targetWeights[i] = budgeted.weights[i]! * (1 - cashFloor);
    volatilities[i] = Math.sqrt(TRADING_DAYS_PER_YEAR * covariance.data[i * n + i]!);
  }
  const portfolioVolatility = Math.sqrt(TRADING_DAYS_PER_YEAR * quadraticForm(covariance, targetWeights));

  return {
    targetWeights,
    riskParityWeights: budgeted.weights,
    riskContributions: budgeted.riskContributions,
    volatilities,
    portfolioVolatility,
    shrinkage,
    iterations: budgeted.iterations,
    converged: budgeted.converged,
    spread: budgeted.spread,
    tolerance,
    observations,
  };
}

function firstGap(window: Matrix): { column: number; row: number; missing: number } | undefined {
  for (let j = 0; j < window.cols; j++) {
    let missing = 0;
    let row = -1;
    for (let t = 0; t < window.rows; t++) {
      if (Number.isNaN(window.data[t * window.cols + j]!)) {
        if (row < 0) row = t;
        missing++;
      }
    }
    if (missing > 0) return { column: j, row, missing };
  }
  return undefined;
}

function firstFlatColumn(returns: Matrix): number | undefined {
  for (let j = 0; j < returns.cols; j++) {
    const first = returns.data[j]!;
    let moved = false;
    for (let t = 1; t < returns.rows && !moved; t++) moved = returns.data[t * returns.cols + j] !== first;
    if (!moved) return j;
  }
  return undefined;
}
