export { indexAtOrBefore } from './panel';
export type { PricePanel } from './panel';
export { simpleReturns } from './returns';
export {
  DEFAULT_FEATURE_SETTINGS,
  computeFeatures,
  featureLookback,
  featureNames,
  forwardLogReturns,
  resolveFeatureSettings,
} from './features';
export type { FeaturePanel, FeatureSettings } from './features';
