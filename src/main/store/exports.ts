import type { ExportFormat, ExportRecord } from '../../shared/domain';
import { nowIso, stmt, type Db } from './internal';

export interface ExportInput {
  proposalId: number;
  format: ExportFormat;
  path: string;
  /** Lower-case hex SHA-256 of the bytes written. */
  sha256: string;
  rows: number;
  createdAt?: string;
}

const COLUMNS = 'id, proposal_id AS proposalId, format, path, sha256, rows, created_at AS createdAt';

export class ExportsRepo {
  constructor(private readonly db: Db) {}

  record(input: ExportInput): ExportRecord {
    return stmt(
      this.db,
      `INSERT INTO exports (proposal_id, format, path, sha256, rows, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING ${COLUMNS}`,
    ).get(input.proposalId, input.format, input.path, input.sha256, input.rows, input.createdAt ?? nowIso()) as ExportRecord;
  }

  get(id: number): ExportRecord | null {
    return (stmt(this.db, `SELECT ${COLUMNS} FROM exports WHERE id = ?`).get(id) as ExportRecord | undefined) ?? null;
  }

  /** Oldest first. */
  list(proposalId: number): ExportRecord[] {
    return stmt(this.db, `SELECT ${COLUMNS} FROM exports WHERE proposal_id = ? ORDER BY id`).all(proposalId) as ExportRecord[];
  }
}
