import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../internal';
import { migrate, migrations } from '../migrate';

/**
 * Schema 0002 applied to a 0001 database that already holds what a user of the first release has:
 * imports with prices and a snapshot pointing at them, and a proposal exported twice.
 */
let db: Db;
const T = '2026-01-02T10:00:00.000Z';
const SHA = (c: string) => c.repeat(64);

beforeEach(() => {
  db = new Database(':memory:');
  migrate(db, migrations.slice(0, 1));
  db.exec(`
    INSERT INTO accounts (id, name, base_currency, created_at) VALUES ('ACC-1', 'Fund', 'USD', '${T}');
    INSERT INTO securities (id, ticker, name, asset_class, currency) VALUES (1, 'SPY', 'SPDR', 'equity', 'USD');
    INSERT INTO imports (id, kind, file_name, sha256, format, rows, status, account_id, report, created_at)
      VALUES (1, 'prices', 'p.csv', '${SHA('a')}', 'prices-wide', 1, 'imported', NULL, '{"warnings":[]}', '${T}'),
             (2, 'positions', 'h.csv', '${SHA('b')}', 'positions-simple-csv', 1, 'imported', 'ACC-1', NULL, '${T}');
    INSERT INTO prices (security_id, date, close, import_id) VALUES (1, '2026-01-02', 600.5, 1);
    INSERT INTO position_snapshots (id, account_id, as_of, import_id, cash, created_at) VALUES (1, 'ACC-1', '2026-01-02', 2, '100', '${T}');
    INSERT INTO positions (snapshot_id, security_id, quantity, price) VALUES (1, 1, '10', '600.5');
    INSERT INTO proposals (id, account_id, status, engine, engine_label, parameters, seed, code_version, data_from, data_to, as_of,
      total_value, payload, turnover, created_at)
      VALUES (7, 'ACC-1', 'exported', 'risk-parity-baseline', 'RP', '{}', 0, 'x', '2025-01-02', '2026-01-02', '2026-01-02', '6105', '{}', 0.1, '${T}');
    INSERT INTO exports (id, proposal_id, format, path, sha256, rows, created_at)
      VALUES (1, 7, 'csv', '/tmp/a.csv', '${SHA('c')}', 1, '${T}'), (2, 7, 'csv', '/tmp/b.csv', '${SHA('c')}', 1, '${T}');
  `);
  expect(migrate(db, migrations.slice(0, 2))).toEqual({ from: 1, to: 2, applied: ['0002-custodial-imports'] });
});
afterEach(() => db.close());

const columns = (table: string) => (db.pragma(`table_info(${table})`) as { name: string }[]).map((c) => c.name);
const plan = (sql: string) =>
  (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...sql.split('?').slice(1).map(() => null)) as { detail: string }[])
    .map((r) => r.detail)
    .join(' | ');
const insertImport = (values: { kind: string; sha: string; status?: string; account?: string | null; excluded?: number }) =>
  db
    .prepare('INSERT INTO imports (kind, file_name, sha256, format, rows, status, account_id, created_at, excluded) VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?)')
    .run(values.kind, 'f.csv', values.sha, 'csv', values.status ?? 'imported', values.account ?? null, T, values.excluded ?? 0);

describe('migration 0002-custodial-imports', () => {
  it('adds the profile tables, strict', () => {
    const strict = db.prepare("SELECT name, strict FROM pragma_table_list WHERE schema = 'main' AND name IN ('custodian_profiles', 'ems_profiles', 'imports') ORDER BY name").all();
    expect(strict).toEqual([
      { name: 'custodian_profiles', strict: 1 },
      { name: 'ems_profiles', strict: 1 },
      { name: 'imports', strict: 1 },
    ]);
    expect(columns('custodian_profiles')).toEqual(['name', 'header_signature', 'mapping', 'options', 'created_at', 'updated_at']);
    expect(columns('ems_profiles')).toEqual(['name', 'definition', 'created_at', 'updated_at']);
    expect(columns('imports')).toEqual(['id', 'kind', 'file_name', 'sha256', 'format', 'rows', 'status', 'account_id', 'report', 'created_at', 'excluded']);
    expect(columns('positions')).toEqual(['snapshot_id', 'security_id', 'quantity', 'price', 'market_value', 'cost_basis', 'quantity_type']);
    expect(columns('exports')).toEqual(['id', 'proposal_id', 'format', 'path', 'sha256', 'rows', 'created_at', 'sequence', 'reexport_of']);
    expect(columns('position_snapshots')).toEqual(['id', 'account_id', 'as_of', 'import_id', 'cash', 'superseded_by', 'created_at', 'cash_balances']);
  });

  it('keeps every existing row and the references to the rebuilt imports table', () => {
    expect(db.prepare('SELECT id, kind, status, account_id AS accountId, excluded, report FROM imports ORDER BY id').all()).toEqual([
      { id: 1, kind: 'prices', status: 'imported', accountId: null, excluded: 0, report: '{"warnings":[]}' },
      { id: 2, kind: 'positions', status: 'imported', accountId: 'ACC-1', excluded: 0, report: null },
    ]);
    expect(db.prepare('SELECT import_id FROM prices').pluck().get()).toBe(1);
    expect(db.prepare('SELECT quantity_type FROM positions').pluck().get()).toBe('UNIT');
    const fks = (table: string) => (db.pragma(`foreign_key_list(${table})`) as { table: string; from: string }[]).map((f) => `${f.from}->${f.table}`).sort();
    expect(fks('imports')).toEqual(['account_id->accounts']);
    expect(fks('prices')).toEqual(['import_id->imports', 'security_id->securities']);
    expect(fks('position_snapshots')).toEqual(['account_id->accounts', 'import_id->imports', 'superseded_by->position_snapshots']);
    expect(fks('exports')).toEqual(['proposal_id->proposals', 'reexport_of->exports']);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    // The references still work after the rebuild: a price cannot point at a missing import.
    db.pragma('foreign_keys = ON');
    expect(() => db.prepare("INSERT INTO prices (security_id, date, close, import_id) VALUES (1, '2026-01-03', 1, 99)").run()).toThrow(/FOREIGN KEY/);
  });

  it('numbers the exports of a proposal and points re-exports at the first', () => {
    expect(db.prepare('SELECT id, sequence, reexport_of AS reexportOf FROM exports ORDER BY id').all()).toEqual([
      { id: 1, sequence: 1, reexportOf: null },
      { id: 2, sequence: 2, reexportOf: 1 },
    ]);
    expect(() =>
      db.prepare("INSERT INTO exports (proposal_id, format, path, sha256, rows, created_at, sequence) VALUES (7, 'fix44', '/tmp/c.fix', ?, 1, ?, 2)").run(SHA('d'), T),
    ).toThrow(/UNIQUE/);
    expect(() => db.prepare("UPDATE exports SET path = '/tmp/x' WHERE id = 1").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM exports').run()).toThrow(/append-only/);
  });

  it('lets a holdings import cover several accounts, but never ties a price file to one', () => {
    expect(() => insertImport({ kind: 'positions', sha: SHA('e') })).not.toThrow();
    expect(() => insertImport({ kind: 'prices', sha: SHA('f'), account: 'ACC-1' })).toThrow(/CHECK/);
  });

  it('records partial imports with their exclusions, and only those', () => {
    expect(() => insertImport({ kind: 'positions', sha: SHA('1'), status: 'partial', excluded: 3 })).not.toThrow();
    expect(() => insertImport({ kind: 'positions', sha: SHA('2'), status: 'partial', excluded: 0 })).toThrow(/CHECK/);
    expect(() => insertImport({ kind: 'positions', sha: SHA('3'), status: 'imported', excluded: 2 })).toThrow(/CHECK/);
    expect(() => insertImport({ kind: 'positions', sha: SHA('4'), status: 'half' })).toThrow(/CHECK/);
  });

  it('checks profiles, quantity types and cash balances', () => {
    const profile = db.prepare('INSERT INTO custodian_profiles (name, header_signature, mapping, options, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)');
    profile.run('Custodian A', 'symbol|qty', '{"symbol":"Sym"}', '{}', T, T);
    expect(() => profile.run('Custodian B', 'symbol|qty', '{"symbol":"Sym"}', '{}', T, T)).toThrow(/UNIQUE/);
    expect(() => profile.run('Custodian C', null, '["not an object"]', '{}', T, T)).toThrow(/CHECK/);
    expect(() => profile.run('  ', null, '{}', '{}', T, T)).toThrow(/CHECK/);
    expect(() => profile.run('Custodian D', null, '{}', '{}', T, T)).not.toThrow();
    expect(() => db.prepare('INSERT INTO ems_profiles (name, definition, created_at, updated_at) VALUES (?, ?, ?, ?)').run('EMS', 'nope', T, T)).toThrow(/CHECK/);
    expect(() => db.prepare("INSERT INTO positions (snapshot_id, security_id, quantity, quantity_type) VALUES (1, 1, '5', 'LOTS')").run()).toThrow(/CHECK/);
    expect(() => db.prepare("UPDATE position_snapshots SET cash_balances = '[1]' WHERE id = 1").run()).toThrow(/CHECK/);
    expect(() => db.prepare('UPDATE position_snapshots SET cash_balances = \'{"USD":"1194.84"}\' WHERE id = 1').run()).not.toThrow();
  });

  describe('main lookups use an index', () => {
    it.each([
      ['profile by header signature', 'SELECT * FROM custodian_profiles WHERE header_signature = ?', /SEARCH custodian_profiles USING INDEX custodian_profiles_signature \(header_signature=\?\)/],
      ['profile by name', 'SELECT * FROM custodian_profiles WHERE name = ?', /SEARCH custodian_profiles USING INDEX sqlite_autoindex_custodian_profiles_1 \(name=\?\)/],
      ['EMS profile by name', 'SELECT * FROM ems_profiles WHERE name = ?', /SEARCH ems_profiles USING INDEX sqlite_autoindex_ems_profiles_1 \(name=\?\)/],
      ['imports by SHA-256 (rebuilt table)', 'SELECT * FROM imports WHERE sha256 = ?', /SEARCH imports USING INDEX sqlite_autoindex_imports_1 \(sha256=\?\)/],
      ['snapshots of an import', 'SELECT * FROM position_snapshots WHERE import_id = ? ORDER BY id', /SEARCH position_snapshots USING INDEX position_snapshots_import \(import_id=\?\)/],
      ['exports of a proposal', 'SELECT * FROM exports WHERE proposal_id = ? ORDER BY sequence', /SEARCH exports USING INDEX exports_proposal_sequence \(proposal_id=\?\)/],
      ['next export sequence', 'SELECT coalesce(max(sequence), 0) + 1 FROM exports WHERE proposal_id = ?', /SEARCH exports USING COVERING INDEX exports_proposal_sequence \(proposal_id=\?\)/],
    ])('%s', (_label, sql, expected) => {
      expect(plan(sql)).toMatch(expected);
      expect(plan(sql)).not.toMatch(/TEMP B-TREE/);
    });
  });
});
