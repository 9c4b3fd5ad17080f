/**
 * Risk models: covariance estimators (Ledoit–Wolf shrinkage, EWMA), risk budgeting (the ERC anchor) and Euler
 * risk contributions.
 */
export { ledoitWolfCovariance, sampleCovariance } from './covariance';
export type { CovarianceEstimate, LedoitWolfEstimate } from './covariance';
export { ewmaCovariance, ewmaWeights } from './ewma';
export type { EwmaMean, EwmaOptions } from './ewma';
export {
  DEFAULT_RISK_BUDGET_MAX_ITERATIONS,
  DEFAULT_RISK_BUDGET_TOLERANCE,
  budgetSpread,
  riskBudgetWeights,
  riskContributions,
} from './riskBudgeting';
export type { RiskBudgetOptions, RiskBudgetResult } from './riskBudgeting';
export { eulerRiskContributions } from './euler';
