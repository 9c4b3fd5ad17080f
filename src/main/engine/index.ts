export * from './math/linalg';
export { simpleReturns } from './features/returns';
export { ledoitWolfCovariance, sampleCovariance } from './risk/covariance';
export type { CovarianceEstimate, LedoitWolfEstimate } from './risk/covariance';
export {
  DEFAULT_RISK_BUDGET_MAX_ITERATIONS,
  DEFAULT_RISK_BUDGET_TOLERANCE,
  budgetSpread,
  riskBudgetWeights,
  riskContributions,
} from './risk/riskBudgeting';
export type { RiskBudgetOptions, RiskBudgetResult } from './risk/riskBudgeting';
export { tradeList } from './allocate/trades';
export type { Trade, TradeListInput, TradeListResult, TradeSide } from './allocate/trades';
export { BASELINE_ENGINE, MIN_OBSERVATIONS, TRADING_DAYS_PER_YEAR, riskParityBaseline } from './strategy/baseline';
export type { ProgressCallback, RiskParityBaselineInput, RiskParityBaselineResult } from './strategy/baseline';
export * as gp from './gp';
export * as optim from './optim';
export * as bo from './bo';
