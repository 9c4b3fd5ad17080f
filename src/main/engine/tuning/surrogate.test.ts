import { describe, expect, it } from 'vitest';
import type { TuningParameter } from '../../../shared/tuning';
import { createRng } from '../math/random';
import { parameterImportance, surrogateSlice } from './surrogate';

const SPACE: TuningParameter[] = [
  { name: 'riskAversion', type: 'continuous', lower: 1, upper: 100, scale: 'log' },
  { name: 'uncertaintyPenalty', type: 'continuous', lower: 0, upper: 200 },
  { name: 'rebalance.everyDays', type: 'integer', lower: 5, upper: 63 },
];

/** The objective moves with log γ only; κ and the rebalancing interval do nothing. */
function points(count: number) {
  const rng = createRng(4);
  return Array.from({ length: count }, () => {
    const u = rng.next();
    const values = { riskAversion: Math.exp(u * Math.log(100)), uncertaintyPenalty: 200 * rng.next(), 'rebalance.everyDays': 5 + Math.floor(59 * rng.next()) };
    return { values, validation: Math.sin(3 * u) + 0.001 * rng.normal() };
  });
}

describe('the tuning surrogate', () => {
  it('ranks the parameter the objective depends on first; importances sum to 1', () => {
    const importance = parameterImportance(SPACE, points(30), 1);
    expect(importance.map((i) => i.name)).toEqual(SPACE.map((p) => p.name));
    expect(importance.reduce((s, i) => s + i.importance, 0)).toBeCloseTo(1, 12);
    const [gamma, kappa, every] = importance;
    expect(gamma!.importance).toBeGreaterThan(2 * kappa!.importance);
    expect(gamma!.importance).toBeGreaterThan(2 * every!.importance);
    expect(parameterImportance(SPACE, points(2), 1)).toEqual([]);
  });

  it('a slice follows the objective along its parameter, with a band around the mean', () => {
    const data = points(30);
    const slice = surrogateSlice(SPACE, data, { riskAversion: 10, uncertaintyPenalty: 100, 'rebalance.everyDays': 21 }, 'riskAversion', { points: 21, seed: 1 });
    expect(slice.x).toHaveLength(21);
    expect(slice.x[0]).toBe(1);
    expect(slice.x[20]).toBe(100);
    slice.mean.forEach((m, i) => {
      const u = Math.log(slice.x[i] as number) / Math.log(100);
      expect(Math.abs(m - Math.sin(3 * u))).toBeLessThan(0.15);
      expect(slice.lower[i]).toBeLessThanOrEqual(m);
      expect(slice.upper[i]).toBeGreaterThanOrEqual(m);
    });
    const integer = surrogateSlice(SPACE, data, data[0]!.values, 'rebalance.everyDays', { points: 400, seed: 1 });
    expect(integer.x).toEqual(Array.from({ length: 59 }, (_v, k) => 5 + k));
    expect(() => surrogateSlice(SPACE, data, data[0]!.values, 'breaker.warn', { seed: 1 })).toThrow(/"breaker.warn" is not a parameter/);
  });
});
