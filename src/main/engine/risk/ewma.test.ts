import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BallastError } from '../../../shared/errors';
import { cholesky, isSymmetric, matrixFromData, matrixFromRows, toRows } from '../math/linalg';
import { createRng } from '../math/random';
import { sampleCovariance } from './covariance';
import { ewmaCovariance, ewmaWeights } from './ewma';

/** n×p returns on a basis-point grid (±10 %), as the covariance tests draw them. */
const returnsArbitrary = fc
  .record({ n: fc.integer({ min: 1, max: 30 }), p: fc.integer({ min: 1, max: 6 }) })
  .chain(({ n, p }) =>
    fc
      .array(fc.integer({ min: -1000, max: 1000 }), { minLength: n * p, maxLength: n * p })
      .map((values) => matrixFromData(n, p, Float64Array.from(values, (v) => v / 10_000))),
  );

function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let k = 0; k < a.length; k++) worst = Math.max(worst, Math.abs(a[k]! - b[k]!));
  return worst;
}

describe('ewmaCovariance: a case worked by hand', () => {
  // Half-life 1 day: raw weights ¼, ½, 1 for the three rows, oldest first → normalised 1/7, 2/7, 4/7.
  const returns = matrixFromRows([
    [1, 2],
    [3, -1],
    [-2, 0.5],
  ]);

  it('weights halve every half-life and sum to one', () => {
    const w = ewmaWeights(3, 1);
    expect(Array.from(w)).toEqual([1 / 7, 2 / 7, 4 / 7].map((x) => expect.closeTo(x, 15)));
    const w63 = ewmaWeights(127, 63);
    expect(w63[126 - 63]! / w63[126]!).toBeCloseTo(0.5, 14);
    expect(w63.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 14);
  });

  it("zero mean: Σ w_t r_t r_tᵀ, the pandas (df[i]*df[j]).ewm(halflife=1).mean() value", () => {
    // var₁ = (1·1 + 2·9 + 4·4)/7 = 5, var₂ = (1·4 + 2·1 + 4·¼)/7 = 1, cov = (1·2 − 2·3 − 4·1)/7 = −8/7.
    const cov = ewmaCovariance(returns, 1);
    expect(maxAbsDifference(cov.data, [5, -8 / 7, -8 / 7, 1])).toBeLessThan(1e-14);
  });

  it('weighted mean: the pandas ewm(halflife=1).cov(bias=True) value, and how bias=False differs', () => {
    // r̄ = (−1/7, 2/7); Σ = E_w[r rᵀ] − r̄ r̄ᵀ = [[244/49, −54/49], [−54/49, 45/49]].
    const cov = ewmaCovariance(returns, 1, { mean: 'weighted' });
    expect(maxAbsDifference(cov.data, [244 / 49, -54 / 49, -54 / 49, 45 / 49])).toBeLessThan(1e-14);
    // pandas' default bias=False multiplies by 1 / (1 − Σw²) = 1 / (1 − 21/49) = 49/28: var₁ would be 61/7.
    expect(cov.data[0]! * (49 / 28)).toBeCloseTo(61 / 7, 13);
  });
});

describe('ewmaCovariance against direct formulas', () => {
  it('equals the explicit double sum with weights λ^(n−1−t) / Σλ^k', () => {
    fc.assert(
      fc.property(returnsArbitrary, fc.double({ min: 0.5, max: 500, noNaN: true }), (returns, halfLife) => {
        const { rows: n, cols: p, data } = returns;
        const lambda = Math.pow(0.5, 1 / halfLife);
        let total = 0;
        for (let t = 0; t < n; t++) total += Math.pow(lambda, n - 1 - t);
        const expected: number[] = [];
        for (let i = 0; i < p; i++) {
          for (let j = 0; j < p; j++) {
            let s = 0;
            for (let t = 0; t < n; t++) s += (Math.pow(lambda, n - 1 - t) / total) * data[t * p + i]! * data[t * p + j]!;
            expected.push(s);
          }
        }
        expect(maxAbsDifference(ewmaCovariance(returns, halfLife).data, expected)).toBeLessThan(1e-15);
      }),
    );
  });

  it('equals the pandas adjust=True recursion S_t = λS_{t−1} + x_t x_tᵀ, W_t = λW_{t−1} + 1, Σ = S_n / W_n', () => {
    fc.assert(
      fc.property(returnsArbitrary, fc.double({ min: 0.5, max: 500, noNaN: true }), (returns, halfLife) => {
        const { rows: n, cols: p, data } = returns;
        const lambda = Math.pow(0.5, 1 / halfLife);
        // Weighted-mean version via the same recursion on the first and second moments.
        const second = new Float64Array(p * p);
        const first = new Float64Array(p);
        let weight = 0;
        for (let t = 0; t < n; t++) {
          weight = lambda * weight + 1;
          for (let i = 0; i < p; i++) {
            first[i] = lambda * first[i]! + data[t * p + i]!;
            for (let j = 0; j < p; j++) second[i * p + j] = lambda * second[i * p + j]! + data[t * p + i]! * data[t * p + j]!;
          }
        }
        const zeroMean = Array.from(second, (s) => s / weight);
        const weighted = zeroMean.map((s, k) => s - (first[Math.floor(k / p)]! / weight) * (first[k % p]! / weight));
        expect(maxAbsDifference(ewmaCovariance(returns, halfLife).data, zeroMean)).toBeLessThan(1e-15);
        expect(maxAbsDifference(ewmaCovariance(returns, halfLife, { mean: 'weighted' }).data, weighted)).toBeLessThan(1e-15);
      }),
    );
  });

  it('with the weighted mean and an endless half-life it is the equally weighted sample covariance', () => {
    fc.assert(
      fc.property(returnsArbitrary, (returns) => {
        const ewma = ewmaCovariance(returns, 1e15, { mean: 'weighted' });
        expect(maxAbsDifference(ewma.data, sampleCovariance(returns).covariance.data)).toBeLessThan(1e-15);
      }),
    );
  });
});

describe('ewmaCovariance properties', () => {
  it('is symmetric and positive semidefinite for any data, scaling as c²', () => {
    fc.assert(
      fc.property(returnsArbitrary, fc.double({ min: 1, max: 300, noNaN: true }), (returns, halfLife) => {
        const cov = ewmaCovariance(returns, halfLife);
        expect(isSymmetric(cov)).toBe(true);
        // PSD: xᵀΣx ≥ 0 for a few fixed directions (Cholesky needs strict definiteness, tested below).
        for (let trial = 0; trial < 3; trial++) {
          const rng = createRng(trial + 1);
          const x = Float64Array.from({ length: cov.rows }, () => rng.normal());
          let q = 0;
          for (let i = 0; i < cov.rows; i++) for (let j = 0; j < cov.rows; j++) q += x[i]! * cov.data[i * cov.rows + j]! * x[j]!;
          expect(q).toBeGreaterThanOrEqual(-1e-18);
        }
        const doubled = ewmaCovariance(matrixFromData(returns.rows, returns.cols, returns.data.map((v) => 2 * v)), halfLife);
        expect(maxAbsDifference(doubled.data, cov.data.map((v) => 4 * v))).toBeLessThan(1e-15);
      }),
    );
  });

  it('is positive definite for full-rank data, both mean conventions', () => {
    const rng = createRng(20240611);
    const n = 252;
    const p = 12;
    const data = new Float64Array(n * p);
    for (let t = 0; t < n; t++) {
      const market = 0.01 * rng.normal();
      for (let j = 0; j < p; j++) data[t * p + j] = market + 0.005 * rng.normal();
    }
    const returns = matrixFromData(n, p, data);
    for (const mean of ['zero', 'weighted'] as const) {
      const result = cholesky(ewmaCovariance(returns, 63, { mean }));
      expect(result.ok).toBe(true);
    }
    // p > n: rank-deficient, so not positive definite — the estimator does not pretend otherwise.
    const short = matrixFromData(5, p, data.slice(0, 5 * p));
    expect(cholesky(ewmaCovariance(short, 63)).ok).toBe(false);
  });

  it('weights the newest rows most: a shock yesterday moves the estimate more than the same shock long ago', () => {
    const quiet = Array.from({ length: 100 }, (_, t) => [0.001 * Math.sin(t)]);
    const shockOld = quiet.map((row, t) => (t === 0 ? [0.05] : row));
    const shockNew = quiet.map((row, t) => (t === 99 ? [0.05] : row));
    const oldVar = ewmaCovariance(matrixFromRows(shockOld), 10).data[0]!;
    const newVar = ewmaCovariance(matrixFromRows(shockNew), 10).data[0]!;
    expect(newVar).toBeGreaterThan(100 * oldVar);
    expect(toRows(ewmaCovariance(matrixFromRows(shockNew), 10))[0]![0]).toBeGreaterThan(0.05 ** 2 * (1 - Math.pow(0.5, 0.1)));
  });

  it('refuses empty data, a bad half-life or a missing return', () => {
    const ok = matrixFromRows([[0.01], [0.02]]);
    expect(() => ewmaCovariance(matrixFromData(0, 1, new Float64Array(0)), 10)).toThrow(BallastError);
    expect(() => ewmaCovariance(ok, 0)).toThrow(/half-life/);
    expect(() => ewmaCovariance(ok, Number.NaN)).toThrow(/half-life/);
    expect(() => ewmaCovariance(matrixFromRows([[0.01], [Number.NaN]]), 10)).toThrow(/row 2, column 1/);
  });
});
