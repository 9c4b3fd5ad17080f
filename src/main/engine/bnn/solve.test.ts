import { describe, expect, it } from 'vitest';
import { BallastError } from '../../../shared/errors';
import { SolveBnnSpecSchema, solveBnn } from './solve';

describe('solveBnn (CLI entry)', () => {
  const train = {
    X: Array.from({ length: 120 }, (_, i) => [i / 60 - 1, ((i * 7) % 11) / 11]),
    y: Array.from({ length: 120 }, (_, i) => Math.sin(3 * (i / 60 - 1)) + 0.1 * Math.cos(i * 12.9898)),
  };

  it('trains, predicts and returns plain arrays with the backend it ran on', async () => {
    const spec = { train, test: { X: [[0, 0.5], [0.5, 0.1], [3, 0.5]] }, config: { hiddenLayers: [8], epochs: 20 }, levels: [0.8], seed: 4 };
    const result = await solveBnn(spec);
    expect(result.backend.name).toMatch(/^(tensorflow-gpu|tensorflow|wasm|cpu)$/);
    expect(result.mean).toHaveLength(3);
    expect(result.intervals).toHaveLength(1);
    expect(result.intervals[0]!.level).toBe(0.8);
    for (let i = 0; i < 3; i++) {
      expect(result.intervals[0]!.lower[i]!).toBeLessThan(result.mean[i]!);
      expect(result.intervals[0]!.upper[i]!).toBeGreaterThan(result.mean[i]!);
      expect(result.epistemicVariance[i]!).toBeGreaterThan(0);
      expect(result.aleatoricVariance[i]!).toBeGreaterThan(0);
    }
    expect(result.training.seed).toBe(4);
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
    // Same spec, same seed: same answer.
    expect((await solveBnn(spec)).mean).toEqual(result.mean);
  });

  it('validates the spec with plain-words errors', async () => {
    await expect(solveBnn({ train: { X: [[1], [2]], y: [1, 2, 3] }, test: { X: [[1]] }, seed: 1 })).rejects.toThrow(/train\.y — 2 feature rows but 3 targets/);
    await expect(solveBnn({ train, test: { X: [[1]] }, seed: 1 })).rejects.toThrow(/test\.X\.0 — row has 1 features, expected 2/);
    await expect(solveBnn({ train, test: { X: [[1, 2]] }, config: { epochs: 0 }, seed: 1 })).rejects.toBeInstanceOf(BallastError);
    expect(SolveBnnSpecSchema.safeParse({ train, test: { X: [[1, 2]] }, seed: 1, extra: true }).success).toBe(false);
    expect(SolveBnnSpecSchema.safeParse({ train, test: { X: [[1, 2]] }, seed: 1 }).success).toBe(true);
  });
});
