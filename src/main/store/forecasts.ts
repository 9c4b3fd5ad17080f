import { BallastError } from '../../shared/errors';
import { requireTransaction, stmt, type Db } from './internal';

/** One stored forecast: the predictive of a security's log return over `horizon` trading days after `date`. */
export interface ForecastRowInput {
  /** The forecast (decision) date: features up to and including it. */
  date: string;
  securityId: number;
  horizon: number;
  mean: number;
  epistemicVar: number;
  aleatoricVar: number;
  lower50: number;
  upper50: number;
  lower90: number;
  upper90: number;
}

/**
 * Forecasts on a grid of dates × securities, row-major (date d, column j at `d * tickers.length + j`), NaN
 * where a security has no forecast on a date. The same shape as the engine's `ForecastSet`
 * (src/main/engine/forecast/types.ts) — declared here because the store may not import the engine — plus
 * the security ids of the columns, so a value of this type can be handed to the engine as it is.
 */
export interface StoredForecastSet {
  horizon: number;
  tickers: readonly string[];
  securityIds: readonly number[];
  /** Forecast dates with at least one row for the requested securities, strictly ascending. */
  dates: readonly string[];
  mean: Float64Array;
  epistemicVariance: Float64Array;
  aleatoricVariance: Float64Array;
  lower50: Float64Array;
  upper50: Float64Array;
  lower90: Float64Array;
  upper90: Float64Array;
}

/** What `forecastRows` reads: any object with the `ForecastSet` fields (the engine's, or a stored one). */
export type ForecastGrid = Omit<StoredForecastSet, 'securityIds'>;

const MIN_DATE = '0000-01-01';
const MAX_DATE = '9999-12-31';

type RawRow = [string, number, number, number, number, number, number, number, number, number];

export class ForecastsRepo {
  constructor(private readonly db: Db) {}

  /**
   * Writes rows for a run; a row for a (run, date, security) already stored replaces it (the forecasts of
   * the last dates may be recomputed once more prices arrive). Must run inside a transaction: callers go
   * through `ModelRunsRepo.saveBlock`, which writes the rows and the checkpoint that produced them together.
   */
  insertMany(modelRunId: number, rows: Iterable<ForecastRowInput>): number {
    requireTransaction(this.db, 'forecasts.insertMany');
    const put = stmt(
      this.db,
      `INSERT INTO forecasts (model_run_id, date, security_id, horizon, mean, epistemic_var, aleatoric_var, lower50, upper50, lower90, upper90)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (model_run_id, date, security_id) DO UPDATE SET
         horizon = excluded.horizon, mean = excluded.mean, epistemic_var = excluded.epistemic_var,
         aleatoric_var = excluded.aleatoric_var, lower50 = excluded.lower50, upper50 = excluded.upper50,
         lower90 = excluded.lower90, upper90 = excluded.upper90`,
    );
    let written = 0;
    for (const r of rows) {
      written += put.run(modelRunId, r.date, r.securityId, r.horizon, r.mean, r.epistemicVar, r.aleatoricVar, r.lower50, r.upper50, r.lower90, r.upper90).changes;
    }
    return written;
  }

  /**
   * A run's forecasts for `securityIds` (columns in that order) over an inclusive date range. One range scan
   * of the (run, date, security) key. Securities the run has no rows for are NaN columns; unknown security
   * ids are NOT_FOUND. `horizon` is the rows' horizon (a run forecasts one horizon; a mix is INVALID_STATE),
   * or the run's `config.horizonDays` when the range holds no rows.
   */
  read(modelRunId: number, securityIds: readonly number[], range: { from?: string; to?: string } = {}): StoredForecastSet {
    if (new Set(securityIds).size !== securityIds.length) {
      throw new BallastError('BAD_INPUT', 'forecasts.read: a security is listed twice', { securityIds });
    }
    const run = stmt(this.db, "SELECT json_extract(config, '$.horizonDays') FROM model_runs WHERE id = ?").raw(true).get(modelRunId) as [unknown] | undefined;
    if (!run) throw new BallastError('NOT_FOUND', `There is no model run ${modelRunId}.`, { modelRunId });
    const tickerOf = stmt(this.db, 'SELECT ticker FROM securities WHERE id = ?').pluck();
    const tickers = securityIds.map((id) => {
      const ticker = tickerOf.get(id) as string | undefined;
      if (ticker === undefined) throw new BallastError('NOT_FOUND', `There is no security ${id}.`, { securityId: id });
      return ticker;
    });
    const column = new Map(securityIds.map((id, j) => [id, j]));
    const rows = (
      stmt(
        this.db,
        `SELECT date, security_id, horizon, mean, epistemic_var, aleatoric_var, lower50, upper50, lower90, upper90
         FROM forecasts WHERE model_run_id = ? AND date BETWEEN ? AND ? ORDER BY date, security_id`,
      )
        .raw(true)
        .all(modelRunId, range.from ?? MIN_DATE, range.to ?? MAX_DATE) as RawRow[]
    ).filter((r) => column.has(r[1]));

    const dates: string[] = [];
    for (const r of rows) if (dates[dates.length - 1] !== r[0]) dates.push(r[0]);
    const horizons = new Set(rows.map((r) => r[2]));
    if (horizons.size > 1) {
      throw new BallastError('INVALID_STATE', `Model run ${modelRunId} holds forecasts for several horizons (${[...horizons].join(', ')}).`, { modelRunId });
    }
    const configured = typeof run[0] === 'number' ? run[0] : Number.NaN;
    const horizon = rows.length > 0 ? (rows[0] as RawRow)[2] : configured;

    const width = securityIds.length;
    const grid = () => new Float64Array(dates.length * width).fill(Number.NaN);
    const set: StoredForecastSet = {
      horizon,
      tickers,
      securityIds: [...securityIds],
      dates,
      mean: grid(),
      epistemicVariance: grid(),
      aleatoricVariance: grid(),
      lower50: grid(),
      upper50: grid(),
      lower90: grid(),
      upper90: grid(),
    };
    let d = -1;
    let previous = '';
    for (const r of rows) {
      if (r[0] !== previous) {
        d++;
        previous = r[0];
      }
      const at = d * width + (column.get(r[1]) as number);
      set.mean[at] = r[3];
      set.epistemicVariance[at] = r[4];
      set.aleatoricVariance[at] = r[5];
      set.lower50[at] = r[6];
      set.upper50[at] = r[7];
      set.lower90[at] = r[8];
      set.upper90[at] = r[9];
    }
    return set;
  }

  /** Rows stored for a run. */
  count(modelRunId: number): number {
    return stmt(this.db, 'SELECT count(*) FROM forecasts WHERE model_run_id = ?').pluck().get(modelRunId) as number;
  }
}

/**
 * The rows of a forecast grid (e.g. the engine's `ForecastSet` for one walk-forward block), column j being
 * `securityIds[j]`; cells whose mean is NaN are "no forecast" and produce no row.
 */
export function* forecastRows(set: ForecastGrid, securityIds: readonly number[], dates: readonly string[] = set.dates): Generator<ForecastRowInput> {
  const width = set.tickers.length;
  if (securityIds.length !== width) {
    throw new BallastError('BAD_INPUT', `forecastRows: ${securityIds.length} security ids for ${width} forecast columns`);
  }
  const wanted = new Set(dates);
  for (let d = 0; d < set.dates.length; d++) {
    const date = set.dates[d] as string;
    if (!wanted.has(date)) continue;
    for (let j = 0; j < width; j++) {
      const at = d * width + j;
      const mean = set.mean[at] as number;
      if (Number.isNaN(mean)) continue;
      yield {
        date,
        securityId: securityIds[j] as number,
        horizon: set.horizon,
        mean,
        epistemicVar: set.epistemicVariance[at] as number,
        aleatoricVar: set.aleatoricVariance[at] as number,
        lower50: set.lower50[at] as number,
        upper50: set.upper50[at] as number,
        lower90: set.lower90[at] as number,
        upper90: set.upper90[at] as number,
      };
    }
  }
}
