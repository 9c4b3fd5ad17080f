import { describe, expect, it } from 'vitest';
import { confidenceBound, gpUcbBeta, logExpectedImprovement, logProbabilityOfFeasibility } from './acquisition';
import { expectedImprovementDirect } from './normal';

function finiteDifference(f: (x: number) => number, x: number, h = 1e-6): number {
  return (f(x + h) - f(x - h)) / (2 * h);
}

describe('log expected improvement', () => {
  it('equals log EI computed directly for a representable EI', () => {
    for (const [mean, variance, incumbent] of [
      [0, 1, 0],
      [1.3, 0.25, 0.2],
      [-2, 4, 1],
      [0.5, 1e-4, 0.49],
    ] as const) {
      const direct = expectedImprovementDirect(mean, Math.sqrt(variance), incumbent);
      expect(logExpectedImprovement(mean, variance, incumbent).value).toBeCloseTo(Math.log(direct), 11);
    }
  });

  it('has the analytic derivatives in mean and variance', () => {
    for (const [mean, variance, incumbent] of [
      [0.3, 0.8, 0],
      [5, 0.01, 0], // deep in the tail: z = −50
      [-1, 2, 0.5],
    ] as const) {
      const a = logExpectedImprovement(mean, variance, incumbent);
      const dMean = finiteDifference((m) => logExpectedImprovement(m, variance, incumbent).value, mean, 1e-6);
      const dVariance = finiteDifference((v) => logExpectedImprovement(mean, v, incumbent).value, variance, 1e-7 * variance);
      expect(a.dMean).toBeCloseTo(dMean, 4);
      expect(Math.abs(a.dVariance - dVariance)).toBeLessThan(1e-4 * Math.max(1, Math.abs(dVariance)));
    }
  });

  it('ranks points sensibly where plain EI is 0 for all of them', () => {
    // Both have EI underflowing to exactly 0, yet the closer mean must score higher.
    expect(expectedImprovementDirect(60, 1, 0)).toBe(0);
    expect(expectedImprovementDirect(80, 1, 0)).toBe(0);
    expect(logExpectedImprovement(60, 1, 0).value).toBeGreaterThan(logExpectedImprovement(80, 1, 0).value);
    // More uncertainty is worth more when the mean is worse than the incumbent.
    expect(logExpectedImprovement(60, 4, 0).value).toBeGreaterThan(logExpectedImprovement(60, 1, 0).value);
  });

  it('stays finite at a zero-variance point', () => {
    expect(Number.isFinite(logExpectedImprovement(1, 0, 0).value)).toBe(true);
    expect(logExpectedImprovement(-1, 0, 0).value).toBeCloseTo(Math.log(1), 8);
  });
});

describe('GP-UCB', () => {
  it('trades mean against standard deviation by √β', () => {
    const beta = 4;
    expect(confidenceBound(1, 1, beta).value).toBeCloseTo(-1 + 2, 14);
    expect(confidenceBound(0, 1, beta).value).toBeGreaterThan(confidenceBound(1, 1, beta).value);
    expect(confidenceBound(1, 4, beta).value).toBeGreaterThan(confidenceBound(1, 1, beta).value);
    const d = confidenceBound(0.2, 0.3, beta);
    expect(d.dVariance).toBeCloseTo(finiteDifference((v) => confidenceBound(0.2, v, beta).value, 0.3), 6);
  });

  it('β_t grows like log t and with the dimension (Srinivas et al. 2010)', () => {
    const b = [1, 2, 10, 100, 1000].map((t) => gpUcbBeta(t, 3));
    for (let i = 1; i < b.length; i++) expect(b[i]!).toBeGreaterThan(b[i - 1]!);
    expect(gpUcbBeta(10, 6)).toBeGreaterThan(gpUcbBeta(10, 2));
    // Unscaled at t = 1, d = 2: 2 log(π²/(3·0.1)).
    expect(gpUcbBeta(1, 2, { scale: 1 })).toBeCloseTo(2 * Math.log((Math.PI * Math.PI) / 0.3), 12);
  });
});

describe('probability of feasibility', () => {
  it('is ½ at the prior, near 1 next to feasible points, near 0 next to infeasible ones', () => {
    expect(Math.exp(logProbabilityOfFeasibility(0, 1).value)).toBeCloseTo(0.5, 12);
    expect(Math.exp(logProbabilityOfFeasibility(1, 1e-4).value)).toBeGreaterThan(0.97);
    expect(Math.exp(logProbabilityOfFeasibility(-1, 1e-4).value)).toBeLessThan(0.03);
  });

  it('has the analytic derivatives', () => {
    const a = logProbabilityOfFeasibility(-0.4, 0.3);
    expect(a.dMean).toBeCloseTo(finiteDifference((m) => logProbabilityOfFeasibility(m, 0.3).value, -0.4), 6);
    expect(a.dVariance).toBeCloseTo(finiteDifference((v) => logProbabilityOfFeasibility(-0.4, v).value, 0.3), 6);
  });
});
