/**
 * Acquisition functions on a Gaussian predictive distribution (mean, variance) at one point, with their
 * partial derivatives in the mean and the variance so the caller can chain through the GP's gradient.
 * Conventions: the objective is *minimised* (the optimiser negates values for maximisation), predictions
 * are on a standardised scale (order 1), and every acquisition is to be *maximised*.
 */
import { logExpectedImprovementKernel, logNormalCdf } from './normal';

export interface AcquisitionValue {
  value: number;
  /** ∂value/∂mean */
  dMean: number;
  /** ∂value/∂variance */
  dVariance: number;
}

/**
 * Below this variance the prediction is treated as exact. On the standardised scale it is a standard
 * deviation of 1e−10, far below any noise the GP can represent, and it keeps log EI finite at data points.
 */
export const VARIANCE_FLOOR = 1e-20;

/**
 * log EI(x) = log σ + log h((incumbent − μ)/σ), with log h from Ament et al. (2023) so the value stays finite
 * and informative where EI itself underflows to 0 (any z below about −38), which is most of the space once the
 * model is confident. Optimising log EI instead of EI is what makes the gradient-based inner optimiser work.
 */
export function logExpectedImprovement(mean: number, variance: number, incumbent: number): AcquisitionValue {
  const floored = variance < VARIANCE_FLOOR;
  const sd = Math.sqrt(floored ? VARIANCE_FLOOR : variance);
  const z = (incumbent - mean) / sd;
  const kernel = logExpectedImprovementKernel(z);
  // d/dμ = (log h)′ · (−1/σ); d/dσ = 1/σ − z (log h)′/σ; dσ/dv = 1/(2σ).
  const dSd = (1 - z * kernel.derivative) / sd;
  return {
    value: Math.log(sd) + kernel.value,
    dMean: -kernel.derivative / sd,
    dVariance: floored ? 0 : dSd / (2 * sd),
  };
}

/**
 * Confidence-bound score for minimisation, −μ + √β σ (the negated lower confidence bound, so larger is better).
 */
export function confidenceBound(mean: number, variance: number, beta: number): AcquisitionValue {
  const floored = variance < VARIANCE_FLOOR;
  const sd = Math.sqrt(floored ? VARIANCE_FLOOR : variance);
  const root = Math.sqrt(beta);
  return { value: -mean + root * sd, dMean: -1, dVariance: floored ? 0 : root / (2 * sd) };
}

/**
 * The GP-UCB exploration weight of Srinivas et al. (2010, Theorem 2 as restated by Brochu, Cora & de Freitas
 * 2010): β_t = 2 log(t^{d/2+2} π² / (3δ)) for the t-th model-based evaluation in d dimensions, with
 * confidence 1 − δ. The theoretical value over-explores in practice; Srinivas et al. scale it down by a factor
 * of 5 in their experiments, which is the default `scale` here.
 */
export function gpUcbBeta(t: number, dimension: number, options: { delta?: number; scale?: number } = {}): number {
  const delta = options.delta ?? 0.1;
  const scale = options.scale ?? 0.2;
  const step = Math.max(1, t);
  return scale * 2 * ((dimension / 2 + 2) * Math.log(step) + Math.log((Math.PI * Math.PI) / (3 * delta)));
}

/**
 * log P(feasible) from a GP regression on feasibility labels (+1 feasible, −1 infeasible): the latent is
 * read through a probit link, P = Φ(κμ / √(1 + κ²σ²)), the probit predictive of a Gaussian latent (Rasmussen &
 * Williams 2006, eq. 3.80) with the labels' ±1 scale stretched by κ so a point next to known feasible points
 * gets P ≈ Φ(κ) rather than Φ(1). Far from data μ → 0 and P → ½, so unexplored regions stay attractive.
 */
export const FEASIBILITY_SHARPNESS = 2;

export function logProbabilityOfFeasibility(mean: number, variance: number, sharpness = FEASIBILITY_SHARPNESS): AcquisitionValue {
  const v = Math.max(variance, 0);
  const denominator = Math.sqrt(1 + sharpness * sharpness * v);
  const z = (sharpness * mean) / denominator;
  const logCdf = logNormalCdf(z);
  // dz/dμ = κ/D; dz/dv = −κμ · ½ κ² / D³.
  return {
    value: logCdf.value,
    dMean: (logCdf.derivative * sharpness) / denominator,
    dVariance: variance > 0 ? (-logCdf.derivative * sharpness * mean * 0.5 * sharpness * sharpness) / (denominator ** 3) : 0,
  };
}
