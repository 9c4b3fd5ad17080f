import { indexAtOrBefore } from '../features/panel';

/**
 * Walk-forward forecasts of each asset's log return over the next `horizon` trading days, as stored in the
 * `forecasts` table and read back by backtests, tuning runs and proposals. Row-major by forecast date, then
 * asset: value for date d, asset i at `d * tickers.length + i`. NaN where the asset had no valid features on
 * that date (not yet listed, too short a history).
 *
 * Units: log returns as fractions over the horizon (0.01 = +1 % over 21 days); variances in the same units
 * squared. Predictive = epistemic + aleatoric. Intervals are central quantiles of the predictive mixture.
 */
export interface ForecastSet {
  horizon: number;
  tickers: readonly string[];
  /** Forecast dates (each a trading date of the panel), strictly ascending. */
  dates: readonly string[];
  mean: Float64Array;
  epistemicVariance: Float64Array;
  aleatoricVariance: Float64Array;
  lower50: Float64Array;
  upper50: Float64Array;
  lower90: Float64Array;
  upper90: Float64Array;
}

/** One date's forecasts for the N assets (a view, in panel column order). */
export interface ForecastSlice {
  date: string;
  mean: Float64Array;
  epistemicVariance: Float64Array;
  aleatoricVariance: Float64Array;
  lower90: Float64Array;
  upper90: Float64Array;
}

/** The newest forecast date ≤ `date` as a slice, or undefined when there is none. Causal by construction. */
export function forecastAtOrBefore(set: ForecastSet, date: string): ForecastSlice | undefined {
  const found = indexAtOrBefore(set.dates, date);
  if (found < 0) return undefined;
  const n = set.tickers.length;
  const at = (a: Float64Array) => a.subarray(found * n, found * n + n);
  return {
    date: set.dates[found]!,
    mean: at(set.mean),
    epistemicVariance: at(set.epistemicVariance),
    aleatoricVariance: at(set.aleatoricVariance),
    lower90: at(set.lower90),
    upper90: at(set.upper90),
  };
}
