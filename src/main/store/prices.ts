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

/** A parsed price row as staged (see `PricesRepo.stage`). */
export interface StagedPrice {
  line: number;
  ticker: string;
  date: string;
  close: number;
  adjClose?: number | null;
  volume?: number | null;
}

const STAGE_ROWS_PER_STATEMENT = 100;
const STAGE_SQL = (rows: number) =>
  `INSERT INTO temp.price_stage (line, ticker, date, close, adj_close, volume) VALUES ${Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?)').join(', ')}`;

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
   * The scratch table of a streamed price file (SQLite TEMP: this connection's own, never in the database
   * file): rows are parked here while the file is read — with no lock on the database — then checked for
   * repeats and written with one INSERT … SELECT (`insertStaged`), so the commit runs at SQLite's own speed
   * instead of a JavaScript loop (issue 10). Empty at the start and end of every import (`clearStage`).
   */
  clearStage(): void {
    this.db.exec(`CREATE TEMP TABLE IF NOT EXISTS price_stage (
      seq INTEGER PRIMARY KEY, line INTEGER NOT NULL, ticker TEXT NOT NULL, date TEXT NOT NULL, close ANY, adj_close ANY, volume ANY)`);
    stmt(this.db, 'DELETE FROM temp.price_stage').run();
  }

  /** Parks parsed rows (file order) in the scratch table; several rows per statement. */
  stage(rows: readonly StagedPrice[]): void {
    const width = STAGE_ROWS_PER_STATEMENT;
    const many = stmt(this.db, STAGE_SQL(width));
    const one = stmt(this.db, STAGE_SQL(1));
    const params: unknown[] = [];
    let i = 0;
    for (; i + width <= rows.length; i += width) {
      params.length = 0;
      for (let k = i; k < i + width; k++) {
        const r = rows[k]!;
        params.push(r.line, r.ticker, r.date, r.close, r.adjClose ?? null, r.volume ?? null);
      }
      many.run(params);
    }
    for (; i < rows.length; i++) {
      const r = rows[i]!;
      one.run(r.line, r.ticker, r.date, r.close, r.adjClose ?? null, r.volume ?? null);
    }
  }

  /**
   * Staged rows that repeat an earlier row's ticker and date, with the line of the first one, in file order;
   * at most `limit`. SQLite sorts, so the file's keys are never held in memory.
   */
  stagedDuplicates(limit: number): { line: number; ticker: string; date: string; firstLine: number }[] {
    return stmt(
      this.db,
      `SELECT line, ticker, date, firstLine FROM (
         SELECT line, ticker, date, seq, first_value(line) OVER (PARTITION BY ticker, date ORDER BY seq) AS firstLine,
                row_number() OVER (PARTITION BY ticker, date ORDER BY seq) AS n
         FROM temp.price_stage)
       WHERE n > 1 ORDER BY seq LIMIT ?`,
    ).all(limit) as { line: number; ticker: string; date: string; firstLine: number }[];
  }

  /** Number of staged rows that repeat an earlier row's ticker and date. */
  stagedDuplicateCount(): number {
    return stmt(this.db, 'SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM temp.price_stage GROUP BY ticker, date HAVING n > 1)')
      .pluck()
      .get() as number;
  }

  /**
   * Writes the staged rows as observations of `importId`, securities matched by ticker (every staged ticker
   * must exist). Must run inside `store.transaction()`, like insertMany. Returns the number of rows written.
   */
  insertStaged(importId: number, opts: { onConflict?: PriceConflict } = {}): number {
    requireTransaction(this.db, 'prices.insertStaged');
    const conflict = opts.onConflict ?? 'replace';
    const clause =
      conflict === 'abort'
        ? ''
        : conflict === 'ignore'
          ? 'ON CONFLICT (security_id, date) DO NOTHING'
          : `ON CONFLICT (security_id, date) DO UPDATE SET
               close = excluded.close, adj_close = excluded.adj_close, volume = excluded.volume, import_id = excluded.import_id`;
    // In file order (the scratch table's rowid; CROSS JOIN keeps it the outer loop), not sorted: a price file runs
    // by date or by ticker, and either order already appends to the b-trees it feeds — each security's range of
    // the primary key, or the date index. Sorting into primary-key order instead cost a sort of every row (spilled
    // to disk at millions) and scattered a date-ordered file over the date index (issue 10; built CLI, alternated
    // runs into fresh databases: 2M rows by date 16.7 → 11.9 s; 200k rows by date 2 % faster, by ticker 6 %).
    return stmt(
      this.db,
      `INSERT INTO prices (security_id, date, close, adj_close, volume, import_id)
       SELECT s.id, p.date, p.close, p.adj_close, p.volume, ?
       FROM temp.price_stage p CROSS JOIN securities s ON s.ticker = p.ticker
       WHERE true ${clause}`,
    ).run(importId).changes;
  }

  /**
   * Adjusted close where the source gave one, else close, for each security over the range (inclusive).
   * Each security is one range scan of the (security_id, date) primary key. With `lastDates` only the newest
   * `lastDates` dates of the union (on or before `to`) are read — what a lookback window needs — so a proposal
   * does not read twenty years to use one (issue 10): each security's scan then stops after its own newest
   * `lastDates` rows, which always cover the union's newest `lastDates` dates.
   */
  priceMatrix(securityIds: readonly number[], range: DateRange & { lastDates?: number } = {}): PriceMatrix {
    if (new Set(securityIds).size !== securityIds.length) {
      throw new BallastError('BAD_INPUT', 'priceMatrix: a security is listed twice', { securityIds });
    }
    const from = range.from ?? MIN_DATE;
    const to = range.to ?? MAX_DATE;
    const last = range.lastDates;
    if (last !== undefined && !(Number.isInteger(last) && last >= 0)) throw new BallastError('BAD_INPUT', 'priceMatrix: lastDates must be a whole number ≥ 0', { lastDates: last });
    // Dates and values as two flat columns (no row arrays to allocate and collect): the newest-first scan for
    // a window is reversed in place.
    const dateSql = `SELECT date FROM prices WHERE security_id = ? AND date BETWEEN ? AND ? ORDER BY date${last === undefined ? '' : ' DESC LIMIT ?'}`;
    const valueSql = `SELECT coalesce(adj_close, close) FROM prices WHERE security_id = ? AND date BETWEEN ? AND ? ORDER BY date${last === undefined ? '' : ' DESC LIMIT ?'}`;
    const selectDates = stmt(this.db, dateSql).pluck();
    const selectValues = stmt(this.db, valueSql).pluck();
    const params = (id: number) => (last === undefined ? [id, from, to] : [id, from, to, last]);
    const read = () => securityIds.map((id) => {
      const dates = selectDates.all(...params(id)) as string[];
      const values = selectValues.all(...params(id)) as number[];
      if (last !== undefined) {
        dates.reverse();
        values.reverse();
      }
      return { dates, values };
    });
    // The two columns come from two statements: one read transaction keeps them from the same snapshot.
    const series = this.db.inTransaction ? read() : this.db.transaction(read).deferred();

    let dates: string[] = [];
    for (const s of series) dates = unionSorted(dates, s.dates);
    if (last !== undefined && dates.length > last) dates = dates.slice(dates.length - last);

    const width = securityIds.length;
    const values = new Float64Array(dates.length * width).fill(Number.NaN);
    series.forEach((s, column) => {
      // Both lists ascend: walk them together instead of looking each date up.
      let row = 0;
      for (let k = 0; k < s.dates.length; k++) {
        const date = s.dates[k]!;
        while (row < dates.length && dates[row]! < date) row++;
        if (row < dates.length && dates[row] === date) values[row * width + column] = s.values[k]!;
      }
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

  /** Every observation stored: counts the whole table (a demo's summary, tests), so not for every screen. */
  count(): number {
    return stmt(this.db, 'SELECT count(*) FROM prices').pluck().get() as number;
  }

  /** Whether any price is stored: one row read, where count() reads them all. */
  any(): boolean {
    return stmt(this.db, 'SELECT EXISTS (SELECT 1 FROM prices)').pluck().get() === 1;
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

  /**
   * The newest observation date of every security that has prices, by security id: one seek of the
   * (security_id, date) primary key per security, whatever the length of the history. (Counting every
   * security's rows instead read the whole table: 0.3 s at 2M rows, on every proposal — issue 10.)
   */
  lastDates(): Map<number, string> {
    const rows = stmt(this.db, 'SELECT s.id, (SELECT max(p.date) FROM prices p WHERE p.security_id = s.id) FROM securities s').raw(true).all() as [number, string | null][];
    const out = new Map<number, string>();
    for (const [id, date] of rows) if (date !== null) out.set(id, date);
    return out;
  }

  /** Whether the security has more than `n` observations: reads at most n + 1 of its rows. */
  hasMoreThan(securityId: number, n: number): boolean {
    if (!(Number.isInteger(n) && n >= 0)) throw new BallastError('BAD_INPUT', 'hasMoreThan: n must be a whole number ≥ 0', { n });
    return (stmt(this.db, 'SELECT count(*) FROM (SELECT 1 FROM prices WHERE security_id = ? LIMIT ?)').pluck().get(securityId, n + 1) as number) > n;
  }

  /** Distinct dates with at least one observation in the range, ascending. */
  dates(range: DateRange = {}): string[] {
    return stmt(this.db, 'SELECT DISTINCT date FROM prices WHERE date BETWEEN ? AND ? ORDER BY date')
      .pluck()
      .all(range.from ?? MIN_DATE, range.to ?? MAX_DATE) as string[];
  }
}

/** The ascending union of two ascending lists without repeats (a linear merge). */
function unionSorted(a: readonly string[], b: readonly string[]): string[] {
  if (a.length === 0) return [...b];
  if (b.length === 0) return [...a];
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === y) {
      out.push(x);
      i++;
      j++;
    } else if (x < y) {
      out.push(x);
      i++;
    } else {
      out.push(y);
      j++;
    }
  }
  while (i < a.length) out.push(a[i++]!);
  while (j < b.length) out.push(b[j++]!);
  return out;
}
