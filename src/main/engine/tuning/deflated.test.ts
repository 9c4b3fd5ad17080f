import { describe, expect, it } from 'vitest';
import { deflatedSharpeRatio, expectedMaxStandardNormal } from './deflated';

/** N trials whose annualised Sharpe ratios have sample variance `variance` (and mean 0). */
function trialsWithVariance(n: number, variance: number): number[] {
  const spread = Math.sqrt((variance * (n - 1)) / n);
  return Array.from({ length: n }, (_, i) => (i % 2 === 0 ? spread : -spread));
}

describe('deflatedSharpeRatio', () => {
  it("reproduces the paper's numerical example (Bailey & López de Prado 2014: DSR ≈ 0.9004)", () => {
    // 100 trials with V[SRₙ] = 1/2, the best SR 2.5 annualised over 1,250 daily returns (250 a year), γ₃ = −3, γ₄ = 10.
    const dsr = deflatedSharpeRatio({ sharpe: 2.5, trialSharpes: trialsWithVariance(100, 0.5), returns: 1250, periodsPerYear: 250, skewness: -3, kurtosis: 10 });
    expect(dsr!.probability).toBeCloseTo(0.9004, 4);
    // SR₀ ≈ 0.1132 per day in the paper.
    expect(dsr!.benchmark / Math.sqrt(250)).toBeCloseTo(0.1132, 4);
    expect(dsr!.trials).toBe(100);
  });

  it('E[max] of N standard normals is 0 for one trial and close to simulation for many', () => {
    expect(expectedMaxStandardNormal(1)).toBe(0);
    // E[max of N iid N(0,1)] by numerical integration of x·N·φ(x)·Φ(x)^(N−1) (SciPy's quad): the paper's approximation
    // is within 3 % of it from N = 5 on (2.5 % at 5, 2.3 % at 10, 0.9 % at 100, 0.4 % at 1,000) and errs high, so SR₀
    // is if anything too strict.
    for (const [n, exact] of [[5, 1.16296], [10, 1.53875], [100, 2.50759], [1000, 3.24144]] as const) {
      const approx = expectedMaxStandardNormal(n);
      expect(approx).toBeGreaterThan(exact);
      expect((approx - exact) / exact).toBeLessThan(0.03);
    }
  });

  it('falls as more trials are run with the same spread, and rises with the length of the record', () => {
    const base = { sharpe: 1, returns: 750 };
    const few = deflatedSharpeRatio({ ...base, trialSharpes: trialsWithVariance(5, 0.1) })!;
    const many = deflatedSharpeRatio({ ...base, trialSharpes: trialsWithVariance(200, 0.1) })!;
    expect(many.benchmark).toBeGreaterThan(few.benchmark);
    expect(many.probability).toBeLessThan(few.probability);
    const longer = deflatedSharpeRatio({ ...base, returns: 3000, trialSharpes: trialsWithVariance(200, 0.1) })!;
    expect(longer.probability).toBeGreaterThan(many.probability);
  });

  it('with one trial it is the probabilistic Sharpe ratio against 0', () => {
    // SR 1 annualised over 252 daily returns, normal: z = (1/√252)·√251 / √(1 + 1/(2·252)).
    const dsr = deflatedSharpeRatio({ sharpe: 1, trialSharpes: [1], returns: 252 })!;
    expect(dsr.benchmark).toBe(0);
    const sr = 1 / Math.sqrt(252);
    const z = (sr * Math.sqrt(251)) / Math.sqrt(1 + (sr * sr) / 2);
    expect(dsr.probability).toBeCloseTo(0.5 * (1 + erf(z / Math.SQRT2)), 10);
  });

  it('a result at the skill-free benchmark scores one half; below it, less', () => {
    const trials = trialsWithVariance(50, 0.3);
    const benchmark = deflatedSharpeRatio({ sharpe: 0, trialSharpes: trials, returns: 1000 })!.benchmark;
    expect(deflatedSharpeRatio({ sharpe: benchmark, trialSharpes: trials, returns: 1000 })!.probability).toBeCloseTo(0.5, 12);
    expect(deflatedSharpeRatio({ sharpe: benchmark / 2, trialSharpes: trials, returns: 1000 })!.probability).toBeLessThan(0.5);
  });

  it('is null when it cannot be computed', () => {
    expect(deflatedSharpeRatio({ sharpe: Number.NaN, trialSharpes: [1], returns: 100 })).toBeNull();
    expect(deflatedSharpeRatio({ sharpe: 1, trialSharpes: [1], returns: 1 })).toBeNull();
    expect(deflatedSharpeRatio({ sharpe: 1, trialSharpes: [], returns: 100 })).toBeNull();
    // Skew so large that the estimator's variance would be negative.
    expect(deflatedSharpeRatio({ sharpe: 100, trialSharpes: [1, 2], returns: 100, skewness: 50 })).toBeNull();
  });
});

/** erf by its Taylor series (full precision for the |x| < 3 used here): an independent check of the Φ used. */
function erf(x: number): number {
  let sum = x;
  let term = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}
