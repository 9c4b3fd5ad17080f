import { createHash } from 'node:crypto';
import type { AuditEntry, AuditVerification } from '../../shared/domain';
import { nowIso, singleStatementWrite, stmt, type Db } from './internal';

/** prev_hash of the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

export interface AuditInput {
  actor: string;
  action: string;
  entity: string;
  entityId?: string | number | null;
  details?: unknown;
  at?: string;
}

/** `AuditEntry` from the contract plus the link to the previous entry. */
export interface AuditRecord extends AuditEntry {
  entityId: string | null;
  details: unknown;
  prevHash: string;
}

interface AuditRow {
  id: number;
  at: string;
  actor: string;
  action: string;
  entity: string;
  entityId: string | null;
  details: string | null;
  prevHash: string;
  hash: string;
}

/**
 * JSON with object keys sorted (UTF-16 code-unit order, as RFC 8785) at every depth and no
 * whitespace, so the same value always hashes the same. Serialised by hand because JavaScript objects
 * enumerate integer-like keys ("2", "10") before the others whatever order they were inserted in.
 */
export function canonicalJson(value: unknown): string {
  const text = serialise(value);
  return text === undefined ? 'null' : text;
}

function serialise(value: unknown): string | undefined {
  if (value === null) return 'null';
  if (typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return serialise((value as { toJSON: () => unknown }).toJSON());
  }
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'bigint':
      throw new TypeError('audit details cannot hold a bigint; convert it to a string');
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (Array.isArray(value)) {
    return `[${value.map((item) => serialise(item) ?? 'null').join(',')}]`;
  }
  const record = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of Object.keys(record).sort()) {
    const text = serialise(record[key]);
    if (text !== undefined) parts.push(`${JSON.stringify(key)}:${text}`);
  }
  return `{${parts.join(',')}}`;
}

/**
 * sha256(prev_hash ‖ canonical JSON of the entry's other fields). The id is hashed so entries cannot
 * be renumbered; the stored details text is itself canonical JSON, so anyone can re-derive the hash
 * with sqlite3 and a SHA-256 tool.
 */
export function auditHash(prevHash: string, entry: Omit<AuditRow, 'prevHash' | 'hash' | 'details'> & { details: unknown }): string {
  return hashMaterial(prevHash, auditMaterial(entry, serialise(entry.details)));
}

function hashMaterial(prevHash: string, material: string): string {
  return createHash('sha256').update(prevHash).update(material).digest('hex');
}

/**
 * canonicalJson of the entry's fields and details, the details given as their canonical text (`detailsText`;
 * undefined leaves the key out, as canonicalJson does): an entry is appended with the text it stores, instead of
 * serialising its details a second time inside the whole (issue 10: a third of each audit entry's cost). The keys
 * in canonicalJson's order; audit.test.ts checks the two agree on any entry.
 */
export function auditMaterial(entry: Omit<AuditRow, 'prevHash' | 'hash' | 'details'>, detailsText: string | undefined): string {
  const parts: string[] = [];
  const add = (key: string, text: string | undefined) => {
    if (text !== undefined) parts.push(`${JSON.stringify(key)}:${text}`);
  };
  add('action', serialise(entry.action));
  add('actor', serialise(entry.actor));
  add('at', serialise(entry.at));
  add('details', detailsText);
  add('entity', serialise(entry.entity));
  add('entityId', serialise(entry.entityId));
  add('id', serialise(entry.id));
  return `{${parts.join(',')}}`;
}

/**
 * Appends one entry to the chain. Runs as its own immediate transaction, or inside the caller's, so the tail it
 * links to cannot change between reading it and writing after it.
 */
export function appendAudit(db: Db, input: AuditInput): AuditRecord {
  // One INSERT (the read before it only finds the chain's head): no savepoint needed inside a transaction.
  return singleStatementWrite(db, (): AuditRecord => {
    const last = stmt(db, 'SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1').get() as
      | { id: number; hash: string }
      | undefined;
    const id = (last?.id ?? 0) + 1;
    const prevHash = last?.hash ?? GENESIS_HASH;
    const detailsText = input.details === undefined ? null : canonicalJson(input.details);
    const fields = {
      id,
      at: input.at ?? nowIso(),
      actor: input.actor,
      action: input.action,
      entity: input.entity,
      entityId: input.entityId === undefined || input.entityId === null ? null : String(input.entityId),
    };
    // The stored text is the details' canonical JSON, which is what the whole's canonical JSON would hold.
    const hash = hashMaterial(prevHash, auditMaterial(fields, detailsText ?? 'null'));
    stmt(
      db,
      `INSERT INTO audit_log (id, at, actor, action, entity, entity_id, details, prev_hash, hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(id, fields.at, fields.actor, fields.action, fields.entity, fields.entityId, detailsText, prevHash, hash);
    return withStoredDetails({ ...fields, prevHash, hash }, detailsText);
  });
}

/**
 * The entry with its details as stored (parsed from their canonical text), parsed when first read: callers seldom
 * read them, and an import's entry lists every statement it wrote — tens of megabytes of objects for a file of
 * 100,000 accounts (issue 10).
 */
function withStoredDetails(entry: Omit<AuditRecord, 'details'>, detailsText: string | null): AuditRecord {
  let parsed: { value: unknown } | null = null;
  return Object.defineProperty(entry, 'details', {
    enumerable: true,
    get: () => (parsed ??= { value: detailsText === null ? null : (JSON.parse(detailsText) as unknown) }).value,
  }) as AuditRecord;
}

const SELECT = `SELECT id, at, actor, action, entity, entity_id AS entityId, details, prev_hash AS prevHash, hash
  FROM audit_log`;

/**
 * Recomputes the chain from the first entry and reports the first one that does not fit. A removed
 * final entry leaves a valid (shorter) chain; the chain proves no entry was edited, removed or
 * inserted before the last one.
 */
export function verifyAuditChain(db: Db): AuditVerification {
  const rows = stmt(db, 'SELECT count(*) FROM audit_log').pluck().get() as number;
  let expectedId = 1;
  let prevHash = GENESIS_HASH;
  const bad = (id: number, reason: string): AuditVerification => ({ ok: false, rows, firstBadId: id, reason });
  for (const row of stmt(db, `${SELECT} ORDER BY id`).iterate() as IterableIterator<AuditRow>) {
    if (row.id !== expectedId) {
      return bad(row.id, `Audit entries ${expectedId}–${row.id - 1} are missing before entry ${row.id}.`);
    }
    if (row.prevHash !== prevHash) {
      return bad(row.id, `Audit entry ${row.id} does not link to the entry before it; an earlier entry was removed or replaced.`);
    }
    let details: unknown;
    try {
      details = row.details === null ? null : (JSON.parse(row.details) as unknown);
    } catch {
      return bad(row.id, `Audit entry ${row.id} has unreadable details.`);
    }
    if (auditHash(prevHash, { ...row, details }) !== row.hash) {
      return bad(row.id, `Audit entry ${row.id} was changed after it was written (its contents no longer match its hash).`);
    }
    prevHash = row.hash;
    expectedId += 1;
  }
  return { ok: true, rows, firstBadId: null, reason: null };
}

const toRecord = (row: AuditRow): AuditRecord => ({
  ...row,
  details: row.details === null ? null : (JSON.parse(row.details) as unknown),
});

/** Newest first. */
export function listAudit(db: Db, limit = 100): AuditRecord[] {
  return (stmt(db, `${SELECT} ORDER BY id DESC LIMIT ?`).all(limit) as AuditRow[]).map(toRecord);
}

export class AuditRepo {
  constructor(private readonly db: Db) {}
  append(input: AuditInput): AuditRecord {
    return appendAudit(this.db, input);
  }
  verify(): AuditVerification {
    return verifyAuditChain(this.db);
  }
  list(limit = 100): AuditRecord[] {
    return listAudit(this.db, limit);
  }
  /** Entries about one entity (e.g. 'proposal', '12'), oldest first. */
  forEntity(entity: string, entityId: string | number): AuditRecord[] {
    return (stmt(this.db, `${SELECT} WHERE entity = ? AND entity_id = ? ORDER BY id`).all(entity, String(entityId)) as AuditRow[]).map(
      toRecord,
    );
  }
}
