import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import fixture from './__fixtures__/ledoit-wolf-sklearn.json';
import { ledoitWolfCovariance, sampleCovariance } from './covariance';
import { type Matrix, cholesky, isSymmetric, matrixFromData, matrixFromRows } from '../math/linalg';
import { simpleReturns } from '../features/returns';

const SEED = 20240601;
const RELATIVE = 1e-10;

function maxRelativeDifference(actual: ArrayLike<number>, expected: readonly number[]): number {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  expected.forEach((e, k) => {
    const a = actual[k]!;
    worst = Math.max(worst, e === 0 ? Math.abs(a) : Math.abs(a - e) / Math.abs(e));
  });
  return worst;
}

describe('ledoitWolfCovariance against scikit-learn', () => {
  it('records how the fixture was produced', () => {
    expect(fixture.producedBy.script).toBe('bench/reference/ledoit_wolf.py');
    expect(fixture.producedBy.sklearn).toMatch(/^\d+\.\d+/);
    expect(fixture.cases.map((c) => c.name)).toEqual(['random-n120-p5', 'random-n30-p40', 'etf-daily-6']);
  });

  it.each(fixture.cases.map((c) => [c.name, c] as const))(
    '%s: covariance, shrinkage and mean within 1e-10 relative',
    (_name, c) => {
      const estimate = ledoitWolfCovariance(matrixFromRows(c.returns));
      expect(Math.abs(estimate.shrinkage - c.expected.shrinkage) / c.expected.shrinkage).toBeLessThan(RELATIVE);
      expect(maxRelativeDifference(estimate.covariance.data, c.expected.covariance.flat())).toBeLessThan(RELATIVE);
      expect(maxRelativeDifference(estimate.mean, c.expected.mean)).toBeLessThan(RELATIVE);
      const sample = sampleCovariance(matrixFromRows(c.returns));
      expect(maxRelativeDifference(sample.covariance.data, c.expected.sampleCovariance.flat())).toBeLessThan(RELATIVE);
    },
  );

  it('etf-daily-6: returns from the copied adjusted closes match numpy bit for bit', () => {
    const etf = fixture.cases.find((c) => c.name === 'etf-daily-6');
    if (etf?.prices === undefined) throw new Error('etf case missing from fixture');
    const returns = simpleReturns(matrixFromRows(etf.prices));
    expect(Array.from(returns.data)).toEqual(etf.returns.flat());
    expect(returns.rows).toBe(250);
  });
});

/** n×p observations, n in [2, 40], p in [1, 8], values in ±0.1 like daily returns. */
const observations = fc
  .record({ n: fc.integer({ min: 2, max: 40 }), p: fc.integer({ min: 1, max: 8 }) })
  .chain(({ n, p }) =>
    fc
      // Basis-point grid: realistic daily returns without the subnormal values fc.double likes to try.
      .array(fc.integer({ min: -1000, max: 1000 }), { minLength: n * p, maxLength: n * p })
      .map((values) => matrixFromData(n, p, Float64Array.from(values, (v) => v / 10_000))),
  );

describe('ledoitWolfCovariance invariants', () => {
  it('shrinks into [0, 1], stays symmetric, keeps the trace, and is positive definite when p > 1', () => {
    fc.assert(
      fc.property(observations, (x) => {
        const { covariance, shrinkage } = ledoitWolfCovariance(x);
        const sample = sampleCovariance(x).covariance;
        expect(shrinkage).toBeGreaterThanOrEqual(0);
        expect(shrinkage).toBeLessThanOrEqual(1);
        expect(isSymmetric(covariance, 0)).toBe(true);
        expect(trace(covariance)).toBeCloseTo(trace(sample), 14);
        // With real shrinkage the scaled identity lifts every eigenvalue; an intensity at rounding level
        // (n = 2 makes b̄² exactly 0 in exact arithmetic) lifts nothing.
        if (x.cols > 1 && trace(sample) > 1e-12 && shrinkage > 1e-6) expect(cholesky(covariance).ok).toBe(true);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('ignores a shift of the data and scales with its square', () => {
    fc.assert(
      fc.property(observations, fc.double({ min: 0.01, max: 100, noNaN: true }), (x, scale) => {
        const base = ledoitWolfCovariance(x);
        // A constant column has zero variance, which a shift turns into rounding noise of either sign.
        const sample = sampleCovariance(x).covariance;
        fc.pre(Array.from({ length: x.cols }, (_, i) => sample.data[i * x.cols + i]!).every((v) => v > 1e-8));
        const shifted = ledoitWolfCovariance(mapData(x, (v, j) => v + 0.01 * (j + 1)));
        const scaled = ledoitWolfCovariance(mapData(x, (v) => v * scale));
        expect(Math.abs(shifted.shrinkage - base.shrinkage)).toBeLessThan(1e-6);
        expect(Math.abs(scaled.shrinkage - base.shrinkage)).toBeLessThan(1e-9);
        const size = Math.max(...base.covariance.data.map(Math.abs), 1e-300);
        for (let k = 0; k < base.covariance.data.length; k++) {
          expect(Math.abs(scaled.covariance.data[k]! / (scale * scale) - base.covariance.data[k]!)).toBeLessThan(
            1e-9 * size,
          );
        }
      }),
      { seed: SEED, numRuns: 100 },
    );
  });

  it('does not shrink a single asset (the target would be its own variance)', () => {
    const { covariance, shrinkage } = ledoitWolfCovariance(matrixFromRows([[0.01], [-0.02], [0.03]]));
    expect(shrinkage).toBe(0);
    expect(covariance.data[0]).toBeCloseTo((0.01 ** 2 + 0.02 ** 2 + 0.03 ** 2) / 3 - (0.02 / 3) ** 2, 15);
  });
});

function trace(m: Matrix): number {
  let t = 0;
  for (let i = 0; i < m.rows; i++) t += m.data[i * m.cols + i]!;
  return t;
}

function mapData(m: Matrix, f: (value: number, column: number) => number): Matrix {
  return matrixFromData(
    m.rows,
    m.cols,
    m.data.map((v, k) => f(v, k % m.cols)),
  );
}
