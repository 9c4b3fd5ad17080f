import { describe, expect, it } from 'vitest';
import { BallastError } from '../../../shared/errors';
import { matrixFromData, matrixFromRows } from '../math/linalg';
import fixture from './__fixtures__/gp-sklearn.json';
import { syntheticData } from './__fixtures__/synthetic';
import { logPriorInLogSpace } from './fit';
import { kernelProfile } from './kernels';
import { logMarginalLikelihood } from './likelihood';
import { type GpHyperparameters, KERNEL_NAMES, type KernelName } from './types';

/** The hyperparameters at log-coordinates u (lengthscales…, signal variance, noise variance). */
function fromLog(u: Float64Array, d: number): GpHyperparameters {
  return {
    lengthscales: Float64Array.from({ length: d }, (_, k) => Math.exp(u[k]!)),
    signalVariance: Math.exp(u[d]!),
    noiseVariance: Math.exp(u[d + 1]!),
  };
}

function centralDifference(f: (u: Float64Array) => number, u: Float64Array, j: number, h: number): number {
  const plus = Float64Array.from(u);
  const minus = Float64Array.from(u);
  plus[j] = plus[j]! + h;
  minus[j] = minus[j]! - h;
  return (f(plus) - f(minus)) / (2 * h);
}

describe('kernel profiles', () => {
  it.each(KERNEL_NAMES.map((k) => [k]))('%s: correlation 1 at r = 0, decreasing, derivative matches', (kernel) => {
    const profile = kernelProfile(kernel);
    expect(profile.correlation(0)).toBe(1);
    let previous = 1;
    for (const r2 of [1e-6, 0.01, 0.3, 1, 4, 25]) {
      const g = profile.correlation(r2);
      expect(g).toBeLessThan(previous);
      expect(g).toBeGreaterThan(0);
      previous = g;
      const h = 1e-4 * r2;
      const numeric = (profile.correlation(r2 + h) - profile.correlation(r2 - h)) / (2 * h);
      expect(Math.abs(profile.correlationDerivative(r2) - numeric)).toBeLessThan(1e-6 * Math.max(1, Math.abs(numeric)));
    }
  });

  it('matches the closed forms at r = 1 (Rasmussen & Williams 2006, eqs. 4.9 and 4.17)', () => {
    expect(kernelProfile('rbf').correlation(1)).toBeCloseTo(Math.exp(-0.5), 15);
    expect(kernelProfile('matern32').correlation(1)).toBeCloseTo((1 + Math.sqrt(3)) * Math.exp(-Math.sqrt(3)), 15);
    expect(kernelProfile('matern52').correlation(1)).toBeCloseTo((1 + Math.sqrt(5) + 5 / 3) * Math.exp(-Math.sqrt(5)), 15);
  });

  it('refuses an unknown kernel name with BAD_INPUT', () => {
    expect(() => kernelProfile('cubic' as KernelName)).toThrow(BallastError);
  });
});

describe('logMarginalLikelihood gradient', () => {
  const { X, y } = syntheticData(25, 3, 7);
  const u0 = Float64Array.from([Math.log(0.3), Math.log(0.7), Math.log(1.6), Math.log(0.9), Math.log(0.02)]);

  it.each(KERNEL_NAMES.map((k) => [k]))('%s: analytic gradient equals central finite differences', (kernel) => {
    const value = (u: Float64Array) => logMarginalLikelihood(X, y, kernel, fromLog(u, 3)).value;
    const { gradient, jitter } = logMarginalLikelihood(X, y, kernel, fromLog(u0, 3));
    expect(jitter).toBe(0);
    for (let j = 0; j < u0.length; j++) {
      const numeric = centralDifference(value, u0, j, 1e-5);
      // Central differences with h = 1e-5 carry O(h²) truncation and ~1e-11/h rounding error.
      expect(Math.abs(gradient[j]! - numeric)).toBeLessThan(1e-6 * Math.max(1, Math.abs(numeric)));
    }
  });

  it('matches scikit-learn’s LML gradient (ConstantKernel * K + WhiteKernel) to 1e-8 relative', () => {
    for (const c of fixture.cases) {
      const d = c.X[0]!.length;
      const hp: GpHyperparameters = {
        lengthscales: Float64Array.from(c.fixed.hyperparameters.lengthscales),
        signalVariance: c.fixed.hyperparameters.signalVariance,
        noiseVariance: c.fixed.hyperparameters.noiseVariance,
      };
      const ours = logMarginalLikelihood(matrixFromRows(c.X), Float64Array.from(c.y), c.kernel as KernelName, hp);
      const expected = c.fixed.logMarginalLikelihoodGradient;
      expect(expected.length).toBe(d + 2);
      const scale = Math.max(...expected.map(Math.abs));
      expected.forEach((e, j) => expect(Math.abs(ours.gradient[j]! - e) / scale).toBeLessThan(1e-8));
    }
  });

  it('adds jitter for a rank-one covariance and reports −Infinity, with the reason, when K overflows', () => {
    // Forty copies of one input with zero noise: K = s²·11ᵀ has rank one, so only jitter makes it factorisable.
    const Xdup = matrixFromData(40, 1, new Float64Array(40).fill(0.5));
    const ydup = new Float64Array(40).fill(0.3);
    const rankOne = logMarginalLikelihood(Xdup, ydup, 'rbf', { lengthscales: Float64Array.from([1]), signalVariance: 1, noiseVariance: 0 });
    expect(Number.isFinite(rankOne.value)).toBe(true);
    expect(rankOne.jitter).toBeGreaterThan(0);
    expect(rankOne.failure).toBeUndefined();
    // s² + σ² overflows to Infinity on the diagonal: no jitter can help, and that is a value, not a throw.
    const overflow = logMarginalLikelihood(Xdup, ydup, 'rbf', {
      lengthscales: Float64Array.from([1]),
      signalVariance: 1e308,
      noiseVariance: 1e308,
    });
    expect(overflow.value).toBe(-Infinity);
    expect(overflow.failure).toMatch(/not a finite number/);
  });

  it('refuses malformed hyperparameters and data with BAD_INPUT', () => {
    const hp = { lengthscales: Float64Array.from([1]), signalVariance: 1, noiseVariance: 0.1 };
    const X = matrixFromRows([[0], [1]]);
    const code = (run: () => unknown) => {
      try {
        run();
      } catch (e) {
        return e instanceof BallastError ? e.code : 'other';
      }
      return 'none';
    };
    expect(code(() => logMarginalLikelihood(X, Float64Array.from([1]), 'rbf', hp))).toBe('BAD_INPUT');
    expect(code(() => logMarginalLikelihood(X, Float64Array.from([1, NaN]), 'rbf', hp))).toBe('BAD_INPUT');
    expect(code(() => logMarginalLikelihood(X, Float64Array.from([1, 2]), 'rbf', { ...hp, signalVariance: -1 }))).toBe('BAD_INPUT');
    expect(code(() => logMarginalLikelihood(X, Float64Array.from([1, 2]), 'rbf', { ...hp, lengthscales: Float64Array.from([1, 1]) }))).toBe(
      'BAD_INPUT',
    );
  });
});

describe('logPriorInLogSpace', () => {
  it.each([
    [{ kind: 'lognormal', mu: -0.5, sigma: 0.7 } as const],
    [{ kind: 'gamma', shape: 3, rate: 6 } as const],
  ])('derivative matches finite differences and the mode is where documented (%o)', (prior) => {
    for (const u of [-2, -0.3, 0.4, 1.5]) {
      const numeric =
        (logPriorInLogSpace(prior, u + 1e-6).logDensity - logPriorInLogSpace(prior, u - 1e-6).logDensity) / 2e-6;
      expect(Math.abs(logPriorInLogSpace(prior, u).derivative - numeric)).toBeLessThan(1e-6);
    }
    const mode = prior.kind === 'lognormal' ? prior.mu : Math.log(prior.shape / prior.rate);
    expect(Math.abs(logPriorInLogSpace(prior, mode).derivative)).toBeLessThan(1e-12);
  });
});
