/**
 * Gaussian-process regression in float64 for Bayesian optimisation: ARD RBF / Matérn kernels, Gaussian
 * noise (fixed or learned), Cholesky with reported jitter, hyperparameters by L-BFGS-B on the log marginal
 * likelihood (or log posterior), cross-checked against scikit-learn (bench/reference/gp_sklearn.py).
 */
export { GaussianProcess } from './gaussianProcess';
export type { GaussianProcessState } from './gaussianProcess';
export {
  DEFAULT_GP_MAX_ITERATIONS,
  DEFAULT_GP_RESTARTS,
  defaultHyperparameterBounds,
  fitGaussianProcess,
  logPriorInLogSpace,
} from './fit';
export type { ResolvedHyperparameterBounds } from './fit';
export { logMarginalLikelihood } from './likelihood';
export type { LogMarginalLikelihood } from './likelihood';
export { choleskyWithJitter } from './cholesky';
export type { CholeskyWithJitterResult, JitterOptions } from './cholesky';
export { kernelProfile } from './kernels';
export { KERNEL_NAMES } from './types';
export type {
  AffineTransform,
  GpFitOptions,
  GpFitReport,
  GpHyperparameterBounds,
  GpHyperparameters,
  HyperPrior,
  JointPosteriorPrediction,
  KernelName,
  OutputTransform,
  PointPredictionWithGradient,
  PosteriorPrediction,
} from './types';
