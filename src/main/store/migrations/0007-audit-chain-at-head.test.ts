import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendAudit, GENESIS_HASH, verifyAuditChain } from '../audit';
import type { Db } from '../internal';
import { migrate, migrations } from '../migrate';

/**
 * Schema 0007 applied to a 0006 database whose audit log holds three entries written by the app: the table is
 * rebuilt without the UNIQUE hash indexes, and a trigger lets an entry in only at the chain's head.
 */
let db: Db;
const T = '2026-01-02T10:00:00.000Z';
const HEX = (c: string) => c.repeat(64);

const rows = () => db.prepare('SELECT * FROM audit_log ORDER BY id').all();
const insert = (id: number, prevHash: string, hash: string) =>
  db
    .prepare("INSERT INTO audit_log (id, at, actor, action, entity, entity_id, details, prev_hash, hash) VALUES (?, ?, 'x', 'test', 'test', NULL, NULL, ?, ?)")
    .run(id, T, prevHash, hash);
const head = () => db.prepare('SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1').get() as { id: number; hash: string };

let before: unknown[];

beforeEach(() => {
  db = new Database(':memory:');
  migrate(db, migrations.slice(0, 6));
  appendAudit(db, { actor: 'Ann', action: 'account.create', entity: 'account', entityId: 'ACC-1', details: { name: 'Fund', note: 'é ✓' }, at: T });
  appendAudit(db, { actor: 'Ann', action: 'import.positions', entity: 'import', entityId: 1, details: null, at: T });
  appendAudit(db, { actor: 'Bob', action: 'proposal.approve', entity: 'proposal', entityId: 7, at: T });
  before = rows();
  expect(migrate(db, migrations.slice(0, 7))).toEqual({ from: 6, to: 7, applied: ['0007-audit-chain-at-head'] });
});
afterEach(() => db.close());

describe('migration 0007-audit-chain-at-head', () => {
  it('keeps every entry as it was, the chain valid, the table strict, and no UNIQUE index on the hashes', () => {
    expect(rows()).toEqual(before);
    expect(verifyAuditChain(db)).toEqual({ ok: true, rows: 3, firstBadId: null, reason: null });
    expect(db.prepare("SELECT strict FROM pragma_table_list WHERE schema = 'main' AND name = 'audit_log'").pluck().get()).toBe(1);
    const indexes = db.pragma('index_list(audit_log)') as { name: string; unique: number }[];
    expect(indexes.map((i) => [i.name, i.unique])).toEqual([['audit_log_entity', 0]]);
    expect(db.prepare("SELECT name FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'audit_log' ORDER BY name").pluck().all()).toEqual([
      'audit_log_at_head',
      'audit_log_no_delete',
      'audit_log_no_update',
    ]);
  });

  it('appends after the last entry, and the chain stays valid', () => {
    const entry = appendAudit(db, { actor: 'Cy', action: 'export.write', entity: 'export', entityId: 1, details: { rows: 2 } });
    expect(entry.id).toBe(4);
    expect(entry.prevHash).toBe((before[2] as { hash: string }).hash);
    expect(verifyAuditChain(db).ok).toBe(true);
  });

  it('refuses a fork, a gap, a renumbered entry and an entry without an id, naming the rule', () => {
    const { id, hash } = head();
    const first = (before[0] as { hash: string }).hash;
    expect(() => insert(id + 1, first, HEX('a'))).toThrow(/an entry follows the last one/); // a fork after entry 1
    expect(() => insert(id + 2, hash, HEX('a'))).toThrow(/an entry follows the last one/); // a gap
    expect(() => insert(id, hash, HEX('a'))).toThrow(/an entry follows the last one/); // an id already taken
    expect(() =>
      db
        .prepare("INSERT INTO audit_log (at, actor, action, entity, prev_hash, hash) VALUES (?, 'x', 'test', 'test', ?, ?)")
        .run(T, hash, HEX('a')),
    ).toThrow(/an entry follows the last one/);
    expect(rows()).toEqual(before);
    insert(id + 1, hash, HEX('a'));
    expect(head()).toEqual({ id: id + 1, hash: HEX('a') });
  });

  it('starts an empty log at id 1 after the genesis hash', () => {
    const empty = new Database(':memory:');
    try {
      migrate(empty, migrations.slice(0, 7));
      const at = empty.prepare("INSERT INTO audit_log (id, at, actor, action, entity, prev_hash, hash) VALUES (?, ?, 'x', 'test', 'test', ?, ?)");
      expect(() => at.run(2, T, GENESIS_HASH, HEX('b'))).toThrow(/an entry follows the last one/);
      expect(() => at.run(1, T, HEX('c'), HEX('b'))).toThrow(/an entry follows the last one/);
      at.run(1, T, GENESIS_HASH, HEX('b'));
      expect(appendAudit(empty, { actor: 'x', action: 'y', entity: 'z' }).id).toBe(2);
    } finally {
      empty.close();
    }
  });

  it('keeps the log append-only', () => {
    expect(() => db.prepare("UPDATE audit_log SET actor = 'Eve' WHERE id = 2").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit_log WHERE id = 3').run()).toThrow(/append-only/);
    expect(rows()).toEqual(before);
  });
});
