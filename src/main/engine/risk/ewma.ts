import { BallastError } from '../../../shared/errors';
import { type Matrix, zeros } from '../math/linalg';

/**
 * How the EWMA estimate treats the mean of returns.
 * - 'zero' (default, RiskMetrics 1996): Σ = Σ_t w_t r_t r_tᵀ. A daily mean (~0.03 %) is far smaller than its
 *   own estimation error over any lookback a risk model uses (daily sd ~1 %), so subtracting it adds noise,
 *   not information; and the estimate stays positive definite whenever the rows span ℝᵖ, with no n > p
 *   requirement from centring.
 * - 'weighted': Σ = Σ_t w_t (r_t − r̄)(r_t − r̄)ᵀ with r̄ = Σ_t w_t r_t, the exponentially weighted analogue of
 *   `sampleCovariance` (its limit as the half-life grows without bound).
 */
export type EwmaMean = 'zero' | 'weighted';

export interface EwmaOptions {
  mean?: EwmaMean;
}

/**
 * Exponentially weighted covariance of daily returns (rows = dates, oldest first; columns = assets).
 *
 * Weights: the newest row gets raw weight 1 and a row k trading days older gets λᵏ with λ = 2^(−1/halfLife), so
 * an observation's weight halves every `halfLifeDays` rows; the weights are then normalised to sum to 1,
 *     w_t = λ^(n−1−t) / Σ_s λ^(n−1−s),   t = 0 … n−1.
 * Normalising over the finite window (rather than using the infinite-history (1 − λ) factor) keeps the
 * estimate unbiased for a constant covariance however short the window, and is what lets a half-life longer
 * than the lookback degrade gracefully towards an equally weighted estimate.
 *
 * Mean handling: zero mean by default (RiskMetrics); see `EwmaMean` for why and for the 'weighted' option.
 *
 * pandas conventions, for cross-checking (λ = 1 − α, α = 1 − exp(ln ½ / halflife)):
 *   - mean 'zero' equals, for each pair (i, j),
 *       (df[i] * df[j]).ewm(halflife=h, adjust=True).mean().iloc[-1]
 *     — `adjust=True` is exactly the finite-window normalisation above.
 *   - mean 'weighted' equals
 *       df.ewm(halflife=h, adjust=True).cov(bias=True).iloc[-p:]
 *     — `bias=True` divides by Σw (= 1 here). pandas' default `bias=False` additionally multiplies by
 *     (Σw)² / ((Σw)² − Σw²), the weighted analogue of n/(n − 1); we do not, for the same reason
 *     `sampleCovariance` uses 1/n (it is the maximum-likelihood scaling that Ledoit–Wolf also uses).
 *
 * Positive definite: with every w_t > 0, xᵀΣx = Σ_t w_t (r_tᵀx)² > 0 unless x is orthogonal to every row, so
 * Σ is positive definite exactly when the (centred, for 'weighted') rows have rank p.
 *
 * Throws BallastError('BAD_INPUT') for an empty matrix, a non-positive half-life or a non-finite return.
 */
export function ewmaCovariance(returns: Matrix, halfLifeDays: number, opts: EwmaOptions = {}): Matrix {
  const { rows: n, cols: p, data } = returns;
  const meanMode = opts.mean ?? 'zero';
  if (n < 1 || p < 1) {
    throw new BallastError('BAD_INPUT', `need at least one day of returns for one asset, got ${n}×${p}`, { rows: n, cols: p });
  }
  if (!(halfLifeDays > 0) || !Number.isFinite(halfLifeDays)) {
    throw new BallastError('BAD_INPUT', `EWMA half-life must be a positive number of trading days, got ${halfLifeDays}`, {
      halfLifeDays,
    });
  }
  if (meanMode !== 'zero' && meanMode !== 'weighted') {
    throw new BallastError('BAD_INPUT', `EWMA mean must be 'zero' or 'weighted', got ${String(meanMode)}`);
  }
  for (let k = 0; k < data.length; k++) {
    if (!Number.isFinite(data[k]!)) {
      throw new BallastError(
        'BAD_INPUT',
        `return at row ${Math.floor(k / p) + 1}, column ${(k % p) + 1} is ${data[k]}; EWMA covariance needs finite returns`,
        { row: Math.floor(k / p), column: k % p, value: data[k] },
      );
    }
  }

  const weights = ewmaWeights(n, halfLifeDays);

  let centred = data;
  if (meanMode === 'weighted') {
    const mean = new Float64Array(p);
    for (let t = 0; t < n; t++) for (let j = 0; j < p; j++) mean[j] = mean[j]! + weights[t]! * data[t * p + j]!;
    centred = new Float64Array(n * p);
    for (let t = 0; t < n; t++) for (let j = 0; j < p; j++) centred[t * p + j] = data[t * p + j]! - mean[j]!;
  }

  // Filled symmetrically (upper triangle mirrored) so a Cholesky symmetry check passes exactly.
  const out = zeros(p, p);
  for (let i = 0; i < p; i++) {
    for (let j = i; j < p; j++) {
      let s = 0;
      for (let t = 0; t < n; t++) s += weights[t]! * centred[t * p + i]! * centred[t * p + j]!;
      out.data[i * p + j] = s;
      out.data[j * p + i] = s;
    }
  }
  return out;
}

/**
 * The normalised EWMA weights of `n` rows, oldest first (they sum to 1 and increase towards the newest row).
 * Computed from the newest row backwards as powers of λ so no weight underflows before its older neighbours.
 */
export function ewmaWeights(n: number, halfLifeDays: number): Float64Array {
  if (!Number.isInteger(n) || n < 1) throw new BallastError('BAD_INPUT', `need a positive number of rows, got ${n}`);
  if (!(halfLifeDays > 0) || !Number.isFinite(halfLifeDays)) {
    throw new BallastError('BAD_INPUT', `EWMA half-life must be a positive number of trading days, got ${halfLifeDays}`);
  }
  const decay = Math.pow(2, -1 / halfLifeDays);
  const weights = new Float64Array(n);
  let raw = 1;
  let total = 0;
  for (let t = n - 1; t >= 0; t--) {
    weights[t] = raw;
    total += raw;
    raw *= decay;
  }
  for (let t = 0; t < n; t++) weights[t] = weights[t]! / total;
  return weights;
}
