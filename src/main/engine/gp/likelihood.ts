import { BallastError } from '../../../shared/errors';
import { type Matrix, zeros } from '../math/linalg';
import { type JitterOptions, twoAccumulatorDot } from './cholesky';
import { kernelProfile } from './kernels';
import type { GpHyperparameters, KernelName } from './types';

const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);
const SQRT3 = Math.sqrt(3);
const SQRT5 = Math.sqrt(5);

export interface LogMarginalLikelihood {
  /** log p(y | X, θ); −Infinity when the covariance cannot be factorised even with the largest jitter. */
  value: number;
  /** ∂/∂(log lengthscale_1 … log lengthscale_d, log signal variance, log noise variance). */
  gradient: Float64Array;
  /** Jitter added to the diagonal (absolute), 0 when none was needed. */
  jitter: number;
  /** Why the value is −Infinity, when it is. */
  failure?: string;
}

/** Everything the posterior needs, computed once per hyperparameter setting. */
export interface FactorisedPrior {
  ok: true;
  L: Matrix;
  /** K⁻¹ y */
  alpha: Float64Array;
  jitter: number;
  attempts: number;
  value: number;
  gradient: Float64Array | null;
}

export type FactorisationOutcome = FactorisedPrior | { ok: false; reason: string; attempts: number };

/**
 * Log marginal likelihood of a zero-mean GP with Gaussian noise and its gradient in log-hyperparameters
 * (Rasmussen & Williams 2006, eqs. 2.30 and 5.9):
 *   log p(y|X,θ) = −½ yᵀK⁻¹y − ½ log|K| − (n/2) log 2π,   ∂/∂θ_j = ½ tr((ααᵀ − K⁻¹) ∂K/∂θ_j),  α = K⁻¹y,
 * with K = s²·G(X, X; ℓ) + σ²_n I (+ jitter I when K is numerically singular; jitter is held fixed in the
 * gradient). Inputs and outputs are taken as given: no scaling happens here.
 */
export function logMarginalLikelihood(
  X: Matrix,
  y: Float64Array,
  kernel: KernelName,
  hp: GpHyperparameters,
  jitterOptions?: JitterOptions,
): LogMarginalLikelihood {
  checkTrainingData(X, y);
  checkHyperparameters(hp, X.cols);
  const outcome = factorisePrior(X, y, kernel, hp, true, jitterOptions);
  if (!outcome.ok) {
    return { value: -Infinity, gradient: new Float64Array(X.cols + 2), jitter: NaN, failure: outcome.reason };
  }
  return { value: outcome.value, gradient: outcome.gradient!, jitter: outcome.jitter };
}

export function factorisePrior(
  X: Matrix,
  y: Float64Array,
  kernel: KernelName,
  hp: GpHyperparameters,
  wantGradient: boolean,
  jitterOptions?: JitterOptions,
): FactorisationOutcome {
  const workspace = new LikelihoodWorkspace(X, y, kernel);
  const outcome = workspace.evaluate(hp, wantGradient, jitterOptions);
  if (!outcome.ok) return outcome;
  return { ...outcome, L: workspace.factor(), alpha: Float64Array.from(workspace.alpha) };
}

export type WorkspaceOutcome =
  | { ok: true; value: number; gradient: Float64Array | null; jitter: number; attempts: number }
  | { ok: false; reason: string; attempts: number };

/**
 * The log marginal likelihood of one data set at many hyperparameter settings — what a hyperparameter fit
 * asks for, hundreds of times over restarts. Everything that does not depend on the hyperparameters is
 * computed once: the per-input squared differences of every pair, (x_ik − x_jk)², so a setting costs a
 * weighted sum per pair instead of rescaling X; and every n×n buffer is allocated once and reused.
 *
 * The gradient needs ½ tr((ααᵀ − K⁻¹) ∂K/∂θ_j) for every θ_j. ∂K/∂log ℓ_k is dense for each k, so no set of
 * d + 2 triangular solves beats forming the lower triangle of K⁻¹ once: L⁻¹ by forward substitution
 * (n³/6), then K⁻¹ = L⁻ᵀL⁻¹ by accumulating the outer products of L⁻¹'s rows (n³/6), both in place in one
 * reused buffer and reading rows contiguously. Every trace then is one pass over the pairs.
 */
export class LikelihoodWorkspace {
  readonly n: number;
  readonly d: number;
  readonly kernel: KernelName;
  /** K⁻¹y at the last successful evaluation. */
  readonly alpha: Float64Array;
  readonly #y: Float64Array;
  /** (x_ik − x_jk)² for the pair p = i(i−1)/2 + j, j < i, at p·d + k. */
  readonly #pairSquares: Float64Array;
  /** K without jitter, full (both triangles). */
  readonly #K: Float64Array;
  /** Cholesky factor, lower triangle row-major; the upper triangle is garbage. */
  readonly #L: Float64Array;
  /** L⁻ᵀ, upper triangle row-major. */
  readonly #inverseFactor: Float64Array;
  /** K⁻¹, lower triangle. */
  readonly #inverse: Float64Array;
  /** −2 s² dg/dr² for each pair. */
  readonly #pairSlope: Float64Array;
  readonly #inverseLengthscaleSquared: Float64Array;
  /** The last evaluation, while L and alpha still hold its factorisation; null after a failed one. */
  #last: { hp: GpHyperparameters; value: number; jitter: number; attempts: number } | null = null;

  constructor(X: Matrix, y: Float64Array, kernel: KernelName) {
    kernelProfile(kernel);
    const n = X.rows;
    const d = X.cols;
    this.n = n;
    this.d = d;
    this.kernel = kernel;
    this.#y = y;
    this.alpha = new Float64Array(n);
    const pairs = (n * (n - 1)) / 2;
    this.#pairSquares = new Float64Array(pairs * d);
    const x = X.data;
    let p = 0;
    for (let i = 1; i < n; i++) {
      for (let j = 0; j < i; j++, p++) {
        for (let k = 0; k < d; k++) {
          const diff = x[i * d + k]! - x[j * d + k]!;
          this.#pairSquares[p * d + k] = diff * diff;
        }
      }
    }
    this.#K = new Float64Array(n * n);
    this.#L = new Float64Array(n * n);
    this.#inverse = new Float64Array(n * n);
    this.#inverseFactor = new Float64Array(n * n);
    this.#pairSlope = new Float64Array(pairs);
    this.#inverseLengthscaleSquared = new Float64Array(d);
  }

  /** The Cholesky factor of the last successful evaluation as a clean lower-triangular matrix. */
  factor(): Matrix {
    const n = this.n;
    const L = zeros(n, n);
    for (let i = 0; i < n; i++) L.data.set(this.#L.subarray(i * n, i * n + i + 1), i * n);
    return L;
  }

  /**
   * What evaluate(hp, false) gives, without refactorising when the last evaluation (with default jitter) was at
   * exactly these hyperparameters: a fit's winner is usually the point its last start evaluated last.
   */
  factorise(hp: GpHyperparameters): WorkspaceOutcome {
    const last = this.#last;
    if (last !== null && sameHyperparameters(last.hp, hp)) {
      return { ok: true, value: last.value, gradient: null, jitter: last.jitter, attempts: last.attempts };
    }
    return this.evaluate(hp, false);
  }

  evaluate(hp: GpHyperparameters, wantGradient: boolean, jitterOptions?: JitterOptions): WorkspaceOutcome {
    this.#last = null;
    const { n, d } = this;
    const s2 = hp.signalVariance;
    const K = this.#K;
    const slope = this.#pairSlope;
    const squares = this.#pairSquares;
    const w = this.#inverseLengthscaleSquared;
    for (let k = 0; k < d; k++) w[k] = 1 / (hp.lengthscales[k]! * hp.lengthscales[k]!);
    const profile = kernelProfile(this.kernel);
    const atZero = s2 * profile.correlation(0);
    const diagonal = atZero + hp.noiseVariance;
    let p = 0;
    for (let i = 0; i < n; i++) {
      const row = i * n;
      for (let j = 0; j < i; j++, p++) {
        let r2 = 0;
        const base = p * d;
        for (let k = 0; k < d; k++) r2 += squares[base + k]! * w[k]!;
        let g: number;
        let dg: number;
        if (this.kernel === 'matern52') {
          const a = SQRT5 * Math.sqrt(r2);
          const e = Math.exp(-a);
          g = (1 + a + (5 / 3) * r2) * e;
          dg = (-5 / 6) * (1 + a) * e;
        } else if (this.kernel === 'matern32') {
          const a = SQRT3 * Math.sqrt(r2);
          const e = Math.exp(-a);
          g = (1 + a) * e;
          dg = -1.5 * e;
        } else {
          g = Math.exp(-0.5 * r2);
          dg = -0.5 * g;
        }
        const value = s2 * g;
        K[row + j] = value;
        K[j * n + i] = value;
        slope[p] = -2 * s2 * dg;
      }
      K[row + i] = diagonal;
    }
    for (let k = 0; k < K.length; k++) {
      if (!Number.isFinite(K[k]!)) return { ok: false, reason: 'matrix has a value that is not a finite number', attempts: 1 };
    }

    // Same jitter schedule and "numerically zero" pivot floor as choleskyWithJitter.
    const initial = jitterOptions?.initialRelativeJitter ?? 1e-10;
    const maximum = jitterOptions?.maxRelativeJitter ?? 1e-4;
    const growth = jitterOptions?.growthFactor ?? 10;
    const pivotFloor = n * Number.EPSILON * Math.abs(diagonal);
    let attempts = 1;
    let jitter = 0;
    let failure = factorInPlace(K, this.#L, n, 0, pivotFloor);
    if (failure !== null) {
      const reference = jitterOptions?.referenceScale ?? diagonal;
      if (!(reference > 0)) return { ok: false, reason: `jitter scale (mean diagonal) is ${reference}; a covariance needs positive variances`, attempts };
      for (let relative = initial; relative <= maximum * (1 + 1e-9) && failure !== null; relative *= growth) {
        attempts++;
        jitter = relative * reference;
        failure = factorInPlace(K, this.#L, n, jitter, pivotFloor);
      }
      if (failure !== null) return { ok: false, reason: `not positive definite even with jitter ${maximum} × mean diagonal (${failure})`, attempts };
    }
    const L = this.#L;

    // α = L⁻ᵀ L⁻¹ y.
    const alpha = this.alpha;
    const y = this.#y;
    for (let i = 0; i < n; i++) {
      let s = y[i]!;
      const row = i * n;
      for (let k = 0; k < i; k++) s -= L[row + k]! * alpha[k]!;
      alpha[i] = s / L[row + i]!;
    }
    let halfLogDet = 0;
    let dataFit = 0;
    for (let i = 0; i < n; i++) {
      halfLogDet += Math.log(L[i * n + i]!);
      dataFit += alpha[i]! * alpha[i]!;
    }
    for (let i = n - 1; i >= 0; i--) {
      const row = i * n;
      const xi = alpha[i]! / L[row + i]!;
      alpha[i] = xi;
      for (let k = 0; k < i; k++) alpha[k] = alpha[k]! - L[row + k]! * xi;
    }
    const value = -0.5 * dataFit - halfLogDet - n * HALF_LOG_TWO_PI;
    if (jitterOptions === undefined) {
      const lengthscales = Float64Array.from(hp.lengthscales);
      this.#last = { hp: { lengthscales, signalVariance: hp.signalVariance, noiseVariance: hp.noiseVariance }, value, jitter, attempts };
    }
    if (!wantGradient) return { ok: true, value, gradient: null, jitter, attempts };

    // U = L⁻ᵀ stored row-major (row j of U is column j of L⁻¹, entries k ≥ j), from L·L⁻¹ = I one column at a
    // time; then K⁻¹_ij = Σ_{k ≥ i} U_ik U_jk for j ≤ i. Both are dot products over contiguous rows, which run
    // about twice as fast in JavaScript as the axpy forms (two accumulators break the add latency chain), and
    // faster again four at a time sharing one operand (twoAccumulatorDot says why that changes no bits).
    const U = this.#inverseFactor;
    const A = this.#inverse;
    invertFactor(L, U, n);
    inverseFromFactor(U, A, n);

    const gradient = new Float64Array(d + 2);
    let signalTerm = 0;
    let traceA = 0;
    p = 0;
    for (let i = 0; i < n; i++) {
      const ai = alpha[i]!;
      const row = i * n;
      const diagonalA = ai * ai - A[row + i]!;
      traceA += diagonalA;
      signalTerm += 0.5 * diagonalA * atZero;
      for (let j = 0; j < i; j++, p++) {
        // Off-diagonal pairs appear twice in the trace; ½ · 2 = 1.
        const a = ai * alpha[j]! - A[row + j]!;
        signalTerm += a * K[row + j]!;
        const weight = a * slope[p]!;
        if (weight === 0) continue;
        const base = p * d;
        for (let k = 0; k < d; k++) gradient[k] = gradient[k]! + weight * squares[base + k]!;
      }
    }
    for (let k = 0; k < d; k++) gradient[k] = gradient[k]! * w[k]!;
    gradient[d] = signalTerm;
    gradient[d + 1] = 0.5 * hp.noiseVariance * traceA;
    return { ok: true, value, gradient, jitter, attempts };
  }
}

function sameHyperparameters(a: GpHyperparameters, b: GpHyperparameters): boolean {
  if (!Object.is(a.signalVariance, b.signalVariance) || !Object.is(a.noiseVariance, b.noiseVariance)) return false;
  if (a.lengthscales.length !== b.lengthscales.length) return false;
  for (let k = 0; k < a.lengthscales.length; k++) if (!Object.is(a.lengthscales[k], b.lengthscales[k])) return false;
  return true;
}

/**
 * Cholesky of K + jitter·I into L (row-major lower triangle, row by row so both inner-product operands are
 * contiguous); null on success, else why it failed. A pivot at or below `pivotFloor` counts as zero.
 */
function factorInPlace(K: Float64Array, L: Float64Array, n: number, jitter: number, pivotFloor: number): string | null {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    let j = 0;
    // Row i against rows j … j+3 at once (see twoAccumulatorDot); L_i,j+1 needs L_i,j, so each finishes in turn.
    for (; j + 3 < i; j += 4) {
      const r0 = j * n;
      const r1 = r0 + n;
      const r2 = r1 + n;
      const r3 = r2 + n;
      let a0 = 0, a1 = 0, b0 = 0, b1 = 0, c0 = 0, c1 = 0, e0 = 0, e1 = 0;
      let k = 0;
      for (; k + 1 < j; k += 2) {
        const l0 = L[ri + k]!;
        const l1 = L[ri + k + 1]!;
        a0 += l0 * L[r0 + k]!;
        a1 += l1 * L[r0 + k + 1]!;
        b0 += l0 * L[r1 + k]!;
        b1 += l1 * L[r1 + k + 1]!;
        c0 += l0 * L[r2 + k]!;
        c1 += l1 * L[r2 + k + 1]!;
        e0 += l0 * L[r3 + k]!;
        e1 += l1 * L[r3 + k + 1]!;
      }
      L[ri + j] = (K[ri + j]! - twoAccumulatorDot(L, ri, L, r0, k, j, a0, a1)) / L[r0 + j]!;
      L[ri + j + 1] = (K[ri + j + 1]! - twoAccumulatorDot(L, ri, L, r1, k, j + 1, b0, b1)) / L[r1 + j + 1]!;
      L[ri + j + 2] = (K[ri + j + 2]! - twoAccumulatorDot(L, ri, L, r2, k, j + 2, c0, c1)) / L[r2 + j + 2]!;
      L[ri + j + 3] = (K[ri + j + 3]! - twoAccumulatorDot(L, ri, L, r3, k, j + 3, e0, e1)) / L[r3 + j + 3]!;
    }
    for (; j < i; j++) L[ri + j] = (K[ri + j]! - twoAccumulatorDot(L, ri, L, j * n, 0, j, 0, 0)) / L[j * n + j]!;
    let pivot = K[ri + i]! + jitter;
    for (let k = 0; k < i; k++) pivot -= L[ri + k]! * L[ri + k]!;
    if (!(pivot > pivotFloor)) {
      return pivot > 0
        ? `matrix is numerically singular (pivot ${i} is ${pivot}, below the rounding floor ${pivotFloor})`
        : `matrix is not positive definite (pivot ${i} is ${pivot})`;
    }
    L[ri + i] = Math.sqrt(pivot);
  }
  return null;
}

/** U = L⁻ᵀ row-major (row j of U is column j of L⁻¹, entries k ≥ j), from L·L⁻¹ = I one column at a time. */
function invertFactor(L: Float64Array, U: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    U[rj + j] = 1 / L[rj + j]!;
    let i = j + 1;
    // Rows i … i+3 of L against row j of U over k ≥ j; row i+1 needs U_j,i, so each finishes after the one before.
    for (; i + 3 < n; i += 4) {
      const r0 = i * n;
      const r1 = r0 + n;
      const r2 = r1 + n;
      const r3 = r2 + n;
      let a0 = 0, a1 = 0, b0 = 0, b1 = 0, c0 = 0, c1 = 0, e0 = 0, e1 = 0;
      let k = j;
      for (; k + 1 < i; k += 2) {
        const u0 = U[rj + k]!;
        const u1 = U[rj + k + 1]!;
        a0 += L[r0 + k]! * u0;
        a1 += L[r0 + k + 1]! * u1;
        b0 += L[r1 + k]! * u0;
        b1 += L[r1 + k + 1]! * u1;
        c0 += L[r2 + k]! * u0;
        c1 += L[r2 + k + 1]! * u1;
        e0 += L[r3 + k]! * u0;
        e1 += L[r3 + k + 1]! * u1;
      }
      U[rj + i] = -twoAccumulatorDot(L, r0, U, rj, k, i, a0, a1) / L[r0 + i]!;
      U[rj + i + 1] = -twoAccumulatorDot(L, r1, U, rj, k, i + 1, b0, b1) / L[r1 + i + 1]!;
      U[rj + i + 2] = -twoAccumulatorDot(L, r2, U, rj, k, i + 2, c0, c1) / L[r2 + i + 2]!;
      U[rj + i + 3] = -twoAccumulatorDot(L, r3, U, rj, k, i + 3, e0, e1) / L[r3 + i + 3]!;
    }
    for (; i < n; i++) U[rj + i] = -twoAccumulatorDot(L, i * n, U, rj, j, i, 0, 0) / L[i * n + i]!;
  }
}

/** The lower triangle of K⁻¹ = L⁻ᵀL⁻¹: A_ij = Σ_{k ≥ i} U_ik U_jk for j ≤ i. */
function inverseFromFactor(U: Float64Array, A: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    let j = 0;
    // Row i of U against rows j … j+3, all over k ≥ i.
    for (; j + 3 <= i; j += 4) {
      const r0 = j * n;
      const r1 = r0 + n;
      const r2 = r1 + n;
      const r3 = r2 + n;
      let a0 = 0, a1 = 0, b0 = 0, b1 = 0, c0 = 0, c1 = 0, e0 = 0, e1 = 0;
      let k = i;
      for (; k + 1 < n; k += 2) {
        const u0 = U[ri + k]!;
        const u1 = U[ri + k + 1]!;
        a0 += u0 * U[r0 + k]!;
        a1 += u1 * U[r0 + k + 1]!;
        b0 += u0 * U[r1 + k]!;
        b1 += u1 * U[r1 + k + 1]!;
        c0 += u0 * U[r2 + k]!;
        c1 += u1 * U[r2 + k + 1]!;
        e0 += u0 * U[r3 + k]!;
        e1 += u1 * U[r3 + k + 1]!;
      }
      A[ri + j] = twoAccumulatorDot(U, ri, U, r0, k, n, a0, a1);
      A[ri + j + 1] = twoAccumulatorDot(U, ri, U, r1, k, n, b0, b1);
      A[ri + j + 2] = twoAccumulatorDot(U, ri, U, r2, k, n, c0, c1);
      A[ri + j + 3] = twoAccumulatorDot(U, ri, U, r3, k, n, e0, e1);
    }
    for (; j <= i; j++) A[ri + j] = twoAccumulatorDot(U, ri, U, j * n, i, n, 0, 0);
  }
}

export function checkTrainingData(X: Matrix, y: Float64Array): void {
  if (X.rows < 1 || X.cols < 1) {
    throw new BallastError('BAD_INPUT', `a GP needs at least one observation of at least one input, got ${X.rows}×${X.cols}`);
  }
  if (y.length !== X.rows) {
    throw new BallastError('BAD_INPUT', `got ${X.rows} input rows but ${y.length} observed values`);
  }
  for (let k = 0; k < X.data.length; k++) {
    if (!Number.isFinite(X.data[k]!)) {
      const row = Math.floor(k / X.cols);
      throw new BallastError('BAD_INPUT', `input row ${row + 1}, column ${(k % X.cols) + 1} is not a finite number`, {
        row,
        column: k % X.cols,
      });
    }
  }
  for (let i = 0; i < y.length; i++) {
    if (!Number.isFinite(y[i]!)) {
      throw new BallastError('BAD_INPUT', `observed value ${i + 1} is ${y[i]}, not a finite number`, { index: i });
    }
  }
}

export function checkHyperparameters(hp: GpHyperparameters, dimension: number): void {
  if (hp.lengthscales.length !== dimension) {
    throw new BallastError('BAD_INPUT', `got ${hp.lengthscales.length} lengthscales for ${dimension} input dimensions`);
  }
  for (let k = 0; k < dimension; k++) {
    const l = hp.lengthscales[k]!;
    if (!(l > 0) || !Number.isFinite(l)) {
      throw new BallastError('BAD_INPUT', `lengthscale ${k + 1} is ${l}; lengthscales must be positive numbers`);
    }
  }
  if (!(hp.signalVariance > 0) || !Number.isFinite(hp.signalVariance)) {
    throw new BallastError('BAD_INPUT', `signal variance is ${hp.signalVariance}; it must be a positive number`);
  }
  if (!(hp.noiseVariance >= 0) || !Number.isFinite(hp.noiseVariance)) {
    throw new BallastError('BAD_INPUT', `noise variance is ${hp.noiseVariance}; it must be zero or a positive number`);
  }
}
