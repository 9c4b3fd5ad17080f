import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../internal';
import { migrate, migrations } from '../migrate';

/**
 * Schema 0003 applied to a 0002 database that already holds what a user of the second release has:
 * securities with prices, an account, an exported proposal with a trade.
 */
let db: Db;
const T = '2026-01-02T10:00:00.000Z';
const SHA = (c: string) => c.repeat(64);

beforeEach(() => {
  db = new Database(':memory:');
  migrate(db, migrations.slice(0, 2));
  db.exec(`
    INSERT INTO accounts (id, name, base_currency, created_at) VALUES ('ACC-1', 'Fund', 'USD', '${T}');
    INSERT INTO securities (id, ticker, name, asset_class, currency) VALUES (1, 'SPY', 'SPDR', 'equity', 'USD'), (2, 'AGG', 'iShares', 'fixed_income', 'USD');
    INSERT INTO imports (id, kind, file_name, sha256, format, rows, status, account_id, report, created_at)
      VALUES (1, 'prices', 'p.csv', '${SHA('a')}', 'prices-wide', 2, 'imported', NULL, NULL, '${T}');
    INSERT INTO prices (security_id, date, close, import_id) VALUES (1, '2026-01-02', 600.5, 1), (2, '2026-01-02', 98.25, 1);
    INSERT INTO proposals (id, account_id, status, engine, engine_label, parameters, seed, code_version, data_from, data_to, as_of,
      total_value, payload, turnover, created_at)
      VALUES (7, 'ACC-1', 'approved', 'risk-parity-baseline', 'RP', '{}', 0, 'x', '2025-01-02', '2026-01-02', '2026-01-02', '6105', '{}', 0.1, '${T}');
    INSERT INTO proposal_trades (proposal_id, seq, security_id, side, quantity, price, notional, currency) VALUES (7, 1, 1, 'BUY', '10', 600.5, '6005', 'USD');
  `);
  expect(migrate(db, migrations.slice(0, 3))).toEqual({ from: 2, to: 3, applied: ['0003-strategy'] });
  db.pragma('foreign_keys = ON');
});
afterEach(() => db.close());

const columns = (table: string) => (db.pragma(`table_info(${table})`) as { name: string }[]).map((c) => c.name);
const plan = (sql: string) =>
  (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...sql.split('?').slice(1).map(() => null)) as { detail: string }[])
    .map((r) => r.detail)
    .join(' | ');

const insertIndicator = (name: string, unit = 'level', role = 'input') =>
  db.prepare('INSERT INTO indicators (name, description, unit, role, created_at) VALUES (?, NULL, ?, ?, ?) RETURNING id').pluck().get(name, unit, role, T) as number;

const insertRun = (overrides: Record<string, unknown> = {}) => {
  const row = {
    kind: 'bnn-walk-forward',
    config: '{"horizonDays":21}',
    config_key: SHA('c'),
    tickers: '["SPY","AGG"]',
    seed: 42,
    data_from: '2025-01-02',
    data_to: '2026-01-02',
    trained_through: null,
    last_forecast_date: null,
    data_fingerprint: SHA('f'),
    status: 'running',
    metrics: null,
    checkpoint: null,
    backend: 'cpu',
    code_version: '0.2.0',
    created_at: T,
    updated_at: T,
    ...overrides,
  };
  const names = Object.keys(row);
  return db
    .prepare(`INSERT INTO model_runs (${names.join(', ')}) VALUES (${names.map((n) => `@${n}`).join(', ')}) RETURNING id`)
    .pluck()
    .get(row) as number;
};

const insertForecast = (values: Partial<Record<string, unknown>> = {}) => {
  const row = {
    model_run_id: 1,
    date: '2026-01-02',
    security_id: 1,
    horizon: 21,
    mean: 0.01,
    epistemic_var: 0.0001,
    aleatoric_var: 0.002,
    lower50: -0.02,
    upper50: 0.04,
    lower90: -0.06,
    upper90: 0.08,
    ...values,
  };
  const names = Object.keys(row);
  return db.prepare(`INSERT INTO forecasts (${names.join(', ')}) VALUES (${names.map((n) => `@${n}`).join(', ')})`).run(row);
};

const insertEvent = (values: Partial<Record<string, unknown>> = {}) => {
  const row = {
    account_id: 'ACC-1',
    date: '2026-01-02',
    from_state: 'NORMAL',
    to_state: 'CAUTION',
    certainty: -1.7,
    reason: 'certainty fell below the warn threshold',
    kind: 'model',
    actor: 'model',
    proposal_id: null,
    created_at: T,
    ...values,
  };
  const names = Object.keys(row);
  return db.prepare(`INSERT INTO breaker_events (${names.join(', ')}) VALUES (${names.map((n) => `@${n}`).join(', ')})`).run(row);
};

describe('migration 0003-strategy', () => {
  it('adds the strategy tables, strict, the value tables clustered', () => {
    const tables = db
      .prepare("SELECT name, strict, wr FROM pragma_table_list WHERE schema = 'main' AND name IN ('indicators', 'indicator_values', 'model_runs', 'forecasts', 'breaker_events') ORDER BY name")
      .all();
    expect(tables).toEqual([
      { name: 'breaker_events', strict: 1, wr: 0 },
      { name: 'forecasts', strict: 1, wr: 1 },
      { name: 'indicator_values', strict: 1, wr: 1 },
      { name: 'indicators', strict: 1, wr: 0 },
      { name: 'model_runs', strict: 1, wr: 0 },
    ]);
    expect(columns('indicators')).toEqual(['id', 'name', 'description', 'unit', 'role', 'created_at']);
    expect(columns('indicator_values')).toEqual(['indicator_id', 'date', 'value']);
    expect(columns('model_runs')).toEqual([
      'id',
      'kind',
      'config',
      'config_key',
      'tickers',
      'seed',
      'data_from',
      'data_to',
      'trained_through',
      'last_forecast_date',
      'data_fingerprint',
      'status',
      'metrics',
      'checkpoint',
      'backend',
      'code_version',
      'created_at',
      'updated_at',
    ]);
    expect(columns('forecasts')).toEqual([
      'model_run_id',
      'date',
      'security_id',
      'horizon',
      'mean',
      'epistemic_var',
      'aleatoric_var',
      'lower50',
      'upper50',
      'lower90',
      'upper90',
    ]);
    expect(columns('breaker_events')).toEqual(['id', 'account_id', 'date', 'from_state', 'to_state', 'certainty', 'reason', 'kind', 'actor', 'proposal_id', 'created_at']);
    expect(columns('proposals').at(-1)).toBe('model_run_id');
    const fks = (table: string) => (db.pragma(`foreign_key_list(${table})`) as { table: string; from: string }[]).map((f) => `${f.from}->${f.table}`).sort();
    expect(fks('indicator_values')).toEqual(['indicator_id->indicators']);
    expect(fks('forecasts')).toEqual(['model_run_id->model_runs', 'security_id->securities']);
    expect(fks('breaker_events')).toEqual(['account_id->accounts', 'proposal_id->proposals']);
    expect(fks('proposals')).toContain('model_run_id->model_runs');
  });

  it('keeps the existing rows: old proposals have no model run and stay immutable', () => {
    expect(db.prepare('SELECT count(*) FROM prices').pluck().get()).toBe(2);
    expect(db.prepare('SELECT id, status, model_run_id AS modelRunId FROM proposals').all()).toEqual([{ id: 7, status: 'approved', modelRunId: null }]);
    expect(db.prepare('SELECT count(*) FROM proposal_trades').pluck().get()).toBe(1);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    const run = insertRun();
    expect(() => db.prepare('UPDATE proposals SET model_run_id = ? WHERE id = 7').run(run)).toThrow(/immutable/);
    expect(() => db.prepare("UPDATE proposals SET payload = '{}' WHERE id = 7").run()).toThrow(/immutable/);
    expect(() => db.prepare("UPDATE proposals SET status = 'exported' WHERE id = 7").run()).not.toThrow();
    expect(() => db.prepare('DELETE FROM proposals').run()).toThrow(/cannot be deleted/);
  });

  it('checks indicator names, units and roles; one cash rate at most', () => {
    for (const name of ['VIX', 'TBILL-13W', 'TERM_SPREAD', '^IRX', 'DGS10', 'BAA.AAA']) expect(() => insertIndicator(name)).not.toThrow();
    for (const name of ['', 'vix', 'TERM SPREAD', '-X', 'A'.repeat(33), 'VIX!']) expect(() => insertIndicator(name), name).toThrow(/CHECK/);
    expect(() => insertIndicator('VIX')).toThrow(/UNIQUE/);
    expect(() => insertIndicator('X1', 'points')).toThrow(/CHECK/);
    expect(() => insertIndicator('X2', 'level', 'signal')).toThrow(/CHECK/);
    expect(() => insertIndicator('X3', 'level', 'cash-rate')).toThrow(/CHECK/);
    expect(() => insertIndicator('TBILL', 'percent', 'cash-rate')).not.toThrow();
    expect(() => insertIndicator('SOFR', 'fraction', 'cash-rate')).toThrow(/UNIQUE/);
  });

  it('stores indicator values as finite REALs on valid dates, zero and negative included', () => {
    const id = insertIndicator('TBILL', 'percent', 'cash-rate');
    const put = db.prepare('INSERT INTO indicator_values (indicator_id, date, value) VALUES (?, ?, ?)');
    expect(() => put.run(id, '2020-03-25', -0.07)).not.toThrow();
    expect(() => put.run(id, '2020-03-26', 0)).not.toThrow();
    expect(() => put.run(id, '2020-03-26', 1)).toThrow(/UNIQUE|PRIMARY/);
    expect(() => put.run(id, '2020-02-30', 1)).toThrow(/CHECK/);
    expect(() => put.run(id, '2020-03-27', Infinity)).toThrow(/CHECK/);
    expect(() => put.run(id, '2020-03-27', Number.NaN)).toThrow(/NOT NULL/);
    expect(() => put.run(id, '2020-03-27', 'n/a')).toThrow(/cannot store TEXT/);
    expect(() => put.run(99, '2020-03-27', 1)).toThrow(/FOREIGN KEY/);
  });

  it('checks model runs', () => {
    expect(insertRun()).toBe(1);
    expect(() => insertRun({ kind: 'gp' })).toThrow(/CHECK/);
    expect(() => insertRun({ config: '[1]' })).toThrow(/CHECK/);
    expect(() => insertRun({ config_key: 'abc' })).toThrow(/CHECK/);
    expect(() => insertRun({ tickers: '[]' })).toThrow(/CHECK/);
    expect(() => insertRun({ data_to: '2024-01-01' })).toThrow(/CHECK/);
    expect(() => insertRun({ trained_through: '2026-02-01' })).toThrow(/CHECK/);
    expect(() => insertRun({ last_forecast_date: '2026-02-01' })).toThrow(/CHECK/);
    expect(() => insertRun({ data_fingerprint: SHA('F') })).toThrow(/CHECK/);
    expect(() => insertRun({ status: 'done' })).toThrow(/CHECK/);
    expect(() => insertRun({ metrics: '"ok"' })).toThrow(/CHECK/);
    expect(() => insertRun({ backend: '' })).toThrow(/CHECK/);
    expect(() => insertRun({ updated_at: '2026-01-02 10:00' })).toThrow(/CHECK/);
    expect(insertRun({ checkpoint: Buffer.from([1, 2, 3]), status: 'complete', trained_through: '2025-12-01', last_forecast_date: '2026-01-02', metrics: '{"loss":0.1}' })).toBe(2);
  });

  it('checks forecasts: finite, non-negative variances, ordered intervals, one row per run, date and security', () => {
    insertRun();
    expect(() => insertForecast()).not.toThrow();
    expect(() => insertForecast()).toThrow(/UNIQUE|PRIMARY/);
    expect(() => insertForecast({ security_id: 2, mean: Number.NaN })).toThrow(/NOT NULL/);
    expect(() => insertForecast({ security_id: 2, mean: -Infinity })).toThrow(/CHECK/);
    expect(() => insertForecast({ security_id: 2, epistemic_var: -1e-9 })).toThrow(/CHECK/);
    expect(() => insertForecast({ security_id: 2, aleatoric_var: Infinity })).toThrow(/CHECK/);
    expect(() => insertForecast({ security_id: 2, lower50: 0.05 })).toThrow(/CHECK/);
    expect(() => insertForecast({ security_id: 2, lower90: 0.09 })).toThrow(/CHECK/);
    expect(() => insertForecast({ security_id: 2, horizon: 0 })).toThrow(/CHECK/);
    expect(() => insertForecast({ security_id: 3 })).toThrow(/FOREIGN KEY/);
    expect(() => insertForecast({ model_run_id: 9, security_id: 2 })).toThrow(/FOREIGN KEY/);
    expect(() => insertForecast({ security_id: 2 })).not.toThrow();
  });

  it('checks breaker events and keeps them append-only', () => {
    expect(() => insertEvent()).not.toThrow();
    expect(() => insertEvent({ to_state: 'OFF' })).toThrow(/CHECK/);
    expect(() => insertEvent({ to_state: 'NORMAL' })).toThrow(/CHECK/);
    expect(() => insertEvent({ kind: 'manual' })).toThrow(/CHECK/);
    expect(() => insertEvent({ reason: '  ' })).toThrow(/CHECK/);
    expect(() => insertEvent({ actor: '' })).toThrow(/CHECK/);
    expect(() => insertEvent({ certainty: null })).not.toThrow();
    // An override belongs to a proposal and may confirm the state the model is in.
    expect(() => insertEvent({ kind: 'override', to_state: 'NORMAL', actor: 'Jane PM' })).toThrow(/CHECK/);
    expect(() => insertEvent({ kind: 'override', from_state: 'CAUTION', to_state: 'CAUTION', actor: 'Jane PM', proposal_id: 7 })).not.toThrow();
    expect(() => insertEvent({ proposal_id: 99 })).toThrow(/FOREIGN KEY/);
    expect(() => insertEvent({ account_id: 'NOPE' })).toThrow(/FOREIGN KEY/);
    expect(() => db.prepare("UPDATE breaker_events SET reason = 'edited' WHERE id = 1").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM breaker_events').run()).toThrow(/append-only/);
  });

  describe('main lookups use an index', () => {
    it.each([
      ['indicator by name', 'SELECT * FROM indicators WHERE name = ?', /SEARCH indicators USING INDEX sqlite_autoindex_indicators_1 \(name=\?\)/],
      ['the cash-rate series', "SELECT * FROM indicators WHERE role = 'cash-rate'", /SEARCH indicators USING (COVERING )?INDEX indicators_one_cash_rate \(role=\?\)/],
      [
        'a series up to a date',
        'SELECT date, value FROM indicator_values WHERE indicator_id = ? AND date <= ? ORDER BY date',
        /SEARCH indicator_values USING PRIMARY KEY \(indicator_id=\? AND date<\?\)/,
      ],
      ['newest run of a config', 'SELECT id FROM model_runs WHERE config_key = ? ORDER BY id DESC LIMIT 1', /SEARCH model_runs USING COVERING INDEX model_runs_config \(config_key=\?\)/],
      [
        'forecasts of a run over a date range',
        'SELECT * FROM forecasts WHERE model_run_id = ? AND date BETWEEN ? AND ? ORDER BY date, security_id',
        /SEARCH forecasts USING PRIMARY KEY \(model_run_id=\? AND date>\? AND date<\?\)/,
      ],
      [
        "an account's breaker history",
        'SELECT * FROM breaker_events WHERE account_id = ? AND date <= ? ORDER BY date, id',
        /SEARCH breaker_events USING INDEX breaker_events_account_date \(account_id=\? AND date<\?\)/,
      ],
      ['proposals of a model run', 'SELECT id FROM proposals WHERE model_run_id = ?', /SEARCH proposals USING (COVERING )?INDEX proposals_model_run \(model_run_id=\?\)/],
    ])('%s', (_label, sql, expected) => {
      expect(plan(sql)).toMatch(expected);
      expect(plan(sql)).not.toMatch(/TEMP B-TREE/);
    });
  });
});
