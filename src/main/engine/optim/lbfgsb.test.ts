import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BallastError } from '../../../shared/errors';
import { type Objective, minimize } from './lbfgsb';

const SEED = 20240601;

const free = (n: number) => ({
  lower: new Float64Array(n).fill(-Infinity),
  upper: new Float64Array(n).fill(Infinity),
});

/** Extended Rosenbrock, Σ 100(x_{i+1} − x_i²)² + (1 − x_i)²; minimum 0 at (1, …, 1). */
const rosenbrock: Objective = (x) => {
  const n = x.length;
  const gradient = new Float64Array(n);
  let value = 0;
  for (let i = 0; i + 1 < n; i++) {
    const a = x[i]!;
    const b = x[i + 1]!;
    const t = b - a * a;
    value += 100 * t * t + (1 - a) * (1 - a);
    gradient[i] = gradient[i]! - 400 * a * t - 2 * (1 - a);
    gradient[i + 1] = gradient[i + 1]! + 200 * t;
  }
  return { value, gradient };
};

describe('minimize (L-BFGS-B) on Rosenbrock', () => {
  it('finds (1, 1) from the classic start (−1.2, 1) without bounds', () => {
    const result = minimize(rosenbrock, Float64Array.from([-1.2, 1]), { ...free(2), gradientTolerance: 1e-9 });
    expect(result.converged).toBe(true);
    expect(Math.abs(result.x[0]! - 1)).toBeLessThan(1e-6);
    expect(Math.abs(result.x[1]! - 1)).toBeLessThan(1e-6);
    expect(result.value).toBeLessThan(1e-12);
    expect(result.iterations).toBeLessThan(60);
  });

  it('finds the 10-dimensional minimum from the origin', () => {
    const result = minimize(rosenbrock, new Float64Array(10), { ...free(10), gradientTolerance: 1e-8, functionTolerance: 0 });
    expect(result.converged).toBe(true);
    for (const v of result.x) expect(Math.abs(v - 1)).toBeLessThan(1e-5);
  });

  it('stops on the active bound x₁ ≤ 0.5 at (0.5, 0.25)', () => {
    // For x₁ ≤ 0.5, f ≥ (1 − x₁)² ≥ 0.25 with equality only at x₂ = x₁² = 0.25.
    const result = minimize(rosenbrock, Float64Array.from([-1.2, 1]), {
      lower: Float64Array.from([-2, -2]),
      upper: Float64Array.from([0.5, 2]),
      gradientTolerance: 1e-10,
    });
    expect(result.converged).toBe(true);
    expect(result.x[0]).toBe(0.5);
    expect(Math.abs(result.x[1]! - 0.25)).toBeLessThan(1e-8);
    expect(Math.abs(result.value - 0.25)).toBeLessThan(1e-14);
    // KKT at an upper bound: the gradient pushes outward (negative), the free component vanishes.
    expect(result.gradient[0]!).toBeLessThan(0);
    expect(result.projectedGradientNorm).toBeLessThanOrEqual(1e-10);
  });

  it('stops with both variables bounded below the unconstrained minimum', () => {
    // Box [-2, 0.8] × [-2, 0.5]: the corner region; x₂ = 0.5 binds and x₁ solves ∂f/∂x₁ = 0 on it.
    const result = minimize(rosenbrock, Float64Array.from([-1, -1]), {
      lower: Float64Array.from([-2, -2]),
      upper: Float64Array.from([0.8, 0.5]),
      // f ≈ 0.085 there, so float64 cannot see improvements once the gradient is much below 1e-7.
      gradientTolerance: 1e-7,
      functionTolerance: 0,
    });
    expect(result.converged).toBe(true);
    expect(result.x[1]).toBe(0.5);
    const { gradient } = rosenbrock(result.x);
    expect(Math.abs(gradient[0]!)).toBeLessThanOrEqual(1e-7);
    expect(gradient[1]!).toBeLessThan(0);
  });
});

/**
 * Box-constrained strictly convex quadratics ½xᵀAx − bᵀx whose solution is known by construction: pick x*,
 * an active set and multipliers, then set b = Ax* − g with g_i = 0 (free), > 0 (at lower), < 0 (at upper),
 * which makes x* the unique KKT point.
 */
const knownQuadratic = fc.integer({ min: 1, max: 16 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    factor: fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: n * n, maxLength: n * n }),
    // Grid values (k/1000) rather than arbitrary doubles: a subnormal bound within the gradient tolerance of
    // the start would let the run stop, correctly, a hair away from the bound.
    solution: fc.array(fc.integer({ min: -2000, max: 2000 }).map((k) => k / 1000), { minLength: n, maxLength: n }),
    status: fc.array(fc.constantFrom('free', 'lower', 'upper'), { minLength: n, maxLength: n }),
    multipliers: fc.array(fc.double({ min: 0.01, max: 3, noNaN: true }), { minLength: n, maxLength: n }),
    start: fc.array(fc.integer({ min: -1000, max: 1000 }).map((k) => k / 100), { minLength: n, maxLength: n }),
  }),
);

describe('minimize on bound-constrained quadratics with a known solution', () => {
  it('recovers x* to 1e-6 and active bounds exactly', () => {
    fc.assert(
      fc.property(knownQuadratic, ({ n, factor, solution, status, multipliers, start }) => {
        // A = FFᵀ/n + 0.5 I: condition number at most about 2n + 1.
        const A = new Float64Array(n * n);
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < n; j++) {
            let s = i === j ? 0.5 : 0;
            for (let k = 0; k < n; k++) s += (factor[i * n + k]! * factor[j * n + k]!) / n;
            A[i * n + j] = s;
          }
        }
        const lower = new Float64Array(n);
        const upper = new Float64Array(n);
        const g = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          const xi = solution[i]!;
          if (status[i] === 'lower') {
            lower[i] = xi;
            upper[i] = xi + 3;
            g[i] = multipliers[i]!;
          } else if (status[i] === 'upper') {
            lower[i] = xi - 3;
            upper[i] = xi;
            g[i] = -multipliers[i]!;
          } else {
            lower[i] = i % 2 === 0 ? -Infinity : xi - 5;
            upper[i] = i % 2 === 0 ? Infinity : xi + 5;
          }
        }
        const b = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          let ax = 0;
          for (let j = 0; j < n; j++) ax += A[i * n + j]! * solution[j]!;
          b[i] = ax - g[i]!;
        }
        const quadratic: Objective = (x) => {
          const gradient = new Float64Array(n);
          let value = 0;
          for (let i = 0; i < n; i++) {
            let ax = 0;
            for (let j = 0; j < n; j++) ax += A[i * n + j]! * x[j]!;
            gradient[i] = ax - b[i]!;
            value += 0.5 * x[i]! * ax - b[i]! * x[i]!;
          }
          return { value, gradient };
        };
        const result = minimize(quadratic, Float64Array.from(start), {
          lower,
          upper,
          gradientTolerance: 1e-10,
          functionTolerance: 0,
        });
        expect(result.converged).toBe(true);
        for (let i = 0; i < n; i++) {
          expect(Math.abs(result.x[i]! - solution[i]!)).toBeLessThan(1e-6);
          // == rather than toBe: a bound of −0 is met by 0.
          if (status[i] === 'lower') expect(result.x[i] === lower[i]).toBe(true);
          if (status[i] === 'upper') expect(result.x[i] === upper[i]).toBe(true);
          expect(result.x[i]!).toBeGreaterThanOrEqual(lower[i]!);
          expect(result.x[i]!).toBeLessThanOrEqual(upper[i]!);
        }
      }),
      { seed: SEED, numRuns: 120 },
    );
  });
});

describe('minimize: edge cases', () => {
  it('projects a start outside the box and keeps a fixed variable (lower = upper) fixed', () => {
    const seen: number[] = [];
    const f: Objective = (x) => {
      seen.push(x[1]!);
      return {
        value: (x[0]! - 3) ** 2 + (x[1]! - 3) ** 2,
        gradient: Float64Array.from([2 * (x[0]! - 3), 2 * (x[1]! - 3)]),
      };
    };
    const result = minimize(f, Float64Array.from([10, 10]), {
      lower: Float64Array.from([-1, 2]),
      upper: Float64Array.from([1, 2]),
    });
    expect(Array.from(result.x)).toEqual([1, 2]);
    expect(seen.every((v) => v === 2)).toBe(true);
    expect(result.converged).toBe(true);
  });

  it('backs off from a region where the objective is not finite', () => {
    // f = −x − log(2 − x) is undefined for x ≥ 2 and has its minimum at x = 1; the first trial step lands on 2.
    const f: Objective = (x) => {
      const v = x[0]!;
      return v >= 2
        ? { value: NaN, gradient: Float64Array.from([NaN]) }
        : { value: -v - Math.log(2 - v), gradient: Float64Array.from([-1 + 1 / (2 - v)]) };
    };
    const result = minimize(f, Float64Array.from([0]), { lower: Float64Array.from([0]), upper: Float64Array.from([Infinity]) });
    expect(result.converged).toBe(true);
    expect(Math.abs(result.x[0]! - 1)).toBeLessThan(1e-6);
  });

  it('reports the iteration limit as not converged', () => {
    const result = minimize(rosenbrock, Float64Array.from([-1.2, 1]), { ...free(2), maxIterations: 3 });
    expect(result.converged).toBe(false);
    expect(result.iterations).toBe(3);
    expect(result.message).toMatch(/iteration limit/);
  });

  it('returns at once when the start is already optimal, and when it is not finite', () => {
    const atMinimum = minimize(rosenbrock, Float64Array.from([1, 1]), free(2));
    expect(atMinimum.converged).toBe(true);
    expect(atMinimum.iterations).toBe(0);
    const broken = minimize(() => ({ value: Infinity, gradient: new Float64Array(1) }), new Float64Array(1), free(1));
    expect(broken.converged).toBe(false);
    expect(broken.message).toMatch(/not finite at the starting point/);
  });

  it('refuses inconsistent bounds and options with BAD_INPUT', () => {
    const attempt = (run: () => unknown) => {
      try {
        run();
      } catch (e) {
        return e instanceof BallastError ? e.code : 'other';
      }
      return 'none';
    };
    const x0 = new Float64Array(2);
    expect(attempt(() => minimize(rosenbrock, x0, { lower: Float64Array.from([1, 0]), upper: Float64Array.from([0, 1]) }))).toBe(
      'BAD_INPUT',
    );
    expect(attempt(() => minimize(rosenbrock, x0, { lower: new Float64Array(1), upper: new Float64Array(2) }))).toBe('BAD_INPUT');
    expect(attempt(() => minimize(rosenbrock, x0, { ...free(2), memory: 0 }))).toBe('BAD_INPUT');
  });
});
