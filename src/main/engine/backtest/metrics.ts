/**
 * Performance of an equity curve, in the conventions a PM reads in a factsheet:
 *
 * - daily simple returns r_t = E_t / E_{t−1} − 1 and the cash return c_t earned over the same day;
 * - CAGR over the calendar time from the first to the last date, (E_T / E_0)^(1/years) − 1, years = days / 365.25
 *   (calendar rather than trading days, so a market with 250 or 253 sessions a year reads the same);
 * - volatility = sample standard deviation of r × √252;
 * - Sharpe = mean(r − c) / sd(r − c) × √252 (excess over the cash actually earned, not over zero);
 * - Sortino = mean(r − c) / √(mean(min(r − c, 0)²)) × √252 — Sortino & Price (1994) downside deviation with
 *   the cash rate as the minimum acceptable return, averaged over every day (not only the down days);
 * - max drawdown = max_t (1 − E_t / max_{s≤t} E_s), a positive fraction; Calmar = CAGR / max drawdown.
 * A ratio whose denominator is zero (a flat or never-falling curve, or all cash) is reported as 0, so JSON, sorting and the
 * tuning objective stay well defined; real price data never hits that case.
 */

const TRADING_DAYS_PER_YEAR = 252;
const DAYS_PER_CALENDAR_YEAR = 365.25;
const MS_PER_DAY = 86_400_000;
/**
 * A daily excess-return spread below this is float rounding (an all-cash account's return minus its cash rate
 * differs by ~1e-17), not risk; dividing by it would report an arbitrary, huge Sharpe ratio.
 */
const NEGLIGIBLE_DAILY_SD = 1e-10;

export interface PerformanceMetrics {
  /** Compound annual growth rate, fraction (0.07 = 7 % a year). */
  cagr: number;
  /** Annualised volatility of daily returns, fraction. */
  volatility: number;
  /** Annualised Sharpe ratio of daily returns in excess of cash. */
  sharpe: number;
  /** Annualised Sortino ratio (downside deviation of excess returns below 0). */
  sortino: number;
  /** Largest peak-to-trough fall, positive fraction (0.25 = −25 %). */
  maxDrawdown: number;
  calmar: number;
  /** Annualised one-way turnover: half the traded value over portfolio value, per year. */
  turnover: number;
  /** Annualised trading costs as a fraction of portfolio value. */
  costDrag: number;
}

export interface TradingTotals {
  /** Σ over trades of |traded value| / portfolio value at the time, both sides counted (two-way). */
  traded: number;
  /** Σ over trades of cost / portfolio value at the time. */
  costs: number;
}

/**
 * Metrics of an equity curve. `cashDailyReturns[t]` is the cash return from t−1 to t (index 0 unused);
 * `totals` are sums of fractions of portfolio value over the period's trades.
 */
export function performanceMetrics(
  dates: readonly string[],
  equity: Float64Array,
  cashDailyReturns: Float64Array,
  totals: TradingTotals,
): PerformanceMetrics {
  const n = equity.length;
  if (dates.length !== n || cashDailyReturns.length !== n) {
    throw new Error(`metrics need one date, equity and cash return per day; got ${dates.length}, ${n}, ${cashDailyReturns.length}`);
  }
  const maxDrawdown = maxDrawdownOf(equity, 0, n);
  if (n < 2) {
    return { cagr: 0, volatility: 0, sharpe: 0, sortino: 0, maxDrawdown, calmar: 0, turnover: 0, costDrag: 0 };
  }
  const years = yearsBetween(dates[0]!, dates[n - 1]!);
  const growth = equity[n - 1]! / equity[0]!;
  const cagr = years > 0 ? Math.pow(growth, 1 / years) - 1 : 0;

  const m = n - 1;
  let meanReturn = 0;
  let meanExcess = 0;
  for (let t = 1; t < n; t++) {
    const r = equity[t]! / equity[t - 1]! - 1;
    meanReturn += r;
    meanExcess += r - cashDailyReturns[t]!;
  }
  meanReturn /= m;
  meanExcess /= m;
  let sumSquares = 0;
  let sumSquaresExcess = 0;
  let sumSquaresDownside = 0;
  for (let t = 1; t < n; t++) {
    const r = equity[t]! / equity[t - 1]! - 1;
    const excess = r - cashDailyReturns[t]!;
    sumSquares += (r - meanReturn) ** 2;
    sumSquaresExcess += (excess - meanExcess) ** 2;
    if (excess < 0) sumSquaresDownside += excess * excess;
  }
  const annualiser = Math.sqrt(TRADING_DAYS_PER_YEAR);
  const sd = m > 1 ? Math.sqrt(sumSquares / (m - 1)) : 0;
  const sdExcess = m > 1 ? Math.sqrt(sumSquaresExcess / (m - 1)) : 0;
  const downside = Math.sqrt(sumSquaresDownside / m);

  return {
    cagr,
    volatility: sd * annualiser,
    sharpe: sdExcess > NEGLIGIBLE_DAILY_SD ? (meanExcess / sdExcess) * annualiser : 0,
    sortino: downside > NEGLIGIBLE_DAILY_SD ? (meanExcess / downside) * annualiser : 0,
    maxDrawdown,
    calmar: maxDrawdown > 0 ? cagr / maxDrawdown : 0,
    turnover: years > 0 ? totals.traded / 2 / years : 0,
    costDrag: years > 0 ? totals.costs / years : 0,
  };
}

/** Largest fall from a running peak within equity[from, to), as a positive fraction; 0 for fewer than 2 points. */
export function maxDrawdownOf(equity: ArrayLike<number>, from: number, to: number): number {
  let peak = -Infinity;
  let worst = 0;
  for (let t = from; t < to; t++) {
    const e = equity[t]!;
    if (e > peak) peak = e;
    else if (peak > 0) worst = Math.max(worst, 1 - e / peak);
  }
  return worst;
}

/** Calendar years between two ISO dates. */
export function yearsBetween(from: string, to: string): number {
  return (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / MS_PER_DAY / DAYS_PER_CALENDAR_YEAR;
}
