import { BallastError } from '../../../shared/errors';

/**
 * L-BFGS-B: limited-memory quasi-Newton minimisation under simple bounds l ≤ x ≤ u.
 *
 * Method (Byrd, Lu, Nocedal & Zhu 1995, "A limited memory algorithm for bound constrained optimization",
 * SIAM J. Sci. Comput. 16(5)): each iteration
 *   1. builds the compact limited-memory Hessian B = θI − W M Wᵀ, W = [Y, θS] (§3, eq. 3.2–3.4);
 *   2. finds the generalized Cauchy point — the first local minimiser of the quadratic model along the
 *      projected steepest-descent path x(t) = P(x − t g), walking the breakpoints in order (§4, Alg. CP);
 *   3. minimises the model over the variables still free at the Cauchy point by the direct primal method
 *      (§5.1: the reduced Hessian factored as it stands when the free variables are at most 2m, through
 *      Sherman–Morrison–Woodbury when they are more), truncating the step to stay in the box;
 *   4. searches along the resulting direction for a point meeting the strong Wolfe conditions (c₁ = 1e-3,
 *      c₂ = 0.9 as in the reference code), never leaving the box.
 * The pair (s, y) enters the memory only when sᵀy > ε‖y‖², which keeps B positive definite.
 *
 * Why hand-written: the GP hyperparameter fit needs box constraints (lengthscales and variances live in
 * bounded log ranges) and there is no well-kept L-BFGS-B on npm — the packages found are unmaintained
 * ports, unconstrained L-BFGS only, or wrap Fortran/WASM builds we would have to ship and audit. The
 * algorithm is small enough to own, and it is tested here against known solutions.
 *
 * Stopping: ‖P(x − g) − x‖∞ ≤ gradientTolerance (converged), relative reduction
 * (f_k − f_{k+1}) / max(|f_k|, |f_{k+1}|, 1) ≤ functionTolerance (converged; scipy's `factr·eps`), or the
 * iteration/evaluation limits (not converged). A failed line search along a direction whose predicted decrease
 * is below the float64 resolution of f also counts as converged: f cannot show any further progress. Objective
 * values that are not finite (say a Cholesky that failed) are treated as "step too long" by the line search.
 */

export type Objective = (x: Float64Array) => { value: number; gradient: Float64Array };

export interface MinimizeOptions {
  /** Lower bounds; −Infinity for none. */
  lower: Float64Array;
  /** Upper bounds; +Infinity for none. */
  upper: Float64Array;
  /** Default 500. */
  maxIterations?: number;
  /** Objective evaluations allowed, including the first (default 20 × maxIterations). */
  maxEvaluations?: number;
  /** On the infinity norm of the projected gradient (default 1e-5, scipy's pgtol). */
  gradientTolerance?: number;
  /** On the relative reduction of f per iteration (default 2.220446049250313e-9, scipy's ftol). */
  functionTolerance?: number;
  /** Number of (s, y) pairs kept (default 10). */
  memory?: number;
}

export interface MinimizeResult {
  x: Float64Array;
  value: number;
  gradient: Float64Array;
  iterations: number;
  evaluations: number;
  converged: boolean;
  message: string;
  /** ‖P(x − g) − x‖∞ at the returned point. */
  projectedGradientNorm: number;
}

const EPSILON = Number.EPSILON;
const WOLFE_DECREASE = 1e-3;
const WOLFE_CURVATURE = 0.9;
const MAX_LINE_SEARCH_EVALUATIONS = 30;

export function minimize(f: Objective, x0: Float64Array, options: MinimizeOptions): MinimizeResult {
  const n = x0.length;
  const { lower, upper } = options;
  const maxIterations = options.maxIterations ?? 500;
  const maxEvaluations = options.maxEvaluations ?? 20 * maxIterations;
  const gradientTolerance = options.gradientTolerance ?? 1e-5;
  const functionTolerance = options.functionTolerance ?? 2.220446049250313e-9;
  const memory = options.memory ?? 10;
  validate(n, lower, upper, maxIterations, maxEvaluations, gradientTolerance, functionTolerance, memory);

  let x: Float64Array = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = clamp(x0[i]!, lower[i]!, upper[i]!);
  let evaluations = 0;
  const evaluate = (point: Float64Array): { value: number; gradient: Float64Array } => {
    evaluations++;
    const out = f(point);
    if (out.gradient.length !== n) {
      throw new BallastError('BAD_INPUT', `objective returned a gradient of ${out.gradient.length} values for ${n} variables`);
    }
    return out;
  };
  let { value, gradient }: { value: number; gradient: Float64Array } = evaluate(x);
  gradient = Float64Array.from(gradient);
  const finish = (converged: boolean, message: string, iterations: number): MinimizeResult => ({
    x,
    value,
    gradient,
    iterations,
    evaluations,
    converged,
    message,
    projectedGradientNorm: projectedGradientNorm(x, gradient, lower, upper),
  });
  if (!Number.isFinite(value) || !allFinite(gradient)) {
    return finish(false, 'objective or gradient is not finite at the starting point', 0);
  }

  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const work = new Workspace(n, memory);
  let theta = 1;
  let iterations = 0;
  for (;;) {
    if (projectedGradientNorm(x, gradient, lower, upper) <= gradientTolerance) {
      return finish(true, 'projected gradient below tolerance', iterations);
    }
    if (iterations >= maxIterations) return finish(false, 'iteration limit reached', iterations);
    if (evaluations >= maxEvaluations) return finish(false, 'evaluation limit reached', iterations);

    const model = compactHessian(S, Y, theta, n, work);
    if (model === null) {
      // The middle matrix lost invertibility to rounding: forget the curvature and restart from steepest descent.
      S.length = 0;
      Y.length = 0;
      theta = 1;
      continue;
    }
    const cauchy = generalizedCauchyPoint(x, gradient, lower, upper, model, work);
    const target = subspaceMinimum(x, gradient, lower, upper, model, cauchy, work);
    const direction = work.direction;
    let slope = 0;
    let directionNorm = 0;
    for (let i = 0; i < n; i++) {
      direction[i] = target[i]! - x[i]!;
      slope += gradient[i]! * direction[i]!;
      directionNorm += direction[i]! * direction[i]!;
    }
    directionNorm = Math.sqrt(directionNorm);
    if (!(slope < 0)) {
      if (S.length > 0) {
        S.length = 0;
        Y.length = 0;
        theta = 1;
        continue;
      }
      return finish(true, 'no descent direction left within the bounds', iterations);
    }
    const maxStep = largestFeasibleStep(x, direction, lower, upper);
    // Without curvature information the direction is a raw gradient step whose length means nothing; the
    // reference code starts that search at a unit-length step.
    const initialStep = S.length === 0 ? Math.min(1 / directionNorm, maxStep) : Math.min(1, maxStep);
    const search = lineSearch(evaluate, x, value, gradient, direction, slope, initialStep, maxStep, lower, upper);
    if (search === null) {
      // The model promises less than float64 can resolve in f: this is as converged as f can show.
      if (-slope <= 10 * EPSILON * Math.max(Math.abs(value), 1)) {
        return finish(true, 'no decrease of the objective representable in float64', iterations);
      }
      if (S.length > 0) {
        S.length = 0;
        Y.length = 0;
        theta = 1;
        continue;
      }
      return finish(false, 'line search could not reduce the objective', iterations);
    }
    const s = new Float64Array(n);
    const yv = new Float64Array(n);
    let sy = 0;
    let yy = 0;
    for (let i = 0; i < n; i++) {
      s[i] = search.x[i]! - x[i]!;
      yv[i] = search.gradient[i]! - gradient[i]!;
      sy += s[i]! * yv[i]!;
      yy += yv[i]! * yv[i]!;
    }
    const previous = value;
    x = search.x;
    value = search.value;
    gradient = search.gradient;
    iterations++;
    if ((previous - value) / Math.max(Math.abs(previous), Math.abs(value), 1) <= functionTolerance) {
      return finish(true, 'relative reduction of the objective below tolerance', iterations);
    }
    if (sy > EPSILON * yy) {
      S.push(s);
      Y.push(yv);
      if (S.length > memory) {
        S.shift();
        Y.shift();
      }
      theta = yy / sy;
    }
  }
}

/**
 * The arrays one minimisation reuses from iteration to iteration. A typed array over 64 bytes lives outside
 * V8's heap, and at these sizes (a 12×12 M for the 6-variable acquisition) allocating and collecting them
 * took as long as the arithmetic done in them: half of compactHessian's own time was its seven `new
 * Float64Array`s. Sized for the largest memory; each step uses the leading part its current width needs.
 */
export class Workspace {
  readonly W: Float64Array;
  readonly M: Float64Array;
  // compactHessian: D, L, T = JJᵀ, G = J⁻¹, F = G L D⁻¹ (m×m).
  readonly D: Float64Array;
  readonly L: Float64Array;
  readonly T: Float64Array;
  readonly G: Float64Array;
  readonly F: Float64Array;
  // generalizedCauchyPoint.
  readonly breakTime: Float64Array;
  readonly d: Float64Array;
  readonly fixed: Uint8Array;
  readonly cauchyX: Float64Array;
  readonly c: Float64Array;
  readonly p: Float64Array;
  readonly wb: Float64Array;
  readonly Mwb: Float64Array;
  // subspaceMinimum and its two Newton steps.
  readonly target: Float64Array;
  readonly free: Int32Array;
  readonly Mc: Float64Array;
  readonly r: Float64Array;
  readonly du: Float64Array;
  readonly VM: Float64Array;
  readonly H: Float64Array;
  readonly Wr: Float64Array;
  readonly WW: Float64Array;
  readonly v: Float64Array;
  readonly N: Float64Array;
  readonly scratch: Float64Array;
  readonly inverse: Float64Array;
  readonly solved: Float64Array;
  // minimize.
  readonly direction: Float64Array;

  constructor(n: number, memory: number) {
    const width = 2 * memory;
    this.W = new Float64Array(n * width);
    this.M = new Float64Array(width * width);
    this.D = new Float64Array(memory);
    this.L = new Float64Array(memory * memory);
    this.T = new Float64Array(memory * memory);
    this.G = new Float64Array(memory * memory);
    this.F = new Float64Array(memory * memory);
    this.breakTime = new Float64Array(n);
    this.d = new Float64Array(n);
    this.fixed = new Uint8Array(n);
    this.cauchyX = new Float64Array(n);
    this.c = new Float64Array(width);
    this.p = new Float64Array(width);
    this.wb = new Float64Array(width);
    this.Mwb = new Float64Array(width);
    this.target = new Float64Array(n);
    this.free = new Int32Array(n);
    this.Mc = new Float64Array(width);
    this.r = new Float64Array(n);
    this.du = new Float64Array(n);
    // The reduced step only runs with f ≤ 2m free variables.
    const reduced = Math.min(n, width);
    this.VM = new Float64Array(reduced * width);
    this.H = new Float64Array(reduced * reduced);
    this.Wr = new Float64Array(width);
    this.WW = new Float64Array(width * width);
    this.v = new Float64Array(width);
    this.N = new Float64Array(width * width);
    this.scratch = new Float64Array(width * width);
    this.inverse = new Float64Array(width * width);
    this.solved = new Float64Array(width);
    this.direction = new Float64Array(n);
  }
}

export interface CompactHessian {
  theta: number;
  /** Number of columns of W (2 × pairs held). */
  width: number;
  /** W row-major, n × width: row i is [y_1(i) … y_m(i), θ s_1(i) … θ s_m(i)]. */
  W: Float64Array;
  /** M, width × width, row-major. */
  M: Float64Array;
}

/**
 * B = θI − W M Wᵀ with M = [[−D, Lᵀ], [L, θ SᵀS]]⁻¹ (Byrd et al. 1995, eq. 3.4), where D = diag(sᵢᵀyᵢ) and L
 * holds sᵢᵀyⱼ for i > j. M comes from block elimination through the Schur complement of −D,
 * T = θSᵀS + L D⁻¹ Lᵀ, the matrix the reference code factors as T = JJᵀ (its `formt`). With G = J⁻¹ and
 * F = G L D⁻¹:
 *   M = [[−D⁻¹ + FᵀF, FᵀG], [GᵀF, GᵀG]],
 * a handful of m×m triangular products where a Gauss–Jordan inversion of the 2m×2m middle matrix cost several
 * times more (it was the biggest self time of a BO ask). In exact arithmetic T is positive definite whenever
 * every sᵢᵀyᵢ > 0, even with more pairs than variables: Sv = 0 and Lᵀv = 0 cannot both hold, for if Sv = 0
 * and q is the first index with v_q ≠ 0, (Lᵀv)_q = y_qᵀ Σ_{i>q} vᵢsᵢ = −v_q s_qᵀy_q ≠ 0. So a failed Cholesky
 * means rounding has swamped a pivot (the middle matrix is singular in float64), and the result is null:
 * restart from steepest descent, as before.
 */
export function compactHessian(
  S: Float64Array[],
  Y: Float64Array[],
  theta: number,
  n: number,
  work: Workspace = new Workspace(n, S.length),
): CompactHessian | null {
  const m = S.length;
  const width = 2 * m;
  const { W, D, L, T, G, F, M } = work;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      W[i * width + j] = Y[j]![i]!;
      W[i * width + m + j] = theta * S[j]![i]!;
    }
  }
  if (m === 0) return { theta, width, W, M };
  // Row strides are the current m and width; only entries written below for this m are ever read. T holds its
  // lower triangle only and starts as θSᵀS.
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) {
      const siyj = dotProduct(S[i]!, Y[j]!);
      if (i === j) D[i] = siyj;
      else L[i * m + j] = siyj;
      T[i * m + j] = theta * dotProduct(S[i]!, S[j]!);
    }
  }
  // (L D⁻¹ Lᵀ)ᵢⱼ = Σ_{k < min(i, j)} LᵢₖLⱼₖ / Dₖ, L being strictly lower triangular.
  for (let i = 1; i < m; i++) {
    for (let j = 1; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < j; k++) s += (L[i * m + k]! * L[j * m + k]!) / D[k]!;
      T[i * m + j] = T[i * m + j]! + s;
    }
  }
  if (!choleskyInPlace(T, m)) return null;
  // G = J⁻¹, lower triangular: column c solves J g = e_c by forward substitution.
  for (let c = 0; c < m; c++) {
    G[c * m + c] = 1 / T[c * m + c]!;
    for (let i = c + 1; i < m; i++) {
      let s = 0;
      for (let k = c; k < i; k++) s += T[i * m + k]! * G[k * m + c]!;
      G[i * m + c] = -s / T[i * m + i]!;
    }
  }
  // F = G L D⁻¹: Fᵢⱼ = Σ_{j < k ≤ i} GᵢₖLₖⱼ / Dⱼ, strictly lower triangular like L.
  for (let i = 1; i < m; i++) {
    for (let j = 0; j < i; j++) {
      let s = 0;
      for (let k = j + 1; k <= i; k++) s += G[i * m + k]! * L[k * m + j]!;
      F[i * m + j] = s / D[j]!;
    }
  }
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) {
      // F is strictly lower triangular and G lower triangular: with j ≤ i only rows k > i of F (k ≥ i of G) count.
      let ff = 0;
      for (let k = i + 1; k < m; k++) ff += F[k * m + i]! * F[k * m + j]!;
      const upperLeft = (i === j ? -1 / D[i]! : 0) + ff;
      M[i * width + j] = upperLeft;
      M[j * width + i] = upperLeft;
      let gg = 0;
      for (let k = i; k < m; k++) gg += G[k * m + i]! * G[k * m + j]!;
      M[(m + i) * width + m + j] = gg;
      M[(m + j) * width + m + i] = gg;
    }
  }
  // Off-diagonal blocks: (FᵀG)ᵢⱼ = Σ_{k ≥ max(i + 1, j)} FₖᵢGₖⱼ, and GᵀF its transpose.
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      let fg = 0;
      for (let k = Math.max(i + 1, j); k < m; k++) fg += F[k * m + i]! * G[k * m + j]!;
      M[i * width + m + j] = fg;
      M[(m + j) * width + i] = fg;
    }
  }
  return { theta, width, W, M };
}

export interface CauchyPoint {
  x: Float64Array;
  /** c = Wᵀ(x_cp − x), needed by the subspace step. */
  c: Float64Array;
  /** Variables held at a bound from the Cauchy point on. */
  fixed: Uint8Array;
}

/** Algorithm CP of Byrd et al. (1995), §4. */
export function generalizedCauchyPoint(
  x: Float64Array,
  g: Float64Array,
  lower: Float64Array,
  upper: Float64Array,
  model: CompactHessian,
  work: Workspace = new Workspace(x.length, model.width / 2),
): CauchyPoint {
  const n = x.length;
  const { theta, width, W, M } = model;
  const { breakTime, d, fixed, wb, Mwb } = work;
  const order: number[] = [];
  for (let i = 0; i < n; i++) {
    const gi = g[i]!;
    let t = Infinity;
    if (gi < 0 && upper[i]! < Infinity) t = (x[i]! - upper[i]!) / gi;
    else if (gi > 0 && lower[i]! > -Infinity) t = (x[i]! - lower[i]!) / gi;
    breakTime[i] = t;
    if (lower[i] === upper[i] || t === 0) {
      fixed[i] = 1;
      d[i] = 0;
    } else {
      fixed[i] = 0;
      d[i] = -gi;
      if (t < Infinity) order.push(i);
    }
  }
  order.sort((a, b) => breakTime[a]! - breakTime[b]!);

  const xcp = work.cauchyX;
  xcp.set(x);
  const c = work.c.fill(0, 0, width);
  const p = work.p.fill(0, 0, width);
  let slope = 0;
  for (let i = 0; i < n; i++) {
    if (d[i] === 0) continue;
    slope -= d[i]! * d[i]!;
    for (let j = 0; j < width; j++) p[j] = p[j]! + W[i * width + j]! * d[i]!;
  }
  if (slope === 0) return { x: xcp, c, fixed };
  let curvature = -theta * slope - quadratic(M, p, width);
  const initialCurvature = curvature;
  let stepToMinimum = -slope / curvature;
  let elapsed = 0;
  let next = 0;
  while (next < order.length) {
    const b = order[next]!;
    const interval = breakTime[b]! - elapsed;
    if (stepToMinimum < interval) break;
    // The model still decreases at breakpoint b: variable b reaches its bound and stays there.
    const bound = d[b]! > 0 ? upper[b]! : lower[b]!;
    const zb = bound - x[b]!;
    xcp[b] = bound;
    for (let j = 0; j < width; j++) c[j] = c[j]! + interval * p[j]!;
    const gb = g[b]!;
    for (let j = 0; j < width; j++) wb[j] = W[b * width + j]!;
    multiplyInto(M, wb, width, Mwb);
    let wbMc = 0;
    let wbMp = 0;
    let wbMwb = 0;
    for (let j = 0; j < width; j++) {
      wbMc += Mwb[j]! * c[j]!;
      wbMp += Mwb[j]! * p[j]!;
      wbMwb += Mwb[j]! * wb[j]!;
    }
    slope = slope + interval * curvature + gb * gb + theta * gb * zb - gb * wbMc;
    curvature = curvature - theta * gb * gb - 2 * gb * wbMp - gb * gb * wbMwb;
    // Rounding can drive the curvature of a nearly-flat piece to ≤ 0; the reference code floors it likewise.
    curvature = Math.max(curvature, EPSILON * initialCurvature);
    for (let j = 0; j < width; j++) p[j] = p[j]! + gb * wb[j]!;
    d[b] = 0;
    fixed[b] = 1;
    stepToMinimum = -slope / curvature;
    elapsed = breakTime[b]!;
    next++;
  }
  stepToMinimum = Math.max(stepToMinimum, 0);
  const t = elapsed + stepToMinimum;
  for (let i = 0; i < n; i++) {
    if (!fixed[i] && d[i] !== 0) xcp[i] = clamp(x[i]! + t * d[i]!, lower[i]!, upper[i]!);
  }
  for (let j = 0; j < width; j++) c[j] = c[j]! + stepToMinimum * p[j]!;
  return { x: xcp, c, fixed };
}

/**
 * Direct primal subspace minimisation (Byrd et al. 1995, §5.1): minimise the model over the free variables
 * starting at the Cauchy point, then shorten the step so the result stays inside the box. The Newton step on
 * the free variables solves B̂ du = −r with the reduced Hessian B̂ = ZᵀBZ = θI − ZᵀW M WᵀZ.
 */
export function subspaceMinimum(
  x: Float64Array,
  g: Float64Array,
  lower: Float64Array,
  upper: Float64Array,
  model: CompactHessian,
  cauchy: CauchyPoint,
  work: Workspace = new Workspace(x.length, model.width / 2),
): Float64Array {
  const n = x.length;
  const { theta, width, W, M } = model;
  const { free, Mc, r } = work;
  const result = work.target;
  result.set(cauchy.x);
  let freeCount = 0;
  for (let i = 0; i < n; i++) if (!cauchy.fixed[i]) free[freeCount++] = i;
  if (freeCount === 0 || width === 0) {
    // With no curvature pairs the model is θ‖z‖²/2 and the Cauchy point is already its box minimum.
    return result;
  }
  multiplyInto(M, cauchy.c, width, Mc);
  // Reduced gradient of the model at the Cauchy point: r = Zᵀ(g + θ(x_cp − x) − W M c).
  for (let a = 0; a < freeCount; a++) {
    const i = free[a]!;
    let wMc = 0;
    for (let j = 0; j < width; j++) wMc += W[i * width + j]! * Mc[j]!;
    r[a] = g[i]! + theta * (cauchy.x[i]! - x[i]!) - wMc;
  }
  // Which way B̂ is cheaper to solve with: formed and factored when it is no wider than M (the usual case for
  // the few-variable acquisition and GP problems, where 2m exceeds n), through Woodbury otherwise (§5.1's
  // setting, n ≫ m). Both give B̂⁻¹r; a factorisation that fails to rounding falls back to the other form, and
  // if that fails too the Cauchy point stands, as before.
  const du =
    (freeCount <= width ? reducedNewtonStep(model, free, freeCount, r, work) : null) ??
    woodburyNewtonStep(model, free, freeCount, r, work);
  if (du === null) return result;
  let step = 1;
  for (let a = 0; a < freeCount; a++) {
    const i = free[a]!;
    const move = du[a]!;
    if (move > 0 && upper[i]! < Infinity) step = Math.min(step, (upper[i]! - cauchy.x[i]!) / move);
    else if (move < 0 && lower[i]! > -Infinity) step = Math.min(step, (lower[i]! - cauchy.x[i]!) / move);
  }
  step = Math.max(step, 0);
  for (let a = 0; a < freeCount; a++) {
    const i = free[a]!;
    result[i] = moveWithinBox(cauchy.x[i]!, du[a]!, step, lower[i]!, upper[i]!);
  }
  return result;
}

/**
 * du = −B̂⁻¹r with B̂ = θI − V M Vᵀ formed explicitly (V = ZᵀW, the rows of W of the free variables) and
 * factored by Cholesky: f×f work where Woodbury needs a 2m×2m system. B̂ is positive definite in exact
 * arithmetic (a principal submatrix of a positive definite B); null when rounding made it otherwise.
 */
function reducedNewtonStep(
  model: CompactHessian,
  free: Int32Array,
  f: number,
  r: Float64Array,
  work: Workspace,
): Float64Array | null {
  const { theta, width, W, M } = model;
  const { H, du } = work;
  const VM = work.VM.fill(0, 0, f * width);
  for (let a = 0; a < f; a++) {
    const row = free[a]! * width;
    for (let l = 0; l < width; l++) {
      const wl = W[row + l]!;
      // M is symmetric, so its row l is its column l.
      for (let j = 0; j < width; j++) VM[a * width + j] = VM[a * width + j]! + wl * M[l * width + j]!;
    }
  }
  // Lower triangle of B̂ only: the Cholesky reads nothing else.
  for (let a = 0; a < f; a++) {
    for (let b = 0; b <= a; b++) {
      const row = free[b]! * width;
      let s = 0;
      for (let j = 0; j < width; j++) s += VM[a * width + j]! * W[row + j]!;
      H[a * f + b] = (a === b ? theta : 0) - s;
    }
  }
  if (!choleskyInPlace(H, f)) return null;
  for (let a = 0; a < f; a++) du[a] = -r[a]!;
  choleskySolveInPlace(H, f, du);
  return du;
}

/** du = −B̂⁻¹r by Woodbury: B̂⁻¹ = I/θ + (1/θ²) ZᵀW (I − (1/θ) M WᵀZZᵀW)⁻¹ M WᵀZ; null when that system is singular. */
function woodburyNewtonStep(
  model: CompactHessian,
  free: Int32Array,
  f: number,
  r: Float64Array,
  work: Workspace,
): Float64Array | null {
  const { theta, width, W, M } = model;
  const { v, N, du } = work;
  const Wr = work.Wr.fill(0, 0, width);
  const WW = work.WW.fill(0, 0, width * width);
  for (let a = 0; a < f; a++) {
    const i = free[a]!;
    const row = i * width;
    for (let j = 0; j < width; j++) {
      Wr[j] = Wr[j]! + W[row + j]! * r[a]!;
      for (let k = j; k < width; k++) WW[j * width + k] = WW[j * width + k]! + W[row + j]! * W[row + k]!;
    }
  }
  // WᵀZZᵀW is symmetric: its lower triangle would sum the same products in the same order.
  for (let j = 0; j < width; j++) for (let k = 0; k < j; k++) WW[j * width + k] = WW[k * width + j]!;
  multiplyInto(M, Wr, width, v);
  for (let j = 0; j < width; j++) {
    for (let k = 0; k < width; k++) {
      let s = 0;
      for (let l = 0; l < width; l++) s += M[j * width + l]! * WW[l * width + k]!;
      N[j * width + k] = (j === k ? 1 : 0) - s / theta;
    }
  }
  const inverse = invertSmall(N, width, work.scratch, work.inverse);
  if (inverse === null) return null;
  const solved = multiplyInto(inverse, v, width, work.solved);
  for (let a = 0; a < f; a++) {
    const i = free[a]!;
    let wv = 0;
    for (let j = 0; j < width; j++) wv += W[i * width + j]! * solved[j]!;
    du[a] = -r[a]! / theta - wv / (theta * theta);
  }
  return du;
}

interface LinePoint {
  step: number;
  x: Float64Array;
  value: number;
  gradient: Float64Array;
  slope: number;
}

/**
 * Strong Wolfe line search on φ(α) = f(x + α d), 0 < α ≤ maxStep (Nocedal & Wright 2006, Alg. 3.5 and 3.6,
 * with safeguarded cubic interpolation in the zoom). Returns null when no step decreases f enough.
 */
function lineSearch(
  evaluate: Objective,
  x: Float64Array,
  value0: number,
  gradient0: Float64Array,
  direction: Float64Array,
  slope0: number,
  initialStep: number,
  maxStep: number,
  lower: Float64Array,
  upper: Float64Array,
): { x: Float64Array; value: number; gradient: Float64Array } | null {
  const n = x.length;
  let evaluationsLeft = MAX_LINE_SEARCH_EVALUATIONS;
  const at = (step: number): LinePoint => {
    evaluationsLeft--;
    const point = new Float64Array(n);
    for (let i = 0; i < n; i++) point[i] = moveWithinBox(x[i]!, direction[i]!, step, lower[i]!, upper[i]!);
    const out = evaluate(point);
    const gradient = Float64Array.from(out.gradient);
    const finite = Number.isFinite(out.value) && allFinite(gradient);
    return {
      step,
      x: point,
      value: finite ? out.value : Infinity,
      gradient,
      slope: finite ? dotProduct(gradient, direction) : NaN,
    };
  };
  const sufficient = (p: LinePoint): boolean => p.value <= value0 + WOLFE_DECREASE * p.step * slope0;
  const curvatureMet = (p: LinePoint): boolean => Math.abs(p.slope) <= -WOLFE_CURVATURE * slope0;
  const accept = (p: LinePoint) => ({ x: p.x, value: p.value, gradient: p.gradient });

  let previous: LinePoint = { step: 0, x, value: value0, gradient: gradient0, slope: slope0 };
  let step = initialStep;
  for (let i = 0; evaluationsLeft > 0; i++) {
    const current = at(step);
    if (!sufficient(current) || (i > 0 && current.value >= previous.value)) {
      return zoom(previous, current);
    }
    if (curvatureMet(current)) return accept(current);
    if (current.slope >= 0) return zoom(current, previous);
    // Still descending at the edge of the box: the bound stops the step, as in the reference code.
    if (step >= maxStep) return accept(current);
    previous = current;
    step = Math.min(4 * step, maxStep);
  }
  return previous.step > 0 ? accept(previous) : null;

  // lo satisfies sufficient decrease and has the lowest value so far; the minimiser lies between lo and hi.
  function zoom(lo: LinePoint, hi: LinePoint) {
    let widthBefore = Infinity;
    let widthTwoBefore = Infinity;
    while (evaluationsLeft > 0) {
      const width = Math.abs(hi.step - lo.step);
      if (width <= EPSILON * Math.max(Math.abs(lo.step), Math.abs(hi.step))) break;
      const a = Math.min(lo.step, hi.step);
      const b = Math.max(lo.step, hi.step);
      let trial = interpolate(lo, hi);
      // Moré & Thuente's safeguard: interpolate freely (the minimiser may sit very close to one end, e.g.
      // after a huge first step), but bisect when the bracket failed to shrink by a third in two steps.
      if (!(trial > a && trial < b) || width > 0.66 * widthTwoBefore) trial = 0.5 * (a + b);
      widthTwoBefore = widthBefore;
      widthBefore = width;
      const current = at(trial);
      if (!sufficient(current) || current.value >= lo.value) {
        hi = current;
      } else {
        if (curvatureMet(current)) return accept(current);
        if (current.slope * (hi.step - lo.step) >= 0) hi = lo;
        lo = current;
      }
    }
    return lo.step > 0 ? accept(lo) : null;
  }
}

/**
 * Trial step inside a bracket [lo, hi] where lo is the better end. When hi's value is higher the minimiser
 * is bracketed by value: take the cubic step if it is closer to lo than the quadratic one (fit to φ(lo),
 * φ'(lo), φ(hi)), else their midpoint (Moré & Thuente 1994, case 1). Otherwise (a sign change of φ') the
 * cubic step, or the secant step on φ' when the cubic has no minimiser. A non-finite φ(hi) — the objective
 * broke down out there — gets a step a tenth of the way from lo.
 */
function interpolate(lo: LinePoint, hi: LinePoint): number {
  if (!Number.isFinite(hi.value)) return lo.step + 0.1 * (hi.step - lo.step);
  const cubic = cubicMinimiser(lo, hi);
  const h = hi.step - lo.step;
  if (hi.value > lo.value) {
    const quadratic = lo.step - (lo.slope * h * h) / (2 * (hi.value - lo.value - lo.slope * h));
    if (!Number.isFinite(cubic)) return quadratic;
    return Math.abs(cubic - lo.step) < Math.abs(quadratic - lo.step) ? cubic : cubic + 0.5 * (quadratic - cubic);
  }
  if (Number.isFinite(cubic)) return cubic;
  return lo.step - (lo.slope * h) / (hi.slope - lo.slope);
}

/** Minimiser of the cubic matching φ and φ' at two steps (Nocedal & Wright 2006, eq. 3.59). */
function cubicMinimiser(p: LinePoint, q: LinePoint): number {
  const d1 = p.slope + q.slope - (3 * (p.value - q.value)) / (p.step - q.step);
  const radicand = d1 * d1 - p.slope * q.slope;
  if (!(radicand >= 0)) return NaN;
  const d2 = Math.sign(q.step - p.step) * Math.sqrt(radicand);
  return q.step - (q.step - p.step) * ((q.slope + d2 - d1) / (q.slope - p.slope + 2 * d2));
}

/**
 * x + step·d clipped to [lower, upper], landing exactly on the bound when the step reaches it: x + ((u − x)/d)·d
 * can miss u by an ulp, which would leave a variable that should be active a hair inside the box.
 */
function moveWithinBox(x: number, d: number, step: number, lower: number, upper: number): number {
  if (d > 0 && upper < Infinity && step >= (upper - x) / d) return upper;
  if (d < 0 && lower > -Infinity && step >= (lower - x) / d) return lower;
  return clamp(x + step * d, lower, upper);
}

function largestFeasibleStep(x: Float64Array, d: Float64Array, lower: Float64Array, upper: Float64Array): number {
  let step = Infinity;
  for (let i = 0; i < x.length; i++) {
    if (d[i]! > 0 && upper[i]! < Infinity) step = Math.min(step, (upper[i]! - x[i]!) / d[i]!);
    else if (d[i]! < 0 && lower[i]! > -Infinity) step = Math.min(step, (lower[i]! - x[i]!) / d[i]!);
  }
  return step;
}

export function projectedGradientNorm(x: Float64Array, g: Float64Array, lower: Float64Array, upper: Float64Array): number {
  let worst = 0;
  for (let i = 0; i < x.length; i++) {
    worst = Math.max(worst, Math.abs(clamp(x[i]! - g[i]!, lower[i]!, upper[i]!) - x[i]!));
  }
  return worst;
}

function validate(
  n: number,
  lower: Float64Array,
  upper: Float64Array,
  maxIterations: number,
  maxEvaluations: number,
  gradientTolerance: number,
  functionTolerance: number,
  memory: number,
): void {
  if (lower.length !== n || upper.length !== n) {
    throw new BallastError('BAD_INPUT', `bounds have ${lower.length} and ${upper.length} values for ${n} variables`);
  }
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(lower[i]!) || Number.isNaN(upper[i]!) || lower[i]! > upper[i]!) {
      throw new BallastError('BAD_INPUT', `bounds for variable ${i + 1} are [${lower[i]}, ${upper[i]}]; need lower ≤ upper`);
    }
  }
  if (!Number.isInteger(maxIterations) || maxIterations < 0) {
    throw new BallastError('BAD_INPUT', `iteration limit must be a non-negative integer, got ${maxIterations}`);
  }
  if (!Number.isInteger(maxEvaluations) || maxEvaluations < 1) {
    throw new BallastError('BAD_INPUT', `evaluation limit must be a positive integer, got ${maxEvaluations}`);
  }
  if (!(gradientTolerance >= 0) || !(functionTolerance >= 0)) {
    throw new BallastError('BAD_INPUT', 'tolerances must be non-negative numbers');
  }
  if (!Number.isInteger(memory) || memory < 1) {
    throw new BallastError('BAD_INPUT', `memory must be a positive integer, got ${memory}`);
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

function allFinite(v: Float64Array): boolean {
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i]!)) return false;
  return true;
}

function dotProduct(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function quadratic(M: Float64Array, v: Float64Array, k: number): number {
  let s = 0;
  for (let i = 0; i < k; i++) {
    let row = 0;
    for (let j = 0; j < k; j++) row += M[i * k + j]! * v[j]!;
    s += v[i]! * row;
  }
  return s;
}

/** out = M v for the leading k×k block of M; returns out. */
function multiplyInto(M: Float64Array, v: Float64Array, k: number, out: Float64Array): Float64Array {
  for (let i = 0; i < k; i++) {
    let s = 0;
    for (let j = 0; j < k; j++) s += M[i * k + j]! * v[j]!;
    out[i] = s;
  }
  return out;
}

/**
 * Gauss–Jordan with partial pivoting on a k×k matrix (k ≤ 2 × memory), into `inv`, working in `a` (both at
 * least k×k); null when singular.
 */
function invertSmall(A: Float64Array, k: number, a: Float64Array, inv: Float64Array): Float64Array | null {
  a.set(A.subarray(0, k * k));
  inv.fill(0, 0, k * k);
  for (let i = 0; i < k; i++) inv[i * k + i] = 1;
  let scale = 0;
  for (let i = 0; i < k * k; i++) scale = Math.max(scale, Math.abs(a[i]!));
  for (let col = 0; col < k; col++) {
    let pivot = col;
    for (let r = col + 1; r < k; r++) if (Math.abs(a[r * k + col]!) > Math.abs(a[pivot * k + col]!)) pivot = r;
    const pv = a[pivot * k + col]!;
    if (!(Math.abs(pv) > EPSILON * scale * k)) return null;
    // Columns of a left of col are never read again and column col only for the factors, so the updates of a
    // skip them (inv is updated in full, exactly as before).
    if (pivot !== col) {
      for (let j = 0; j < k; j++) {
        // Plain temporaries: a destructuring swap allocates an array per element, which showed in profiles.
        const ij = inv[col * k + j]!;
        inv[col * k + j] = inv[pivot * k + j]!;
        inv[pivot * k + j] = ij;
      }
      for (let j = col; j < k; j++) {
        const aj = a[col * k + j]!;
        a[col * k + j] = a[pivot * k + j]!;
        a[pivot * k + j] = aj;
      }
    }
    for (let j = 0; j < k; j++) inv[col * k + j] = inv[col * k + j]! / pv;
    for (let j = col + 1; j < k; j++) a[col * k + j] = a[col * k + j]! / pv;
    for (let r = 0; r < k; r++) {
      if (r === col) continue;
      const factor = a[r * k + col]!;
      if (factor === 0) continue;
      for (let j = 0; j < k; j++) inv[r * k + j] = inv[r * k + j]! - factor * inv[col * k + j]!;
      for (let j = col + 1; j < k; j++) a[r * k + j] = a[r * k + j]! - factor * a[col * k + j]!;
    }
  }
  return inv;
}

/**
 * In-place Cholesky A = JJᵀ of a symmetric k×k matrix given by its lower triangle (row-major); J overwrites that
 * triangle. False when a pivot is not above k·ε of its diagonal entry: it would be rounding noise, and dividing
 * by it would turn an indefinite or singular matrix into a confident but meaningless factor.
 */
function choleskyInPlace(A: Float64Array, k: number): boolean {
  for (let j = 0; j < k; j++) {
    const diagonal = A[j * k + j]!;
    let pivot = diagonal;
    for (let l = 0; l < j; l++) pivot -= A[j * k + l]! * A[j * k + l]!;
    if (!(pivot > k * EPSILON * Math.abs(diagonal))) return false;
    const root = Math.sqrt(pivot);
    A[j * k + j] = root;
    for (let i = j + 1; i < k; i++) {
      let s = A[i * k + j]!;
      for (let l = 0; l < j; l++) s -= A[i * k + l]! * A[j * k + l]!;
      A[i * k + j] = s / root;
    }
  }
  return true;
}

/** Solves JJᵀz = b in place, J the lower-triangular factor left by choleskyInPlace. */
function choleskySolveInPlace(J: Float64Array, k: number, b: Float64Array): void {
  for (let i = 0; i < k; i++) {
    let s = b[i]!;
    for (let l = 0; l < i; l++) s -= J[i * k + l]! * b[l]!;
    b[i] = s / J[i * k + i]!;
  }
  for (let i = k - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let l = i + 1; l < k; l++) s -= J[l * k + i]! * b[l]!;
    b[i] = s / J[i * k + i]!;
  }
}
