import { describe, expect, it } from 'vitest';
import { createRng } from '../math/random';
import { normalCdf } from './gaussian';
import { NormalStream } from './normals';

describe('NormalStream (ziggurat)', () => {
  const n = 400_000;
  const draws = new NormalStream(createRng(11)).fill(new Float32Array(n));

  it('has the moments of a standard normal', () => {
    let m = 0;
    let v = 0;
    let k = 0;
    for (const x of draws) {
      m += x;
      v += x * x;
      k += x ** 4;
    }
    m /= n;
    v /= n;
    k /= n;
    // Sampling standard errors: mean 1/√n, variance √(2/n), fourth moment √(96/n).
    expect(Math.abs(m)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(v - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(Math.abs(k - 3)).toBeLessThan(5 * Math.sqrt(96 / n));
  });

  it('passes a Kolmogorov–Smirnov test and fills the tails beyond the base strip', () => {
    const sorted = Float64Array.from(draws).sort();
    let d = 0;
    for (let i = 0; i < n; i++) {
      const c = normalCdf(sorted[i]!);
      d = Math.max(d, Math.abs(c - i / n), Math.abs(c - (i + 1) / n));
    }
    expect(d).toBeLessThan(1.63 / Math.sqrt(n)); // 1 % critical value
    const beyond = draws.filter((x) => Math.abs(x) > 3.5).length / n;
    expect(beyond).toBeCloseTo(2 * normalCdf(-3.5), 3);
  });

  it('is reproducible from the seed and differs across seeds', () => {
    const a = new NormalStream(createRng(5)).fill(new Float32Array(100));
    const b = new NormalStream(createRng(5)).fill(new Float32Array(100));
    const c = new NormalStream(createRng(6)).fill(new Float32Array(100));
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    const stream = new NormalStream(createRng(5));
    const oneByOne = Array.from({ length: 100 }, () => stream.next());
    expect(oneByOne.map((x) => Math.fround(x))).toEqual(Array.from(a));
  });

  it('draws inverted-dropout masks at the keep rate', () => {
    const mask = new NormalStream(createRng(3)).fillDropoutMask(new Float32Array(100_000), 0.8);
    const kept = mask.filter((v) => v > 0);
    expect(kept.length / mask.length).toBeCloseTo(0.8, 2);
    expect(kept[0]).toBeCloseTo(1.25, 6);
  });
});
