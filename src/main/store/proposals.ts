import type { Decision, EngineName, ExportRecord, ProposalStatus } from '../../shared/domain';
import { BallastError } from '../../shared/errors';
import { ApprovalsRepo } from './approvals';
import { ExportsRepo } from './exports';
import { fromJsonText, nowIso, stmt, toJsonText, writeTransaction, type Db } from './internal';

export interface ProposalInput {
  accountId: string;
  engine: EngineName;
  engineLabel: string;
  /** Stored as JSON. */
  parameters: unknown;
  seed: number;
  codeVersion: string;
  dataFrom: string;
  dataTo: string;
  asOf: string;
  positionsAsOf: string | null;
  snapshotId: number | null;
  /** Decimal string. */
  totalValue: string;
  /** Assets, cash and diagnostics as computed; stored as JSON. */
  payload: unknown;
  turnover: number;
  /** The model run whose forecasts a Bayesian proposal used; null/absent for the baseline. */
  modelRunId?: number | null;
  createdAt?: string;
}

export interface TradeInput {
  securityId: number;
  side: 'BUY' | 'SELL';
  /** Positive decimal string; direction is `side`. */
  quantity: string;
  price: number;
  /** Non-negative decimal string. */
  notional: string;
  currency: string;
}

/** Maps 1:1 onto `ProposalSummary`. */
export interface ProposalRecord {
  id: number;
  accountId: string;
  status: ProposalStatus;
  engine: EngineName;
  engineLabel: string;
  createdAt: string;
  asOf: string;
  totalValue: string;
  tradeCount: number;
  turnover: number;
}

/** `ProposalTrade` from the contract plus its position in the list. */
export interface TradeRecord {
  seq: number;
  securityId: number;
  ticker: string;
  isin: string | null;
  side: 'BUY' | 'SELL';
  quantity: string;
  price: number;
  notional: string;
  currency: string;
}

/** Everything stored about one proposal; `payload` holds what `Proposal` needs beyond the columns. */
export interface ProposalDetail extends ProposalRecord {
  parameters: unknown;
  seed: number;
  codeVersion: string;
  dataRange: { from: string; to: string };
  positionsAsOf: string | null;
  snapshotId: number | null;
  modelRunId: number | null;
  payload: unknown;
  trades: TradeRecord[];
  decisions: Decision[];
  exports: ExportRecord[];
}

export interface ProposalFilter {
  accountId?: string;
  status?: ProposalStatus;
  limit?: number;
}

const SUMMARY_COLUMNS = `p.id, p.account_id AS accountId, p.status, p.engine, p.engine_label AS engineLabel,
  p.created_at AS createdAt, p.as_of AS asOf, p.total_value AS totalValue,
  (SELECT count(*) FROM proposal_trades t WHERE t.proposal_id = p.id) AS tradeCount, p.turnover`;

interface DetailRow extends ProposalRecord {
  parameters: string;
  seed: number;
  codeVersion: string;
  dataFrom: string;
  dataTo: string;
  positionsAsOf: string | null;
  snapshotId: number | null;
  modelRunId: number | null;
  payload: string;
}

export class ProposalsRepo {
  private readonly approvals: ApprovalsRepo;
  private readonly exports: ExportsRepo;

  constructor(private readonly db: Db) {
    this.approvals = new ApprovalsRepo(db);
    this.exports = new ExportsRepo(db);
  }

  /** Stores a pending proposal and its trades (numbered 1… in the given order) atomically; returns its id. */
  insert(proposal: ProposalInput, trades: readonly TradeInput[]): number {
    return writeTransaction(this.db, () => {
      const id = stmt(
        this.db,
        `INSERT INTO proposals (account_id, status, engine, engine_label, parameters, seed, code_version,
           data_from, data_to, as_of, positions_as_of, snapshot_id, total_value, payload, turnover, created_at, model_run_id)
         VALUES (?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
      )
        .pluck()
        .get(
          proposal.accountId,
          proposal.engine,
          proposal.engineLabel,
          toJsonText(proposal.parameters),
          proposal.seed,
          proposal.codeVersion,
          proposal.dataFrom,
          proposal.dataTo,
          proposal.asOf,
          proposal.positionsAsOf,
          proposal.snapshotId,
          proposal.totalValue,
          toJsonText(proposal.payload),
          proposal.turnover,
          proposal.createdAt ?? nowIso(),
          proposal.modelRunId ?? null,
        ) as number;
      const insertTrade = stmt(
        this.db,
        `INSERT INTO proposal_trades (proposal_id, seq, security_id, side, quantity, price, notional, currency)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      trades.forEach((t, index) => {
        insertTrade.run(id, index + 1, t.securityId, t.side, t.quantity, t.price, t.notional, t.currency);
      });
      return id;
    });
  }

  /**
   * Moves the proposal to `to` only if its current status is one of `from`; returns whether it did.
   * The check and the write are one statement, so two approvers racing cannot both win. The schema
   * also refuses backward moves (e.g. rejected → approved) whatever `from` says: INVALID_STATE.
   */
  transition(id: number, from: readonly ProposalStatus[], to: ProposalStatus): boolean {
    try {
      return (
        stmt(this.db, 'UPDATE proposals SET status = ? WHERE id = ? AND status IN (SELECT value FROM json_each(?))').run(
          to,
          id,
          JSON.stringify(from),
        ).changes === 1
      );
    } catch (err) {
      if (err instanceof Error && err.message.includes('proposal status change not allowed')) {
        throw new BallastError('INVALID_STATE', `Proposal ${id} cannot move to ${to} from its current status.`, {
          proposalId: id,
          to,
        });
      }
      throw err;
    }
  }

  /** Marks the account's pending proposals (except `exceptId`) superseded; returns their ids. */
  supersedePending(accountId: string, exceptId?: number): number[] {
    return stmt(
      this.db,
      `UPDATE proposals SET status = 'superseded'
       WHERE account_id = ? AND status = 'pending' AND id <> ? RETURNING id`,
    )
      .pluck()
      .all(accountId, exceptId ?? -1) as number[];
  }

  status(id: number): ProposalStatus | null {
    return (stmt(this.db, 'SELECT status FROM proposals WHERE id = ?').pluck().get(id) as ProposalStatus | undefined) ?? null;
  }

  /** Newest first. */
  list(filter: ProposalFilter = {}): ProposalRecord[] {
    // Conditions are added only when given so the planner can use proposals_account_status.
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (filter.accountId !== undefined) {
      where.push('p.account_id = ?');
      params.push(filter.accountId);
    }
    if (filter.status !== undefined) {
      where.push('p.status = ?');
      params.push(filter.status);
    }
    params.push(filter.limit ?? -1);
    return stmt(
      this.db,
      `SELECT ${SUMMARY_COLUMNS} FROM proposals p ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY p.id DESC LIMIT ?`,
    ).all(...params) as ProposalRecord[];
  }

  get(id: number): ProposalDetail | null {
    const row = stmt(
      this.db,
      `SELECT ${SUMMARY_COLUMNS}, p.parameters, p.seed, p.code_version AS codeVersion, p.data_from AS dataFrom,
         p.data_to AS dataTo, p.positions_as_of AS positionsAsOf, p.snapshot_id AS snapshotId, p.model_run_id AS modelRunId, p.payload
       FROM proposals p WHERE p.id = ?`,
    ).get(id) as DetailRow | undefined;
    if (!row) return null;
    const { parameters, payload, dataFrom, dataTo, ...rest } = row;
    return {
      ...rest,
      parameters: fromJsonText(parameters),
      payload: fromJsonText(payload),
      dataRange: { from: dataFrom, to: dataTo },
      trades: this.trades(id),
      decisions: this.approvals.list(id),
      exports: this.exports.list(id),
    };
  }

  trades(proposalId: number): TradeRecord[] {
    return stmt(
      this.db,
      `SELECT t.seq, t.security_id AS securityId, s.ticker, s.isin, t.side, t.quantity, t.price, t.notional, t.currency
       FROM proposal_trades t JOIN securities s ON s.id = t.security_id
       WHERE t.proposal_id = ? ORDER BY t.seq`,
    ).all(proposalId) as TradeRecord[];
  }
}
