import type { BreakerStateName } from '../../shared/domain';
import { nowIso, stmt, type Db } from './internal';

export type BreakerEventKind = 'model' | 'override';

export interface BreakerEventInput {
  accountId: string;
  /** Decision date the new state applies from. */
  date: string;
  fromState: BreakerStateName;
  toState: BreakerStateName;
  /** The certainty score on that date; null (or NaN) when there was none. */
  certainty: number | null;
  /** In words, for the PM: why the state changed, or why the PM overrode it. */
  reason: string;
  /** 'model': a transition the breaker made; 'override': the state a PM chose for one proposal. */
  kind: BreakerEventKind;
  /** Who: 'model' (or the engine's name) for transitions, the PM for overrides. */
  actor: string;
  /** Required for an override (it applies to that proposal only). */
  proposalId?: number | null;
  createdAt?: string;
}

export interface BreakerEventRecord {
  id: number;
  accountId: string;
  date: string;
  fromState: BreakerStateName;
  toState: BreakerStateName;
  certainty: number | null;
  reason: string;
  kind: BreakerEventKind;
  actor: string;
  proposalId: number | null;
  createdAt: string;
}

const COLUMNS = `id, account_id AS accountId, date, from_state AS fromState, to_state AS toState, certainty, reason, kind,
  actor, proposal_id AS proposalId, created_at AS createdAt`;

const MIN_DATE = '0000-01-01';
const MAX_DATE = '9999-12-31';

/** The circuit breaker's history per account. Append-only (the schema refuses updates and deletes). */
export class BreakerEventsRepo {
  constructor(private readonly db: Db) {}

  append(input: BreakerEventInput): BreakerEventRecord {
    const certainty = input.certainty === null || Number.isNaN(input.certainty) ? null : input.certainty;
    const id = stmt(
      this.db,
      `INSERT INTO breaker_events (account_id, date, from_state, to_state, certainty, reason, kind, actor, proposal_id, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
    )
      .pluck()
      .get(
        input.accountId,
        input.date,
        input.fromState,
        input.toState,
        certainty,
        input.reason,
        input.kind,
        input.actor,
        input.proposalId ?? null,
        input.createdAt ?? nowIso(),
      ) as number;
    return stmt(this.db, `SELECT ${COLUMNS} FROM breaker_events WHERE id = ?`).get(id) as BreakerEventRecord;
  }

  /** An account's events in date order (then in the order they were recorded), inclusive range, optionally of one kind. */
  list(accountId: string, options: { from?: string; to?: string; kind?: BreakerEventKind } = {}): BreakerEventRecord[] {
    return stmt(
      this.db,
      `SELECT ${COLUMNS} FROM breaker_events
       WHERE account_id = ? AND date BETWEEN ? AND ? AND (? IS NULL OR kind = ?)
       ORDER BY date, id`,
    ).all(accountId, options.from ?? MIN_DATE, options.to ?? MAX_DATE, options.kind ?? null, options.kind ?? null) as BreakerEventRecord[];
  }

  /**
   * The breaker's own latest transition on or before `onOrBefore` — the state the model is in — or null
   * when it never left its initial state. Overrides are left out: they apply to one proposal only.
   */
  latest(accountId: string, onOrBefore: string = MAX_DATE): BreakerEventRecord | null {
    return (
      (stmt(
        this.db,
        `SELECT ${COLUMNS} FROM breaker_events
         WHERE account_id = ? AND date <= ? AND kind = 'model'
         ORDER BY date DESC, id DESC LIMIT 1`,
      ).get(accountId, onOrBefore) as BreakerEventRecord | undefined) ?? null
    );
  }

  /** `latest(...).toState`, NORMAL when there was no transition. */
  latestState(accountId: string, onOrBefore: string = MAX_DATE): BreakerStateName {
    return this.latest(accountId, onOrBefore)?.toState ?? 'NORMAL';
  }

  /** The events recorded with a proposal (its override, and transitions recorded when it was made). */
  forProposal(proposalId: number): BreakerEventRecord[] {
    return stmt(this.db, `SELECT ${COLUMNS} FROM breaker_events WHERE proposal_id = ? ORDER BY date, id`).all(proposalId) as BreakerEventRecord[];
  }
}
