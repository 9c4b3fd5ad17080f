import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BallastError } from '../../../shared/errors';
import { type ParameterSpec, SearchSpace, encodedDistance } from './space';

const mixed: ParameterSpec[] = [
  { name: 'lookback', type: 'integer', lower: 20, upper: 250 },
  { name: 'riskAversion', type: 'continuous', lower: 1e-3, upper: 10, scale: 'log' },
  { name: 'turnoverCap', type: 'continuous', lower: 0, upper: 0.5 },
  { name: 'estimator', type: 'categorical', choices: ['sample', 'ledoit-wolf', 'oas'] },
  { name: 'rebalanceDays', type: 'integer', lower: 1, upper: 64, scale: 'log' },
];

describe('search space encoding', () => {
  const space = new SearchSpace(mixed);

  it('lays out one coordinate per numeric parameter and a one-hot block per categorical', () => {
    expect(space.dimension).toBe(1 + 1 + 1 + 3 + 1);
    expect(Array.from(space.continuousCoordinates)).toEqual([1, 2]);
    expect(space.hasDiscreteParameters).toBe(true);
  });

  it('decodes any snapped point to valid values that encode back to the same point', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 7, maxLength: 7 }), (raw) => {
        const snapped = space.snap(Float64Array.from(raw));
        const values = space.decode(snapped);
        expect(Number.isInteger(values.lookback)).toBe(true);
        expect(Number.isInteger(values.rebalanceDays)).toBe(true);
        expect(['sample', 'ledoit-wolf', 'oas']).toContain(values.estimator);
        expect(values.riskAversion).toBeGreaterThanOrEqual(1e-3);
        expect(values.riskAversion).toBeLessThanOrEqual(10);
        expect(encodedDistance(space.encode(values), snapped)).toBeLessThan(1e-12);
        // Snapping is idempotent: the model never sees an in-between value.
        expect(space.snap(snapped)).toEqual(snapped);
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  it('maps log-scale values through the logarithm', () => {
    const values = space.decode(space.snap(Float64Array.from([0, 0.5, 0, 1, 0, 0, 0])));
    expect(values.riskAversion).toBeCloseTo(Math.sqrt(1e-3 * 10), 12);
  });

  it('gives every integer an equal share of the raw coordinate on a linear scale', () => {
    const s = new SearchSpace([{ name: 'k', type: 'integer', lower: 0, upper: 3 }]);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 400; i++) counts[s.decode(s.snap(Float64Array.of((i + 0.5) / 400))).k as number]!++;
    expect(counts).toEqual([100, 100, 100, 100]);
  });

  it('lists discrete neighbours: integers ±1 within bounds, every other category', () => {
    const s = new SearchSpace([
      { name: 'k', type: 'integer', lower: 0, upper: 5 },
      { name: 'c', type: 'categorical', choices: ['a', 'b', 'c'] },
      { name: 'x', type: 'continuous', lower: 0, upper: 1 },
    ]);
    const at = s.encode({ k: 0, c: 'b', x: 0.3 });
    const neighbours = s.discreteNeighbours(at).map((p) => s.decode(p));
    expect(neighbours).toEqual([
      { k: 1, c: 'b', x: 0.3 },
      { k: 0, c: 'a', x: 0.3 },
      { k: 0, c: 'c', x: 0.3 },
    ]);
    expect(s.cardinality).toBe(Infinity);
    expect(new SearchSpace([mixed[0]!, mixed[3]!]).cardinality).toBe(231 * 3);
  });

  it('refuses bad definitions and values with plain messages', () => {
    expect(() => new SearchSpace([])).toThrow(BallastError);
    expect(() => new SearchSpace([{ name: 'a', type: 'continuous', lower: 1, upper: 1 }])).toThrow(/lower bound/);
    expect(() => new SearchSpace([{ name: 'a', type: 'continuous', lower: 0, upper: 1, scale: 'log' }])).toThrow(/log scale/);
    expect(() => new SearchSpace([{ name: 'a', type: 'integer', lower: 0.5, upper: 3 }])).toThrow(BallastError);
    expect(() => new SearchSpace([mixed[0]!, mixed[0]!])).toThrow(/twice/);
    expect(() => space.encode({ ...space.decode(space.snap(new Float64Array(7))), lookback: 20.5 })).toThrow(/whole number/);
    expect(() => space.encode({ ...space.decode(space.snap(new Float64Array(7))), estimator: 'svd' })).toThrow(/choices/);
    expect(() => space.encode({ lookback: 30 })).toThrow(/missing/);
  });

  it('restricts to guardrail limits and refuses an empty intersection', () => {
    const narrowed = space.restrict({ lookback: { lower: 60.5, upper: 120 }, estimator: { allowed: ['oas', 'sample'] } });
    expect(narrowed.parameters[0]).toMatchObject({ lower: 61, upper: 120 });
    expect(narrowed.parameters[3]).toMatchObject({ choices: ['sample', 'oas'] });
    expect(narrowed.dimension).toBe(space.dimension - 1);
    expect(() => space.restrict({ turnoverCap: { lower: 0.6 } })).toThrow(/empty range/);
    expect(() => space.restrict({ nope: { lower: 0 } })).toThrow(/not a parameter/);
  });
});
