import { createHash } from 'node:crypto';
import { BallastError } from '../../shared/errors';
import { requireTransaction, stmt, type Db } from './internal';

export interface PriceInput {
  securityId: number;
  /** YYYY-MM-DD */
  date: string;
  close: number;
  adjClose?: number | null;
  volume?: number | null;
  importId?: number | null;
}

/** What to do when a (security, date) row already exists. */
export type PriceConflict = 'replace' | 'ignore' | 'abort';

export interface LatestPrice {
  securityId: number;
  date: string;
  close: number;
  adjClose: number | null;
}

export interface PricePoint {
  date: string;
  close: number;
  adjClose: number | null;
  volume: number | null;
}

export interface PriceCoverage {
  securityId: number;
  ticker: string;
  count: number;
  firstDate: string;
  lastDate: string;
}

/**
 * Adjusted closes on a shared calendar, ready for the engine. `values` is row-major: the price of
 * `securityIds[j]` on `dates[d]` is `values[d * securityIds.length + j]`, NaN where that security has
 * no observation on that date. `dates` is the ascending union of every listed security's dates.
 */
export interface PriceMatrix {
  securityIds: number[];
  dates: string[];
  values: Float64Array;
}

export interface DateRange {
  from?: string;
  to?: string;
}

const MIN_DATE = '0000-01-01';
const MAX_DATE = '9999-12-31';

const INSERT_SQL: Record<PriceConflict, string> = {
  abort: `INSERT INTO prices (security_id, date, close, adj_close, volume, import_id)
          VALUES (?, ?, ?, ?, ?, ?)`,
  ignore: `INSERT INTO prices (security_id, date, close, adj_close, volume, import_id)
           VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (security_id, date) DO NOTHING`,
  replace: `INSERT INTO prices (security_id, date, close, adj_close, volume, import_id)
            VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (security_id, date) DO UPDATE SET
              close = excluded.close, adj_close = excluded.adj_close,
              volume = excluded.volume, import_id = excluded.import_id`,
};

export class PricesRepo {
  constructor(private readonly db: Db) {}

  /**
   * Writes many rows with one prepared statement. Must run inside `store.transaction()` — the caller
   * owns the transaction so a whole file lands or none of it does. `replace` (the default) lets a newer
   * file correct earlier observations. Returns the number of rows written.
   */
  insertMany(rows: Iterable<PriceInput>, opts: { onConflict?: PriceConflict } = {}): number {
    requireTransaction(this.db, 'prices.insertMany');
    const insert = stmt(this.db, INSERT_SQL[opts.onConflict ?? 'replace']);
    let written = 0;
    for (const row of rows) {
      written += insert.run(row.securityId, row.date, row.close, row.adjClose ?? null, row.volume ?? null, row.importId ?? null).changes;
    }
    return written;
  }

  /**
   * Adjusted close where the source gave one, else close, for each security over the range (inclusive).
   * Each security is one range scan of the (security_id, date) primary key.
   */
  priceMatrix(securityIds: readonly number[], range: DateRange = {}): PriceMatrix {
    if (new Set(securityIds).size !== securityIds.length) {
      throw new BallastError('BAD_INPUT', 'priceMatrix: a security is listed twice', { securityIds });
    }
    const select = stmt(
      this.db,
      `SELECT date, coalesce(adj_close, close) FROM prices
       WHERE security_id = ? AND date BETWEEN ? AND ? ORDER BY date`,
    ).raw(true);
    const from = range.from ?? MIN_DATE;
    const to = range.to ?? MAX_DATE;
    const series = securityIds.map((id) => select.all(id, from, to) as [string, number][]);

    const dateSet = new Set<string>();
    for (const rows of series) for (const [date] of rows) dateSet.add(date);
    const dates = [...dateSet].sort();
    const rowOf = new Map(dates.map((date, index) => [date, index]));

    const width = securityIds.length;
    const values = new Float64Array(dates.length * width).fill(Number.NaN);
    series.forEach((rows, column) => {
      for (const [date, value] of rows) values[(rowOf.get(date) as number) * width + column] = value;
    });
    return { securityIds: [...securityIds], dates, values };
  }

  /** The last observation on or before `onOrBefore` (default: the latest there is). */
  latest(securityId: number, onOrBefore: string = MAX_DATE): LatestPrice | null {
    const row = stmt(
      this.db,
      `SELECT security_id AS securityId, date, close, adj_close AS adjClose FROM prices
       WHERE security_id = ? AND date <= ? ORDER BY date DESC LIMIT 1`,
    ).get(securityId, onOrBefore) as LatestPrice | undefined;
    return row ?? null;
  }

  /** `latest` for several securities; securities without any observation are absent from the map. */
  latestMany(securityIds: readonly number[], onOrBefore: string = MAX_DATE): Map<number, LatestPrice> {
    const result = new Map<number, LatestPrice>();
    for (const id of securityIds) {
      const price = this.latest(id, onOrBefore);
      if (price) result.set(id, price);
    }
    return result;
  }

  /** One security's observations in ascending date order (for charts and checks). */
  history(securityId: number, range: DateRange = {}): PricePoint[] {
    return stmt(
      this.db,
      `SELECT date, close, adj_close AS adjClose, volume FROM prices
       WHERE security_id = ? AND date BETWEEN ? AND ? ORDER BY date`,
    ).all(securityId, range.from ?? MIN_DATE, range.to ?? MAX_DATE) as PricePoint[];
  }

  count(): number {
    return stmt(this.db, 'SELECT count(*) FROM prices').pluck().get() as number;
  }

  /**
   * A cheap, stable fingerprint (64 hex) of the price history a model trains on: every (date, security,
   * adjusted close — close where there is none) row of `securityIds` dated on or before `to`. A model run
   * stores it; if the same call later gives another value, the history up to the run's last date was
   * restated (a vendor re-adjusted for a dividend or split, a price was corrected, a row was added or
   * removed) and the run must be retrained from scratch, whereas prices appended after `to` leave it
   * unchanged and only extend the run.
   *
   * Computed in SQL, one aggregate per security over its primary-key range: each row is mixed into two
   * integers modulo two primes below 2³¹ (price in units of 1e-9, date and security, squared so that
   * swapping values between rows changes the sum) and summed; count, sums and first and last date are
   * then hashed with the ids and `to`. Integer arithmetic only, so the value is the same on every run and
   * platform. It detects any change of a price by more than 1e-9 (far below any restatement), any row
   * added, removed or moved; it is a checksum, not a cryptographic hash.
   */
  fingerprint(securityIds: readonly number[], to: string): string {
    const aggregate = stmt(
      this.db,
      `WITH r AS (
         SELECT security_id AS s, CAST(replace(date, '-', '') AS INTEGER) AS d,
                CAST(coalesce(adj_close, close) * 1e9 AS INTEGER) AS p
         FROM prices WHERE security_id = ? AND date <= ?
       ), m AS (
         SELECT ((p % 2147483647) * 48271 + d * 69621 + s) % 2147483647 AS x,
                ((p % 2147483629) * 16807 + d * 40692 + s * 7) % 2147483629 AS y
         FROM r
       )
       SELECT count(*), coalesce(sum((x * x + 12345) % 2147483647), 0), coalesce(sum((y * y + 54321) % 2147483629), 0)
       FROM m`,
    ).raw(true);
    const bounds = stmt(this.db, 'SELECT min(date), max(date) FROM prices WHERE security_id = ? AND date <= ?').raw(true);
    const parts = securityIds.map((id) => [id, ...(aggregate.get(id, to) as unknown[]), ...(bounds.get(id, to) as unknown[])].join(':'));
    return createHash('sha256').update(`prices-v1|${to}|${parts.join('|')}`).digest('hex');
  }

  /** Observations per security with their first and last date, ordered by ticker. */
  coverage(): PriceCoverage[] {
    return stmt(
      this.db,
      `SELECT s.id AS securityId, s.ticker, count(*) AS count, min(p.date) AS firstDate, max(p.date) AS lastDate
       FROM prices p JOIN securities s ON s.id = p.security_id
       GROUP BY p.security_id ORDER BY s.ticker`,
    ).all() as PriceCoverage[];
  }

  /** Distinct dates with at least one observation in the range, ascending. */
  dates(range: DateRange = {}): string[] {
    return stmt(this.db, 'SELECT DISTINCT date FROM prices WHERE date BETWEEN ? AND ? ORDER BY date')
      .pluck()
      .all(range.from ?? MIN_DATE, range.to ?? MAX_DATE) as string[];
  }
}
