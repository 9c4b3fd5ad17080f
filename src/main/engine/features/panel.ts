import type { Matrix } from '../math/linalg';

/**
 * Market data on one trading calendar, oldest first: what every stage of the strategy reads. Built by the app
 * layer from the store (adjusted closes of the universe, indicator series, the cash rate), then handed to the
 * pure engine. Nothing in it is ever read past the decision date by a causal stage.
 */
export interface PricePanel {
  /** T trading dates, ISO `YYYY-MM-DD`, strictly ascending. */
  dates: readonly string[];
  /** N tickers, the column order of `prices`. */
  tickers: readonly string[];
  /** T×N adjusted closes; NaN where an asset has no price yet (before it listed) or the day is missing. */
  prices: Matrix;
  /** Per asset: 'equity' | 'fixed_income' | 'commodity' | 'real_estate' | 'other' (60/40 and class caps). */
  assetClasses?: readonly string[];
  /**
   * Optional shared inputs that are not tradeable (a VIX level, a credit spread, a yield-curve slope):
   * T×K values on the same dates, carried forward from the last observation on or before each date
   * (never backward), NaN before the first observation.
   */
  indicators?: { names: readonly string[]; values: Matrix };
  /**
   * Annualised simple cash yield per date as a fraction (the 13-week T-bill 5.2 % → 0.052), carried forward;
   * undefined when no rate series is imported (cash then earns 0). Cash accrues rate/252 per trading day.
   */
  cashRate?: Float64Array;
}

/** Index of the last date ≤ `date` (binary search), or −1 when every date is later. */
export function indexAtOrBefore(dates: readonly string[], date: string): number {
  let lo = 0;
  let hi = dates.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (dates[mid]! <= date) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}
