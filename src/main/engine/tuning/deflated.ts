/**
 * The deflated Sharpe ratio (Bailey & López de Prado, "The Deflated Sharpe Ratio: Correcting for Selection Bias,
 * Backtest Overfitting and Non-Normality", Journal of Portfolio Management 40(5), 2014).
 *
 * A tuner that backtests N parameter sets and keeps the best reports the maximum of N noisy Sharpe ratios, which
 * is high even when no set has any skill. The DSR is the probability that the chosen set's true Sharpe ratio
 * exceeds what the best of N skill-free trials would be expected to show:
 *
 *   SR₀ = √V[SRₙ] · ((1 − γ) Φ⁻¹(1 − 1/N) + γ Φ⁻¹(1 − 1/(N e)))          (γ: Euler–Mascheroni)
 *   DSR = Φ( (SR − SR₀) √(T − 1) / √(1 − γ₃ SR + (γ₄ − 1)/4 · SR²) )
 *
 * with SR, SR₀ per period (not annualised), T the number of returns behind SR, V[SRₙ] the variance of the N trials'
 * Sharpe ratios, γ₃ and γ₄ the skewness and (non-excess) kurtosis of the chosen set's returns.
 */
import { normalCdf, normalQuantile } from '../bo/normal';

const EULER_MASCHERONI = 0.5772156649015329;

export interface DeflatedSharpeInput {
  /** The chosen set's Sharpe ratio, annualised. */
  sharpe: number;
  /** Every trial's Sharpe ratio (the chosen one included), annualised. */
  trialSharpes: readonly number[];
  /** Returns behind `sharpe` (T). */
  returns: number;
  periodsPerYear?: number;
  /** Of the chosen set's returns; 0 and 3 (normal) when not given. */
  skewness?: number;
  kurtosis?: number;
}

export interface DeflatedSharpe {
  /** P(true Sharpe > SR₀): near 1, the result survives the selection; near or below 0.5, it may be luck. */
  probability: number;
  /** SR₀, annualised: the Sharpe ratio the best of `trials` skill-free trials would be expected to reach. */
  benchmark: number;
  trials: number;
  returns: number;
}

/** E[max of N independent standard normals], Bailey & López de Prado's approximation; 0 for one trial. */
export function expectedMaxStandardNormal(trials: number): number {
  if (trials < 2) return 0;
  return (1 - EULER_MASCHERONI) * normalQuantile(1 - 1 / trials) + EULER_MASCHERONI * normalQuantile(1 - 1 / (trials * Math.E));
}

/** Null when it cannot be computed: fewer than two returns, or a Sharpe ratio that is not a finite number. */
export function deflatedSharpeRatio(input: DeflatedSharpeInput): DeflatedSharpe | null {
  const { sharpe, trialSharpes, returns } = input;
  const periods = input.periodsPerYear ?? 252;
  const trials = trialSharpes.filter(Number.isFinite);
  if (!Number.isFinite(sharpe) || !(returns >= 2) || trials.length === 0) return null;
  const mean = trials.reduce((a, b) => a + b, 0) / trials.length;
  const variance = trials.length > 1 ? trials.reduce((a, b) => a + (b - mean) ** 2, 0) / (trials.length - 1) : 0;
  const benchmark = Math.sqrt(variance) * expectedMaxStandardNormal(trials.length);
  const sr = sharpe / Math.sqrt(periods);
  const sr0 = benchmark / Math.sqrt(periods);
  const skewness = input.skewness ?? 0;
  const kurtosis = input.kurtosis ?? 3;
  const spread = 1 - skewness * sr + ((kurtosis - 1) / 4) * sr * sr;
  // The estimator's variance cannot be ≤ 0; extreme skew with a large per-period Sharpe ratio would make it so.
  if (!(spread > 0)) return null;
  const z = ((sr - sr0) * Math.sqrt(returns - 1)) / Math.sqrt(spread);
  return { probability: normalCdf(z), benchmark, trials: trials.length, returns };
}
