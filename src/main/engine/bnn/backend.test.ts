import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { computeBackendInfo, computeBackendInfoIfReady, initComputeBackend, selectComputeBackend, type BackendCandidate } from './backend';

const failing = (name: BackendCandidate['name'], label: string, message: string): BackendCandidate => ({
  name,
  label,
  load: () => Promise.reject(new Error(message)),
});

describe('selectComputeBackend', () => {
  it('takes the first candidate that loads and records why each earlier one did not', async () => {
    const info = await selectComputeBackend([
      failing('tensorflow-gpu', 'gpu package', "Cannot find module 'gpu'\nRequire stack: …"),
      failing('tensorflow', 'native package', 'libtensorflow.so.2: cannot open shared object file'),
      { name: 'cpu', label: 'cpu', load: () => Promise.resolve('plain JavaScript') },
      { name: 'wasm', label: 'never tried', load: () => Promise.reject(new Error('must not be reached')) },
    ]);
    expect(info).toEqual({
      name: 'cpu',
      detail: 'plain JavaScript',
      fallbacks: [
        { tried: 'gpu package', error: "Cannot find module 'gpu'" },
        { tried: 'native package', error: 'libtensorflow.so.2: cannot open shared object file' },
      ],
    });
  });

  it('fails with every reason when nothing loads', async () => {
    await expect(selectComputeBackend([failing('wasm', 'a', 'no wasm'), failing('cpu', 'b', 'no cpu')])).rejects.toThrow(/a: no wasm; b: no cpu/);
  });
});

describe('initComputeBackend', () => {
  it('has no info before it ran', () => {
    expect(computeBackendInfoIfReady()).toBeUndefined();
    expect(() => computeBackendInfo()).toThrow(/initComputeBackend/);
  });

  it('chooses once, falls back past missing native packages without crashing, and activates the choice', async () => {
    const info = await initComputeBackend();
    expect(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']).toContain(info.name);
    expect(tf.getBackend()).toBe(info.name === 'tensorflow-gpu' ? 'tensorflow' : info.name);
    // The fallbacks are exactly the faster backends, in order.
    const order = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-backend-wasm'];
    const rank = { 'tensorflow-gpu': 0, tensorflow: 1, wasm: 2, cpu: 3 }[info.name];
    expect(info.fallbacks.map((f) => f.tried)).toEqual(order.slice(0, rank));
    for (const f of info.fallbacks) expect(f.error.length).toBeGreaterThan(0);
    if (info.name === 'wasm') expect(info.detail).toMatch(/WebAssembly/);
    expect(computeBackendInfo()).toEqual(info);
    // A second call returns the first choice, whatever it asks for.
    await expect(initComputeBackend({ only: ['cpu'] })).resolves.toEqual(info);
    expect(tf.tidy(() => tf.sum(tf.tensor1d([1, 2, 3])).arraySync())).toBe(6);
  });
});
