import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BallastError } from '../../shared/errors';
import { importPositionsJob, importPricesJob } from '../app/imports';
import { openDatabase, type Store } from '../store';
import type { JobContext } from './protocol';
import { toApiError } from './errors';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ballast-errors-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** What `fn` threw. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

describe('toApiError', () => {
  it('passes a BallastError through and calls anything else unexpected', () => {
    expect(toApiError(new BallastError('NOT_FOUND', 'No account X.'))).toEqual({ code: 'NOT_FOUND', message: 'No account X.' });
    expect(toApiError(new TypeError('x is undefined'))).toEqual({ code: 'INTERNAL', message: 'Unexpected error: x is undefined' });
    expect(toApiError('odd')).toEqual({ code: 'INTERNAL', message: 'Unexpected error: odd' });
    // A code that is not SQLite's own failure of the file (a constraint) stays INTERNAL.
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (x INTEGER NOT NULL)');
    const constraint = thrown(() => db.prepare('INSERT INTO t VALUES (NULL)').run());
    expect(toApiError(constraint).code).toBe('INTERNAL');
    db.close();
  });

  it('says a full disk in words, naming the database', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (x TEXT)');
    db.pragma('max_page_count = 3');
    const err = thrown(() => db.prepare('INSERT INTO t VALUES (?)').run('x'.repeat(100_000)));
    expect(toApiError(err, '/data/ballast.db')).toEqual({
      code: 'STORAGE',
      message: 'The disk holding /data/ballast.db is full (SQLite: database or disk is full). The write in progress was rolled back; nothing of it was kept.',
      details: { sqlite: 'SQLITE_FULL' },
    });
    expect(toApiError(err).message).toMatch(/^The disk holding the database is full/);
    db.close();
  });

  it('says a read-only and a damaged database file in words', () => {
    const file = path.join(dir, 'ro.db');
    new Database(file).exec('CREATE TABLE t (x)');
    const ro = new Database(file, { readonly: true });
    expect(toApiError(thrown(() => ro.exec('INSERT INTO t VALUES (1)')), file)).toMatchObject({
      code: 'STORAGE',
      message: expect.stringMatching(new RegExp(`^${file.replace(/[.]/g, '\\.')} cannot be written: the file or its folder is read-only`)) as unknown,
    });
    ro.close();
    const junk = path.join(dir, 'junk.db');
    writeFileSync(junk, 'this is not a database, it is a note of 100 bytes or so, long enough for SQLite to read a header....');
    const damaged = new Database(junk);
    const notADatabase = toApiError(thrown(() => damaged.prepare('SELECT * FROM sqlite_schema').all()), junk);
    expect(notADatabase).toMatchObject({
      code: 'STORAGE',
      message: expect.stringContaining(`${junk} is not a Ballast database, or is damaged (restore it from a backup)`) as unknown,
    });
    // Met when the file is opened: nothing was being written, and the message does not say a write was undone.
    expect(notADatabase.message).not.toContain('rolled back');
    damaged.close();
  });
});

describe('an import that fills the disk', () => {
  const holdings = () => {
    const csv = path.join(dir, 'holdings.csv');
    const lines = Array.from({ length: 3000 }, (_, i) => `ACC-${i % 3},SYN${i},Synthetic ${i},Equity,10,20.00,200.00,USD,2026-08-03`);
    writeFileSync(csv, `Account Number,Symbol,Description,Security Type,Quantity,Price,Market Value,Currency,As of\n${lines.join('\n')}\n`);
    return { fileName: 'holdings.csv', source: { path: csv }, actor: 'test', createSecurities: true, createAccount: true };
  };
  const prices = () => {
    const csv = path.join(dir, 'prices.csv');
    const lines = Array.from({ length: 6000 }, (_, i) => `2020-01-${String((i % 28) + 1).padStart(2, '0')},T${Math.floor(i / 28)},${(10 + (i % 97)).toFixed(2)}`);
    writeFileSync(csv, `date,ticker,close\n${lines.join('\n')}\n`);
    return { fileName: 'prices.csv', source: { path: csv }, actor: 'test' };
  };

  for (const [what, run] of [
    ['holdings, read straight into the import', (store: Store, job: JobContext) => importPositionsJob(store, holdings(), job)],
    ['holdings, read the staged way', (store: Store, job: JobContext) => importPositionsJob(store, holdings(), job, { direct: false })],
    ['prices', (store: Store, job: JobContext) => importPricesJob(store, prices(), job)],
  ] as const) {
    it(`is told as STORAGE and leaves nothing of the import behind (${what})`, () => {
      const dbFile = path.join(dir, 'ballast.db');
      const store = openDatabase(dbFile);
      try {
        // The disk is full a few pages past what the empty database holds.
        const pages = store.db.pragma('page_count', { simple: true }) as number;
        store.db.pragma(`max_page_count = ${pages + 20}`);
        const err = thrown(() => run(store, { dbPath: dbFile, signal: { aborted: false }, progress: () => undefined }));
        expect(toApiError(err, dbFile)).toMatchObject({ code: 'STORAGE', message: expect.stringMatching(/^The disk holding .*ballast\.db is full/) as unknown });
        for (const table of ['imports', 'accounts', 'securities', 'position_snapshots', 'positions', 'prices', 'audit_log']) {
          expect(store.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get(), table).toBe(0);
        }
      } finally {
        store.close();
      }
    });
  }
});
