import { describe, expect, it } from 'vitest';
import { BayesianOptimizer, type BayesianOptimizerOptions } from './optimizer';
import { FAST, run } from './optimizerTestSupport';
import type { ParameterValues } from './space';

/** A broad local basin (−1 at (0.7, 0.7)) and a narrow global one (−1.3 at (0.15, 0.15)). */
const twoBasins = (p: ParameterValues) => {
  const x = p.x as number;
  const y = p.y as number;
  return -Math.exp(-((x - 0.7) ** 2 + (y - 0.7) ** 2) / (2 * 0.2 ** 2)) - 1.3 * Math.exp(-((x - 0.15) ** 2 + (y - 0.15) ** 2) / (2 * 0.07 ** 2));
};
const options: BayesianOptimizerOptions = {
  space: [
    { name: 'x', type: 'continuous', lower: 0, upper: 1 },
    { name: 'y', type: 'continuous', lower: 0, upper: 1 },
  ],
  seed: 1,
  direction: 'minimize',
  ...FAST,
};

describe('BayesianOptimizer basin escape', () => {
  it('leaves an exhausted broad basin and finds the narrow global one more often than log EI alone', () => {
    const found = (basinEscape: boolean) => {
      let count = 0;
      for (let seed = 1; seed <= 10; seed++) {
        const asked = run(new BayesianOptimizer({ ...options, seed, basinEscape }), 40, twoBasins);
        if (asked.some((s) => twoBasins(s.params) < -1.05)) count++;
      }
      return count;
    };
    // Measured: 1 of 10 without, 10 of 10 with (5 with the escape's settings before the local box).
    expect(found(false)).toBeLessThanOrEqual(2);
    expect(found(true)).toBeGreaterThanOrEqual(8);
  });

  it('asks as log EI does until the basin is exhausted, and resumes from JSON exactly', () => {
    const escaping = { ...options, seed: 2, basinEscape: { patience: 5 } };
    const reference = run(new BayesianOptimizer(escaping), 36, twoBasins);
    const plain = run(new BayesianOptimizer({ ...options, seed: 2 }), 36, twoBasins);
    const firstDifference = reference.findIndex((s, i) => JSON.stringify(s.params) !== JSON.stringify(plain[i]!.params));
    // The design (5 points) and at least `patience` model points are shared; the escape changes the rest.
    expect(firstDifference).toBeGreaterThanOrEqual(10);

    const first = new BayesianOptimizer(escaping);
    const before = run(first, firstDifference + 2, twoBasins);
    const resumed = BayesianOptimizer.fromJSON(JSON.parse(JSON.stringify(first.toJSON())));
    const after = run(resumed, 36 - before.length, twoBasins);
    expect([...before, ...after]).toEqual(reference);
  });

  it('saves its settings as resolved, and resumes a state saved without them under the settings it ran with', () => {
    const saved = (o: BayesianOptimizer) => JSON.parse(JSON.stringify(o.toJSON()));
    expect(saved(new BayesianOptimizer({ ...options, basinEscape: { radius: 2 } })).options.basinEscape).toEqual({
      patience: 8,
      threshold: 0.02,
      radius: 2,
      side: 0.3,
      minGain: 1,
      rawSamples: 256,
      restarts: 4,
      model: 'outside',
    });
    expect(saved(new BayesianOptimizer(options)).options.basinEscape).toBeUndefined();

    // A run saved before the settings were written: `basinEscape: true` meant the older defaults (and the objective's model).
    const legacy = { ...options, seed: 3, basinEscape: { patience: 5, threshold: 0.001, radius: 1, side: 0.3, minGain: 1e-3, model: 'all' as const } };
    const reference = run(new BayesianOptimizer(legacy), 36, twoBasins);
    const first = new BayesianOptimizer(legacy);
    const before = run(first, 20, twoBasins);
    const state = saved(first);
    state.options.basinEscape = true;
    const resumed = BayesianOptimizer.fromJSON(state);
    expect(saved(resumed).options.basinEscape).toEqual(saved(first).options.basinEscape);
    expect([...before, ...run(resumed, 16, twoBasins)]).toEqual(reference);
    // Under today's defaults the same run goes elsewhere: the rule above is what keeps it.
    expect(run(new BayesianOptimizer({ ...legacy, basinEscape: true }), 36, twoBasins)).not.toEqual(reference);
  });

  it("resumes a state that wrote every setting but the escape's model with the objective's model, as it ran", () => {
    const saved = (o: BayesianOptimizer) => JSON.parse(JSON.stringify(o.toJSON()));
    // Settings as a state saved before `model` existed wrote them: the escape ran on the objective's model.
    const before = { ...options, seed: 2, basinEscape: { patience: 5, threshold: 0.02, radius: 1.5, side: 0.3, minGain: 1, rawSamples: 256, restarts: 4, model: 'all' as const } };
    const reference = run(new BayesianOptimizer(before), 36, twoBasins);
    // The escape's own model changes the run: without that, this test could not tell the two apart.
    expect(run(new BayesianOptimizer({ ...before, basinEscape: { ...before.basinEscape, model: 'outside' } }), 36, twoBasins)).not.toEqual(reference);
    const first = new BayesianOptimizer(before);
    const asked = run(first, 20, twoBasins);
    const state = saved(first);
    delete state.options.basinEscape.model;
    const resumed = BayesianOptimizer.fromJSON(state);
    expect(saved(resumed).options.basinEscape.model).toBe('all');
    expect([...asked, ...run(resumed, 16, twoBasins)]).toEqual(reference);
  });

  it("spreads a batch asked during an escape: the escape's own model believes each point chosen before the next", () => {
    // Measured: the closest two of each batch 0.079–1.0 apart over these seeds; 0.005 (seed 4) when the escape's
    // model does not take in the points chosen before.
    for (let seed = 1; seed <= 6; seed++) {
      const optimizer = new BayesianOptimizer({ ...options, seed, basinEscape: { patience: 5 } });
      run(optimizer, 20, twoBasins);
      const points = optimizer.ask(3).map((s) => [s.params.x as number, s.params.y as number] as const);
      let closest = Infinity;
      for (let i = 0; i < points.length; i++) {
        for (let j = i + 1; j < points.length; j++) closest = Math.min(closest, Math.hypot(points[i]![0] - points[j]![0], points[i]![1] - points[j]![1]));
      }
      expect(points).toHaveLength(3);
      expect(closest, `seed ${seed}`).toBeGreaterThan(0.05);
    }
  });

  it('rejects bad escape settings', () => {
    expect(() => new BayesianOptimizer({ ...options, basinEscape: { patience: 0 } })).toThrow(/not valid/);
    expect(() => new BayesianOptimizer({ ...options, basinEscape: { radius: -1 } })).toThrow(/not valid/);
    expect(() => new BayesianOptimizer({ ...options, basinEscape: { model: 'nearby' as 'all' } })).toThrow(/not valid/);
  });
});
