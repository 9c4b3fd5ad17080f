import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Matrix, matmul, matrixFromData, matrixFromRows, transpose } from '../math/linalg';
import {
  backSubstitute,
  choleskyWithJitter,
  forwardSubstitute,
  forwardSubstituteMatrix,
  inverseFromCholesky,
} from './cholesky';
import { priorCovariance, kernelProfile, scaleByLengthscales } from './kernels';

const SEED = 20240601;

function maxAbs(a: Matrix, b: Matrix): number {
  let worst = 0;
  for (let k = 0; k < a.data.length; k++) worst = Math.max(worst, Math.abs(a.data[k]! - b.data[k]!));
  return worst;
}

/** A design with every point repeated: an RBF kernel matrix without noise is then exactly singular. */
function duplicatedDesignCovariance(): Matrix {
  const base = [0.1, 0.35, 0.5, 0.8, 0.95];
  const X = matrixFromData(10, 1, Float64Array.from([...base, ...base]));
  return priorCovariance(scaleByLengthscales(X, Float64Array.from([0.3])), kernelProfile('rbf'), 2, 0);
}

describe('choleskyWithJitter', () => {
  it('adds no jitter to a well-conditioned matrix', () => {
    const K = matrixFromRows([
      [4, 2, 0.6],
      [2, 3, 0.4],
      [0.6, 0.4, 2],
    ]);
    const result = choleskyWithJitter(K);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.jitter).toBe(0);
    expect(result.attempts).toBe(1);
    expect(maxAbs(matmul(result.L, transpose(result.L)), K)).toBeLessThan(1e-14);
  });

  it('escalates jitter on a duplicated-point design and reports it: L Lᵀ = K + jitter·I', () => {
    const K = duplicatedDesignCovariance();
    const result = choleskyWithJitter(K);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const meanDiagonal = 2;
    expect(result.attempts).toBeGreaterThan(1);
    expect(result.jitter).toBeGreaterThanOrEqual(1e-10 * meanDiagonal);
    expect(result.jitter).toBeLessThanOrEqual(1e-4 * meanDiagonal);
    // The jitter follows the 1e-10, 1e-9, … schedule: attempt k (k ≥ 2) used 10^(k−12) × mean diagonal.
    expect(result.jitter / meanDiagonal).toBeCloseTo(10 ** (result.attempts - 12), 20);
    const shifted = matrixFromData(K.rows, K.cols, Float64Array.from(K.data));
    for (let i = 0; i < K.rows; i++) shifted.data[i * K.rows + i] = shifted.data[i * K.rows + i]! + result.jitter;
    expect(maxAbs(matmul(result.L, transpose(result.L)), shifted)).toBeLessThan(1e-13);
  });

  it('gives up as a value after the largest jitter, and does not jitter a malformed matrix', () => {
    const indefinite = matrixFromRows([
      [2, 0],
      [0, -1],
    ]);
    const failed = choleskyWithJitter(indefinite);
    expect(failed.ok).toBe(false);
    if (failed.ok) return;
    // Plain attempt plus jitters 1e-10 … 1e-4.
    expect(failed.attempts).toBe(8);
    expect(failed.failure).toBe('not-positive-definite');
    expect(failed.reason).toMatch(/even with jitter/);

    const asymmetric = choleskyWithJitter(
      matrixFromRows([
        [2, 1],
        [0, 2],
      ]),
    );
    expect(asymmetric).toMatchObject({ ok: false, failure: 'not-symmetric', attempts: 1 });
    const notFinite = choleskyWithJitter(matrixFromRows([[NaN]]));
    expect(notFinite).toMatchObject({ ok: false, failure: 'not-finite', attempts: 1 });
  });
});

describe('triangular helpers', () => {
  const spd = fc.integer({ min: 1, max: 10 }).chain((n) =>
    fc
      .array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: n * n + n, maxLength: n * n + n })
      .map((values) => {
        const A = matrixFromData(n, n, Float64Array.from(values.slice(0, n * n)));
        const K = matmul(A, transpose(A));
        for (let i = 0; i < n; i++) K.data[i * n + i] = K.data[i * n + i]! + n;
        return { K, b: Float64Array.from(values.slice(n * n)) };
      }),
  );

  it('solve, multi-solve and inverse agree with K', () => {
    fc.assert(
      fc.property(spd, ({ K, b }) => {
        const n = K.rows;
        const factor = choleskyWithJitter(K);
        if (!factor.ok) throw new Error('SPD matrix failed to factorise');
        const x = backSubstitute(factor.L, forwardSubstitute(factor.L, b));
        for (let i = 0; i < n; i++) {
          let s = 0;
          for (let j = 0; j < n; j++) s += K.data[i * n + j]! * x[j]!;
          expect(Math.abs(s - b[i]!)).toBeLessThan(1e-12 * n);
        }
        const B = matrixFromData(n, 1, b);
        const V = forwardSubstituteMatrix(factor.L, B);
        const v = forwardSubstitute(factor.L, b);
        for (let i = 0; i < n; i++) expect(Math.abs(V.data[i]! - v[i]!)).toBeLessThan(1e-14);
        const identityBack = matmul(K, inverseFromCholesky(factor.L));
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < n; j++) expect(Math.abs(identityBack.data[i * n + j]! - (i === j ? 1 : 0))).toBeLessThan(1e-12 * n);
        }
      }),
      { seed: SEED, numRuns: 100 },
    );
  });
});
