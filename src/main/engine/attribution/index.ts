/** Attribution of a proposal's weight changes: exact grouped Shapley values (shapley.ts). */
export { MAX_SHAPLEY_GROUPS, groupedShapley } from './shapley';
export type { GroupedShapleyResult } from './shapley';
