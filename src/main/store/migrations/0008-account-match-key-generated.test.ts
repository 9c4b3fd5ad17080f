import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../internal';
import { migrate, migrations } from '../migrate';

/**
 * Schema 0008 applied to a 0007 database with accounts, a snapshot and a proposal pointing at them: the match key
 * becomes a generated column of the id (no trigger, no second write), indexed as before.
 */
let db: Db;
const T = '2026-01-02T10:00:00.000Z';
let before: unknown[];

beforeEach(() => {
  db = new Database(':memory:');
  migrate(db, migrations.slice(0, 7));
  db.exec(`
    INSERT INTO accounts (id, name, base_currency, created_at) VALUES ('acc-1.x', 'Fund', 'USD', '${T}'), ('DE 1234 5678', 'Konto', 'EUR', '${T}');
    INSERT INTO securities (id, ticker, name, asset_class, currency) VALUES (1, 'SPY', 'SPDR', 'equity', 'USD');
    INSERT INTO position_snapshots (id, account_id, as_of, cash, created_at) VALUES (1, 'acc-1.x', '2026-01-02', '-10.5', '${T}');
    INSERT INTO positions (snapshot_id, security_id, quantity) VALUES (1, 1, '-5');
  `);
  before = db.prepare('SELECT id, name, base_currency, created_at, match_key FROM accounts ORDER BY id').all();
  expect(migrate(db, migrations.slice(0, 8))).toEqual({ from: 7, to: 8, applied: ['0008-account-match-key-generated'] });
  db.pragma('foreign_keys = ON');
});
afterEach(() => db.close());

const plan = (sql: string, ...params: unknown[]) =>
  (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail).join(' | ');

describe('migration 0008-account-match-key-generated', () => {
  it('keeps every account with the same match key, the snapshot pointing at it, and the table strict', () => {
    expect(before).toEqual([
      { id: 'DE 1234 5678', name: 'Konto', base_currency: 'EUR', created_at: T, match_key: 'DE12345678' },
      { id: 'acc-1.x', name: 'Fund', base_currency: 'USD', created_at: T, match_key: 'ACC1X' },
    ]);
    expect(db.prepare('SELECT id, name, base_currency, created_at, match_key FROM accounts ORDER BY id').all()).toEqual(before);
    expect(db.prepare('SELECT account_id FROM position_snapshots').pluck().all()).toEqual(['acc-1.x']);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    expect(db.prepare("SELECT strict FROM pragma_table_list WHERE schema = 'main' AND name = 'accounts'").pluck().get()).toBe(1);
    expect(db.prepare("SELECT name FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'accounts'").all()).toEqual([]);
  });

  it('derives the match key whoever inserts, and lets nobody set it', () => {
    const insert = db.prepare(`INSERT INTO accounts (id, name, base_currency, created_at) VALUES (?, 'x', 'USD', '${T}')`);
    insert.run('12345/678-9');
    insert.run('ab_c d');
    expect(db.prepare("SELECT match_key FROM accounts WHERE id = '12345/678-9'").pluck().get()).toBe('123456789');
    expect(db.prepare("SELECT match_key FROM accounts WHERE id = 'ab_c d'").pluck().get()).toBe('ABCD');
    expect(() => db.prepare(`INSERT INTO accounts (id, name, base_currency, created_at, match_key) VALUES ('Z1', 'x', 'USD', '${T}', 'WRONG')`).run()).toThrow(
      /generated column/,
    );
    expect(() => db.prepare("UPDATE accounts SET match_key = 'WRONG' WHERE id = 'acc-1.x'").run()).toThrow(/generated column/);
    // A renamed id takes its key with it.
    db.prepare("UPDATE accounts SET id = 'acc-2' WHERE id = 'DE 1234 5678'").run();
    expect(db.prepare("SELECT match_key FROM accounts WHERE id = 'acc-2'").pluck().get()).toBe('ACC2');
    for (const bad of ['-lead', 'trail ', 'semi;colon', '', 'x'.repeat(65)]) expect(() => insert.run(bad), bad).toThrow(/CHECK/);
  });

  it('finds an account by match key through the index', () => {
    expect(plan('SELECT id FROM accounts WHERE match_key = ?', 'X')).toMatch(/USING INDEX accounts_match_key/);
    expect(db.prepare('SELECT id FROM accounts WHERE match_key = ?').pluck().all('ACC1X')).toEqual(['acc-1.x']);
  });
});
