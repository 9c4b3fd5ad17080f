import { describe, expect, it } from 'vitest';
import { ackley5, branin, hartmann6, withNoise } from './testFunctions';

describe('test functions', () => {
  it('reach their published minima', () => {
    expect(branin.evaluate([Math.PI, 2.275])).toBeCloseTo(0.397887, 6);
    expect(branin.evaluate([-Math.PI, 12.275])).toBeCloseTo(0.397887, 6);
    expect(branin.evaluate([9.42478, 2.475])).toBeCloseTo(0.397887, 6);
    expect(hartmann6.evaluate(hartmann6.optimum)).toBeCloseTo(-3.32237, 5);
    expect(ackley5.evaluate(ackley5.optimum)).toBeCloseTo(0, 14);
    expect(ackley5.lower).toEqual([-5, -5, -5, -5, -5]);
  });

  it('noisy variants are seeded and keep the noise-free function', () => {
    const a = withNoise(hartmann6, 0.1, 3);
    const b = withNoise(hartmann6, 0.1, 3);
    const x = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6];
    const draws = [a.evaluate(x), a.evaluate(x)];
    expect([b.evaluate(x), b.evaluate(x)]).toEqual(draws);
    expect(draws[0]).not.toBe(draws[1]);
    expect(a.evaluateNoiseFree(x)).toBe(hartmann6.evaluate(x));
    expect(a.name).toBe('hartmann6-noisy');
  });
});
