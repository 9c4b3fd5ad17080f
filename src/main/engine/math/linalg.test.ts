import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Matrix,
  cholesky,
  choleskySolve,
  identity,
  lastRows,
  matmul,
  matrixFromData,
  matrixFromRows,
  matvec,
  toRows,
  transpose,
} from './linalg';

const SEED = 20240601;

/** A Aᵀ + n·I from a random n×n A: symmetric and comfortably positive definite. */
const spdMatrix = fc.integer({ min: 1, max: 12 }).chain((n) =>
  fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: n * n, maxLength: n * n }).map((values) => {
    const a = matrixFromData(n, n, Float64Array.from(values));
    const aat = matmul(a, transpose(a));
    for (let i = 0; i < n; i++) aat.data[i * n + i] = aat.data[i * n + i]! + n;
    return aat;
  }),
);

function maxAbsDifference(a: Matrix, b: Matrix): number {
  let worst = 0;
  for (let k = 0; k < a.data.length; k++) worst = Math.max(worst, Math.abs(a.data[k]! - b.data[k]!));
  return worst;
}

describe('matrix helpers', () => {
  it('multiplies, transposes and applies to vectors', () => {
    const a = matrixFromRows([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const b = matrixFromRows([
      [7, 8],
      [9, 10],
      [11, 12],
    ]);
    expect(toRows(matmul(a, b))).toEqual([
      [58, 64],
      [139, 154],
    ]);
    expect(toRows(transpose(a))).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
    expect(Array.from(matvec(a, Float64Array.from([1, 0, -1])))).toEqual([-2, -2]);
    expect(toRows(matmul(identity(2), a))).toEqual(toRows(a));
    expect(toRows(lastRows(b, 2))).toEqual([
      [9, 10],
      [11, 12],
    ]);
  });

  it('refuses mismatched shapes', () => {
    const a = matrixFromRows([[1, 2]]);
    expect(() => matmul(a, a)).toThrow(/cannot multiply 1×2 by 1×2/);
    expect(() => matrixFromData(2, 2, new Float64Array(3))).toThrow(/3 values, expected 2 × 2/);
    expect(() => matrixFromRows([[1, 2], [3]])).toThrow(/row 1 has 1 values/);
  });
});

describe('cholesky', () => {
  it('factors the textbook example exactly', () => {
    // Classic worked example (e.g. Wikipedia "Cholesky decomposition"): integer factor.
    const result = cholesky(
      matrixFromRows([
        [4, 12, -16],
        [12, 37, -43],
        [-16, -43, 98],
      ]),
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(toRows(result.L)).toEqual([
      [2, 0, 0],
      [6, 1, 0],
      [-8, 5, 3],
    ]);
  });

  it('reconstructs L·Lᵀ = A and solves A x = b on random SPD matrices', () => {
    fc.assert(
      fc.property(spdMatrix, (a) => {
        const result = cholesky(a);
        if (!result.ok) return false;
        const { L } = result;
        for (let i = 0; i < L.rows; i++) for (let j = i + 1; j < L.cols; j++) expect(L.data[i * L.cols + j]).toBe(0);
        expect(maxAbsDifference(matmul(L, transpose(L)), a)).toBeLessThan(1e-12 * a.rows * a.rows);
        const b = Float64Array.from({ length: a.rows }, (_, i) => i + 1);
        const x = choleskySolve(L, b);
        const residual = matvec(a, x);
        for (let i = 0; i < a.rows; i++) expect(Math.abs(residual[i]! - b[i]!)).toBeLessThan(1e-10);
        return true;
      }),
      { seed: SEED, numRuns: 100 },
    );
  });

  it('reports "not positive definite" as a value, with the failing pivot', () => {
    const indefinite = cholesky(
      matrixFromRows([
        [1, 2],
        [2, 1],
      ]),
    );
    expect(indefinite).toMatchObject({ ok: false, reason: 'not-positive-definite', pivotIndex: 1 });
    // Singular (two identical assets) fails too: a zero pivot cannot be divided by.
    expect(
      cholesky(
        matrixFromRows([
          [1, 1],
          [1, 1],
        ]),
      ),
    ).toMatchObject({ ok: false, reason: 'not-positive-definite' });
  });

  it('reports non-square, non-symmetric and non-finite input', () => {
    expect(cholesky(matrixFromRows([[1, 0]]))).toMatchObject({ ok: false, reason: 'not-square' });
    expect(
      cholesky(
        matrixFromRows([
          [2, 1],
          [0, 2],
        ]),
      ),
    ).toMatchObject({ ok: false, reason: 'not-symmetric' });
    expect(
      cholesky(
        matrixFromRows([
          [1, Number.NaN],
          [Number.NaN, 1],
        ]),
      ),
    ).toMatchObject({ ok: false, reason: 'not-finite' });
  });
});
