import type { Decision } from '../../shared/domain';
import { GENESIS_HASH } from './audit';
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

type DecisionRow = Omit<Decision, 'auditAnchor'> & { auditRows: number | null; auditHead: string | null };

/** Decisions recorded before schema 4 have no anchor; the field is then left out rather than null. */
function toDecision({ auditRows, auditHead, ...decision }: DecisionRow): Decision {
  return auditRows === null || auditHead === null ? decision : { ...decision, auditAnchor: { rows: auditRows, hash: auditHead } };
}

/**
 * Decisions are append-only (the schema refuses UPDATE and DELETE). Recording one does not move the
 * proposal's status: the app does both in one transaction, with `proposals.transition` deciding.
 */
export class ApprovalsRepo {
  constructor(private readonly db: Db) {}

  /**
   * The record carries the audit chain's head as it stands when the decision is written (schema 4): an
   * anchor in the approval itself, read in the same statement so no entry can slip in between.
   */
  record(input: DecisionInput): DecisionRecord {
    const row = stmt(
      this.db,
      `INSERT INTO approvals (proposal_id, decision, by_whom, comment, at, audit_rows, audit_head)
       VALUES (?, ?, ?, ?, ?,
         (SELECT coalesce(max(id), 0) FROM audit_log),
         coalesce((SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1), '${GENESIS_HASH}'))
       RETURNING ${COLUMNS}, audit_rows AS auditRows, audit_head AS auditHead`,
    ).get(input.proposalId, input.decision, input.by, input.comment ?? null, input.at ?? nowIso()) as DecisionRow & { id: number; proposalId: number };
    return { ...toDecision(row), id: row.id, proposalId: row.proposalId };
  }

  /** Oldest first, in the shape of the contract's `Decision`. */
  list(proposalId: number): Decision[] {
    return (
      stmt(
        this.db,
        'SELECT decision, by_whom AS by, at, comment, audit_rows AS auditRows, audit_head AS auditHead FROM approvals WHERE proposal_id = ? ORDER BY id',
      ).all(proposalId) as DecisionRow[]
    ).map(toDecision);
  }
}
