import type { ExportFormat, ExportRecord } from '../../shared/domain';
import { nowIso, stmt, writeTransaction, type Db } from './internal';

export interface ExportInput {
  proposalId: number;
  format: ExportFormat;
  path: string;
  /** Lower-case hex SHA-256 of the bytes written. */
  sha256: string;
  rows: number;
  createdAt?: string;
}

/**
 * `ExportRecord` from the contract plus where it sits among the proposal's exports: `sequence` 1 is the
 * first file, and every later one is a re-export of the same orders pointing at it (`reexportOf`).
 */
export interface StoredExport extends ExportRecord {
  sequence: number;
  reexportOf: number | null;
}

const COLUMNS = 'id, proposal_id AS proposalId, format, path, sha256, rows, created_at AS createdAt, sequence, reexport_of AS reexportOf';

export class ExportsRepo {
  constructor(private readonly db: Db) {}

  /** Appends an export; its sequence and the first export it repeats are derived under the write lock. */
  record(input: ExportInput): StoredExport {
    return writeTransaction(this.db, () => {
      const first = this.list(input.proposalId)[0];
      const sequence = (stmt(this.db, 'SELECT coalesce(max(sequence), 0) + 1 FROM exports WHERE proposal_id = ?').pluck().get(input.proposalId) as number);
      return stmt(
        this.db,
        `INSERT INTO exports (proposal_id, format, path, sha256, rows, created_at, sequence, reexport_of)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING ${COLUMNS}`,
      ).get(input.proposalId, input.format, input.path, input.sha256, input.rows, input.createdAt ?? nowIso(), sequence, first?.id ?? null) as StoredExport;
    });
  }

  get(id: number): StoredExport | null {
    return (stmt(this.db, `SELECT ${COLUMNS} FROM exports WHERE id = ?`).get(id) as StoredExport | undefined) ?? null;
  }

  /** Oldest first. */
  list(proposalId: number): StoredExport[] {
    return stmt(this.db, `SELECT ${COLUMNS} FROM exports WHERE proposal_id = ? ORDER BY sequence`).all(proposalId) as StoredExport[];
  }
}
