import { BallastError } from '../../../shared/errors';
import { type Matrix, matrixFromData, zeros } from '../math/linalg';
import { createRng } from '../math/random';
import { backSubstitute, choleskyWithJitter, factorWithFloor, forwardSubstitute, forwardSubstituteMatrix, twoAccumulatorDot } from './cholesky';
import { type KernelProfile, crossCovariance, kernelProfile, priorCovariance, scaleByLengthscales } from './kernels';
import { factorisePrior } from './likelihood';
import type {
  AffineTransform,
  GpFitReport,
  GpHyperparameters,
  JointPosteriorPrediction,
  KernelName,
  OutputTransform,
  PointPredictionWithGradient,
  PosteriorPrediction,
} from './types';

const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);
/** Test points per block in `predict`: 100 observations × 64 points of float64 is 50 kB, an L2-sized block. */
const PREDICT_BLOCK = 64;

/** What a fitted model is made of; built by `fitGaussianProcess` and `condition`, not by callers. */
export interface GaussianProcessState {
  kernel: KernelName;
  hyperparameters: GpHyperparameters;
  inputTransform: AffineTransform | null;
  outputTransform: OutputTransform | null;
  /** Training data in the caller's units. */
  X: Matrix;
  y: Float64Array;
  /** Training data in the working (scaled) space the kernel sees. */
  workingX: Matrix;
  workingY: Float64Array;
  L: Matrix;
  alpha: Float64Array;
  jitter: number;
  logMarginalLikelihood: number;
  fitReport: GpFitReport | null;
}

/**
 * A zero-mean GP posterior over the latent function f (Rasmussen & Williams 2006, Alg. 2.1). Inputs and
 * outputs cross the API in the caller's units; internally the model may work on inputs scaled to the unit
 * cube and standardised outputs, and `hyperparameters` and `logMarginalLikelihood` refer to that working
 * space. Predictions are of f without observation noise.
 */
export class GaussianProcess {
  readonly kernel: KernelName;
  readonly hyperparameters: GpHyperparameters;
  /** log p(y | X, θ) of the working-space data (after standardisation, including any jitter). */
  readonly logMarginalLikelihood: number;
  /** Absolute jitter added to the working-space covariance diagonal; 0 when none was needed. */
  readonly jitter: number;
  readonly inputTransform: AffineTransform | null;
  readonly outputTransform: OutputTransform | null;
  /** How the hyperparameters were found; null when they were given or inherited through `condition`. */
  readonly fitReport: GpFitReport | null;
  readonly dimension: number;
  readonly observationCount: number;
  /** Training inputs and outputs in the caller's units (not copies: do not modify). */
  readonly X: Matrix;
  readonly y: Float64Array;

  readonly #workingX: Matrix;
  readonly #workingY: Float64Array;
  /** Working inputs divided by the lengthscales. */
  readonly #Z: Matrix;
  readonly #L: Matrix;
  readonly #alpha: Float64Array;
  readonly #profile: KernelProfile;
  #scratch: { z: Float64Array; squaredDistances: Float64Array; kx: Float64Array; dg: Float64Array; dk: Float64Array; v: Float64Array } | null = null;

  constructor(state: GaussianProcessState) {
    this.kernel = state.kernel;
    this.hyperparameters = state.hyperparameters;
    this.logMarginalLikelihood = state.logMarginalLikelihood;
    this.jitter = state.jitter;
    this.inputTransform = state.inputTransform;
    this.outputTransform = state.outputTransform;
    this.fitReport = state.fitReport;
    this.X = state.X;
    this.y = state.y;
    this.dimension = state.X.cols;
    this.observationCount = state.X.rows;
    this.#workingX = state.workingX;
    this.#workingY = state.workingY;
    this.#Z = scaleByLengthscales(state.workingX, state.hyperparameters.lengthscales);
    this.#L = state.L;
    this.#alpha = state.alpha;
    this.#profile = kernelProfile(state.kernel);
  }

  /**
   * Posterior mean and variance of f at each row of Xstar, in the caller's units. Test points go through in
   * blocks of PREDICT_BLOCK so the cross-covariance block being forward-substituted stays in cache (the
   * acquisition scores a thousand candidates against a hundred observations at every ask).
   */
  predict(Xstar: Matrix): PosteriorPrediction {
    const Zs = this.#scaledTestInputs(Xstar);
    const s2 = this.hyperparameters.signalVariance;
    const n = this.observationCount;
    const m = Xstar.rows;
    const d = this.dimension;
    const mean = new Float64Array(m);
    const variance = new Float64Array(m);
    const prior = s2 * this.#profile.correlation(0);
    const l = this.#L.data;
    const z = this.#Z.data;
    const zs = Zs.data;
    const alpha = this.#alpha;
    const block = Math.min(PREDICT_BLOCK, m);
    // V holds k(X, x_j) for the block's points, row i = training point i, then L⁻¹ of it in place.
    const V = new Float64Array(n * block);
    for (let start = 0; start < m; start += block) {
      const width = Math.min(block, m - start);
      for (let i = 0; i < n; i++) {
        const row = i * width;
        for (let j = 0; j < width; j++) {
          let r2 = 0;
          const a = i * d;
          const b = (start + j) * d;
          for (let k = 0; k < d; k++) {
            const diff = z[a + k]! - zs[b + k]!;
            r2 += diff * diff;
          }
          V[row + j] = s2 * this.#profile.correlation(r2);
        }
      }
      for (let i = 0; i < n; i++) {
        const ai = alpha[i]!;
        const row = i * width;
        for (let j = 0; j < width; j++) mean[start + j] = mean[start + j]! + V[row + j]! * ai;
      }
      const explained = new Float64Array(width);
      // V ← L⁻¹V four test points at a time, their running values (and vᵀv) in registers across a whole row of
      // L, so one load of l_ik serves four multiply-subtracts and nothing is stored until the row is done; and
      // two rows at a time, sharing the loads of the rows before them. Each value is still
      // (v − l_i0 V_0j − l_i1 V_1j − …) · (1 / l_ii) in that order, so the bits are those of the plain loop.
      let j = 0;
      for (; j + 3 < width; j += 4) {
        let e0 = 0;
        let e1 = 0;
        let e2 = 0;
        let e3 = 0;
        let i = 0;
        // Row i+1 takes its last term, from row i's final values, after the shared sweep: the plain loop's order.
        for (; i + 1 < n; i += 2) {
          const row = i * width + j;
          const next = row + width;
          const li = i * n;
          const ln = li + n;
          let v0 = V[row]!;
          let v1 = V[row + 1]!;
          let v2 = V[row + 2]!;
          let v3 = V[row + 3]!;
          let w0 = V[next]!;
          let w1 = V[next + 1]!;
          let w2 = V[next + 2]!;
          let w3 = V[next + 3]!;
          for (let k = 0, rk = j; k < i; k++, rk += width) {
            const a = l[li + k]!;
            const b = l[ln + k]!;
            const x0 = V[rk]!;
            const x1 = V[rk + 1]!;
            const x2 = V[rk + 2]!;
            const x3 = V[rk + 3]!;
            v0 -= a * x0;
            v1 -= a * x1;
            v2 -= a * x2;
            v3 -= a * x3;
            w0 -= b * x0;
            w1 -= b * x1;
            w2 -= b * x2;
            w3 -= b * x3;
          }
          const inverse = 1 / l[li + i]!;
          v0 *= inverse;
          v1 *= inverse;
          v2 *= inverse;
          v3 *= inverse;
          V[row] = v0;
          V[row + 1] = v1;
          V[row + 2] = v2;
          V[row + 3] = v3;
          e0 += v0 * v0;
          e1 += v1 * v1;
          e2 += v2 * v2;
          e3 += v3 * v3;
          const c = l[ln + i]!;
          const inverseNext = 1 / l[ln + i + 1]!;
          w0 = (w0 - c * v0) * inverseNext;
          w1 = (w1 - c * v1) * inverseNext;
          w2 = (w2 - c * v2) * inverseNext;
          w3 = (w3 - c * v3) * inverseNext;
          V[next] = w0;
          V[next + 1] = w1;
          V[next + 2] = w2;
          V[next + 3] = w3;
          e0 += w0 * w0;
          e1 += w1 * w1;
          e2 += w2 * w2;
          e3 += w3 * w3;
        }
        for (; i < n; i++) {
          const row = i * width + j;
          const li = i * n;
          let v0 = V[row]!;
          let v1 = V[row + 1]!;
          let v2 = V[row + 2]!;
          let v3 = V[row + 3]!;
          for (let k = 0, rk = j; k < i; k++, rk += width) {
            const a = l[li + k]!;
            v0 -= a * V[rk]!;
            v1 -= a * V[rk + 1]!;
            v2 -= a * V[rk + 2]!;
            v3 -= a * V[rk + 3]!;
          }
          const inverse = 1 / l[li + i]!;
          v0 *= inverse;
          v1 *= inverse;
          v2 *= inverse;
          v3 *= inverse;
          V[row] = v0;
          V[row + 1] = v1;
          V[row + 2] = v2;
          V[row + 3] = v3;
          e0 += v0 * v0;
          e1 += v1 * v1;
          e2 += v2 * v2;
          e3 += v3 * v3;
        }
        explained[j] = e0;
        explained[j + 1] = e1;
        explained[j + 2] = e2;
        explained[j + 3] = e3;
      }
      for (; j < width; j++) {
        for (let i = 0; i < n; i++) {
          const row = i * width + j;
          const li = i * n;
          let v = V[row]!;
          for (let k = 0, rk = j; k < i; k++, rk += width) v -= l[li + k]! * V[rk]!;
          v *= 1 / l[li + i]!;
          V[row] = v;
          explained[j] = explained[j]! + v * v;
        }
      }
      // Rounding can push k** − vᵀv a hair below zero at the data; a variance cannot be negative.
      for (let j = 0; j < width; j++) variance[start + j] = Math.max(prior - explained[j]!, 0);
    }
    return { mean: this.#meanToOriginal(mean), variance: this.#varianceToOriginal(variance) };
  }

  /** Posterior mean and full covariance of f over the rows of Xstar, in the caller's units. */
  predictJoint(Xstar: Matrix): JointPosteriorPrediction {
    const working = this.#jointWorking(Xstar);
    const scale = this.outputTransform?.scale ?? 1;
    const covariance = working.covariance;
    for (let k = 0; k < covariance.data.length; k++) covariance.data[k] = covariance.data[k]! * scale * scale;
    return { mean: this.#meanToOriginal(working.mean), covariance };
  }

  /**
   * Mean and variance at one point with their gradients with respect to that point (caller's units):
   *   ∂μ/∂x = Σ_j α_j ∂k(x, x_j)/∂x,   ∂σ²/∂x = −2 Σ_j (K⁻¹k)_j ∂k(x, x_j)/∂x,
   * since k(x, x) is constant for a stationary kernel.
   */
  predictWithGradient(x: Float64Array): PointPredictionWithGradient {
    const d = this.dimension;
    if (x.length !== d) throw new BallastError('BAD_INPUT', `point has ${x.length} coordinates, the GP has ${d} inputs`);
    for (let k = 0; k < d; k++) {
      if (!Number.isFinite(x[k]!)) throw new BallastError('BAD_INPUT', `coordinate ${k + 1} of the point is not finite`);
    }
    const { lengthscales, signalVariance: s2 } = this.hyperparameters;
    const n = this.observationCount;
    // Scratch reused across calls: the acquisition's local searches call this thousands of times per ask,
    // and fresh arrays each time made garbage collection a tenth of an ask.
    this.#scratch ??= {
      z: new Float64Array(d),
      squaredDistances: new Float64Array(n),
      kx: new Float64Array(n),
      dg: new Float64Array(n),
      dk: new Float64Array(n * d),
      v: new Float64Array(n),
    };
    const { z, squaredDistances, kx, dg, dk, v } = this.#scratch;
    for (let k = 0; k < d; k++) z[k] = this.#toWorkingInput(x[k]!, k) / lengthscales[k]!;
    const Z = this.#Z.data;
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) {
        const diff = z[k]! - Z[j * d + k]!;
        s += diff * diff;
      }
      squaredDistances[j] = s;
    }
    this.#profile.correlationWithDerivative(squaredDistances, kx, dg, n);
    // ∂k(x, x_j)/∂x_k in working units: 2 s² g'(r²) (z_k − z_jk) / ℓ_k, stored n×d.
    for (let j = 0; j < n; j++) {
      kx[j] = s2 * kx[j]!;
      const slope = 2 * s2 * dg[j]!;
      for (let k = 0; k < d; k++) dk[j * d + k] = (slope * (z[k]! - Z[j * d + k]!)) / lengthscales[k]!;
    }
    // v = L⁻¹k, explained = vᵀv; then v becomes w = L⁻ᵀv = K⁻¹k, in place. Both run four rows of L at a time
    // over the shared entries of v, each entry still taking its terms in the same order as one row at a time
    // (twoAccumulatorDot says why for the first), so the bits are the same with far fewer loads and stores.
    const l = this.#L.data;
    let explained = 0;
    let i = 0;
    for (; i + 3 < n; i += 4) {
      const r0 = i * n;
      const r1 = r0 + n;
      const r2 = r1 + n;
      const r3 = r2 + n;
      let a0 = 0, a1 = 0, b0 = 0, b1 = 0, c0 = 0, c1 = 0, e0 = 0, e1 = 0;
      let k = 0;
      for (; k + 1 < i; k += 2) {
        const v0 = v[k]!;
        const v1 = v[k + 1]!;
        a0 += l[r0 + k]! * v0;
        a1 += l[r0 + k + 1]! * v1;
        b0 += l[r1 + k]! * v0;
        b1 += l[r1 + k + 1]! * v1;
        c0 += l[r2 + k]! * v0;
        c1 += l[r2 + k + 1]! * v1;
        e0 += l[r3 + k]! * v0;
        e1 += l[r3 + k + 1]! * v1;
      }
      const x0 = (kx[i]! - twoAccumulatorDot(l, r0, v, 0, k, i, a0, a1)) / l[r0 + i]!;
      v[i] = x0;
      explained += x0 * x0;
      const x1 = (kx[i + 1]! - twoAccumulatorDot(l, r1, v, 0, k, i + 1, b0, b1)) / l[r1 + i + 1]!;
      v[i + 1] = x1;
      explained += x1 * x1;
      const x2 = (kx[i + 2]! - twoAccumulatorDot(l, r2, v, 0, k, i + 2, c0, c1)) / l[r2 + i + 2]!;
      v[i + 2] = x2;
      explained += x2 * x2;
      const x3 = (kx[i + 3]! - twoAccumulatorDot(l, r3, v, 0, k, i + 3, e0, e1)) / l[r3 + i + 3]!;
      v[i + 3] = x3;
      explained += x3 * x3;
    }
    for (; i < n; i++) {
      const row = i * n;
      const vi = (kx[i]! - twoAccumulatorDot(l, row, v, 0, 0, i, 0, 0)) / l[row + i]!;
      v[i] = vi;
      explained += vi * vi;
    }
    // Back substitution, rows i … i−3: first among themselves, then one sweep over the entries before them.
    i = n - 1;
    for (; i >= 3; i -= 4) {
      const r0 = i * n;
      const r1 = r0 - n;
      const r2 = r1 - n;
      const r3 = r2 - n;
      const w0 = v[i]! / l[r0 + i]!;
      v[i] = w0;
      const w1 = (v[i - 1]! - l[r0 + i - 1]! * w0) / l[r1 + i - 1]!;
      v[i - 1] = w1;
      const w2 = (v[i - 2]! - l[r0 + i - 2]! * w0 - l[r1 + i - 2]! * w1) / l[r2 + i - 2]!;
      v[i - 2] = w2;
      const w3 = (v[i - 3]! - l[r0 + i - 3]! * w0 - l[r1 + i - 3]! * w1 - l[r2 + i - 3]! * w2) / l[r3 + i - 3]!;
      v[i - 3] = w3;
      for (let k = 0; k < i - 3; k++) v[k] = v[k]! - l[r0 + k]! * w0 - l[r1 + k]! * w1 - l[r2 + k]! * w2 - l[r3 + k]! * w3;
    }
    for (; i >= 0; i--) {
      const row = i * n;
      const wi = v[i]! / l[row + i]!;
      v[i] = wi;
      for (let k = 0; k < i; k++) v[k] = v[k]! - l[row + k]! * wi;
    }
    let mean = 0;
    const meanGradient = new Float64Array(d);
    const varianceGradient = new Float64Array(d);
    const alpha = this.#alpha;
    for (let j = 0; j < n; j++) {
      const aj = alpha[j]!;
      const wj = v[j]!;
      mean += aj * kx[j]!;
      for (let k = 0; k < d; k++) {
        meanGradient[k] = meanGradient[k]! + aj * dk[j * d + k]!;
        varianceGradient[k] = varianceGradient[k]! - 2 * wj * dk[j * d + k]!;
      }
    }
    const variance = Math.max(s2 * this.#profile.correlation(0) - explained, 0);
    const outScale = this.outputTransform?.scale ?? 1;
    const outMean = this.outputTransform?.mean ?? 0;
    for (let k = 0; k < d; k++) {
      const inScale = this.inputTransform?.scale[k] ?? 1;
      meanGradient[k] = (meanGradient[k]! * outScale) / inScale;
      varianceGradient[k] = (varianceGradient[k]! * outScale * outScale) / inScale;
    }
    return { mean: mean * outScale + outMean, variance: variance * outScale * outScale, meanGradient, varianceGradient };
  }

  /**
   * `count` joint draws of f over the rows of Xstar (caller's units), seeded: mean + C z with C the
   * Cholesky factor of the posterior covariance (jittered relative to the prior variance when the
   * covariance is numerically singular, e.g. at training points).
   */
  samplePosterior(Xstar: Matrix, count: number, seed: number): Float64Array[] {
    if (!Number.isInteger(count) || count < 0) {
      throw new BallastError('BAD_INPUT', `number of posterior samples must be a non-negative integer, got ${count}`);
    }
    const { mean, covariance } = this.#jointWorking(Xstar);
    const m = Xstar.rows;
    const factor = choleskyWithJitter(covariance, { referenceScale: this.hyperparameters.signalVariance });
    if (!factor.ok) {
      throw new BallastError('NUMERICAL', 'Could not draw from the GP posterior: its covariance is not positive definite.', {
        reason: factor.reason,
      });
    }
    const C = factor.L.data;
    const rng = createRng(seed);
    const outScale = this.outputTransform?.scale ?? 1;
    const outMean = this.outputTransform?.mean ?? 0;
    const draws: Float64Array[] = [];
    const z = new Float64Array(m);
    for (let s = 0; s < count; s++) {
      for (let i = 0; i < m; i++) z[i] = rng.normal();
      const f = new Float64Array(m);
      for (let i = 0; i < m; i++) {
        let value = mean[i]!;
        for (let k = 0; k <= i; k++) value += C[i * m + k]! * z[k]!;
        f[i] = value * outScale + outMean;
      }
      draws.push(f);
    }
    return draws;
  }

  /**
   * The posterior after also observing (Xnew, ynew), with the same hyperparameters and the same input and
   * output scaling (so fantasised observations cannot shift the standardisation). The Cholesky factor is
   * extended block-wise — O(n²m) instead of refactorising — falling back to a full factorisation with
   * jitter escalation if the new block is numerically singular.
   */
  condition(Xnew: Matrix, ynew: Float64Array): GaussianProcess {
    const d = this.dimension;
    if (Xnew.cols !== d) throw new BallastError('BAD_INPUT', `new inputs have ${Xnew.cols} columns, the GP has ${d}`);
    if (ynew.length !== Xnew.rows) {
      throw new BallastError('BAD_INPUT', `got ${Xnew.rows} new input rows but ${ynew.length} new observed values`);
    }
    for (let k = 0; k < Xnew.data.length; k++) {
      if (!Number.isFinite(Xnew.data[k]!)) throw new BallastError('BAD_INPUT', 'a new input is not a finite number');
    }
    for (let i = 0; i < ynew.length; i++) {
      if (!Number.isFinite(ynew[i]!)) throw new BallastError('BAD_INPUT', `new observed value ${i + 1} is not finite`);
    }
    const n = this.observationCount;
    const m = Xnew.rows;
    const total = n + m;
    const X = matrixFromData(total, d, concat(this.X.data, Xnew.data));
    const y = concat(this.y, ynew);
    const newWorkingX = this.#toWorkingInputs(Xnew);
    const workingX = matrixFromData(total, d, concat(this.#workingX.data, newWorkingX.data));
    const newWorkingY = new Float64Array(m);
    const outScale = this.outputTransform?.scale ?? 1;
    const outMean = this.outputTransform?.mean ?? 0;
    for (let i = 0; i < m; i++) newWorkingY[i] = (ynew[i]! - outMean) / outScale;
    const workingY = concat(this.#workingY, newWorkingY);
    const hp = this.hyperparameters;
    const base = {
      kernel: this.kernel,
      hyperparameters: hp,
      inputTransform: this.inputTransform,
      outputTransform: this.outputTransform,
      X,
      y,
      workingX,
      workingY,
      fitReport: null,
    };

    const Znew = scaleByLengthscales(newWorkingX, hp.lengthscales);
    const B = forwardSubstituteMatrix(this.#L, crossCovariance(this.#Z, Znew, this.#profile, hp.signalVariance));
    const schur = priorCovariance(Znew, this.#profile, hp.signalVariance, hp.noiseVariance + this.jitter);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j <= i; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += B.data[k * m + i]! * B.data[k * m + j]!;
        schur.data[i * m + j] = schur.data[i * m + j]! - s;
        schur.data[j * m + i] = schur.data[i * m + j]!;
      }
    }
    // Same "numerically zero" pivot floor as choleskyWithJitter applies to the whole matrix.
    const pivotFloor = total * Number.EPSILON * (hp.signalVariance * this.#profile.correlation(0) + hp.noiseVariance + this.jitter);
    const corner = factorWithFloor(schur, pivotFloor);
    if (!corner.ok) {
      const full = factorisePrior(workingX, workingY, this.kernel, hp, false);
      if (!full.ok) {
        throw new BallastError('NUMERICAL', 'Could not add the new observations to the GP: covariance not positive definite.', {
          reason: full.reason,
        });
      }
      return new GaussianProcess({ ...base, L: full.L, alpha: full.alpha, jitter: full.jitter, logMarginalLikelihood: full.value });
    }
    const L = zeros(total, total);
    for (let i = 0; i < n; i++) L.data.set(this.#L.data.subarray(i * n, i * n + i + 1), i * total);
    for (let i = 0; i < m; i++) {
      const row = (n + i) * total;
      for (let k = 0; k < n; k++) L.data[row + k] = B.data[k * m + i]!;
      for (let j = 0; j <= i; j++) L.data[row + n + j] = corner.L.data[i * m + j]!;
    }
    const alpha = backSubstitute(L, forwardSubstitute(L, workingY));
    let value = -total * HALF_LOG_TWO_PI;
    for (let i = 0; i < total; i++) value -= 0.5 * workingY[i]! * alpha[i]! + Math.log(L.data[i * total + i]!);
    return new GaussianProcess({ ...base, L, alpha, jitter: this.jitter, logMarginalLikelihood: value });
  }

  #jointWorking(Xstar: Matrix): { mean: Float64Array; covariance: Matrix } {
    const Zs = this.#scaledTestInputs(Xstar);
    const s2 = this.hyperparameters.signalVariance;
    const Kxs = crossCovariance(this.#Z, Zs, this.#profile, s2);
    const n = this.observationCount;
    const m = Xstar.rows;
    const mean = new Float64Array(m);
    for (let i = 0; i < n; i++) {
      const ai = this.#alpha[i]!;
      for (let j = 0; j < m; j++) mean[j] = mean[j]! + Kxs.data[i * m + j]! * ai;
    }
    const V = forwardSubstituteMatrix(this.#L, Kxs);
    const covariance = priorCovariance(Zs, this.#profile, s2, 0);
    const c = covariance.data;
    for (let k = 0; k < n; k++) {
      const row = k * m;
      for (let i = 0; i < m; i++) {
        const vi = V.data[row + i]!;
        if (vi === 0) continue;
        for (let j = 0; j <= i; j++) c[i * m + j] = c[i * m + j]! - vi * V.data[row + j]!;
      }
    }
    for (let i = 0; i < m; i++) {
      c[i * m + i] = Math.max(c[i * m + i]!, 0);
      for (let j = 0; j < i; j++) c[j * m + i] = c[i * m + j]!;
    }
    return { mean, covariance };
  }

  #scaledTestInputs(Xstar: Matrix): Matrix {
    if (Xstar.cols !== this.dimension) {
      throw new BallastError('BAD_INPUT', `prediction inputs have ${Xstar.cols} columns, the GP has ${this.dimension}`);
    }
    for (let k = 0; k < Xstar.data.length; k++) {
      if (!Number.isFinite(Xstar.data[k]!)) {
        throw new BallastError('BAD_INPUT', `prediction input row ${Math.floor(k / Xstar.cols) + 1} has a value that is not finite`);
      }
    }
    return scaleByLengthscales(this.#toWorkingInputs(Xstar), this.hyperparameters.lengthscales);
  }

  #toWorkingInputs(X: Matrix): Matrix {
    if (this.inputTransform === null) return X;
    const out = zeros(X.rows, X.cols);
    for (let i = 0; i < X.rows; i++) {
      for (let k = 0; k < X.cols; k++) out.data[i * X.cols + k] = this.#toWorkingInput(X.data[i * X.cols + k]!, k);
    }
    return out;
  }

  #toWorkingInput(value: number, k: number): number {
    const t = this.inputTransform;
    return t === null ? value : (value - t.offset[k]!) / t.scale[k]!;
  }

  #meanToOriginal(mean: Float64Array): Float64Array {
    const t = this.outputTransform;
    if (t !== null) for (let j = 0; j < mean.length; j++) mean[j] = mean[j]! * t.scale + t.mean;
    return mean;
  }

  #varianceToOriginal(variance: Float64Array): Float64Array {
    const t = this.outputTransform;
    if (t !== null) for (let j = 0; j < variance.length; j++) variance[j] = variance[j]! * t.scale * t.scale;
    return variance;
  }
}

function concat(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
