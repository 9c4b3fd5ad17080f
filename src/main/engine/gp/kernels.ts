import { BallastError } from '../../../shared/errors';
import { type Matrix, zeros } from '../math/linalg';
import type { KernelName } from './types';

const SQRT3 = Math.sqrt(3);
const SQRT5 = Math.sqrt(5);

/**
 * The correlation g as a function of the squared scaled distance r², and its derivative dg/d(r²). Working
 * in r² keeps every derivative finite at r = 0, where the Matérn forms written in r are not smooth:
 *   rbf       g = exp(−r²/2)                          dg/dr² = −g/2
 *   matern32  g = (1 + √3 r) e^{−√3 r}                dg/dr² = −(3/2) e^{−√3 r}
 *   matern52  g = (1 + √5 r + 5r²/3) e^{−√5 r}        dg/dr² = −(5/6)(1 + √5 r) e^{−√5 r}
 * (Rasmussen & Williams 2006, eqs. 4.9 and 4.17.)
 */
export interface KernelProfile {
  correlation(r2: number): number;
  /**
   * g and dg/dr² at each of the first `count` entries of r2, into g and dg, batched for the acquisition's
   * gradient (one call per point instead of two per observation) and sharing one square root and exponential.
   * g is computed exactly as `correlation` computes it, so both give the same bits.
   */
  correlationWithDerivative(r2: Float64Array, g: Float64Array, dg: Float64Array, count: number): void;
}

const PROFILES: Record<KernelName, KernelProfile> = {
  rbf: {
    correlation: (r2) => Math.exp(-0.5 * r2),
    correlationWithDerivative: (r2, g, dg, count) => {
      for (let j = 0; j < count; j++) {
        const e = Math.exp(-0.5 * r2[j]!);
        g[j] = e;
        dg[j] = -0.5 * e;
      }
    },
  },
  matern32: {
    correlation: (r2) => {
      const a = SQRT3 * Math.sqrt(r2);
      return (1 + a) * Math.exp(-a);
    },
    correlationWithDerivative: (r2, g, dg, count) => {
      for (let j = 0; j < count; j++) {
        const a = SQRT3 * Math.sqrt(r2[j]!);
        const e = Math.exp(-a);
        g[j] = (1 + a) * e;
        dg[j] = -1.5 * e;
      }
    },
  },
  matern52: {
    correlation: (r2) => {
      const a = SQRT5 * Math.sqrt(r2);
      return (1 + a + (5 / 3) * r2) * Math.exp(-a);
    },
    correlationWithDerivative: (r2, g, dg, count) => {
      for (let j = 0; j < count; j++) {
        const s = r2[j]!;
        const a = SQRT5 * Math.sqrt(s);
        const e = Math.exp(-a);
        g[j] = (1 + a + (5 / 3) * s) * e;
        dg[j] = (-5 / 6) * (1 + a) * e;
      }
    },
  },
};

export function kernelProfile(kernel: KernelName): KernelProfile {
  const profile = PROFILES[kernel];
  if (profile === undefined) {
    throw new BallastError('BAD_INPUT', `unknown GP kernel "${String(kernel)}"; use rbf, matern32 or matern52`);
  }
  return profile;
}

/** X with column k divided by lengthscale k: after this the kernel only needs plain squared distances. */
export function scaleByLengthscales(X: Matrix, lengthscales: Float64Array): Matrix {
  const { rows, cols } = X;
  if (lengthscales.length !== cols) {
    throw new BallastError('BAD_INPUT', `got ${lengthscales.length} lengthscales for ${cols} input dimensions`);
  }
  const Z = zeros(rows, cols);
  for (let i = 0; i < rows; i++) {
    for (let k = 0; k < cols; k++) Z.data[i * cols + k] = X.data[i * cols + k]! / lengthscales[k]!;
  }
  return Z;
}

export function squaredDistance(A: Matrix, i: number, B: Matrix, j: number): number {
  const d = A.cols;
  let r2 = 0;
  for (let k = 0; k < d; k++) {
    const diff = A.data[i * d + k]! - B.data[j * d + k]!;
    r2 += diff * diff;
  }
  return r2;
}

/** signalVariance · g(r) between the rows of two lengthscale-scaled input matrices (rows(A) × rows(B)). */
export function crossCovariance(A: Matrix, B: Matrix, profile: KernelProfile, signalVariance: number): Matrix {
  const K = zeros(A.rows, B.rows);
  for (let i = 0; i < A.rows; i++) {
    for (let j = 0; j < B.rows; j++) {
      K.data[i * B.rows + j] = signalVariance * profile.correlation(squaredDistance(A, i, B, j));
    }
  }
  return K;
}

/** The symmetric prior covariance of scaled inputs Z, plus `diagonal` (noise + jitter) on the diagonal. */
export function priorCovariance(Z: Matrix, profile: KernelProfile, signalVariance: number, diagonal: number): Matrix {
  const n = Z.rows;
  const K = zeros(n, n);
  const atZero = signalVariance * profile.correlation(0);
  for (let i = 0; i < n; i++) {
    K.data[i * n + i] = atZero + diagonal;
    for (let j = 0; j < i; j++) {
      const value = signalVariance * profile.correlation(squaredDistance(Z, i, Z, j));
      K.data[i * n + j] = value;
      K.data[j * n + i] = value;
    }
  }
  return K;
}
