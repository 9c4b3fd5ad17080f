/**
 * The reference allocation problems solved by cvxopt (bench/reference/allocator_cvxopt.py writes
 * `__fixtures__/allocator-cvxopt.json`): their JSON shape and the problem each case describes. Read by the allocator's
 * tests and by the allocator bench, which compare Ballast's solution with cvxopt's.
 */
import { ConstraintSettings, type StrategyParametersInput } from '../../../shared/strategy';
import { matrixFromRows } from '../math/linalg';
import type { AllocationProblem } from './allocator';

export interface CvxoptFixtureCase {
  name: string;
  tickers: string[];
  assetClasses: string[] | null;
  current: number[];
  anchor: number[];
  expectedReturns: number[];
  epistemicVariance: number[];
  covariance: number[][];
  horizonDays: number;
  riskAversion: number;
  uncertaintyPenalty: number;
  trackingErrorBudget: number;
  costs: { bpsPerSide: number; impactCoefficient: number; dailyVolatility?: number[]; adv?: number[]; portfolioValue?: number };
  constraints: NonNullable<StrategyParametersInput['constraints']>;
  investable: boolean[] | null;
  expected: { weights: number[]; trackingError: number; turnover: number; expectedCost: number; objective: number; polish: { applied: boolean } };
}

export function problemFromCvxoptCase(c: CvxoptFixtureCase): AllocationProblem {
  return {
    tickers: c.tickers,
    assetClasses: c.assetClasses ?? undefined,
    current: Float64Array.from(c.current),
    anchor: Float64Array.from(c.anchor),
    expectedReturns: Float64Array.from(c.expectedReturns),
    epistemicVariance: Float64Array.from(c.epistemicVariance),
    covariance: matrixFromRows(c.covariance),
    horizonDays: c.horizonDays,
    riskAversion: c.riskAversion,
    uncertaintyPenalty: c.uncertaintyPenalty,
    trackingErrorBudget: c.trackingErrorBudget,
    costs: {
      bpsPerSide: c.costs.bpsPerSide,
      impactCoefficient: c.costs.impactCoefficient,
      dailyVolatility: c.costs.dailyVolatility && Float64Array.from(c.costs.dailyVolatility),
      adv: c.costs.adv && Float64Array.from(c.costs.adv),
      portfolioValue: c.costs.portfolioValue,
    },
    constraints: ConstraintSettings.parse(c.constraints),
    investable: c.investable ?? undefined,
  };
}
