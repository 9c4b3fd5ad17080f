import { describe, expect, it } from 'vitest';
import { normalCdf } from './gaussian';
import { gaussianCrps, gaussianNll, intervalCoverage, mixtureCrps, mixtureNll } from './scoring';

/** CRPS by its definition, ∫ F(x)² dx below y + ∫ (1 − F(x))² dx above y, Simpson's rule on each side. */
function crpsByIntegration(y: number, cdf: (x: number) => number, lo: number, hi: number): number {
  const simpson = (f: (x: number) => number, a: number, b: number) => {
    const steps = 20_000;
    const h = (b - a) / steps;
    let acc = f(a) + f(b);
    for (let i = 1; i < steps; i++) acc += (i % 2 === 1 ? 4 : 2) * f(a + i * h);
    return (acc * h) / 3;
  };
  return simpson((x) => cdf(x) ** 2, lo, y) + simpson((x) => (1 - cdf(x)) ** 2, y, hi);
}

describe('scoring rules', () => {
  it('Gaussian NLL is the negative log density', () => {
    expect(gaussianNll(1, 0, 4)).toBeCloseTo(0.5 * Math.log(2 * Math.PI * 4) + 1 / 8, 14);
  });

  it('Gaussian CRPS matches its defining integral', () => {
    for (const [y, m, v] of [
      [0.3, 0, 1],
      [-2, 1, 0.25],
      [5, 5, 9],
    ] as const) {
      const numeric = crpsByIntegration(y, (x) => normalCdf((x - m) / Math.sqrt(v)), m - 12 * Math.sqrt(v) - 5, m + 12 * Math.sqrt(v) + 5);
      expect(gaussianCrps(y, m, v)).toBeCloseTo(numeric, 6);
    }
  });

  it('mixture scores reduce to the Gaussian ones for one component', () => {
    expect(mixtureCrps(0.7, [0.1], [2], 1)).toBeCloseTo(gaussianCrps(0.7, 0.1, 2), 13);
    expect(mixtureNll(0.7, [0.1], [2], 1)).toBeCloseTo(gaussianNll(0.7, 0.1, 2), 13);
  });

  it('mixture CRPS matches its defining integral', () => {
    const means = [-1, 0.5, 2];
    const variances = [0.3, 1, 0.1];
    const cdf = (x: number) => means.reduce((a, m, k) => a + normalCdf((x - m) / Math.sqrt(variances[k]!)), 0) / 3;
    for (const y of [-3, 0, 1.9]) expect(mixtureCrps(y, means, variances, 3)).toBeCloseTo(crpsByIntegration(y, cdf, -15, 15), 6);
  });

  it('mixture NLL stays finite far in the tail', () => {
    expect(Number.isFinite(mixtureNll(60, [0, 1], [0.01, 0.02], 2))).toBe(true);
  });

  it('counts coverage with both ends included', () => {
    expect(intervalCoverage([0, 1, 2, 3], [0, 0, 0, 0], [1, 1, 1, 1])).toBe(0.5);
  });
});
