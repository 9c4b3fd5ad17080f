import { describe, expect, it } from 'vitest';
import { BayesianOptimizer } from './optimizer';
import { FAST, run } from './optimizerTestSupport';

describe('BayesianOptimizer on discrete parameters', () => {
  it('asks only integers on a 1-D integer problem, never repeats one, and finds the minimum', () => {
    const optimizer = new BayesianOptimizer({
      space: [{ name: 'k', type: 'integer', lower: 0, upper: 40 }],
      seed: 1,
      direction: 'minimize',
      ...FAST,
    });
    // Bumpy: a parabola around 27 plus sin(k), so the best integer (29) is not the parabola's vertex.
    const f = (k: number) => (k - 27) ** 2 / 10 + Math.sin(k);
    const asked = run(optimizer, 15, (p) => f(p.k as number));
    const ks = asked.map((s) => s.params.k as number);
    expect(ks.every(Number.isInteger)).toBe(true);
    expect(new Set(ks).size).toBe(ks.length);
    const argmin = Array.from({ length: 41 }, (_, k) => k).reduce((a, b) => (f(b) < f(a) ? b : a));
    expect(argmin).toBe(29);
    expect(optimizer.best()!.params.k).toBe(argmin);
  });

  it('stops asking when a finite space is used up', () => {
    const optimizer = new BayesianOptimizer({
      space: [{ name: 'k', type: 'integer', lower: 1, upper: 5 }],
      seed: 3,
      direction: 'maximize',
      initialDesign: 2,
      ...FAST,
    });
    const asked = run(optimizer, 10, (p) => -(((p.k as number) - 2) ** 2));
    expect(asked.map((s) => s.params.k).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(optimizer.ask()).toEqual([]);
    expect(optimizer.best()!.params.k).toBe(2);
  });

  it('handles a mixed categorical, integer and log-scale space', () => {
    const cost: Record<string, number> = { sample: 1, 'ledoit-wolf': 0, oas: 0.5 };
    const optimizer = new BayesianOptimizer({
      space: [
        { name: 'estimator', type: 'categorical', choices: ['sample', 'ledoit-wolf', 'oas'] },
        { name: 'lookback', type: 'integer', lower: 1, upper: 12 },
        { name: 'rate', type: 'continuous', lower: 1e-4, upper: 1, scale: 'log' },
      ],
      seed: 5,
      direction: 'minimize',
      ...FAST,
    });
    const asked = run(
      optimizer,
      30,
      (p) => cost[p.estimator as string]! + 0.1 * ((p.lookback as number) - 7) ** 2 + (Math.log10(p.rate as number) + 2) ** 2,
    );
    for (const s of asked) {
      expect(['sample', 'ledoit-wolf', 'oas']).toContain(s.params.estimator);
      expect(Number.isInteger(s.params.lookback)).toBe(true);
    }
    const keys = asked.map((s) => JSON.stringify(s.params));
    expect(new Set(keys).size).toBe(keys.length);
    const best = optimizer.best()!;
    expect(best.params.estimator).toBe('ledoit-wolf');
    expect(best.value).toBeLessThan(0.3);
  });
});
