/**
 * Causal features of each asset on each date: what the pooled forecasting network sees. Every value on date t is
 * a function of prices (and indicator values) dated ≤ t only, computed by forward recursions (running sums,
 * monotone queues, EWMA) that start at the panel's first date. So deleting or changing every price after T leaves
 * every feature dated ≤ T identical to the last bit — the no-look-ahead test checks exactly that.
 *
 * Per asset (with `ret_h` the log return over h days, all returns as fractions):
 *   ret_{h}        log(p[t] / p[t−h]) for each h in `returnHorizons`
 *   log_vol_{w}    log of the realised volatility of daily log returns over w days (sample sd, annualised ×√252)
 *   log_ewma_vol   log of the RiskMetrics EWMA volatility, σ²_t = λσ²_{t−1} + (1−λ)r_t², annualised
 *                  (volatilities enter as logs: a crash multiplies volatility by 3–5, which in levels puts the
 *                  inputs far outside the range the network was fitted on and a ReLU network extrapolates them
 *                  linearly into absurd variances; in logs it is a shift of about 1–1.5, and log-volatility is
 *                  what predicts log-variance. Floored at 0.01 % a year so a constant series stays finite.)
 *   drawdown_{w}   p[t] / max(p[t−w+1..t]) − 1 (≤ 0)
 *   beta_{w}, corr_{w}  of the asset's daily log returns on the equal-weight index's over w days
 *   rank_ret_{h}, rank_vol_{w}  cross-sectional rank among the assets with a value that day, in [−0.5, 0.5]
 * Shared by all assets on a date (the market regime, the same value in every asset's row):
 *   mkt_ret_{h}, mkt_log_vol_{w}  of the equal-weight index (rebalanced daily: its daily return is the mean simple
 *                             return of the assets listed by the day before; it includes the asset itself)
 *   ind:{name}, ind:{name}:chg{d}  each selected indicator's level and its change over d days
 *
 * A feature needs its full window: until an asset has `max(window)` days of history its rows are invalid, so the
 * network never sees a half-filled window. Indicators are NaN before their first observation; a row is valid
 * only when every feature is finite, so an indicator that starts late would void every earlier row. Which
 * indicators to use is therefore the caller's choice (`settings.indicators`): the walk-forward stage picks them
 * causally at its first fit (those observed on nearly every training date) and stores the choice with the model —
 * deciding here from the whole panel ("NaN on most dates") would let future data change past features.
 */
import { BallastError } from '../../../shared/errors';
import type { PricePanel } from './panel';

export interface FeatureSettings {
  /** Trading-day horizons of the log-return features. */
  returnHorizons: number[];
  /** Windows of the realised-volatility features. */
  volWindows: number[];
  /** RiskMetrics decay of the EWMA volatility (0.94 for daily data). */
  ewmaLambda: number;
  /** Window of beta and correlation to the equal-weight index. */
  betaWindow: number;
  /** Window of the trailing high in the drawdown feature. */
  drawdownWindow: number;
  /** Return horizons that also get a cross-sectional rank and a market (index) return; each in `returnHorizons`. */
  rankHorizons: number[];
  /** Indicator names (from panel.indicators) used as shared inputs; undefined = all of them, [] = none. */
  indicators?: readonly string[];
  /** Days of the indicators' change feature. */
  indicatorChangeDays: number;
}

export const DEFAULT_FEATURE_SETTINGS: Readonly<FeatureSettings> = Object.freeze({
  returnHorizons: [5, 21, 63, 126, 252],
  volWindows: [21, 63],
  ewmaLambda: 0.94,
  betaWindow: 126,
  drawdownWindow: 252,
  rankHorizons: [21, 252],
  indicatorChangeDays: 21,
});

export interface FeaturePanel {
  dates: readonly string[];
  tickers: readonly string[];
  names: readonly string[];
  /** T × N × F, index (t·N + i)·F + f. */
  values: Float64Array;
  /** t·N + i: 1 when the asset has a price on date t and every feature is finite. */
  valid: Uint8Array;
}

const TRADING_DAYS = 252;

function positiveInts(values: readonly number[], what: string): void {
  for (const v of values) {
    if (!Number.isInteger(v) || v < 1) throw new BallastError('BAD_INPUT', `${what} must be positive whole numbers of days, got ${v}.`, { what, value: v });
  }
}

/** The settings with defaults filled in and checked (a bad window is a caller's error, reported as BAD_INPUT). */
export function resolveFeatureSettings(settings: Partial<FeatureSettings> = {}): FeatureSettings {
  const s: FeatureSettings = {
    returnHorizons: [...(settings.returnHorizons ?? DEFAULT_FEATURE_SETTINGS.returnHorizons)],
    volWindows: [...(settings.volWindows ?? DEFAULT_FEATURE_SETTINGS.volWindows)],
    ewmaLambda: settings.ewmaLambda ?? DEFAULT_FEATURE_SETTINGS.ewmaLambda,
    betaWindow: settings.betaWindow ?? DEFAULT_FEATURE_SETTINGS.betaWindow,
    drawdownWindow: settings.drawdownWindow ?? DEFAULT_FEATURE_SETTINGS.drawdownWindow,
    rankHorizons: [...(settings.rankHorizons ?? DEFAULT_FEATURE_SETTINGS.rankHorizons)],
    indicatorChangeDays: settings.indicatorChangeDays ?? DEFAULT_FEATURE_SETTINGS.indicatorChangeDays,
    ...(settings.indicators ? { indicators: [...settings.indicators] } : {}),
  };
  positiveInts(s.returnHorizons, 'return horizons');
  positiveInts(s.rankHorizons, 'rank horizons');
  positiveInts([s.betaWindow, s.drawdownWindow, s.indicatorChangeDays], 'feature windows');
  positiveInts(s.volWindows, 'volatility windows');
  if (s.volWindows.length === 0) throw new BallastError('BAD_INPUT', 'at least one volatility window is needed (the volatility rank uses the longest).');
  if (s.volWindows.some((w) => w < 2) || s.betaWindow < 2) throw new BallastError('BAD_INPUT', 'volatility and beta windows need at least 2 days.');
  for (const h of s.rankHorizons) {
    if (!s.returnHorizons.includes(h)) throw new BallastError('BAD_INPUT', `rank horizon ${h} is not one of the return horizons.`, { rankHorizon: h });
  }
  if (!(s.ewmaLambda > 0 && s.ewmaLambda < 1)) throw new BallastError('BAD_INPUT', `ewmaLambda must lie in (0, 1), got ${s.ewmaLambda}.`);
  return s;
}

/** The longest look-back of any feature (days of prices before t that a feature on t reads). */
export function featureLookback(settings: Partial<FeatureSettings> = {}): number {
  const s = resolveFeatureSettings(settings);
  return Math.max(...s.returnHorizons, ...s.volWindows, s.betaWindow, s.drawdownWindow - 1, s.indicatorChangeDays);
}

/** The indicator columns the settings select, in panel order of `settings.indicators` (or all). */
function selectedIndicators(panel: PricePanel, settings: FeatureSettings): number[] {
  const names = panel.indicators?.names ?? [];
  if (!settings.indicators) return names.map((_, k) => k);
  return settings.indicators.map((name) => {
    const k = names.indexOf(name);
    if (k < 0) throw new BallastError('BAD_INPUT', `indicator "${name}" is not in the price panel.`, { indicator: name, available: [...names] });
    return k;
  });
}

/** Feature names in column order for these settings and indicator names. */
export function featureNames(settings: FeatureSettings, indicatorNames: readonly string[]): string[] {
  const longestVol = Math.max(...settings.volWindows);
  return [
    ...settings.returnHorizons.map((h) => `ret_${h}`),
    ...settings.volWindows.map((w) => `log_vol_${w}`),
    'log_ewma_vol',
    `drawdown_${settings.drawdownWindow}`,
    `beta_${settings.betaWindow}`,
    `corr_${settings.betaWindow}`,
    ...settings.rankHorizons.map((h) => `rank_ret_${h}`),
    `rank_vol_${longestVol}`,
    ...settings.rankHorizons.map((h) => `mkt_ret_${h}`),
    `mkt_log_vol_${longestVol}`,
    ...indicatorNames.flatMap((name) => [`ind:${name}`, `ind:${name}:chg${settings.indicatorChangeDays}`]),
  ];
}

interface Workspace {
  T: number;
  N: number;
  /** One T×N plane per feature (index t·N + i): each writer streams through its own plane, and one final pass
   * interleaves them, instead of every writer striding through the whole T×N×F array. */
  planes: Float64Array[];
  /** Log prices carried forward, T×N; NaN before each asset's first price. */
  logPrice: Float64Array;
  /** Daily log returns, T×N; NaN up to and including each asset's first priced date. */
  dailyReturn: Float64Array;
  /** First priced date of each asset (−1: never priced). */
  first: Int32Array;
  /** Equal-weight index daily log return (NaN before its first) and log level (NaN before its first price). */
  marketReturn: Float64Array;
  marketLevel: Float64Array;
  /** First date with an index return (−1: none). */
  marketStart: number;
}

function prepare(panel: PricePanel, F: number): Workspace {
  const T = panel.dates.length;
  const N = panel.tickers.length;
  const raw = panel.prices.data;
  // Log prices carried forward over gaps (a missing day is a zero return, the move lands when the price
  // reappears). Carrying forward only ever uses earlier values.
  const logPrice = new Float64Array(T * N).fill(Number.NaN);
  const first = new Int32Array(N).fill(-1);
  for (let i = 0; i < N; i++) {
    let last = Number.NaN;
    for (let t = 0; t < T; t++) {
      const p = raw[t * N + i]!;
      if (p > 0 && p < Infinity) {
        last = Math.log(p);
        if (first[i]! < 0) first[i] = t;
      }
      logPrice[t * N + i] = last;
    }
  }
  const dailyReturn = new Float64Array(T * N).fill(Number.NaN);
  for (let i = 0; i < N; i++) {
    const start = first[i]!;
    if (start < 0) continue;
    for (let t = start + 1; t < T; t++) dailyReturn[t * N + i] = logPrice[t * N + i]! - logPrice[(t - 1) * N + i]!;
  }
  // Equal-weight index: its daily log return is log of the mean simple return of the assets listed by the day
  // before (with carried-forward prices, an asset's missing day counts as a zero return).
  const marketReturn = new Float64Array(T).fill(Number.NaN);
  let marketStart = -1;
  for (let t = 1; t < T; t++) {
    let sum = 0;
    let count = 0;
    for (let i = 0; i < N; i++) {
      const r = dailyReturn[t * N + i]!;
      if (r === r) {
        sum += Math.expm1(r);
        count++;
      }
    }
    if (count > 0) {
      marketReturn[t] = Math.log1p(sum / count);
      if (marketStart < 0) marketStart = t;
    } else if (marketStart >= 0) marketReturn[t] = 0; // a day with no asset priced twice moves nothing
  }
  const marketLevel = new Float64Array(T).fill(Number.NaN);
  if (marketStart > 0) {
    let level = 0;
    marketLevel[marketStart - 1] = 0;
    for (let t = marketStart; t < T; t++) {
      level += marketReturn[t]!;
      marketLevel[t] = level;
    }
  }
  const planes = Array.from({ length: F }, () => new Float64Array(T * N).fill(Number.NaN));
  return { T, N, planes, logPrice, dailyReturn, first, marketReturn, marketLevel, marketStart };
}

function writeLogReturns(w: Workspace, horizon: number, col: number): void {
  const { T, N, logPrice, first } = w;
  const out = w.planes[col]!;
  for (let i = 0; i < N; i++) {
    if (first[i]! < 0) continue;
    for (let t = first[i]! + horizon; t < T; t++) out[t * N + i] = logPrice[t * N + i]! - logPrice[(t - horizon) * N + i]!;
  }
}

/** Annualised volatility floor of the log-volatility features (a constant price series has volatility 0). */
const VOLATILITY_FLOOR = 1e-4;

/** ln of the annualised volatility of a daily variance. */
function logVolatility(dailyVariance: number): number {
  return Math.log(Math.max(VOLATILITY_FLOOR, Math.sqrt(dailyVariance * TRADING_DAYS)));
}

/**
 * Rolling log of the sample standard deviation (annualised) of series[t·stride + offset] over `window` values ending at t,
 * from running sums, for t ≥ start + window − 1; written to out[t·stride + offset + c] for c < copies (copies > 1
 * broadcasts a shared series to every asset).
 */
function rollingVolatility(series: Float64Array, stride: number, offset: number, start: number, T: number, window: number, out: Float64Array, outStride: number, copies: number): void {
  let s1 = 0;
  let s2 = 0;
  for (let t = start; t < T; t++) {
    const v = series[t * stride + offset]!;
    s1 += v;
    s2 += v * v;
    if (t - window >= start) {
      const old = series[(t - window) * stride + offset]!;
      s1 -= old;
      s2 -= old * old;
    }
    if (t - window + 1 >= start) {
      const vol = logVolatility(Math.max(0, (s2 - (s1 * s1) / window) / (window - 1)));
      const k = t * outStride + offset;
      for (let c = 0; c < copies; c++) out[k + c] = vol;
    }
  }
}

function writeVolatility(w: Workspace, window: number, col: number): void {
  const { T, N, dailyReturn, first } = w;
  for (let i = 0; i < N; i++) {
    if (first[i]! < 0) continue;
    rollingVolatility(dailyReturn, N, i, first[i]! + 1, T, window, w.planes[col]!, N, 1);
  }
}

function writeEwmaVolatility(w: Workspace, lambda: number, col: number): void {
  const { T, N, dailyReturn, first } = w;
  const out = w.planes[col]!;
  // Seeded with the first squared return: its weight is λ^252 ≈ 2e-7 by the time the longest window is full
  // and the row becomes valid, so the seed does not matter.
  for (let i = 0; i < N; i++) {
    if (first[i]! < 0 || first[i]! + 1 >= T) continue;
    const r0 = dailyReturn[(first[i]! + 1) * N + i]!;
    let variance = r0 * r0;
    for (let t = first[i]! + 1; t < T; t++) {
      const r = dailyReturn[t * N + i]!;
      variance = lambda * variance + (1 - lambda) * r * r;
      out[t * N + i] = logVolatility(variance);
    }
  }
}

function writeDrawdown(w: Workspace, window: number, col: number): void {
  const { T, N, logPrice, first } = w;
  const out = w.planes[col]!;
  // Monotone queue of candidate maxima: O(T) per asset whatever the window.
  const queue = new Int32Array(T);
  for (let i = 0; i < N; i++) {
    const start = first[i]!;
    if (start < 0) continue;
    let head = 0;
    let tail = 0;
    for (let t = start; t < T; t++) {
      const lp = logPrice[t * N + i]!;
      while (tail > head && logPrice[queue[tail - 1]! * N + i]! <= lp) tail--;
      queue[tail++] = t;
      if (queue[head]! <= t - window) head++;
      if (t - window + 1 >= start) out[t * N + i] = Math.expm1(lp - logPrice[queue[head]! * N + i]!);
    }
  }
}

function writeBetaCorrelation(w: Workspace, window: number, col: number): void {
  const { T, N, dailyReturn, marketReturn, first } = w;
  const betaOut = w.planes[col]!;
  const corrOut = w.planes[col + 1]!;
  for (let i = 0; i < N; i++) {
    if (first[i]! < 0) continue;
    let sx = 0;
    let sy = 0;
    let sxx = 0;
    let syy = 0;
    let sxy = 0;
    const start = first[i]! + 1;
    for (let t = start; t < T; t++) {
      const x = dailyReturn[t * N + i]!;
      const y = marketReturn[t]!;
      sx += x;
      sy += y;
      sxx += x * x;
      syy += y * y;
      sxy += x * y;
      if (t - window >= start) {
        const ox = dailyReturn[(t - window) * N + i]!;
        const oy = marketReturn[t - window]!;
        sx -= ox;
        sy -= oy;
        sxx -= ox * ox;
        syy -= oy * oy;
        sxy -= ox * oy;
      }
      if (t - window + 1 >= start) {
        const cov = sxy - (sx * sy) / window;
        const varX = Math.max(0, sxx - (sx * sx) / window);
        const varY = Math.max(0, syy - (sy * sy) / window);
        // A flat index or a flat asset has no defined beta or correlation; 0 says "no co-movement" rather
        // than voiding the row (a constant series is a legitimate, if dull, asset).
        betaOut[t * N + i] = varY > 1e-300 ? cov / varY : 0;
        corrOut[t * N + i] = varX > 1e-300 && varY > 1e-300 ? Math.max(-1, Math.min(1, cov / Math.sqrt(varX * varY))) : 0;
      }
    }
  }
}

/**
 * Cross-sectional ranks of feature `source` written to feature `col`: average rank among the assets with a value
 * that day, scaled so the lowest is −0.5 and the highest +0.5 (0 when only one asset has a value).
 */
function writeRanks(w: Workspace, source: number, col: number, firstDate: number): void {
  const { T, N } = w;
  const from = w.planes[source]!;
  const out = w.planes[col]!;
  // Start each day from the previous day's order: rankings drift slowly, so the insertion sort below is close
  // to linear. Ties get their average position, so the output does not depend on how ties were ordered.
  const previous = new Int32Array(N);
  let previousCount = 0;
  const order = new Int32Array(N);
  const keys = new Float64Array(N);
  const placed = new Uint8Array(N);
  for (let t = firstDate; t < T; t++) {
    const row = t * N;
    placed.fill(0);
    let n = 0;
    // Two passes: yesterday's assets in yesterday's order, then any newcomer; each value is insertion-sorted in.
    for (let pass = 0; pass < 2; pass++) {
      const count = pass === 0 ? previousCount : N;
      for (let k = 0; k < count; k++) {
        const i = pass === 0 ? previous[k]! : k;
        const v = from[row + i]!;
        if (v !== v || placed[i] === 1) continue;
        placed[i] = 1;
        let m = n++;
        while (m > 0 && keys[m - 1]! > v) {
          keys[m] = keys[m - 1]!;
          order[m] = order[m - 1]!;
          m--;
        }
        keys[m] = v;
        order[m] = i;
      }
    }
    for (let k = 0; k < n; ) {
      let end = k + 1;
      while (end < n && keys[end] === keys[k]) end++;
      const scaled = n > 1 ? (k + end - 1) / 2 / (n - 1) - 0.5 : 0;
      for (let j = k; j < end; j++) out[row + order[j]!] = scaled;
      k = end;
    }
    previous.set(order.subarray(0, n));
    previousCount = n;
  }
}

function writeMarketReturn(w: Workspace, horizon: number, col: number): void {
  const { T, N, marketLevel, marketStart } = w;
  const out = w.planes[col]!;
  if (marketStart <= 0) return;
  for (let t = marketStart - 1 + horizon; t < T; t++) out.fill(marketLevel[t]! - marketLevel[t - horizon]!, t * N, t * N + N);
}

function writeIndicator(w: Workspace, indicator: Float64Array, stride: number, k: number, changeDays: number, col: number): void {
  const { T, N } = w;
  const levelOut = w.planes[col]!;
  const changeOut = w.planes[col + 1]!;
  for (let t = 0; t < T; t++) {
    const level = indicator[t * stride + k]!;
    levelOut.fill(level, t * N, t * N + N);
    changeOut.fill(t >= changeDays ? level - indicator[(t - changeDays) * stride + k]! : Number.NaN, t * N, t * N + N);
  }
}

/**
 * Features of every asset on every date (see the file comment for the list and their units). Rows before an
 * asset's first price, or with any feature still undefined (window not yet full, indicator not yet observed),
 * are marked invalid; their values may be NaN.
 *
 * `options.from`: only dates from this index on are filled (earlier rows are NaN and invalid); the recursions
 * still run from the first date, so the rows that are filled are the same as without it. For one date's features
 * (a proposal), where the cross-sectional ranks and the row assembly of every earlier date would be wasted work.
 */
export function computeFeatures(panel: PricePanel, settings: Partial<FeatureSettings> = {}, options: { from?: number } = {}): FeaturePanel {
  const s = resolveFeatureSettings(settings);
  const T = panel.dates.length;
  const N = panel.tickers.length;
  if (panel.prices.rows !== T || panel.prices.cols !== N) {
    throw new BallastError('BAD_INPUT', `price panel is ${panel.prices.rows}×${panel.prices.cols} but has ${T} dates and ${N} tickers.`);
  }
  const indicatorColumns = selectedIndicators(panel, s);
  const indicatorNames = indicatorColumns.map((k) => panel.indicators!.names[k]!);
  if (indicatorColumns.length > 0 && panel.indicators!.values.rows !== T) {
    throw new BallastError('BAD_INPUT', `indicator values have ${panel.indicators!.values.rows} rows but the panel has ${T} dates.`);
  }
  const names = featureNames(s, indicatorNames);
  const F = names.length;
  const from = Math.min(T, Math.max(0, Math.floor(options.from ?? 0)));
  const w = prepare(panel, F);

  let col = 0;
  for (const h of s.returnHorizons) writeLogReturns(w, h, col++);
  for (const window of s.volWindows) writeVolatility(w, window, col++);
  writeEwmaVolatility(w, s.ewmaLambda, col++);
  writeDrawdown(w, s.drawdownWindow, col++);
  writeBetaCorrelation(w, s.betaWindow, col);
  col += 2;
  const longestVol = Math.max(...s.volWindows);
  for (const h of s.rankHorizons) writeRanks(w, s.returnHorizons.indexOf(h), col++, from);
  writeRanks(w, s.returnHorizons.length + s.volWindows.indexOf(longestVol), col++, from);
  for (const h of s.rankHorizons) writeMarketReturn(w, h, col++);
  if (w.marketStart > 0) rollingVolatility(w.marketReturn, 1, 0, w.marketStart, T, longestVol, w.planes[col]!, N, N);
  col++;
  for (const k of indicatorColumns) {
    writeIndicator(w, panel.indicators!.values.data, panel.indicators!.values.cols, k, s.indicatorChangeDays, col);
    col += 2;
  }

  // Interleave the planes into rows and mark the rows whose features are all finite.
  const raw = panel.prices.data;
  const values = new Float64Array(T * N * F);
  values.fill(Number.NaN, 0, from * N * F);
  const valid = new Uint8Array(T * N);
  const { planes } = w;
  for (let r = from * N; r < T * N; r++) {
    let ok = raw[r]! > 0 && raw[r]! < Infinity ? 1 : 0;
    const base = r * F;
    for (let j = 0; j < F; j++) {
      const v = planes[j]![r]!;
      values[base + j] = v;
      // v − v is 0 for finite v and NaN for NaN or ±∞: one test for "finite".
      if (v - v !== 0) ok = 0;
    }
    valid[r] = ok;
  }
  return { dates: panel.dates, tickers: panel.tickers, names, values, valid };
}

/**
 * Realised log return over the next `horizon` days: log(p[t+h] / p[t]) at t·N + i; NaN when t + h is past the
 * data or either price is missing. The training target — never an input.
 */
export function forwardLogReturns(panel: PricePanel, horizon: number): Float64Array {
  if (!Number.isInteger(horizon) || horizon < 1) throw new BallastError('BAD_INPUT', `horizon must be a positive whole number of days, got ${horizon}.`);
  const T = panel.dates.length;
  const N = panel.tickers.length;
  const p = panel.prices.data;
  const out = new Float64Array(T * N).fill(Number.NaN);
  for (let t = 0; t + horizon < T; t++) {
    for (let i = 0; i < N; i++) {
      const a = p[t * N + i]!;
      const b = p[(t + horizon) * N + i]!;
      if (a > 0 && b > 0 && Number.isFinite(a) && Number.isFinite(b)) out[t * N + i] = Math.log(b / a);
    }
  }
  return out;
}
