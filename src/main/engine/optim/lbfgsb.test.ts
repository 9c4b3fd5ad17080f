import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BallastError } from '../../../shared/errors';
import { createRng, mixSeed } from '../math/random';
import { type Objective, Workspace, compactHessian, generalizedCauchyPoint, minimize, subspaceMinimum } from './lbfgsb';

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
const knownQuadratic = (dimensions: fc.Arbitrary<number>) =>
  dimensions.chain((n) =>
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

type KnownQuadratic = typeof knownQuadratic extends (d: fc.Arbitrary<number>) => fc.Arbitrary<infer T> ? T : never;

function recoversKnownSolution({ n, factor, solution, status, multipliers, start }: KnownQuadratic, memory?: number): void {
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
    ...(memory !== undefined ? { memory } : {}),
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
}

describe('minimize on bound-constrained quadratics with a known solution', () => {
  it('recovers x* to 1e-6 and active bounds exactly', () => {
    fc.assert(
      fc.property(knownQuadratic(fc.integer({ min: 1, max: 16 })), (q) => recoversKnownSolution(q)),
      { seed: SEED, numRuns: 120 },
    );
  });

  it('does so with many free variables and a short memory (subspace step through Woodbury, f > 2m)', () => {
    fc.assert(
      fc.property(knownQuadratic(fc.constant(40)), (q) => recoversKnownSolution(q, 3)),
      { seed: SEED, numRuns: 15 },
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

/** m curvature pairs in n dimensions, y = Aₖs with a fresh SPD Aₖ per pair, so each pair has sᵀy > 0. */
function curvaturePairs(n: number, m: number, seed: number): { S: Float64Array[]; Y: Float64Array[]; theta: number } {
  const rng = createRng(seed);
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  for (let k = 0; k < m; k++) {
    const factor = Float64Array.from({ length: n * n }, () => rng.normal());
    const s = Float64Array.from({ length: n }, () => rng.normal());
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let v = 0.3 * s[i]!;
      for (let j = 0; j < n; j++) {
        let aij = 0;
        for (let l = 0; l < n; l++) aij += (factor[i * n + l]! * factor[j * n + l]!) / n;
        v += aij * s[j]!;
      }
      y[i] = v;
    }
    S.push(s);
    Y.push(y);
  }
  const last = m - 1;
  return { S, Y, theta: dot(Y[last]!, Y[last]!) / dot(S[last]!, Y[last]!) };
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * The BFGS matrix the compact form stands for, built the long way: B₀ = θI, then for each pair in order
 * B ← B − Bssᵀ B / sᵀBs + yyᵀ / yᵀs (Byrd, Nocedal & Schnabel 1994, Theorem 2.3, equate the two).
 */
function denseBfgs(S: Float64Array[], Y: Float64Array[], theta: number, n: number): Float64Array {
  const B = new Float64Array(n * n);
  for (let i = 0; i < n; i++) B[i * n + i] = theta;
  S.forEach((s, k) => {
    const y = Y[k]!;
    const Bs = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) Bs[i] = Bs[i]! + B[i * n + j]! * s[j]!;
    const sBs = dot(s, Bs);
    const ys = dot(y, s);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) B[i * n + j] = B[i * n + j]! - (Bs[i]! * Bs[j]!) / sBs + (y[i]! * y[j]!) / ys;
    }
  });
  return B;
}

/** Gaussian elimination with partial pivoting, for reference answers only. */
function denseSolve(A: Float64Array, b: Float64Array, k: number): Float64Array {
  const a = Float64Array.from(A);
  const x = Float64Array.from(b);
  for (let col = 0; col < k; col++) {
    let pivot = col;
    for (let r = col + 1; r < k; r++) if (Math.abs(a[r * k + col]!) > Math.abs(a[pivot * k + col]!)) pivot = r;
    for (let j = 0; j < k; j++) [a[col * k + j], a[pivot * k + j]] = [a[pivot * k + j]!, a[col * k + j]!];
    [x[col], x[pivot]] = [x[pivot]!, x[col]!];
    for (let r = col + 1; r < k; r++) {
      const factor = a[r * k + col]! / a[col * k + col]!;
      for (let j = col; j < k; j++) a[r * k + j] = a[r * k + j]! - factor * a[col * k + j]!;
      x[r] = x[r]! - factor * x[col]!;
    }
  }
  for (let r = k - 1; r >= 0; r--) {
    let s = x[r]!;
    for (let j = r + 1; j < k; j++) s -= a[r * k + j]! * x[j]!;
    x[r] = s / a[r * k + r]!;
  }
  return x;
}

const maxAbs = (v: ArrayLike<number>) => Array.from(v).reduce((worst, e) => Math.max(worst, Math.abs(e)), 0);

// (n, pairs): the acquisition problems (6 variables, memory 6), the GP fit's 8 with memory 10, more pairs than
// variables (S rank-deficient, T still positive definite through L D⁻¹ Lᵀ), and n ≫ m.
const SHAPES: [number, number][] = [
  [6, 6],
  [8, 10],
  [2, 5],
  [40, 3],
  [1, 1],
];

describe('compact limited-memory Hessian (Byrd et al. 1995, eq. 3.4)', () => {
  it.each(SHAPES)('n = %i with %i pairs: θI − WMWᵀ is the recursive BFGS matrix and M inverts the middle matrix', (n, m) => {
    for (let seed = 0; seed < 10; seed++) {
      const { S, Y, theta } = curvaturePairs(n, m, mixSeed(SEED, n, m, seed));
      const model = compactHessian(S, Y, theta, n);
      expect(model).not.toBeNull();
      const { W, M, width } = model!;
      expect(width).toBe(2 * m);
      const B = denseBfgs(S, Y, theta, n);
      const compact = new Float64Array(n * n);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let wmw = 0;
          for (let a = 0; a < width; a++) for (let b = 0; b < width; b++) wmw += W[i * width + a]! * M[a * width + b]! * W[j * width + b]!;
          compact[i * n + j] = (i === j ? theta : 0) - wmw - B[i * n + j]!;
        }
      }
      expect(maxAbs(compact) / maxAbs(B)).toBeLessThan(1e-10);
      // M · [[−D, Lᵀ], [L, θSᵀS]] = I, checked entry by entry against the definition.
      const middle = (a: number, b: number): number => {
        if (a < m && b < m) return a === b ? -dot(S[a]!, Y[a]!) : 0;
        if (a >= m && b >= m) return theta * dot(S[a - m]!, S[b - m]!);
        const [row, col] = a >= m ? [a - m, b] : [b - m, a];
        return row > col ? dot(S[row]!, Y[col]!) : 0;
      };
      let worst = 0;
      let scale = 0;
      for (let a = 0; a < width; a++) {
        for (let b = 0; b < width; b++) {
          let s = 0;
          for (let k = 0; k < width; k++) s += M[a * width + k]! * middle(k, b);
          worst = Math.max(worst, Math.abs(s - (a === b ? 1 : 0)));
          scale = Math.max(scale, Math.abs(M[a * width + b]!));
        }
      }
      // The residual of an inverse grows with the condition number; M's size bounds it here.
      expect(worst / Math.max(scale, 1)).toBeLessThan(1e-10);
    }
  });

  it('reports a middle matrix singular to float64 as a restart (null), not a meaningless M', () => {
    // One pair stored twice, with s and y nearly orthogonal (sᵀy = δ‖s‖‖y‖, still accepted by the sᵀy > ε‖y‖²
    // test): T = θSᵀS + L D⁻¹ Lᵀ has entries ≈ θ‖s‖² = 1/δ and a last pivot of δ, which float64 computes as 0
    // for δ = 1e-9 and as 1.5e-8 — half rounding noise — for δ = 1e-8.
    for (const delta of [1e-9, 1e-8]) {
      const s = Float64Array.from([1, 0, 0]);
      const y = Float64Array.from([delta, 1, 0]);
      const theta = dot(y, y) / dot(s, y);
      expect(compactHessian([s, s], [y, y], theta, 3)).toBeNull();
      // The same pair once is an ordinary model.
      expect(compactHessian([s], [y], theta, 3)).not.toBeNull();
    }
  });
});

describe('subspace minimisation (Byrd et al. 1995, §5.1)', () => {
  /**
   * The model m(z) = gᵀz + ½zᵀBz (z = x̂ − x) minimised over the variables free at the Cauchy point, with B the
   * dense recursive BFGS matrix: solve B̂ du = −Zᵀ(g + B(x_cp − x)), then take the longest step ≤ 1 along du
   * that stays in the box (§5.1's truncation).
   */
  function denseSubspaceMinimum(
    x: Float64Array,
    g: Float64Array,
    lower: Float64Array,
    upper: Float64Array,
    B: Float64Array,
    cauchyPoint: Float64Array,
    free: number[],
  ): Float64Array {
    const n = x.length;
    const f = free.length;
    const reduced = new Float64Array(f * f);
    const r = new Float64Array(f);
    free.forEach((i, a) => {
      let bz = 0;
      for (let j = 0; j < n; j++) bz += B[i * n + j]! * (cauchyPoint[j]! - x[j]!);
      r[a] = -(g[i]! + bz);
      free.forEach((j, b) => (reduced[a * f + b] = B[i * n + j]!));
    });
    const du = denseSolve(reduced, r, f);
    let step = 1;
    free.forEach((i, a) => {
      if (du[a]! > 0) step = Math.min(step, (upper[i]! - cauchyPoint[i]!) / du[a]!);
      if (du[a]! < 0) step = Math.min(step, (lower[i]! - cauchyPoint[i]!) / du[a]!);
    });
    const out = Float64Array.from(cauchyPoint);
    free.forEach((i, a) => (out[i] = cauchyPoint[i]! + step * du[a]!));
    return out;
  }

  // (n, pairs, expected path): f ≤ 2m factors the reduced Hessian, f > 2m goes through Woodbury.
  const CASES: [number, number, 'reduced' | 'Woodbury'][] = [
    [6, 6, 'reduced'],
    [8, 10, 'reduced'],
    [13, 3, 'Woodbury'],
    [40, 3, 'Woodbury'],
  ];
  it.each(CASES)('n = %i with %i pairs (%s path) matches the dense model minimiser, some variables held at bounds', (n, m, path) => {
    for (let seed = 0; seed < 20; seed++) {
      const rng = createRng(mixSeed(SEED, 77, n, m, seed));
      const { S, Y, theta } = curvaturePairs(n, m, mixSeed(SEED, 78, n, m, seed));
      const lower = new Float64Array(n).fill(-1);
      const upper = new Float64Array(n).fill(1);
      const x = Float64Array.from({ length: n }, () => 1.6 * rng.next() - 0.8);
      const g = Float64Array.from({ length: n }, () => rng.normal());
      // Variables 0 and 1 sit on a bound with the gradient pushing out: fixed from the start of the Cauchy path.
      x[0] = -1;
      g[0] = Math.abs(g[0]!) + 0.1;
      x[1] = 1;
      g[1] = -Math.abs(g[1]!) - 0.1;
      // Wide bounds on half the rest, so the Newton step is not always cut short by the box.
      for (let i = 2; i < n; i += 2) {
        lower[i] = -1e3;
        upper[i] = 1e3;
      }
      const model = compactHessian(S, Y, theta, n)!;
      const cauchy = generalizedCauchyPoint(x, g, lower, upper, model);
      const free: number[] = [];
      for (let i = 0; i < n; i++) if (!cauchy.fixed[i]) free.push(i);
      expect(free.length).toBeLessThan(n);
      if (free.length === 0) continue;
      expect(free.length <= model.width ? 'reduced' : 'Woodbury').toBe(path);
      const expected = denseSubspaceMinimum(x, g, lower, upper, denseBfgs(S, Y, theta, n), cauchy.x, free);
      const result = subspaceMinimum(x, g, lower, upper, model, cauchy);
      const scale = Math.max(maxAbs(expected.map((v, i) => v - cauchy.x[i]!)), 1e-300);
      for (let i = 0; i < n; i++) {
        expect(result[i]!).toBeGreaterThanOrEqual(lower[i]!);
        expect(result[i]!).toBeLessThanOrEqual(upper[i]!);
        expect(Math.abs(result[i]! - expected[i]!) / scale).toBeLessThan(1e-10);
      }
    }
  });

  it('gives bit for bit the same steps with one workspace reused across widths and free sets as with fresh ones', () => {
    // minimize keeps one Workspace for a whole run while the number of pairs and of free variables change from
    // iteration to iteration; nothing left over from a wider or narrower step may leak into the next.
    const n = 13;
    const work = new Workspace(n, 6);
    let paths = '';
    for (const [step, m] of [6, 3, 5, 1, 2, 6, 4].entries()) {
      const rng = createRng(mixSeed(SEED, 79, step));
      const { S, Y, theta } = curvaturePairs(n, m, mixSeed(SEED, 80, step));
      const lower = new Float64Array(n).fill(-1);
      const upper = new Float64Array(n).fill(1);
      const x = Float64Array.from({ length: n }, () => 1.6 * rng.next() - 0.8);
      const g = Float64Array.from({ length: n }, () => rng.normal());
      // A varying number of variables held at their bounds from the start.
      for (let i = 0; i < (step * 5) % n; i++) {
        x[i] = g[i]! > 0 ? -1 : 1;
      }
      const fresh = compactHessian(S, Y, theta, n)!;
      const freshCauchy = generalizedCauchyPoint(x, g, lower, upper, fresh);
      const freshTarget = subspaceMinimum(x, g, lower, upper, fresh, freshCauchy);
      const model = compactHessian(S, Y, theta, n, work)!;
      expect(Array.from(model.W.subarray(0, n * model.width))).toEqual(Array.from(fresh.W));
      expect(Array.from(model.M.subarray(0, model.width * model.width))).toEqual(Array.from(fresh.M));
      const cauchy = generalizedCauchyPoint(x, g, lower, upper, model, work);
      expect(Array.from(cauchy.x)).toEqual(Array.from(freshCauchy.x));
      expect(Array.from(cauchy.c.subarray(0, model.width))).toEqual(Array.from(freshCauchy.c));
      expect(Array.from(cauchy.fixed)).toEqual(Array.from(freshCauchy.fixed));
      expect(Array.from(subspaceMinimum(x, g, lower, upper, model, cauchy, work))).toEqual(Array.from(freshTarget));
      const free = cauchy.fixed.reduce((count, fixed) => count + 1 - fixed, 0);
      paths += free <= model.width ? 'r' : 'w';
    }
    // Both subspace paths ran, in alternation.
    expect(paths).toMatch(/r.*w.*r|w.*r.*w/);
  });
});
