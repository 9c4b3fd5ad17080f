import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BallastError } from '../../../shared/errors';
import { matrixFromData, matrixFromRows, quadraticForm } from '../math/linalg';
import { eulerRiskContributions } from './euler';
import { riskContributions } from './riskBudgeting';

describe('eulerRiskContributions', () => {
  it('a worked two-asset case: σ = (20 %, 10 %), ρ = 0.5, w = (0.5, 0.5)', () => {
    // Σ = [[0.04, 0.01], [0.01, 0.01]]; Σw = (0.025, 0.01); wᵀΣw = 0.0175; RC = (0.0125, 0.005) / √0.0175.
    const cov = matrixFromRows([
      [0.04, 0.01],
      [0.01, 0.01],
    ]);
    const rc = eulerRiskContributions(cov, Float64Array.of(0.5, 0.5));
    expect(rc[0]).toBeCloseTo(0.0125 / Math.sqrt(0.0175), 15);
    expect(rc[1]).toBeCloseTo(0.005 / Math.sqrt(0.0175), 15);
  });

  it('sums to the portfolio volatility and equals the variance shares × volatility', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }).chain((n) =>
          fc.record({
            n: fc.constant(n),
            factors: fc.array(fc.integer({ min: -100, max: 100 }), { minLength: n * (n + 2), maxLength: n * (n + 2) }),
            weights: fc.array(fc.integer({ min: 0, max: 100 }), { minLength: n, maxLength: n }),
          }),
        ),
        ({ n, factors, weights }) => {
          fc.pre(weights.some((w) => w > 0));
          // Σ = AᵀA / m + small ridge: positive definite, like a covariance estimate.
          const m = n + 2;
          const a = Float64Array.from(factors, (x) => x / 1000);
          const data = new Float64Array(n * n);
          for (let i = 0; i < n; i++) {
            for (let j = 0; j < n; j++) {
              let s = 0;
              for (let k = 0; k < m; k++) s += a[k * n + i]! * a[k * n + j]!;
              data[i * n + j] = s / m + (i === j ? 1e-6 : 0);
            }
          }
          const cov = matrixFromData(n, n, data);
          const w = Float64Array.from(weights, (x) => x / 100);
          const rc = eulerRiskContributions(cov, w);
          const volatility = Math.sqrt(quadraticForm(cov, w));
          expect(rc.reduce((s, x) => s + x, 0)).toBeCloseTo(volatility, 14);
          const shares = riskContributions(cov, w);
          rc.forEach((x, i) => expect(x).toBeCloseTo(shares[i]! * volatility, 14));
          // Homogeneous of degree one: halving every weight halves every contribution.
          const half = eulerRiskContributions(cov, w.map((x) => x / 2));
          half.forEach((x, i) => expect(x).toBeCloseTo(rc[i]! / 2, 15));
        },
      ),
    );
  });

  it('all cash has no risk and no contributions; bad input is refused', () => {
    const cov = matrixFromRows([
      [0.04, 0],
      [0, 0.01],
    ]);
    expect(Array.from(eulerRiskContributions(cov, new Float64Array(2)))).toEqual([0, 0]);
    expect(() => eulerRiskContributions(cov, Float64Array.of(1))).toThrow(BallastError);
    const indefinite = matrixFromRows([
      [0.01, 0.05],
      [0.05, 0.01],
    ]);
    expect(() => eulerRiskContributions(indefinite, Float64Array.of(1, -1))).toThrow(/not positive semidefinite/);
  });
});
