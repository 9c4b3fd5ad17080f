/**
 * Tuning θ: nested walk-forward folds, the objective and constraints of one evaluation, the search loop (Bayesian
 * optimisation, random, grid) and the surrogate's reading for people (importance, slices).
 */
export { DEFAULT_TUNING_SPACE, RANGE_PRIOR_MASS, maxLookbackDays, optimizerPriors, optimizerSpace, thetaFor, validateTuningSpace } from './space';
export type { ThetaResult } from './space';
export { MIN_FOLD_DAYS, UTILITY_RISK_AVERSION, backtestWindows, combineWindows, evaluateValues, invalidTheta, meanVarianceUtility, objectiveValue, planFolds, returnsBehind } from './evaluate';
export type { EvaluationContext, EvaluationOutcome, FoldOutcome, FoldPlan, Window, WindowOutcome } from './evaluate';
export { Tuner, bestSoFar, driveSearch, evaluationsTo95, gridPoints, randomPoint } from './search';
export type { BestPoint, Candidate, CandidateSource, DriveHooks, TunerConfig, TunerObservation, TunerOutcome, TunerState } from './search';
export { fitSurrogate, parameterImportance, surrogateSlice } from './surrogate';
export type { ParameterImportance, SurrogatePoint, SurrogateSlice } from './surrogate';
export { deflatedSharpeRatio, expectedMaxStandardNormal } from './deflated';
export type { DeflatedSharpe, DeflatedSharpeInput } from './deflated';
