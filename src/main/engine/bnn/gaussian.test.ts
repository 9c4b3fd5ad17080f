import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mixtureQuantile, normalCdf, normalPdf, normalQuantile } from './gaussian';

// Reference values from CPython 3 `0.5 * math.erfc(-x / sqrt(2))` and `statistics.NormalDist().inv_cdf(p)`.
const CDF_REFERENCE: [number, number][] = [
  [-30, 4.906713927148764e-198],
  [-10, 7.619853024160593e-24],
  [-5, 2.866515718791946e-7],
  [-3, 0.0013498980316300957],
  [-1.96, 0.024997895148220435],
  [-1, 0.15865525393145707],
  [0, 0.5],
  [0.3, 0.6179114221889526],
  [1, 0.8413447460685429],
  [2, 0.9772498680518208],
  [6, 0.9999999990134123],
];
const QUANTILE_REFERENCE: [number, number][] = [
  [1e-10, -6.361340902404056],
  [1e-5, -4.2648907939228256],
  [0.001, -3.090232306167813],
  [0.025, -1.9599639845400538],
  [0.1, -1.2815515655446008],
  [0.25, -0.6744897501960817],
  [0.5, 0],
  [0.9, 1.2815515655446008],
  [0.975, 1.9599639845400536],
  [0.999, 3.090232306167813],
];

describe('normal distribution', () => {
  it('matches CPython erfc for the CDF (relative 1e-8 in the far tail, 1e-14 absolute in the body)', () => {
    for (const [x, ref] of CDF_REFERENCE) {
      expect(Math.abs(normalCdf(x) - ref)).toBeLessThanOrEqual(Math.max(1e-8 * ref, 1e-15));
    }
  });

  it('matches CPython NormalDist.inv_cdf for the quantile', () => {
    // In the far tail the CDF's 1e-8 relative accuracy bounds the quantile's (≈ 1e-8 / |z|² relative).
    for (const [p, ref] of QUANTILE_REFERENCE) expect(Math.abs(normalQuantile(p) - ref)).toBeLessThan(p < 1e-4 ? 1e-9 : 1e-12);
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(normalQuantile(1)).toBe(Infinity);
    expect(normalQuantile(1.5)).toBeNaN();
  });

  it('quantile inverts the CDF', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-12, max: 1 - 1e-12, noNaN: true }), (p) => {
        expect(normalCdf(normalQuantile(p))).toBeCloseTo(p, 12);
      }),
    );
  });

  it('pdf integrates to the CDF', () => {
    let acc = 0;
    const h = 1e-3;
    for (let i = 0; i < 11_000; i++) acc += h * normalPdf(-10 + (i + 0.5) * h);
    expect(acc).toBeCloseTo(normalCdf(1), 6);
  });
});

describe('mixtureQuantile', () => {
  it('equals the Gaussian quantile for one component', () => {
    for (const p of [0.025, 0.1, 0.5, 0.95]) {
      expect(mixtureQuantile(p, [1.5], [4], 1)).toBeCloseTo(1.5 + 2 * normalQuantile(p), 10);
    }
  });

  it('puts the median of a symmetric two-component mixture at its centre', () => {
    expect(mixtureQuantile(0.5, [-2, 2], [1, 1], 2)).toBeCloseTo(0, 10);
  });

  it('returns the point where the mixture CDF equals p (random mixtures, strided layout)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.double({ min: -5, max: 5, noNaN: true }), fc.double({ min: 0.01, max: 9, noNaN: true })), { minLength: 1, maxLength: 20 }),
        fc.double({ min: 0.001, max: 0.999, noNaN: true }),
        (components, p) => {
          const k = components.length;
          // Interleave with a decoy series to exercise offset/stride.
          const means = new Float64Array(2 * k);
          const variances = new Float64Array(2 * k).fill(1);
          components.forEach(([m, v], i) => {
            means[2 * i + 1] = m;
            variances[2 * i + 1] = v;
            means[2 * i] = 1000;
          });
          const q = mixtureQuantile(p, means, variances, k, 1, 2);
          const cdf = components.reduce((acc, [m, v]) => acc + normalCdf((q - m) / Math.sqrt(v)), 0) / k;
          // The solver stops on |CDF − p| ≤ 1e-13; summing k CDFs here adds at most a few ulps each.
          expect(Math.abs(cdf - p)).toBeLessThan(1e-12);
        },
      ),
      { numRuns: 200 },
    );
  });
});
