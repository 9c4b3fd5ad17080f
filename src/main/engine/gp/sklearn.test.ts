import { describe, expect, it } from 'vitest';
import { matrixFromRows } from '../math/linalg';
import fixture from './__fixtures__/gp-sklearn.json';
import { defaultHyperparameterBounds, fitGaussianProcess } from './fit';
import type { KernelName } from './types';

/**
 * Agreement with scikit-learn's GaussianProcessRegressor (bench/reference/gp_sklearn.py). Relative error per
 * entry, against max(|expected|, 1e-6 · max|expected|) so a mean that happens to cross zero between test
 * points is not judged relative to nothing.
 */
function maxRelativeError(actual: ArrayLike<number>, expected: readonly number[]): number {
  expect(actual.length).toBe(expected.length);
  const floor = 1e-6 * Math.max(...expected.map(Math.abs));
  let worst = 0;
  expected.forEach((e, k) => {
    worst = Math.max(worst, Math.abs(actual[k]! - e) / Math.max(Math.abs(e), floor));
  });
  return worst;
}

const cases = fixture.cases.map((c) => [c.name, c] as const);

describe('GaussianProcess against scikit-learn', () => {
  it('records how the fixture was produced', () => {
    expect(fixture.producedBy.script).toBe('bench/reference/gp_sklearn.py');
    expect(fixture.producedBy.sklearn).toMatch(/^\d+\.\d+/);
    expect(fixture.cases.map((c) => c.name)).toEqual([
      'sine-1d-n20-rbf',
      'sine-1d-n20-matern32',
      'sine-1d-n20-matern52',
      'hartmann3-3d-n60-rbf',
      'hartmann3-3d-n60-matern32',
      'hartmann3-3d-n60-matern52',
    ]);
  });

  it.each(cases)('%s, fixed hyperparameters: mean, variance, covariance and LML within 1e-8 relative', (_name, c) => {
    const hp = c.fixed.hyperparameters;
    const gp = fitGaussianProcess(matrixFromRows(c.X), Float64Array.from(c.y), {
      kernel: c.kernel as KernelName,
      hyperparameters: {
        lengthscales: Float64Array.from(hp.lengthscales),
        signalVariance: hp.signalVariance,
        noiseVariance: hp.noiseVariance,
      },
    });
    expect(gp.jitter).toBe(0);
    const Xstar = matrixFromRows(c.Xstar);
    const { mean, variance } = gp.predict(Xstar);
    expect(maxRelativeError(mean, c.fixed.mean)).toBeLessThan(1e-8);
    expect(maxRelativeError(variance, c.fixed.variance)).toBeLessThan(1e-8);
    const joint = gp.predictJoint(Xstar);
    expect(maxRelativeError(joint.mean, c.fixed.mean)).toBeLessThan(1e-8);
    expect(maxRelativeError(joint.covariance.data, c.fixed.covariance.flat())).toBeLessThan(1e-8);
    expect(Math.abs(gp.logMarginalLikelihood - c.fixed.logMarginalLikelihood) / Math.abs(c.fixed.logMarginalLikelihood)).toBeLessThan(
      1e-8,
    );
  });

  it.each(cases)('%s, fitted: LML reaches scikit-learn’s (5 restarts) within 1e-3 or beats it', (_name, c) => {
    const X = matrixFromRows(c.X);
    const y = Float64Array.from(c.y);
    // The reference searched the same box the engine uses by default.
    const bounds = defaultHyperparameterBounds(X, y);
    expect(maxRelativeError(bounds.lengthscale.flat(), c.fitted.bounds.lengthscale.flat())).toBeLessThan(1e-12);
    expect(maxRelativeError(bounds.signalVariance, c.fitted.bounds.signalVariance)).toBeLessThan(1e-12);
    expect(maxRelativeError(bounds.noiseVariance, c.fitted.bounds.noiseVariance)).toBeLessThan(1e-12);

    const gp = fitGaussianProcess(X, y, { kernel: c.kernel as KernelName, seed: 1 });
    expect(gp.logMarginalLikelihood).toBeGreaterThanOrEqual(c.fitted.logMarginalLikelihood - 1e-3);
    expect(gp.fitReport?.starts).toBe(5);
  });
});
