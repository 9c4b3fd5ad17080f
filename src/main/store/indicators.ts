import { BallastError } from '../../shared/errors';
import type { IndicatorRole, IndicatorUnit } from '../../shared/indicators';
import { nowIso, stmt, writeTransaction, type Db } from './internal';

export interface IndicatorInput {
  /** Upper case like a ticker (see the table's CHECK): 'VIX', 'TBILL-13W'. */
  name: string;
  unit: IndicatorUnit;
  role: IndicatorRole;
  /** Kept as it is when undefined; null clears it. */
  description?: string | null;
}

/** Maps 1:1 onto `Indicator` of the contract. */
export interface IndicatorRecord {
  id: number;
  name: string;
  description: string | null;
  unit: IndicatorUnit;
  role: IndicatorRole;
  count: number;
  firstDate: string | null;
  lastDate: string | null;
  createdAt: string;
}

export interface IndicatorPoint {
  /** YYYY-MM-DD */
  date: string;
  value: number;
}

export interface UpsertSeriesResult {
  indicator: IndicatorRecord;
  created: boolean;
  /** Rows inserted or whose value changed; a re-import of the same observations writes 0. */
  written: number;
}

export interface CashRateSeries {
  name: string;
  unit: IndicatorUnit;
  /** Annualised rate as a fraction per date (percent / 100), carried forward; NaN before the first observation. */
  values: Float64Array;
}

interface IndicatorRow {
  id: number;
  name: string;
  description: string | null;
  unit: IndicatorUnit;
  role: IndicatorRole;
  createdAt: string;
  count: number;
  firstDate: string | null;
  lastDate: string | null;
}

const RECORD_SQL = `SELECT i.id, i.name, i.description, i.unit, i.role, i.created_at AS createdAt,
    (SELECT count(*) FROM indicator_values v WHERE v.indicator_id = i.id) AS count,
    (SELECT min(date) FROM indicator_values v WHERE v.indicator_id = i.id) AS firstDate,
    (SELECT max(date) FROM indicator_values v WHERE v.indicator_id = i.id) AS lastDate
  FROM indicators i`;

const MAX_DATE = '9999-12-31';

export class IndicatorsRepo {
  constructor(private readonly db: Db) {}

  /**
   * Creates the series (or updates its role and description) and writes its observations, all in one
   * transaction — the caller's, when there is one. An observation on a date already stored replaces it,
   * so a corrected file corrects the series. Refuses a unit other than the stored one (INVALID_STATE):
   * mixing percent and fraction rows in one series would silently scale part of it by 100.
   */
  upsertSeries(input: IndicatorInput, points: Iterable<IndicatorPoint>): UpsertSeriesResult {
    return writeTransaction(this.db, () => {
      const existing = this.get(input.name);
      if (existing && existing.unit !== input.unit) {
        throw new BallastError(
          'INVALID_STATE',
          `Indicator ${input.name} is stored in ${existing.unit}; these observations are in ${input.unit}. Import them in ${existing.unit}, or under another name.`,
          { name: input.name, storedUnit: existing.unit, unit: input.unit },
        );
      }
      if (input.role === 'cash-rate' && existing?.role !== 'cash-rate') {
        const current = this.cashRateIndicator();
        if (current && current.name !== input.name) {
          throw new BallastError('INVALID_STATE', `${current.name} is already the cash rate; only one series can be. Import ${input.name} with role input.`, {
            name: input.name,
            cashRate: current.name,
          });
        }
      }
      let id: number;
      if (existing) {
        id = existing.id;
        stmt(this.db, 'UPDATE indicators SET role = ? WHERE id = ?').run(input.role, id);
        if (input.description !== undefined) stmt(this.db, 'UPDATE indicators SET description = ? WHERE id = ?').run(input.description, id);
      } else {
        id = stmt(this.db, 'INSERT INTO indicators (name, description, unit, role, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id')
          .pluck()
          .get(input.name, input.description ?? null, input.unit, input.role, nowIso()) as number;
      }
      // The WHERE turns an unchanged observation into a no-op, so `written` counts real changes.
      const put = stmt(
        this.db,
        `INSERT INTO indicator_values (indicator_id, date, value) VALUES (?, ?, ?)
         ON CONFLICT (indicator_id, date) DO UPDATE SET value = excluded.value WHERE value IS NOT excluded.value`,
      );
      let written = 0;
      for (const point of points) written += put.run(id, point.date, point.value).changes;
      return { indicator: this.getById(id) as IndicatorRecord, created: existing === null, written };
    });
  }

  get(name: string): IndicatorRecord | null {
    return (stmt(this.db, `${RECORD_SQL} WHERE i.name = ?`).get(name) as IndicatorRow | undefined) ?? null;
  }

  private getById(id: number): IndicatorRecord | null {
    return (stmt(this.db, `${RECORD_SQL} WHERE i.id = ?`).get(id) as IndicatorRow | undefined) ?? null;
  }

  /** Every series, by name. */
  list(): IndicatorRecord[] {
    return stmt(this.db, `${RECORD_SQL} ORDER BY i.name`).all() as IndicatorRow[];
  }

  /** The series whose role is 'cash-rate', if one was imported. */
  cashRateIndicator(): IndicatorRecord | null {
    return (stmt(this.db, `${RECORD_SQL} WHERE i.role = 'cash-rate'`).get() as IndicatorRow | undefined) ?? null;
  }

  /** One series' observations in date order (inclusive range). */
  values(name: string, range: { from?: string; to?: string } = {}): IndicatorPoint[] {
    const indicator = this.require(name);
    return stmt(this.db, 'SELECT date, value FROM indicator_values WHERE indicator_id = ? AND date BETWEEN ? AND ? ORDER BY date').all(
      indicator.id,
      range.from ?? '0000-01-01',
      range.to ?? MAX_DATE,
    ) as IndicatorPoint[];
  }

  /**
   * The named series on the given calendar (ascending dates), each value the last observation on or
   * before that date — carried forward, never backward, so a decision on date t sees only what was known
   * by t — and NaN before a series' first observation. Values stay in the series' own unit.
   * Row-major T×K like `PriceMatrix.values`: series `names[k]` on `dates[t]` is at `t * names.length + k`
   * (`matrixFromData(T, K, values)` makes it the engine's `PricePanel.indicators.values`).
   * Unknown names are NOT_FOUND.
   */
  aligned(names: readonly string[], dates: readonly string[]): Float64Array {
    assertAscending(dates);
    if (new Set(names).size !== names.length) throw new BallastError('BAD_INPUT', 'aligned: an indicator is listed twice', { names });
    const ids = names.map((name) => this.require(name).id);
    const rows = dates.length;
    const cols = names.length;
    const data = new Float64Array(rows * cols).fill(Number.NaN);
    const last = dates[rows - 1] ?? '';
    const select = stmt(this.db, 'SELECT date, value FROM indicator_values WHERE indicator_id = ? AND date <= ? ORDER BY date').raw(true);
    ids.forEach((id, k) => {
      if (rows === 0) return;
      const series = select.all(id, last) as [string, number][];
      carryForward(series, dates, (t, value) => {
        data[t * cols + k] = value;
      });
    });
    return data;
  }

  /**
   * The cash-rate series on the given calendar as an annualised fraction (percent / 100), carried forward
   * like `aligned`; null when no series has the role 'cash-rate'.
   */
  cashRate(dates: readonly string[]): CashRateSeries | null {
    const indicator = this.cashRateIndicator();
    if (!indicator) return null;
    const values = this.aligned([indicator.name], dates);
    const divisor = indicator.unit === 'percent' ? 100 : 1;
    return { name: indicator.name, unit: indicator.unit, values: values.map((v) => v / divisor) };
  }

  private require(name: string): IndicatorRecord {
    const indicator = this.get(name);
    if (!indicator) {
      const known = this.list().map((i) => i.name);
      throw new BallastError('NOT_FOUND', `There is no indicator ${name}.${known.length ? ` Indicators: ${known.join(', ')}.` : ' Import one first.'}`, { name });
    }
    return indicator;
  }
}

function assertAscending(dates: readonly string[]): void {
  for (let t = 1; t < dates.length; t++) {
    if ((dates[t] as string) <= (dates[t - 1] as string)) {
      throw new BallastError('BAD_INPUT', `aligned: dates must be strictly ascending (${dates[t - 1]} then ${dates[t]})`);
    }
  }
}

/** Two pointers over two ascending lists: each calendar date gets the last observation on or before it. */
function carryForward(series: readonly [string, number][], dates: readonly string[], set: (t: number, value: number) => void): void {
  let next = 0;
  let current = Number.NaN;
  for (let t = 0; t < dates.length; t++) {
    const date = dates[t] as string;
    while (next < series.length && (series[next] as [string, number])[0] <= date) {
      current = (series[next] as [string, number])[1];
      next++;
    }
    if (!Number.isNaN(current)) set(t, current);
  }
}
