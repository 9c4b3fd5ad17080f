import { BallastError } from '../../shared/errors';
import { matrixFromData } from '../engine/math/linalg';
import type { PricePanel } from '../engine/features/panel';
import type { SecurityRecord, Store } from '../store';

export interface PanelRequest {
  /** Tickers in the order wanted; default: every non-cash security with price history. */
  tickers?: readonly string[];
  /** Last date read (inclusive); default: the newest price. */
  to?: string;
  /**
   * Read only the newest `lastDates` dates of the universe's calendar ending at `to` — what a lookback window
   * needs (e.g. `lookbackDays + 1` for that many daily returns) — instead of the whole history. The panel's
   * values on those dates are the same as a full read's: a price missing on the first of them is carried
   * from the last earlier observation. Default: the whole history.
   */
  lastDates?: number;
}

export interface MarketPanel {
  panel: PricePanel;
  securities: SecurityRecord[];
  /** Per asset: the date of its last actual (not carried) price. */
  lastObserved: string[];
}

/**
 * The strategy's view of the store: adjusted closes of the universe on the union of their trading dates,
 * indicator series and the cash rate carried onto those dates.
 *
 * A missing price between two observations (a holiday on one exchange, a gap in a vendor file) is carried
 * forward from the last observation, so one missing day does not knock an asset out of a whole covariance
 * window; before an asset's first observation its prices stay NaN (not listed yet). Nothing is ever carried
 * backward, so every value on date t was known on t.
 */
export function loadMarketPanel(store: Store, request: PanelRequest = {}): MarketPanel {
  const all = store.securities.list().filter((s) => s.assetClass !== 'cash');
  const covered = store.prices.lastDates();
  let securities: SecurityRecord[];
  if (request.tickers && request.tickers.length > 0) {
    const byTicker = new Map(all.map((s) => [s.ticker.toUpperCase(), s]));
    const unknown = request.tickers.filter((t) => !byTicker.has(t.toUpperCase()));
    if (unknown.length) throw new BallastError('NOT_FOUND', `No security with ticker ${unknown.join(', ')} in the store; import its prices first.`, { tickers: unknown });
    securities = request.tickers.map((t) => byTicker.get(t.toUpperCase())!);
    const unpriced = securities.filter((s) => !covered.has(s.id)).map((s) => s.ticker);
    if (unpriced.length) throw new BallastError('INSUFFICIENT_DATA', `No price history for ${unpriced.join(', ')}: import it first.`, { tickers: unpriced });
  } else {
    securities = all.filter((s) => covered.has(s.id));
  }
  if (securities.length === 0) throw new BallastError('INSUFFICIENT_DATA', 'There is no price history in the store: import prices first.');
  const matrix = store.prices.priceMatrix(
    securities.map((s) => s.id),
    { ...(request.to ? { to: request.to } : {}), ...(request.lastDates !== undefined ? { lastDates: request.lastDates } : {}) },
  );
  const n = securities.length;
  const T = matrix.dates.length;
  const values = matrix.values;
  const lastObserved: string[] = new Array<string>(n).fill('');
  for (let i = 0; i < n; i++) {
    let last = NaN;
    if (request.lastDates !== undefined && T > 0 && Number.isNaN(values[i]!)) {
      // A window: what a full read would carry onto its first date is the last observation before it.
      const before = store.prices.latest(securities[i]!.id, matrix.dates[0]);
      if (before) {
        last = before.adjClose ?? before.close;
        lastObserved[i] = before.date;
      }
    }
    for (let t = 0; t < T; t++) {
      const v = values[t * n + i]!;
      if (Number.isNaN(v)) {
        if (!Number.isNaN(last)) values[t * n + i] = last;
      } else {
        last = v;
        lastObserved[i] = matrix.dates[t]!;
      }
    }
  }
  const panel: PricePanel = {
    dates: matrix.dates,
    tickers: securities.map((s) => s.ticker),
    prices: matrixFromData(T, n, values),
    assetClasses: securities.map((s) => s.assetClass),
  };
  const series = store.indicators.list();
  const inputs = series.filter((s) => s.role === 'input');
  if (inputs.length > 0) {
    const aligned = store.indicators.aligned(
      inputs.map((s) => s.name),
      matrix.dates,
    );
    panel.indicators = { names: inputs.map((s) => s.name), values: matrixFromData(T, inputs.length, aligned) };
  }
  const rate = series.find((s) => s.role === 'cash-rate');
  if (rate) {
    const aligned = store.indicators.aligned([rate.name], matrix.dates);
    const scale = rate.unit === 'percent' ? 0.01 : 1;
    panel.cashRate = Float64Array.from(aligned, (v) => (Number.isFinite(v) ? v * scale : 0));
  }
  return { panel, securities, lastObserved };
}
