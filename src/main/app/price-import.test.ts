import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BallastError } from '../../shared/errors';
import { openDatabase, type Store } from '../store';
import { importPricesJob, previewImportJob } from './imports';

// The streamed price import of issue 10: rows staged typed in a TEMP table, repeats found by SQL there, and
// the file written with one INSERT … SELECT — checked here for what the PM sees, not for how.
let store: Store;
beforeEach(() => (store = openDatabase(':memory:')));
afterEach(() => store.close());

const job = { dbPath: ':memory:', signal: { aborted: false }, progress: () => undefined };
const source = (text: string) => ({ contentBase64: Buffer.from(text, 'utf8').toString('base64') });
const importText = (text: string, fileName = 'prices.csv') => importPricesJob(store, { fileName, source: source(text), actor: 'test' }, job);

describe('price import through the staging table', () => {
  it('writes every row with its values, and a later file corrects the dates it repeats', () => {
    const first = importText('date,ticker,close,adj_close,volume\n2024-01-02,SPY,470,468,1000\n2024-01-03,SPY,472,470,\n2024-01-02,TLT,98.5,98.5,20\n');
    expect(first).toMatchObject({ status: 'imported', rows: 3 });
    const spy = store.securities.list().find((s) => s.ticker === 'SPY')!;
    expect(store.prices.history(spy.id)).toEqual([
      { date: '2024-01-02', close: 470, adjClose: 468, volume: 1000 },
      { date: '2024-01-03', close: 472, adjClose: 470, volume: null },
    ]);
    const second = importText('date,ticker,close\n2024-01-03,SPY,473\n2024-01-04,SPY,474\n', 'more.csv');
    expect(second).toMatchObject({ status: 'imported', rows: 2 });
    expect(store.prices.history(spy.id).map((p) => [p.date, p.close, p.adjClose])).toEqual([
      ['2024-01-02', 470, 468],
      ['2024-01-03', 473, 473],
      ['2024-01-04', 474, 474],
    ]);
    const importIds = store.db.prepare('SELECT date, import_id FROM prices WHERE security_id = ? ORDER BY date').raw().all(spy.id);
    expect(importIds).toEqual([
      ['2024-01-02', first.importId],
      ['2024-01-03', second.importId],
      ['2024-01-04', second.importId],
    ]);
    expect(store.audit.verify().ok).toBe(true);
  });

  it('rejects a file that repeats a ticker and date, naming each repeat and the first line, and writes nothing', () => {
    const text = 'date,ticker,close\n2024-01-02,SPY,1\n2024-01-02,TLT,2\n2024-01-02,SPY,3\n2024-01-03,SPY,4\n2024-01-02,SPY,5\n';
    let error: unknown;
    try {
      importText(text);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(BallastError);
    const issues = ((error as BallastError).details as { issues: { line: number; field: string; reason: string }[] }).issues;
    expect(issues.map(({ line, field, reason }) => ({ line, field, reason }))).toEqual([
      { line: 4, field: 'date', reason: 'SPY on 2024-01-02 already appears on line 2' },
      { line: 6, field: 'date', reason: 'SPY on 2024-01-02 already appears on line 2' },
    ]);
    expect(store.prices.count()).toBe(0);
    expect(store.imports.list()).toEqual([]);

    const preview = previewImportJob(store, { kind: 'prices', fileName: 'prices.csv', source: source(text), actor: 'test' }, job);
    expect(preview).toMatchObject({ totalRows: 5, rejectedRows: 2, prices: { rows: 3, tickers: ['SPY', 'TLT'] } });
  });
});

describe('a price preview read without staging', () => {
  // Any order of rows, repeats or not, good and bad cells: the preview is the one the staged reading gives.
  const row = fc.record({
    date: fc.constantFrom('2024-01-02', '2024-01-03', '2024-01-04', '2024-13-01', ''),
    ticker: fc.constantFrom('SPY', 'TLT', 'GLD', 'bad ticker'),
    close: fc.constantFrom('470', '98.5', '-1', 'x', '0.01'),
  });
  it('equals the staged preview, repeats named alike', () => {
    let repeated = 0;
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 12 }), (rows) => {
        const text = ['date,ticker,close', ...rows.map((r) => `${r.date},${r.ticker},${r.close}`)].join('\n');
        const input = { kind: 'prices' as const, fileName: 'p.csv', source: source(text), actor: 'test' };
        const unstaged = previewImportJob(store, input, job);
        const staged = previewImportJob(store, input, job, { direct: false });
        expect(unstaged).toEqual(staged);
        if (staged.issues.some((i) => /already|repeat/i.test(i.reason))) repeated++;
      }),
      { numRuns: 300, seed: 1206 },
    );
    expect(repeated).toBeGreaterThan(10);
  });
});
