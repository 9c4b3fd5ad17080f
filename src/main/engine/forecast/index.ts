export { forecastAtOrBefore } from './types';
export type { ForecastSet, ForecastSlice } from './types';
export {
  WALK_FORWARD_PROTOCOL,
  decodeForecastModel,
  encodeForecastModel,
  predictAt,
  realisedCoverage,
  sampleStep,
  walkForwardConfigKey,
  walkForwardForecasts,
} from './walkForward';
export type {
  ForecastModelHeader,
  PredictAtResult,
  WalkForwardCheckpoint,
  WalkForwardOptions,
  WalkForwardResult,
  WalkForwardSummary,
} from './walkForward';
