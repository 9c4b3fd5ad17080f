import { describe, expect, it } from 'vitest';
import { BallastError } from '../../../shared/errors';
import { RebalanceRule } from '../../../shared/strategy';
import type { PricePanel } from '../features/panel';
import { matrixFromRows } from '../math/linalg';
import { ledoitWolfCovariance } from '../risk/covariance';
import { riskContributions } from '../risk/riskBudgeting';
import { simpleReturns } from '../features/returns';
import { panelUpTo, runBacktest } from './backtest';
import { BASELINE_NAMES, type BaselineName, baselineStrategies } from './baselines';
import { randomPanel } from './testSupport';

const CLASSES = ['equity', 'equity', 'equity', 'fixed_income', 'fixed_income', 'commodity'];

function universe(): PricePanel {
  const panel = randomPanel(500, 6, 21, { assetClasses: CLASSES });
  // Asset 2 lists on row 300: priced from then on, but without a full lookback until row 300 + 120.
  for (let s = 0; s < 300; s++) panel.prices.data[s * 6 + 2] = Number.NaN;
  return panel;
}

const decideAt = (panel: PricePanel, name: BaselineName, t: number, settings = { lookbackDays: 120, cashFloor: 0.05 }) =>
  baselineStrategies(panel, settings, [name])[name].decide(t, new Float64Array(6), panelUpTo(panel, t)).weights;

const sum = (w: Float64Array) => w.reduce((a, b) => a + b, 0);

/** Covariance the risk baselines see at t: Ledoit–Wolf of the last 120 returns of the given columns. */
function windowCovariance(panel: PricePanel, t: number, columns: number[]) {
  const rows = [];
  for (let s = t - 120; s <= t; s++) rows.push(columns.map((i) => panel.prices.data[s * 6 + i]!));
  return ledoitWolfCovariance(simpleReturns(matrixFromRows(rows))).covariance;
}

describe('baseline strategies', () => {
  const panel = universe();

  it('are long-only and invest exactly 1 − cash floor, with zero for assets they cannot use', () => {
    for (const name of BASELINE_NAMES) {
      for (const t of [150, 320, 499]) {
        const w = decideAt(panel, name, t);
        expect(w.every((x) => x >= 0)).toBe(true);
        expect(sum(w)).toBeCloseTo(0.95, 12);
        if (t < 300) expect(w[2]).toBe(0);
        if (t === 320 && name !== 'equal' && name !== '60-40') expect(w[2]).toBe(0); // no full lookback yet
      }
    }
    expect(decideAt(panel, 'equal', 320)[2]).toBeCloseTo(0.95 / 6, 14);
  });

  it('equal weight and 60/40 split as their names say', () => {
    expect(Array.from(decideAt(panel, 'equal', 150))).toEqual([0, 1, 3, 4, 5].map(() => expect.closeTo(0.95 / 5, 14)).toSpliced(2, 0, 0));
    const w = decideAt(panel, '60-40', 320);
    expect(Array.from(w)).toEqual([0.19, 0.19, 0.19, 0.19, 0.19, 0].map((x) => expect.closeTo(x, 14)));
    const early = decideAt(panel, '60-40', 150);
    expect(Array.from(early)).toEqual([0.285, 0.285, 0, 0.19, 0.19, 0].map((x) => expect.closeTo(x, 14)));
  });

  it('inverse volatility: weight × volatility is the same for every asset', () => {
    const w = decideAt(panel, 'inverse-vol', 499);
    const returns = simpleReturns(matrixFromRows(Array.from({ length: 121 }, (_, s) => Array.from(panel.prices.data.subarray((379 + s) * 6, (380 + s) * 6)))));
    const products = [0, 1, 2, 3, 4, 5].map((i) => {
      const column = Array.from({ length: 120 }, (_, s) => returns.data[s * 6 + i]!);
      const mean = column.reduce((a, b) => a + b, 0) / 120;
      const sd = Math.sqrt(column.reduce((a, b) => a + (b - mean) ** 2, 0) / 119);
      return w[i]! * sd;
    });
    for (const p of products) expect(p / products[0]!).toBeCloseTo(1, 12);
  });

  it('ERC: equal risk contributions on the Ledoit–Wolf covariance', () => {
    const w = decideAt(panel, 'erc', 499);
    const rc = riskContributions(windowCovariance(panel, 499, [0, 1, 2, 3, 4, 5]), w);
    for (const c of rc) expect(c).toBeCloseTo(1 / 6, 9);
  });

  it('min-variance: satisfies the KKT conditions on the Ledoit–Wolf covariance', () => {
    const columns = [0, 1, 3, 4, 5];
    const w = decideAt(panel, 'min-variance', 320);
    const cov = windowCovariance(panel, 320, columns);
    const x = columns.map((i) => w[i]!);
    const gradient = columns.map((_, r) => columns.reduce((acc, __, c) => acc + cov.data[r * 5 + c]! * x[c]!, 0));
    const free = x.map((v, r) => (v > 1e-10 ? gradient[r]! : Number.NaN)).filter((g) => !Number.isNaN(g));
    expect(free.length).toBeGreaterThan(0);
    const lambda = free[0]!;
    for (const g of free) expect(g / lambda).toBeCloseTo(1, 8);
    x.forEach((v, r) => {
      if (v <= 1e-10) expect(gradient[r]!).toBeGreaterThanOrEqual(lambda * (1 - 1e-8));
    });
  });

  it('honour maxWeight as a hard cap; what cannot fit stays in cash', () => {
    for (const name of BASELINE_NAMES) {
      const w = baselineStrategies(panel, { lookbackDays: 120, cashFloor: 0, maxWeight: 0.3 }, [name])[name].decide(499, new Float64Array(6), panelUpTo(panel, 499)).weights;
      expect(Math.max(...w)).toBeLessThanOrEqual(0.3 + 1e-12);
      expect(sum(w)).toBeCloseTo(name === '60-40' ? 0.6 + 0.4 : 1, 12);
    }
    // Two fixed-income assets under a 15 % cap can hold only 30 % of the 40 % sleeve.
    const w = baselineStrategies(panel, { lookbackDays: 120, cashFloor: 0, maxWeight: 0.15 }, ['60-40'])['60-40'].decide(499, new Float64Array(6), panelUpTo(panel, 499)).weights;
    expect(sum(w)).toBeCloseTo(0.75, 12);
  });

  it('explain why 60/40 is unavailable', () => {
    const noClasses = randomPanel(100, 3, 1);
    expect(() => baselineStrategies(noClasses, { lookbackDays: 60, cashFloor: 0 })).toThrow(/needs each asset’s class/);
    expect(() => baselineStrategies(noClasses, { lookbackDays: 60, cashFloor: 0 }, ['equal', 'erc'])).not.toThrow();
    const noBonds = randomPanel(100, 3, 1, { assetClasses: ['equity', 'equity', 'commodity'] });
    expect(() => baselineStrategies(noBonds, { lookbackDays: 60, cashFloor: 0 })).toThrow(
      "The 60/40 baseline needs at least one asset classed 'fixed_income'; the universe has equity ×2, commodity ×1.",
    );
    expect(() => decideAt(panel, 'erc', 50)).toThrow(BallastError);
  });

  it('never look past the decision date: changing later prices leaves earlier decisions identical', () => {
    const changed: PricePanel = { ...panel, prices: { ...panel.prices, data: panel.prices.data.slice() } };
    for (let k = 400 * 6; k < changed.prices.data.length; k++) changed.prices.data[k] = changed.prices.data[k]! * (1 + 0.3 * Math.sin(k));
    const rule = RebalanceRule.parse({ mode: 'calendar', everyDays: 21 });
    for (const name of BASELINE_NAMES) {
      const options = { rebalance: rule, costBpsPerSide: 5, warmupDays: 130 };
      const a = runBacktest(panel, baselineStrategies(panel, { lookbackDays: 120, cashFloor: 0.02 }, [name])[name], options);
      const b = runBacktest(changed, baselineStrategies(changed, { lookbackDays: 120, cashFloor: 0.02 }, [name])[name], options);
      const upTo = (r: typeof a) => r.rebalances.filter((x) => x.date <= panel.dates[400]!);
      expect(upTo(b)).toEqual(upTo(a));
      expect(b.daily.slice(0, 400 - 130)).toEqual(a.daily.slice(0, 400 - 130));
      expect(b.rebalances.at(-1)).not.toEqual(a.rebalances.at(-1));
    }
  });
});
