import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BallastError } from '../../shared/errors';
import { openDatabase, type Store } from './db';
import { FOREIGN_OWNER_SILENCE_MS, ownerAlive, type TuningObservationInput, type TuningRunInputRecord } from './tuning';

let store: Store;
beforeEach(() => {
  store = openDatabase(':memory:');
  // Raw SQL rather than the accounts repository: these tests are about tuning rows only.
  store.db.prepare("INSERT INTO accounts (id, name, base_currency, created_at) VALUES ('ACC-1', 'Fund', 'USD', '2026-01-02T10:00:00.000Z')").run();
});
afterEach(() => store.close());

const runInput = (overrides: Partial<TuningRunInputRecord> = {}): TuningRunInputRecord => ({
  accountId: 'ACC-1',
  objective: 'sharpe',
  budget: 6,
  batch: 2,
  seed: 3,
  input: { accountId: 'ACC-1', budget: 6 },
  space: [{ name: 'riskAversion', type: 'continuous', lower: 1, upper: 100, scale: 'log' }],
  priors: {},
  constraints: [{ metric: 'maxDrawdown', max: 0.2 }],
  baseTheta: { riskAversion: 10 },
  tickers: ['SPY', 'TLT'],
  folds: [{ from: '2020-01-02', to: '2021-01-04' }],
  testWindow: { from: '2021-01-05', to: '2022-01-03' },
  modelRunId: null,
  warmStartFrom: null,
  ...overrides,
});

const obs = (index: number, validation: number | null): TuningObservationInput => ({
  index,
  theta: { riskAversion: 2 + index },
  folds: [validation],
  validation,
  feasible: validation !== null,
  reason: validation === null ? 'max drawdown 0.3 > 0.2 on fold 1' : null,
  source: 'design',
  seconds: 0.25,
  metrics: [{ sharpe: validation }],
});

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as BallastError).code;
  }
  return 'no error';
};
const errorOf = (fn: () => unknown): BallastError | null => {
  try {
    fn();
  } catch (err) {
    return err as BallastError;
  }
  return null;
};

/** The id of a process that has ended: a real child, run to its end (so its pid is free, not made up). */
const deadPid = (() => {
  let pid: number | undefined;
  return () => (pid ??= spawnSync(process.execPath, ['-e', '']).pid!);
})();
const here = () => hostname();
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

describe('TuningRepo', () => {
  it('creates a run, commits batches with the search state atomically, and reads it back while running', () => {
    const id = store.tuning.create(runInput());
    const run = store.tuning.get(id)!;
    expect(run).toMatchObject({ status: 'running', accountId: 'ACC-1', objective: 'sharpe', seed: 3, tickers: ['SPY', 'TLT'], state: {}, evaluations: {}, best: null });
    store.tuning.commitBatch(id, 'bayesian', [obs(0, 0.4), obs(1, null)], { evaluated: 2 });
    store.tuning.commitBatch(id, 'random', [obs(0, 0.1)], { evaluated: 1 });
    const live = store.tuning.get(id)!;
    expect(live.state).toEqual({ bayesian: { evaluated: 2 }, random: { evaluated: 1 } });
    expect(live.evaluations).toEqual({ bayesian: 2, random: 1 });
    const observations = store.tuning.observations(id, 'bayesian');
    expect(observations.map((o) => [o.index, o.validation, o.feasible, o.reason])).toEqual([
      [0, 0.4, true, null],
      [1, null, false, 'max drawdown 0.3 > 0.2 on fold 1'],
    ]);
    expect(observations[0]!.theta).toEqual({ riskAversion: 2 });
    expect(store.tuning.observations(id)).toHaveLength(3);
  });

  it('a batch that does not continue the sequence writes nothing, the state included', () => {
    const id = store.tuning.create(runInput());
    store.tuning.commitBatch(id, 'bayesian', [obs(0, 0.4)], { evaluated: 1 });
    expect(codeOf(() => store.tuning.commitBatch(id, 'bayesian', [obs(1, 0.5), obs(3, 0.6)], { evaluated: 3 }))).toBe('INVALID_STATE');
    expect(store.tuning.observations(id)).toHaveLength(1);
    expect(store.tuning.get(id)!.state).toEqual({ bayesian: { evaluated: 1 } });
  });

  it('only a running run takes evaluations; complete records the result; only a complete run with a best is accepted', () => {
    const id = store.tuning.create(runInput());
    expect(codeOf(() => store.tuning.accept(id, 'Ann', null))).toBe('INVALID_STATE');
    expect(store.tuning.stop(id, 'cancelled')).toBe(true);
    expect(store.tuning.get(id)).toMatchObject({ status: 'cancelled', owner: null });
    expect(codeOf(() => store.tuning.commitBatch(id, 'bayesian', [obs(0, 0.4)], {}))).toBe('INVALID_STATE');
    expect(store.tuning.takeOver(id)).toMatchObject({ status: 'running', owner: { pid: process.pid, host: hostname() } });
    store.tuning.complete(id, { best: null, testValue: null, comparison: null, importance: null });
    expect(store.tuning.get(id)).toMatchObject({ status: 'complete', owner: null });
    expect(codeOf(() => store.tuning.accept(id, 'Ann', null))).toBe('INVALID_STATE');
    expect(codeOf(() => store.tuning.takeOver(id))).toBe('INVALID_STATE');
    expect(store.tuning.stop(id, 'failed', 'late')).toBe(false); // a complete run stays complete

    const other = store.tuning.create(runInput());
    store.tuning.complete(other, { best: { validation: 0.7, values: { riskAversion: 4 } }, testValue: 0.5, comparison: { bayesian: {} }, importance: [{ name: 'riskAversion' }] });
    expect(store.tuning.latestAccepted('ACC-1')).toBeNull();
    store.tuning.accept(other, 'Ann', 'validated on 4 folds', '2026-01-03T00:00:00.000Z');
    const accepted = store.tuning.latestAccepted('ACC-1')!;
    expect(accepted).toMatchObject({ id: other, acceptedBy: 'Ann', acceptReason: 'validated on 4 folds', testValue: 0.5, status: 'complete' });
    expect(accepted.finishedAt).not.toBeNull();
    expect(store.tuning.list({ accountId: 'ACC-1' }).map((r) => r.id)).toEqual([other, id]);
    expect(codeOf(() => store.tuning.require(999))).toBe('NOT_FOUND');
  });
});

describe('TuningRepo: who runs a run, and runs whose process is gone', () => {
  it('ownerAlive asks this host\'s processes directly and trusts another host\'s heartbeat for a while', () => {
    const beat = ago(0);
    expect(ownerAlive({ pid: process.pid, host: here(), heartbeatAt: beat })).toBe(true);
    expect(ownerAlive({ pid: process.ppid, host: here(), heartbeatAt: beat })).toBe(true);
    expect(ownerAlive({ pid: deadPid(), host: here(), heartbeatAt: beat })).toBe(false);
    // Another host: its processes cannot be asked, so a dead pid there says nothing; silence does.
    const now = Date.parse('2026-03-01T12:00:00.000Z');
    const at = (ms: number) => new Date(now - ms).toISOString();
    expect(ownerAlive({ pid: deadPid(), host: 'elsewhere.example', heartbeatAt: at(FOREIGN_OWNER_SILENCE_MS - 1000) }, now)).toBe(true);
    expect(ownerAlive({ pid: process.pid, host: 'elsewhere.example', heartbeatAt: at(FOREIGN_OWNER_SILENCE_MS + 1000) }, now)).toBe(false);
    expect(ownerAlive({ pid: 1, host: 'elsewhere.example', heartbeatAt: at(-60_000) }, now)).toBe(true); // its clock runs ahead
  });

  it('reads a running run whose owner is gone as interrupted, in get and list; a live owner\'s as running', () => {
    const mine = store.tuning.create(runInput());
    const killed = store.tuning.create(runInput({ owner: { pid: deadPid(), host: here() } }));
    const parent = store.tuning.create(runInput({ owner: { pid: process.ppid, host: here() } }));
    const elsewhereFresh = store.tuning.create(runInput({ owner: { pid: 77, host: 'elsewhere.example' }, createdAt: ago(60_000) }));
    const elsewhereSilent = store.tuning.create(runInput({ owner: { pid: 77, host: 'elsewhere.example' }, createdAt: ago(FOREIGN_OWNER_SILENCE_MS + 60_000) }));
    expect(store.tuning.get(mine)).toMatchObject({ status: 'running', owner: { pid: process.pid, host: here() } });
    expect(store.tuning.get(killed)).toMatchObject({ status: 'interrupted', owner: { pid: deadPid(), host: here() } });
    expect(store.tuning.list({ accountId: 'ACC-1' }).map((r) => [r.id, r.status])).toEqual([
      [elsewhereSilent, 'interrupted'],
      [elsewhereFresh, 'running'],
      [parent, 'running'],
      [killed, 'interrupted'],
      [mine, 'running'],
    ]);
    // The table itself still says 'running': 'interrupted' is how it reads, never what is written.
    expect(store.db.prepare('SELECT DISTINCT status FROM tuning_runs').pluck().all()).toEqual(['running']);
  });

  it('a committed batch is a heartbeat: a silent run on another host reads as running again once it commits', () => {
    const owner = { pid: 77, host: 'elsewhere.example' };
    const id = store.tuning.create(runInput({ owner, createdAt: ago(FOREIGN_OWNER_SILENCE_MS + 60_000) }));
    expect(store.tuning.get(id)!.status).toBe('interrupted');
    store.tuning.commitBatch(id, 'bayesian', [obs(0, 0.4)], { evaluated: 1 }, owner);
    expect(store.tuning.get(id)!.status).toBe('running');
    expect(Date.now() - Date.parse(store.tuning.get(id)!.owner!.heartbeatAt)).toBeLessThan(60_000);
    expect(store.tuning.heartbeat(id, { pid: 78, host: 'elsewhere.example' })).toBe(false); // not its owner
    expect(store.tuning.heartbeat(id, owner)).toBe(true);
  });

  it('a resume takes over an interrupted run, whose dead owner can no longer write it; it refuses a run a live process runs', () => {
    const gone = { pid: deadPid(), host: here() };
    const id = store.tuning.create(runInput({ owner: gone }));
    store.tuning.commitBatch(id, 'bayesian', [obs(0, 0.4), obs(1, 0.5)], { evaluated: 2 }, gone);
    expect(store.tuning.get(id)!.status).toBe('interrupted');

    const taken = store.tuning.takeOver(id);
    expect(taken).toMatchObject({ status: 'running', error: null, owner: { pid: process.pid, host: here() }, state: { bayesian: { evaluated: 2 } }, evaluations: { bayesian: 2 } });
    // Had the old owner only been slow, its late writes are refused rather than mixed into the new owner's run.
    expect(errorOf(() => store.tuning.commitBatch(id, 'bayesian', [obs(2, 0.6)], { evaluated: 3 }, gone))?.message).toMatch(
      new RegExp(`^Tuning run ${id} was taken over by process ${process.pid} on `),
    );
    expect(store.tuning.stop(id, 'failed', 'late failure', gone)).toBe(false);
    expect(codeOf(() => store.tuning.complete(id, { best: null, testValue: null, comparison: null, importance: null }, gone))).toBe('INVALID_STATE');
    store.tuning.commitBatch(id, 'bayesian', [obs(2, 0.6)], { evaluated: 3 });
    expect(store.tuning.get(id)).toMatchObject({ status: 'running', evaluations: { bayesian: 3 } });

    // A run a live process is running: this one's, another process's on this host, a fresh one on another host.
    const refused = (runId: number) => errorOf(() => store.tuning.takeOver(runId));
    expect(refused(id)).toMatchObject({ code: 'INVALID_STATE', message: `Tuning run ${id} is running in process ${process.pid}; stop it first.` });
    const parent = store.tuning.create(runInput({ owner: { pid: process.ppid, host: here() } }));
    expect(refused(parent)).toMatchObject({ code: 'INVALID_STATE', message: `Tuning run ${parent} is running in process ${process.ppid}; stop it first.`, details: { pid: process.ppid } });
    const remote = store.tuning.create(runInput({ owner: { pid: 77, host: 'elsewhere.example' } }));
    expect(refused(remote)?.message).toBe(`Tuning run ${remote} is running in process 77 on elsewhere.example; stop it first.`);
    expect(store.tuning.get(parent)!.owner!.pid).toBe(process.ppid); // nothing changed
  });
});
