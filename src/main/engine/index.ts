export * from './linalg';
export { simpleReturns } from './returns';
export { ledoitWolfCovariance, sampleCovariance } from './covariance';
export type { CovarianceEstimate, LedoitWolfEstimate } from './covariance';
export {
  DEFAULT_RISK_BUDGET_MAX_ITERATIONS,
  DEFAULT_RISK_BUDGET_TOLERANCE,
  budgetSpread,
  riskBudgetWeights,
  riskContributions,
} from './riskBudgeting';
export type { RiskBudgetOptions, RiskBudgetResult } from './riskBudgeting';
export { tradeList } from './trades';
export type { Trade, TradeListInput, TradeListResult, TradeSide } from './trades';
export { BASELINE_ENGINE, MIN_OBSERVATIONS, TRADING_DAYS_PER_YEAR, riskParityBaseline } from './baseline';
export type { ProgressCallback, RiskParityBaselineInput, RiskParityBaselineResult } from './baseline';
export * as gp from './gp';
export * as optim from './optim';
export * as bo from './bo';
