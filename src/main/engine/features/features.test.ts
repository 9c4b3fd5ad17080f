import { describe, expect, it } from 'vitest';
import { BallastError } from '../../../shared/errors';
import { matrixFromData } from '../math/linalg';
import { createRng } from '../math/random';
import { computeFeatures, featureLookback, forwardLogReturns, type FeaturePanel, type FeatureSettings } from './features';
import type { PricePanel } from './panel';

function dates(count: number): string[] {
  return Array.from({ length: count }, (_, t) => new Date(Date.UTC(2010, 0, 1) + t * 86_400_000).toISOString().slice(0, 10));
}

function panelOf(rows: number[][], indicators?: { names: string[]; rows: number[][] }): PricePanel {
  const T = rows.length;
  const N = rows[0]!.length;
  const panel: PricePanel = {
    dates: dates(T),
    tickers: Array.from({ length: N }, (_, i) => `A${i}`),
    prices: matrixFromData(T, N, Float64Array.from(rows.flat())),
  };
  if (indicators) panel.indicators = { names: indicators.names, values: matrixFromData(T, indicators.names.length, Float64Array.from(indicators.rows.flat())) };
  return panel;
}

/** Random walks with staggered listings (NaN before), an occasional missing day, and one indicator from day 40. */
function randomPanel(T: number, N: number, seed: number): PricePanel {
  const rng = createRng(seed);
  const rows: number[][] = [];
  const level = Array.from({ length: N }, () => 50 + 50 * rng.next());
  let vix = Number.NaN;
  const ind: number[][] = [];
  for (let t = 0; t < T; t++) {
    rows.push(
      level.map((p, i) => {
        level[i] = p * Math.exp(0.015 * rng.normal());
        if (t < i * 15) return Number.NaN;
        return rng.next() < 0.01 ? Number.NaN : level[i]!;
      }),
    );
    if (t >= 40) vix = Number.isNaN(vix) ? 20 : Math.max(9, vix + rng.normal());
    ind.push([vix]);
  }
  return panelOf(rows, { names: ['VIX'], rows: ind });
}

const SMALL: Partial<FeatureSettings> = {
  returnHorizons: [1, 2],
  volWindows: [2, 3],
  ewmaLambda: 0.5,
  betaWindow: 3,
  drawdownWindow: 3,
  rankHorizons: [2],
  indicatorChangeDays: 2,
};

function at(features: FeaturePanel, t: number, i: number, name: string): number {
  const f = features.names.indexOf(name);
  expect(f, `feature ${name}`).toBeGreaterThanOrEqual(0);
  return features.values[(t * features.tickers.length + i) * features.names.length + f]!;
}

/** The features straight from their definitions, one (date, asset) at a time: the reference for the fast code. */
function reference(panel: PricePanel, s: Required<Omit<FeatureSettings, 'indicators'>>): Map<string, (t: number, i: number) => number> {
  const T = panel.dates.length;
  const N = panel.tickers.length;
  const price = (t: number, i: number) => panel.prices.data[t * N + i]!;
  const first = Array.from({ length: N }, (_, i) => {
    for (let t = 0; t < T; t++) if (Number.isFinite(price(t, i))) return t;
    return T;
  });
  const carried = (t: number, i: number) => {
    for (let u = t; u >= 0; u--) if (Number.isFinite(price(u, i))) return price(u, i);
    return Number.NaN;
  };
  const r = (t: number, i: number) => (t > first[i]! ? Math.log(carried(t, i)) - Math.log(carried(t - 1, i)) : Number.NaN);
  const m = (t: number) => {
    const rs = Array.from({ length: N }, (_, i) => r(t, i)).filter(Number.isFinite);
    return rs.length ? Math.log(1 + rs.reduce((a, x) => a + Math.exp(x) - 1, 0) / rs.length) : 0;
  };
  const marketStart = Math.min(...first) + 1;
  const sd = (xs: number[]) => {
    const mean = xs.reduce((a, x) => a + x, 0) / xs.length;
    return Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1));
  };
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => from + k);
  const out = new Map<string, (t: number, i: number) => number>();
  for (const h of s.returnHorizons) out.set(`ret_${h}`, (t, i) => (t - h >= first[i]! ? Math.log(carried(t, i) / carried(t - h, i)) : Number.NaN));
  const logVol = (dailySd: number) => Math.log(Math.max(1e-4, dailySd * Math.sqrt(252)));
  for (const w of s.volWindows) out.set(`log_vol_${w}`, (t, i) => (t - w >= first[i]! ? logVol(sd(range(t - w + 1, t).map((u) => r(u, i)))) : Number.NaN));
  out.set('log_ewma_vol', (t, i) => {
    if (t <= first[i]!) return Number.NaN;
    let v = r(first[i]! + 1, i) ** 2;
    for (let u = first[i]! + 1; u <= t; u++) v = s.ewmaLambda * v + (1 - s.ewmaLambda) * r(u, i) ** 2;
    return logVol(Math.sqrt(v));
  });
  out.set(`drawdown_${s.drawdownWindow}`, (t, i) =>
    t - s.drawdownWindow + 1 >= first[i]! ? carried(t, i) / Math.max(...range(t - s.drawdownWindow + 1, t).map((u) => carried(u, i))) - 1 : Number.NaN,
  );
  const moments = (t: number, i: number) => {
    const xs = range(t - s.betaWindow + 1, t).map((u) => r(u, i));
    const ys = range(t - s.betaWindow + 1, t).map(m);
    const mx = xs.reduce((a, x) => a + x, 0) / xs.length;
    const my = ys.reduce((a, y) => a + y, 0) / ys.length;
    let cov = 0;
    let vx = 0;
    let vy = 0;
    xs.forEach((x, k) => {
      cov += (x - mx) * (ys[k]! - my);
      vx += (x - mx) ** 2;
      vy += (ys[k]! - my) ** 2;
    });
    return { cov, vx, vy };
  };
  out.set(`beta_${s.betaWindow}`, (t, i) => (t - s.betaWindow >= first[i]! ? moments(t, i).cov / moments(t, i).vy : Number.NaN));
  out.set(`corr_${s.betaWindow}`, (t, i) => {
    if (t - s.betaWindow < first[i]!) return Number.NaN;
    const { cov, vx, vy } = moments(t, i);
    return cov / Math.sqrt(vx * vy);
  });
  const rank = (source: (t: number, i: number) => number) => (t: number, i: number) => {
    const v = source(t, i);
    if (!Number.isFinite(v)) return Number.NaN;
    const others = Array.from({ length: N }, (_, j) => source(t, j)).filter(Number.isFinite);
    if (others.length === 1) return 0;
    const below = others.filter((x) => x < v).length;
    const equal = others.filter((x) => x === v).length;
    return (below + (equal - 1) / 2) / (others.length - 1) - 0.5;
  };
  for (const h of s.rankHorizons) out.set(`rank_ret_${h}`, rank(out.get(`ret_${h}`)!));
  const longest = Math.max(...s.volWindows);
  out.set(`rank_vol_${longest}`, rank(out.get(`log_vol_${longest}`)!));
  for (const h of s.rankHorizons) out.set(`mkt_ret_${h}`, (t) => (t - h >= marketStart - 1 ? range(t - h + 1, t).reduce((a, u) => a + m(u), 0) : Number.NaN));
  out.set(`mkt_log_vol_${longest}`, (t) => (t - longest + 1 >= marketStart ? logVol(sd(range(t - longest + 1, t).map(m))) : Number.NaN));
  return out;
}

describe('computeFeatures on a tiny hand-checked panel', () => {
  // Two assets, eight days; A1 lists on day 1.
  const rows = [
    [100, Number.NaN],
    [110, 50],
    [99, 55],
    [108.9, 44],
    [120, 44],
    [96, 48.4],
    [96, 60.5],
    [105.6, 60.5],
  ];
  const panel = panelOf(rows);
  const features = computeFeatures(panel, SMALL);

  it('names the features in a fixed order', () => {
    expect(features.names).toEqual([
      'ret_1',
      'ret_2',
      'log_vol_2',
      'log_vol_3',
      'log_ewma_vol',
      'drawdown_3',
      'beta_3',
      'corr_3',
      'rank_ret_2',
      'rank_vol_3',
      'mkt_ret_2',
      'mkt_log_vol_3',
    ]);
  });

  it('matches values worked out by hand', () => {
    expect(at(features, 1, 0, 'ret_1')).toBeCloseTo(Math.log(1.1), 14);
    expect(at(features, 2, 0, 'ret_2')).toBeCloseTo(Math.log(0.99), 14);
    // Drawdown of A0 on day 5: window {108.9, 120, 96} → 96/120 − 1.
    expect(at(features, 5, 0, 'drawdown_3')).toBeCloseTo(-0.2, 14);
    // Realised volatility of A0 over days 1–2: returns ln 1.1 and ln 0.9.
    const a = Math.log(1.1);
    const b = Math.log(0.9);
    expect(at(features, 2, 0, 'log_vol_2')).toBeCloseTo(Math.log((Math.abs(a - b) / Math.SQRT2) * Math.sqrt(252)), 12);
    // Equal-weight index on day 2: A0 −10 %, A1 +10 % → 0; over days 1–2 only A0 on day 1 (+10 %).
    expect(at(features, 2, 1, 'mkt_ret_2')).toBeCloseTo(Math.log(1.1), 14);
    // Two assets: ranks are ±0.5; on day 3 A0's 2-day return (ln 1.089/1.1) beats A1's (ln 0.88).
    expect(at(features, 3, 0, 'rank_ret_2')).toBe(0.5);
    expect(at(features, 3, 1, 'rank_ret_2')).toBe(-0.5);
    // Day 7: A0 ln(105.6/96) ≈ 0.095 trails A1 ln(60.5/48.4) ≈ 0.223.
    expect(at(features, 7, 1, 'rank_ret_2')).toBe(0.5);
  });

  it('agrees with the features computed from their definitions', () => {
    const ref = reference(panel, SMALL as Required<Omit<FeatureSettings, 'indicators'>>);
    for (const [name, fn] of ref) {
      for (let t = 0; t < rows.length; t++) {
        for (let i = 0; i < 2; i++) {
          const expected = fn(t, i);
          const got = at(features, t, i, name);
          if (Number.isNaN(expected)) expect(got, `${name} t=${t} i=${i}`).toBeNaN();
          else expect(got, `${name} t=${t} i=${i}`).toBeCloseTo(expected, 11);
        }
      }
    }
  });

  it('marks a row valid exactly when the asset is priced and every feature is finite', () => {
    const F = features.names.length;
    for (let r = 0; r < rows.length * 2; r++) {
      const allFinite = Array.from(features.values.subarray(r * F, r * F + F)).every(Number.isFinite);
      expect(features.valid[r]).toBe(allFinite && Number.isFinite(panel.prices.data[r]!) ? 1 : 0);
    }
    // Longest look-back is 3 days: A0 (listed day 0) is valid from day 3, A1 (listed day 1) from day 4.
    expect(featureLookback(SMALL)).toBe(3);
    expect(Array.from({ length: 8 }, (_, t) => features.valid[t * 2])).toEqual([0, 0, 0, 1, 1, 1, 1, 1]);
    expect(Array.from({ length: 8 }, (_, t) => features.valid[t * 2 + 1])).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
  });
});

describe('computeFeatures on a longer random panel', () => {
  const panel = randomPanel(160, 5, 11);
  const settings: Partial<FeatureSettings> = { ...SMALL, returnHorizons: [1, 5, 20], volWindows: [5, 20], betaWindow: 30, drawdownWindow: 25, rankHorizons: [5, 20], indicators: [] };

  it('agrees with the definitions, including listings, gaps and carried-forward prices', () => {
    const features = computeFeatures(panel, settings);
    const ref = reference(panel, settings as Required<Omit<FeatureSettings, 'indicators'>>);
    for (const [name, fn] of ref) {
      for (let t = 0; t < 160; t += 3) {
        for (let i = 0; i < 5; i++) {
          const expected = fn(t, i);
          const got = at(features, t, i, name);
          if (Number.isNaN(expected)) expect(got, `${name} t=${t} i=${i}`).toBeNaN();
          else expect(got, `${name} t=${t} i=${i}`).toBeCloseTo(expected, 10);
        }
      }
    }
  });

  it('keeps ranks in [−0.5, 0.5] and gives tied values the same rank', () => {
    const tied = panelOf(Array.from({ length: 10 }, (_, t) => [100 + t, 100 + t, 100 - t]));
    const features = computeFeatures(tied, SMALL);
    expect(at(features, 5, 0, 'rank_ret_2')).toBe(at(features, 5, 1, 'rank_ret_2'));
    expect(at(features, 5, 0, 'rank_ret_2')).toBe(0.25);
    expect(at(features, 5, 2, 'rank_ret_2')).toBe(-0.5);
    const all = computeFeatures(panel, settings);
    const f = all.names.indexOf('rank_ret_20');
    for (let r = 0; r < all.valid.length; r++) {
      const v = all.values[r * all.names.length + f]!;
      if (Number.isFinite(v)) {
        expect(v).toBeGreaterThanOrEqual(-0.5);
        expect(v).toBeLessThanOrEqual(0.5);
      }
    }
  });

  it('adds each indicator as a shared level and change, invalid until it is observed', () => {
    const features = computeFeatures(panel, { ...settings, indicators: undefined });
    expect(features.names.slice(-2)).toEqual(['ind:VIX', 'ind:VIX:chg2']);
    const vix = (t: number) => panel.indicators!.values.data[t]!;
    for (const t of [60, 100, 159]) {
      for (let i = 0; i < 5; i++) {
        expect(at(features, t, i, 'ind:VIX')).toBe(vix(t));
        expect(at(features, t, i, 'ind:VIX:chg2')).toBe(vix(t) - vix(t - 2));
      }
    }
    // Day 41: the VIX exists but its 2-day change does not yet, so no row is valid.
    for (let i = 0; i < 5; i++) expect(features.valid[41 * 5 + i]).toBe(0);
    expect(computeFeatures(panel, settings).names.some((n) => n.startsWith('ind:'))).toBe(false);
    expect(() => computeFeatures(panel, { ...settings, indicators: ['MOVE'] })).toThrow(BallastError);
  });

  it('fills only the dates from options.from, identically to a full computation', () => {
    const all = computeFeatures(panel, settings);
    const tail = computeFeatures(panel, settings, { from: 150 });
    const F = all.names.length;
    const cut = 150 * 5;
    expect(Buffer.compare(Buffer.from(tail.values.buffer, cut * F * 8), Buffer.from(all.values.buffer, cut * F * 8))).toBe(0);
    expect(Array.from(tail.valid.subarray(cut))).toEqual(Array.from(all.valid.subarray(cut)));
    expect(tail.valid.subarray(0, cut).every((v) => v === 0)).toBe(true);
    expect(tail.values.subarray(0, cut * F).every(Number.isNaN)).toBe(true);
  });

  it('rejects inconsistent settings', () => {
    expect(() => computeFeatures(panel, { rankHorizons: [10] })).toThrow(/rank horizon 10/);
    expect(() => computeFeatures(panel, { volWindows: [1] })).toThrow(BallastError);
    expect(() => computeFeatures(panel, { ewmaLambda: 1 })).toThrow(BallastError);
  });
});

describe('no look-ahead', () => {
  const T = 420;
  const full = randomPanel(T, 6, 5);

  function cut(panel: PricePanel, last: number): PricePanel {
    const N = panel.tickers.length;
    return {
      dates: panel.dates.slice(0, last + 1),
      tickers: panel.tickers,
      prices: matrixFromData(last + 1, N, panel.prices.data.slice(0, (last + 1) * N)),
      indicators: { names: panel.indicators!.names, values: matrixFromData(last + 1, 1, panel.indicators!.values.data.slice(0, last + 1)) },
    };
  }

  function scrambled(panel: PricePanel, last: number, seed: number): PricePanel {
    const rng = createRng(seed);
    const prices = panel.prices.data.slice();
    const N = panel.tickers.length;
    for (let k = (last + 1) * N; k < prices.length; k++) prices[k] = rng.next() < 0.1 ? Number.NaN : prices[k]! * Math.exp(0.3 * rng.normal());
    const indicator = panel.indicators!.values.data.slice();
    for (let t = last + 1; t < T; t++) indicator[t] = 100 * rng.next();
    return { ...panel, prices: matrixFromData(T, N, prices), indicators: { names: panel.indicators!.names, values: matrixFromData(T, 1, indicator) } };
  }

  it.each([260, 300, 333, 419])('features dated ≤ day %i do not change when later prices are deleted or altered', (last) => {
    const reference = computeFeatures(full, {});
    const F = reference.names.length;
    const N = full.tickers.length;
    for (const other of [computeFeatures(cut(full, last), {}), computeFeatures(scrambled(full, last, last), {})]) {
      expect(other.names).toEqual(reference.names);
      const size = (last + 1) * N;
      expect(Array.from(other.valid.subarray(0, size))).toEqual(Array.from(reference.valid.subarray(0, size)));
      // Bit for bit, NaN included.
      const a = new Uint8Array(reference.values.buffer, 0, size * F * 8);
      const b = new Uint8Array(other.values.buffer, 0, size * F * 8);
      expect(Buffer.compare(a, b)).toBe(0);
    }
    // The panel is long enough for the default features to be valid somewhere before the cut.
    expect(reference.valid.subarray(0, (last + 1) * N).some((v) => v === 1)).toBe(true);
  });
});

describe('forwardLogReturns', () => {
  it('is log(p[t+h]/p[t]), NaN past the data or where a price is missing', () => {
    const panel = panelOf([
      [100, Number.NaN],
      [110, 20],
      [121, 22],
      [100, 24],
    ]);
    const y = forwardLogReturns(panel, 2);
    expect(y[0]).toBeCloseTo(Math.log(1.21), 14);
    expect(y[1]).toBeNaN();
    expect(y[2]).toBeCloseTo(Math.log(100 / 110), 14);
    expect(y[3]).toBeCloseTo(Math.log(24 / 20), 14);
    for (const k of [4, 5, 6, 7]) expect(y[k]).toBeNaN();
    expect(() => forwardLogReturns(panel, 0)).toThrow(BallastError);
  });
});
