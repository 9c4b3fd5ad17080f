import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../internal';
import { migrate, migrations } from '../migrate';

/**
 * Schema 0006 applied to a 0005 database that already holds an account with a snapshot, a proposal and
 * an import pointing at it: accounts rebuilt for ids as custodians write them (with the match key filled
 * in by trigger), instrument terms on securities, and the custodian-code table.
 */
let db: Db;
const T = '2026-01-02T10:00:00.000Z';

beforeEach(() => {
  db = new Database(':memory:');
  migrate(db, migrations.slice(0, 5));
  db.exec(`
    INSERT INTO accounts (id, name, base_currency, created_at) VALUES ('acc-1.x', 'Fund', 'USD', '${T}');
    INSERT INTO securities (id, ticker, name, asset_class, currency) VALUES (1, 'SPY', 'SPDR', 'equity', 'USD');
    INSERT INTO position_snapshots (id, account_id, as_of, cash, created_at) VALUES (1, 'acc-1.x', '2026-01-02', '-10.5', '${T}');
    INSERT INTO positions (snapshot_id, security_id, quantity) VALUES (1, 1, '-5');
  `);
  expect(migrate(db, migrations.slice(0, 6))).toEqual({ from: 5, to: 6, applied: ['0006-holdings-as-they-are'] });
  db.pragma('foreign_keys = ON');
});
afterEach(() => db.close());

const columns = (table: string) => (db.pragma(`table_info(${table})`) as { name: string }[]).map((c) => c.name);
const plan = (sql: string, ...params: unknown[]) =>
  (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail).join(' | ');

describe('migration 0006-holdings-as-they-are', () => {
  it('keeps every account, snapshot and holding, fills the match key, and stays strict', () => {
    expect(db.prepare('SELECT id, match_key FROM accounts').all()).toEqual([{ id: 'acc-1.x', match_key: 'ACC1X' }]);
    expect(db.prepare('SELECT account_id, cash FROM position_snapshots').all()).toEqual([{ account_id: 'acc-1.x', cash: '-10.5' }]);
    expect(db.prepare('SELECT quantity FROM positions').pluck().all()).toEqual(['-5']);
    expect(db.prepare("SELECT strict FROM pragma_table_list WHERE schema = 'main' AND name = 'accounts'").pluck().get()).toBe(1);
    expect(db.pragma('foreign_key_check')).toEqual([]);
  });

  it('accepts account ids as custodians write them and derives the match key whoever inserts', () => {
    const insert = db.prepare(`INSERT INTO accounts (id, name, base_currency, created_at) VALUES (?, 'x', 'USD', '${T}')`);
    insert.run('12345/678-9');
    insert.run('DE 1234 5678');
    expect(db.prepare("SELECT match_key FROM accounts WHERE id = '12345/678-9'").pluck().get()).toBe('123456789');
    expect(db.prepare("SELECT match_key FROM accounts WHERE id = 'DE 1234 5678'").pluck().get()).toBe('DE12345678');
    for (const bad of ['-lead', 'trail ', 'semi;colon', '', 'x'.repeat(65)]) expect(() => insert.run(bad), bad).toThrow(/CHECK/);
    db.prepare("UPDATE accounts SET match_key = 'WRONG' WHERE id = 'DE 1234 5678'").run();
    expect(db.prepare("SELECT match_key FROM accounts WHERE id = 'DE 1234 5678'").pluck().get()).toBe('DE12345678');
    expect(plan('SELECT id FROM accounts WHERE match_key = ?', 'X')).toMatch(/USING INDEX accounts_match_key/);
  });

  it('adds instrument terms to securities, checked', () => {
    expect(columns('securities').slice(-6)).toEqual(['instrument_type', 'multiplier', 'underlying', 'expiry', 'strike', 'put_call']);
    const insert = db.prepare("INSERT INTO securities (ticker, name, asset_class, currency, instrument_type, multiplier, expiry, strike, put_call) VALUES (?, 'o', 'other', 'USD', ?, ?, ?, ?, ?)");
    insert.run('OPT1', 'option', '100', '2025-06-20', '230', 'call');
    expect(() => insert.run('OPT2', 'swap', null, null, null, null)).toThrow(/CHECK/);
    expect(() => insert.run('OPT3', 'option', '0', null, null, null)).toThrow(/CHECK/);
    expect(() => insert.run('OPT4', 'option', '-100', null, null, null)).toThrow(/CHECK/);
    expect(() => insert.run('OPT5', 'option', '100', '2025-02-30', null, null)).toThrow(/CHECK/);
    expect(() => insert.run('OPT6', 'option', '100', null, '1e3', null)).toThrow(/CHECK/);
    expect(() => insert.run('OPT7', 'option', '100', null, null, 'C')).toThrow(/CHECK/);
  });

  it('keeps custodian codes per custodian, looked up by (custodian, code) and by security', () => {
    const insert = db.prepare(`INSERT INTO security_custodian_codes (custodian, code, security_id, created_at) VALUES (?, ?, ?, '${T}')`);
    insert.run('Vanguard', 'VGI001234', 1);
    insert.run('Fidelity', 'VGI001234', 1);
    expect(() => insert.run('Vanguard', 'VGI001234', 1)).toThrow(/UNIQUE|PRIMARY KEY/);
    expect(() => insert.run('Vanguard', 'X', 99)).toThrow(/FOREIGN KEY/);
    expect(plan('SELECT security_id FROM security_custodian_codes WHERE custodian = ? AND code = ?', 'a', 'b')).toMatch(/PRIMARY KEY|USING/);
    expect(plan('SELECT code FROM security_custodian_codes WHERE security_id = ?', 1)).toMatch(/security_custodian_codes_security/);
  });
});
