import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BallastError } from '../../shared/errors';
import { openDatabase, type Store } from './db';
import { forecastRows, type ForecastRowInput } from './forecasts';
import { modelRunConfigKey, type ModelRunInput } from './model-runs';
import { proposalInput, seedBasics } from './testing';

let store: Store;
let ids: ReturnType<typeof seedBasics>;
beforeEach(() => {
  store = openDatabase(':memory:');
  ids = seedBasics(store);
});
afterEach(() => store.close());

const config = { horizonDays: 21, retrainEveryDays: 63, hiddenLayers: [32, 16] };
const SHA_F = 'f'.repeat(64);

function runInput(overrides: Partial<ModelRunInput> = {}): ModelRunInput {
  return {
    config,
    configKey: modelRunConfigKey({ config, seed: 7, tickers: ['SPY', 'TLT'] }),
    tickers: ['SPY', 'TLT'],
    seed: 7,
    dataFrom: '2020-01-02',
    dataTo: '2024-01-02',
    dataFingerprint: SHA_F,
    backend: 'cpu',
    codeVersion: '0.2.0',
    ...overrides,
  };
}

function row(date: string, securityId: number, mean: number, overrides: Partial<ForecastRowInput> = {}): ForecastRowInput {
  return { date, securityId, horizon: 21, mean, epistemicVar: 1e-4, aleatoricVar: 2e-3, lower50: mean - 0.03, upper50: mean + 0.03, lower90: mean - 0.07, upper90: mean + 0.07, ...overrides };
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(BallastError);
    return (error as BallastError).code;
  }
  throw new Error('expected a BallastError');
}

describe('modelRunConfigKey', () => {
  it('is a stable sha256 of config, seed and ordered universe, whatever the key order of the config', () => {
    const key = modelRunConfigKey({ config: { a: 1, b: [2, 3] }, seed: 1, tickers: ['SPY', 'TLT'] });
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(modelRunConfigKey({ config: { b: [2, 3], a: 1 }, seed: 1, tickers: ['SPY', 'TLT'] })).toBe(key);
    expect(modelRunConfigKey({ config: { a: 1, b: [2, 3] }, seed: 2, tickers: ['SPY', 'TLT'] })).not.toBe(key);
    expect(modelRunConfigKey({ config: { a: 1, b: [2, 3] }, seed: 1, tickers: ['TLT', 'SPY'] })).not.toBe(key);
    expect(modelRunConfigKey({ config: { a: 1, b: [3, 2] }, seed: 1, tickers: ['SPY', 'TLT'] })).not.toBe(key);
  });
});

describe('model runs', () => {
  it('create, get and list round trip', () => {
    const id = store.modelRuns.create(runInput({ createdAt: '2024-01-02T18:00:00.000Z' }));
    const run = store.modelRuns.get(id);
    expect(run).toEqual({
      id: 1,
      kind: 'bnn-walk-forward',
      config,
      configKey: runInput().configKey,
      tickers: ['SPY', 'TLT'],
      seed: 7,
      dataFrom: '2020-01-02',
      dataTo: '2024-01-02',
      trainedThrough: null,
      lastForecastDate: null,
      dataFingerprint: SHA_F,
      status: 'running',
      metrics: null,
      checkpointBytes: 0,
      checkpoint: null,
      backend: 'cpu',
      codeVersion: '0.2.0',
      createdAt: '2024-01-02T18:00:00.000Z',
      updatedAt: '2024-01-02T18:00:00.000Z',
    });
    expect(store.modelRuns.get(2)).toBeNull();
    expect(store.modelRuns.checkpoint(1)).toBeNull();
    const other = store.modelRuns.create(runInput({ configKey: 'e'.repeat(64) }));
    // Listing leaves the checkpoints out.
    const { checkpoint: _c, ...summary } = run!;
    expect(store.modelRuns.list()).toEqual([expect.objectContaining({ id: other }), summary]);
    expect(store.modelRuns.list({ configKey: 'e'.repeat(64) }).map((r) => r.id)).toEqual([other]);
    expect(store.modelRuns.list({ status: 'complete' })).toEqual([]);
    expect(store.modelRuns.list({ limit: 1 }).map((r) => r.id)).toEqual([other]);
  });

  it('findLatest returns the newest reusable run of a config, skipping failed ones', () => {
    const key = runInput().configKey;
    expect(store.modelRuns.findLatest(key)).toBeNull();
    const a = store.modelRuns.create(runInput());
    store.modelRuns.setStatus(a, 'complete', { coverage90: 0.9 });
    const b = store.modelRuns.create(runInput());
    store.modelRuns.setStatus(b, 'failed');
    store.modelRuns.create(runInput({ configKey: 'e'.repeat(64) }));
    expect(store.modelRuns.findLatest(key)).toMatchObject({ id: a, status: 'complete', metrics: { coverage90: 0.9 } });
    expect(store.modelRuns.findLatest(key, ['failed'])?.id).toBe(b);
    expect(codeOf(() => store.modelRuns.setStatus(99, 'complete'))).toBe('NOT_FOUND');
  });

  it('saveBlock writes forecasts, checkpoint and progress together', () => {
    const runId = store.modelRuns.create(runInput());
    const checkpoint = new Uint8Array([1, 2, 3, 4, 5]);
    const written = store.modelRuns.saveBlock(runId, [row('2023-12-01', ids.spy.id, 0.01), row('2023-12-01', ids.tlt.id, -0.002)], checkpoint, {
      trainedThrough: '2023-11-01',
      lastForecastDate: '2023-12-01',
    });
    expect(written).toBe(2);
    expect(store.modelRuns.get(runId)).toMatchObject({ trainedThrough: '2023-11-01', lastForecastDate: '2023-12-01', checkpointBytes: 5, status: 'running' });
    expect(Array.from(store.modelRuns.checkpoint(runId) ?? [])).toEqual([1, 2, 3, 4, 5]);
    expect(Array.from(store.modelRuns.findLatest(runInput().configKey)?.checkpoint ?? [])).toEqual([1, 2, 3, 4, 5]);

    // The next block: null keeps the checkpoint; an incremental update extends the data range.
    store.modelRuns.saveBlock(runId, [row('2024-01-02', ids.spy.id, 0.02)], null, {
      lastForecastDate: '2024-01-03',
      dataTo: '2024-01-03',
      dataFingerprint: 'a'.repeat(64),
      status: 'complete',
      metrics: { blocks: 2 },
    });
    expect(store.modelRuns.get(runId)).toMatchObject({
      trainedThrough: '2023-11-01',
      lastForecastDate: '2024-01-03',
      dataTo: '2024-01-03',
      dataFingerprint: 'a'.repeat(64),
      status: 'complete',
      metrics: { blocks: 2 },
      checkpointBytes: 5,
    });
    expect(store.forecasts.count(runId)).toBe(3);
  });

  it('saveBlock is all or nothing: a bad row or a bad field leaves rows, checkpoint and progress as they were', () => {
    const runId = store.modelRuns.create(runInput());
    store.modelRuns.saveBlock(runId, [row('2023-12-01', ids.spy.id, 0.01)], new Uint8Array([9]), { trainedThrough: '2023-11-01', lastForecastDate: '2023-12-01' });
    const before = store.modelRuns.get(runId);

    // A NaN mean half-way through the block.
    expect(() =>
      store.modelRuns.saveBlock(runId, [row('2023-12-04', ids.spy.id, 0.01), row('2023-12-04', ids.tlt.id, Number.NaN)], new Uint8Array([7, 7]), {
        trainedThrough: '2023-11-02',
        lastForecastDate: '2023-12-04',
      }),
    ).toThrow(/NOT NULL/);
    // Rows fine, but progress past the data range.
    expect(() => store.modelRuns.saveBlock(runId, [row('2023-12-05', ids.spy.id, 0.01)], new Uint8Array([7, 7]), { lastForecastDate: '2024-02-01' })).toThrow(/CHECK/);
    // A generator that fails while the rows are being written.
    function* failing(): Generator<ForecastRowInput> {
      yield row('2023-12-06', ids.spy.id, 0.01);
      throw new Error('cancelled mid-block');
    }
    expect(() => store.modelRuns.saveBlock(runId, failing(), new Uint8Array([7, 7]), { lastForecastDate: '2023-12-06' })).toThrow(/cancelled mid-block/);

    expect(store.modelRuns.get(runId)).toEqual(before);
    expect(Array.from(store.modelRuns.checkpoint(runId) ?? [])).toEqual([9]);
    expect(store.forecasts.count(runId)).toBe(1);
    expect(codeOf(() => store.modelRuns.saveBlock(99, [], null))).toBe('NOT_FOUND');
  });

  it('complete records the final checkpoint, reach and metrics in one step', () => {
    const runId = store.modelRuns.create(runInput());
    store.modelRuns.saveBlock(runId, [row('2023-12-01', ids.spy.id, 0.01)], new Uint8Array([1]), { trainedThrough: null, lastForecastDate: '2023-12-01' });
    store.modelRuns.complete(runId, { checkpoint: new Uint8Array([2, 2]), dataTo: '2024-01-05', dataFingerprint: 'b'.repeat(64), metrics: { blocks: 1 } });
    expect(store.modelRuns.get(runId)).toMatchObject({
      status: 'complete',
      dataTo: '2024-01-05',
      dataFingerprint: 'b'.repeat(64),
      metrics: { blocks: 1 },
      trainedThrough: null,
      lastForecastDate: '2023-12-01',
      checkpointBytes: 2,
    });
    expect(Array.from(store.modelRuns.get(runId)?.checkpoint ?? [])).toEqual([2, 2]);
    store.modelRuns.complete(runId);
    expect(store.modelRuns.get(runId)?.checkpointBytes).toBe(2);
    expect(codeOf(() => store.modelRuns.complete(99))).toBe('NOT_FOUND');
  });

  it('a re-forecast date replaces the stored row', () => {
    const runId = store.modelRuns.create(runInput());
    store.modelRuns.saveBlock(runId, [row('2024-01-02', ids.spy.id, 0.01)], null);
    store.modelRuns.saveBlock(runId, [row('2024-01-02', ids.spy.id, 0.03)], null);
    expect(store.forecasts.count(runId)).toBe(1);
    expect(store.forecasts.read(runId, [ids.spy.id]).mean[0]).toBe(0.03);
  });

  it('proposals record the model run they used', () => {
    const runId = store.modelRuns.create(runInput());
    const id = store.proposals.insert({ ...proposalInput(ids.account.id), engine: 'bayesian', modelRunId: runId }, []);
    expect(store.proposals.get(id)?.modelRunId).toBe(runId);
    const baseline = store.proposals.insert(proposalInput(ids.account.id), []);
    expect(store.proposals.get(baseline)?.modelRunId).toBeNull();
    expect(() => store.proposals.insert({ ...proposalInput(ids.account.id), modelRunId: 99 }, [])).toThrow(/FOREIGN KEY/);
  });
});

describe('forecasts.read', () => {
  let runId: number;
  let gld: number;
  beforeEach(() => {
    gld = store.securities.upsert({ ticker: 'GLD', name: 'SPDR Gold', assetClass: 'commodity', currency: 'USD' }).security.id;
    runId = store.modelRuns.create(runInput());
    store.modelRuns.saveBlock(
      runId,
      [
        row('2024-01-02', ids.spy.id, 0.01),
        row('2024-01-02', ids.tlt.id, -0.01, { epistemicVar: 4e-4 }),
        row('2024-01-03', ids.tlt.id, -0.02),
        row('2024-01-04', ids.spy.id, 0.03),
        row('2024-01-04', gld, 0.05),
      ],
      null,
    );
  });

  it('returns a ForecastSet-shaped grid: columns in the order asked, NaN where missing', () => {
    const set = store.forecasts.read(runId, [ids.tlt.id, ids.spy.id]);
    expect(set.horizon).toBe(21);
    expect(set.tickers).toEqual(['TLT', 'SPY']);
    expect(set.securityIds).toEqual([ids.tlt.id, ids.spy.id]);
    // 2024-01-04 has a SPY row; GLD's rows are not asked for.
    expect(set.dates).toEqual(['2024-01-02', '2024-01-03', '2024-01-04']);
    expect(Array.from(set.mean)).toEqual([-0.01, 0.01, -0.02, NaN, NaN, 0.03]);
    expect(Array.from(set.epistemicVariance)).toEqual([4e-4, 1e-4, 1e-4, NaN, NaN, 1e-4]);
    expect(set.aleatoricVariance[0]).toBe(2e-3);
    expect(set.lower50[1]).toBeCloseTo(0.01 - 0.03, 15);
    expect(set.upper50[1]).toBeCloseTo(0.01 + 0.03, 15);
    expect(set.lower90[1]).toBeCloseTo(0.01 - 0.07, 15);
    expect(set.upper90[1]).toBeCloseTo(0.01 + 0.07, 15);
  });

  it('bounds the dates, and a column without rows is all NaN', () => {
    const set = store.forecasts.read(runId, [gld, ids.tlt.id], { from: '2024-01-03', to: '2024-01-04' });
    expect(set.dates).toEqual(['2024-01-03', '2024-01-04']);
    expect(Array.from(set.mean)).toEqual([NaN, -0.02, 0.05, NaN]);
    const empty = store.forecasts.read(runId, [ids.spy.id], { from: '2025-01-01' });
    expect(empty.dates).toEqual([]);
    expect(empty.mean).toHaveLength(0);
    // No rows in range: the horizon comes from the run's config.
    expect(empty.horizon).toBe(21);
  });

  it('round-trips through forecastRows', () => {
    const set = store.forecasts.read(runId, [ids.spy.id, ids.tlt.id, gld]);
    const copy = store.modelRuns.create(runInput());
    expect(store.modelRuns.saveBlock(copy, forecastRows(set, set.securityIds), null)).toBe(5);
    expect(store.forecasts.read(copy, [ids.spy.id, ids.tlt.id, gld])).toEqual(set);
    // Only some dates of a block.
    const partial = store.modelRuns.create(runInput());
    expect(store.modelRuns.saveBlock(partial, forecastRows(set, set.securityIds, ['2024-01-04']), null)).toBe(2);
    expect(() => [...forecastRows(set, [ids.spy.id])]).toThrow(/3 forecast columns/);
  });

  it('refuses duplicate and unknown securities and unknown runs', () => {
    expect(codeOf(() => store.forecasts.read(runId, [ids.spy.id, ids.spy.id]))).toBe('BAD_INPUT');
    expect(codeOf(() => store.forecasts.read(runId, [999]))).toBe('NOT_FOUND');
    expect(codeOf(() => store.forecasts.read(999, [ids.spy.id]))).toBe('NOT_FOUND');
  });

  it('refuses a run that mixes horizons', () => {
    store.modelRuns.saveBlock(runId, [row('2024-01-05', ids.spy.id, 0.01, { horizon: 5 })], null);
    expect(codeOf(() => store.forecasts.read(runId, [ids.spy.id]))).toBe('INVALID_STATE');
  });
});

describe('prices.fingerprint', () => {
  const put = (rows: [number, string, number, number?][]) =>
    store.transaction(() => store.prices.insertMany(rows.map(([securityId, date, close, adjClose]) => ({ securityId, date, close, adjClose: adjClose ?? null }))));

  beforeEach(() => {
    put([
      [ids.spy.id, '2024-01-02', 470, 468.5],
      [ids.spy.id, '2024-01-03', 472, 470.25],
      [ids.tlt.id, '2024-01-02', 98, 97.5],
      [ids.tlt.id, '2024-01-03', 97, 96.75],
    ]);
  });

  it('is a stable 64-hex value of the rows up to `to`, unchanged by prices appended after it', () => {
    const f = store.prices.fingerprint([ids.spy.id, ids.tlt.id], '2024-01-03');
    expect(f).toMatch(/^[0-9a-f]{64}$/);
    expect(store.prices.fingerprint([ids.spy.id, ids.tlt.id], '2024-01-03')).toBe(f);
    put([[ids.spy.id, '2024-01-04', 480, 478]]);
    expect(store.prices.fingerprint([ids.spy.id, ids.tlt.id], '2024-01-03')).toBe(f);
    expect(store.prices.fingerprint([ids.spy.id, ids.tlt.id], '2024-01-04')).not.toBe(f);
    expect(store.prices.fingerprint([ids.tlt.id, ids.spy.id], '2024-01-03')).not.toBe(f);
    expect(store.prices.fingerprint([ids.spy.id], '2024-01-03')).not.toBe(f);
  });

  it('detects a restatement: a tiny change, a re-adjusted history, a removed or moved row, a swap', () => {
    const ids2 = [ids.spy.id, ids.tlt.id];
    const f = store.prices.fingerprint(ids2, '2024-01-03');
    const changed = (mutate: () => void) => {
      store.db.exec('SAVEPOINT probe');
      try {
        mutate();
        return store.prices.fingerprint(ids2, '2024-01-03');
      } finally {
        store.db.exec('ROLLBACK TO probe');
        store.db.exec('RELEASE probe');
      }
    };
    expect(changed(() => put([[ids.spy.id, '2024-01-02', 470, 468.50000001]]))).not.toBe(f);
    expect(changed(() => store.db.exec(`UPDATE prices SET adj_close = adj_close * 0.995 WHERE security_id = ${ids.spy.id}`))).not.toBe(f);
    expect(changed(() => store.db.exec(`DELETE FROM prices WHERE security_id = ${ids.tlt.id} AND date = '2024-01-02'`))).not.toBe(f);
    expect(changed(() => store.db.exec(`UPDATE prices SET date = '2024-01-01' WHERE security_id = ${ids.tlt.id} AND date = '2024-01-02'`))).not.toBe(f);
    // The two SPY values swapped between the dates: same multiset of prices, different history.
    expect(changed(() => put([[ids.spy.id, '2024-01-02', 472, 470.25], [ids.spy.id, '2024-01-03', 470, 468.5]]))).not.toBe(f);
    // The unadjusted close alone is not what a model trains on, so changing it alone changes nothing.
    expect(changed(() => put([[ids.spy.id, '2024-01-02', 471, 468.5]]))).toBe(f);
    expect(store.prices.fingerprint(ids2, '2024-01-03')).toBe(f);
  });

  it('uses the close where there is no adjusted close', () => {
    const gld = store.securities.upsert({ ticker: 'GLD', name: 'SPDR Gold', assetClass: 'commodity', currency: 'USD' }).security.id;
    put([[gld, '2024-01-02', 190]]);
    const f = store.prices.fingerprint([gld], '2024-01-02');
    put([[gld, '2024-01-02', 191]]);
    expect(store.prices.fingerprint([gld], '2024-01-02')).not.toBe(f);
    expect(store.prices.fingerprint([], '2024-01-02')).toMatch(/^[0-9a-f]{64}$/);
  });
});
