import type { Decision } from '../../shared/domain';
import { nowIso, stmt, type Db } from './internal';

export interface DecisionInput {
  proposalId: number;
  decision: 'approved' | 'rejected';
  by: string;
  comment?: string | null;
  at?: string;
}

/** A `Decision` from the contract plus its row id. */
export interface DecisionRecord extends Decision {
  id: number;
  proposalId: number;
}

const COLUMNS = 'id, proposal_id AS proposalId, decision, by_whom AS by, at, comment';

/**
 * Decisions are append-only (the schema refuses UPDATE and DELETE). Recording one does not move the
 * proposal's status: the app does both in one transaction, with `proposals.transition` deciding.
 */
export class ApprovalsRepo {
  constructor(private readonly db: Db) {}

  record(input: DecisionInput): DecisionRecord {
    return stmt(
      this.db,
      `INSERT INTO approvals (proposal_id, decision, by_whom, comment, at) VALUES (?, ?, ?, ?, ?) RETURNING ${COLUMNS}`,
    ).get(input.proposalId, input.decision, input.by, input.comment ?? null, input.at ?? nowIso()) as DecisionRecord;
  }

  /** Oldest first, in the shape of the contract's `Decision`. */
  list(proposalId: number): Decision[] {
    return stmt(this.db, 'SELECT decision, by_whom AS by, at, comment FROM approvals WHERE proposal_id = ? ORDER BY id').all(
      proposalId,
    ) as Decision[];
  }
}
