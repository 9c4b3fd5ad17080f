import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { BallastError } from '../../../shared/errors';
import { createRng } from '../math/random';
import { initComputeBackend } from './backend';
import { BayesianNeuralNetwork, type BnnPrediction } from './model';
import { intervalCoverage } from './scoring';

/** y = sin(3x) + ε, ε ~ N(0, σ(x)²), σ(x) = 0.1 + 0.2|x|: known signal, known input-dependent noise. */
function heteroscedastic(n: number, seed: number, lo = -1, hi = 1): { X: number[][]; y: number[]; sd: number[] } {
  const rng = createRng(seed);
  const X: number[][] = [];
  const y: number[] = [];
  const sd: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = lo + (hi - lo) * rng.next();
    const s = 0.1 + 0.2 * Math.abs(x);
    X.push([x]);
    y.push(Math.sin(3 * x) + s * rng.normal());
    sd.push(s);
  }
  return { X, y, sd };
}

const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0) / a.length;

describe('Bayes by backprop on a heteroscedastic 1-D problem', () => {
  // One training run shared by the quality checks (the expensive part of this file).
  const train = heteroscedastic(3000, 1);
  const test = heteroscedastic(2000, 2);
  const far = heteroscedastic(200, 3, 2.5, 3);
  const model = new BayesianNeuralNetwork({ seed: 0, batchSize: 256 });
  let inside: BnnPrediction;
  let outside: BnnPrediction;
  let tensorsAfterFit = 0;

  beforeAll(async () => {
    await initComputeBackend();
    await model.fit(train.X, train.y);
    tensorsAfterFit = tf.memory().numTensors;
    inside = await model.predict(test.X, { samples: 100, levels: [0.5, 0.8, 0.9, 0.95] });
    outside = await model.predict(far.X, { samples: 100 });
  }, 120_000);

  it('covers 87–93 % of held-out points with its 90 % intervals', () => {
    const ninety = inside.intervals.find((i) => i.level === 0.9)!;
    const coverage = intervalCoverage(test.y, ninety.lower, ninety.upper);
    expect(coverage).toBeGreaterThanOrEqual(0.87);
    expect(coverage).toBeLessThanOrEqual(0.93);
  });

  it('nests its intervals and orders them by level', () => {
    for (let k = 1; k < inside.intervals.length; k++) {
      const narrow = inside.intervals[k - 1]!;
      const wide = inside.intervals[k]!;
      for (let i = 0; i < test.y.length; i++) {
        expect(wide.lower[i]!).toBeLessThan(narrow.lower[i]!);
        expect(wide.upper[i]!).toBeGreaterThan(narrow.upper[i]!);
      }
    }
  });

  it('learns the noise level: aleatoric sd tracks σ(x)', () => {
    const learnt = Array.from(inside.aleatoricVariance, Math.sqrt);
    expect(mean(learnt) / mean(test.sd)).toBeGreaterThan(0.8);
    expect(mean(learnt) / mean(test.sd)).toBeLessThan(1.25);
    // Edges of the data are noisier than the centre, as in the data.
    const centre = learnt.filter((_, i) => Math.abs(test.X[i]![0]!) < 0.2);
    const edge = learnt.filter((_, i) => Math.abs(test.X[i]![0]!) > 0.8);
    expect(mean(edge) / mean(centre)).toBeGreaterThan(1.8);
  });

  it('is far more uncertain about its mean away from the data (x ∈ [2.5, 3]) than inside it', () => {
    expect(mean(outside.epistemicVariance)).toBeGreaterThan(3 * mean(inside.epistemicVariance));
  });

  it('reports variances that add up and a mean close to the signal', () => {
    for (let i = 0; i < 20; i++) {
      expect(inside.totalVariance[i]).toBeCloseTo(inside.epistemicVariance[i]! + inside.aleatoricVariance[i]!, 12);
    }
    const rmse = Math.sqrt(mean(test.X.map(([x], i) => (inside.mean[i]! - Math.sin(3 * x!)) ** 2)));
    expect(rmse).toBeLessThan(0.08);
  });

  it('holds its tensors: predicting allocates nothing that outlives the call', () => {
    expect(tf.memory().numTensors).toBe(tensorsAfterFit);
    expect(model.tensorCount).toBeGreaterThan(0);
  });

  it('is reproducible: the same prediction seed gives the same numbers, another seed other draws', async () => {
    const a = await model.predict(test.X.slice(0, 20), { samples: 30, seed: 9 });
    const b = await model.predict(test.X.slice(0, 20), { samples: 30, seed: 9 });
    const c = await model.predict(test.X.slice(0, 20), { samples: 30, seed: 10 });
    expect(Array.from(a.mean)).toEqual(Array.from(b.mean));
    expect(Array.from(a.intervals[0]!.lower)).toEqual(Array.from(b.intervals[0]!.lower));
    expect(Array.from(a.mean)).not.toEqual(Array.from(c.mean));
  });

  it('gives moment-matched intervals close to the mixture ones when the mixture is near Gaussian', async () => {
    const mixture = await model.predict(test.X.slice(0, 50), { samples: 100, seed: 4, levels: [0.9] });
    const matched = await model.predict(test.X.slice(0, 50), { samples: 100, seed: 4, levels: [0.9], intervalMethod: 'moment-matched' });
    for (let i = 0; i < 50; i++) {
      const width = mixture.intervals[0]!.upper[i]! - mixture.intervals[0]!.lower[i]!;
      expect(Math.abs(matched.intervals[0]!.upper[i]! - mixture.intervals[0]!.upper[i]!)).toBeLessThan(0.05 * width);
    }
  });

  it('round-trips through serialize/deserialize with identical predictions', async () => {
    const bytes = model.serialize();
    expect(Array.from(model.serialize())).toEqual(Array.from(bytes));
    const copy = BayesianNeuralNetwork.deserialize(bytes);
    expect(copy.config).toEqual(model.config);
    expect(copy.normalisation).toEqual(model.normalisation);
    expect(copy.history).toEqual(model.history);
    const original = await model.predict(test.X.slice(0, 30), { samples: 40, seed: 5 });
    const restored = await copy.predict(test.X.slice(0, 30), { samples: 40, seed: 5 });
    expect(Array.from(restored.mean)).toEqual(Array.from(original.mean));
    expect(Array.from(restored.epistemicVariance)).toEqual(Array.from(original.epistemicVariance));
    expect(Array.from(restored.aleatoricVariance)).toEqual(Array.from(original.aleatoricVariance));
    copy.dispose();
  });
});

describe('BayesianNeuralNetwork lifecycle', () => {
  beforeAll(async () => {
    await initComputeBackend();
  });

  const small = { hiddenLayers: [16], epochs: 30, batchSize: 64, klAnnealingEpochs: 5, seed: 1 };

  it('leaves no tensors behind after train, predict and dispose', async () => {
    const before = tf.memory().numTensors;
    const data = heteroscedastic(300, 5);
    for (const method of ['bayes-by-backprop', 'mc-dropout'] as const) {
      const model = new BayesianNeuralNetwork({ ...small, method });
      await model.fit(data.X, data.y);
      expect(tf.memory().numTensors).toBe(before + model.tensorCount);
      await model.predict(data.X.slice(0, 10), { samples: 20 });
      expect(tf.memory().numTensors).toBe(before + model.tensorCount);
      await model.update(data.X.slice(0, 100), data.y.slice(0, 100), { epochs: 3 });
      model.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }
  });

  it('trains reproducibly from its seed', async () => {
    const data = heteroscedastic(200, 6);
    const run = async (seed: number) => {
      const model = new BayesianNeuralNetwork({ ...small, epochs: 5, seed });
      await model.fit(data.X, data.y);
      const bytes = model.serialize();
      model.dispose();
      return bytes;
    };
    const a = await run(1);
    expect(Array.from(await run(1))).toEqual(Array.from(a));
    expect(Array.from(await run(2))).not.toEqual(Array.from(a));
  });

  it('updates online: the stored posterior becomes the prior, and more data tighten it', async () => {
    const first = heteroscedastic(150, 7);
    const more = heteroscedastic(600, 8);
    const model = new BayesianNeuralNetwork({ ...small, epochs: 60, seed: 2 });
    await model.fit(first.X, first.y);
    const probe = [[-0.75], [-0.25], [0.25], [0.75]];
    const before = await model.predict(probe, { samples: 200, seed: 1 });
    const stored = BayesianNeuralNetwork.deserialize(model.serialize());
    const summary = await stored.update(more.X, more.y, { epochs: 60 });
    expect(summary).toMatchObject({ kind: 'update', prior: 'posterior', rows: 600 });
    expect(stored.history.map((h) => [h.kind, h.prior])).toEqual([
      ['fit', 'initial'],
      ['update', 'posterior'],
    ]);
    const after = await stored.predict(probe, { samples: 200, seed: 1 });
    expect(mean(after.epistemicVariance)).toBeLessThan(0.6 * mean(before.epistemicVariance));
    const error = (p: BnnPrediction) => mean(probe.map(([x], i) => Math.abs(p.mean[i]! - Math.sin(3 * x!))));
    expect(error(after)).toBeLessThan(0.5 * error(before));
    model.dispose();
    stored.dispose();
  });

  it('draws the same S networks for every input, however many rows are predicted at once', async () => {
    const data = heteroscedastic(200, 13);
    for (const method of ['bayes-by-backprop', 'mc-dropout'] as const) {
      const model = new BayesianNeuralNetwork({ ...small, method, epochs: 3 });
      await model.fit(data.X, data.y);
      const many = heteroscedastic(2100, 14).X; // more than one internal chunk
      const all = await model.predict(many, { samples: 8, seed: 3, returnSamples: true });
      const pair = await model.predict([many[5]!, many[2090]!], { samples: 8, seed: 3, returnSamples: true });
      for (let s = 0; s < 8; s++) {
        expect(pair.sampleMeans![s * 2]).toBeCloseTo(all.sampleMeans![s * 2100 + 5]!, 5);
        expect(pair.sampleMeans![s * 2 + 1]).toBeCloseTo(all.sampleMeans![s * 2100 + 2090]!, 5);
      }
      model.dispose();
    }
  });

  it('warm-starts MC dropout (no posterior to carry) and refuses a posterior prior for it', async () => {
    const data = heteroscedastic(200, 9);
    const model = new BayesianNeuralNetwork({ ...small, method: 'mc-dropout', epochs: 5 });
    await model.fit(data.X, data.y);
    await expect(model.update(data.X, data.y, { prior: 'posterior' })).rejects.toThrow(BallastError);
    await expect(model.update(data.X, data.y, { epochs: 2 })).resolves.toMatchObject({ kind: 'update', prior: 'unchanged' });
    model.dispose();
  });

  it('stops on cancellation and leaves the model as it was', async () => {
    const data = heteroscedastic(200, 10);
    const model = new BayesianNeuralNetwork({ ...small, epochs: 5 });
    await model.fit(data.X, data.y);
    const bytes = model.serialize();
    let epochs = 0;
    const signal = { aborted: false };
    const update = model.update(data.X, data.y, {
      signal,
      epochs: 50,
      onEpochEnd: () => {
        if (++epochs === 2) signal.aborted = true;
      },
    });
    await expect(update).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(Array.from(model.serialize())).toEqual(Array.from(bytes));
    const fresh = new BayesianNeuralNetwork({ ...small, epochs: 50 });
    await expect(fresh.fit(data.X, data.y, { signal: { aborted: true } })).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(fresh.isTrained).toBe(false);
    model.dispose();
    fresh.dispose();
  });

  it('reports progress once per epoch, ending at the total', async () => {
    const data = heteroscedastic(100, 11);
    const model = new BayesianNeuralNetwork({ ...small, epochs: 4, validationFraction: 0 });
    const calls: [string, number, number][] = [];
    await model.fit(data.X, data.y, { onProgress: (step, current, total) => calls.push([step, current, total]) });
    expect(calls).toEqual([1, 2, 3, 4].map((e) => ['training', e, 4]));
    model.dispose();
  });

  it('rejects bad input in plain words', async () => {
    expect(() => new BayesianNeuralNetwork({ hiddenLayers: [] })).toThrow(/hiddenLayers/);
    expect(() => new BayesianNeuralNetwork({ learningRate: -1 } as never)).toThrow(BallastError);
    const model = new BayesianNeuralNetwork(small);
    await expect(model.predict([[0]])).rejects.toMatchObject({ code: 'INVALID_STATE' });
    await expect(model.fit([[0], [Number.NaN], [1]], [1, 2, 3])).rejects.toThrow(/row 2, feature 1 is NaN/);
    await expect(model.fit([[0], [1]], [1])).rejects.toThrow(/2 feature rows but 1 targets/);
    await expect(model.fit([[0, 1], [1]], [1, 2])).rejects.toThrow(/row 2 has 1 features, expected 2/);
    const data = heteroscedastic(50, 12);
    await model.fit(data.X, data.y);
    await expect(model.predict([[0, 1]])).rejects.toThrow(/2 features but the network was trained on 1/);
    await expect(model.predict([[0]], { levels: [1.2] })).rejects.toThrow(/levels/);
    model.dispose();
  });

  it('refuses bytes that are not a stored network, or from a newer format', () => {
    expect(() => BayesianNeuralNetwork.deserialize(new Uint8Array([1, 2, 3]))).toThrow(/not a Ballast BNN file/);
    const header = new TextEncoder().encode(JSON.stringify({ format: 'ballast-bnn', formatVersion: 99 }));
    const bytes = new Uint8Array(12 + header.length);
    bytes.set(new TextEncoder().encode('BLSTBNN1'));
    new DataView(bytes.buffer).setUint32(8, header.length, true);
    bytes.set(header, 12);
    expect(() => BayesianNeuralNetwork.deserialize(bytes)).toThrow(/newer Ballast/);
  });
});
