import { describe, expect, it } from 'vitest';
import { createRng, mixSeed } from './random';

describe('seeded random numbers', () => {
  it('repeat for a seed and differ between seeds', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(xs);
  });

  it('are uniform on [0, 1) and standard normal in their first two moments', () => {
    const rng = createRng(7);
    const n = 100_000;
    let outside = 0;
    let below = 0;
    let sum = 0;
    let squares = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.next();
      if (!(u >= 0 && u < 1)) outside++;
      if (u < 0.25) below++;
      const z = rng.normal();
      sum += z;
      squares += z * z;
    }
    expect(outside).toBe(0);
    // Tolerances are about 4 standard errors.
    expect(Math.abs(below / n - 0.25)).toBeLessThan(0.006);
    expect(Math.abs(sum / n)).toBeLessThan(0.013);
    expect(Math.abs(squares / n - 1)).toBeLessThan(0.02);
  });

  it('mixes seed parts into distinct streams', () => {
    const seeds = new Set<number>();
    for (let a = 0; a < 20; a++) for (let b = 0; b < 20; b++) seeds.add(mixSeed(a, b));
    expect(seeds.size).toBe(400);
    expect(mixSeed(1, 2)).not.toBe(mixSeed(2, 1));
    expect(mixSeed(2 ** 40)).not.toBe(mixSeed(0));
  });
});
