import type { ImportRecord } from '../../shared/domain';
import { fromJsonText, nowIso, stmt, toJsonText, type Db } from './internal';

export type ImportKind = 'prices' | 'positions';
/** 'partial': imported minus rows the PM explicitly accepted to leave out (counted in `excluded`). */
export type ImportStatus = 'imported' | 'partial' | 'rejected';

export interface ImportInput {
  kind: ImportKind;
  fileName: string;
  /** Lower-case hex SHA-256 of the file's bytes. */
  sha256: string;
  format: string;
  rows: number;
  status?: ImportStatus;
  /** Rows left out with the PM's consent; must be > 0 exactly when status is 'partial'. */
  excluded?: number;
  /**
   * The account of a holdings file that names exactly one; null for price files (enforced by the
   * schema) and for holdings files covering several accounts (see `accountsOf`).
   */
  accountId?: string | null;
  /** Free-form JSON: warnings, counts, date range … */
  report?: unknown;
  createdAt?: string;
}

/** `ImportRecord` from the contract plus the stored report. */
export interface ImportRow extends ImportRecord {
  kind: ImportKind;
  status: ImportStatus;
  excluded: number;
  report: unknown;
}

interface Row {
  id: number;
  kind: ImportKind;
  fileName: string;
  sha256: string;
  format: string;
  rows: number;
  status: ImportStatus;
  accountId: string | null;
  report: string | null;
  createdAt: string;
  excluded: number;
}

const COLUMNS = `id, kind, file_name AS fileName, sha256, format, rows, status, account_id AS accountId, report,
  created_at AS createdAt, excluded`;

const toImport = (row: Row): ImportRow => ({ ...row, report: fromJsonText(row.report) });

export class ImportsRepo {
  constructor(private readonly db: Db) {}

  /** A second file with the same SHA-256 violates the UNIQUE constraint; check `findBySha256` first. */
  insert(input: ImportInput): ImportRow {
    const row = stmt(
      this.db,
      `INSERT INTO imports (kind, file_name, sha256, format, rows, status, account_id, report, created_at, excluded)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING ${COLUMNS}`,
    ).get(
      input.kind,
      input.fileName,
      input.sha256,
      input.format,
      input.rows,
      input.status ?? 'imported',
      input.accountId ?? null,
      input.report === undefined ? null : toJsonText(input.report),
      input.createdAt ?? nowIso(),
      input.excluded ?? 0,
    ) as Row;
    return toImport(row);
  }

  /**
   * Fills in what a streamed import knows only at the end (rows, exclusions, report, the account of a
   * single-account file). The row is inserted first so prices and snapshots can point at it; both
   * happen inside the caller's transaction, so no reader ever sees the unfinished row.
   */
  complete(id: number, result: { rows: number; status: ImportStatus; excluded: number; accountId: string | null; report: unknown }): ImportRow {
    const row = stmt(
      this.db,
      `UPDATE imports SET rows = ?, status = ?, excluded = ?, account_id = ?, report = ? WHERE id = ? RETURNING ${COLUMNS}`,
    ).get(result.rows, result.status, result.excluded, result.accountId, toJsonText(result.report), id) as Row | undefined;
    if (!row) throw new Error(`imports.complete: there is no import ${id}`);
    return toImport(row);
  }

  get(id: number): ImportRow | null {
    const row = stmt(this.db, `SELECT ${COLUMNS} FROM imports WHERE id = ?`).get(id) as Row | undefined;
    return row ? toImport(row) : null;
  }

  findBySha256(sha256: string): ImportRow | null {
    const row = stmt(this.db, `SELECT ${COLUMNS} FROM imports WHERE sha256 = ?`).get(sha256) as Row | undefined;
    return row ? toImport(row) : null;
  }

  /** Accounts whose snapshots this import wrote, in id order (several for a multi-account file). */
  accountsOf(importId: number): string[] {
    return stmt(this.db, 'SELECT DISTINCT account_id FROM position_snapshots WHERE import_id = ? ORDER BY account_id').pluck().all(importId) as string[];
  }

  /** Newest first. */
  list(limit = 1000): ImportRow[] {
    return (stmt(this.db, `SELECT ${COLUMNS} FROM imports ORDER BY id DESC LIMIT ?`).all(limit) as Row[]).map(toImport);
  }
}
