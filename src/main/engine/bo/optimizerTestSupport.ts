/** Shared by the optimizer test files (split so vitest can run them in parallel). */
import type { BayesianOptimizer, Suggestion } from './optimizer';
import type { ParameterValues } from './space';
import { branin, problemPoint } from './testFunctions';

/** Cheaper inner loops than the defaults keep the whole suite fast; the benchmark uses the defaults. */
export const FAST = { rawSamples: 256, acquisitionRestarts: 3, gpRestarts: 1 } as const;

/** Asks and tells until `evaluations` points were evaluated; `f` returns null for an infeasible point. */
export function run(optimizer: BayesianOptimizer, evaluations: number, f: (p: ParameterValues) => number | null): Suggestion[] {
  const asked: Suggestion[] = [];
  while (asked.length < evaluations) {
    const batch = optimizer.ask();
    if (batch.length === 0) break;
    for (const s of batch) {
      asked.push(s);
      const value = f(s.params);
      optimizer.tell(s.id, value === null ? { infeasible: true } : { value });
    }
  }
  return asked;
}

export const braninOf = (p: ParameterValues) => branin.evaluate(problemPoint(branin, p));
