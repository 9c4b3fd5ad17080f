/**
 * The circuit breaker: a certainty score from the forecasts' epistemic spread against its own trailing history,
 * and a NORMAL / CAUTION / DE_RISKED state machine with hysteresis and dwell that scales risky exposure toward
 * cash. The metric and the rules are documented in breaker.ts.
 */
export {
  DEFAULT_CERTAINTY_MIN_OBSERVATIONS,
  applyExposure,
  breakerExposure,
  certaintyScores,
  describeBreaker,
  portfolioEpistemicSpread,
  runBreaker,
  stepBreaker,
} from './breaker';
export type { BreakerStatus, BreakerStep, CertaintyOptions } from './breaker';
