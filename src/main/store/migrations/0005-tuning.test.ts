import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../internal';
import { migrate, migrations } from '../migrate';

/**
 * Schema 0005 applied to a 0004 database that already holds an account, a model run and a proposal made from it.
 */
let db: Db;
const T = '2026-01-02T10:00:00.000Z';
const SHA = (c: string) => c.repeat(64);

beforeEach(() => {
  db = new Database(':memory:');
  migrate(db, migrations.slice(0, 4));
  db.exec(`
    INSERT INTO accounts (id, name, base_currency, created_at) VALUES ('ACC-1', 'Fund', 'USD', '${T}');
    INSERT INTO model_runs (id, kind, config, config_key, tickers, seed, data_from, data_to, data_fingerprint, status, backend, code_version, created_at, updated_at)
      VALUES (1, 'bnn-walk-forward', '{}', '${SHA('c')}', '["SPY","AGG"]', 7, '2020-01-02', '2026-01-02', '${SHA('f')}', 'complete', 'cpu', '0.2.0', '${T}', '${T}');
  `);
  expect(migrate(db, migrations.slice(0, 5))).toEqual({ from: 4, to: 5, applied: ['0005-tuning'] });
  db.pragma('foreign_keys = ON');
});
afterEach(() => db.close());

const columns = (table: string) => (db.pragma(`table_info(${table})`) as { name: string }[]).map((c) => c.name);
const plan = (sql: string, ...params: unknown[]) =>
  (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail).join(' | ');

const insertRun = (overrides: Record<string, unknown> = {}) => {
  const row = {
    account_id: 'ACC-1',
    status: 'running',
    objective: 'sharpe',
    budget: 20,
    batch: 2,
    seed: 1,
    input: '{}',
    space: '[{"name":"riskAversion"}]',
    priors: '{}',
    constraints: '[]',
    base_theta: '{}',
    tickers: '["SPY","AGG"]',
    folds: '[{"from":"2020-01-02","to":"2021-01-04"}]',
    test_window: '{"from":"2021-01-05","to":"2022-01-03"}',
    model_run_id: 1,
    owner_pid: 4242,
    owner_host: 'workstation-1',
    heartbeat_at: T,
    created_at: T,
    updated_at: T,
    ...overrides,
  };
  const names = Object.keys(row);
  return db.prepare(`INSERT INTO tuning_runs (${names.join(', ')}) VALUES (${names.map((n) => `@${n}`).join(', ')}) RETURNING id`).pluck().get(row) as number;
};
const insertObservation = (overrides: Record<string, unknown> = {}) => {
  const row = { run_id: 1, search: 'bayesian', idx: 0, theta: '{"riskAversion":3}', folds: '[0.5]', validation: 0.5, feasible: 1, reason: null, source: 'design', seconds: 1.5, metrics: '[{}]', ...overrides };
  const names = Object.keys(row);
  db.prepare(`INSERT INTO tuning_observations (${names.join(', ')}) VALUES (${names.map((n) => `@${n}`).join(', ')})`).run(row);
};

describe('migration 0005-tuning', () => {
  it('adds tuning_runs and tuning_observations, strict, observations clustered by (run, search, index)', () => {
    expect(columns('tuning_runs')).toEqual([
      'id', 'account_id', 'status', 'objective', 'budget', 'batch', 'seed', 'input', 'space', 'priors', 'constraints', 'base_theta', 'tickers', 'folds',
      'test_window', 'model_run_id', 'warm_start_from', 'state', 'best', 'test_value', 'comparison', 'importance', 'error', 'owner_pid', 'owner_host',
      'heartbeat_at', 'created_at', 'updated_at',
      'finished_at', 'accepted_at', 'accepted_by', 'accept_reason',
    ]);
    expect(columns('tuning_observations')).toEqual(['run_id', 'search', 'idx', 'theta', 'folds', 'validation', 'feasible', 'reason', 'source', 'seconds', 'metrics']);
    const sql = (name: string) => db.prepare("SELECT sql FROM sqlite_master WHERE name = ?").pluck().get(name) as string;
    expect(sql('tuning_runs')).toMatch(/\) STRICT$/);
    expect(sql('tuning_observations')).toMatch(/STRICT, WITHOUT ROWID$/);
  });

  it('finds a run’s observations, an account’s runs and its latest accepted run by index', () => {
    expect(plan('SELECT * FROM tuning_observations WHERE run_id = ? AND search = ? ORDER BY idx', 1, 'bayesian')).toMatch(/SEARCH tuning_observations USING PRIMARY KEY \(run_id=\? AND search=\?\)/);
    expect(plan('SELECT id FROM tuning_runs WHERE account_id = ? ORDER BY id DESC', 'ACC-1')).toMatch(/USING (COVERING )?INDEX tuning_runs_account/);
    expect(plan('SELECT id FROM tuning_runs WHERE account_id = ? AND accepted_at IS NOT NULL ORDER BY accepted_at DESC, id DESC LIMIT 1', 'ACC-1')).toMatch(
      /INDEX tuning_runs_accepted/,
    );
  });

  it('checks runs: status, objective, JSON shapes, an account and model run that exist', () => {
    expect(insertRun()).toBe(1);
    expect(() => insertRun({ status: 'paused' })).toThrow(/CHECK/);
    expect(() => insertRun({ objective: 'alpha' })).toThrow(/CHECK/);
    expect(() => insertRun({ space: '[]' })).toThrow(/CHECK/);
    expect(() => insertRun({ folds: '{}' })).toThrow(/CHECK/);
    expect(() => insertRun({ account_id: 'NOPE' })).toThrow(/FOREIGN KEY/);
    expect(() => insertRun({ model_run_id: 99 })).toThrow(/FOREIGN KEY/);
    expect(() => insertRun({ status: 'complete' })).toThrow(/CHECK/); // complete needs finished_at
  });

  it('a running run names the process that runs it (pid, host, heartbeat: all three); a stopped run names none', () => {
    const id = insertRun();
    expect(db.prepare('SELECT owner_pid, owner_host, heartbeat_at FROM tuning_runs WHERE id = ?').get(id)).toEqual({ owner_pid: 4242, owner_host: 'workstation-1', heartbeat_at: T });
    const none = { owner_pid: null, owner_host: null, heartbeat_at: null };
    expect(() => insertRun(none)).toThrow(/CHECK/); // running without an owner
    expect(() => insertRun({ owner_host: null })).toThrow(/CHECK/);
    expect(() => insertRun({ heartbeat_at: null })).toThrow(/CHECK/);
    expect(() => insertRun({ owner_pid: 0 })).toThrow(/CHECK/);
    expect(() => insertRun({ owner_host: '' })).toThrow(/CHECK/);
    expect(() => insertRun({ heartbeat_at: 'yesterday' })).toThrow(/CHECK/);
    expect(() => insertRun({ status: 'cancelled' })).toThrow(/CHECK/); // stopped, yet owned
    expect(insertRun({ status: 'cancelled', ...none })).toBeGreaterThan(id);
    // Stopping a run releases it in the same statement; leaving the owner behind is refused.
    expect(() => db.prepare("UPDATE tuning_runs SET status = 'failed' WHERE id = ?").run(id)).toThrow(/CHECK/);
    db.prepare("UPDATE tuning_runs SET status = 'failed', owner_pid = NULL, owner_host = NULL, heartbeat_at = NULL WHERE id = ?").run(id);
  });

  it('accepts only a complete run with a best point, and only with a name', () => {
    const id = insertRun();
    const accept = (by: string | null) => db.prepare('UPDATE tuning_runs SET accepted_at = ?, accepted_by = ? WHERE id = ?').run(T, by, id);
    expect(() => accept('Ann')).toThrow(/CHECK/);
    db.prepare("UPDATE tuning_runs SET status = 'complete', finished_at = ?, owner_pid = NULL, owner_host = NULL, heartbeat_at = NULL WHERE id = ?").run(T, id);
    expect(() => accept('Ann')).toThrow(/CHECK/); // no best
    db.prepare("UPDATE tuning_runs SET best = '{\"validation\":0.7}' WHERE id = ?").run(id);
    expect(() => accept('  ')).toThrow(/CHECK/);
    accept('Ann');
    expect(db.prepare('SELECT accepted_by FROM tuning_runs WHERE id = ?').pluck().get(id)).toBe('Ann');
  });

  it('checks observations: a feasible one has a value, an infeasible one has none and a reason; append-only', () => {
    insertRun();
    insertObservation();
    expect(() => insertObservation()).toThrow(/UNIQUE|PRIMARY KEY/);
    expect(() => insertObservation({ idx: 1, validation: null })).toThrow(/CHECK/);
    expect(() => insertObservation({ idx: 1, feasible: 0, validation: null, reason: null })).toThrow(/CHECK/);
    insertObservation({ idx: 1, feasible: 0, validation: null, reason: 'max drawdown 0.25 > 0.2 on fold 1' });
    expect(() => insertObservation({ idx: 2, source: 'guess' })).toThrow(/CHECK/);
    expect(() => insertObservation({ idx: 2, search: 'tpe' })).toThrow(/CHECK/);
    expect(() => insertObservation({ run_id: 9, idx: 0 })).toThrow(/FOREIGN KEY/);
    expect(() => db.prepare('UPDATE tuning_observations SET validation = 9 WHERE idx = 0').run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM tuning_observations').run()).toThrow(/append-only/);
  });
});
