/**
 * Dense strictly convex QP by the dual active-set method of Goldfarb & Idnani (1983), "A numerically stable
 * dual method for solving strictly convex quadratic programs", Math. Programming 27, 1–33:
 *
 *   minimise ½ xᵀDx − dᵀx   subject to   a_kᵀx ≥ b_k (k ≥ meq),   a_kᵀx = b_k (k < meq).
 *
 * It follows the structure of Turlach's QUADPROG (`qpgen2`, the R package `quadprog`, ported to npm as
 * `quadprog`): J = L⁻ᵀ with D = LLᵀ, an upper-triangular R with JᵀN = [R; 0] for the active normals N, Givens
 * updates of both when a constraint enters or leaves. It exists because the npm port keeps its loop
 * accumulators in closure-captured variables, which V8 stores as boxed heap numbers: a 100-variable problem
 * took 50–250 ms there against a budget of a few milliseconds (see bench/allocator.bench.ts, which runs both).
 * Differences from qpgen2, all for speed or robustness, none in the iterates' mathematics:
 *  - Float64Array storage, J and R column-major so the Givens rotations and Jᵀn⁺ walk contiguous memory;
 *  - sparse constraint normals (most of ours are simple bounds), so slacks and Jᵀn⁺ cost O(nnz), not O(nq);
 *  - violations are tested against a tolerance relative to the terms' size and to how far x has travelled
 *    instead of an absolute 1e-15, so rounding noise on an already-satisfied, linearly dependent constraint
 *    (or on a bound of a near-zero variable) cannot be mistaken for an inconsistency.
 * The inputs are not modified.
 */

export interface SparseConstraints {
  /** Number of constraints q; the first `equalities` are equalities. */
  count: number;
  equalities: number;
  /** Constraint k has coefficients value[start[k] .. start[k+1]) on variables index[…]. */
  start: Int32Array;
  index: Int32Array;
  value: Float64Array;
  rhs: Float64Array;
}

export type QpResult =
  | {
      status: 'optimal';
      x: Float64Array;
      /** ½xᵀDx − dᵀx at x. */
      value: number;
      /** Lagrange multiplier λ_k of each constraint, Dx − d = Σ λ_k a_k (≥ 0 for inequalities, 0 when inactive). */
      multipliers: Float64Array;
      /** Constraints added to the active set (the iteration count quadprog reports first). */
      iterations: number;
      /**
       * The final factor J (n × n, column-major) and the number of active constraints: columns activeCount …
       * n − 1 of J span the null space of the active normals with J₂J₂ᵀ = Z(ZᵀDZ)⁻¹Zᵀ, the reduced inverse
       * Hessian, which gives the sensitivity of x to a change in D or d with the active set held.
       */
      factor?: { J: Float64Array; activeCount: number };
    }
  | { status: 'infeasible'; iterations: number }
  | { status: 'not-positive-definite' };

/** Builds a SparseConstraints from rows given as (indices, values, rhs), equalities first. */
export function sparseConstraints(
  rows: readonly { vars: readonly number[]; coefs: readonly number[]; rhs: number }[],
  equalities: number,
): SparseConstraints {
  const count = rows.length;
  let nnz = 0;
  for (const r of rows) nnz += r.vars.length;
  const start = new Int32Array(count + 1);
  const index = new Int32Array(nnz);
  const value = new Float64Array(nnz);
  const rhs = new Float64Array(count);
  let p = 0;
  rows.forEach((r, k) => {
    start[k] = p;
    for (let t = 0; t < r.vars.length; t++) {
      index[p] = r.vars[t]!;
      value[p] = r.coefs[t]!;
      p++;
    }
    rhs[k] = r.rhs;
  });
  start[count] = p;
  return { count, equalities, start, index, value, rhs };
}

export function solveQuadraticProgram(D: Float64Array, d: Float64Array, constraints: SparseConstraints): QpResult {
  const n = d.length;
  if (D.length !== n * n) throw new Error(`QP Hessian has ${D.length} entries for ${n} variables`);
  const { count: q, equalities: meq, start, index, value, rhs } = constraints;

  // J = L⁻ᵀ, stored column-major: column c of J is row c of L⁻¹, so Jc[c·n + r] = (L⁻¹)[c][r].
  const J = inverseCholeskyTranspose(D, n);
  if (J === null) return { status: 'not-positive-definite' };

  // Unconstrained minimum x = D⁻¹d = J(Jᵀd).
  const x = new Float64Array(n);
  const work = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    let s = 0;
    const col = c * n;
    for (let r = 0; r <= c; r++) s += J[col + r]! * d[r]!;
    work[c] = s;
  }
  for (let c = 0; c < n; c++) {
    const w = work[c]!;
    if (w === 0) continue;
    const col = c * n;
    for (let r = 0; r <= c; r++) x[r] = x[r]! + J[col + r]! * w;
  }
  // How far x has travelled (max|x| of the start plus Σ|t|·max|z| over the primal steps): the rounding in each
  // component of x grows with it, not with the component's own size (see the violation test below).
  let travel = 0;
  for (let i = 0; i < n; i++) travel = Math.max(travel, Math.abs(x[i]!));
  // ‖J‖²_F / n is invariant under the rotations; it scales the test for a zero primal step below.
  let jScale = 0;
  for (let k = 0; k < n * n; k++) jScale += J[k]! * J[k]!;
  jScale /= Math.max(n, 1);

  const norms = new Float64Array(q);
  for (let k = 0; k < q; k++) {
    let s = 0;
    for (let p = start[k]!; p < start[k + 1]!; p++) s += value[p]! * value[p]!;
    norms[k] = Math.sqrt(s);
  }

  const R = new Float64Array(n * n); // column-major upper triangle of the active set's R
  const u = new Float64Array(n + 1); // multipliers of the active constraints, slot nact = the entering one
  const act = new Int32Array(n);
  const active = new Uint8Array(q);
  const sign = new Float64Array(q).fill(1); // equalities enter with the orientation that makes them violated
  const dd = new Float64Array(n);
  const z = new Float64Array(n);
  const r = new Float64Array(n);
  let nact = 0;
  let iterations = 0;
  const maxIterations = 20 * (n + q) + 100;

  const drop = (position: number) => {
    active[act[position]!] = 0;
    dropActive(position, nact, n, R, J, u, act);
    nact--;
  };

  for (;;) {
    // Step 1: the most violated inactive constraint, violation scaled by its normal's length.
    let nvl = -1;
    let worst = 0;
    for (let k = 0; k < q; k++) {
      if (active[k]) continue;
      let slack = -rhs[k]!;
      let size = Math.abs(rhs[k]!);
      let coefficients = 0;
      for (let p = start[k]!; p < start[k + 1]!; p++) {
        const t = value[p]! * x[index[p]!]!;
        slack += t;
        size += Math.abs(t);
        coefficients += Math.abs(value[p]!);
      }
      let violation = slack;
      if (k < meq) {
        violation = -Math.abs(slack);
        sign[k] = slack > 0 ? -1 : 1;
      }
      // Rounding in the sum can reach about 1e-16 × the size of its terms; far below that is "satisfied". And
      // each xᵢ carries the rounding of every step that moved x, a few 1e-16 × `travel` however small xᵢ
      // itself is: a bound on a near-zero component (a sell leg of a 5e-18 dust holding, [0, 5e-18]) could
      // otherwise look violated by 1e-15 of noise while its opposite bound is active. Adding it then is a
      // zero primal step whose dual direction is noise (steps of 1e16 dropping constraint after constraint)
      // ending in a false "infeasible" — the TE-search failure of the tuning run (allocator-te-dust.json).
      const tolerance = 1e-11 * size + 1e-14 * coefficients * travel + 1e-15;
      if (violation >= -tolerance || norms[k] === 0) continue;
      const scaled = violation / norms[k]!;
      if (scaled < worst) {
        worst = scaled;
        nvl = k;
      }
    }
    if (nvl < 0) break;
    if (++iterations > maxIterations) throw new Error('Goldfarb–Idnani did not converge (iteration limit)');
    u[nact] = 0;

    // Step 2: move towards satisfying constraint nvl, dropping active constraints that block the dual step.
    for (;;) {
      const sg = sign[nvl]!;
      const p0 = start[nvl]!;
      const p1 = start[nvl + 1]!;
      // dd = Jᵀn⁺
      for (let c = 0; c < n; c++) {
        let s = 0;
        const col = c * n;
        for (let p = p0; p < p1; p++) s += J[col + index[p]!]! * value[p]!;
        dd[c] = sg * s;
      }
      // z = J₂d₂ (primal direction), r = R⁻¹d₁ (dual direction)
      z.fill(0);
      let ddNorm = 0;
      for (let c = 0; c < n; c++) ddNorm += dd[c]! * dd[c]!;
      for (let c = nact; c < n; c++) {
        const w = dd[c]!;
        if (w === 0) continue;
        const col = c * n;
        for (let row = 0; row < n; row++) z[row] = z[row]! + J[col + row]! * w;
      }
      // Column-oriented back substitution: R is column-major, so this walks it contiguously.
      for (let i = 0; i < nact; i++) r[i] = dd[i]!;
      for (let j = nact - 1; j >= 0; j--) {
        const col = j * n;
        const rj = r[j]! / R[col + j]!;
        r[j] = rj;
        if (rj !== 0) for (let i = 0; i < j; i++) r[i] = r[i]! - R[col + i]! * rj;
      }
      // Largest dual step keeping the active inequalities' multipliers ≥ 0.
      let t1 = Number.POSITIVE_INFINITY;
      let it1 = -1;
      for (let i = 0; i < nact; i++) {
        if (act[i]! < meq || !(r[i]! > 0)) continue;
        const t = u[i]! / r[i]!;
        if (t < t1) {
          t1 = t;
          it1 = i;
        }
      }
      let zz = 0;
      let zMax = 0;
      for (let row = 0; row < n; row++) {
        zz += z[row]! * z[row]!;
        zMax = Math.max(zMax, Math.abs(z[row]!));
      }
      if (zz <= 1e-26 * n * jScale * ddNorm) {
        // No primal step: n⁺ depends on the active normals. Without a blocking constraint, infeasible.
        if (it1 < 0) return { status: 'infeasible', iterations };
        for (let i = 0; i < nact; i++) u[i] = u[i]! - t1 * r[i]!;
        u[nact] = u[nact]! + t1;
        drop(it1);
        continue;
      }
      let zn = 0;
      for (let p = p0; p < p1; p++) zn += z[index[p]!]! * value[p]!;
      zn *= sg;
      const slack = sg * slackOf(nvl, x, start, index, value, rhs);
      const t2 = -slack / zn;
      const full = it1 < 0 || t2 <= t1;
      const t = full ? t2 : t1;
      for (let row = 0; row < n; row++) x[row] = x[row]! + t * z[row]!;
      travel += Math.abs(t) * zMax;
      for (let i = 0; i < nact; i++) u[i] = u[i]! - t * r[i]!;
      u[nact] = u[nact]! + t;
      if (!full) {
        drop(it1);
        continue;
      }
      // Add nvl: rotate dd[nact+1 …] into dd[nact], and J's columns with it.
      for (let c = n - 1; c > nact; c--) {
        const b = dd[c]!;
        if (b === 0) continue;
        const a = dd[c - 1]!;
        const h = signedHypot(a, b);
        rotateColumns(J, n, c - 1, c, a / h, b / h);
        dd[c - 1] = h;
        dd[c] = 0;
      }
      for (let row = 0; row <= nact; row++) R[nact * n + row] = dd[row]!;
      act[nact] = nvl;
      active[nvl] = 1;
      nact++;
      break;
    }
  }

  const multipliers = new Float64Array(q);
  // An equality may have entered with its normal flipped; report its multiplier for the constraint as given.
  for (let i = 0; i < nact; i++) multipliers[act[i]!] = u[i]! * sign[act[i]!]!;
  let objective = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += D[i * n + j]! * x[j]!;
    objective += x[i]! * (0.5 * s - d[i]!);
  }
  return { status: 'optimal', x, value: objective, multipliers, iterations, factor: { J, activeCount: nact } };
}

/** a_kᵀx − b_k. */
function slackOf(k: number, x: Float64Array, start: Int32Array, index: Int32Array, value: Float64Array, rhs: Float64Array): number {
  let s = -rhs[k]!;
  for (let p = start[k]!; p < start[k + 1]!; p++) s += value[p]! * x[index[p]!]!;
  return s;
}

/** (col₁, col₂) ← (gc·col₁ + gs·col₂, gs·col₁ − gc·col₂): a Givens reflection of two columns. */
function rotateColumns(M: Float64Array, n: number, c1: number, c2: number, gc: number, gs: number): void {
  const a = c1 * n;
  const b = c2 * n;
  for (let row = 0; row < n; row++) {
    const xv = M[a + row]!;
    const yv = M[b + row]!;
    M[a + row] = gc * xv + gs * yv;
    M[b + row] = gs * xv - gc * yv;
  }
}

/** Removes active constraint `position` of `nact`, restoring R to upper-triangular form (qpgen2 labels 797–799). */
function dropActive(position: number, nact: number, n: number, R: Float64Array, J: Float64Array, u: Float64Array, act: Int32Array): void {
  for (let k = position + 1; k < nact; k++) {
    const a = R[k * n + k - 1]!;
    const b = R[k * n + k]!;
    if (b !== 0) {
      const h = signedHypot(a, b);
      const gc = a / h;
      const gs = b / h;
      for (let col = k; col < nact; col++) {
        const xv = R[col * n + k - 1]!;
        const yv = R[col * n + k]!;
        R[col * n + k - 1] = gc * xv + gs * yv;
        R[col * n + k] = gs * xv - gc * yv;
      }
      rotateColumns(J, n, k - 1, k, gc, gs);
    }
    for (let row = 0; row < k; row++) R[(k - 1) * n + row] = R[k * n + row]!;
    u[k - 1] = u[k]!;
    act[k - 1] = act[k]!;
  }
  u[nact - 1] = u[nact]!;
  u[nact] = 0;
}

/** h with |h| = √(a² + b²) and the sign of a (zero counts as positive), without overflow. */
function signedHypot(a: number, b: number): number {
  const big = Math.max(Math.abs(a), Math.abs(b));
  const small = Math.min(Math.abs(a), Math.abs(b));
  const ratio = small / big;
  const h = big * Math.sqrt(1 + ratio * ratio);
  return a >= 0 ? h : -h;
}

/** L⁻ᵀ for D = LLᵀ, column-major (equivalently L⁻¹ row-major), or null if D is not positive definite. */
function inverseCholeskyTranspose(D: Float64Array, n: number): Float64Array | null {
  const L = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let pivot = D[j * n + j]!;
    for (let k = 0; k < j; k++) pivot -= L[j * n + k]! * L[j * n + k]!;
    if (!(pivot > 0)) return null;
    const ljj = Math.sqrt(pivot);
    L[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = 0.5 * (D[i * n + j]! + D[j * n + i]!);
      for (let k = 0; k < j; k++) s -= L[i * n + k]! * L[j * n + k]!;
      L[i * n + j] = s / ljj;
    }
  }
  // Row i of L⁻¹ by forward substitution: (L⁻¹)[i][j] for j ≤ i.
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    inv[i * n + i] = 1 / L[i * n + i]!;
    for (let j = 0; j < i; j++) {
      let s = 0;
      for (let k = j; k < i; k++) s += L[i * n + k]! * inv[k * n + j]!;
      inv[i * n + j] = -s / L[i * n + i]!;
    }
  }
  return inv;
}
