export {
  IMPACT_REFERENCE_TRADE,
  allocate,
  minimumVarianceWeights,
  type AllocateOptions,
  type AllocationCosts,
  type AllocationProblem,
  type AllocationResult,
  type QpSolverName,
} from './allocator';
export { anchorWithinLimits } from './anchor';
export { applyRebalanceBands, type BandTarget, type BandedWeights } from './bands';
export { solveQuadraticProgram, sparseConstraints, type QpResult, type SparseConstraints } from './goldfarbIdnani';
export { tradeList, type Trade, type TradeListInput, type TradeListResult, type TradeSide } from './trades';
