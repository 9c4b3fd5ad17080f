import type { AssetClass } from '../../shared/domain';
import { nowIso, requireTransaction, stmt, writeTransaction, type Db } from './internal';
import type { InstrumentTerms } from './securities';

export interface PositionInput {
  securityId: number;
  /** Decimal strings (see README): exact as the custodian reported them. */
  quantity: string;
  price?: string | null;
  marketValue?: string | null;
  costBasis?: string | null;
  /** FAMT: `quantity` is a face amount and `price` is per unit of face (see migration 0002). */
  quantityType?: 'UNIT' | 'FAMT';
}

export interface SnapshotInput {
  accountId: string;
  /** YYYY-MM-DD the custodian's positions are as of. */
  asOf: string;
  importId?: number | null;
  /** Decimal string. */
  cash: string;
  positions: readonly PositionInput[];
  createdAt?: string;
}

export interface SnapshotRecord {
  id: number;
  accountId: string;
  asOf: string;
  importId: number | null;
  cash: string;
  supersededBy: number | null;
  createdAt: string;
}

/** One holding with the security it refers to, ready to become a `PositionView`. */
export interface PositionRow extends InstrumentTerms {
  securityId: number;
  ticker: string;
  name: string;
  isin: string | null;
  cusip: string | null;
  sedol: string | null;
  figi: string | null;
  assetClass: AssetClass;
  currency: string;
  lotSize: number;
  quantity: string;
  price: string | null;
  marketValue: string | null;
  costBasis: string | null;
  quantityType: 'UNIT' | 'FAMT';
}

/** A holding as parked by a holdings import (see `PositionsRepo.stage`); the values only when it will be written. */
export interface StagedPosition {
  /** The import's own number for the statement (account and date) the line belongs to. */
  statement: number;
  /** The matched security's id, or a text key for one a preview would create. */
  security: number | string;
  line: number;
  /** The field a repeat is reported at (the identifier the line was matched by). */
  field: string;
  quantity?: string | null;
  price?: string | null;
  marketValue?: string | null;
  costBasis?: string | null;
  quantityType?: 'UNIT' | 'FAMT' | null;
}

const ROWS_PER_STATEMENT = 100;
const ADD_SQL = (rows: number) =>
  `INSERT INTO positions (snapshot_id, security_id, quantity, price, market_value, cost_basis, quantity_type) VALUES ${Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?, ?)').join(', ')}`;
/** Built once: a 3 KB text made and looked up per call cost more than a snapshot's other writes (issue 10). */
const ADD_MANY_SQL = ADD_SQL(ROWS_PER_STATEMENT);
const STAGE_SQL = (rows: number) =>
  `INSERT INTO temp.position_stage (stmt, security, line, field, quantity, price, market_value, cost_basis, quantity_type) VALUES ${Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`;

const SNAPSHOT_COLUMNS = `id, account_id AS accountId, as_of AS asOf, import_id AS importId, cash,
  superseded_by AS supersededBy, created_at AS createdAt`;

export class PositionsRepo {
  constructor(private readonly db: Db) {}

  /**
   * Stores a snapshot and its rows atomically. A live snapshot for the same account and date is marked
   * superseded by the new one (its rows stay, for the record); returns the ids it superseded.
   */
  createSnapshot(input: SnapshotInput): { snapshot: SnapshotRecord; superseded: number[] } {
    if (this.db.inTransaction && input.positions.length === 0 && this.liveSnapshot(input.accountId, input.asOf) === null) {
      // Nothing to supersede and no rows to add (how an import opens each statement's snapshot): one INSERT, atomic by
      // itself, without the savepoint, max(id) and UPDATE below: 2.2 → 1.3 s for the snapshots of a file over 100,000
      // accounts (profiled; issue 10). SQLite gives it max(id) + 1, the id the path below names.
      const snapshot = stmt(
        this.db,
        `INSERT INTO position_snapshots (account_id, as_of, import_id, cash, created_at) VALUES (?, ?, ?, ?, ?) RETURNING ${SNAPSHOT_COLUMNS}`,
      ).get(input.accountId, input.asOf, input.importId ?? null, input.cash, input.createdAt ?? nowIso()) as SnapshotRecord;
      return { snapshot, superseded: [] };
    }
    return writeTransaction(this.db, () => {
      // The live-snapshot unique index allows one live row per (account, date), so the old one must
      // point at the new id before the new row exists; the FK is deferred to commit for that reason.
      // Inside the write transaction max(id)+1 is exactly the id SQLite would assign.
      const newId = (stmt(this.db, 'SELECT coalesce(max(id), 0) + 1 FROM position_snapshots').pluck().get() as number);
      const superseded = stmt(
        this.db,
        `UPDATE position_snapshots SET superseded_by = ?
         WHERE account_id = ? AND as_of = ? AND superseded_by IS NULL RETURNING id`,
      )
        .pluck()
        .all(newId, input.accountId, input.asOf) as number[];
      const snapshot = stmt(
        this.db,
        `INSERT INTO position_snapshots (id, account_id, as_of, import_id, cash, created_at)
         VALUES (?, ?, ?, ?, ?, ?) RETURNING ${SNAPSHOT_COLUMNS}`,
      ).get(newId, input.accountId, input.asOf, input.importId ?? null, input.cash, input.createdAt ?? nowIso()) as SnapshotRecord;
      this.addPositions(newId, input.positions);
      return { snapshot, superseded };
    });
  }

  /**
   * Adds holdings to a snapshot created in the same transaction — how a streamed file writes its rows
   * in batches without holding them all. Must run inside `store.transaction()`.
   */
  addPositions(snapshotId: number, positions: Iterable<PositionInput>): number {
    requireTransaction(this.db, 'positions.addPositions');
    // Several rows per statement: one call into SQLite per row was most of a large import's write (issue 10).
    const many = stmt(this.db, ADD_MANY_SQL);
    const params: unknown[] = [];
    let pending = 0;
    let written = 0;
    for (const p of positions) {
      params.push(snapshotId, p.securityId, p.quantity, p.price ?? null, p.marketValue ?? null, p.costBasis ?? null, p.quantityType ?? 'UNIT');
      written++;
      if (++pending === ROWS_PER_STATEMENT) {
        many.run(params);
        params.length = 0;
        pending = 0;
      }
    }
    if (pending > 0) stmt(this.db, ADD_SQL(pending)).run(params);
    return written;
  }

  /**
   * The scratch table of a holdings import (SQLite TEMP: this connection's own, never in the database file):
   * each accepted holding is parked here with its statement, matched security and line while the file is fed,
   * so repeats are found by SQL (`stagedDuplicates`) instead of a map per holding, and the rows are written with
   * one INSERT … SELECT per statement (`insertStaged`) — memory stays flat whatever the file's size (issue 10).
   * Empty at the start and end of every import (`clearStage`).
   */
  clearStage(): void {
    // Written once, sorted once, read once: a small page cache does (the build's default is 16 MB per database).
    this.db.pragma('temp.cache_size = -2000');
    this.db.exec(`CREATE TEMP TABLE IF NOT EXISTS position_stage (
      seq INTEGER PRIMARY KEY, stmt INTEGER NOT NULL, security ANY NOT NULL, line INTEGER NOT NULL, field TEXT NOT NULL,
      quantity TEXT, price TEXT, market_value TEXT, cost_basis TEXT, quantity_type TEXT);
      DROP INDEX IF EXISTS temp.position_stage_key`);
    stmt(this.db, 'DELETE FROM temp.position_stage').run();
  }

  /**
   * Indexes the staged holdings by statement and security, once the file is staged: one sort instead of an
   * index kept up to date row by row. The queries below need it (`indexStage` first).
   */
  indexStage(): void {
    this.db.exec('CREATE INDEX IF NOT EXISTS temp.position_stage_key ON position_stage (stmt, security, seq)');
  }

  /** Parks holdings (file order) in the scratch table; several rows per statement. */
  stage(rows: readonly StagedPosition[]): void {
    const width = ROWS_PER_STATEMENT;
    const params: unknown[] = [];
    const push = (r: StagedPosition) =>
      params.push(r.statement, r.security, r.line, r.field, r.quantity ?? null, r.price ?? null, r.marketValue ?? null, r.costBasis ?? null, r.quantityType ?? null);
    let i = 0;
    if (rows.length >= width) {
      const many = stmt(this.db, STAGE_SQL(width));
      for (; i + width <= rows.length; i += width) {
        params.length = 0;
        for (let k = i; k < i + width; k++) push(rows[k]!);
        many.run(params);
      }
    }
    if (i < rows.length) {
      params.length = 0;
      for (let k = i; k < rows.length; k++) push(rows[k]!);
      stmt(this.db, STAGE_SQL(rows.length - i)).run(params);
    }
  }

  /**
   * Staged holdings that repeat an earlier holding's security in the same statement, with the line of the
   * first one, in file order; at most `limit`. SQLite sorts, so the file's keys are never held in memory.
   */
  stagedDuplicates(limit: number): { statement: number; security: number | string; line: number; field: string; firstLine: number }[] {
    return stmt(
      this.db,
      `SELECT statement, security, line, field, firstLine FROM (
         SELECT stmt AS statement, security, line, field, seq,
                first_value(line) OVER (PARTITION BY stmt, security ORDER BY seq) AS firstLine,
                row_number() OVER (PARTITION BY stmt, security ORDER BY seq) AS n
         FROM temp.position_stage)
       WHERE n > 1 ORDER BY seq LIMIT ?`,
    ).all(limit) as { statement: number; security: number | string; line: number; field: string; firstLine: number }[];
  }

  /** Per statement, the number of staged holdings that repeat an earlier one's security (statements without repeats left out). */
  stagedDuplicateCounts(): Map<number, number> {
    const rows = stmt(
      this.db,
      `SELECT stmt, sum(n - 1) AS repeats FROM (SELECT stmt, count(*) AS n FROM temp.position_stage GROUP BY stmt, security HAVING n > 1) GROUP BY stmt`,
    ).all() as { stmt: number; repeats: number }[];
    return new Map(rows.map((r) => [r.stmt, r.repeats]));
  }

  /**
   * The securities held in snapshot `snapshotId` that no staged holding of statement `statement` matched, by id:
   * usually none, so nothing is built per holding the file lists.
   */
  unstagedSecuritiesOf(statement: number, snapshotId: number): number[] {
    return stmt(
      this.db,
      `SELECT p.security_id FROM positions p
       WHERE p.snapshot_id = ? AND NOT EXISTS (SELECT 1 FROM temp.position_stage s WHERE s.stmt = ? AND s.security = p.security_id)`,
    )
      .pluck()
      .all(snapshotId, statement) as number[];
  }

  /**
   * Writes the staged holdings of every statement in `snapshots` (statement, the snapshot it becomes) with one
   * INSERT … SELECT — the first line of each security only (repeats were reported). Staged securities must be
   * ids by then. Must run inside `store.transaction()`. Returns the number of rows written.
   */
  insertStaged(snapshots: Iterable<readonly [number, number]>): number {
    requireTransaction(this.db, 'positions.insertStaged');
    this.db.exec('CREATE TEMP TABLE IF NOT EXISTS position_stage_snapshots (stmt INTEGER PRIMARY KEY, snapshot_id INTEGER NOT NULL)');
    stmt(this.db, 'DELETE FROM temp.position_stage_snapshots').run();
    const map = stmt(this.db, 'INSERT INTO temp.position_stage_snapshots (stmt, snapshot_id) VALUES (?, ?)');
    for (const [statement, snapshotId] of snapshots) map.run(statement, snapshotId);
    // One pass over the staged rows in file order (the scratch table's rowid, NOT INDEXED and the outer loop: walking
    // an index would fetch its rows one by one), unsorted: each row lands in its own new snapshot's range of the
    // table's b-tree wherever the file puts it, and a sort into primary-key order cost more than it saved (issue 10;
    // built CLI, alternated runs: 200k rows 10 % faster without it, the next day's file 7 %, 2M rows 9 %; peak RSS
    // 4–9 MB lower). A repeat of a security (already reported) comes after the first line's row, meets it and is
    // left out; the snapshots are new, so nothing else can conflict.
    const written = stmt(
      this.db,
      `INSERT INTO positions (snapshot_id, security_id, quantity, price, market_value, cost_basis, quantity_type)
       SELECT m.snapshot_id, s.security, s.quantity, s.price, s.market_value, s.cost_basis, coalesce(s.quantity_type, 'UNIT')
       FROM temp.position_stage s NOT INDEXED CROSS JOIN temp.position_stage_snapshots m ON m.stmt = s.stmt
       WHERE true
       ON CONFLICT (snapshot_id, security_id) DO NOTHING`,
    ).run().changes;
    stmt(this.db, 'DELETE FROM temp.position_stage_snapshots').run();
    return written;
  }

  /**
   * Sets the cash of a snapshot created in the same transaction (a streamed file sums its cash lines as
   * it goes): `cash` in the account's base currency, and every currency's balance as the file gave it.
   */
  setCash(snapshotId: number, cash: string, balances: Readonly<Record<string, string>> | null = null): void {
    requireTransaction(this.db, 'positions.setCash');
    stmt(this.db, 'UPDATE position_snapshots SET cash = ?, cash_balances = ? WHERE id = ?').run(cash, balances === null ? null : JSON.stringify(balances), snapshotId);
  }

  /** Cash per currency as the file gave it (null for snapshots that recorded only `cash`). */
  cashBalances(snapshotId: number): Record<string, string> | null {
    const text = stmt(this.db, 'SELECT cash_balances FROM position_snapshots WHERE id = ?').pluck().get(snapshotId) as string | null | undefined;
    return text == null ? null : (JSON.parse(text) as Record<string, string>);
  }

  /** The live snapshot for exactly this account and date, if any (what a new file for that day supersedes). */
  liveSnapshot(accountId: string, asOf: string): SnapshotRecord | null {
    return (
      (stmt(this.db, `SELECT ${SNAPSHOT_COLUMNS} FROM position_snapshots WHERE account_id = ? AND as_of = ? AND superseded_by IS NULL`).get(
        accountId,
        asOf,
      ) as SnapshotRecord | undefined) ?? null
    );
  }

  /** Snapshots an import wrote, in id order. */
  snapshotsOfImport(importId: number): SnapshotRecord[] {
    return stmt(this.db, `SELECT ${SNAPSHOT_COLUMNS} FROM position_snapshots WHERE import_id = ? ORDER BY id`).all(importId) as SnapshotRecord[];
  }

  getSnapshot(id: number): SnapshotRecord | null {
    return (stmt(this.db, `SELECT ${SNAPSHOT_COLUMNS} FROM position_snapshots WHERE id = ?`).get(id) as SnapshotRecord | undefined) ?? null;
  }

  /** The live snapshot with the latest as-of date on or before `onOrBefore` (default: the latest). */
  latestSnapshot(accountId: string, onOrBefore = '9999-12-31'): SnapshotRecord | null {
    return (
      (stmt(
        this.db,
        `SELECT ${SNAPSHOT_COLUMNS} FROM position_snapshots
         WHERE account_id = ? AND as_of <= ? AND superseded_by IS NULL
         ORDER BY as_of DESC LIMIT 1`,
      ).get(accountId, onOrBefore) as SnapshotRecord | undefined) ?? null
    );
  }

  /** Every snapshot of the account, superseded ones included, newest as-of first. */
  listSnapshots(accountId: string): SnapshotRecord[] {
    return stmt(
      this.db,
      `SELECT ${SNAPSHOT_COLUMNS} FROM position_snapshots WHERE account_id = ? ORDER BY as_of DESC, id DESC`,
    ).all(accountId) as SnapshotRecord[];
  }

  /** The snapshot's holdings joined with the securities master, ordered by ticker. */
  rows(snapshotId: number): PositionRow[] {
    return stmt(
      this.db,
      `SELECT s.id AS securityId, s.ticker, s.name, s.isin, s.cusip, s.sedol, s.figi, s.asset_class AS assetClass, s.currency,
              s.lot_size AS lotSize, p.quantity, p.price, p.market_value AS marketValue, p.cost_basis AS costBasis,
              p.quantity_type AS quantityType, s.instrument_type AS instrumentType, s.multiplier, s.underlying, s.expiry, s.strike,
              s.put_call AS putCall
       FROM positions p JOIN securities s ON s.id = p.security_id
       WHERE p.snapshot_id = ? ORDER BY s.ticker`,
    ).all(snapshotId) as PositionRow[];
  }

  /** The securities one snapshot holds (its primary key alone: no row is built but the id). */
  securityIdsOf(snapshotId: number): number[] {
    return stmt(this.db, 'SELECT security_id FROM positions WHERE snapshot_id = ?').pluck().all(snapshotId) as number[];
  }

  /** Holdings in one snapshot. */
  countRows(snapshotId: number): number {
    return stmt(this.db, 'SELECT count(*) FROM positions WHERE snapshot_id = ?').pluck().get(snapshotId) as number;
  }

  /** Holdings across live snapshots. */
  count(): number {
    return stmt(
      this.db,
      `SELECT count(*) FROM positions p JOIN position_snapshots s ON s.id = p.snapshot_id WHERE s.superseded_by IS NULL`,
    )
      .pluck()
      .get() as number;
  }
}
