import { describe, expect, it } from 'vitest';
import { BayesianOptimizer } from './optimizer';
import { FAST, braninOf, run } from './optimizerTestSupport';
import type { ParameterValues } from './space';
import { branin, problemSpace } from './testFunctions';

describe('BayesianOptimizer with unknown constraints', () => {
  // Branin on its box, infeasible where x1 + x2/1.5 > 7 (the upper-right part, about a third of the box).
  const infeasible = (p: ParameterValues) => (p.x1 as number) + (p.x2 as number) / 1.5 > 7;

  it('learns to avoid the infeasible region and recommends a feasible point', () => {
    const optimizer = new BayesianOptimizer({ space: problemSpace(branin), seed: 2, direction: 'minimize', initialDesign: 6, ...FAST });
    const asked = run(optimizer, 30, (p) => (infeasible(p) ? null : braninOf(p)));
    const modelPhase = asked.slice(12);
    const infeasibleShare = modelPhase.filter((s) => infeasible(s.params)).length / modelPhase.length;
    expect(infeasibleShare).toBeLessThan(0.2);
    const best = optimizer.best()!;
    expect(infeasible(best.params)).toBe(false);
    expect(best.value - branin.optimumValue).toBeLessThan(0.5);
  });

  it('keeps exploring, without repeats, while nothing feasible is known', () => {
    const optimizer = new BayesianOptimizer({
      space: [
        { name: 'a', type: 'continuous', lower: 0, upper: 1 },
        { name: 'b', type: 'continuous', lower: 0, upper: 1 },
      ],
      seed: 4,
      direction: 'minimize',
      initialDesign: 3,
      ...FAST,
    });
    // Feasible only in a small corner: 4 % of the box.
    const asked = run(optimizer, 25, (p) => ((p.a as number) < 0.2 && (p.b as number) < 0.2 ? (p.a as number) + (p.b as number) : null));
    const keys = asked.map((s) => JSON.stringify(s.params));
    expect(new Set(keys).size).toBe(keys.length);
    expect(asked.some((s) => s.source === 'feasibility')).toBe(true);
    expect(optimizer.best()).toBeDefined();
  });
});
