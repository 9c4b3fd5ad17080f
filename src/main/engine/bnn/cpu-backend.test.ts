import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initComputeBackend } from './backend';
import { BayesianNeuralNetwork } from './model';

// The last-resort backend must run the whole model too (its own process: vitest isolates test files).
describe('on the plain JavaScript backend', () => {
  it('trains and predicts', async () => {
    const info = await initComputeBackend({ only: ['cpu'] });
    expect(info.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    const X = Array.from({ length: 64 }, (_, i) => [i / 32 - 1]);
    const y = X.map(([x]) => 2 * x! + 0.1 * Math.sin(40 * x!));
    const model = new BayesianNeuralNetwork({ hiddenLayers: [8], epochs: 5, batchSize: 32, validationFraction: 0, seed: 3 });
    await model.fit(X, y);
    const p = await model.predict([[0], [0.5]], { samples: 10 });
    expect(p.mean.every(Number.isFinite)).toBe(true);
    expect(p.epistemicVariance.every((v) => v > 0)).toBe(true);
    model.dispose();
  });
});
