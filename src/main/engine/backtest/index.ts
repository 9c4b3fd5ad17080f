export { panelUpTo, runBacktest } from './backtest';
export type {
  BacktestDay,
  BacktestOptions,
  BacktestProgress,
  BacktestRebalance,
  BacktestResult,
  BacktestStrategy,
  RebalanceDecision,
} from './backtest';
export { maxDrawdownOf, performanceMetrics, yearsBetween } from './metrics';
export type { PerformanceMetrics, TradingTotals } from './metrics';
export { BASELINE_NAMES, baselineStrategies, baselineStrategy } from './baselines';
export type { BaselineName, BaselineSettings } from './baselines';
export { equalWeightIndex, findStressWindows, windowDrawdown } from './stress';
export type { StressWindow } from './stress';
