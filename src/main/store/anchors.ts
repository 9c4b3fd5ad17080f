import { GENESIS_HASH } from './audit';
import { stmt, type Db } from './internal';

/**
 * Audit anchors, the database side. An anchor is a copy of the chain's head — how many entries the log
 * had and the hash of the last one — kept somewhere a rewrite of `audit_log` does not reach: the
 * checkpoint file beside the database, every exported trade list, every approval record. The chain alone
 * cannot tell that entries were cut from its end, or that it was recomputed from an edited entry onwards;
 * an anchor that saw row n with hash h can, as long as row n still exists and still hashes to h.
 *
 * This module only compares: where anchors come from (files, keys, signatures) is the app layer's business.
 */

/** The chain's head: `rows` entries, the last of which hashes to `hash` (64 zeros for an empty log). */
export interface AuditHead {
  rows: number;
  hash: string;
}

/** One anchor as found: what it claims the chain looked like, and where it was found (for the message). */
export interface AnchorObservation {
  rows: number;
  hash: string;
  /** Plain words: "the checkpoint file", "export 3 (ballast-proposal-3-….fix)", "the approval of proposal 7". */
  source: string;
  /** When the anchor was written (UTC ISO-8601), if it says. */
  at?: string;
}

export type AnchorFindingKind = 'truncated' | 'rechained';

/** The first place the chain and its anchors disagree. */
export interface AnchorFinding {
  kind: AnchorFindingKind;
  /** The first row that is gone (truncated) or may have been rewritten (rechained). */
  row: number;
  message: string;
}

export interface AnchorCheck {
  finding: AnchorFinding | null;
  /** Anchors compared. */
  checked: number;
  /** The longest chain any anchor saw (0 when there are none). */
  latestRows: number;
}

/** Rows are numbered 1, 2, 3 … so the head's id is the number of entries an intact chain has. */
export function auditHead(db: Db): AuditHead {
  const last = stmt(db, 'SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1').get() as { id: number; hash: string } | undefined;
  return last ? { rows: last.id, hash: last.hash } : { rows: 0, hash: GENESIS_HASH };
}

/** The stored hash of entry `row`, GENESIS for row 0, null when there is no such entry. */
export function auditHashAt(db: Db, row: number): string | null {
  if (row === 0) return GENESIS_HASH;
  return (stmt(db, 'SELECT hash FROM audit_log WHERE id = ?').pluck().get(row) as string | undefined) ?? null;
}

/** Entries after `afterRow`, oldest first, as (row, hash): what a checkpoint appends. */
export function auditHashesAfter(db: Db, afterRow: number, limit = 10_000): AuditHead[] {
  return stmt(db, 'SELECT id AS rows, hash FROM audit_log WHERE id > ? ORDER BY id LIMIT ?').all(afterRow, limit) as AuditHead[];
}

/**
 * The unsigned checkpoint lines of up to `limit` entries after `afterRow`, as one text (`{"row":n,"hash":"…","at":"…"}`,
 * each followed by a newline) and the last row they cover; null when there are none. SQLite builds the text — the
 * bytes JSON.stringify would write, a hash being 64 hex digits by the table's CHECK — so a batch is one string, not
 * an object and a string per entry (an import over 100,000 accounts adds 100,000 entries at once; issue 10).
 */
export function auditCheckpointLines(db: Db, afterRow: number, at: string, limit = 10_000): { text: string; last: number } | null {
  const batch = stmt(
    db,
    `SELECT group_concat(json_object('row', id, 'hash', hash, 'at', ?), char(10) ORDER BY id) AS text, max(id) AS last
     FROM (SELECT id, hash FROM audit_log WHERE id > ? ORDER BY id LIMIT ?)`,
  ).get(at, afterRow, limit) as { text: string | null; last: number | null };
  return batch.text === null || batch.last === null ? null : { text: `${batch.text}\n`, last: batch.last };
}

/** The anchor every approval recorded since schema 4 (older decisions have none). */
export function approvalAnchors(db: Db): AnchorObservation[] {
  const rows = stmt(
    db,
    `SELECT id, proposal_id AS proposalId, audit_rows AS rows, audit_head AS hash, at FROM approvals
     WHERE audit_rows IS NOT NULL ORDER BY id`,
  ).all() as { id: number; proposalId: number; rows: number; hash: string; at: string }[];
  return rows.map((r) => ({ rows: r.rows, hash: r.hash, at: r.at, source: `the decision on proposal ${r.proposalId} (approval record ${r.id})` }));
}

/**
 * Compares the chain with every anchor. Each anchor is one of three things:
 * - consistent: row n exists and hashes to h;
 * - ahead of the log: row n is gone, so entries were cut from the end (or an older copy of the
 *   database was put back);
 * - contradicted: row n hashes to something else, so row n or an earlier one was rewritten and the
 *   hashes after it recomputed ("re-chained"). The rewrite started after the last consistent anchor below
 *   n, so the reported row is the first one after it — exact when the checkpoint file anchors every row.
 *   Only anchors written no later than the contradicted one count as "consistent" here: an anchor made
 *   after a rewrite (say, a checkpoint file the attacker deleted and the app wrote anew) vouches for the
 *   rewritten rows and must not narrow the range.
 *
 * The earliest problem wins: a re-chained row 12 matters more than a cut at row 40.
 */
export function checkAnchors(db: Db, anchors: readonly AnchorObservation[]): AnchorCheck {
  const head = auditHead(db);
  const latestRows = anchors.reduce((m, a) => Math.max(m, a.rows), 0);
  const hashCache = new Map<number, string | null>();
  const hashAt = (row: number) => {
    if (!hashCache.has(row)) hashCache.set(row, auditHashAt(db, row));
    return hashCache.get(row)!;
  };

  let firstContradiction: AnchorObservation | null = null;
  let firstAhead: AnchorObservation | null = null;
  for (const anchor of anchors) {
    if (anchor.rows > head.rows) {
      if (!firstAhead || anchor.rows > firstAhead.rows) firstAhead = anchor;
      continue;
    }
    if (hashAt(anchor.rows) !== anchor.hash && (!firstContradiction || anchor.rows < firstContradiction.rows)) firstContradiction = anchor;
  }

  if (firstContradiction) {
    const contradiction = firstContradiction;
    const earlier = (a: AnchorObservation) => a.at === undefined || contradiction.at === undefined || a.at <= contradiction.at;
    const below = anchors.filter((a) => a.rows < contradiction.rows && a.rows <= head.rows && earlier(a) && hashAt(a.rows) === a.hash);
    const lastGood = below.reduce((m, a) => Math.max(m, a.rows), 0);
    const row = lastGood + 1;
    const where = row === firstContradiction.rows ? `at entry ${row}` : `between entries ${row} and ${firstContradiction.rows}`;
    return {
      checked: anchors.length,
      latestRows,
      finding: {
        kind: 'rechained',
        row,
        message:
          `The audit log was rewritten ${where}: ${firstContradiction.source} recorded entry ${firstContradiction.rows} with a different hash, ` +
          `so the entries from ${row} on were changed and their hashes recomputed.`,
      },
    };
  }
  if (firstAhead) {
    const row = head.rows + 1;
    const missing = firstAhead.rows === row ? `entry ${row} is` : `entries ${row}–${firstAhead.rows} are`;
    return {
      checked: anchors.length,
      latestRows,
      finding: {
        kind: 'truncated',
        row,
        message:
          `The audit log ends at entry ${head.rows}, but ${firstAhead.source} saw ${firstAhead.rows} entries: ${missing} missing ` +
          `(deleted from the end, or an older copy of the database was restored).`,
      },
    };
  }
  return { checked: anchors.length, latestRows, finding: null };
}
