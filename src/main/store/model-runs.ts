import { createHash } from 'node:crypto';
import { BallastError } from '../../shared/errors';
import { canonicalJson } from './audit';
import { ForecastsRepo, type ForecastRowInput } from './forecasts';
import { fromJsonText, nowIso, stmt, toJsonText, writeTransaction, type Db } from './internal';

export type ModelRunKind = 'bnn-walk-forward';
export type ModelRunStatus = 'running' | 'complete' | 'cancelled' | 'failed';

export interface ModelRunInput {
  kind?: ModelRunKind;
  /** The forecast config (e.g. `ForecastConfig`); stored as JSON, must be an object. */
  config: object;
  /** `modelRunConfigKey(...)` of the same config, seed and universe. */
  configKey: string;
  /** The ordered universe: forecast columns follow it. */
  tickers: readonly string[];
  seed: number;
  dataFrom: string;
  /** Last price date seen. */
  dataTo: string;
  /** `PricesRepo.fingerprint(securityIds, dataTo)` of the prices the run trains on. */
  dataFingerprint: string;
  /** Compute backend that trains it (e.g. 'cpu', 'wasm-simd'). */
  backend: string;
  codeVersion: string;
  status?: ModelRunStatus;
  createdAt?: string;
}

/** A run as listed: everything but the checkpoint itself. */
export interface ModelRunSummary {
  id: number;
  kind: ModelRunKind;
  config: unknown;
  configKey: string;
  tickers: string[];
  seed: number;
  dataFrom: string;
  dataTo: string;
  /** Last date whose realised target was trained on; null before the first block. */
  trainedThrough: string | null;
  lastForecastDate: string | null;
  dataFingerprint: string;
  status: ModelRunStatus;
  metrics: unknown;
  /** Size of the stored checkpoint (0 when there is none). */
  checkpointBytes: number;
  backend: string;
  codeVersion: string;
  createdAt: string;
  updatedAt: string;
}

/** One run with its checkpoint (`get`, `findLatest`): the serialised model and walk-forward state, null before the first block. */
export interface ModelRunRecord extends ModelRunSummary {
  checkpoint: Uint8Array | null;
}

/** What a walk-forward block moves forward with its forecasts; absent fields are left as they are. */
export interface SaveBlockFields {
  trainedThrough?: string | null;
  lastForecastDate?: string | null;
  /** An incremental update over appended prices extends the data range and its fingerprint. */
  dataTo?: string | null;
  dataFingerprint?: string | null;
  metrics?: object | null;
  status?: ModelRunStatus;
}

/** What `complete` records: the final checkpoint and metrics, and how far the run reaches. */
export interface CompleteFields extends Omit<SaveBlockFields, 'status'> {
  checkpoint?: Uint8Array | null;
}

export interface ModelRunFilter {
  configKey?: string;
  status?: ModelRunStatus;
  limit?: number;
}

interface ModelRunRow {
  id: number;
  kind: ModelRunKind;
  config: string;
  configKey: string;
  tickers: string;
  seed: number;
  dataFrom: string;
  dataTo: string;
  trainedThrough: string | null;
  lastForecastDate: string | null;
  dataFingerprint: string;
  status: ModelRunStatus;
  metrics: string | null;
  checkpointBytes: number;
  backend: string;
  codeVersion: string;
  createdAt: string;
  updatedAt: string;
}

// Everything but the checkpoint itself: a list of runs should not read megabytes of weights.
const COLUMNS = `id, kind, config, config_key AS configKey, tickers, seed, data_from AS dataFrom, data_to AS dataTo,
  trained_through AS trainedThrough, last_forecast_date AS lastForecastDate, data_fingerprint AS dataFingerprint,
  status, metrics, coalesce(length(checkpoint), 0) AS checkpointBytes, backend, code_version AS codeVersion,
  created_at AS createdAt, updated_at AS updatedAt`;

function toSummary(row: ModelRunRow): ModelRunSummary {
  return { ...row, config: fromJsonText(row.config), tickers: fromJsonText(row.tickers) as string[], metrics: fromJsonText(row.metrics) };
}

/** Runs a resumed or reused run may come from: a failed run's checkpoint is not trusted. */
const REUSABLE: readonly ModelRunStatus[] = ['running', 'complete', 'cancelled'];

/**
 * The stable key of a model run's identity: sha256 of the canonical JSON (sorted keys, no whitespace) of
 * kind, config, seed and the ordered universe. Two requests for the same model on the same universe find
 * the same run; reordering the universe is another model (forecast columns follow its order).
 */
export function modelRunConfigKey(input: { kind?: ModelRunKind; config: object; seed: number; tickers: readonly string[] }): string {
  return createHash('sha256')
    .update(canonicalJson({ kind: input.kind ?? 'bnn-walk-forward', config: input.config, seed: input.seed, tickers: input.tickers }))
    .digest('hex');
}

export class ModelRunsRepo {
  private readonly forecasts: ForecastsRepo;

  constructor(private readonly db: Db) {
    this.forecasts = new ForecastsRepo(db);
  }

  /** Stores a new run (status 'running' unless given); returns its id. */
  create(input: ModelRunInput): number {
    const at = input.createdAt ?? nowIso();
    const id = stmt(
      this.db,
      `INSERT INTO model_runs (kind, config, config_key, tickers, seed, data_from, data_to, data_fingerprint, status, backend, code_version, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
    )
      .pluck()
      .get(
        input.kind ?? 'bnn-walk-forward',
        toJsonText(input.config),
        input.configKey,
        toJsonText(input.tickers),
        input.seed,
        input.dataFrom,
        input.dataTo,
        input.dataFingerprint,
        input.status ?? 'running',
        input.backend,
        input.codeVersion,
        at,
        at,
      ) as number;
    return id;
  }

  get(id: number): ModelRunRecord | null {
    const row = stmt(this.db, `SELECT ${COLUMNS}, checkpoint FROM model_runs WHERE id = ?`).get(id) as (ModelRunRow & { checkpoint: Buffer | null }) | undefined;
    return row ? { ...toSummary(row), checkpoint: row.checkpoint } : null;
  }

  /** The serialised model and walk-forward state, or null when none was saved yet. */
  checkpoint(id: number): Uint8Array | null {
    const blob = stmt(this.db, 'SELECT checkpoint FROM model_runs WHERE id = ?').pluck().get(id) as Buffer | null | undefined;
    return blob ?? null;
  }

  /** The newest run with this config key and one of `statuses` (by default any but 'failed'). */
  findLatest(configKey: string, statuses: readonly ModelRunStatus[] = REUSABLE): ModelRunRecord | null {
    const id = stmt(this.db, 'SELECT id FROM model_runs WHERE config_key = ? AND status IN (SELECT value FROM json_each(?)) ORDER BY id DESC LIMIT 1')
      .pluck()
      .get(configKey, JSON.stringify(statuses)) as number | undefined;
    return id === undefined ? null : this.get(id);
  }

  /**
   * One walk-forward block, atomically: its forecast rows, the checkpoint after it (null keeps the stored
   * one) and how far the run now reaches. If anything fails nothing is written, so a run resumed from its
   * checkpoint never finds forecasts the checkpoint has not produced, nor a checkpoint ahead of its
   * forecasts. Joins the caller's transaction when there is one. Returns the forecast rows written.
   */
  saveBlock(runId: number, rows: Iterable<ForecastRowInput>, checkpoint: Uint8Array | null, fields: SaveBlockFields = {}): number {
    return writeTransaction(this.db, () => {
      if (!this.exists(runId)) throw new BallastError('NOT_FOUND', `There is no model run ${runId}.`, { modelRunId: runId });
      const written = this.forecasts.insertMany(runId, rows);
      stmt(
        this.db,
        `UPDATE model_runs SET
           checkpoint = coalesce(?, checkpoint),
           trained_through = coalesce(?, trained_through),
           last_forecast_date = coalesce(?, last_forecast_date),
           data_to = coalesce(?, data_to),
           data_fingerprint = coalesce(?, data_fingerprint),
           metrics = coalesce(?, metrics),
           status = coalesce(?, status),
           updated_at = ?
         WHERE id = ?`,
      ).run(
        checkpoint,
        fields.trainedThrough ?? null,
        fields.lastForecastDate ?? null,
        fields.dataTo ?? null,
        fields.dataFingerprint ?? null,
        fields.metrics === undefined || fields.metrics === null ? null : toJsonText(fields.metrics),
        fields.status ?? null,
        nowIso(),
        runId,
      );
      return written;
    });
  }

  /** Marks a run complete with its final checkpoint, metrics and reach, atomically (`saveBlock` without rows). */
  complete(runId: number, fields: CompleteFields = {}): void {
    const { checkpoint, ...rest } = fields;
    this.saveBlock(runId, [], checkpoint ?? null, { ...rest, status: 'complete' });
  }

  /** Moves a run to `status` (e.g. running again on resume, cancelled on a cancelled job, failed), optionally with its metrics. */
  setStatus(runId: number, status: ModelRunStatus, metrics?: object): void {
    const changes = stmt(this.db, 'UPDATE model_runs SET status = ?, metrics = coalesce(?, metrics), updated_at = ? WHERE id = ?').run(
      status,
      metrics === undefined ? null : toJsonText(metrics),
      nowIso(),
      runId,
    ).changes;
    if (changes === 0) throw new BallastError('NOT_FOUND', `There is no model run ${runId}.`, { modelRunId: runId });
  }

  /** Newest first, without checkpoints. */
  list(filter: ModelRunFilter = {}): ModelRunSummary[] {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (filter.configKey !== undefined) {
      where.push('config_key = ?');
      params.push(filter.configKey);
    }
    if (filter.status !== undefined) {
      where.push('status = ?');
      params.push(filter.status);
    }
    params.push(filter.limit ?? -1);
    return (
      stmt(this.db, `SELECT ${COLUMNS} FROM model_runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`).all(...params) as ModelRunRow[]
    ).map(toSummary);
  }

  private exists(id: number): boolean {
    return stmt(this.db, 'SELECT 1 FROM model_runs WHERE id = ?').pluck().get(id) !== undefined;
  }
}
