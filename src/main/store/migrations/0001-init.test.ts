import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../internal';
import { migrate, migrations } from '../migrate';

/** Schema 0001 on an empty database, exactly as the runner applies it. */
let db: Db;
beforeEach(() => {
  db = new Database(':memory:');
  expect(migrate(db, migrations.slice(0, 1))).toEqual({ from: 0, to: 1, applied: ['0001-init'] });
});
afterEach(() => db.close());

const columns = (table: string) => (db.pragma(`table_info(${table})`) as { name: string }[]).map((c) => c.name);
// Parameters are bound to NULL: the plan depends on the shape of the query, not the values.
const plan = (sql: string) =>
  (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...sql.split('?').slice(1).map(() => null)) as { detail: string }[])
    .map((r) => r.detail)
    .join(' | ');

describe('migration 0001-init', () => {
  it('creates the expected strict tables and columns', () => {
    const tables = (db.prepare("SELECT name, strict, wr FROM pragma_table_list WHERE schema = 'main' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as {
      name: string;
      strict: number;
      wr: number;
    }[]);
    expect(tables.map((t) => t.name)).toEqual([
      'accounts',
      'approvals',
      'audit_log',
      'exports',
      'imports',
      'position_snapshots',
      'positions',
      'prices',
      'proposal_trades',
      'proposals',
      'securities',
      'settings',
    ]);
    expect(tables.every((t) => t.strict === 1)).toBe(true);
    expect(tables.filter((t) => t.wr === 1).map((t) => t.name)).toEqual(['positions', 'prices', 'proposal_trades']);

    expect(columns('settings')).toEqual(['key', 'value']);
    expect(columns('securities')).toEqual(['id', 'ticker', 'isin', 'cusip', 'sedol', 'figi', 'name', 'asset_class', 'currency', 'lot_size']);
    expect(columns('prices')).toEqual(['security_id', 'date', 'close', 'adj_close', 'volume', 'import_id']);
    expect(columns('accounts')).toEqual(['id', 'name', 'base_currency', 'created_at']);
    expect(columns('imports')).toEqual(['id', 'kind', 'file_name', 'sha256', 'format', 'rows', 'status', 'account_id', 'report', 'created_at']);
    expect(columns('position_snapshots')).toEqual(['id', 'account_id', 'as_of', 'import_id', 'cash', 'superseded_by', 'created_at']);
    expect(columns('positions')).toEqual(['snapshot_id', 'security_id', 'quantity', 'price', 'market_value', 'cost_basis']);
    expect(columns('proposals')).toEqual([
      'id',
      'account_id',
      'status',
      'engine',
      'engine_label',
      'parameters',
      'seed',
      'code_version',
      'data_from',
      'data_to',
      'as_of',
      'positions_as_of',
      'snapshot_id',
      'total_value',
      'payload',
      'turnover',
      'created_at',
    ]);
    expect(columns('proposal_trades')).toEqual(['proposal_id', 'seq', 'security_id', 'side', 'quantity', 'price', 'notional', 'currency']);
    expect(columns('approvals')).toEqual(['id', 'proposal_id', 'decision', 'by_whom', 'comment', 'at']);
    expect(columns('exports')).toEqual(['id', 'proposal_id', 'format', 'path', 'sha256', 'rows', 'created_at']);
    expect(columns('audit_log')).toEqual(['id', 'at', 'actor', 'action', 'entity', 'entity_id', 'details', 'prev_hash', 'hash']);
  });

  it('stores exact amounts as TEXT and market prices as REAL', () => {
    const typeOf = (table: string, column: string) =>
      (db.pragma(`table_info(${table})`) as { name: string; type: string }[]).find((c) => c.name === column)?.type;
    for (const [table, column] of [
      ['position_snapshots', 'cash'],
      ['positions', 'quantity'],
      ['positions', 'price'],
      ['positions', 'market_value'],
      ['positions', 'cost_basis'],
      ['proposals', 'total_value'],
      ['proposal_trades', 'quantity'],
      ['proposal_trades', 'notional'],
    ] as const) {
      expect(typeOf(table, column), `${table}.${column}`).toBe('TEXT');
    }
    expect(typeOf('prices', 'close')).toBe('REAL');
    expect(typeOf('prices', 'adj_close')).toBe('REAL');
    expect(typeOf('proposal_trades', 'price')).toBe('REAL');
  });

  it('creates the expected indexes and triggers', () => {
    const named = (type: string) =>
      (db.prepare("SELECT name FROM sqlite_schema WHERE type = ? AND sql IS NOT NULL ORDER BY name").pluck().all(type) as string[]);
    expect(named('index')).toEqual([
      'approvals_proposal',
      'audit_log_entity',
      'exports_proposal',
      'position_snapshots_live',
      'positions_security',
      'prices_date',
      'proposals_account_status',
      'securities_cusip',
      'securities_figi',
      'securities_isin',
      'securities_sedol',
    ]);
    expect(named('trigger')).toEqual([
      'approvals_no_delete',
      'approvals_no_update',
      'audit_log_no_delete',
      'audit_log_no_update',
      'proposal_trades_no_delete',
      'proposal_trades_no_update',
      'proposals_immutable',
      'proposals_no_delete',
      'proposals_status_forward',
    ]);
  });

  it('declares the foreign keys', () => {
    const fks = (table: string) =>
      (db.pragma(`foreign_key_list(${table})`) as { table: string; from: string }[]).map((f) => `${f.from}->${f.table}`).sort();
    expect(fks('prices')).toEqual(['import_id->imports', 'security_id->securities']);
    expect(fks('imports')).toEqual(['account_id->accounts']);
    expect(fks('position_snapshots')).toEqual(['account_id->accounts', 'import_id->imports', 'superseded_by->position_snapshots']);
    expect(fks('positions')).toEqual(['security_id->securities', 'snapshot_id->position_snapshots']);
    expect(fks('proposals')).toEqual(['account_id->accounts', 'snapshot_id->position_snapshots']);
    expect(fks('proposal_trades')).toEqual(['proposal_id->proposals', 'security_id->securities']);
    expect(fks('approvals')).toEqual(['proposal_id->proposals']);
    expect(fks('exports')).toEqual(['proposal_id->proposals']);
    expect(db.pragma('foreign_key_check')).toEqual([]);
  });

  describe('main lookups use an index', () => {
    it.each([
      ['settings by key', 'SELECT value FROM settings WHERE key = ?', /SEARCH settings USING INDEX sqlite_autoindex_settings_1 \(key=\?\)/],
      ['securities by ticker', 'SELECT * FROM securities WHERE ticker = ?', /SEARCH securities USING INDEX sqlite_autoindex_securities_1 \(ticker=\?\)/],
      ['securities by ISIN', 'SELECT * FROM securities WHERE isin = ? ORDER BY id LIMIT 1', /SEARCH securities USING INDEX securities_isin \(isin=\?\)/],
      ['securities by CUSIP', 'SELECT * FROM securities WHERE cusip = ? ORDER BY id LIMIT 1', /USING INDEX securities_cusip \(cusip=\?\)/],
      ['securities by SEDOL', 'SELECT * FROM securities WHERE sedol = ? ORDER BY id LIMIT 1', /USING INDEX securities_sedol \(sedol=\?\)/],
      ['securities by FIGI', 'SELECT * FROM securities WHERE figi = ? ORDER BY id LIMIT 1', /USING INDEX securities_figi \(figi=\?\)/],
      [
        'prices of one security over a range',
        'SELECT date, coalesce(adj_close, close) FROM prices WHERE security_id = ? AND date BETWEEN ? AND ? ORDER BY date',
        /SEARCH prices USING PRIMARY KEY \(security_id=\? AND date>\? AND date<\?\)/,
      ],
      [
        'latest price on or before a date',
        'SELECT date, close FROM prices WHERE security_id = ? AND date <= ? ORDER BY date DESC LIMIT 1',
        /SEARCH prices USING PRIMARY KEY \(security_id=\? AND date<\?\)/,
      ],
      ['prices on a date', 'SELECT security_id FROM prices WHERE date = ?', /SEARCH prices USING COVERING INDEX prices_date \(date=\?\)/],
      ['accounts by id', 'SELECT * FROM accounts WHERE id = ?', /SEARCH accounts USING INDEX sqlite_autoindex_accounts_1 \(id=\?\)/],
      ['imports by SHA-256', 'SELECT * FROM imports WHERE sha256 = ?', /SEARCH imports USING INDEX sqlite_autoindex_imports_1 \(sha256=\?\)/],
      [
        'latest live snapshot of an account',
        'SELECT * FROM position_snapshots WHERE account_id = ? AND as_of <= ? AND superseded_by IS NULL ORDER BY as_of DESC LIMIT 1',
        /SEARCH position_snapshots USING INDEX position_snapshots_live \(account_id=\? AND as_of<\?\)/,
      ],
      ['positions of a snapshot', 'SELECT * FROM positions WHERE snapshot_id = ?', /SEARCH positions USING PRIMARY KEY \(snapshot_id=\?\)/],
      [
        'pending proposals of an account',
        "SELECT id FROM proposals WHERE account_id = ? AND status = 'pending'",
        /SEARCH proposals USING COVERING INDEX proposals_account_status \(account_id=\? AND status=\?\)/,
      ],
      [
        'proposals of an account, newest first',
        'SELECT * FROM proposals p WHERE p.account_id = ? ORDER BY p.id DESC',
        // An account holds tens to hundreds of proposals: sorting them beats a second index.
        /SEARCH p USING INDEX proposals_account_status \(account_id=\?\) \| USE TEMP B-TREE FOR ORDER BY/,
      ],
      ['trades of a proposal', 'SELECT * FROM proposal_trades WHERE proposal_id = ? ORDER BY seq', /SEARCH proposal_trades USING PRIMARY KEY \(proposal_id=\?\)/],
      ['decisions on a proposal', 'SELECT * FROM approvals WHERE proposal_id = ? ORDER BY id', /SEARCH approvals USING INDEX approvals_proposal \(proposal_id=\?\)/],
      ['exports of a proposal', 'SELECT * FROM exports WHERE proposal_id = ? ORDER BY id', /SEARCH exports USING INDEX exports_proposal \(proposal_id=\?\)/],
      ['audit tail', 'SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1', /SCAN audit_log/],
      [
        'audit entries of an entity',
        'SELECT * FROM audit_log WHERE entity = ? AND entity_id = ? ORDER BY id',
        /SEARCH audit_log USING INDEX audit_log_entity \(entity=\? AND entity_id=\?\)/,
      ],
    ])('%s', (_label, sql, expected) => {
      expect(plan(sql)).toMatch(expected);
      if (!expected.source.includes('TEMP B-TREE')) expect(plan(sql)).not.toMatch(/TEMP B-TREE/);
    });
  });
});
