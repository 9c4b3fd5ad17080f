import { type Matrix, matrixFromData } from '../../math/linalg';
import { createRng } from '../../math/random';

/** Seeded design and responses for the GP tests: n points in [0, 1]^d and a smooth function plus noise. */
export function syntheticData(n: number, d: number, seed: number, noise = 0.05): { X: Matrix; y: Float64Array } {
  const rng = createRng(seed);
  const X = matrixFromData(n, d, Float64Array.from({ length: n * d }, () => rng.next()));
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += Math.sin(3 * (k + 1) * X.data[i * d + k]!) / (k + 1);
    y[i] = s + noise * rng.normal();
  }
  return { X, y };
}

export function randomPoints(m: number, d: number, seed: number, lo = 0, hi = 1): Matrix {
  const rng = createRng(seed);
  return matrixFromData(m, d, Float64Array.from({ length: m * d }, () => lo + (hi - lo) * rng.next()));
}
