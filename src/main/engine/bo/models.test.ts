import { describe, expect, it } from 'vitest';
import { logPriorInLogSpace } from '../gp';
import { matrixFromData } from '../math/linalg';
import { createRng } from '../math/random';
import { fitObjectiveModel, lengthscalePrior } from './models';
import { hartmann6 } from './testFunctions';

describe('lengthscale priors', () => {
  it('dimension-scaled: BoTorch’s LogNormal(√2 + ln(d)/2, √3) restated with the Jacobian (our μ = theirs − σ²)', () => {
    for (const d of [1, 2, 6, 20]) {
      const prior = lengthscalePrior('dimension-scaled', d);
      expect(prior).toEqual({ kind: 'lognormal', mu: Math.SQRT2 + 0.5 * Math.log(d) - 3, sigma: Math.sqrt(3) });
      // BoTorch maximises log p_θ(e^u) = −(u − m)²/(2σ²) − u (m = √2 + ln(d)/2); ours must peak at the same u.
      const m = Math.SQRT2 + 0.5 * Math.log(d);
      const botorchPeak = m - 3;
      expect(Math.abs(logPriorInLogSpace(prior, botorchPeak).derivative)).toBeLessThan(1e-12);
    }
    // The mode grows with the dimension: half the unit box in 6-D.
    const sixD = lengthscalePrior('dimension-scaled', 6) as { mu: number };
    expect(Math.exp(sixD.mu)).toBeCloseTo(0.5, 1);
    expect(lengthscalePrior('gamma', 6)).toEqual({ kind: 'gamma', shape: 2, rate: 6 });
  });
});

describe('fitObjectiveModel', () => {
  it('with a warm start and no default start fits from one start, and matches a cold fit’s optimum', () => {
    const rng = createRng(4);
    const n = 40;
    const X = matrixFromData(n, 6, Float64Array.from({ length: n * 6 }, () => rng.next()));
    const y = Float64Array.from({ length: n }, (_, i) => hartmann6.evaluate(X.data.subarray(i * 6, i * 6 + 6)));
    const cold = fitObjectiveModel(X, y, { kernel: 'matern52', noisy: false, restarts: 0, seed: 1 });
    const warm = fitObjectiveModel(X, y, { kernel: 'matern52', noisy: false, restarts: 0, seed: 1, warmStart: cold.hyperparameters, defaultStart: false });
    expect(cold.fitReport!.starts).toBe(1);
    expect(warm.fitReport!.starts).toBe(1);
    expect(warm.fitReport!.evaluations).toBeLessThan(cold.fitReport!.evaluations);
    // Both stop on a relative change of 1e-5 in the log posterior: they agree to about that.
    expect(Math.abs(warm.fitReport!.logPosterior - cold.fitReport!.logPosterior)).toBeLessThan(1e-3 * Math.abs(cold.fitReport!.logPosterior));
  });
});
