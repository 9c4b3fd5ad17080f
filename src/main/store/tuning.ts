import { hostname } from 'node:os';
import { BallastError } from '../../shared/errors';
import { fromJsonText, nowIso, stmt, toJsonText, writeTransaction, type Db } from './internal';

/** What the table holds. */
export type StoredTuningRunStatus = 'running' | 'complete' | 'cancelled' | 'failed';
/** What a reader is told: a stored 'running' run whose process is gone reads as 'interrupted'. */
export type TuningRunStatusName = StoredTuningRunStatus | 'interrupted';
export type TuningSearchName = 'bayesian' | 'random' | 'grid';
export type TuningSourceName = 'design' | 'model' | 'feasibility' | 'warm-start' | 'random' | 'grid' | 'external';

/** The process that runs a tuning run: its id on its host. */
export interface TuningRunOwner {
  pid: number;
  host: string;
}

export interface TuningRunOwnerRecord extends TuningRunOwner {
  /** When the owner last showed it was alive: the start, a resume, each committed batch. */
  heartbeatAt: string;
}

/** This process, as the owner of the runs it starts or resumes. */
export function currentOwner(): TuningRunOwner {
  return { pid: process.pid, host: hostname() };
}

/**
 * How long a run owned on another host may go without a heartbeat before it reads as interrupted. Another host's
 * processes cannot be asked, so only silence tells; a batch takes seconds to a few minutes (q backtests on every
 * fold, the optimiser's ask), so half an hour of silence is a process that is gone, not a slow one.
 */
export const FOREIGN_OWNER_SILENCE_MS = 30 * 60_000;

/**
 * Whether a run's owner may still be running it. On this host the process is asked directly (signal 0: ESRCH =
 * no such process; EPERM = it exists under another user); on another host only the heartbeat tells. Anything
 * unclear counts as alive, so a run is never taken from a process that may still be writing it.
 */
export function ownerAlive(owner: TuningRunOwnerRecord, now: number = Date.now(), host: string = hostname()): boolean {
  if (owner.host !== host) {
    const beat = Date.parse(owner.heartbeatAt);
    return !Number.isFinite(beat) || now - beat < FOREIGN_OWNER_SILENCE_MS;
  }
  if (owner.pid === process.pid) return true;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

export interface TuningRunInputRecord {
  accountId: string;
  objective: 'sharpe' | 'sortino' | 'calmar' | 'utility';
  budget: number;
  batch: number;
  seed: number;
  /** The whole parsed input (JSON object). */
  input: object;
  space: readonly object[];
  priors: object;
  constraints: readonly object[];
  baseTheta: object;
  tickers: readonly string[];
  folds: readonly { from: string; to: string }[];
  testWindow: { from: string; to: string };
  modelRunId: number | null;
  warmStartFrom: number | null;
  /** Initial `state` (e.g. the run's derived plan); searches add their tuner state under their own key. */
  state?: object;
  createdAt?: string;
  /** The process that runs it (default: this one); its heartbeat starts at `createdAt`. */
  owner?: TuningRunOwner;
}

export interface TuningRunRecord {
  id: number;
  accountId: string;
  /** As read: 'interrupted' for a 'running' run whose owner is gone (see `ownerAlive`). */
  status: TuningRunStatusName;
  /** The process running it while the table says 'running' (alive or not); null once it stopped. */
  owner: TuningRunOwnerRecord | null;
  objective: TuningRunInputRecord['objective'];
  budget: number;
  batch: number;
  seed: number;
  input: unknown;
  space: unknown[];
  priors: Record<string, unknown>;
  constraints: unknown[];
  baseTheta: unknown;
  tickers: string[];
  folds: { from: string; to: string }[];
  testWindow: { from: string; to: string };
  modelRunId: number | null;
  warmStartFrom: number | null;
  /** Tuner state per search, as of the last committed batch. */
  state: Record<string, unknown>;
  best: unknown;
  testValue: number | null;
  comparison: unknown;
  importance: unknown[] | null;
  error: string | null;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
  acceptedAt: string | null;
  acceptedBy: string | null;
  acceptReason: string | null;
  /** Observations stored per search (a cheap count for lists and progress). */
  evaluations: Record<string, number>;
}

export interface TuningObservationInput {
  index: number;
  theta: Record<string, unknown>;
  folds: readonly (number | null)[];
  validation: number | null;
  feasible: boolean;
  reason: string | null;
  source: TuningSourceName;
  seconds: number;
  metrics: readonly unknown[];
}

export interface TuningObservationRecord extends TuningObservationInput {
  runId: number;
  search: TuningSearchName;
}

export interface TuningResultFields {
  best: object | null;
  testValue: number | null;
  comparison: object | null;
  importance: readonly object[] | null;
}

interface RunRow {
  id: number;
  accountId: string;
  status: StoredTuningRunStatus;
  objective: TuningRunInputRecord['objective'];
  budget: number;
  batch: number;
  seed: number;
  input: string;
  space: string;
  priors: string;
  constraints: string;
  baseTheta: string;
  tickers: string;
  folds: string;
  testWindow: string;
  modelRunId: number | null;
  warmStartFrom: number | null;
  state: string;
  best: string | null;
  testValue: number | null;
  comparison: string | null;
  importance: string | null;
  error: string | null;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
  acceptedAt: string | null;
  acceptedBy: string | null;
  acceptReason: string | null;
  ownerPid: number | null;
  ownerHost: string | null;
  heartbeatAt: string | null;
  evaluations: string;
}

const COLUMNS = `r.id, r.account_id AS accountId, r.status, r.objective, r.budget, r.batch, r.seed, r.input, r.space, r.priors,
  r.constraints, r.base_theta AS baseTheta, r.tickers, r.folds, r.test_window AS testWindow, r.model_run_id AS modelRunId,
  r.warm_start_from AS warmStartFrom, r.state, r.best, r.test_value AS testValue, r.comparison, r.importance, r.error,
  r.created_at AS createdAt, r.updated_at AS updatedAt, r.finished_at AS finishedAt, r.accepted_at AS acceptedAt,
  r.accepted_by AS acceptedBy, r.accept_reason AS acceptReason, r.owner_pid AS ownerPid, r.owner_host AS ownerHost, r.heartbeat_at AS heartbeatAt,
  (SELECT json_group_object(search, n) FROM (SELECT search, count(*) AS n FROM tuning_observations o WHERE o.run_id = r.id GROUP BY search)) AS evaluations`;

function toRecord(row: RunRow): TuningRunRecord {
  const { ownerPid, ownerHost, heartbeatAt, ...rest } = row;
  const owner = ownerPid !== null && ownerHost !== null && heartbeatAt !== null ? { pid: ownerPid, host: ownerHost, heartbeatAt } : null;
  return {
    ...rest,
    status: row.status === 'running' && owner !== null && !ownerAlive(owner) ? 'interrupted' : row.status,
    owner,
    input: fromJsonText(row.input),
    space: fromJsonText(row.space) as unknown[],
    priors: fromJsonText(row.priors) as Record<string, unknown>,
    constraints: fromJsonText(row.constraints) as unknown[],
    baseTheta: fromJsonText(row.baseTheta),
    tickers: fromJsonText(row.tickers) as string[],
    folds: fromJsonText(row.folds) as { from: string; to: string }[],
    testWindow: fromJsonText(row.testWindow) as { from: string; to: string },
    state: fromJsonText(row.state) as Record<string, unknown>,
    best: fromJsonText(row.best),
    comparison: fromJsonText(row.comparison),
    importance: fromJsonText(row.importance) as unknown[] | null,
    evaluations: (fromJsonText(row.evaluations) as Record<string, number> | null) ?? {},
  };
}

interface ObservationRow {
  runId: number;
  search: TuningSearchName;
  idx: number;
  theta: string;
  folds: string;
  validation: number | null;
  feasible: number;
  reason: string | null;
  source: TuningSourceName;
  seconds: number;
  metrics: string;
}

/**
 * Tuning runs and their evaluations. A run is written as it goes: each finished batch's observations and the
 * searches' new state in one transaction (`commitBatch`), so a reader — the Tuning screen polling a live run —
 * always sees a consistent prefix, and a killed run resumes from its last batch.
 */
export class TuningRepo {
  constructor(private readonly db: Db) {}

  create(input: TuningRunInputRecord): number {
    const at = input.createdAt ?? nowIso();
    const owner = input.owner ?? currentOwner();
    return stmt(
      this.db,
      `INSERT INTO tuning_runs (account_id, status, objective, budget, batch, seed, input, space, priors, constraints, base_theta, tickers,
         folds, test_window, model_run_id, warm_start_from, state, created_at, updated_at, owner_pid, owner_host, heartbeat_at)
       VALUES (?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
    )
      .pluck()
      .get(
        input.accountId,
        input.objective,
        input.budget,
        input.batch,
        input.seed,
        toJsonText(input.input),
        toJsonText(input.space),
        toJsonText(input.priors),
        toJsonText(input.constraints),
        toJsonText(input.baseTheta),
        toJsonText(input.tickers),
        toJsonText(input.folds),
        toJsonText(input.testWindow),
        input.modelRunId,
        input.warmStartFrom,
        toJsonText(input.state ?? {}),
        at,
        at,
        owner.pid,
        owner.host,
        at,
      ) as number;
  }

  get(id: number): TuningRunRecord | null {
    const row = stmt(this.db, `SELECT ${COLUMNS} FROM tuning_runs r WHERE r.id = ?`).get(id) as RunRow | undefined;
    return row ? toRecord(row) : null;
  }

  require(id: number): TuningRunRecord {
    const run = this.get(id);
    if (!run) throw new BallastError('NOT_FOUND', `There is no tuning run ${id}.`, { runId: id });
    return run;
  }

  /** Runs newest first, optionally for one account. */
  list(filter: { accountId?: string } = {}): TuningRunRecord[] {
    const rows = (
      filter.accountId === undefined
        ? stmt(this.db, `SELECT ${COLUMNS} FROM tuning_runs r ORDER BY r.id DESC`).all()
        : stmt(this.db, `SELECT ${COLUMNS} FROM tuning_runs r WHERE r.account_id = ? ORDER BY r.id DESC`).all(filter.accountId)
    ) as RunRow[];
    return rows.map(toRecord);
  }

  /** The account's most recently accepted run (the θ its proposals use), or null. */
  latestAccepted(accountId: string): TuningRunRecord | null {
    const id = stmt(this.db, 'SELECT id FROM tuning_runs WHERE account_id = ? AND accepted_at IS NOT NULL ORDER BY accepted_at DESC, id DESC LIMIT 1')
      .pluck()
      .get(accountId) as number | undefined;
    return id === undefined ? null : this.get(id);
  }

  observations(runId: number, search?: TuningSearchName): TuningObservationRecord[] {
    const rows = (
      search === undefined
        ? stmt(this.db, 'SELECT run_id AS runId, search, idx, theta, folds, validation, feasible, reason, source, seconds, metrics FROM tuning_observations WHERE run_id = ? ORDER BY search, idx').all(runId)
        : stmt(this.db, 'SELECT run_id AS runId, search, idx, theta, folds, validation, feasible, reason, source, seconds, metrics FROM tuning_observations WHERE run_id = ? AND search = ? ORDER BY idx').all(runId, search)
    ) as ObservationRow[];
    return rows.map((r) => ({
      runId: r.runId,
      search: r.search,
      index: r.idx,
      theta: fromJsonText(r.theta) as Record<string, unknown>,
      folds: fromJsonText(r.folds) as (number | null)[],
      validation: r.validation,
      feasible: r.feasible === 1,
      reason: r.reason,
      source: r.source,
      seconds: r.seconds,
      metrics: fromJsonText(r.metrics) as unknown[],
    }));
  }

  /**
   * One finished batch of one search: its observations and that search's new state, atomically, and the owner's
   * heartbeat. Observations must continue the search's sequence (index = count so far), so a batch can never be
   * written twice or skip one; only the run's owner writes, so a process whose run was taken over (read as
   * interrupted, then resumed elsewhere) cannot write into it.
   */
  commitBatch(runId: number, search: TuningSearchName, observations: readonly TuningObservationInput[], state: object, owner: TuningRunOwner = currentOwner()): void {
    writeTransaction(this.db, () => {
      this.requireOwned(runId, owner, 'takes evaluations');
      let next = stmt(this.db, 'SELECT count(*) FROM tuning_observations WHERE run_id = ? AND search = ?').pluck().get(runId, search) as number;
      const insert = stmt(
        this.db,
        `INSERT INTO tuning_observations (run_id, search, idx, theta, folds, validation, feasible, reason, source, seconds, metrics)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const o of observations) {
        if (o.index !== next) {
          throw new BallastError('INVALID_STATE', `Tuning run ${runId} (${search}): evaluation ${o.index} does not follow the ${next} stored.`, { runId, search, index: o.index, stored: next });
        }
        insert.run(runId, search, o.index, toJsonText(o.theta), toJsonText(o.folds), o.validation, o.feasible ? 1 : 0, o.reason, o.source, o.seconds, toJsonText(o.metrics));
        next++;
      }
      const at = nowIso();
      stmt(this.db, `UPDATE tuning_runs SET state = json_set(state, '$.' || ?, json(?)), updated_at = ?, heartbeat_at = ? WHERE id = ?`).run(search, toJsonText(state), at, at, runId);
    });
  }

  /** The owner shows it is alive without a batch to commit (e.g. before the test window). False if it no longer owns the run. */
  heartbeat(runId: number, owner: TuningRunOwner = currentOwner()): boolean {
    return (
      stmt(this.db, "UPDATE tuning_runs SET heartbeat_at = ? WHERE id = ? AND status = 'running' AND owner_pid = ? AND owner_host = ?").run(nowIso(), runId, owner.pid, owner.host)
        .changes > 0
    );
  }

  /**
   * A resume: `owner` takes the run over — a cancelled or failed run, or a running one whose owner is gone
   * (interrupted) — and it is running again. Refused for a complete run and for one another live process is
   * running. Checked and written in one write transaction, so two resumes of one run cannot both win.
   */
  takeOver(runId: number, owner: TuningRunOwner = currentOwner()): TuningRunRecord {
    return writeTransaction(this.db, () => {
      const run = this.require(runId);
      if (run.status === 'complete') throw new BallastError('INVALID_STATE', `Tuning run ${runId} is already complete; there is nothing to resume.`, { runId });
      if (run.status === 'running' && run.owner) {
        const where = run.owner.host === owner.host ? '' : ` on ${run.owner.host}`;
        throw new BallastError('INVALID_STATE', `Tuning run ${runId} is running in process ${run.owner.pid}${where}; stop it first.`, {
          runId,
          pid: run.owner.pid,
          host: run.owner.host,
          heartbeatAt: run.owner.heartbeatAt,
        });
      }
      const at = nowIso();
      stmt(this.db, "UPDATE tuning_runs SET status = 'running', error = NULL, owner_pid = ?, owner_host = ?, heartbeat_at = ?, updated_at = ? WHERE id = ?").run(
        owner.pid,
        owner.host,
        at,
        at,
        runId,
      );
      return this.require(runId);
    });
  }

  /**
   * The owner stops its run: cancelled, or failed with the reason. Returns false and changes nothing when `owner`
   * no longer runs it (it completed, or another process took it over), so a late failure cannot clobber a resume.
   */
  stop(runId: number, status: 'cancelled' | 'failed', error: string | null = null, owner: TuningRunOwner = currentOwner()): boolean {
    return (
      stmt(
        this.db,
        `UPDATE tuning_runs SET status = ?, error = ?, owner_pid = NULL, owner_host = NULL, heartbeat_at = NULL, updated_at = ?
         WHERE id = ? AND status = 'running' AND owner_pid = ? AND owner_host = ?`,
      ).run(status, error, nowIso(), runId, owner.pid, owner.host).changes > 0
    );
  }

  complete(runId: number, fields: TuningResultFields, owner: TuningRunOwner = currentOwner()): void {
    writeTransaction(this.db, () => {
      this.requireOwned(runId, owner, 'can be completed');
      const at = nowIso();
      stmt(
        this.db,
        `UPDATE tuning_runs SET status = 'complete', best = ?, test_value = ?, comparison = ?, importance = ?, error = NULL, finished_at = ?, updated_at = ?,
           owner_pid = NULL, owner_host = NULL, heartbeat_at = NULL
         WHERE id = ?`,
      ).run(
        fields.best === null ? null : toJsonText(fields.best),
        fields.testValue,
        fields.comparison === null ? null : toJsonText(fields.comparison),
        fields.importance === null ? null : toJsonText(fields.importance),
        at,
        at,
        runId,
      );
    });
  }

  /** Inside a write transaction: the run exists, is running, and `owner` runs it. */
  private requireOwned(runId: number, owner: TuningRunOwner, what: string): void {
    const row = stmt(this.db, 'SELECT status, owner_pid AS pid, owner_host AS host FROM tuning_runs WHERE id = ?').get(runId) as
      | { status: StoredTuningRunStatus; pid: number | null; host: string | null }
      | undefined;
    if (row === undefined) throw new BallastError('NOT_FOUND', `There is no tuning run ${runId}.`, { runId });
    if (row.status !== 'running') throw new BallastError('INVALID_STATE', `Tuning run ${runId} is ${row.status}; only a running run ${what}.`, { runId, status: row.status });
    if (row.pid !== owner.pid || row.host !== owner.host) {
      throw new BallastError('INVALID_STATE', `Tuning run ${runId} was taken over by process ${row.pid} on ${row.host}; this process (${owner.pid}) no longer runs it.`, {
        runId,
        pid: row.pid,
        host: row.host,
      });
    }
  }

  /** Records a PM's acceptance; the caller audits it in the same transaction. */
  accept(runId: number, by: string, reason: string | null, at: string = nowIso()): void {
    const changed = stmt(
      this.db,
      `UPDATE tuning_runs SET accepted_at = ?, accepted_by = ?, accept_reason = ?, updated_at = ? WHERE id = ? AND status = 'complete' AND best IS NOT NULL`,
    ).run(at, by, reason, at, runId).changes;
    if (changed === 0) {
      const run = this.require(runId);
      throw new BallastError('INVALID_STATE', `Tuning run ${runId} is ${run.status}${run.best === null ? ' without a feasible best point' : ''}; only a complete run with a feasible best can be accepted.`, { runId });
    }
  }
}
