import { BallastError } from '../../../shared/errors';
import { type Matrix, matvec } from '../math/linalg';

/**
 * Euler risk contributions in volatility units: RC_i = w_i (Σw)_i / √(wᵀΣw), which sum to the portfolio
 * volatility √(wᵀΣw) because volatility is homogeneous of degree one in w (Euler's theorem). Units follow Σ:
 * a daily covariance gives daily volatility, so annualise Σ (× 252) first for an annual figure.
 *
 * `riskContributions` in riskBudgeting.ts returns the same decomposition as shares of variance (they sum to 1);
 * this absolute form is what a proposal shows before and after a rebalance, where the totals differ. Weights
 * need not sum to 1 (cash is simply absent), and a portfolio with no risk — all cash — has every contribution 0,
 * the limit of RC_i as the weights shrink, rather than 0/0.
 *
 * Throws BallastError('BAD_INPUT') for mismatched sizes and BallastError('NUMERICAL') when wᵀΣw is negative or
 * not finite (Σ not positive semidefinite).
 */
export function eulerRiskContributions(cov: Matrix, weights: Float64Array): Float64Array {
  const n = cov.rows;
  if (cov.cols !== n || weights.length !== n) {
    throw new BallastError('BAD_INPUT', `covariance is ${cov.rows}×${cov.cols} but there are ${weights.length} weights`, {
      rows: cov.rows,
      cols: cov.cols,
      weights: weights.length,
    });
  }
  const marginal = matvec(cov, weights);
  const out = new Float64Array(n);
  let variance = 0;
  for (let i = 0; i < n; i++) {
    out[i] = weights[i]! * marginal[i]!;
    variance += out[i]!;
  }
  if (!Number.isFinite(variance) || variance < 0) {
    throw new BallastError('NUMERICAL', `portfolio variance is ${variance}; the covariance matrix is not positive semidefinite`, {
      variance,
    });
  }
  if (variance === 0) return new Float64Array(n);
  const volatility = Math.sqrt(variance);
  for (let i = 0; i < n; i++) out[i] = out[i]! / volatility;
  return out;
}
