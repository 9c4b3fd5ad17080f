/**
 * Bayesian neural network forecasts (issue 4, "Bayesian core").
 *
 * - Method: mean-field Gaussian weights trained by Bayes by backprop with the local reparameterisation trick
 *   (not Flipout); MC dropout as the cheaper variant behind the same interface.
 * - Likelihood: heteroscedastic Gaussian (the network outputs a mean and a log-variance).
 * - Objective: negative ELBO per row with linear KL annealing (config.likelihoodSamples > 1 switches the
 *   data term to the K-draw predictive bound); Adam, Polyak averaging, early stopping on a validation split
 *   with learning-rate halving on plateaus.
 * - Prediction: S coherent weight draws; epistemic = variance of the drawn means, aleatoric = mean of the
 *   drawn variances; intervals are exact quantiles of the S-component Gaussian mixture (or moment-matched).
 * - Online: `update()` makes the stored posterior the prior (variational continual learning); MC dropout
 *   warm-starts instead.
 */
export {
  COMPUTE_BACKEND_ORDER,
  computeBackendInfo,
  computeBackendInfoIfReady,
  defaultBackendCandidates,
  initComputeBackend,
  selectComputeBackend,
} from './backend';
export type { BackendCandidate, ComputeBackendInfo, ComputeBackendName, InitComputeBackendOptions } from './backend';
export { BnnConfigSchema, DEFAULT_INTERVAL_LEVELS, PredictOptionsSchema } from './config';
export type { BnnConfig, BnnConfigInput, PredictOptions } from './config';
export { BayesianNeuralNetwork } from './model';
export type { BnnPrediction, EpochInfo, FeatureRows, FitOptions, PredictiveInterval, Targets, UpdateOptions } from './model';
export { BNN_FORMAT_VERSION, TrainingSummarySchema } from './serialization';
export type { Normalisation, TrainingSummary } from './serialization';
export { SolveBnnSpecSchema, solveBnn } from './solve';
export type { SolveBnnResult, SolveBnnSpec } from './solve';
export { mixtureQuantile, mixtureQuantiles, normalCdf, normalPdf, normalQuantile } from './gaussian';
export { gaussianCrps, gaussianNll, intervalCoverage, mixtureCrps, mixtureNll } from './scoring';
