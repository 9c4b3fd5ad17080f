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
export type { BnnPrediction, FeatureRows, FitOptions, PredictiveInterval, Targets, UpdateOptions } from './model';
export { BNN_FORMAT_VERSION, TrainingSummarySchema } from './serialization';
export type { Normalisation, TrainingSummary } from './serialization';
export { SolveBnnSpecSchema, solveBnn } from './solve';
export type { SolveBnnResult, SolveBnnSpec } from './solve';
export { mixtureQuantile, mixtureQuantiles, normalCdf, normalPdf, normalQuantile } from './gaussian';
export { gaussianCrps, gaussianNll, intervalCoverage, mixtureCrps, mixtureNll } from './scoring';
