import { describe, expect, it } from 'vitest';
import { BallastError } from '../../../shared/errors';
import { type Matrix, matrixFromData, matrixFromRows } from '../math/linalg';
import { randomPoints, syntheticData } from './__fixtures__/synthetic';
import { fitGaussianProcess } from './fit';
import type { GaussianProcess } from './gaussianProcess';
import { type GpHyperparameters, KERNEL_NAMES } from './types';

const hp3: GpHyperparameters = {
  lengthscales: Float64Array.from([0.4, 0.6, 0.9]),
  signalVariance: 1.3,
  noiseVariance: 0.01,
};

function relativeDifference(a: number, b: number, floor = 1e-12): number {
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), floor);
}

function errorCode(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    return e instanceof BallastError ? e.code : 'other';
  }
  return 'none';
}

function stack(a: Matrix, b: Matrix): Matrix {
  const data = new Float64Array(a.data.length + b.data.length);
  data.set(a.data);
  data.set(b.data, a.data.length);
  return matrixFromData(a.rows + b.rows, a.cols, data);
}

describe('predict', () => {
  it.each(KERNEL_NAMES.map((k) => [k]))('%s: variance ≥ 0 everywhere and at most the noise at training points', (kernel) => {
    const { X, y } = syntheticData(30, 3, 11);
    const gp = fitGaussianProcess(X, y, { kernel, hyperparameters: hp3 });
    const { variance } = gp.predict(stack(X, randomPoints(50, 3, 12, -0.5, 1.5)));
    for (const v of variance) expect(v).toBeGreaterThanOrEqual(0);
    // Var(f_i | y) ≤ Var(f_i | y_i) = s²σ²/(s² + σ²) < σ²: observing y_i bounds what is unknown about f_i.
    for (let i = 0; i < X.rows; i++) expect(variance[i]!).toBeLessThan(hp3.noiseVariance);
    // Far from the data the posterior returns to the prior.
    const far = gp.predict(matrixFromRows([[50, 50, 50]]));
    expect(far.variance[0]).toBeCloseTo(hp3.signalVariance, 12);
    expect(far.mean[0]).toBeCloseTo(0, 12);
  });

  it('interpolates noise-free data: variance ≈ 0 and mean ≈ y at the training points with tiny noise', () => {
    const X = matrixFromRows([[0.05], [0.2], [0.33], [0.5], [0.61], [0.8], [0.97]]);
    const y = Float64Array.from(X.data, (x) => Math.sin(6 * x));
    for (const kernel of KERNEL_NAMES) {
      const gp = fitGaussianProcess(X, y, {
        kernel,
        hyperparameters: { lengthscales: Float64Array.from([0.3]), signalVariance: 1, noiseVariance: 1e-12 },
      });
      const { mean, variance } = gp.predict(X);
      for (let i = 0; i < X.rows; i++) {
        expect(variance[i]!).toBeLessThan(1e-10);
        expect(Math.abs(mean[i]! - y[i]!)).toBeLessThan(1e-8);
      }
    }
  });

  it('reports the jitter needed for a duplicated design with zero noise and still predicts', () => {
    const X = matrixFromRows([[0.1], [0.4], [0.4], [0.7], [0.7], [0.9]]);
    const y = Float64Array.from([0.2, 0.5, 0.5, -0.1, -0.1, 0.3]);
    const gp = fitGaussianProcess(X, y, {
      kernel: 'matern52',
      hyperparameters: { lengthscales: Float64Array.from([0.25]), signalVariance: 1, noiseVariance: 0 },
    });
    expect(gp.jitter).toBeGreaterThan(0);
    expect(gp.jitter).toBeLessThanOrEqual(1e-4);
    const { mean, variance } = gp.predict(X);
    for (let i = 0; i < X.rows; i++) {
      expect(Math.abs(mean[i]! - y[i]!)).toBeLessThan(1e-4);
      expect(variance[i]!).toBeLessThan(1e-4);
    }
  });

  it('refuses prediction inputs of the wrong width or with non-finite values', () => {
    const { X, y } = syntheticData(10, 3, 1);
    const gp = fitGaussianProcess(X, y, { kernel: 'rbf', hyperparameters: hp3 });
    expect(errorCode(() => gp.predict(matrixFromRows([[0.1, 0.2]])))).toBe('BAD_INPUT');
    expect(errorCode(() => gp.predict(matrixFromRows([[0.1, NaN, 0.2]])))).toBe('BAD_INPUT');
    expect(errorCode(() => gp.predictWithGradient(Float64Array.from([0.1])))).toBe('BAD_INPUT');
  });
});

describe('predict in blocks', () => {
  it('gives the diagonal of predictJoint for more test points than one block, and the same again on repeat', () => {
    const { X, y } = syntheticData(40, 3, 21);
    const gp = fitGaussianProcess(X, y, { kernel: 'matern52', hyperparameters: hp3, standardizeOutputs: true });
    const test = randomPoints(150, 3, 22, -0.2, 1.2);
    const blocked = gp.predict(test);
    const joint = gp.predictJoint(test);
    for (let j = 0; j < test.rows; j++) {
      expect(relativeDifference(blocked.mean[j]!, joint.mean[j]!, 1e-9)).toBeLessThan(1e-10);
      expect(Math.abs(blocked.variance[j]! - joint.covariance.data[j * test.rows + j]!)).toBeLessThan(1e-12 * hp3.signalVariance);
    }
    expect(gp.predict(test)).toEqual(blocked);
  });
});

describe('predictWithGradient', () => {
  it.each(KERNEL_NAMES.map((k) => [k]))('%s: value equals predict and gradients equal finite differences (scaled model)', (kernel) => {
    const { X: unit, y: raw } = syntheticData(25, 3, 21);
    // Inputs in awkward units and outputs with an offset, so both transforms take part in the chain rule.
    const lower = Float64Array.from([-5, 100, 0]);
    const upper = Float64Array.from([5, 300, 0.01]);
    const X = matrixFromData(
      unit.rows,
      3,
      Float64Array.from(unit.data, (v, k) => lower[k % 3]! + v * (upper[k % 3]! - lower[k % 3]!)),
    );
    const y = Float64Array.from(raw, (v) => 40 + 7 * v);
    const gp = fitGaussianProcess(X, y, {
      kernel,
      normalizeInputs: true,
      bounds: { lower, upper },
      standardizeOutputs: true,
      hyperparameters: hp3,
    });
    for (const u of [
      [0.3, 0.5, 0.2],
      [0.9, 0.1, 0.75],
      [0.51, 0.49, 0.5],
    ]) {
      const x = Float64Array.from(u, (v, k) => lower[k]! + v * (upper[k]! - lower[k]!));
      const point = gp.predictWithGradient(x);
      const batch = gp.predict(matrixFromData(1, 3, x));
      expect(relativeDifference(point.mean, batch.mean[0]!)).toBeLessThan(1e-12);
      expect(relativeDifference(point.variance, batch.variance[0]!)).toBeLessThan(1e-10);
      for (let k = 0; k < 3; k++) {
        const h = 1e-6 * (upper[k]! - lower[k]!);
        const plus = Float64Array.from(x);
        const minus = Float64Array.from(x);
        plus[k] = plus[k]! + h;
        minus[k] = minus[k]! - h;
        const up = gp.predictWithGradient(plus);
        const down = gp.predictWithGradient(minus);
        const meanSlope = (up.mean - down.mean) / (2 * h);
        const varianceSlope = (up.variance - down.variance) / (2 * h);
        const meanScale = Math.max(...Array.from(point.meanGradient, (g, j) => Math.abs(g) * (upper[j]! - lower[j]!))) / (upper[k]! - lower[k]!);
        const varianceScale =
          Math.max(...Array.from(point.varianceGradient, (g, j) => Math.abs(g) * (upper[j]! - lower[j]!))) / (upper[k]! - lower[k]!);
        expect(Math.abs(point.meanGradient[k]! - meanSlope)).toBeLessThan(1e-6 * meanScale);
        expect(Math.abs(point.varianceGradient[k]! - varianceSlope)).toBeLessThan(1e-6 * varianceScale);
      }
    }
  });
});

describe('condition', () => {
  it.each(KERNEL_NAMES.map((k) => [k]))('%s: equals refitting on all the data with the same hyperparameters', (kernel) => {
    const { X, y } = syntheticData(30, 3, 31);
    const first = matrixFromData(20, 3, X.data.slice(0, 60));
    const rest = matrixFromData(10, 3, X.data.slice(60));
    const base = fitGaussianProcess(first, y.slice(0, 20), { kernel, hyperparameters: hp3 });
    const conditioned = base.condition(rest, y.slice(20));
    const refit = fitGaussianProcess(X, y, { kernel, hyperparameters: hp3 });
    expect(conditioned.observationCount).toBe(30);
    expect(relativeDifference(conditioned.logMarginalLikelihood, refit.logMarginalLikelihood)).toBeLessThan(1e-12);
    const Xstar = randomPoints(15, 3, 32, -0.2, 1.2);
    const a = conditioned.predict(Xstar);
    const b = refit.predict(Xstar);
    for (let j = 0; j < Xstar.rows; j++) {
      expect(Math.abs(a.mean[j]! - b.mean[j]!)).toBeLessThan(1e-12);
      expect(Math.abs(a.variance[j]! - b.variance[j]!)).toBeLessThan(1e-12);
    }
    // The parent model is unchanged.
    expect(base.observationCount).toBe(20);
  });

  it('keeps the parent’s scaling and hyperparameters (kriging believer)', () => {
    const { X, y } = syntheticData(20, 2, 41);
    const gp = fitGaussianProcess(X, y, {
      kernel: 'matern52',
      normalizeInputs: true,
      standardizeOutputs: true,
      hyperparameters: { lengthscales: Float64Array.from([0.3, 0.5]), signalVariance: 1, noiseVariance: 1e-6 },
    });
    const x = matrixFromRows([[0.42, 0.58]]);
    const before = gp.predict(x);
    const fantasy = gp.condition(x, before.mean);
    expect(fantasy.outputTransform).toEqual(gp.outputTransform);
    expect(fantasy.inputTransform).toEqual(gp.inputTransform);
    expect(fantasy.hyperparameters).toBe(gp.hyperparameters);
    expect(fantasy.fitReport).toBeNull();
    const after = fantasy.predict(x);
    // Believing the mean leaves it in place and shrinks the variance there to about the noise.
    expect(Math.abs(after.mean[0]! - before.mean[0]!)).toBeLessThan(1e-9);
    expect(after.variance[0]!).toBeLessThan(2e-6 * gp.outputTransform!.scale ** 2);
    expect(after.variance[0]!).toBeLessThan(before.variance[0]!);
  });

  it('re-factorises with jitter when a noise-free model is given an exact copy of a training point', () => {
    const X = matrixFromRows([[0.1], [0.4], [0.7], [0.9]]);
    const y = Float64Array.from([0.2, 0.5, -0.1, 0.3]);
    const hp = { lengthscales: Float64Array.from([0.3]), signalVariance: 1, noiseVariance: 0 };
    const gp = fitGaussianProcess(X, y, { kernel: 'rbf', hyperparameters: hp });
    expect(gp.jitter).toBe(0);
    const copy = gp.condition(matrixFromRows([[0.4]]), Float64Array.from([0.5]));
    expect(copy.jitter).toBeGreaterThan(0);
    const refit = fitGaussianProcess(matrixFromRows([[0.1], [0.4], [0.7], [0.9], [0.4]]), Float64Array.from([0.2, 0.5, -0.1, 0.3, 0.5]), {
      kernel: 'rbf',
      hyperparameters: hp,
    });
    expect(copy.jitter).toBe(refit.jitter);
    const Xstar = randomPoints(6, 1, 42);
    const a = copy.predict(Xstar);
    const b = refit.predict(Xstar);
    for (let j = 0; j < 6; j++) expect(Math.abs(a.mean[j]! - b.mean[j]!)).toBeLessThan(1e-12);
  });
});

describe('samplePosterior', () => {
  it('draws whose empirical mean and covariance approach predictJoint (seeded, reproducible)', () => {
    const { X, y } = syntheticData(15, 2, 51);
    const gp: GaussianProcess = fitGaussianProcess(X, y, {
      kernel: 'matern52',
      standardizeOutputs: true,
      hyperparameters: { lengthscales: Float64Array.from([0.5, 0.5]), signalVariance: 1, noiseVariance: 0.01 },
    });
    const Xstar = stack(randomPoints(5, 2, 52, -0.3, 1.3), matrixFromData(1, 2, X.data.slice(0, 2)));
    const m = Xstar.rows;
    const count = 6000;
    const draws = gp.samplePosterior(Xstar, count, 7);
    expect(draws.length).toBe(count);
    expect(gp.samplePosterior(Xstar, 3, 7)).toEqual(draws.slice(0, 3));
    expect(gp.samplePosterior(Xstar, 1, 8)[0]).not.toEqual(draws[0]);

    const { mean, covariance } = gp.predictJoint(Xstar);
    const empiricalMean = new Float64Array(m);
    for (const f of draws) for (let i = 0; i < m; i++) empiricalMean[i] = empiricalMean[i]! + f[i]! / count;
    for (let i = 0; i < m; i++) {
      const sd = Math.sqrt(covariance.data[i * m + i]!);
      // Five standard errors: a deterministic seed, but the bound should not depend on luck.
      expect(Math.abs(empiricalMean[i]! - mean[i]!)).toBeLessThan(5 * (sd / Math.sqrt(count)) + 1e-12);
    }
    for (let i = 0; i < m; i++) {
      for (let j = 0; j <= i; j++) {
        let s = 0;
        for (const f of draws) s += (f[i]! - empiricalMean[i]!) * (f[j]! - empiricalMean[j]!);
        const empirical = s / (count - 1);
        const scale = Math.sqrt(covariance.data[i * m + i]! * covariance.data[j * m + j]!);
        // The sd of a sample covariance is about scale·√(2/N) ≈ 0.018·scale here.
        expect(Math.abs(empirical - covariance.data[i * m + j]!)).toBeLessThan(0.08 * scale + 1e-12);
      }
    }
  });
});

describe('input normalisation and output standardisation', () => {
  it('fixed hyperparameters: scaling inside the GP equals scaling by hand, predictions in original units', () => {
    const { X: unit, y: raw } = syntheticData(20, 2, 61);
    const lower = Float64Array.from([10, -3]);
    const upper = Float64Array.from([20, 5]);
    const X = matrixFromData(20, 2, Float64Array.from(unit.data, (v, k) => lower[k % 2]! + v * (upper[k % 2]! - lower[k % 2]!)));
    const y = Float64Array.from(raw, (v) => 1000 + 250 * v);
    const hp: GpHyperparameters = { lengthscales: Float64Array.from([0.3, 0.6]), signalVariance: 1.1, noiseVariance: 0.02 };
    const scaled = fitGaussianProcess(X, y, { kernel: 'rbf', normalizeInputs: true, bounds: { lower, upper }, standardizeOutputs: true, hyperparameters: hp });
    const t = scaled.outputTransform!;
    let mean = 0;
    for (const v of y) mean += v / y.length;
    expect(t.mean).toBeCloseTo(mean, 9);
    const manual = fitGaussianProcess(unit, Float64Array.from(y, (v) => (v - t.mean) / t.scale), { kernel: 'rbf', hyperparameters: hp });
    const unitStar = randomPoints(10, 2, 62, -0.1, 1.1);
    const Xstar = matrixFromData(10, 2, Float64Array.from(unitStar.data, (v, k) => lower[k % 2]! + v * (upper[k % 2]! - lower[k % 2]!)));
    const a = scaled.predict(Xstar);
    const b = manual.predict(unitStar);
    for (let j = 0; j < 10; j++) {
      expect(relativeDifference(a.mean[j]!, b.mean[j]! * t.scale + t.mean)).toBeLessThan(1e-12);
      expect(relativeDifference(a.variance[j]!, b.variance[j]! * t.scale * t.scale)).toBeLessThan(1e-9);
    }
    expect(relativeDifference(scaled.logMarginalLikelihood, manual.logMarginalLikelihood)).toBeLessThan(1e-12);
    const joint = scaled.predictJoint(Xstar);
    for (let j = 0; j < 10; j++) expect(relativeDifference(joint.covariance.data[j * 10 + j]!, a.variance[j]!)).toBeLessThan(1e-9);
  });

  it('fitted: an affine change of units in X and y changes nothing but the units of the predictions', () => {
    const { X, y } = syntheticData(25, 2, 71);
    const options = { kernel: 'matern52' as const, normalizeInputs: true, standardizeOutputs: true, seed: 3, restarts: 2 };
    const gp = fitGaussianProcess(X, y, options);
    const Xmoved = matrixFromData(25, 2, Float64Array.from(X.data, (v, k) => (k % 2 === 0 ? 1e4 * v - 7 : -0.01 * v)));
    const ymoved = Float64Array.from(y, (v) => -300 * v + 12);
    const moved = fitGaussianProcess(Xmoved, ymoved, options);
    for (let k = 0; k < 2; k++) {
      expect(relativeDifference(gp.hyperparameters.lengthscales[k]!, moved.hyperparameters.lengthscales[k]!)).toBeLessThan(1e-4);
    }
    const star = randomPoints(8, 2, 72);
    const starMoved = matrixFromData(8, 2, Float64Array.from(star.data, (v, k) => (k % 2 === 0 ? 1e4 * v - 7 : -0.01 * v)));
    const a = gp.predict(star);
    const b = moved.predict(starMoved);
    for (let j = 0; j < 8; j++) {
      expect(Math.abs(-300 * a.mean[j]! + 12 - b.mean[j]!)).toBeLessThan(1e-4 * 300);
      expect(relativeDifference(300 * 300 * a.variance[j]!, b.variance[j]!)).toBeLessThan(1e-3);
    }
  });

  it('refuses degenerate bounds', () => {
    const { X, y } = syntheticData(5, 2, 1);
    const bad = { lower: Float64Array.from([0, 1]), upper: Float64Array.from([1, 1]) };
    expect(errorCode(() => fitGaussianProcess(X, y, { kernel: 'rbf', normalizeInputs: true, bounds: bad }))).toBe('BAD_INPUT');
  });
});

describe('fitGaussianProcess', () => {
  it('is deterministic for a seed and reports how the fit went', () => {
    const { X, y } = syntheticData(30, 2, 81, 0.1);
    const a = fitGaussianProcess(X, y, { kernel: 'matern32', seed: 5, restarts: 2 });
    const b = fitGaussianProcess(X, y, { kernel: 'matern32', seed: 5, restarts: 2 });
    expect(a.hyperparameters).toEqual(b.hyperparameters);
    expect(a.fitReport).toEqual(b.fitReport);
    expect(a.fitReport!.starts).toBe(3);
    expect(a.fitReport!.evaluations).toBeGreaterThan(3);
    expect(a.fitReport!.logPosterior).toBeCloseTo(a.logMarginalLikelihood, 8);
    // With 0.1 noise on a smooth function the fitted noise should be of that order, not at a bound.
    expect(a.hyperparameters.noiseVariance).toBeGreaterThan(0.001);
    expect(a.hyperparameters.noiseVariance).toBeLessThan(0.1);
    expect(a.fitReport!.atBound).toEqual([]);
  });

  it('holds a fixed noise variance and follows a strong prior (MAP)', () => {
    const { X, y } = syntheticData(20, 1, 91);
    const fixed = fitGaussianProcess(X, y, { kernel: 'rbf', fixedNoiseVariance: 0.05, restarts: 1 });
    expect(fixed.hyperparameters.noiseVariance).toBe(0.05);
    const ml = fitGaussianProcess(X, y, { kernel: 'rbf', restarts: 1 });
    const map = fitGaussianProcess(X, y, {
      kernel: 'rbf',
      restarts: 1,
      priors: { lengthscale: { kind: 'lognormal', mu: Math.log(2), sigma: 0.01 } },
    });
    expect(relativeDifference(map.hyperparameters.lengthscales[0]!, 2)).toBeLessThan(0.05);
    expect(Math.abs(ml.hyperparameters.lengthscales[0]! - 2)).toBeGreaterThan(0.5);
    // The MAP model explains the data worse than the ML one: the prior costs likelihood.
    expect(map.logMarginalLikelihood).toBeLessThan(ml.logMarginalLikelihood);
  });

  it('warm start: from the optimum it converges in a few evaluations to the same fit; without the default start it tries one start', () => {
    const { X, y } = syntheticData(40, 3, 31, 0.05);
    const cold = fitGaussianProcess(X, y, { kernel: 'matern52', seed: 3, restarts: 1 });
    const warm = fitGaussianProcess(X, y, {
      kernel: 'matern52',
      seed: 3,
      restarts: 0,
      initialHyperparameters: cold.hyperparameters,
      defaultStart: false,
    });
    expect(warm.fitReport!.starts).toBe(1);
    expect(warm.fitReport!.evaluations).toBeLessThan(cold.fitReport!.evaluations / 3);
    expect(warm.fitReport!.logPosterior).toBeGreaterThanOrEqual(cold.fitReport!.logPosterior - 1e-6);
    const both = fitGaussianProcess(X, y, { kernel: 'matern52', seed: 3, restarts: 0, initialHyperparameters: cold.hyperparameters });
    expect(both.fitReport!.starts).toBe(2);
    expect(errorCode(() => fitGaussianProcess(X, y, { kernel: 'rbf', initialHyperparameters: hp3, defaultStart: false }))).toBe('none');
    expect(
      errorCode(() =>
        fitGaussianProcess(X, y, { kernel: 'rbf', initialHyperparameters: { ...hp3, lengthscales: Float64Array.from([1, 1]) } }),
      ),
    ).toBe('BAD_INPUT');
  });

  it('refuses contradictory options', () => {
    const { X, y } = syntheticData(5, 3, 1);
    expect(errorCode(() => fitGaussianProcess(X, y, { kernel: 'rbf', hyperparameters: hp3, fixedNoiseVariance: 0.5 }))).toBe('BAD_INPUT');
    expect(errorCode(() => fitGaussianProcess(X, y, { kernel: 'rbf', restarts: -1 }))).toBe('BAD_INPUT');
    expect(errorCode(() => fitGaussianProcess(X, y.slice(1), { kernel: 'rbf' }))).toBe('BAD_INPUT');
    expect(errorCode(() => fitGaussianProcess(X, y, { kernel: 'rbf', hyperparameterBounds: { signalVariance: [2, 1] } }))).toBe('BAD_INPUT');
    expect(errorCode(() => fitGaussianProcess(X, y, { kernel: 'rbf', signal: { aborted: true } }))).toBe('CANCELLED');
  });
});
