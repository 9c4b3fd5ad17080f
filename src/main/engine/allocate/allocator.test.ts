import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BallastError } from '../../../shared/errors';
import { ConstraintSettings, type StrategyParametersInput } from '../../../shared/strategy';
import { matrixFromData, matrixFromRows } from '../math/linalg';
import { createRng } from '../math/random';
import fixtureJson from './__fixtures__/allocator-cvxopt.json';
import teDustJson from './__fixtures__/allocator-te-dust.json';
import { type AllocationProblem, type AllocationResult, allocate, minimumVarianceWeights } from './allocator';
import { anchorWithinLimits } from './anchor';
import { type CvxoptFixtureCase, problemFromCvxoptCase } from './cvxoptFixture';

const SEED = 20_261_207;
type ConstraintInput = NonNullable<StrategyParametersInput['constraints']>;

/** A seeded 3-factor market with realistic magnitudes: daily vols 1–3 %, a 21-day horizon, μ ~ ±1.2 %. */
function makeProblem(
  seed: number,
  n: number,
  options: { constraints?: ConstraintInput; classes?: string[] } & Partial<Omit<AllocationProblem, 'constraints'>> = {},
): AllocationProblem {
  const rng = createRng(seed);
  const h = options.horizonDays ?? 21;
  const loadings = Array.from({ length: n * 3 }, () => 0.009 * rng.normal());
  const cov = new Float64Array(n * n);
  const vol = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const specific = (0.006 + 0.014 * rng.next()) ** 2;
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let f = 0; f < 3; f++) s += loadings[i * 3 + f]! * loadings[j * 3 + f]!;
      cov[i * n + j] = h * (s + (i === j ? specific : 0));
    }
    vol[i] = Math.sqrt(cov[i * n + i]! / h);
  }
  const constraints = ConstraintSettings.parse({ minTradeWeight: 0, ...options.constraints });
  let inverse = 0;
  for (let i = 0; i < n; i++) inverse += 1 / vol[i]!;
  const anchor = Float64Array.from(vol, (v) => ((1 / v) * (1 - constraints.cashFloor)) / inverse);
  const raw = Float64Array.from(vol, (v) => (1 / v) * Math.exp(0.25 * rng.normal()));
  const rawSum = raw.reduce((a, b) => a + b, 0);
  const { constraints: _c, classes, ...rest } = options;
  return {
    tickers: Array.from({ length: n }, (_, i) => `T${String(i).padStart(2, '0')}`),
    assetClasses: classes,
    current: Float64Array.from(raw, (x) => (x / rawSum) * 0.97),
    anchor,
    expectedReturns: Float64Array.from({ length: n }, () => 0.012 * rng.normal()),
    epistemicVariance: Float64Array.from({ length: n }, () => (0.005 + 0.015 * rng.next()) ** 2),
    covariance: matrixFromData(n, n, cov),
    horizonDays: h,
    riskAversion: 10,
    uncertaintyPenalty: 1,
    trackingErrorBudget: 0,
    costs: { bpsPerSide: 0, impactCoefficient: 0 },
    ...rest,
    constraints,
  };
}

function solved(result: AllocationResult): Extract<AllocationResult, { ok: true }> {
  if (!result.ok) throw new Error(`expected a solution, got infeasible: ${result.constraint}: ${result.message}`);
  return result;
}

function infeasible(result: AllocationResult): Extract<AllocationResult, { ok: false }> {
  if (result.ok) throw new Error('expected an infeasible result');
  return result;
}

const sum = (w: ArrayLike<number>) => Array.from(w).reduce((a, b) => a + b, 0);
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (x, i) => Math.abs(x - b[i]!)));

/** Every constraint of the problem, checked on weights (tolerance 1e-9). */
function expectFeasible(p: AllocationProblem, w: Float64Array, options: { exactBudget?: boolean } = {}): void {
  const c = p.constraints;
  const tol = 1e-9;
  if (options.exactBudget ?? true) expect(Math.abs(sum(w) - (1 - c.cashFloor))).toBeLessThan(tol);
  else expect(1 - sum(w)).toBeGreaterThanOrEqual(c.cashFloor - tol);
  p.tickers.forEach((t, i) => {
    const w0 = p.current[i]!;
    if (p.investable?.[i] === false) {
      expect(w[i]).toBe(w0);
      return;
    }
    if (c.excluded.includes(t)) {
      expect(Math.abs(w[i]!)).toBeLessThan(tol);
      return;
    }
    const lo = Math.max(c.perAsset[t]?.min ?? c.minWeight, c.noSell.includes(t) ? w0 : 0);
    const hi = Math.min(c.perAsset[t]?.max ?? c.maxWeight, c.noBuy.includes(t) ? w0 : 1);
    expect(w[i]!).toBeGreaterThanOrEqual(Math.min(lo, hi) - tol);
    expect(w[i]!).toBeLessThanOrEqual(Math.max(lo, hi) + tol);
  });
  for (const [name, limit] of Object.entries(c.classLimits)) {
    const inClass = sum(Array.from(w).filter((_, i) => p.assetClasses?.[i] === name));
    if (limit.max !== undefined) expect(inClass).toBeLessThanOrEqual(limit.max + tol);
    if (limit.min !== undefined) expect(inClass).toBeGreaterThanOrEqual(limit.min - tol);
  }
  if (c.turnoverCap !== null) expect(turnover(p, w)).toBeLessThanOrEqual(c.turnoverCap + tol);
  if (p.trackingErrorBudget > 0) expect(trackingError(p, w)).toBeLessThanOrEqual(p.trackingErrorBudget * (1 + 1e-12));
}

function turnover(p: AllocationProblem, w: Float64Array): number {
  return sum(Array.from(w, (x, i) => Math.abs(x - p.current[i]!))) / 2;
}

function trackingError(p: AllocationProblem, w: Float64Array): number {
  const n = w.length;
  let s = 0;
  for (let i = 0; i < n; i++) {
    if (p.investable?.[i] === false) continue;
    for (let j = 0; j < n; j++) {
      if (p.investable?.[j] === false) continue;
      s += (w[i]! - p.anchor[i]!) * p.covariance.data[i * n + j]! * (w[j]! - p.anchor[j]!);
    }
  }
  return Math.sqrt((s * 252) / p.horizonDays);
}

// ---------------------------------------------------------------------------------------------------------

const fixture = fixtureJson as unknown as { cases: CvxoptFixtureCase[] };
const fromFixture = problemFromCvxoptCase;

describe('allocate against cvxopt (bench/reference/allocator_cvxopt.py)', () => {
  it('has the eight reference problems, each polished to a verified KKT point', () => {
    expect(fixture.cases.map((c) => c.name)).toEqual([
      'plain-tilt',
      'linear-costs',
      'turnover-cap',
      'class-caps',
      'te-budget',
      'restricted-lists',
      'impact',
      'everything-30',
    ]);
    for (const c of fixture.cases) expect(c.expected.polish.applied).toBe(true);
  });

  for (const c of fixture.cases) {
    it(`${c.name}: weights within 1e-8, and the same TE, turnover, cost and objective`, () => {
      const p = fromFixture(c);
      const r = solved(allocate(p));
      // The brief asks for 1e-6; the polished reference allows a much tighter check. The TE cases are limited
      // by the multiplier search's tolerance (TE within 1e-9 relative of the budget).
      expect(maxAbsDiff(r.weights, c.expected.weights)).toBeLessThan(1e-8);
      // The buy/sell-leg formulation reaches the same optimum.
      expect(maxAbsDiff(solved(allocate(p, { formulation: 'split' })).weights, c.expected.weights)).toBeLessThan(1e-8);
      expect(r.trackingError).toBeCloseTo(c.expected.trackingError, 9);
      expect(r.turnover).toBeCloseTo(c.expected.turnover, 9);
      expect(r.expectedCost).toBeCloseTo(c.expected.expectedCost, 10);
      expect(r.objective).toBeCloseTo(c.expected.objective, 10);
      expectFeasible(p, r.weights);
    });
  }

  it('binding constraints name what holds the answer', () => {
    const byName = new Map(fixture.cases.map((c) => [c.name, solved(allocate(fromFixture(c))).binding]));
    expect(byName.get('turnover-cap')).toContain('turnover cap');
    expect(byName.get('class-caps')).toContain('class equity max');
    expect(byName.get('te-budget')).toContain('tracking-error budget');
    expect(byName.get('restricted-lists')).toEqual(expect.arrayContaining(['no-buy T01', 'no-sell T02', 'excluded T03']));
    expect(byName.get('plain-tilt')).toContain('cash floor');
  });

  it('gives the same weights through the npm quadprog package (the same algorithm, a different implementation)', () => {
    for (const name of ['linear-costs', 'class-caps', 'te-budget', 'restricted-lists']) {
      const p = fromFixture(fixture.cases.find((c) => c.name === name)!);
      const ours = solved(allocate(p));
      const theirs = solved(allocate(p, { solver: 'quadprog' }));
      expect(maxAbsDiff(ours.weights, theirs.weights)).toBeLessThan(1e-10);
    }
  });
});

describe('allocate: invariants on random problems', () => {
  it('meets every constraint, and agrees with quadprog (npm) and with the buy/sell-leg formulation', () => {
    let solvedCount = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: 6, max: 10 }),
        fc.record({
          bps: fc.constantFrom(0, 5, 20),
          te: fc.constantFrom(0, 0.02, 0.05),
          turnoverCap: fc.constantFrom(null, 0.1, 0.25),
          classMax: fc.constantFrom(undefined, 0.5, 0.7),
          restricted: fc.boolean(),
          kappa: fc.constantFrom(0, 1, 10),
        }),
        (seed, n, o) => {
          const tickers = Array.from({ length: n }, (_, i) => `T${String(i).padStart(2, '0')}`);
          const p = makeProblem(seed, n, {
            classes: tickers.map((_, i) => (i % 2 ? 'equity' : 'bond')),
            trackingErrorBudget: o.te,
            uncertaintyPenalty: o.kappa,
            costs: { bpsPerSide: o.bps, impactCoefficient: 0 },
            constraints: {
              maxWeight: Math.max(0.35, 2 / n),
              turnoverCap: o.turnoverCap,
              classLimits: o.classMax === undefined ? {} : { equity: { max: o.classMax } },
              noBuy: o.restricted ? ['T01'] : [],
              noSell: o.restricted ? ['T02'] : [],
              excluded: o.restricted ? ['T03'] : [],
            },
          });
          const r = allocate(p);
          if (!r.ok) {
            // A drifted no-sell holding above its maximum is named for itself; otherwise only the turnover cap
            // can make these infeasible (the excluded sale plus the cash to invest).
            // With the restricted lists a small universe may also sit too far from its anchor for the TE budget.
            if (o.restricted && p.current[2]! > p.constraints.maxWeight) expect(r.constraint).toBe('no-sell T02 with maximum weight');
            else if (r.constraint.startsWith('tracking-error budget')) {
              expect((r.details as { leastTrackingError: number }).leastTrackingError).toBeGreaterThan(p.trackingErrorBudget);
            } else expect(r.constraint).toMatch(/^turnover cap/);
            return;
          }
          solvedCount++;
          expectFeasible(p, r.weights);
          expect(r.cashWeight).toBeCloseTo(p.constraints.cashFloor, 12);
          if (r.binding.includes('tracking-error budget')) {
            expect(r.trackingError).toBeGreaterThan(p.trackingErrorBudget * (1 - 1e-8));
          }
          const reference = solved(allocate(p, { solver: 'quadprog' }));
          expect(maxAbsDiff(r.weights, reference.weights)).toBeLessThan(1e-8);
          const legs = solved(allocate(p, { formulation: 'split' }));
          expect(maxAbsDiff(r.weights, legs.weights)).toBeLessThan(1e-8);
        },
      ),
      { seed: SEED, numRuns: 60 },
    );
    expect(solvedCount).toBeGreaterThan(40);
  });
});

describe('allocate: regression — the TE multiplier search on a portfolio with dust holdings', () => {
  // The tuning run's fold-2 failure ("the allocation QP became infeasible while searching the tracking-error
  // multiplier"), captured from the backtest. Dust current weights (≈ 5e-18) made [0, 5e-18] sell legs whose
  // bounds the dual solver took for an inconsistency at ν ≈ 0.29. Fixed twice over: such sides are not traded
  // (allocator TRADE_RESOLUTION) and the solver's violation test allows for the rounding x has accumulated.
  const c = (teDustJson as unknown as { case: CvxoptFixtureCase }).case;
  const p = fromFixture(c);

  it('still has the dust that broke it', () => {
    expect(c.current.filter((w) => w > 0 && w < 1e-15)).toHaveLength(3);
  });

  it('solves it, in every formulation and through npm quadprog, and agrees with cvxopt', () => {
    for (const options of [{}, { formulation: 'split' as const }, { solver: 'quadprog' as const }, { solver: 'quadprog' as const, formulation: 'split' as const }]) {
      const r = solved(allocate(p, options));
      expect(maxAbsDiff(r.weights, c.expected.weights)).toBeLessThan(1e-8);
      expect(r.trackingError).toBeLessThanOrEqual(p.trackingErrorBudget);
      expect(r.trackingError).toBeCloseTo(c.expected.trackingError, 9);
      expect(r.binding).toContain('tracking-error budget');
      expectFeasible(p, r.weights);
    }
  });

  it('and the TE budgets around it, where the search passes through many multipliers', () => {
    for (let budget = 0.005; budget <= 0.05; budget += 0.0007) {
      const r = solved(allocate({ ...p, trackingErrorBudget: budget }));
      // minTradeWeight is θ's 0.25 %: a dropped small buy may leave cash above the floor.
      expectFeasible({ ...p, trackingErrorBudget: budget }, r.weights, { exactBudget: false });
    }
  });
});

describe('allocate: the cash floor is a minimum — what the maximums cannot hold stays in cash', () => {
  it('invests up to every maximum and keeps the rest in cash, saying so', () => {
    const p = makeProblem(13, 4, { constraints: { maxWeight: 0.2 }, trackingErrorBudget: 0.02 });
    const anchor = anchorWithinLimits(Float64Array.from(p.anchor, (a) => a / 0.98), p.tickers, p.constraints);
    const r = solved(allocate({ ...p, anchor }));
    expect(Array.from(r.weights)).toEqual([0.2, 0.2, 0.2, 0.2]);
    expect(r.cashWeight).toBeCloseTo(0.2, 12);
    expect(r.uninvestedCash).toBeCloseTo(0.18, 12);
    expect(r.binding).toEqual(expect.arrayContaining(['maximums (cash above floor)', 'max weight T00']));
    expect(r.binding).not.toContain('cash floor');
    expect(r.trackingError).toBeLessThan(1e-12);
  });

  it('with a class maximum holding back more than the names’ own maximums, the class stays at its maximum', () => {
    const classes = ['equity', 'equity', 'equity', 'bond', 'bond'];
    const p = makeProblem(21, 5, { classes, constraints: { maxWeight: 0.3, classLimits: { equity: { max: 0.4 } }, cashFloor: 0.05 } });
    const r = solved(allocate(p));
    // Capacity: equity min(0.4, 0.9) + bonds 0.6 = 1.0 ≥ 0.95 — nothing held back.
    expect(r.uninvestedCash).toBe(0);
    expect(r.cashWeight).toBeCloseTo(0.05, 12);
    const tight = solved(allocate({ ...p, constraints: { ...p.constraints, perAsset: { T03: { max: 0.2 }, T04: { max: 0.1 } } } }));
    // Capacity: equity 0.4 + bonds 0.3 = 0.7: bonds at their maximums, equity at its class maximum, 30 % cash.
    expect(tight.weights[3]).toBeCloseTo(0.2, 12);
    expect(tight.weights[4]).toBeCloseTo(0.1, 12);
    expect(tight.weights[0]! + tight.weights[1]! + tight.weights[2]!).toBeCloseTo(0.4, 12);
    expect(tight.cashWeight).toBeCloseTo(0.3, 12);
    expect(tight.uninvestedCash).toBeCloseTo(0.25, 12);
    expect(tight.binding).toContain('class equity max');
  });

  it('counts what no-buy and untradeable positions can hold, and sells an excluded one into cash', () => {
    const p = makeProblem(22, 4, { constraints: { maxWeight: 0.3, noBuy: ['T01'], excluded: ['T02'] } });
    const current = Float64Array.from([0.1, 0.1, 0.2, 0.15]);
    const r = solved(allocate({ ...p, current, investable: [true, true, true, false] }));
    // T00 to its 30 % maximum, T01 kept at 10 % (no-buy), T02 sold, T03 untradeable at 15 %: 55 % invested.
    expect(Array.from(r.weights)).toEqual([expect.closeTo(0.3, 12), expect.closeTo(0.1, 12), 0, 0.15]);
    expect(r.cashWeight).toBeCloseTo(0.45, 12);
  });

  it('for random caps and universes: always feasible when the anchor is, within every cap, cash ≥ floor', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: 1, max: 9 }),
        fc.record({
          maxWeight: fc.double({ min: 0.02, max: 1, noNaN: true }),
          tightNames: fc.integer({ min: 0, max: 3 }),
          cashFloor: fc.constantFrom(0, 0.02, 0.1, 0.3),
          minWeight: fc.constantFrom(0, 0.005),
          te: fc.constantFrom(0, 0.005, 0.02, 0.05),
          kappa: fc.constantFrom(0, 1, 20),
          gamma: fc.constantFrom(1, 1.9, 10),
          bps: fc.constantFrom(0, 5),
          start: fc.constantFrom('drifted', 'cash', 'dust'),
        }),
        (seed, n, o) => {
          const rng = createRng(seed ^ 0x5eed);
          const base = makeProblem(seed, n, { riskAversion: o.gamma, uncertaintyPenalty: o.kappa });
          const perAsset: Record<string, { max: number }> = {};
          for (let k = 0; k < Math.min(o.tightNames, n); k++) perAsset[base.tickers[k]!] = { max: 0.01 + 0.2 * rng.next() };
          const constraints = ConstraintSettings.parse({
            maxWeight: o.maxWeight,
            minWeight: Math.min(o.minWeight, o.maxWeight, 0.01 + 0.2 * rng.next()),
            perAsset,
            cashFloor: o.cashFloor,
            minTradeWeight: 0,
          });
          // Minimums the floor cannot fund are a real conflict, not this property's subject.
          const mins = base.tickers.reduce((a, t) => a + Math.min(constraints.minWeight, constraints.perAsset[t]?.max ?? constraints.maxWeight), 0);
          if (mins > 1 - o.cashFloor) return;
          const riskBudget = Float64Array.from(base.anchor, (a) => a / 0.98);
          const anchor = anchorWithinLimits(riskBudget, base.tickers, constraints);
          const current =
            o.start === 'cash'
              ? new Float64Array(n)
              : o.start === 'dust'
                ? Float64Array.from(base.current, (w, i) => (i % 2 ? 5e-18 * (i + 1) : w))
                : base.current;
          const p: AllocationProblem = { ...base, anchor, current, constraints, trackingErrorBudget: o.te, costs: { bpsPerSide: o.bps, impactCoefficient: 0 } };
          const r = solved(allocate(p));
          const caps = base.tickers.map((t) => constraints.perAsset[t]?.max ?? constraints.maxWeight);
          const capacity = caps.reduce((a, b) => a + b, 0);
          r.weights.forEach((w, i) => {
            expect(w).toBeLessThanOrEqual(caps[i]! + 1e-12);
            expect(w).toBeGreaterThanOrEqual(Math.min(constraints.minWeight, caps[i]!) - 1e-12);
          });
          expect(r.cashWeight).toBeGreaterThanOrEqual(o.cashFloor - 1e-9);
          expect(sum(r.weights)).toBeCloseTo(Math.min(1 - o.cashFloor, capacity), 9);
          expect(r.uninvestedCash).toBeCloseTo(Math.max(0, 1 - o.cashFloor - capacity), 12);
          if (o.te > 0) expect(r.trackingError).toBeLessThanOrEqual(o.te * (1 + 1e-12));
          // The same answer through the leg formulation.
          expect(maxAbsDiff(solved(allocate(p, { formulation: 'split' })).weights, r.weights)).toBeLessThan(1e-8);
        },
      ),
      { seed: SEED, numRuns: 300 },
    );
  });
});

describe('allocate: economics', () => {
  it('returns the anchor when there is no signal and trading is free', () => {
    const p = makeProblem(1, 8, { expectedReturns: new Float64Array(8), trackingErrorBudget: 0.03 });
    const r = solved(allocate(p));
    expect(maxAbsDiff(r.weights, p.anchor)).toBeLessThan(1e-12);
    expect(r.trackingError).toBeLessThan(1e-10);
    expect(r.objective).toBeCloseTo(0, 14);
  });

  it('with costs and no signal, trades toward the anchor but stops short of it', () => {
    const p = makeProblem(2, 8, { expectedReturns: new Float64Array(8), costs: { bpsPerSide: 10, impactCoefficient: 0 } });
    const r = solved(allocate(p));
    const distance = (w: Float64Array) => Math.sqrt(sum(Array.from(w, (x, i) => (x - p.anchor[i]!) ** 2)));
    expect(distance(r.weights)).toBeLessThan(distance(p.current));
    expect(distance(r.weights)).toBeGreaterThan(1e-4);
    // Already at the anchor: nothing to do.
    const atAnchor = solved(allocate({ ...p, current: Float64Array.from(p.anchor) }));
    expect(maxAbsDiff(atAnchor.weights, p.anchor)).toBeLessThan(1e-12);
    expect(atAnchor.turnover).toBeLessThan(1e-12);
  });

  it('reverts to the anchor as the uncertainty penalty grows, even with costs', () => {
    const base = makeProblem(3, 8, { costs: { bpsPerSide: 5, impactCoefficient: 0 } });
    const te = [0, 1, 10, 100, 1e4, 1e8].map((kappa) => solved(allocate({ ...base, uncertaintyPenalty: kappa })).trackingError);
    for (let k = 1; k < te.length; k++) expect(te[k]!).toBeLessThan(te[k - 1]!);
    const far = solved(allocate({ ...base, uncertaintyPenalty: 1e8 }));
    expect(maxAbsDiff(far.weights, base.anchor)).toBeLessThan(1e-5);
  });

  it('a higher expected return never lowers that asset’s weight (all constraints on)', () => {
    const n = 8;
    const tickers = Array.from({ length: n }, (_, i) => `T${String(i).padStart(2, '0')}`);
    const base = makeProblem(4, n, {
      classes: tickers.map((_, i) => (i < 4 ? 'equity' : 'bond')),
      trackingErrorBudget: 0.03,
      costs: { bpsPerSide: 5, impactCoefficient: 0 },
      constraints: { maxWeight: 0.25, turnoverCap: 0.3, classLimits: { equity: { max: 0.6 } } },
    });
    for (const asset of [0, 3, 5]) {
      let previous = -1;
      for (const bump of [-0.03, -0.01, 0, 0.005, 0.01, 0.02, 0.05]) {
        const mu = Float64Array.from(base.expectedReturns);
        mu[asset] = mu[asset]! + bump;
        const w = solved(allocate({ ...base, expectedReturns: mu })).weights[asset]!;
        expect(w).toBeGreaterThanOrEqual(previous - 1e-9);
        previous = w;
      }
    }
  });

  it('charges the exact square-root impact, and impact trades less than bps alone', () => {
    const n = 8;
    const withoutImpact = makeProblem(5, n, { costs: { bpsPerSide: 5, impactCoefficient: 0 } });
    const vol = Float64Array.from({ length: n }, (_, i) => Math.sqrt(withoutImpact.covariance.data[i * n + i]! / 21));
    const adv = Float64Array.from({ length: n }, (_, i) => 1e6 * (1 + i));
    const withImpact: AllocationProblem = {
      ...withoutImpact,
      costs: { bpsPerSide: 5, impactCoefficient: 1, dailyVolatility: vol, adv, portfolioValue: 2e8 },
    };
    const a = solved(allocate(withoutImpact));
    const b = solved(allocate(withImpact));
    expect(b.turnover).toBeLessThan(a.turnover);
    let exact = 0;
    for (let i = 0; i < n; i++) {
      const x = Math.abs(b.weights[i]! - withImpact.current[i]!);
      exact += 5e-4 * x + vol[i]! * Math.sqrt(2e8 / adv[i]!) * x ** 1.5;
    }
    expect(b.expectedCost).toBeCloseTo(exact, 14);
    // Missing ADV means no impact estimate, not an error.
    const noAdv = solved(allocate({ ...withImpact, costs: { bpsPerSide: 5, impactCoefficient: 1 } }));
    expect(maxAbsDiff(noAdv.weights, a.weights)).toBeLessThan(1e-12);
  });

  it('keeps an untradeable position at its current weight and counts it in the budget', () => {
    const p = makeProblem(6, 6, { investable: [true, true, false, true, true, true], costs: { bpsPerSide: 5, impactCoefficient: 0 } });
    // No price: its covariance row may be NaN without harm.
    const cov = Float64Array.from(p.covariance.data);
    for (let j = 0; j < 6; j++) cov[2 * 6 + j] = cov[j * 6 + 2] = Number.NaN;
    const r = solved(allocate({ ...p, covariance: matrixFromData(6, 6, cov) }));
    expect(r.weights[2]).toBe(p.current[2]);
    expectFeasible(p, r.weights);
  });

  it('drops trades below minTradeWeight without breaking the cash floor, bounds or TE budget', () => {
    // Start near the optimum so that most trades are small.
    const base = makeProblem(7, 10, { trackingErrorBudget: 0.04, constraints: { maxWeight: 0.3 } });
    const rng = createRng(SEED);
    const near = Float64Array.from(solved(allocate(base)).weights, (w) => Math.max(0, w + 0.006 * rng.normal()));
    const scale = 0.975 / sum(near);
    const p: AllocationProblem = {
      ...base,
      current: Float64Array.from(near, (w) => w * scale),
      constraints: { ...base.constraints, minTradeWeight: 0.01 },
    };
    const exact = solved(allocate({ ...p, constraints: { ...p.constraints, minTradeWeight: 0 } }));
    const small = Array.from(exact.weights, (w, i) => Math.abs(w - p.current[i]!)).filter((x) => x > 0 && x < 0.01);
    expect(small.length).toBeGreaterThan(0);
    const r = solved(allocate(p));
    expectFeasible(p, r.weights, { exactBudget: false });
    const trades = Array.from(r.weights, (w, i) => Math.abs(w - p.current[i]!)).filter((x) => x > 1e-15);
    // Each remaining small trade must be one the rules could not drop.
    expect(trades.filter((x) => x < 0.01).length).toBeLessThan(small.length);
    expect(r.turnover).toBeLessThanOrEqual(exact.turnover + 1e-12);
  });
});

describe('allocate: warm starts change the speed, never the answer', () => {
  const te = fromFixture(fixture.cases.find((c) => c.name === 'everything-30')!);
  const cold = solved(allocate(te));

  it('from its own answer: same weights in fewer QP solves', () => {
    expect(cold.trackingErrorMultiplier).toBeGreaterThan(0);
    const warm = solved(allocate(te, { warmStart: { weights: cold.weights, trackingErrorMultiplier: cold.trackingErrorMultiplier } }));
    expect(maxAbsDiff(warm.weights, cold.weights)).toBeLessThan(1e-9);
    expect(warm.iterations).toBeLessThan(cold.iterations);
  });

  it('from misleading hints: a multiplier far too high or too low, directions all wrong', () => {
    for (const factor of [1e-3, 0.5, 2, 1e3]) {
      const opposite = Float64Array.from(cold.weights, (w, i) => 2 * te.current[i]! - w);
      const r = solved(allocate(te, { warmStart: { weights: opposite, trackingErrorMultiplier: factor * cold.trackingErrorMultiplier } }));
      expect(maxAbsDiff(r.weights, cold.weights)).toBeLessThan(1e-8);
    }
  });

  it('with a multiplier hint where the budget does not bind, returns ν = 0', () => {
    const loose = { ...te, trackingErrorBudget: 0.2 };
    const reference = solved(allocate(loose));
    expect(reference.trackingErrorMultiplier).toBe(0);
    const r = solved(allocate(loose, { warmStart: { trackingErrorMultiplier: 5 } }));
    expect(r.trackingErrorMultiplier).toBe(0);
    expect(maxAbsDiff(r.weights, reference.weights)).toBeLessThan(1e-12);
  });
});

describe('allocate: infeasible problems name the constraint, in words', () => {
  const classes = ['equity', 'equity', 'equity', 'equity', 'bond', 'bond'];

  it('class maximum against per-asset minimums', () => {
    const p = makeProblem(10, 6, { classes, constraints: { minWeight: 0.1, classLimits: { equity: { max: 0.3 } } } });
    const r = infeasible(allocate(p));
    expect(r.constraint).toBe('class limit equity max 0.3 with per-asset minimums');
    expect(r.message).toContain('The equity class maximum of 30.0% cannot be met: at least 40.0% must stay in equity (per-asset minimums 40.0%)');
  });

  it('class minimum against per-asset maximums', () => {
    const p = makeProblem(11, 6, { classes, constraints: { maxWeight: 0.35, perAsset: { T04: { max: 0.1 }, T05: { max: 0.1 } }, classLimits: { bond: { min: 0.5 } } } });
    const r = infeasible(allocate(p));
    expect(r.constraint).toBe('class limit bond min 0.5 with per-asset maximums');
    expect(r.message).toContain('bond names can hold at most 20.0%');
  });

  it('cash floor against no-sell holdings', () => {
    const p = makeProblem(12, 4, { constraints: { noSell: ['T00', 'T01', 'T02', 'T03'], maxWeight: 1, cashFloor: 0.05 } });
    const current = Float64Array.from([0.3, 0.3, 0.2, 0.19]);
    const r = infeasible(allocate({ ...p, current }));
    expect(r.constraint).toBe('cash floor 0.05 with no-sell holdings');
    expect(r.message).toContain('no-sell holdings T00, T01, T02, T03 99.0%');
    expect(r.message).toContain('more than the 95.0% that can be invested above the 5.0% cash floor');
  });

  it('cash floor against per-asset minimums (the floor is a floor)', () => {
    const p = makeProblem(13, 4, { constraints: { minWeight: 0.25, cashFloor: 0.05 } });
    const r = infeasible(allocate(p));
    expect(r.constraint).toMatch(/^cash floor 0.05 with per-asset minimums/);
  });

  it('turnover cap against the sale of an excluded holding', () => {
    const p = makeProblem(14, 6, { costs: { bpsPerSide: 5, impactCoefficient: 0 }, constraints: { excluded: ['T00'], turnoverCap: 0.01 } });
    const current = Float64Array.from(p.anchor);
    current[0] = current[0]! + 0.06;
    current[1] = current[1]! - 0.06;
    const r = infeasible(allocate({ ...p, current }));
    expect(r.constraint).toMatch(/^turnover cap 0.01 with /);
    expect(r.constraint).toContain('excluded holdings');
    expect(r.message).toMatch(/^The turnover cap of 1\.0% is too tight: a portfolio that meets the other constraints \(excluded holdings\) is at least 21\.\d% one-way turnover away\./);
  });

  it('restricted lists against per-asset limits, per ticker', () => {
    const p = makeProblem(15, 5, { constraints: { maxWeight: 0.3 } });
    const current = Float64Array.from([0.4, 0.1, 0.2, 0.15, 0.1]);
    const noSell = infeasible(allocate({ ...p, current, constraints: { ...p.constraints, noSell: ['T00'] } }));
    expect(noSell.constraint).toBe('no-sell T00 with maximum weight');
    expect(noSell.message).toContain('T00 is on the no-sell list at 40.0%, above its maximum weight of 30.0%');
    const noBuy = infeasible(allocate({ ...p, current, constraints: { ...p.constraints, noBuy: ['T01'], minWeight: 0.12 } }));
    expect(noBuy.constraint).toBe('no-buy T01 with minimum weight');
    const both = infeasible(allocate({ ...p, current, constraints: { ...p.constraints, noSell: ['T02'], excluded: ['T02'] } }));
    expect(both.constraint).toBe('excluded T02 on the no-sell list');
    const bounds = infeasible(allocate({ ...p, constraints: { ...p.constraints, perAsset: { T03: { min: 0.2, max: 0.1 } } } }));
    expect(bounds.constraint).toBe('per-asset limits T03');
  });

  it('a tracking-error budget the other constraints cannot reach', () => {
    const p = makeProblem(16, 6, { trackingErrorBudget: 0.005, constraints: { noSell: ['T00'], maxWeight: 0.6 } });
    const current = Float64Array.from(p.current);
    current[0] = 0.5;
    const scale = (0.97 - 0.5) / (sum(p.current) - p.current[0]!);
    for (let i = 1; i < 6; i++) current[i] = p.current[i]! * scale;
    const r = infeasible(allocate({ ...p, current }));
    expect(r.constraint).toBe('tracking-error budget 0.5%');
    expect(r.message).toMatch(/cannot be met: the other constraints keep the portfolio at least \d+\.\d% \(annualised\) away/);
  });

  it('rejects malformed input as BAD_INPUT rather than a result', () => {
    const p = makeProblem(17, 4);
    expect(() => allocate({ ...p, anchor: new Float64Array(3) })).toThrow(BallastError);
    expect(() => allocate({ ...p, riskAversion: 0 })).toThrow(/risk aversion/);
    const cov = Float64Array.from(p.covariance.data);
    cov[1] = Number.NaN;
    expect(() => allocate({ ...p, covariance: matrixFromData(4, 4, cov) })).toThrow(/covariance of T00 and T01/);
  });
});

describe('minimumVarianceWeights', () => {
  it('matches the two-asset closed form', () => {
    const cov = matrixFromRows([
      [0.04, 0.006],
      [0.006, 0.09],
    ]);
    const w = minimumVarianceWeights(cov);
    const w1 = (0.09 - 0.006) / (0.04 + 0.09 - 0.012);
    expect(w[0]).toBeCloseTo(w1, 14);
    expect(w[1]).toBeCloseTo(1 - w1, 14);
  });

  it('satisfies the KKT conditions with caps and a budget', () => {
    const p = makeProblem(20, 12);
    const w = minimumVarianceWeights(p.covariance, { maxWeight: 0.15, budget: 0.98 });
    expect(sum(w)).toBeCloseTo(0.98, 12);
    const n = 12;
    const grad = Array.from({ length: n }, (_, i) => sum(Array.from({ length: n }, (_, j) => p.covariance.data[i * n + j]! * w[j]!)));
    const interior = grad.filter((_, i) => w[i]! > 1e-9 && w[i]! < 0.15 - 1e-9);
    expect(interior.length).toBeGreaterThan(0);
    const lambda = interior[0]!;
    grad.forEach((g, i) => {
      if (w[i]! > 1e-9 && w[i]! < 0.15 - 1e-9) expect(g).toBeCloseTo(lambda, 12);
      else if (w[i]! <= 1e-9) expect(g).toBeGreaterThanOrEqual(lambda - 1e-12);
      else expect(g).toBeLessThanOrEqual(lambda + 1e-12);
    });
  });

  it('throws INFEASIBLE when the caps cannot hold the budget', () => {
    const p = makeProblem(21, 4);
    expect(() => minimumVarianceWeights(p.covariance, { maxWeight: 0.2 })).toThrow(/cannot hold 100.0%/);
  });
});
