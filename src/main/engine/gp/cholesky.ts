import { type CholeskyFailureReason, type CholeskyResult, type Matrix, cholesky, zeros } from '../math/linalg';

export interface JitterOptions {
  /** First jitter tried after the plain factorisation fails, relative to the mean diagonal (default 1e-10). */
  initialRelativeJitter?: number;
  /** Largest jitter tried, relative to the mean diagonal (default 1e-4). */
  maxRelativeJitter?: number;
  /** Factor between successive jitters (default 10). */
  growthFactor?: number;
  /**
   * Scale the relative jitter refers to (default: the mean diagonal). A posterior covariance near the data
   * has a tiny diagonal but rounding errors of the size of the prior variance, which is the better scale.
   */
  referenceScale?: number;
}

export type CholeskyWithJitterResult =
  | { ok: true; L: Matrix; jitter: number; attempts: number }
  | { ok: false; reason: string; failure: CholeskyFailureReason | 'bad-diagonal'; attempts: number };

/**
 * Cholesky of K, adding jitter·I only when K is numerically singular (duplicated inputs, noise-free data,
 * long lengthscales). The jitter starts at 1e-10 of the mean diagonal and grows tenfold up to 1e-4: large
 * enough to rescue a kernel matrix with a zero eigenvalue, small enough that the model stays what was asked
 * for. The jitter used (absolute, 0 when none was needed) is part of the result so the model can report it;
 * failure is a value, not an exception, because the hyperparameter search meets it routinely.
 */
export function choleskyWithJitter(K: Matrix, opts: JitterOptions = {}): CholeskyWithJitterResult {
  const initial = opts.initialRelativeJitter ?? 1e-10;
  const maximum = opts.maxRelativeJitter ?? 1e-4;
  const growth = opts.growthFactor ?? 10;
  if (!(initial > 0) || !(maximum >= initial) || !(growth > 1)) {
    throw new Error(`jitter schedule must satisfy 0 < initial ≤ maximum and growth > 1`);
  }
  let attempts = 1;
  const n = K.rows;
  let meanDiagonal = 0;
  for (let i = 0; i < n; i++) meanDiagonal += K.data[i * n + i]!;
  meanDiagonal /= n;
  // A pivot below the rounding error of K's entries (≈ n·ε·|K|) is zero in disguise: "succeeding" on it
  // would divide by noise, so it counts as a failure and gets jitter (exact duplicates hit this).
  const pivotFloor = n * Number.EPSILON * Math.abs(meanDiagonal);
  const plain = factorWithFloor(K, pivotFloor);
  if (plain.ok) return { ok: true, L: plain.L, jitter: 0, attempts };
  // Jitter cures a lack of positive definiteness, not a malformed matrix.
  if (plain.reason !== 'not-positive-definite') {
    return { ok: false, reason: plain.message, failure: plain.reason, attempts };
  }
  meanDiagonal = opts.referenceScale ?? meanDiagonal;
  if (!(meanDiagonal > 0)) {
    return {
      ok: false,
      reason: `jitter scale (mean diagonal) is ${meanDiagonal}; a covariance needs positive variances`,
      failure: 'bad-diagonal',
      attempts,
    };
  }
  let lastMessage = plain.message;
  // Multiplying the relative jitter by growth each step; the 1e-9 slack admits the last step despite rounding.
  for (let relative = initial; relative <= maximum * (1 + 1e-9); relative *= growth) {
    attempts++;
    const jitter = relative * meanDiagonal;
    const shifted = zeros(n, n);
    shifted.data.set(K.data);
    for (let i = 0; i < n; i++) shifted.data[i * n + i] = shifted.data[i * n + i]! + jitter;
    const attempt = factorWithFloor(shifted, pivotFloor);
    if (attempt.ok) return { ok: true, L: attempt.L, jitter, attempts };
    lastMessage = attempt.message;
  }
  return {
    ok: false,
    reason: `not positive definite even with jitter ${maximum} × mean diagonal (${lastMessage})`,
    failure: 'not-positive-definite',
    attempts,
  };
}

/** Cholesky that also rejects pivots ≤ pivotFloor (numerically zero), as choleskyWithJitter does. */
export function factorWithFloor(K: Matrix, pivotFloor: number): CholeskyResult {
  const result = cholesky(K);
  if (!result.ok) return result;
  const n = K.rows;
  for (let j = 0; j < n; j++) {
    const pivot = result.L.data[j * n + j]! * result.L.data[j * n + j]!;
    if (pivot <= pivotFloor) {
      return {
        ok: false,
        reason: 'not-positive-definite',
        message: `matrix is numerically singular (pivot ${j} is ${pivot}, below the rounding floor ${pivotFloor})`,
        pivotIndex: j,
      };
    }
  }
  return result;
}

/** Solves L y = b for lower-triangular L. */
export function forwardSubstitute(L: Matrix, b: Float64Array): Float64Array {
  const n = L.rows;
  const l = L.data;
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    const row = i * n;
    for (let k = 0; k < i; k++) s -= l[row + k]! * y[k]!;
    y[i] = s / l[row + i]!;
  }
  return y;
}

/** Solves Lᵀ x = y for lower-triangular L. */
export function backSubstitute(L: Matrix, y: Float64Array): Float64Array {
  const n = L.rows;
  const l = L.data;
  const x = new Float64Array(y);
  // Column-oriented: once x_i is final, remove its contribution from every earlier row (walks row i of L).
  for (let i = n - 1; i >= 0; i--) {
    const row = i * n;
    const xi = x[i]! / l[row + i]!;
    x[i] = xi;
    for (let k = 0; k < i; k++) x[k] = x[k]! - l[row + k]! * xi;
  }
  return x;
}

/** V = L⁻¹ B for lower-triangular L (n×n) and B (n×m), row by row so the inner loop runs along rows. */
export function forwardSubstituteMatrix(L: Matrix, B: Matrix): Matrix {
  const n = L.rows;
  const m = B.cols;
  const l = L.data;
  const V = zeros(n, m);
  const v = V.data;
  v.set(B.data);
  for (let i = 0; i < n; i++) {
    const row = i * m;
    for (let k = 0; k < i; k++) {
      const lik = l[i * n + k]!;
      if (lik === 0) continue;
      const other = k * m;
      for (let j = 0; j < m; j++) v[row + j] = v[row + j]! - lik * v[other + j]!;
    }
    const inverse = 1 / l[i * n + i]!;
    for (let j = 0; j < m; j++) v[row + j] = v[row + j]! * inverse;
  }
  return V;
}

/** K⁻¹ = L⁻ᵀ L⁻¹ from the Cholesky factor; about n³/3 multiply-adds. */
export function inverseFromCholesky(L: Matrix): Matrix {
  const n = L.rows;
  const l = L.data;
  // Row i of L⁻¹ (entries j ≤ i) from L⁻¹ L = I solved row by row.
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const row = i * n;
    for (let k = 0; k < i; k++) {
      const lik = l[row + k]!;
      if (lik === 0) continue;
      const other = k * n;
      for (let j = 0; j <= k; j++) inv[row + j] = inv[row + j]! - lik * inv[other + j]!;
    }
    const diagonal = 1 / l[row + i]!;
    for (let j = 0; j < i; j++) inv[row + j] = inv[row + j]! * diagonal;
    inv[row + i] = diagonal;
  }
  // K⁻¹ = Σ_k r_k r_kᵀ over the rows r_k of L⁻¹; accumulate the lower triangle, then mirror it.
  const out = zeros(n, n);
  const o = out.data;
  for (let k = 0; k < n; k++) {
    const rk = k * n;
    for (let i = 0; i <= k; i++) {
      const a = inv[rk + i]!;
      if (a === 0) continue;
      const oi = i * n;
      for (let j = 0; j <= i; j++) o[oi + j] = o[oi + j]! + a * inv[rk + j]!;
    }
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) o[j * n + i] = o[i * n + j]!;
  }
  return out;
}

/**
 * Σ a[ra + k] · b[rb + k] over k < end, continuing from k with partial sums s0 and s1: terms alternate between
 * the two accumulators (two break the add latency chain), and the result is s0 + s1. Called from the start
 * (k = first index, s0 = s1 = 0) it is the whole dot product; blocked loops (likelihood.ts, gaussianProcess.ts)
 * run the shared part of several dot products together and finish each here, which gives exactly the bits of
 * computing each alone.
 */
export function twoAccumulatorDot(a: Float64Array, ra: number, b: Float64Array, rb: number, k: number, end: number, s0: number, s1: number): number {
  for (; k + 1 < end; k += 2) {
    s0 += a[ra + k]! * b[rb + k]!;
    s1 += a[ra + k + 1]! * b[rb + k + 1]!;
  }
  if (k < end) s0 += a[ra + k]! * b[rb + k]!;
  return s0 + s1;
}
