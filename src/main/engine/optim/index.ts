export { minimize, projectedGradientNorm } from './lbfgsb';
export type { MinimizeOptions, MinimizeResult, Objective } from './lbfgsb';
