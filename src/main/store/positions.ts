import type { AssetClass, InstrumentType } from '../../shared/domain';
import { nowIso, requireTransaction, stmt, writeTransaction, type Db } from './internal';

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
export interface PositionRow {
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
  instrumentType: InstrumentType | null;
  multiplier: string | null;
  underlying: string | null;
  expiry: string | null;
  strike: string | null;
  putCall: 'put' | 'call' | null;
}

const SNAPSHOT_COLUMNS = `id, account_id AS accountId, as_of AS asOf, import_id AS importId, cash,
  superseded_by AS supersededBy, created_at AS createdAt`;

export class PositionsRepo {
  constructor(private readonly db: Db) {}

  /**
   * Stores a snapshot and its rows atomically. A live snapshot for the same account and date is marked
   * superseded by the new one (its rows stay, for the record); returns the ids it superseded.
   */
  createSnapshot(input: SnapshotInput): { snapshot: SnapshotRecord; superseded: number[] } {
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
    const insertRow = stmt(
      this.db,
      `INSERT INTO positions (snapshot_id, security_id, quantity, price, market_value, cost_basis, quantity_type)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    let written = 0;
    for (const p of positions) {
      insertRow.run(snapshotId, p.securityId, p.quantity, p.price ?? null, p.marketValue ?? null, p.costBasis ?? null, p.quantityType ?? 'UNIT');
      written++;
    }
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
