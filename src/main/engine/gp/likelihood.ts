import { BallastError } from '../../../shared/errors';
import { type Matrix, zeros } from '../math/linalg';
import { type JitterOptions, backSubstitute, choleskyWithJitter, forwardSubstitute, inverseFromCholesky } from './cholesky';
import { kernelProfile, scaleByLengthscales, squaredDistance } from './kernels';
import type { GpHyperparameters, KernelName } from './types';

const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

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
  const n = X.rows;
  const d = X.cols;
  const profile = kernelProfile(kernel);
  const s2 = hp.signalVariance;
  const Z = scaleByLengthscales(X, hp.lengthscales);
  const K = zeros(n, n);
  // −2 s² dg/dr² per pair: ∂K_ij/∂log ℓ_k is this times (z_ik − z_jk)².
  const pairSlope = wantGradient ? new Float64Array(n * n) : null;
  const atZero = s2 * profile.correlation(0);
  for (let i = 0; i < n; i++) {
    K.data[i * n + i] = atZero + hp.noiseVariance;
    for (let j = 0; j < i; j++) {
      const r2 = squaredDistance(Z, i, Z, j);
      const value = s2 * profile.correlation(r2);
      K.data[i * n + j] = value;
      K.data[j * n + i] = value;
      if (pairSlope !== null) pairSlope[i * n + j] = -2 * s2 * profile.correlationDerivative(r2);
    }
  }
  const factor = choleskyWithJitter(K, jitterOptions);
  if (!factor.ok) return { ok: false, reason: factor.reason, attempts: factor.attempts };
  const { L, jitter, attempts } = factor;

  const alpha = backSubstitute(L, forwardSubstitute(L, y));
  let dataFit = 0;
  let halfLogDet = 0;
  for (let i = 0; i < n; i++) {
    dataFit += y[i]! * alpha[i]!;
    halfLogDet += Math.log(L.data[i * n + i]!);
  }
  const value = -0.5 * dataFit - halfLogDet - n * HALF_LOG_TWO_PI;
  if (pairSlope === null) return { ok: true, L, alpha, jitter, attempts, value, gradient: null };

  const Kinv = inverseFromCholesky(L);
  const gradient = new Float64Array(d + 2);
  let signalTerm = 0;
  let traceA = 0;
  const z = Z.data;
  for (let i = 0; i < n; i++) {
    const ai = alpha[i]!;
    const diagonalA = ai * ai - Kinv.data[i * n + i]!;
    traceA += diagonalA;
    signalTerm += 0.5 * diagonalA * atZero;
    for (let j = 0; j < i; j++) {
      // Off-diagonal pairs appear twice in the trace; ½ · 2 = 1.
      const a = ai * alpha[j]! - Kinv.data[i * n + j]!;
      signalTerm += a * K.data[i * n + j]!;
      const w = a * pairSlope[i * n + j]!;
      if (w === 0) continue;
      for (let k = 0; k < d; k++) {
        const diff = z[i * d + k]! - z[j * d + k]!;
        gradient[k] = gradient[k]! + w * diff * diff;
      }
    }
  }
  gradient[d] = signalTerm;
  gradient[d + 1] = 0.5 * hp.noiseVariance * traceA;
  return { ok: true, L, alpha, jitter, attempts, value, gradient };
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
