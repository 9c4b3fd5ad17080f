import { describe, expect, it } from 'vitest';
import { EngineName } from '../../../shared/domain';
import { BallastError } from '../../../shared/errors';
import lw from '../risk/__fixtures__/ledoit-wolf-sklearn.json';
import reference from '../risk/__fixtures__/risk-budgeting-reference.json';
import { BASELINE_ENGINE, MIN_OBSERVATIONS, riskParityBaseline } from './baseline';
import { ledoitWolfCovariance } from '../risk/covariance';
import { type Matrix, lastRows, matrixFromData, matrixFromRows, quadraticForm } from '../math/linalg';
import { riskBudgetWeights, riskContributions } from '../risk/riskBudgeting';
import { simpleReturns } from '../features/returns';

const etf = lw.cases.find((c) => c.name === 'etf-daily-6');
if (etf?.prices === undefined) throw new Error('etf case missing from the Ledoit-Wolf fixture');
const etfErc = reference.cases.find((c) => c.name === 'etf-daily-6-erc');
if (etfErc === undefined) throw new Error('etf case missing from the risk-budgeting fixture');
const prices = matrixFromRows(etf.prices); // 251 adjusted closes of SPY, EFA, EEM, IEF, GLD, VNQ

function errorCode(f: () => unknown): string | undefined {
  try {
    f();
  } catch (error) {
    return error instanceof BallastError ? error.code : 'not a BallastError';
  }
  return undefined;
}

function withValue(m: Matrix, row: number, column: number, value: number): Matrix {
  const copy = matrixFromData(m.rows, m.cols, m.data.slice());
  copy.data[row * m.cols + column] = value;
  return copy;
}

describe('riskParityBaseline', () => {
  it('names itself as the shared contract expects', () => {
    expect(EngineName.parse(BASELINE_ENGINE.name)).toBe('risk-parity-baseline');
    expect(BASELINE_ENGINE.label).toBe('Risk-parity baseline (Ledoit–Wolf covariance, equal risk contribution)');
  });

  it('on a year of real ETF prices matches scikit-learn shrinkage and the python ERC reference', () => {
    const steps: string[] = [];
    const result = riskParityBaseline({
      prices,
      lookbackDays: 250,
      cashFloor: 0.02,
      onProgress: (step, current, total) => steps.push(`${step} ${current}/${total}`),
    });
    expect(steps).toEqual(['returns 1/3', 'covariance 2/3', 'risk-budgeting 3/3']);
    expect(result.observations).toBe(250);
    expect(Math.abs(result.shrinkage - etf.expected.shrinkage) / etf.expected.shrinkage).toBeLessThan(1e-10);
    etfErc.expected.weights.forEach((w, i) => {
      expect(Math.abs(result.riskParityWeights[i]! - w) / w).toBeLessThan(1e-10);
      expect(result.targetWeights[i]).toBeCloseTo(0.98 * w, 12);
    });
    expect(result.converged).toBe(true);
    expect(result.spread).toBeLessThanOrEqual(result.tolerance);
    expect(result.targetWeights.reduce((s, w) => s + w, 0)).toBeCloseTo(0.98, 14);
    expect(result.riskParityWeights.reduce((s, w) => s + w, 0)).toBeCloseTo(1, 14);
    result.riskContributions.forEach((rc) => expect(Math.abs(rc - 1 / 6)).toBeLessThan(1e-10));

    const covariance = etf.expected.covariance;
    result.volatilities.forEach((v, i) => expect(v).toBeCloseTo(Math.sqrt(252 * covariance[i]![i]!), 12));
    const target = Float64Array.from(result.targetWeights);
    const annualVariance = 252 * quadraticForm(matrixFromRows(covariance), target);
    expect(result.portfolioVolatility).toBeCloseTo(Math.sqrt(annualVariance), 12);
    // Sanity on the real data: a diversified multi-asset portfolio, well under equity volatility.
    expect(result.portfolioVolatility).toBeGreaterThan(0.02);
    expect(result.portfolioVolatility).toBeLessThan(result.volatilities[0]!);
  });

  it('uses only the last lookbackDays returns', () => {
    const result = riskParityBaseline({ prices, lookbackDays: 120, cashFloor: 0 });
    expect(result.observations).toBe(120);
    const { covariance, shrinkage } = ledoitWolfCovariance(simpleReturns(lastRows(prices, 121)));
    expect(result.shrinkage).toBe(shrinkage);
    const direct = riskBudgetWeights(covariance);
    direct.weights.forEach((w, i) => expect(result.riskParityWeights[i]).toBe(w));
    // A gap before the window does not matter.
    const gapBefore = withValue(prices, 10, 2, Number.NaN);
    expect(riskParityBaseline({ prices: gapBefore, lookbackDays: 120, cashFloor: 0 }).riskParityWeights).toEqual(
      result.riskParityWeights,
    );
  });

  it('uses all available history when the lookback is longer, and honours risk budgets', () => {
    const budgets = Float64Array.from([3, 2, 1, 1, 1, 2]);
    const result = riskParityBaseline({ prices, lookbackDays: 5000, cashFloor: 0.05, budgets });
    expect(result.observations).toBe(250);
    const rc = riskContributions(ledoitWolfCovariance(simpleReturns(prices)).covariance, result.riskParityWeights);
    budgets.forEach((b, i) => expect(Math.abs(rc[i]! - b / 10)).toBeLessThan(1e-10));
  });

  it('refuses fewer than 60 observations and gaps inside the window with INSUFFICIENT_DATA', () => {
    expect(MIN_OBSERVATIONS).toBe(60);
    expect(errorCode(() => riskParityBaseline({ prices, lookbackDays: 59, cashFloor: 0 }))).toBe('INSUFFICIENT_DATA');
    expect(errorCode(() => riskParityBaseline({ prices: lastRows(prices, 60), lookbackDays: 250, cashFloor: 0 }))).toBe(
      'INSUFFICIENT_DATA',
    );
    expect(riskParityBaseline({ prices: lastRows(prices, 61), lookbackDays: 250, cashFloor: 0 }).observations).toBe(60);

    const gapped = withValue(prices, 240, 3, Number.NaN);
    expect(() => riskParityBaseline({ prices: gapped, lookbackDays: 250, cashFloor: 0 })).toThrow(
      /Asset 4 has no price on 1 of the last 251 trading days/,
    );
    expect(errorCode(() => riskParityBaseline({ prices: gapped, lookbackDays: 250, cashFloor: 0 }))).toBe(
      'INSUFFICIENT_DATA',
    );
  });

  it('rejects bad parameters, bad prices and a singular covariance with clear codes', () => {
    expect(errorCode(() => riskParityBaseline({ prices, lookbackDays: 100.5, cashFloor: 0 }))).toBe('BAD_INPUT');
    expect(errorCode(() => riskParityBaseline({ prices, lookbackDays: 100, cashFloor: 1 }))).toBe('BAD_INPUT');
    expect(errorCode(() => riskParityBaseline({ prices: withValue(prices, 250, 0, -1), lookbackDays: 100, cashFloor: 0 }))).toBe(
      'BAD_INPUT',
    );
    // A price that never moves (a stale feed) is not a riskless asset: refuse rather than pile into it.
    const stale = matrixFromData(
      prices.rows,
      2,
      Float64Array.from({ length: prices.rows * 2 }, (_, k) => (k % 2 === 0 ? prices.data[(k / 2) * 6]! : 100)),
    );
    expect(() => riskParityBaseline({ prices: stale, lookbackDays: 250, cashFloor: 0 })).toThrow(
      /Asset 2 has the same price on all of the last 251 trading days/,
    );
    expect(errorCode(() => riskParityBaseline({ prices: stale, lookbackDays: 250, cashFloor: 0 }))).toBe(
      'INSUFFICIENT_DATA',
    );
  });

  it('stops with CANCELLED when the signal is aborted between steps', () => {
    const signal = { aborted: false };
    const code = errorCode(() =>
      riskParityBaseline({
        prices,
        lookbackDays: 250,
        cashFloor: 0,
        signal,
        onProgress: (step) => {
          if (step === 'covariance') signal.aborted = true;
        },
      }),
    );
    expect(code).toBe('CANCELLED');
    expect(errorCode(() => riskParityBaseline({ prices, lookbackDays: 250, cashFloor: 0, signal: { aborted: true } }))).toBe(
      'CANCELLED',
    );
  });
});
