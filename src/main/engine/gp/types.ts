import type { Matrix } from '../math/linalg';

/** Stationary kernels; the Matérn pair are the usual choice for BO objectives, which are rarely C∞. */
export type KernelName = 'rbf' | 'matern32' | 'matern52';

export const KERNEL_NAMES: readonly KernelName[] = ['rbf', 'matern32', 'matern52'];

/**
 * k(x, x') = signalVariance · g(r), r² = Σ_k ((x_k − x'_k) / lengthscale_k)² (ARD), plus noiseVariance on
 * the diagonal of the training covariance only.
 */
export interface GpHyperparameters {
  lengthscales: Float64Array;
  signalVariance: number;
  noiseVariance: number;
}

/**
 * A prior on a hyperparameter θ > 0, stated as the distribution of θ itself:
 * - lognormal: log θ ~ Normal(mu, sigma²);
 * - gamma: θ ~ Gamma(shape, rate) (mean shape/rate).
 *
 * The fit is MAP in log space: it maximises LML + log p(u) where p(u) is the density of u = log θ, i.e. it
 * includes the Jacobian θ. That makes the lognormal pull towards e^mu and the gamma towards shape/rate.
 * GPyTorch/BoTorch add log p(θ) without the Jacobian instead; their Gamma(k, r) is our Gamma(k − 1, r) and
 * their LogNormal(μ, σ) is our lognormal(μ − σ², σ).
 */
export type HyperPrior = { kind: 'lognormal'; mu: number; sigma: number } | { kind: 'gamma'; shape: number; rate: number };

/** Closed intervals [lower, upper] for the hyperparameters, in the GP's working (scaled) space. */
export interface GpHyperparameterBounds {
  /** One interval for every input dimension, or one per dimension. */
  lengthscale?: readonly [number, number] | readonly (readonly [number, number])[];
  signalVariance?: readonly [number, number];
  noiseVariance?: readonly [number, number];
}

export interface GpFitOptions {
  kernel: KernelName;
  /** Scale inputs to the unit cube using `bounds` (or the data's min/max when absent). Default false here; BO turns it on. */
  normalizeInputs?: boolean;
  bounds?: { lower: Float64Array; upper: Float64Array };
  /** Standardise y to zero mean, unit variance. Default false here; BO turns it on. */
  standardizeOutputs?: boolean;
  /** Fixed hyperparameters (no fitting) — everything in the *scaled* space if scaling is on. */
  hyperparameters?: GpHyperparameters;
  /** Noise: learned (default) or fixed at this variance (may be 0 for noise-free data). */
  fixedNoiseVariance?: number;
  /** MAP priors on log-hyperparameters; absent = maximum likelihood. The lengthscale prior applies to each lengthscale. */
  priors?: { lengthscale?: HyperPrior; signalVariance?: HyperPrior; noiseVariance?: HyperPrior };
  /** Random starts in addition to the deterministic default start (default 4). */
  restarts?: number;
  seed?: number;
  /** Search box for the fit; defaults from `defaultHyperparameterBounds`. */
  hyperparameterBounds?: GpHyperparameterBounds;
  /** L-BFGS-B iteration limit per start (default 200). */
  maxIterations?: number;
  /** L-BFGS-B stopping tests per start (defaults: scipy's pgtol 1e-5 and ftol ≈ 2.2e-9). */
  gradientTolerance?: number;
  functionTolerance?: number;
  /**
   * Working-space hyperparameters to start from first (a warm start: the previous fit of a growing data set).
   * The default start is still tried unless `defaultStart` is false; random restarts follow as usual.
   */
  initialHyperparameters?: GpHyperparameters;
  /** Try the deterministic default start besides a warm start (default true). */
  defaultStart?: boolean;
  /** Checked at every likelihood evaluation; an aborted fit throws BallastError('CANCELLED'). */
  signal?: { readonly aborted: boolean } | undefined;
}

/** Affine maps from the caller's units to the GP's working space: working = (original − offset) / scale. */
export interface AffineTransform {
  offset: Float64Array;
  scale: Float64Array;
}

export interface OutputTransform {
  mean: number;
  scale: number;
}

export interface GpFitReport {
  /** Starts tried (default start + random restarts). */
  starts: number;
  /** Starts whose L-BFGS-B run met its convergence test. */
  convergedStarts: number;
  /** Objective evaluations over all starts. */
  evaluations: number;
  /** LML + log prior (the latter without its normalising constant) at the chosen hyperparameters. */
  logPosterior: number;
  /** Hyperparameters that sit on a bound of the search box — a hint that the box or the model is wrong. */
  atBound: string[];
}

export interface PosteriorPrediction {
  mean: Float64Array;
  variance: Float64Array;
}

export interface JointPosteriorPrediction {
  mean: Float64Array;
  covariance: Matrix;
}

export interface PointPredictionWithGradient {
  mean: number;
  variance: number;
  meanGradient: Float64Array;
  varianceGradient: Float64Array;
}
