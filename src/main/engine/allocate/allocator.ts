import { solveQP } from 'quadprog';
import { BallastError } from '../../../shared/errors';
import type { ConstraintSettings } from '../../../shared/strategy';
import { cholesky, choleskySolve, matrixFromData, type Matrix } from '../math/linalg';
import { type QpResult, solveQuadraticProgram, sparseConstraints } from './goldfarbIdnani';

/**
 * The uncertainty-aware allocator: a tilt of the risk-budgeting anchor, solved as a convex QP by the dual
 * active-set method of Goldfarb & Idnani (./goldfarbIdnani.ts; the npm `quadprog` package runs the same
 * algorithm and can be selected with `{ solver: 'quadprog' }`, 10–100× slower — see that file for why).
 *
 * Units: weights w, anchor a, current weights w₀ are fractions of total account value (cash = 1 − Σw).
 * μ is the expected simple return over the horizon (h trading days), Σ the horizon covariance (daily × h),
 * σ²_epi the epistemic variance of μ over the same horizon. Costs are fractions of account value, charged
 * once. The objective is therefore "horizon return minus risk penalty minus costs", all in fractions.
 *
 *   maximise   f(w) = (w − a)ᵀμ − (γ/2)(w − a)ᵀ(Σ + κ·diag(σ²_epi))(w − a) − C(w − w₀)
 *
 *   C(x)       = Σᵢ c·|xᵢ| + Σᵢ αᵢ|xᵢ|^{3/2}                     (exact cost, reported as expectedCost)
 *   c          = bpsPerSide / 10⁴                                (commission + half-spread per side)
 *   αᵢ         = k · σ_daily,ᵢ · √(V / ADVᵢ)                     (square-root impact: cost fraction per unit
 *                                                                traded = k·σ·√(traded value / ADV))
 *
 *   subject to Σw = min(1 − cashFloor, capacity)                 (budget: cash at its floor, or above it by
 *                                                                what the maximums leave nowhere to go)
 *              loᵢ ≤ wᵢ ≤ hiᵢ                                    (long-only, per-asset min/max, restricted lists)
 *              min_k ≤ Σ_{i∈k} wᵢ ≤ max_k                        (asset-class limits)
 *              ½ Σ|wᵢ − w₀ᵢ| ≤ turnoverCap                        (one-way turnover)
 *              √((w − a)ᵀ Σ_ann (w − a)) ≤ TE budget,  Σ_ann = Σ · 252 / h
 *
 * Write Q = γ(Σ + κ·diag σ²_epi) and x = w − w₀.
 *
 * Costs and turnover (|x| is not smooth). The textbook QP splits trades into buys and sells, x = b − s with
 * b, s ≥ 0, making c·Σ(b + s) and ½Σ(b + s) linear. That doubles the variables, and a dual active-set solve
 * costs O(variables³): 8× more. So the allocator instead fixes each trade's direction (sᵢ = ±1, with
 * sᵢxᵢ ≥ 0 as a bound), which makes |xᵢ| = sᵢxᵢ linear in a one-variable-per-asset QP, and then proves the
 * directions right from that QP's own multipliers: a trade held at zero by its direction bound, multiplier π,
 * is optimal for the real problem iff π ≤ 2(c + τ) (τ the turnover multiplier), because the subdifferential of
 * (c + τ)|xᵢ| at 0 is [−(c + τ), c + τ]. Directions that fail are flipped and the QP re-solved; every flip
 * strictly lowers the objective, so this terminates, in practice after one or two solves (see
 * createTiltSolver). The split formulation remains as the fallback, made strictly convex without bias by
 * moving a diagonal ρ from the trade block onto the legs: ½(b − s)ᵀ(Q − ρI)(b − s) + ½ρ(|b|² + |s|²) equals
 * ½(b − s)ᵀQ(b − s) whenever bᵢsᵢ = 0, which holds at any optimum, and is strictly convex for
 * 0 < ρ < 2λ_min(Q) (ρ found by Cholesky tests of Q − ρI). Only a singular Q (no epistemic term and a
 * rank-deficient Σ) gets a genuine ridge of 10⁻¹⁰·mean diag(Q), the only bias anywhere.
 *
 * Square-root impact is not quadratic. It is replaced by ηᵢxᵢ² with ηᵢ = αᵢ/√x_ref,ᵢ, the convex quadratic
 * through the exact cost at zero and at a typical trade size x_ref,ᵢ = max(|aᵢ − w₀ᵢ|, 1 %): the trade the
 * anchor asks for, or a typical tilt when already there. It overstates the cost of larger trades and
 * understates smaller ones; one QP, deterministic, and reproducible in the cvxopt cross-check. The
 * reported expectedCost and objective use the exact C.
 *
 * The tracking-error budget is a convex quadratic constraint, solved exactly through its Lagrangian: the risk
 * term gains ν(w − a)ᵀΣ_ann(w − a)/2 with a multiplier ν ≥ 0. TE(ν) falls monotonically, so ν = 0 is tried
 * first; if TE exceeds the budget, ν is searched by safeguarded Newton steps on 1/TE(ν) (nearly linear in ν,
 * exactly so with no binding constraint and κ = 0) kept inside a bisection bracket, until
 * budget·(1 − 10⁻⁹) ≤ TE ≤ budget (solveTrackingError). By convex duality that is the constrained optimum.
 *
 * The cash floor is a minimum. Normally everything above it is invested (Σw = 1 − cashFloor). When the maximums
 * cannot hold that much — capacity = Σ over classes of min(class max, Σ hiᵢ) plus Σ hiᵢ of unclassed names, hi
 * after no-buy (w ≤ w₀), exclusions and untradeable positions, the exact largest Σw those bounds allow — the
 * remainder stays in cash: Σw = capacity, every asset outside a binding class maximum sits at its maximum, and
 * the result says so (`uninvestedCash`, binding "maximums (cash above floor)"). Early in a history with few
 * priced names, or a tight maximum on a small universe, is such a case; it is a decision, not an infeasibility.
 * Every other constraint stays exact. Minimums, no-sell holdings and class minimums that need more than
 * 1 − cashFloor are still infeasible (the floor is a floor).
 *
 * Restricted lists: noBuy means w ≤ w₀, noSell means w ≥ w₀, excluded means w = 0 (an excluded holding is
 * sold; exclusion overrides a per-asset minimum). `investable: false` (no price) fixes wᵢ = w₀ᵢ outside every
 * asset rule; the position still counts toward the budget, class limits and turnover, but not the objective or
 * tracking error (no risk estimate).
 *
 * Minimum trade size, after the solve: trades with |xᵢ| < minTradeWeight go back to xᵢ = 0, smallest first,
 * buys before sells. A dropped buy leaves its money in cash. A dropped sell is taken only while cash stays at or
 * above the floor (so the buys it funded stay funded). Each drop must also keep the asset's bounds, the class
 * limits, the turnover cap and the TE budget; otherwise the trade stays. So after this step cash may exceed
 * the floor (Σw ≤ 1 − cashFloor), never undercut it.
 *
 * With μ = 0, no costs and a feasible anchor the answer is the anchor (w = a is then optimal). With costs and
 * w₀ ≠ a it stops short of the anchor where the marginal risk reduction no longer pays for the trade. As
 * κ → ∞ (or σ²_epi → ∞) the risk term dominates every cost and the answer reverts to the anchor.
 *
 * Infeasible constraint sets are results, not errors. Per-asset contradictions (a no-sell holding above its
 * maximum …) are named directly; otherwise the constraint groups (turnover cap, each class limit, cash floor,
 * no-sell, excluded, no-buy, per-asset minimums, maximums) are relaxed one at a time — pairs if no single one
 * suffices — and every group whose relaxation restores feasibility is named, worded for a PM with the numbers
 * behind it (see diagnose).
 */

/** Matches TRADING_DAYS_PER_YEAR in strategy/baseline (kept local so allocate does not import strategy). */
const TRADING_DAYS_PER_YEAR = 252;
/** Absolute tolerance on weights for constraint checks and binding reports. */
const WEIGHT_TOLERANCE = 1e-9;
/** Weight changes smaller than this are rounding: an asset with no more room than this on a side cannot trade there. */
const TRADE_RESOLUTION = 1e-12;
/** Relative accuracy of the TE root: budget·(1 − this) ≤ TE ≤ budget. */
const TE_RELATIVE_TOLERANCE = 1e-9;
/** The impact quadratic matches the exact cost at this trade size when the anchor asks for less. */
export const IMPACT_REFERENCE_TRADE = 0.01;

export interface AllocationCosts {
  bpsPerSide: number;
  impactCoefficient: number;
  /** Daily return volatility per asset (fraction). */
  dailyVolatility?: Float64Array;
  /** Average daily traded value per asset, in account currency. */
  adv?: Float64Array;
  /** Account value in the same currency as `adv`. */
  portfolioValue?: number;
}

export interface AllocationProblem {
  tickers: readonly string[];
  assetClasses?: readonly string[];
  /** Current weights, fractions of total value (cash = 1 − Σ). */
  current: Float64Array;
  /** Risk-budgeting anchor, sums to 1 − cashFloor. */
  anchor: Float64Array;
  /** μ over the horizon (zeros = no view). */
  expectedReturns: Float64Array;
  /** Epistemic variance of μ over the horizon. */
  epistemicVariance: Float64Array;
  /** Σ over the horizon (daily × horizonDays). */
  covariance: Matrix;
  horizonDays: number;
  riskAversion: number;
  uncertaintyPenalty: number;
  /** Annualised; 0 = no budget. */
  trackingErrorBudget: number;
  costs: AllocationCosts;
  constraints: ConstraintSettings;
  /** false = no price / cannot trade now: the weight stays at its current value. */
  investable?: boolean[];
}

export type AllocationResult =
  | {
      ok: true;
      weights: Float64Array;
      cashWeight: number;
      /** Annualised tracking error of the weights around the anchor. */
      trackingError: number;
      /** One-way: ½Σ|w − w₀|. */
      turnover: number;
      /** Exact cost (linear + square-root impact), fraction of account value. */
      expectedCost: number;
      /** f(w) above, with the exact cost. */
      objective: number;
      /** Constraints active at the answer, in words ("max weight SPY", "class equity max", "turnover cap" …). */
      binding: string[];
      /** QP solves used (1 unless the TE budget needed its multiplier searched, or trade directions flipped). */
      iterations: number;
      /** ν, the TE budget's multiplier (0 when it does not bind): pass it back as a warm start. */
      trackingErrorMultiplier: number;
      /**
       * Cash above the floor that the per-asset and class maximums leave nowhere to invest (0 when they can hold
       * 1 − cashFloor). cashWeight ≥ cashFloor + this; more only where minTradeWeight dropped a buy.
       */
      uninvestedCash: number;
    }
  | { ok: false; constraint: string; message: string; details?: unknown };

type Infeasible = Extract<AllocationResult, { ok: false }>;

/**
 * 'goldfarb-idnani' (default): the engine's Float64Array implementation of the dual active-set method.
 * 'quadprog': the same algorithm in the npm `quadprog` package, 10–100× slower; kept as a live cross-check
 * for tests and the benchmark.
 */
export type QpSolverName = 'goldfarb-idnani' | 'quadprog';

export interface AllocateOptions {
  solver?: QpSolverName;
  /**
   * With costs or a turnover cap: 'signed' (default) solves one variable per asset with trade directions
   * fixed and verified (see createTiltSolver); 'split' always solves the buy/sell-leg QP, twice the variables.
   * The same optimum either way: 'split' exists as a cross-check.
   */
  formulation?: 'signed' | 'split';
  /**
   * A similar problem's answer (the previous rebalance, or the full decision when Shapley attribution re-solves
   * variants of it): trade directions start from `weights − current`, and the TE multiplier search starts at
   * `trackingErrorMultiplier`. Only speed depends on it; the answer is the same.
   */
  warmStart?: { weights?: Float64Array; trackingErrorMultiplier?: number };
}

// ---------------------------------------------------------------------------------------------------------
// Problem preparation

interface Prepared {
  n: number;
  tickers: readonly string[];
  classOf: readonly (string | undefined)[];
  w0: Float64Array;
  anchor: Float64Array;
  mu: Float64Array;
  /** Assets in the objective and TE (investable). */
  inObjective: boolean[];
  /** γ(Σ + κ·diag σ²_epi), zero rows/columns outside the objective. */
  riskHessian: Float64Array;
  /** Σ_ann, zero rows/columns outside the objective. */
  annualCovariance: Float64Array;
  gamma: number;
  horizonDays: number;
  linearCost: number;
  impactAlpha: Float64Array;
  impactQuadratic: Float64Array;
  budget: number;
  cashFloor: number;
  teBudget: number;
  c: ConstraintSettings;
  noBuy: Set<string>;
  noSell: Set<string>;
  excluded: Set<string>;
  classLimits: { name: string; side: 'min' | 'max'; value: number }[];
  solver: QpSolverName;
}

function fail(message: string, details?: unknown): never {
  throw new BallastError('BAD_INPUT', message, details);
}

function prepare(problem: AllocationProblem, solver: QpSolverName): Prepared {
  const n = problem.tickers.length;
  if (n === 0) fail('the allocation needs at least one asset');
  const vectors: [string, Float64Array][] = [
    ['current', problem.current],
    ['anchor', problem.anchor],
    ['expectedReturns', problem.expectedReturns],
    ['epistemicVariance', problem.epistemicVariance],
  ];
  for (const [name, v] of vectors) {
    if (v.length !== n) fail(`${name} has ${v.length} values for ${n} tickers`);
  }
  if (problem.covariance.rows !== n || problem.covariance.cols !== n) {
    fail(`covariance is ${problem.covariance.rows}×${problem.covariance.cols} for ${n} tickers`);
  }
  if (problem.assetClasses && problem.assetClasses.length !== n) {
    fail(`assetClasses has ${problem.assetClasses.length} values for ${n} tickers`);
  }
  if (problem.investable && problem.investable.length !== n) {
    fail(`investable has ${problem.investable.length} values for ${n} tickers`);
  }
  const gamma = problem.riskAversion;
  const kappa = problem.uncertaintyPenalty;
  if (!(gamma > 0) || !Number.isFinite(gamma)) fail(`risk aversion must be positive, got ${gamma}`);
  if (!(kappa >= 0) || !Number.isFinite(kappa)) fail(`uncertainty penalty must be ≥ 0, got ${kappa}`);
  if (!(problem.horizonDays > 0)) fail(`horizonDays must be positive, got ${problem.horizonDays}`);
  const teBudget = problem.trackingErrorBudget;
  if (!(teBudget >= 0)) fail(`tracking-error budget must be ≥ 0, got ${teBudget}`);
  const c = problem.constraints;
  if (!(c.cashFloor >= 0 && c.cashFloor < 1)) fail(`cash floor must be in [0, 1), got ${c.cashFloor}`);

  const inObjective = Array.from({ length: n }, (_, i) => problem.investable?.[i] !== false);
  const cov = problem.covariance.data;
  for (let i = 0; i < n; i++) {
    const w0 = problem.current[i]!;
    if (!Number.isFinite(w0) || w0 < -WEIGHT_TOLERANCE) {
      fail(`current weight of ${problem.tickers[i]} is ${w0}; weights must be finite and ≥ 0`);
    }
    if (!inObjective[i]) continue;
    const values = [problem.anchor[i]!, problem.expectedReturns[i]!, problem.epistemicVariance[i]!];
    if (!values.every(Number.isFinite)) fail(`anchor, expected return or epistemic variance of ${problem.tickers[i]} is not finite`);
    if (problem.epistemicVariance[i]! < 0) fail(`epistemic variance of ${problem.tickers[i]} is negative`);
    for (let j = 0; j < n; j++) {
      if (inObjective[j] && !Number.isFinite(cov[i * n + j]!)) fail(`covariance of ${problem.tickers[i]} and ${problem.tickers[j]} is not finite`);
    }
  }

  const riskHessian = new Float64Array(n * n);
  const annualCovariance = new Float64Array(n * n);
  const annualise = TRADING_DAYS_PER_YEAR / problem.horizonDays;
  for (let i = 0; i < n; i++) {
    if (!inObjective[i]) continue;
    for (let j = 0; j < n; j++) {
      if (!inObjective[j]) continue;
      // Symmetrise: a covariance off by rounding in its last bit must not make the QP non-convex.
      const sij = 0.5 * (cov[i * n + j]! + cov[j * n + i]!);
      riskHessian[i * n + j] = gamma * sij;
      annualCovariance[i * n + j] = annualise * sij;
    }
    riskHessian[i * n + i] = riskHessian[i * n + i]! + gamma * kappa * problem.epistemicVariance[i]!;
  }

  const costs = problem.costs;
  if (!(costs.bpsPerSide >= 0) || !(costs.impactCoefficient >= 0)) fail('costs must be ≥ 0');
  const impactAlpha = new Float64Array(n);
  const impactQuadratic = new Float64Array(n);
  const value = costs.portfolioValue;
  if (costs.impactCoefficient > 0 && costs.dailyVolatility && costs.adv && value !== undefined && value > 0) {
    if (costs.dailyVolatility.length !== n || costs.adv.length !== n) fail('dailyVolatility and adv need one value per ticker');
    for (let i = 0; i < n; i++) {
      const sigma = costs.dailyVolatility[i]!;
      const adv = costs.adv[i]!;
      // No ADV (or no volatility) for a name: no impact estimate for it rather than an infinite one.
      if (!inObjective[i] || !(adv > 0) || !(sigma >= 0) || !Number.isFinite(adv)) continue;
      const alpha = costs.impactCoefficient * sigma * Math.sqrt(value / adv);
      impactAlpha[i] = alpha;
      const reference = Math.max(Math.abs(problem.anchor[i]! - problem.current[i]!), IMPACT_REFERENCE_TRADE);
      impactQuadratic[i] = alpha / Math.sqrt(reference);
    }
  }

  const classLimits: Prepared['classLimits'] = [];
  for (const [name, limit] of Object.entries(c.classLimits)) {
    if (limit.min !== undefined && limit.min > 0) classLimits.push({ name, side: 'min', value: limit.min });
    if (limit.max !== undefined) classLimits.push({ name, side: 'max', value: limit.max });
  }

  return {
    n,
    tickers: problem.tickers,
    classOf: Array.from({ length: n }, (_, i) => problem.assetClasses?.[i]),
    w0: Float64Array.from(problem.current, (x) => Math.max(x, 0)),
    anchor: problem.anchor,
    mu: problem.expectedReturns,
    inObjective,
    riskHessian,
    annualCovariance,
    gamma,
    horizonDays: problem.horizonDays,
    linearCost: costs.bpsPerSide / 1e4,
    impactAlpha,
    impactQuadratic,
    budget: 1 - c.cashFloor,
    cashFloor: c.cashFloor,
    teBudget,
    c,
    noBuy: new Set(c.noBuy),
    noSell: new Set(c.noSell),
    excluded: new Set(c.excluded),
    classLimits,
    solver,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Per-asset limits and the constraint groups a diagnosis relaxes

type GroupKey = 'turnover' | 'cashFloor' | 'noBuy' | 'noSell' | 'excluded' | 'minimums' | 'maximums' | `class:${string}:${'min' | 'max'}`;

interface Limits {
  lo: Float64Array;
  hi: Float64Array;
  /**
   * The weight of an asset that cannot move (untradeable, lo = hi, or held at its maximum because the maximums
   * cannot absorb the budget); NaN for a free asset.
   */
  fixed: Float64Array;
  /** Σw to invest: 1 − cashFloor, or less when the maximums cannot hold that much (see the header). */
  budget: number;
  /** 1 for an asset fixed at its maximum only because the maximums cannot absorb 1 − cashFloor. */
  heldAtMaximum: Uint8Array;
}

type LimitsResult = { ok: true; limits: Limits } | { ok: false; infeasible: Infeasible };

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

function assetLimits(p: Prepared, relaxed: ReadonlySet<GroupKey>): LimitsResult {
  const { n, c, tickers, w0 } = p;
  const lo = new Float64Array(n);
  const hi = new Float64Array(n);
  const fixed = new Float64Array(n).fill(Number.NaN);
  for (let i = 0; i < n; i++) {
    const t = tickers[i]!;
    if (!p.inObjective[i]) {
      fixed[i] = w0[i]!;
      lo[i] = hi[i] = w0[i]!;
      continue;
    }
    const own = c.perAsset[t];
    let min = relaxed.has('minimums') ? 0 : (own?.min ?? c.minWeight);
    let max = relaxed.has('maximums') ? 1 : (own?.max ?? c.maxWeight);
    if (min > max + WEIGHT_TOLERANCE) {
      return infeasibleNow(`per-asset limits ${t}`, `${t} has a minimum weight of ${pct(min)}, above its maximum of ${pct(max)}.`, { ticker: t, min, max });
    }
    const excluded = p.excluded.has(t) && !relaxed.has('excluded');
    const noSell = p.noSell.has(t) && !relaxed.has('noSell');
    const noBuy = p.noBuy.has(t) && !relaxed.has('noBuy');
    if (excluded) {
      if (noSell && w0[i]! > WEIGHT_TOLERANCE) {
        return infeasibleNow(
          `excluded ${t} on the no-sell list`,
          `${t} is both excluded (to be sold) and on the no-sell list (to be kept) at ${pct(w0[i]!)}. Take it off one of the lists.`,
          { ticker: t, current: w0[i] },
        );
      }
      min = 0;
      max = 0;
    }
    if (noBuy && w0[i]! < max) {
      if (min > w0[i]! + WEIGHT_TOLERANCE) {
        return infeasibleNow(
          `no-buy ${t} with minimum weight`,
          `${t} is on the no-buy list at ${pct(w0[i]!)} but its minimum weight is ${pct(min)}: it cannot be bought up to the minimum. Lower the minimum or lift the no-buy restriction.`,
          { ticker: t, current: w0[i], min },
        );
      }
      max = w0[i]!;
    }
    if (noSell && w0[i]! > min) {
      if (w0[i]! > max + WEIGHT_TOLERANCE) {
        return infeasibleNow(
          `no-sell ${t} with maximum weight`,
          `${t} is on the no-sell list at ${pct(w0[i]!)}, above its maximum weight of ${pct(max)}: it cannot be sold down. Raise its maximum or lift the no-sell restriction.`,
          { ticker: t, current: w0[i], max },
        );
      }
      min = w0[i]!;
    }
    lo[i] = min;
    hi[i] = Math.max(min, max);
    if (hi[i]! - lo[i]! <= TRADE_RESOLUTION) fixed[i] = lo[i]!;
  }
  const { capacity, bindingClasses } = investableCapacity(p, hi, relaxed);
  let budget = p.budget;
  const heldAtMaximum = new Uint8Array(n);
  // (With the cash floor relaxed, for a diagnosis, the budget is any Σw ≤ 1 and nothing is held anywhere.)
  if (!relaxed.has('cashFloor') && capacity < p.budget + TRADE_RESOLUTION) {
    // The maximums cannot absorb 1 − cashFloor (or only just): invest what they can hold and keep the rest in
    // cash. Σw = capacity then forces every asset outside a binding class maximum to its maximum; fixing them
    // there states that exactly, rather than leaving the solver a single point to find through a stack of
    // linearly dependent active constraints.
    budget = Math.min(p.budget, capacity);
    for (let i = 0; i < n; i++) {
      const k = p.classOf[i];
      if (!Number.isNaN(fixed[i]!) || (k !== undefined && bindingClasses.has(k))) continue;
      fixed[i] = hi[i]!;
      heldAtMaximum[i] = 1;
    }
  }
  return { ok: true, limits: { lo, hi, fixed, budget, heldAtMaximum } };
}

/**
 * The largest Σw the per-asset maximums and class maximums allow: classes are disjoint, so it is Σ over classes
 * of min(class max, Σ hiᵢ in the class) plus Σ hiᵢ of the names outside any class with a maximum. Also names
 * the classes whose maximum is below their members' Σ hiᵢ (their members are not all at their maximum then).
 */
function investableCapacity(p: Prepared, hi: Float64Array, relaxed: ReadonlySet<GroupKey>): { capacity: number; bindingClasses: Set<string> } {
  const classMax = new Map<string, number>();
  for (const limit of p.classLimits) {
    if (limit.side === 'max' && !relaxed.has(`class:${limit.name}:max`)) classMax.set(limit.name, limit.value);
  }
  const inClass = new Map<string, number>();
  let capacity = 0;
  for (let i = 0; i < p.n; i++) {
    const k = p.classOf[i];
    if (k !== undefined && classMax.has(k)) inClass.set(k, (inClass.get(k) ?? 0) + hi[i]!);
    else capacity += hi[i]!;
  }
  const bindingClasses = new Set<string>();
  for (const [k, total] of inClass) {
    const max = classMax.get(k)!;
    if (max < total) bindingClasses.add(k);
    capacity += Math.min(max, total);
  }
  return { capacity, bindingClasses };
}

function infeasibleNow(constraint: string, message: string, details: unknown): { ok: false; infeasible: Infeasible } {
  return { ok: false, infeasible: { ok: false, constraint, message, details } };
}

// ---------------------------------------------------------------------------------------------------------
// The QP model: variables, linear constraints, and the objective the solver sees

interface LinearConstraint {
  /** Σ coefs[k]·v[vars[k]] ≥ rhs, or = rhs. */
  vars: number[];
  coefs: number[];
  rhs: number;
  equality: boolean;
}

/**
 * 'unsplit': one variable per free asset, w = w₀ + x (no costs, no turnover cap).
 * 'signed':  one variable per free asset whose trade direction is fixed by `signs` (see createTiltSolver), so
 *            |x| = sign·x and the cost and turnover are linear in it.
 * 'split':   buy and sell legs, w = w₀ + b − s, with the ρ construction of the header.
 */
type ModelMode = 'unsplit' | 'signed' | 'split';

interface QpModel {
  mode: ModelMode;
  /** Asset of each variable, and its direction in w = base + Σ direction·v. */
  varAsset: number[];
  varDirection: number[];
  /** Coefficient of the variable in Σ|xᵢ| (1 for a leg, the side ±1 for a signed trade, 0 unsplit). */
  varTurnover: number[];
  /** 'signed' only: index of the constraint holding the trade at its side of zero, −1 if that side is forced. */
  signBound: number[];
  turnoverConstraint: number;
  /** The weight before any variable moves: w₀ for free assets, the fixed value otherwise. */
  base: Float64Array;
  /** Constraint 0 is the budget (an equality unless the cash floor is relaxed); equalities come first. */
  constraints: LinearConstraint[];
}

function usesTrades(p: Prepared, relaxed: ReadonlySet<GroupKey>): boolean {
  return p.linearCost > 0 || (p.c.turnoverCap !== null && !relaxed.has('turnover')) || p.impactQuadratic.some((x) => x > 0);
}

function buildModel(p: Prepared, limits: Limits, relaxed: ReadonlySet<GroupKey>, mode: ModelMode, signs?: Int8Array): QpModel {
  const { n, w0 } = p;
  const cap = relaxed.has('turnover') ? null : p.c.turnoverCap;
  const model: QpModel = {
    mode,
    varAsset: [],
    varDirection: [],
    varTurnover: [],
    signBound: [],
    turnoverConstraint: -1,
    base: new Float64Array(n),
    constraints: [],
  };
  const bounds: LinearConstraint[] = [];
  const signBoundAt: number[] = []; // position in `bounds` of each variable's sign bound, or −1
  const addVariable = (asset: number, direction: number, turnover: number, lower: number, upper: number, signBound: 'lower' | 'upper' | null) => {
    const v = model.varAsset.length;
    model.varAsset.push(asset);
    model.varDirection.push(direction);
    model.varTurnover.push(turnover);
    signBoundAt.push(signBound === 'lower' ? bounds.length : signBound === 'upper' ? bounds.length + 1 : -1);
    bounds.push({ vars: [v], coefs: [1], rhs: lower, equality: false });
    bounds.push({ vars: [v], coefs: [-1], rhs: -upper, equality: false });
  };
  let fixedTrades = 0;
  for (let i = 0; i < n; i++) {
    const f = limits.fixed[i]!;
    if (!Number.isNaN(f)) {
      model.base[i] = f;
      fixedTrades += Math.abs(f - w0[i]!);
      continue;
    }
    model.base[i] = w0[i]!;
    const lo = limits.lo[i]! - w0[i]!;
    const hi = limits.hi[i]! - w0[i]!;
    // A side with room for less than TRADE_RESOLUTION is rounding, not a trade (a 5e-18 dust holding left by
    // share arithmetic, a weight a hair under its maximum): its leg would be a box [0, 5e-18] whose two bounds
    // the dual solver cannot tell apart from noise. The asset keeps its current weight on that side.
    const canBuy = hi > TRADE_RESOLUTION;
    const canSell = lo < -TRADE_RESOLUTION;
    if (!canBuy && !canSell) continue;
    if (mode === 'unsplit') {
      addVariable(i, 1, 0, lo, hi, null);
    } else if (mode === 'signed') {
      const side = !canSell ? 1 : !canBuy ? -1 : signs![i]! >= 0 ? 1 : -1;
      // The bound at zero is a "sign bound" only when the other side was possible: its multiplier then says
      // whether crossing zero would pay.
      if (side === 1) addVariable(i, 1, 1, Math.max(0, lo), hi, canSell ? 'lower' : null);
      else addVariable(i, 1, -1, lo, Math.min(0, hi), canBuy ? 'upper' : null);
    } else {
      // Bounds on w become bounds on one leg: with bᵢsᵢ = 0 at the optimum, w ≤ hi ⟺ b ≤ hi − w₀ and
      // w ≥ lo ⟺ s ≤ w₀ − lo. Simple bounds keep the active set well conditioned.
      if (canBuy) addVariable(i, 1, 1, Math.max(0, lo), hi, null);
      if (canSell) addVariable(i, -1, 1, Math.max(0, -hi), -lo, null);
    }
  }

  const all = model.varAsset.map((_, v) => v);
  let baseSum = 0;
  for (let i = 0; i < n; i++) baseSum += model.base[i]!;
  if (relaxed.has('cashFloor')) {
    // Relaxed: any cash from 0 up, i.e. Σw ≤ 1.
    model.constraints.push({ vars: all, coefs: model.varDirection.map((s) => -s), rhs: -(1 - baseSum), equality: false });
  } else {
    model.constraints.push({ vars: all, coefs: model.varDirection.slice(), rhs: limits.budget - baseSum, equality: true });
  }
  for (const limit of p.classLimits) {
    if (relaxed.has(`class:${limit.name}:${limit.side}`)) continue;
    const vars: number[] = [];
    const coefs: number[] = [];
    let inClass = 0;
    for (let i = 0; i < n; i++) if (p.classOf[i] === limit.name) inClass += model.base[i]!;
    model.varAsset.forEach((i, v) => {
      if (p.classOf[i] !== limit.name) return;
      vars.push(v);
      coefs.push(limit.side === 'max' ? -model.varDirection[v]! : model.varDirection[v]!);
    });
    const rhs = limit.side === 'max' ? -(limit.value - inClass) : limit.value - inClass;
    model.constraints.push({ vars, coefs, rhs, equality: false });
  }
  if (cap !== null && mode !== 'unsplit') {
    // ½Σ|x| ≤ cap. Forced trades of fixed assets (an excluded holding being sold) use up the cap first.
    model.turnoverConstraint = model.constraints.length;
    model.constraints.push({ vars: all, coefs: model.varTurnover.map((t) => -t), rhs: -(2 * cap - fixedTrades), equality: false });
  }
  const offset = model.constraints.length;
  model.signBound = signBoundAt.map((k) => (k < 0 ? -1 : offset + k));
  model.constraints.push(...bounds);
  return model;
}

/**
 * ρ for the split Hessian: the largest mean-diagonal / 2^k with Q − ρI positive definite over the free assets,
 * which keeps ρ < λ_min(Q) < 2λ_min(Q). `ridge` > 0 only when Q is singular there.
 */
function splitCurvature(p: Prepared, model: QpModel): { rho: number; ridge: number } {
  const assets = [...new Set(model.varAsset)];
  const m = assets.length;
  if (m === 0) return { rho: 0, ridge: 0 };
  let meanDiag = 0;
  for (const i of assets) meanDiag += p.riskHessian[i * p.n + i]!;
  meanDiag /= m;
  if (!(meanDiag > 0)) meanDiag = 1;
  const sub = new Float64Array(m * m);
  for (let k = 1; k <= 40; k++) {
    const rho = meanDiag / 2 ** k;
    for (let a = 0; a < m; a++) {
      for (let b = 0; b < m; b++) sub[a * m + b] = p.riskHessian[assets[a]! * p.n + assets[b]!]!;
      sub[a * m + a] = sub[a * m + a]! - rho;
    }
    if (cholesky(matrixFromData(m, m, sub)).ok) return { rho, ridge: 0 };
  }
  const ridge = 1e-10 * meanDiag;
  return { rho: ridge, ridge };
}

/** A one-variable-per-asset model has Hessian Q itself (plus impact): a ridge only if Q is singular there. */
function assetRidge(p: Prepared, model: QpModel): number {
  const m = model.varAsset.length;
  if (m === 0) return 0;
  const sub = new Float64Array(m * m);
  let meanDiag = 0;
  for (let a = 0; a < m; a++) {
    for (let b = 0; b < m; b++) sub[a * m + b] = p.riskHessian[model.varAsset[a]! * p.n + model.varAsset[b]!]!;
    meanDiag += sub[a * m + a]! / m;
  }
  return cholesky(matrixFromData(m, m, sub)).ok ? 0 : 1e-10 * (meanDiag > 0 ? meanDiag : 1);
}

type Objective =
  | { kind: 'allocate'; nu: number; rho: number; ridge: number }
  | { kind: 'feasibility' }
  | { kind: 'min-turnover' };

type QpOutcome =
  | {
      ok: true;
      weights: Float64Array;
      v: Float64Array;
      multipliers: Float64Array;
      /** The factor the QP's objective was multiplied by before solving (multipliers are in those units). */
      scale: number;
      model: QpModel;
      factor?: { J: Float64Array; activeCount: number };
    }
  | { ok: false; reason: 'infeasible' };

function solveModel(p: Prepared, model: QpModel, objective: Objective): QpOutcome {
  const nv = model.varAsset.length;
  if (nv === 0) {
    const v = new Float64Array(0);
    return satisfies(model, v)
      ? { ok: true, weights: Float64Array.from(model.base), v, multipliers: new Float64Array(model.constraints.length), scale: 1, model }
      : { ok: false, reason: 'infeasible' };
  }
  const { D, d } = hessianAndGradient(p, model, objective);
  // Scale so the mean diagonal is 1: the solution is unchanged, and the solvers' absolute zero tests
  // then mean the same thing for every account.
  let trace = 0;
  for (let a = 0; a < nv; a++) trace += D[a * nv + a]!;
  const scale = nv / trace;
  for (let k = 0; k < D.length; k++) D[k] = D[k]! * scale;
  for (let a = 0; a < nv; a++) d[a] = d[a]! * scale;
  const meq = model.constraints[0]!.equality ? 1 : 0;
  const solved =
    p.solver === 'quadprog'
      ? solveWithQuadprogPackage(D, d, model.constraints, meq)
      : solveQuadraticProgram(D, d, sparseConstraints(model.constraints, meq));
  if (solved.status === 'infeasible') return { ok: false, reason: 'infeasible' };
  if (solved.status !== 'optimal') {
    throw new BallastError('NUMERICAL', 'the allocation QP is not strictly convex', { solver: p.solver });
  }
  const v = solved.x;
  // A dual method ends primal feasible up to rounding; anything beyond that is treated as infeasible.
  if (!satisfies(model, v, 1e-8)) return { ok: false, reason: 'infeasible' };
  const weights = Float64Array.from(model.base);
  for (let a = 0; a < nv; a++) weights[model.varAsset[a]!] = weights[model.varAsset[a]!]! + model.varDirection[a]! * v[a]!;
  return { ok: true, weights, v, multipliers: solved.multipliers, scale, model, factor: solved.factor };
}

/** The same QP through the npm `quadprog` package (1-indexed dense arrays); a cross-check, not the default. */
function solveWithQuadprogPackage(D: Float64Array, d: Float64Array, constraints: LinearConstraint[], meq: number): QpResult {
  const nv = d.length;
  const Dmat: number[][] = [[]];
  const dvec: number[] = [0];
  for (let a = 0; a < nv; a++) {
    const row = [0];
    for (let b = 0; b < nv; b++) row.push(D[a * nv + b]!);
    Dmat.push(row);
    dvec.push(d[a]!);
  }
  const q = constraints.length;
  const Amat: number[][] = [[]];
  for (let a = 0; a < nv; a++) Amat.push(new Array<number>(q + 1).fill(0));
  const bvec: number[] = [0];
  constraints.forEach((k, col) => {
    for (let t = 0; t < k.vars.length; t++) Amat[k.vars[t]! + 1]![col + 1] = k.coefs[t]!;
    bvec.push(k.rhs);
  });
  const result = solveQP(Dmat, dvec, Amat, bvec, meq);
  if (result.message.startsWith('constraints are inconsistent')) return { status: 'infeasible', iterations: result.iterations?.[1] ?? 0 };
  if (result.message.includes('not positive definite')) return { status: 'not-positive-definite' };
  if (result.message !== '' || !result.solution) throw new BallastError('NUMERICAL', `quadprog failed: ${result.message}`);
  return {
    status: 'optimal',
    x: Float64Array.from(result.solution.slice(1)),
    value: result.value?.[1] ?? Number.NaN,
    multipliers: Float64Array.from((result.Lagrangian ?? [0]).slice(1)),
    iterations: result.iterations?.[1] ?? 0,
  };
}

function satisfies(model: QpModel, v: Float64Array, tolerance = WEIGHT_TOLERANCE): boolean {
  for (const k of model.constraints) {
    let lhs = 0;
    for (let t = 0; t < k.vars.length; t++) lhs += k.coefs[t]! * v[k.vars[t]!]!;
    const slack = lhs - k.rhs;
    if (k.equality ? Math.abs(slack) > tolerance : slack < -tolerance) return false;
  }
  return true;
}

function hessianAndGradient(p: Prepared, model: QpModel, objective: Objective): { D: Float64Array; d: Float64Array } {
  const nv = model.varAsset.length;
  const { n } = p;
  const D = new Float64Array(nv * nv);
  const d = new Float64Array(nv);
  if (objective.kind === 'feasibility') {
    // Any feasible point will do; the minimum-norm move is cheap and well conditioned.
    for (let a = 0; a < nv; a++) D[a * nv + a] = 1;
    return { D, d };
  }
  if (objective.kind === 'min-turnover') {
    // min Σ|x| + ε/2·|x|² (legs with Q = εI and ρ = ε/2): the least turnover that meets the constraints, to
    // within ε; used only to word a turnover-cap diagnosis.
    const eps = 1e-6;
    for (let a = 0; a < nv; a++) {
      for (let b = 0; b < nv; b++) {
        if (model.varAsset[a] !== model.varAsset[b]) continue;
        D[a * nv + b] = model.varDirection[a]! * model.varDirection[b]! * eps + (a !== b ? eps / 2 : 0);
      }
      d[a] = -model.varTurnover[a]!;
    }
    return { D, d };
  }
  const { nu, rho, ridge } = objective;
  const H = p.riskHessian;
  const S = p.annualCovariance;
  // g = Q(w_base − a) − μ: the gradient of the risk-minus-return part where every variable is 0.
  const deviation = new Float64Array(n);
  for (let j = 0; j < n; j++) if (p.inObjective[j]) deviation[j] = model.base[j]! - p.anchor[j]!;
  const g = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (!p.inObjective[i]) continue;
    let s = -p.mu[i]! + ridge * deviation[i]!;
    const row = i * n;
    for (let j = 0; j < n; j++) s += (H[row + j]! + nu * S[row + j]!) * deviation[j]!;
    g[i] = s;
  }
  const trades = model.mode !== 'unsplit';
  for (let a = 0; a < nv; a++) {
    const i = model.varAsset[a]!;
    const da = model.varDirection[a]!;
    const row = i * n;
    for (let b = a; b < nv; b++) {
      const j = model.varAsset[b]!;
      let value = da * model.varDirection[b]! * (H[row + j]! + nu * S[row + j]! + (i === j ? ridge : 0));
      if (trades && i === j) value += a === b ? 2 * p.impactQuadratic[i]! : rho;
      D[a * nv + b] = value;
      D[b * nv + a] = value;
    }
    d[a] = -(da * g[i]! + p.linearCost * model.varTurnover[a]!);
  }
  return { D, d };
}

// ---------------------------------------------------------------------------------------------------------
// Reporting helpers

function trackingError(p: Prepared, w: Float64Array): number {
  const { n } = p;
  let s = 0;
  for (let i = 0; i < n; i++) {
    if (!p.inObjective[i]) continue;
    const di = w[i]! - p.anchor[i]!;
    if (di === 0) continue;
    let row = 0;
    for (let j = 0; j < n; j++) if (p.inObjective[j]) row += p.annualCovariance[i * n + j]! * (w[j]! - p.anchor[j]!);
    s += di * row;
  }
  return Math.sqrt(Math.max(s, 0));
}

function exactCost(p: Prepared, w: Float64Array): number {
  let cost = 0;
  for (let i = 0; i < p.n; i++) {
    const x = Math.abs(w[i]! - p.w0[i]!);
    cost += p.linearCost * x + p.impactAlpha[i]! * x * Math.sqrt(x);
  }
  return cost;
}

function objectiveValue(p: Prepared, w: Float64Array): number {
  const { n } = p;
  let ret = 0;
  let risk = 0;
  for (let i = 0; i < n; i++) {
    if (!p.inObjective[i]) continue;
    const di = w[i]! - p.anchor[i]!;
    ret += di * p.mu[i]!;
    let row = 0;
    for (let j = 0; j < n; j++) if (p.inObjective[j]) row += p.riskHessian[i * n + j]! * (w[j]! - p.anchor[j]!);
    risk += di * row;
  }
  return ret - 0.5 * risk - exactCost(p, w);
}

function turnoverOf(p: Prepared, w: Float64Array): number {
  let t = 0;
  for (let i = 0; i < p.n; i++) t += Math.abs(w[i]! - p.w0[i]!);
  return t / 2;
}

function classWeight(p: Prepared, w: Float64Array, name: string): number {
  let s = 0;
  for (let i = 0; i < p.n; i++) if (p.classOf[i] === name) s += w[i]!;
  return s;
}

function weightSum(w: Float64Array): number {
  let s = 0;
  for (let i = 0; i < w.length; i++) s += w[i]!;
  return s;
}

// ---------------------------------------------------------------------------------------------------------
// The allocator

export function allocate(problem: AllocationProblem, options: AllocateOptions = {}): AllocationResult {
  const p = prepare(problem, options.solver ?? 'goldfarb-idnani');
  const none = new Set<GroupKey>();
  const limitsResult = assetLimits(p, none);
  if (!limitsResult.ok) return limitsResult.infeasible;
  const limits = limitsResult.limits;
  const tilt = createTiltSolver(p, limits, options.formulation ?? 'signed');

  const budget = p.teBudget;
  const warm = options.warmStart;
  if (warm?.weights) tilt.expectWeights(warm.weights);
  // Known points of TE(ν): ν = 0 unless a warm start suggests the budget binds, in which case its ν first.
  const known: { nu: number; out: Extract<QpOutcome, { ok: true }> }[] = [];
  const hint = budget > 0 && warm?.trackingErrorMultiplier !== undefined && warm.trackingErrorMultiplier > 0 ? warm.trackingErrorMultiplier : 0;
  for (const nu of hint > 0 ? [hint, 0] : [0]) {
    const out = tilt.solve(nu);
    // ν changes only the objective: a constraint set infeasible at one ν is infeasible at all.
    if (!out.ok) return diagnose(p, limits);
    known.push({ nu, out });
    const te = trackingError(p, out.weights);
    // TE falls with ν: within tolerance at the hint, or above the budget there, ν = 0 need not be tried.
    if (nu > 0 && te >= budget * (1 - TE_RELATIVE_TOLERANCE)) break;
  }
  let weights: Float64Array;
  let nu: number;
  const zero = known.find((k) => k.nu === 0);
  if (budget === 0 || (zero !== undefined && trackingError(p, zero.out.weights) <= budget)) {
    weights = zero!.out.weights;
    nu = 0;
  } else {
    const found = solveTrackingError(p, known, tilt);
    if (!found.ok) return found.infeasible;
    weights = found.weights;
    nu = found.nu;
  }
  for (let i = 0; i < p.n; i++) weights[i] = Math.min(Math.max(weights[i]!, limits.lo[i]!), limits.hi[i]!);
  if (p.c.minTradeWeight > 0) weights = dropSmallTrades(p, limits, weights);

  return {
    ok: true,
    weights,
    cashWeight: 1 - weightSum(weights),
    trackingError: trackingError(p, weights),
    turnover: turnoverOf(p, weights),
    expectedCost: exactCost(p, weights),
    objective: objectiveValue(p, weights),
    binding: bindingConstraints(p, limits, weights, nu),
    iterations: tilt.solves(),
    trackingErrorMultiplier: nu,
    uninvestedCash: Math.max(0, p.budget - limits.budget),
  };
}

/**
 * The tilt QP at a given TE multiplier ν. Without costs or a turnover cap it is one variable per asset.
 * With them, rather than doubling the variables into buy and sell legs (the dual active-set method costs
 * O(n³) in the variable count, so 8× more), each trade's direction is fixed and the one-variable problem is
 * solved; the multiplier π of each "stay on this side of zero" bound then proves or disproves optimality for
 * the real, nonsmooth problem: a trade held at zero is optimal iff 0 ≤ π ≤ 2(c + τ), τ the turnover
 * multiplier (the subdifferential of c|x| + τ|x| at 0 is [−(c + τ), c + τ]). Sides that fail are flipped and
 * the QP re-solved; each flip strictly lowers the objective, so this ends, usually after one or two solves.
 * Directions carry over between the ν of the TE search. If a direction guess makes the QP infeasible, or the
 * flips run long, the split formulation decides.
 */
interface TiltSolver {
  solve: (nu: number) => QpOutcome;
  /** Hint: the weights the next solve is expected near, to set trade directions from. */
  expectWeights: (w: Float64Array) => void;
  solves: () => number;
}

function createTiltSolver(
  p: Prepared,
  limits: Limits,
  formulation: 'signed' | 'split',
): TiltSolver {
  const none = new Set<GroupKey>();
  let count = 0;
  const ridge = assetRidge(p, buildModel(p, limits, none, 'unsplit'));
  if (!usesTrades(p, none)) {
    const model = buildModel(p, limits, none, 'unsplit');
    return {
      solve: (nu) => {
        count++;
        return solveModel(p, model, { kind: 'allocate', nu, rho: 0, ridge });
      },
      expectWeights: () => {},
      solves: () => count,
    };
  }
  const signs = initialSides(p, limits, ridge);
  let model = buildModel(p, limits, none, 'signed', signs);
  let split: { model: QpModel; rho: number; ridge: number } | null = null;
  const solveSplit = (nu: number): QpOutcome => {
    if (split === null) {
      const m = buildModel(p, limits, none, 'split');
      const curvature = splitCurvature(p, m);
      split = { model: m, rho: curvature.rho, ridge: Math.max(curvature.ridge, ridge) };
    }
    count++;
    const out = solveModel(p, split.model, { kind: 'allocate', nu, rho: split.rho, ridge: split.ridge });
    if (out.ok) {
      for (let i = 0; i < p.n; i++) signs[i] = out.weights[i]! < p.w0[i]! ? -1 : 1;
      model = buildModel(p, limits, none, 'signed', signs);
    }
    return out;
  };
  const solve = (nu: number): QpOutcome => {
    if (formulation === 'split') return solveSplit(nu);
    for (let round = 0; round < 2 * p.n + 10; round++) {
      count++;
      const out = solveModel(p, model, { kind: 'allocate', nu, rho: 0, ridge });
      if (!out.ok) return solveSplit(nu);
      const tau = model.turnoverConstraint >= 0 ? out.multipliers[model.turnoverConstraint]! : 0;
      const threshold = 2 * (p.linearCost * out.scale + tau);
      let flips = 0;
      model.signBound.forEach((k, v) => {
        if (k < 0) return;
        const pi = out.multipliers[k]!;
        if (pi > threshold * (1 + 1e-9) + 1e-13) {
          const i = model.varAsset[v]!;
          signs[i] = signs[i]! >= 0 ? -1 : 1;
          flips++;
        }
      });
      if (flips === 0) return out;
      model = buildModel(p, limits, none, 'signed', signs);
    }
    return solveSplit(nu);
  };
  const expectWeights = (w: Float64Array) => {
    let changed = false;
    for (let i = 0; i < p.n; i++) {
      const x = w[i]! - p.w0[i]!;
      if (Math.abs(x) < 1e-12) continue;
      const side = x < 0 ? -1 : 1;
      if (signs[i] !== side) {
        signs[i] = side;
        changed = true;
      }
    }
    if (changed) model = buildModel(p, limits, none, 'signed', signs);
  };
  return { solve, expectWeights, solves: () => count };
}

/**
 * First guess of each trade's direction: the sign of the trade that minimises the cost-free objective with
 * only the budget constraint (bounds ignored): x = Q⁻¹(λ1 − g) over the free assets, λ fixing Σx. Two
 * Cholesky solves, a small fraction of one QP, and right for most names; the multiplier test fixes the rest.
 */
function initialSides(p: Prepared, limits: Limits, ridge: number): Int8Array {
  const { n } = p;
  const signs = new Int8Array(n).fill(1);
  const free: number[] = [];
  for (let i = 0; i < n; i++) if (Number.isNaN(limits.fixed[i]!) && p.inObjective[i]) free.push(i);
  const m = free.length;
  if (m === 0) return signs;
  let gap = limits.budget;
  for (let i = 0; i < n; i++) gap -= Number.isNaN(limits.fixed[i]!) ? p.w0[i]! : limits.fixed[i]!;
  const sub = new Float64Array(m * m);
  const minusG = new Float64Array(m);
  for (let a = 0; a < m; a++) {
    const i = free[a]!;
    let g = -p.mu[i]!;
    for (let j = 0; j < n; j++) if (p.inObjective[j]) g += p.riskHessian[i * n + j]! * (p.w0[j]! - p.anchor[j]!);
    minusG[a] = -g;
    for (let b = 0; b < m; b++) sub[a * m + b] = p.riskHessian[i * n + free[b]!]! + (a === b ? ridge : 0);
  }
  const factor = cholesky(matrixFromData(m, m, sub));
  if (!factor.ok) return signs;
  const y1 = choleskySolve(factor.L, minusG);
  const y2 = choleskySolve(factor.L, new Float64Array(m).fill(1));
  let s1 = 0;
  let s2 = 0;
  for (let a = 0; a < m; a++) {
    s1 += y1[a]!;
    s2 += y2[a]!;
  }
  const lambda = s2 !== 0 ? (gap - s1) / s2 : 0;
  for (let a = 0; a < m; a++) signs[free[a]!] = y1[a]! + lambda * y2[a]! < 0 ? -1 : 1;
  return signs;
}

type TeSearch = { ok: true; weights: Float64Array; nu: number } | { ok: false; infeasible: Infeasible };

/**
 * The sensitivity of a solution to ν with its active set held: the variables move by dv/dν = −H·r, where
 * r = Pᵀ Σ_ann (w − a) is the change of the QP gradient per unit ν and H = s·J₂J₂ᵀ the reduced inverse Hessian
 * of the solved (s-scaled) QP. So d(TE²)/dν = 2 rᵀ dv/dν = −2s‖J₂ᵀr‖², and dw/dν = P dv/dν. Null without the
 * factor (npm quadprog).
 */
function sensitivityToNu(p: Prepared, out: Extract<QpOutcome, { ok: true }>): { dTe2: number; dw: Float64Array } | null {
  if (!out.factor) return null;
  const { n } = p;
  const { model } = out;
  const nv = model.varAsset.length;
  const deviation = new Float64Array(n);
  for (let i = 0; i < n; i++) if (p.inObjective[i]) deviation[i] = out.weights[i]! - p.anchor[i]!;
  const r = new Float64Array(nv);
  for (let a = 0; a < nv; a++) {
    const i = model.varAsset[a]!;
    let s = 0;
    for (let j = 0; j < n; j++) s += p.annualCovariance[i * n + j]! * deviation[j]!;
    r[a] = model.varDirection[a]! * s;
  }
  const { J, activeCount } = out.factor;
  const dv = new Float64Array(nv);
  let norm = 0;
  for (let c = activeCount; c < nv; c++) {
    let s = 0;
    for (let row = 0; row < nv; row++) s += J[c * nv + row]! * r[row]!;
    norm += s * s;
    for (let row = 0; row < nv; row++) dv[row] = dv[row]! - out.scale * J[c * nv + row]! * s;
  }
  const dw = new Float64Array(n);
  for (let a = 0; a < nv; a++) dw[model.varAsset[a]!] = dw[model.varAsset[a]!]! + model.varDirection[a]! * dv[a]!;
  return { dTe2: -2 * out.scale * norm, dw };
}

/**
 * Finds ν > 0 with TE(ν) = budget, given TE(0) > budget. Works on g(ν) = 1/TE(ν), increasing in ν and
 * linear when no constraint binds and κ = 0 (w − a = (γh/252 + ν)⁻¹ Σ_ann⁻¹ μ): Newton steps, with the exact
 * slope of the current active set (trackingErrorSlope), usually land within tolerance in two or three solves.
 * They are kept inside the bracket of known points on either side of the root; outside it, or without a
 * slope, a secant or bisection step is taken instead (the slope jumps where the active set changes). The
 * aim is a hair inside the budget so either side of the root within tolerance will do:
 * budget·(1 − 10⁻⁹) ≤ TE ≤ budget.
 */
function solveTrackingError(p: Prepared, known: { nu: number; out: Extract<QpOutcome, { ok: true }> }[], tilt: TiltSolver): TeSearch {
  const budget = p.teBudget;
  const aim = budget * (1 - 0.5 * TE_RELATIVE_TOLERANCE);
  const target = 1 / aim;
  let hessianTrace = 0;
  let covarianceTrace = 0;
  for (let i = 0; i < p.n; i++) {
    hessianTrace += p.riskHessian[i * p.n + i]!;
    covarianceTrace += p.annualCovariance[i * p.n + i]!;
  }
  // ν at which ν·Σ_ann weighs as much as the risk term: the scale for first steps and for giving up.
  const nuScale = covarianceTrace > 0 ? hessianTrace / covarianceTrace : (p.gamma * p.horizonDays) / TRADING_DAYS_PER_YEAR;
  interface Point {
    nu: number;
    te: number;
    g: number;
    /** dg/dν, or NaN when unknown. */
    slope: number;
    w: Float64Array;
    /** dw/dν with the active set held, when known. */
    dw: Float64Array | null;
  }
  const point = (nu: number, out: Extract<QpOutcome, { ok: true }>): Point => {
    const te = trackingError(p, out.weights);
    const sensitivity = sensitivityToNu(p, out);
    // g = 1/TE, so dg/dν = −(dTE²/dν) / (2 TE³).
    const slope = sensitivity === null || te === 0 ? Number.NaN : -sensitivity.dTe2 / (2 * te * te * te);
    return { nu, te, g: te > 0 ? 1 / te : Number.POSITIVE_INFINITY, slope, w: out.weights, dw: sensitivity?.dw ?? null };
  };
  const evaluate = (nu: number): Point => {
    // Trade directions at the new ν, extrapolated from the last solution: fewer to flip there.
    if (last.dw) tilt.expectWeights(Float64Array.from(last.w, (w, i) => w + (nu - last.nu) * last.dw![i]!));
    const r = tilt.solve(nu);
    // Adding ν·Σ_ann only changes the objective; the constraint set is that of ν = 0, which was feasible.
    if (!r.ok) throw new BallastError('NUMERICAL', 'the allocation QP became infeasible while searching the tracking-error multiplier');
    return point(nu, r);
  };
  const acceptable = (e: Point) => e.te <= budget && e.te >= budget * (1 - TE_RELATIVE_TOLERANCE);

  // The bracket from the points already solved: lo the largest ν with TE above the budget, hi the smallest below.
  const points = known.map((k) => point(k.nu, k.out));
  let above: Point | null = null;
  let hi: Point | null = null;
  for (const e of points) {
    if (acceptable(e)) return { ok: true, weights: e.w, nu: e.nu };
    if (e.te > budget) {
      if (above === null || e.nu > above.nu) above = e;
    } else if (hi === null || e.nu < hi.nu) hi = e;
  }
  if (above === null) throw new Error('solveTrackingError needs a point with TE above the budget');
  let lo: Point = above;
  let last: Point = points[points.length - 1]!;
  let previous: Point | null = points.length > 1 ? points[points.length - 2]! : null;
  for (let iteration = 0; iteration < 200; iteration++) {
    let next: number;
    const newton = last.slope > 0 ? last.nu + (target - last.g) / last.slope : Number.NaN;
    if (hi === null) {
      // Not bracketed yet: Newton (or a secant), at least 1 % further, at most 100× — or a natural first step.
      const secant = previous !== null && last.g > previous.g ? last.nu + ((target - last.g) * (last.nu - previous.nu)) / (last.g - previous.g) : Number.NaN;
      const step = Number.isFinite(newton) ? newton : Number.isFinite(secant) ? secant : last.nu + nuScale * Math.max(last.te / budget - 1, 1e-6);
      // When ν stopped buying any tracking error (the constraints hold the portfolio where it is), grow it
      // geometrically so the search reaches its give-up scale instead of creeping by 1 %.
      const stalled = previous !== null && last.te >= previous.te * (1 - 1e-9);
      next = Math.min(Math.max(step, last.nu * (stalled ? 10 : 1.01), 1e-12 * nuScale), Math.max(100 * last.nu, nuScale));
      if (last.nu > nuScale * 1e12) return unreachableBudget(budget, last.te);
    } else {
      const width = hi.nu - lo.nu;
      if (width <= 1e-14 * hi.nu) break;
      const secant = previous !== null ? last.nu - ((last.g - target) * (last.nu - previous.nu)) / (last.g - previous.g) : Number.NaN;
      const inside = (x: number) => x > lo.nu && x < hi!.nu;
      next = inside(newton) ? newton : inside(secant) ? secant : 0.5 * (lo.nu + hi.nu);
    }
    const e = evaluate(next);
    if (acceptable(e)) return { ok: true, weights: e.w, nu: e.nu };
    if (e.te > budget) lo = e;
    else hi = e;
    previous = last;
    last = e;
  }
  // Never bracketed: no ν brought the tracking error down to the budget.
  if (hi === null) return unreachableBudget(budget, last.te);
  // The bracket closed to rounding without a point inside the tolerance (a jump in TE(ν)): take the feasible end.
  return { ok: true, weights: hi.w, nu: hi.nu };
}

function unreachableBudget(budget: number, leastTrackingError: number): TeSearch {
  return {
    ok: false,
    infeasible: {
      ok: false,
      constraint: `tracking-error budget ${pct(budget)}`,
      message:
        `The tracking-error budget of ${pct(budget)} cannot be met: the other constraints keep the portfolio at least ` +
        `${pct(leastTrackingError)} (annualised) away from its risk-budgeting anchor. Raise the budget, or relax what holds the ` +
        `portfolio away from the anchor (no-sell or no-buy names, the turnover cap, weight or class limits).`,
      details: { budget, leastTrackingError },
    },
  };
}

/** Puts trades smaller than minTradeWeight back to zero where that breaks nothing (see the header). */
function dropSmallTrades(p: Prepared, limits: Limits, solved: Float64Array): Float64Array {
  const w = Float64Array.from(solved);
  const minTrade = p.c.minTradeWeight;
  const candidates: number[] = [];
  for (let i = 0; i < p.n; i++) {
    const x = w[i]! - p.w0[i]!;
    // An asset held at its maximum because the maximums bind the budget may still skip a small buy (its money
    // stays in cash, which the floor allows); a forced or untradeable one may not.
    if (x === 0 || Math.abs(x) >= minTrade || (!Number.isNaN(limits.fixed[i]!) && !limits.heldAtMaximum[i])) continue;
    // Not trading must itself be allowed: the current weight has to sit inside the asset's bounds.
    if (p.w0[i]! < limits.lo[i]! - WEIGHT_TOLERANCE || p.w0[i]! > limits.hi[i]! + WEIGHT_TOLERANCE) continue;
    candidates.push(i);
  }
  const size = (i: number) => Math.abs(solved[i]! - p.w0[i]!);
  const buys = candidates.filter((i) => solved[i]! > p.w0[i]!).sort((a, b) => size(a) - size(b) || a - b);
  const sells = candidates.filter((i) => solved[i]! < p.w0[i]!).sort((a, b) => size(a) - size(b) || a - b);
  for (const i of [...buys, ...sells]) {
    const before = w[i]!;
    w[i] = p.w0[i]!;
    if (!stillAcceptable(p, w)) w[i] = before;
  }
  return w;
}

function stillAcceptable(p: Prepared, w: Float64Array): boolean {
  if (1 - weightSum(w) < p.cashFloor - WEIGHT_TOLERANCE) return false;
  for (const limit of p.classLimits) {
    const s = classWeight(p, w, limit.name);
    if (limit.side === 'max' ? s > limit.value + WEIGHT_TOLERANCE : s < limit.value - WEIGHT_TOLERANCE) return false;
  }
  const cap = p.c.turnoverCap;
  if (cap !== null && turnoverOf(p, w) > cap + WEIGHT_TOLERANCE) return false;
  if (p.teBudget > 0 && trackingError(p, w) > p.teBudget) return false;
  return true;
}

function bindingConstraints(p: Prepared, limits: Limits, w: Float64Array, nu: number): string[] {
  const out: string[] = [];
  const tol = 1e-8;
  if (Math.abs(1 - weightSum(w) - p.cashFloor) <= tol) out.push('cash floor');
  if (limits.budget < p.budget - tol) out.push('maximums (cash above floor)');
  for (let i = 0; i < p.n; i++) {
    const t = p.tickers[i]!;
    if (!p.inObjective[i]) continue;
    if (p.excluded.has(t)) {
      if (p.w0[i]! > tol) out.push(`excluded ${t}`);
      continue;
    }
    const atLo = Math.abs(w[i]! - limits.lo[i]!) <= tol;
    const atHi = Math.abs(w[i]! - limits.hi[i]!) <= tol;
    if (atHi && p.noBuy.has(t) && limits.hi[i] === p.w0[i]) out.push(`no-buy ${t}`);
    else if (atHi && limits.hi[i]! < 1) out.push(`max weight ${t}`);
    if (atLo && p.noSell.has(t) && limits.lo[i] === p.w0[i] && p.w0[i]! > 0) out.push(`no-sell ${t}`);
    else if (atLo && limits.lo[i]! > 0) out.push(`min weight ${t}`);
  }
  for (const limit of p.classLimits) {
    if (Math.abs(classWeight(p, w, limit.name) - limit.value) <= tol) out.push(`class ${limit.name} ${limit.side}`);
  }
  const cap = p.c.turnoverCap;
  if (cap !== null && Math.abs(turnoverOf(p, w) - cap) <= tol) out.push('turnover cap');
  if (nu > 0) out.push('tracking-error budget');
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Infeasibility: which constraint group, in a PM's words

const GROUP_ORDER = ['turnover', 'class', 'cashFloor', 'noSell', 'excluded', 'noBuy', 'minimums', 'maximums'];

function groupRank(key: GroupKey): number {
  return GROUP_ORDER.indexOf(key.startsWith('class:') ? 'class' : key);
}

function candidateGroups(p: Prepared): GroupKey[] {
  const keys: GroupKey[] = [];
  if (p.c.turnoverCap !== null) keys.push('turnover');
  for (const l of p.classLimits) keys.push(`class:${l.name}:${l.side}`);
  keys.push('cashFloor');
  const held = (t: string) => p.w0[p.tickers.indexOf(t)]! > 0;
  if ([...p.noSell].some((t) => p.tickers.includes(t) && held(t))) keys.push('noSell');
  if ([...p.excluded].some((t) => p.tickers.includes(t) && held(t))) keys.push('excluded');
  if ([...p.noBuy].some((t) => p.tickers.includes(t))) keys.push('noBuy');
  keys.push('minimums', 'maximums');
  return keys;
}

function feasibleWithout(p: Prepared, relaxed: ReadonlySet<GroupKey>): boolean {
  const limits = assetLimits(p, relaxed);
  if (!limits.ok) return false;
  return solveModel(p, buildModel(p, limits.limits, relaxed, usesTrades(p, relaxed) ? 'split' : 'unsplit'), { kind: 'feasibility' }).ok;
}

/**
 * Re-solves with one constraint group relaxed at a time; every group whose relaxation alone makes the problem
 * feasible is part of the conflict. If no single group does, pairs are tried.
 */
function diagnose(p: Prepared, limits: Limits): Infeasible {
  const groups = candidateGroups(p);
  let culprits = groups.filter((g) => feasibleWithout(p, new Set([g])));
  const single = culprits.length > 0;
  if (!single) {
    outer: for (let a = 0; a < groups.length; a++) {
      for (let b = a + 1; b < groups.length; b++) {
        if (feasibleWithout(p, new Set([groups[a]!, groups[b]!]))) {
          culprits = [groups[a]!, groups[b]!];
          break outer;
        }
      }
    }
  }
  culprits.sort((x, y) => groupRank(x) - groupRank(y));
  if (culprits.length === 0) {
    return {
      ok: false,
      constraint: 'constraints',
      message: 'No portfolio meets all the constraints, and relaxing any one or two groups of them is not enough. Review the limits, restricted lists and cash floor together.',
      details: { groups },
    };
  }
  const labels = culprits.map((g) => groupLabel(p, g));
  const primary = culprits[0]!;
  const others = labels.slice(1);
  return {
    ok: false,
    constraint: labels.join(' with '),
    message: `${explain(p, limits, primary, others)} ${
      single
        ? `Relaxing ${labels.length > 1 ? `any one of: ${labels.join('; ')}` : labels[0]} would make it feasible.`
        : `Only relaxing both ${labels.join(' and ')} makes it feasible.`
    }`,
    details: { groups: culprits, relaxingAnyOneIsEnough: single },
  };
}

function groupLabel(p: Prepared, key: GroupKey): string {
  if (key.startsWith('class:')) {
    const [, name, side] = key.split(':') as [string, string, 'min' | 'max'];
    const limit = p.classLimits.find((l) => l.name === name && l.side === side)!;
    return `class limit ${name} ${side} ${limit.value}`;
  }
  switch (key) {
    case 'turnover':
      return `turnover cap ${p.c.turnoverCap}`;
    case 'cashFloor':
      return `cash floor ${p.cashFloor}`;
    case 'noSell':
      return 'no-sell holdings';
    case 'excluded':
      return 'excluded holdings';
    case 'noBuy':
      return 'no-buy list';
    case 'minimums':
      return 'per-asset minimums';
    default:
      return 'per-asset maximums';
  }
}

/** What the weights of some assets must at least / may at most add up to, and what forces it, in words. */
function floorParts(p: Prepared, limits: Limits, members: (i: number) => boolean): { total: number; parts: string[] } {
  let mins = 0;
  const noSell: string[] = [];
  const stuck: string[] = [];
  let noSellSum = 0;
  let stuckSum = 0;
  for (let i = 0; i < p.n; i++) {
    if (!members(i)) continue;
    const t = p.tickers[i]!;
    const lo = limits.lo[i]!;
    if (!p.inObjective[i]) {
      if (lo > 0) {
        stuck.push(t);
        stuckSum += lo;
      }
    } else if (p.noSell.has(t) && lo === p.w0[i]! && lo > 0) {
      noSell.push(t);
      noSellSum += lo;
    } else mins += lo;
  }
  const parts: string[] = [];
  if (noSell.length) parts.push(`no-sell holdings ${noSell.join(', ')} ${pct(noSellSum)}`);
  if (stuck.length) parts.push(`untradeable positions ${stuck.join(', ')} ${pct(stuckSum)}`);
  if (mins > 0) parts.push(`per-asset minimums ${pct(mins)}`);
  return { total: noSellSum + stuckSum + mins, parts };
}

function ceilingTotal(p: Prepared, limits: Limits, members: (i: number) => boolean): number {
  let s = 0;
  for (let i = 0; i < p.n; i++) if (members(i)) s += limits.hi[i]!;
  return s;
}

function explain(p: Prepared, limits: Limits, primary: GroupKey, others: string[]): string {
  const withOthers = others.length ? others.join(' and ') : 'the other constraints';
  if (primary === 'turnover') {
    const needed = minimumTurnover(p);
    const cap = p.c.turnoverCap!;
    const why = others.length ? ` (${others.join(', ')})` : '';
    return needed === null
      ? `The turnover cap of ${pct(cap)} is too tight for the other constraints${why}.`
      : `The turnover cap of ${pct(cap)} is too tight: a portfolio that meets the other constraints${why} is at least ${pct(needed)} one-way turnover away.`;
  }
  if (primary.startsWith('class:')) {
    const [, name, side] = primary.split(':') as [string, string, 'min' | 'max'];
    const limit = p.classLimits.find((l) => l.name === name && l.side === side)!;
    const members = (i: number) => p.classOf[i] === name;
    if (side === 'max') {
      const floor = floorParts(p, limits, members);
      if (floor.total > limit.value + WEIGHT_TOLERANCE) {
        return `The ${name} class maximum of ${pct(limit.value)} cannot be met: at least ${pct(floor.total)} must stay in ${name} (${floor.parts.join(', ')}).`;
      }
      return `The ${name} class maximum of ${pct(limit.value)} cannot be met together with ${withOthers}.`;
    }
    const ceiling = ceilingTotal(p, limits, members);
    if (ceiling < limit.value - WEIGHT_TOLERANCE) {
      return `The ${name} class minimum of ${pct(limit.value)} cannot be met: ${name} names can hold at most ${pct(ceiling)} under their maximum weights, no-buy and excluded lists.`;
    }
    return `The ${name} class minimum of ${pct(limit.value)} cannot be met together with ${withOthers}.`;
  }
  if (primary === 'cashFloor') {
    const all = () => true;
    const floor = floorParts(p, limits, all);
    if (floor.total > p.budget + WEIGHT_TOLERANCE) {
      return `Positions that must be kept (${floor.parts.join(', ')}) add to ${pct(floor.total)}, more than the ${pct(p.budget)} that can be invested above the ${pct(p.cashFloor)} cash floor.`;
    }
    const ceiling = ceilingTotal(p, limits, all);
    if (ceiling < p.budget - WEIGHT_TOLERANCE) {
      return `The maximum weights (with the no-buy and excluded lists) allow only ${pct(ceiling)} to be invested, but holding cash at the ${pct(p.cashFloor)} floor means investing ${pct(p.budget)}. Raise the maximums or the cash floor.`;
    }
    return `Keeping cash at the ${pct(p.cashFloor)} floor (investing ${pct(p.budget)}) is not possible together with ${withOthers}.`;
  }
  const subject = groupLabel(p, primary);
  return `The ${subject} ${subject.endsWith('s') ? 'conflict' : 'conflicts'} with ${withOthers}.`;
}

/** The least one-way turnover that meets every constraint except the turnover cap, or null if none does. */
function minimumTurnover(p: Prepared): number | null {
  const relaxed = new Set<GroupKey>(['turnover']);
  const limits = assetLimits(p, relaxed);
  if (!limits.ok) return null;
  const r = solveModel(p, buildModel(p, limits.limits, relaxed, 'split'), { kind: 'min-turnover' });
  return r.ok ? turnoverOf(p, r.weights) : null;
}

// ---------------------------------------------------------------------------------------------------------

/**
 * Long-only minimum variance: min wᵀΣw subject to Σw = budget (default 1) and 0 ≤ w ≤ maxWeight (default 1).
 * A baseline for the backtest. Throws INFEASIBLE when n·maxWeight < budget.
 */
export function minimumVarianceWeights(covariance: Matrix, options: { maxWeight?: number; budget?: number } = {}): Float64Array {
  const n = covariance.rows;
  if (n === 0 || covariance.cols !== n) throw new BallastError('BAD_INPUT', `covariance must be square and non-empty, got ${covariance.rows}×${covariance.cols}`);
  const maxWeight = options.maxWeight ?? 1;
  const budget = options.budget ?? 1;
  if (!(budget > 0) || !(maxWeight > 0)) throw new BallastError('BAD_INPUT', 'budget and maxWeight must be positive', { budget, maxWeight });
  if (n * maxWeight < budget - WEIGHT_TOLERANCE) {
    throw new BallastError('INFEASIBLE', `${n} assets at most ${pct(maxWeight)} each cannot hold ${pct(budget)}`, { constraint: 'maximum weight', n, maxWeight, budget });
  }
  const data = covariance.data;
  let trace = 0;
  for (let i = 0; i < n; i++) trace += data[i * n + i]!;
  if (!(trace > 0) || !data.every(Number.isFinite)) throw new BallastError('BAD_INPUT', 'covariance must be finite with a positive diagonal');
  const scale = n / trace;
  const rows: LinearConstraint[] = [{ vars: [...Array(n).keys()], coefs: new Array<number>(n).fill(1), rhs: budget, equality: true }];
  for (let i = 0; i < n; i++) {
    rows.push({ vars: [i], coefs: [1], rhs: 0, equality: false });
    if (maxWeight < budget) rows.push({ vars: [i], coefs: [-1], rhs: -maxWeight, equality: false });
  }
  const constraints = sparseConstraints(rows, 1);
  const solve = (ridge: number) => {
    const D = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) D[i * n + j] = 0.5 * (data[i * n + j]! + data[j * n + i]!) * scale + (i === j ? ridge : 0);
    }
    return solveQuadraticProgram(D, new Float64Array(n), constraints);
  };
  let result = solve(0);
  // A singular sample covariance (more assets than observations) still has a minimum-variance portfolio;
  // the ridge only picks one of the equally good ones.
  if (result.status === 'not-positive-definite') result = solve(1e-10);
  if (result.status !== 'optimal') throw new BallastError('NUMERICAL', `minimum variance QP failed: ${result.status}`);
  return Float64Array.from(result.x, (x) => Math.max(0, Math.min(maxWeight, x)));
}
