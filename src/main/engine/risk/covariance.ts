import { type Matrix, zeros } from '../math/linalg';

export interface CovarianceEstimate {
  covariance: Matrix;
  mean: Float64Array;
}

export interface LedoitWolfEstimate extends CovarianceEstimate {
  /** δ in Σ̂ = (1 − δ) S + δ μ I, in [0, 1]. */
  shrinkage: number;
}

/**
 * Maximum-likelihood sample covariance S = (1/n) Σ_t (x_t − x̄)(x_t − x̄)ᵀ of an n×p matrix of
 * observations (rows = dates). The 1/n normalisation (not 1/(n − 1)) is the one Ledoit & Wolf (2004) and
 * scikit-learn's `empirical_covariance` use, so the shrunk estimate below matches them.
 */
export function sampleCovariance(observations: Matrix): CovarianceEstimate {
  const { centred, mean } = centre(observations);
  return { covariance: crossProduct(centred, observations.rows), mean };
}

/**
 * Ledoit & Wolf (2004), "A well-conditioned estimator for large-dimensional covariance matrices",
 * J. Multivariate Analysis 88: the convex combination of the sample covariance S with the scaled identity
 * μI (μ = tr S / p) that minimises expected Frobenius loss, with the intensity estimated from the data.
 *
 * Conventions follow scikit-learn's `sklearn.covariance.ledoit_wolf` exactly (data centred by the sample
 * mean, 1/n normalisation, per-feature normalised Frobenius norm), so results can be pinned to it:
 *   d² = ‖S − μI‖² / p,   b̄² = (1/n²) Σ_t ‖x_t x_tᵀ − S‖² / p,   b² = min(b̄², d²),   δ = b² / d².
 * b̄² is evaluated as ((1/n) Σ_t ‖x_t‖⁴ − ‖S‖²) / (n p), which is the same sum without forming each outer
 * product and is what scikit-learn evaluates (its Σ of (X∘X)ᵀ(X∘X) equals Σ_t ‖x_t‖⁴).
 */
export function ledoitWolfCovariance(observations: Matrix): LedoitWolfEstimate {
  const n = observations.rows;
  const p = observations.cols;
  if (n < 1 || p < 1) throw new Error(`need at least one observation of one asset, got ${n}×${p}`);
  const { centred, mean } = centre(observations);
  const sample = crossProduct(centred, n);
  // One asset: the target equals the sample variance, so shrinkage is moot (scikit-learn returns 0).
  if (p === 1) return { covariance: sample, shrinkage: 0, mean };

  const s = sample.data;
  let trace = 0;
  for (let i = 0; i < p; i++) trace += s[i * p + i]!;
  const mu = trace / p;

  let frobeniusSquared = 0;
  for (let k = 0; k < s.length; k++) frobeniusSquared += s[k]! * s[k]!;

  let sumFourthPowers = 0;
  for (let t = 0; t < n; t++) {
    let squaredNorm = 0;
    for (let j = 0; j < p; j++) {
      const x = centred[t * p + j]!;
      squaredNorm += x * x;
    }
    sumFourthPowers += squaredNorm * squaredNorm;
  }

  const dispersion = (frobeniusSquared - 2 * mu * trace + p * mu * mu) / p;
  const estimationError = Math.min((sumFourthPowers / n - frobeniusSquared) / (p * n), dispersion);
  // S already equals μI when dispersion is 0; any intensity gives the same matrix, report 0 as sklearn does.
  const shrinkage = estimationError <= 0 || dispersion <= 0 ? 0 : estimationError / dispersion;

  const covariance = zeros(p, p);
  for (let k = 0; k < s.length; k++) covariance.data[k] = (1 - shrinkage) * s[k]!;
  for (let i = 0; i < p; i++) covariance.data[i * p + i] = covariance.data[i * p + i]! + shrinkage * mu;
  return { covariance, shrinkage, mean };
}

function centre(observations: Matrix): { centred: Float64Array; mean: Float64Array } {
  const { rows: n, cols: p, data } = observations;
  if (n < 1) throw new Error('need at least one observation to estimate a covariance');
  for (let k = 0; k < data.length; k++) {
    if (!Number.isFinite(data[k]!)) {
      throw new Error(
        `observation at row ${Math.floor(k / p) + 1}, column ${(k % p) + 1} is not a finite number`,
      );
    }
  }
  const mean = new Float64Array(p);
  for (let t = 0; t < n; t++) for (let j = 0; j < p; j++) mean[j] = mean[j]! + data[t * p + j]!;
  for (let j = 0; j < p; j++) mean[j] = mean[j]! / n;
  const centred = new Float64Array(n * p);
  for (let t = 0; t < n; t++) for (let j = 0; j < p; j++) centred[t * p + j] = data[t * p + j]! - mean[j]!;
  return { centred, mean };
}

/** (1/n) XᵀX for row-major X (n×p), filled symmetrically so later symmetry checks hold exactly. */
function crossProduct(x: Float64Array, n: number): Matrix {
  const p = x.length / n;
  const out = zeros(p, p);
  for (let i = 0; i < p; i++) {
    for (let j = i; j < p; j++) {
      let s = 0;
      for (let t = 0; t < n; t++) s += x[t * p + i]! * x[t * p + j]!;
      out.data[i * p + j] = s / n;
      out.data[j * p + i] = s / n;
    }
  }
  return out;
}
