/**
 * Bayesian optimisation: search spaces with continuous, integer and categorical parameters, log-EI /
 * GP-UCB / Thompson acquisitions with unknown constraints and πBO priors, batches by Kriging believer, and a
 * deterministic, resumable ask/tell optimiser.
 */
export { BayesianOptimizer, defaultInitialDesign, legacyInitialDesign } from './optimizer';
export type {
  AcquisitionName,
  BayesianOptimizerOptions,
  BayesianOptimizerState,
  Direction,
  Outcome,
  ProgressEvent,
  Recommendation,
  RunHooks,
  Suggestion,
  Trial,
  TrialStatus,
} from './optimizer';
export { SearchSpace, ParameterSpecSchema, encodedDistance } from './space';
export type { CategoryValue, ParameterLimit, ParameterSpec, ParameterValue, ParameterValues } from './space';
export { PriorModel, ParameterPriorSchema } from './priors';
export type { ParameterPrior, Priors } from './priors';
export {
  FEASIBILITY_SHARPNESS,
  VARIANCE_FLOOR,
  confidenceBound,
  gpUcbBeta,
  logExpectedImprovement,
  logProbabilityOfFeasibility,
} from './acquisition';
export type { AcquisitionValue } from './acquisition';
export { maximizeAcquisition } from './acquisitionOptimizer';
export type { AcquisitionOptimizerOptions, AcquisitionScorer, ScoredPoint } from './acquisitionOptimizer';
export { SOBOL_MAX_DIMENSION, SobolSequence, latinHypercube, sobolPoints } from './designs';
export type { SobolOptions } from './designs';
export {
  erfc,
  erfcx,
  expectedImprovementDirect,
  log1mexp,
  logExpectedImprovementKernel,
  logNormalCdf,
  normalCdf,
  normalPdf,
  normalQuantile,
} from './normal';
export {
  DEFAULT_NOISE_SD,
  ackley,
  ackley5,
  branin,
  hartmann6,
  problemPoint,
  problemSpace,
  withNoise,
} from './testFunctions';
export type { TestProblem } from './testFunctions';
