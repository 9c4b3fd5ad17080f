import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../internal';
import { migrate, migrations } from '../migrate';

/**
 * Schema 0004 applied to a 0003 database that already holds decisions: an approved and a rejected
 * proposal, and an audit log with two entries.
 */
let db: Db;
const T = '2026-01-02T10:00:00.000Z';
const HEX = (c: string) => c.repeat(64);

beforeEach(() => {
  db = new Database(':memory:');
  migrate(db, migrations.slice(0, 3));
  db.exec(`
    INSERT INTO accounts (id, name, base_currency, created_at) VALUES ('ACC-1', 'Fund', 'USD', '${T}');
    INSERT INTO proposals (id, account_id, status, engine, engine_label, parameters, seed, code_version, data_from, data_to, as_of,
      total_value, payload, turnover, created_at)
      VALUES (7, 'ACC-1', 'approved', 'risk-parity-baseline', 'RP', '{}', 0, 'x', '2025-01-02', '2026-01-02', '2026-01-02', '6105', '{}', 0.1, '${T}'),
             (8, 'ACC-1', 'rejected', 'risk-parity-baseline', 'RP', '{}', 0, 'x', '2025-01-02', '2026-01-02', '2026-01-02', '6105', '{}', 0.1, '${T}');
    INSERT INTO approvals (proposal_id, decision, by_whom, comment, at) VALUES (7, 'approved', 'Ann', NULL, '${T}'), (8, 'rejected', 'Bob', 'no', '${T}');
    INSERT INTO audit_log (id, at, actor, action, entity, entity_id, details, prev_hash, hash)
      VALUES (1, '${T}', 'Ann', 'proposal.approve', 'proposal', '7', NULL, '${HEX('0')}', '${HEX('1')}'),
             (2, '${T}', 'Bob', 'proposal.reject', 'proposal', '8', NULL, '${HEX('1')}', '${HEX('2')}');
  `);
  expect(migrate(db, migrations.slice(0, 4))).toEqual({ from: 3, to: 4, applied: ['0004-audit-anchors'] });
  db.pragma('foreign_keys = ON');
});
afterEach(() => db.close());

const columns = (table: string) => (db.pragma(`table_info(${table})`) as { name: string }[]).map((c) => c.name);
const insertDecision = (rows: number | null, head: string | null) =>
  db
    .prepare("INSERT INTO approvals (proposal_id, decision, by_whom, comment, at, audit_rows, audit_head) VALUES (7, 'approved', 'Cy', NULL, ?, ?, ?)")
    .run(T, rows, head);

describe('migration 0004-audit-anchors', () => {
  it('adds the anchor columns to approvals and keeps the table strict', () => {
    expect(columns('approvals')).toEqual(['id', 'proposal_id', 'decision', 'by_whom', 'comment', 'at', 'audit_rows', 'audit_head']);
    expect(db.prepare("SELECT strict FROM pragma_table_list WHERE schema = 'main' AND name = 'approvals'").pluck().get()).toBe(1);
  });

  it('leaves decisions made before it without an anchor', () => {
    expect(db.prepare('SELECT proposal_id, audit_rows, audit_head FROM approvals ORDER BY id').all()).toEqual([
      { proposal_id: 7, audit_rows: null, audit_head: null },
      { proposal_id: 8, audit_rows: null, audit_head: null },
    ]);
  });

  it('accepts a complete anchor and refuses a half, a negative count or a hash that is not lower-case hex', () => {
    insertDecision(2, HEX('2'));
    expect(() => insertDecision(2, null)).toThrow(/go together/);
    expect(() => insertDecision(null, HEX('2'))).toThrow(/go together/);
    expect(() => insertDecision(-1, HEX('2'))).toThrow(/CHECK constraint failed/);
    expect(() => insertDecision(2, HEX('A'))).toThrow(/CHECK constraint failed/);
    expect(() => insertDecision(2, 'abc')).toThrow(/CHECK constraint failed/);
  });

  it('keeps approvals append-only', () => {
    expect(() => db.prepare('UPDATE approvals SET audit_rows = 5 WHERE id = 1').run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM approvals WHERE id = 1').run()).toThrow(/append-only/);
  });

  it('still finds a proposal’s decisions through the index', () => {
    const plan = (db.prepare('EXPLAIN QUERY PLAN SELECT * FROM approvals WHERE proposal_id = ? ORDER BY id').all(7) as { detail: string }[])
      .map((r) => r.detail)
      .join(' | ');
    expect(plan).toMatch(/SEARCH approvals USING INDEX approvals_proposal \(proposal_id=\?\)/);
  });
});
