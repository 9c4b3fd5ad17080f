import type { ImportRecord } from '../../shared/domain';
import { fromJsonText, nowIso, stmt, toJsonText, type Db } from './internal';

export type ImportKind = 'prices' | 'positions';
export type ImportStatus = 'imported' | 'rejected';

export interface ImportInput {
  kind: ImportKind;
  fileName: string;
  /** Lower-case hex SHA-256 of the file's bytes. */
  sha256: string;
  format: string;
  rows: number;
  status?: ImportStatus;
  /** Required for position files, absent for price files (enforced by the schema). */
  accountId?: string | null;
  /** Free-form JSON: warnings, counts, date range … */
  report?: unknown;
  createdAt?: string;
}

/** `ImportRecord` from the contract plus the stored report. */
export interface ImportRow extends ImportRecord {
  kind: ImportKind;
  status: ImportStatus;
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
}

const COLUMNS = `id, kind, file_name AS fileName, sha256, format, rows, status, account_id AS accountId, report,
  created_at AS createdAt`;

const toImport = (row: Row): ImportRow => ({ ...row, report: fromJsonText(row.report) });

export class ImportsRepo {
  constructor(private readonly db: Db) {}

  /** A second file with the same SHA-256 violates the UNIQUE constraint; check `findBySha256` first. */
  insert(input: ImportInput): ImportRow {
    const row = stmt(
      this.db,
      `INSERT INTO imports (kind, file_name, sha256, format, rows, status, account_id, report, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING ${COLUMNS}`,
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
    ) as Row;
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

  /** Newest first. */
  list(limit = 1000): ImportRow[] {
    return (stmt(this.db, `SELECT ${COLUMNS} FROM imports ORDER BY id DESC LIMIT ?`).all(limit) as Row[]).map(toImport);
  }
}
