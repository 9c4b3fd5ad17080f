import { describe, expect, it } from 'vitest';
import { BallastError } from '../../../shared/errors';
import { type Matrix, matrixFromData, matrixFromRows, zeros } from '../math/linalg';
import fixture from './__fixtures__/gp-sklearn.json';
import { syntheticData } from './__fixtures__/synthetic';
import { logPriorInLogSpace } from './fit';
import { type KernelProfile, kernelProfile } from './kernels';
import { choleskyWithJitter, inverseFromCholesky } from './cholesky';
import { LikelihoodWorkspace, logMarginalLikelihood } from './likelihood';
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

/** [g, dg/dr²] at one squared distance. */
function correlationWithDerivative(profile: KernelProfile, r2: number): [number, number] {
  const g = new Float64Array(1);
  const dg = new Float64Array(1);
  profile.correlationWithDerivative(Float64Array.of(r2), g, dg, 1);
  return [g[0]!, dg[0]!];
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
      const [same, derivative] = correlationWithDerivative(profile, r2);
      expect(same).toBe(g);
      expect(Math.abs(derivative - numeric)).toBeLessThan(1e-6 * Math.max(1, Math.abs(numeric)));
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

/**
 * The gradient as it was computed before the likelihood workspace: an explicit K⁻¹ from the Cholesky factor,
 * then ½ tr((ααᵀ − K⁻¹) ∂K/∂θ) entry by entry (Rasmussen & Williams 2006, eq. 5.9). Kept as the reference.
 */
function gradientByExplicitInverse(X: Matrix, y: Float64Array, kernel: KernelName, hp: GpHyperparameters): Float64Array {
  const n = X.rows;
  const d = X.cols;
  const profile = kernelProfile(kernel);
  const K = zeros(n, n);
  const r2 = (i: number, j: number) => {
    let s = 0;
    for (let k = 0; k < d; k++) s += ((X.data[i * d + k]! - X.data[j * d + k]!) / hp.lengthscales[k]!) ** 2;
    return s;
  };
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) K.data[i * n + j] = hp.signalVariance * profile.correlation(r2(i, j)) + (i === j ? hp.noiseVariance : 0);
  const factor = choleskyWithJitter(K);
  if (!factor.ok) throw new Error(factor.reason);
  const Kinv = inverseFromCholesky(factor.L);
  const alpha = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) alpha[i] = alpha[i]! + Kinv.data[i * n + j]! * y[j]!;
  const gradient = new Float64Array(d + 2);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const a = 0.5 * (alpha[i]! * alpha[j]! - Kinv.data[i * n + j]!);
      const rr = r2(i, j);
      const slope = -2 * hp.signalVariance * correlationWithDerivative(profile, rr)[1];
      for (let k = 0; k < d; k++) gradient[k] = gradient[k]! + a * slope * ((X.data[i * d + k]! - X.data[j * d + k]!) / hp.lengthscales[k]!) ** 2;
      gradient[d] = gradient[d]! + a * hp.signalVariance * profile.correlation(rr);
      if (i === j) gradient[d + 1] = gradient[d + 1]! + a * hp.noiseVariance;
    }
  }
  return gradient;
}

describe('LikelihoodWorkspace (triangular solves, buffers reused across evaluations)', () => {
  const { X, y } = syntheticData(40, 4, 11);
  const settings: GpHyperparameters[] = [
    { lengthscales: Float64Array.from([0.3, 0.8, 1.5, 0.6]), signalVariance: 1.3, noiseVariance: 0.01 },
    { lengthscales: Float64Array.from([2, 0.1, 0.4, 5]), signalVariance: 0.4, noiseVariance: 1e-6 },
    { lengthscales: Float64Array.from([0.05, 0.05, 0.05, 0.05]), signalVariance: 3, noiseVariance: 0.2 },
  ];

  it.each(KERNEL_NAMES.map((k) => [k]))('%s: gradient equals the explicit-inverse gradient to 1e-10 relative', (kernel) => {
    const workspace = new LikelihoodWorkspace(X, y, kernel);
    // One workspace, several settings in a row: a reused buffer must not leak from one to the next.
    for (const hp of [...settings, ...settings.slice().reverse()]) {
      const outcome = workspace.evaluate(hp, true);
      expect(outcome.ok).toBe(true);
      if (!outcome.ok) continue;
      expect(outcome.jitter).toBe(0);
      const expected = gradientByExplicitInverse(X, y, kernel, hp);
      const scale = Math.max(...Array.from(expected, Math.abs));
      expected.forEach((e, j) => expect(Math.abs(outcome.gradient![j]! - e) / scale).toBeLessThan(1e-10));
    }
  });

  it('agrees with a fresh factorisation after a failed evaluation (jitter and failure leave nothing behind)', () => {
    const workspace = new LikelihoodWorkspace(X, y, 'matern52');
    const before = workspace.evaluate(settings[0]!, true);
    expect(workspace.evaluate({ ...settings[0]!, signalVariance: 1e308, noiseVariance: 1e308 }, true).ok).toBe(false);
    const after = workspace.evaluate(settings[0]!, true);
    expect(before.ok && after.ok).toBe(true);
    if (!before.ok || !after.ok) return;
    expect(after.value).toBe(before.value);
    expect(Array.from(after.gradient!)).toEqual(Array.from(before.gradient!));
  });

  it('factorise gives what a fresh evaluation without gradient gives, whether or not it can reuse the last evaluation', () => {
    const fresh = (hp: GpHyperparameters) => {
      const w = new LikelihoodWorkspace(X, y, 'matern52');
      return { outcome: w.evaluate(hp, false), L: Array.from(w.factor().data), alpha: Array.from(w.alpha) };
    };
    const workspace = new LikelihoodWorkspace(X, y, 'matern52');
    const copy = (hp: GpHyperparameters) => ({ ...hp, lengthscales: Float64Array.from(hp.lengthscales) });
    const sequences: [GpHyperparameters[], GpHyperparameters][] = [
      [[settings[0]!, settings[1]!], copy(settings[1]!)], // the last evaluation: reused
      [[settings[1]!, settings[0]!], copy(settings[1]!)], // an earlier one: refactorised
      // After a failure part-way through the factorisation (indefinite: long lengthscales, negative noise).
      [[settings[2]!, { lengthscales: Float64Array.from([5, 5, 5, 5]), signalVariance: 1, noiseVariance: -0.5 }], copy(settings[2]!)],
    ];
    for (const [evaluated, target] of sequences) {
      for (const hp of evaluated) workspace.evaluate(hp, true);
      const outcome = workspace.factorise(target);
      const expected = fresh(target);
      expect(outcome).toEqual(expected.outcome);
      expect(Array.from(workspace.factor().data)).toEqual(expected.L);
      expect(Array.from(workspace.alpha)).toEqual(expected.alpha);
    }
  });

  it('uses the jitter schedule of choleskyWithJitter on a rank-deficient covariance, and its gradient holds there too', () => {
    const Xdup = matrixFromData(6, 1, Float64Array.from([0.1, 0.1, 0.5, 0.5, 0.9, 0.9]));
    const ydup = Float64Array.from([1, 1, -0.5, -0.5, 0.3, 0.3]);
    const hp = { lengthscales: Float64Array.from([0.4]), signalVariance: 1, noiseVariance: 0 };
    const outcome = new LikelihoodWorkspace(Xdup, ydup, 'rbf').evaluate(hp, true);
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.jitter).toBeGreaterThan(0);
    // The reference with the same jitter folded into the noise (the gradient holds jitter fixed).
    const reference = gradientByExplicitInverse(Xdup, ydup, 'rbf', { ...hp, noiseVariance: outcome.jitter });
    for (let j = 0; j < 2; j++) expect(Math.abs(outcome.gradient![j]! - reference[j]!)).toBeLessThan(1e-6 * Math.max(1, Math.abs(reference[j]!)));
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
