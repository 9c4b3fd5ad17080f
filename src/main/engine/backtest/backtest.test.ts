import { describe, expect, it } from 'vitest';
import { BallastError } from '../../../shared/errors';
import { RebalanceRule } from '../../../shared/strategy';
import type { PricePanel } from '../features/panel';
import { createRng } from '../math/random';
import { type BacktestOptions, type BacktestResult, type BacktestStrategy, runBacktest } from './backtest';
import { fixedStrategy, panelFromRows, randomPanel } from './testSupport';

const calendar = (everyDays: number) => RebalanceRule.parse({ mode: 'calendar', everyDays });
const bands = (bandWidth: number, bandTarget: 'edge' | 'target', everyDays = 252) =>
  RebalanceRule.parse({ mode: 'bands', everyDays, bandWidth, bandTarget });

/** Random long-only targets each decision (seeded), leaving some cash; 0 for assets without a price today. */
function randomStrategy(seed: number): BacktestStrategy {
  const rng = createRng(seed);
  return {
    name: 'random',
    decide(t, _current, view) {
      const n = view.tickers.length;
      const w = new Float64Array(n);
      let total = 0;
      for (let i = 0; i < n; i++) {
        if (!(view.prices.data[t * n + i]! > 0)) continue;
        w[i] = rng.next();
        total += w[i]!;
      }
      const invested = 0.7 + 0.3 * rng.next();
      for (let i = 0; i < n; i++) w[i] = total > 0 ? (w[i]! / total) * invested : 0;
      return { weights: w };
    },
  };
}

/** Last finite price at or before row t per asset, computed independently of the engine. */
function lastPrices(panel: PricePanel, t: number): Float64Array {
  const n = panel.tickers.length;
  const out = new Float64Array(n).fill(Number.NaN);
  for (let s = 0; s <= t; s++) {
    for (let i = 0; i < n; i++) {
      const p = panel.prices.data[s * n + i]!;
      if (p > 0) out[i] = p;
    }
  }
  return out;
}

function withGapsAndRate(): PricePanel {
  const panel = randomPanel(420, 5, 11);
  const n = 5;
  // Asset 3 lists on row 200; asset 1 misses four days while held, one a decision date.
  for (let s = 0; s < 200; s++) panel.prices.data[s * n + 3] = Number.NaN;
  for (const s of [142, 150, 151, 290]) panel.prices.data[s * n + 1] = Number.NaN;
  const rate = new Float64Array(panel.dates.length);
  for (let s = 0; s < rate.length; s++) rate[s] = 0.01 + 0.04 * (s / rate.length);
  rate[300] = Number.NaN; // a missing rate earns nothing rather than poisoning the curve
  return { ...panel, cashRate: rate };
}

describe('runBacktest accounting', () => {
  const panel = withGapsAndRate();
  const n = panel.tickers.length;
  const options: BacktestOptions = { rebalance: calendar(21), costBpsPerSide: 10, warmupDays: 100, recordHoldings: true, initialCapital: 1_000_000 };
  const result = runBacktest(panel, randomStrategy(5), options);
  const start = panel.dates.indexOf(result.from);
  const { units, cash } = result.holdings!;
  const tradeDates = new Set(result.rebalances.map((r) => r.date));

  it('equity = Σ units × price (last price when a day is missing) + cash, every day', () => {
    expect(result.daily).toHaveLength(panel.dates.length - 100);
    result.daily.forEach((day, k) => {
      const prices = lastPrices(panel, start + k);
      let value = cash[k]!;
      for (let i = 0; i < n; i++) if (units[k * n + i] !== 0) value += units[k * n + i]! * prices[i]!;
      expect(Math.abs(day.equity - value)).toBeLessThanOrEqual(1e-9 * value);
      expect(day.cashWeight).toBeCloseTo(cash[k]! / value, 12);
      expect(cash[k]!).toBeGreaterThanOrEqual(-1e-9);
    });
  });

  it('holds units between rebalances; cash only earns yesterday’s rate', () => {
    for (let k = 1; k < result.daily.length; k++) {
      if (tradeDates.has(result.daily[k]!.date)) continue;
      for (let i = 0; i < n; i++) expect(units[k * n + i]).toBe(units[(k - 1) * n + i]);
      const rate = panel.cashRate![start + k - 1]!;
      const expected = cash[k - 1]! * (1 + (Number.isFinite(rate) ? rate / 252 : 0));
      expect(cash[k]!).toBeCloseTo(expected, 6);
    }
  });

  it('on a rebalance, cash pays for the trades plus bps × |traded value|, once', () => {
    expect(result.rebalances.length).toBe(Math.ceil(result.daily.length / 21));
    for (const rebalance of result.rebalances) {
      const k = result.daily.findIndex((d) => d.date === rebalance.date);
      const prices = lastPrices(panel, start + k);
      const cashBefore = k === 0 ? 1_000_000 : cash[k - 1]! * (1 + panel.cashRate![start + k - 1]! / 252);
      let flow = 0;
      let traded = 0;
      let valueBefore = cashBefore;
      for (let i = 0; i < n; i++) {
        const before = k === 0 ? 0 : units[(k - 1) * n + i]!;
        const delta = units[k * n + i]! - before;
        if (before !== 0) valueBefore += before * prices[i]!;
        if (delta === 0) continue;
        flow += delta * prices[i]!;
        traded += Math.abs(delta * prices[i]!);
      }
      const cost = 0.001 * traded;
      expect(cash[k]!).toBeCloseTo(cashBefore - flow - cost, 5);
      expect(rebalance.cost).toBeCloseTo(cost / valueBefore, 14);
      expect(rebalance.turnover).toBeCloseTo(traded / valueBefore / 2, 14);
    }
  });

  it('never holds or trades an asset on a day it has no price', () => {
    for (const rebalance of result.rebalances) {
      const t = panel.dates.indexOf(rebalance.date);
      for (let i = 0; i < n; i++) {
        if (panel.prices.data[t * n + i]! > 0) continue;
        const k = t - start;
        const before = k === 0 ? 0 : units[(k - 1) * n + i]!;
        expect(units[k * n + i]).toBe(before);
      }
    }
    // Asset 3 lists on row 200: nothing is bought before.
    for (let k = 0; start + k < 200; k++) expect(units[k * n + 3]).toBe(0);
    expect(units[(result.daily.length - 1) * n + 3]).toBeGreaterThan(0);
  });
});

describe('runBacktest trading', () => {
  it('trades to target net of costs: post-trade weights equal the targets', () => {
    const panel = randomPanel(300, 3, 2);
    const result = runBacktest(panel, fixedStrategy([0.5, 0.3, 0.15]), { rebalance: calendar(21), costBpsPerSide: 25, warmupDays: 0 });
    for (const r of result.rebalances) {
      expect(r.weights.A0).toBeCloseTo(0.5, 12);
      expect(r.weights.A1).toBeCloseTo(0.3, 12);
      expect(r.weights.A2).toBeCloseTo(0.15, 12);
    }
    expect(result.daily[0]!.cashWeight).toBeCloseTo(0.05, 12);
  });

  it('charges costs once: with one purchase, cost run / free run is constant and equals 1 − cost', () => {
    const panel = { ...randomPanel(260, 4, 3), cashRate: new Float64Array(260).fill(0.03) };
    const options = { rebalance: calendar(252), warmupDays: 0, to: panel.dates[200] };
    const free = runBacktest(panel, fixedStrategy([0.3, 0.3, 0.2, 0.1]), { ...options, costBpsPerSide: 0 });
    const paid = runBacktest(panel, fixedStrategy([0.3, 0.3, 0.2, 0.1]), { ...options, costBpsPerSide: 50 });
    expect(paid.rebalances).toHaveLength(1);
    const cost = paid.rebalances[0]!.cost;
    // Buying 90 % of V' with 50 bps: V' = V − 0.005 × 0.9 V' → cost = 1 − 1/1.0045 of V.
    expect(cost).toBeCloseTo(1 - 1 / 1.0045, 14);
    for (let k = 0; k < free.daily.length; k++) {
      expect(paid.daily[k]!.equity / free.daily[k]!.equity).toBeCloseTo(1 - cost, 13);
    }
    expect(paid.metrics.costDrag).toBeGreaterThan(0);
    expect(free.metrics.costDrag).toBe(0);
  });

  it('lets weights drift with prices when there is no rebalance', () => {
    const panel = randomPanel(200, 3, 4);
    const w0 = [0.5, 0.25, 0.2];
    const result = runBacktest(panel, fixedStrategy(w0), { rebalance: calendar(252), costBpsPerSide: 0, warmupDays: 0, recordHoldings: true });
    const p0 = [0, 1, 2].map((i) => panel.prices.data[i]!);
    for (let t = 0; t < panel.dates.length; t++) {
      const values = w0.map((w, i) => (w * panel.prices.data[t * 3 + i]!) / p0[i]!);
      const equity = values.reduce((a, b) => a + b, 0.05);
      expect(result.daily[t]!.equity).toBeCloseTo(equity, 12);
      expect(result.daily[t]!.cashWeight).toBeCloseTo(0.05 / equity, 12);
      for (let i = 0; i < 3; i++) {
        const weight = (result.holdings!.units[t * 3 + i]! * panel.prices.data[t * 3 + i]!) / result.daily[t]!.equity;
        expect(weight).toBeCloseTo(values[i]! / equity, 12);
      }
    }
  });

  it('calls decide on the calendar: every everyDays trading days from the first date after the warm-up', () => {
    const panel = randomPanel(100, 2, 5);
    const seen: number[] = [];
    const spy: BacktestStrategy = { name: 'spy', decide: (t) => (seen.push(t), { weights: Float64Array.from([0.5, 0.5]) }) };
    const result = runBacktest(panel, spy, { rebalance: calendar(7), costBpsPerSide: 0, warmupDays: 10 });
    const expected = Array.from({ length: 13 }, (_, k) => 10 + 7 * k); // 10, 17, …, 94
    expect(seen).toEqual(expected);
    expect(result.rebalances.map((r) => r.date)).toEqual(expected.map((t) => panel.dates[t]));
    expect(result.from).toBe(panel.dates[10]);

    seen.length = 0;
    const later = runBacktest(panel, spy, { rebalance: calendar(30), costBpsPerSide: 0, warmupDays: 10, from: panel.dates[40], to: panel.dates[90] });
    expect(seen).toEqual([40, 70]);
    expect(later.daily).toHaveLength(51);
    expect(later.to).toBe(panel.dates[90]);
  });

  it('skips trades smaller than minTradeWeight', () => {
    const panel = randomPanel(60, 2, 6);
    let call = 0;
    const nudge: BacktestStrategy = {
      name: 'nudge',
      decide: () => ({ weights: Float64Array.from(call++ === 0 ? [0.5, 0.5] : [0.501, 0.499]) }),
    };
    const result = runBacktest(panel, nudge, { rebalance: calendar(1), costBpsPerSide: 0, warmupDays: 0, minTradeWeight: 0.05, recordHoldings: true });
    const { units } = result.holdings!;
    // Random daily moves stay far below 5 points of weight over 60 days here, so after the purchase nothing trades.
    for (let k = 1; k < 60; k++) expect(units[k * 2]).toBe(units[0]);
    expect(result.rebalances.slice(1).every((r) => r.turnover === 0)).toBe(true);
  });

  it('accrues the cash rate per trading day', () => {
    const panel = { ...randomPanel(30, 2, 7), cashRate: Float64Array.from({ length: 30 }, (_, s) => (s < 10 ? 0.0504 : 0.0252)) };
    const result = runBacktest(panel, fixedStrategy([0, 0]), { rebalance: calendar(5), costBpsPerSide: 10, warmupDays: 0 });
    let expected = 1;
    result.daily.forEach((day, k) => {
      if (k > 0) expected *= 1 + panel.cashRate[k - 1]! / 252;
      expect(day.equity).toBeCloseTo(expected, 14);
      expect(day.cashWeight).toBe(1);
    });
    expect(result.daily[29]!.equity).toBeCloseTo((1 + 0.0002) ** 10 * (1 + 0.0001) ** 19, 14);
    // All in cash: excess returns are zero, so the ratios are 0 by convention.
    expect(result.metrics.sharpe).toBe(0);
    expect(result.metrics.maxDrawdown).toBe(0);
  });

  it('does not buy an asset without a price on the decision date, and names it', () => {
    const rows = Array.from({ length: 40 }, (_, s) => [100 + s, s < 20 ? Number.NaN : 50]);
    const panel = panelFromRows(rows);
    const result = runBacktest(panel, fixedStrategy([0.5, 0.4]), { rebalance: calendar(10), costBpsPerSide: 0, warmupDays: 0 });
    expect(result.rebalances[0]!.untradeable).toEqual(['A1']);
    expect(result.rebalances[0]!.weights.A1).toBe(0);
    expect(result.daily[0]!.cashWeight).toBeCloseTo(0.5, 12);
    expect(result.rebalances[2]!.untradeable).toBeUndefined();
    expect(result.rebalances[2]!.weights.A1).toBeCloseTo(0.4, 12);
  });

  it('refuses weights that borrow, go short or are not numbers', () => {
    const panel = randomPanel(30, 2, 8);
    const run = (weights: number[]) => () => runBacktest(panel, fixedStrategy(weights, 'bad'), { rebalance: calendar(5), costBpsPerSide: 0, warmupDays: 0 });
    for (const weights of [[0.7, 0.4], [1.1, -0.1], [Number.NaN, 0], [0.5]]) {
      expect(run(weights)).toThrow(BallastError);
    }
    expect(run([0.7, 0.4])).toThrow(/does not borrow/);
    expect(run([0.5, 0.5 + 1e-12])).not.toThrow();
  });

  it('refuses a range with no days after the warm-up', () => {
    const panel = randomPanel(100, 2, 9);
    expect(() => runBacktest(panel, fixedStrategy([0.5, 0.5]), { rebalance: calendar(5), costBpsPerSide: 0 })).toThrow(/warm-up needs 252/);
  });

  it('stops when cancelled', () => {
    const panel = randomPanel(100, 2, 9);
    const signal = { aborted: false };
    let calls = 0;
    const strategy: BacktestStrategy = {
      name: 'x',
      decide: () => {
        if (++calls === 3) signal.aborted = true;
        return { weights: Float64Array.from([0.5, 0.5]) };
      },
    };
    const progress: number[] = [];
    const run = () => runBacktest(panel, strategy, { rebalance: calendar(5), costBpsPerSide: 0, warmupDays: 0, signal, onProgress: (_s, c) => progress.push(c) });
    expect(run).toThrow(expect.objectContaining({ code: 'CANCELLED' }));
    expect(progress).toEqual([1, 6, 11]);
  });
});

describe('runBacktest bands', () => {
  // A0 rises 1 % a day from row 5, A1 and cash stand still; targets 40 % / 40 %, band ±5 points.
  const rows = Array.from({ length: 60 }, (_, s) => [100 * 1.01 ** Math.max(0, s - 5), 100]);
  const panel = panelFromRows(rows);
  const run = (bandTarget: 'edge' | 'target'): BacktestResult =>
    runBacktest(panel, fixedStrategy([0.4, 0.4]), { rebalance: bands(0.05, bandTarget), costBpsPerSide: 0, warmupDays: 0, recordHoldings: true });
  const weightsBefore = (result: BacktestResult, k: number): number[] => {
    const { units, cash } = result.holdings!;
    const value = units[(k - 1) * 2]! * rows[k]![0]! + units[(k - 1) * 2 + 1]! * rows[k]![1]! + cash[k - 1]!;
    return [0, 1].map((i) => (units[(k - 1) * 2 + i]! * rows[k]![i]!) / value);
  };

  it('trades only on a breach, only the asset outside its band, to the band edge', () => {
    const result = run('edge');
    // w0 = 0.4g / (0.6 + 0.4g) with g = 1.01^(s−5) exceeds 0.45 once g > 0.27 / 0.22 = 1.227…, i.e. on row 26.
    expect(result.rebalances[0]!.trigger).toBe('schedule');
    const bandTrades = result.rebalances.filter((r) => r.trigger === 'band');
    expect(bandTrades[0]!.date).toBe(panel.dates[26]);
    for (const r of bandTrades) {
      const k = panel.dates.indexOf(r.date);
      const before = weightsBefore(result, k);
      expect(before[0]!).toBeGreaterThan(0.45);
      expect(r.weights.A0).toBeCloseTo(0.45, 12);
      // A1 is diluted as A0 grows: traded up to its lower edge once outside, untouched while inside.
      if (before[1]! < 0.35) expect(r.weights.A1).toBeCloseTo(0.35, 12);
      else expect(r.weights.A1).toBeCloseTo(before[1]!, 12);
    }
    const untouched = bandTrades.filter((r) => Math.abs(r.weights.A1! - weightsBefore(result, panel.dates.indexOf(r.date))[1]!) < 1e-12);
    expect(untouched.length).toBeGreaterThan(0);
    // Every day without a trade starts inside the bands.
    const traded = new Set(result.rebalances.map((r) => r.date));
    for (let k = 1; k < 60; k++) {
      if (traded.has(panel.dates[k]!)) continue;
      const before = weightsBefore(result, k);
      expect(Math.abs(before[0]! - 0.4)).toBeLessThanOrEqual(0.05 + 1e-12);
      expect(Math.abs(before[1]! - 0.4)).toBeLessThanOrEqual(0.05 + 1e-12);
    }
  });

  it('to target: a breach sends the asset all the way back, so breaches are rarer', () => {
    const edge = run('edge').rebalances.filter((r) => r.trigger === 'band');
    const target = run('target').rebalances.filter((r) => r.trigger === 'band');
    expect(target[0]!.date).toBe(panel.dates[26]);
    expect(target[0]!.weights.A0).toBeCloseTo(0.4, 12);
    expect(target.length).toBeLessThan(edge.length);
    expect(target.length).toBeGreaterThan(0);
  });

  it('never trades a flat market after the first purchase', () => {
    const flat = panelFromRows(Array.from({ length: 30 }, () => [100, 100]));
    const result = runBacktest(flat, fixedStrategy([0.4, 0.4]), { rebalance: bands(0.05, 'edge', 10), costBpsPerSide: 10, warmupDays: 0 });
    expect(result.rebalances.map((r) => r.trigger)).toEqual(['schedule', 'schedule', 'schedule']);
    expect(result.rebalances.slice(1).every((r) => r.turnover === 0)).toBe(true);
  });
});

describe('runBacktest causality and breaker', () => {
  it('gives decide the panel truncated at t and nothing later', () => {
    const base = randomPanel(120, 3, 10);
    const panel: PricePanel = {
      ...base,
      cashRate: new Float64Array(120).fill(0.02),
      indicators: { names: ['vix'], values: { rows: 120, cols: 1, data: new Float64Array(120).fill(20) } },
      assetClasses: ['equity', 'equity', 'fixed_income'],
    };
    let calls = 0;
    const strict: BacktestStrategy = {
      name: 'strict',
      decide(t, current, view) {
        calls++;
        expect(view.dates).toHaveLength(t + 1);
        expect(view.dates[t]).toBe(panel.dates[t]);
        expect(view.prices.rows).toBe(t + 1);
        expect(view.prices.data).toHaveLength((t + 1) * 3);
        expect(view.cashRate).toHaveLength(t + 1);
        expect(view.indicators!.values.rows).toBe(t + 1);
        expect(view.indicators!.values.data).toHaveLength(t + 1);
        expect(view.assetClasses).toEqual(panel.assetClasses);
        expect(current).toHaveLength(3);
        return { weights: Float64Array.from([0.3, 0.3, 0.3]) };
      },
    };
    runBacktest(panel, strict, { rebalance: calendar(10), costBpsPerSide: 5, warmupDays: 20 });
    expect(calls).toBe(10);
  });

  it('tracks breaker states day by day, their time shares and transitions', () => {
    const panel = randomPanel(40, 2, 12);
    const states = ['NORMAL', 'CAUTION', 'CAUTION', 'DE_RISKED'] as const;
    let call = 0;
    const strategy: BacktestStrategy = {
      name: 'breaker',
      decide: () => ({ weights: Float64Array.from([0.4, 0.4]), breaker: { state: states[call++]!, certainty: -call } }),
    };
    const result = runBacktest(panel, strategy, { rebalance: calendar(10), costBpsPerSide: 0, warmupDays: 0 });
    expect(result.daily.map((d) => d.breaker)).toEqual([
      ...Array<string>(10).fill('NORMAL'),
      ...Array<string>(20).fill('CAUTION'),
      ...Array<string>(10).fill('DE_RISKED'),
    ]);
    expect(result.breaker!.timeInState).toEqual({ NORMAL: 0.25, CAUTION: 0.5, DE_RISKED: 0.25 });
    expect(result.breaker!.events).toEqual([
      { date: panel.dates[10], from: 'NORMAL', to: 'CAUTION' },
      { date: panel.dates[30], from: 'CAUTION', to: 'DE_RISKED' },
    ]);
    const without = runBacktest(panel, fixedStrategy([0.5, 0.5]), { rebalance: calendar(10), costBpsPerSide: 0, warmupDays: 0 });
    expect(without.breaker).toBeNull();
    expect(without.daily[0]!.breaker).toBeNull();
  });
});
