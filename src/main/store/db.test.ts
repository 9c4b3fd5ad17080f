import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { BallastError } from '../../shared/errors';
import { openDatabase } from './db';
import { BALLAST_APPLICATION_ID, LATEST_SCHEMA_VERSION, migrate, parseMigrations } from './migrate';
import { seedBasics, SHA_A, tempDir } from './testing';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()?.();
});
function temp() {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}
const sha256File = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('openDatabase', () => {
  it('opens a new file in WAL mode with foreign keys, busy timeout and NORMAL sync, at the latest schema', () => {
    const file = join(temp(), 'ballast.db');
    const store = openDatabase(file);
    try {
      expect(store.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
      expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(store.db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(store.db.pragma('busy_timeout', { simple: true })).toBe(5000);
      expect(store.db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
      expect(store.db.pragma('application_id', { simple: true })).toBe(BALLAST_APPLICATION_ID);
    } finally {
      store.close();
    }
    // Reopening an up-to-date file applies nothing and keeps the data.
    const again = openDatabase(file);
    expect(again.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
    again.close();
  });

  it('works in memory for tests', () => {
    const store = openDatabase(':memory:');
    expect(store.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
    expect(store.securities.count()).toBe(0);
    store.close();
    store.close(); // idempotent
  });

  it('refuses a database from a newer Ballast with DB_TOO_NEW and leaves the file untouched', () => {
    const dir = temp();
    const file = join(dir, 'future.db');
    const future = new Database(file);
    future.pragma('journal_mode = WAL');
    future.exec('CREATE TABLE something_new (x INTEGER)');
    future.pragma(`application_id = ${BALLAST_APPLICATION_ID}`);
    future.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 7}`);
    future.close();
    const before = { hash: sha256File(file), files: readdirSync(dir).sort() };

    let error: unknown;
    try {
      openDatabase(file);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(BallastError);
    expect((error as BallastError).code).toBe('DB_TOO_NEW');
    expect((error as BallastError).message).toContain(
      `This database was written by a newer version of Ballast (schema ${LATEST_SCHEMA_VERSION + 7}; this version knows ${LATEST_SCHEMA_VERSION}).`,
    );
    expect(sha256File(file)).toBe(before.hash);
    expect(readdirSync(dir).sort()).toEqual(before.files);
  });

  it('refuses an SQLite file that is not a Ballast database', () => {
    const file = join(temp(), 'other.db');
    const other = new Database(file);
    other.exec('CREATE TABLE customers (id INTEGER PRIMARY KEY)');
    other.close();
    const hash = sha256File(file);
    expect(() => openDatabase(file)).toThrow(/not one written by Ballast/);
    expect(sha256File(file)).toBe(hash);
  });

  it('lets a read-only connection read beside the writer and refuses its writes', () => {
    const file = join(temp(), 'ballast.db');
    const writer = openDatabase(file);
    seedBasics(writer);
    const reader = openDatabase(file, { readonly: true });
    try {
      expect(reader.readonly).toBe(true);
      expect(reader.securities.count()).toBe(2);
      expect(() => reader.settings.set('k', 'v')).toThrow(/readonly/i);
      writer.settings.set('theme', 'dark');
      expect(reader.settings.get('theme')).toBe('dark');
      expect(reader.transaction(() => reader.accounts.list().length)).toBe(1);
    } finally {
      reader.close();
      writer.close();
    }
  });

  it('refuses a read-only open of a database that still needs migrating', () => {
    const file = join(temp(), 'empty.db');
    new Database(file).close();
    expect(() => openDatabase(file, { readonly: true })).toThrow(/needs an upgrade/);
    expect(() => openDatabase(join(temp(), 'missing.db'), { readonly: true })).toThrow();
  });

  it('passes nativeBinding through to better-sqlite3', () => {
    expect(() => openDatabase(':memory:', { nativeBinding: '/nonexistent/better_sqlite3.node' })).toThrow();
  });
});

describe('Store.transaction', () => {
  it('rolls back every row written when the callback throws', () => {
    const store = openDatabase(':memory:');
    seedBasics(store);
    const count = (table: string) => store.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get();
    const before = ['securities', 'prices', 'imports', 'accounts', 'audit_log'].map(count);
    expect(() =>
      store.transaction(() => {
        const imp = store.imports.insert({ kind: 'prices', fileName: 'p.csv', sha256: SHA_A, format: 'csv', rows: 2 });
        const gld = store.securities.upsert({ ticker: 'GLD', name: 'Gold', assetClass: 'commodity', currency: 'USD' }).security;
        store.prices.insertMany([
          { securityId: gld.id, date: '2024-01-02', close: 190, importId: imp.id },
          { securityId: gld.id, date: '2024-01-03', close: 191, importId: imp.id },
        ]);
        store.audit.append({ actor: 'test', action: 'import', entity: 'import', entityId: imp.id });
        throw new Error('row 3 is bad');
      }),
    ).toThrow('row 3 is bad');
    expect(['securities', 'prices', 'imports', 'accounts', 'audit_log'].map(count)).toEqual(before);
    expect(store.audit.verify().ok).toBe(true);
    store.close();
  });

  it('rolls back a nested write that fails a constraint together with the outer work', () => {
    const store = openDatabase(':memory:');
    const { account } = seedBasics(store);
    expect(() =>
      store.transaction(() => {
        store.settings.set('a', '1');
        store.positions.createSnapshot({ accountId: account.id, asOf: '2024-01-02', cash: 'lots', positions: [] });
      }),
    ).toThrow(/CHECK constraint/);
    expect(store.settings.get('a')).toBeNull();
    store.close();
  });

  it('refuses an async callback and rolls it back', () => {
    const store = openDatabase(':memory:');
    expect(() =>
      store.transaction(async () => {
        store.settings.set('x', '1');
      }),
    ).toThrow(/must be synchronous/);
    expect(store.settings.get('x')).toBeNull();
    store.close();
  });
});

/**
 * Another connection holding the write lock until told to let go: a plain-JS worker thread (the waiting side
 * blocks its own thread, so the holder must live on another one). It commits one settings row once
 * `release[0]` becomes 1, or after `holdMs`.
 */
function holdWriteLock(file: string, holdMs?: number): { locked: Promise<void>; release: () => void; done: Promise<void> } {
  const release = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     const Database = require(workerData.driver);
     const db = new Database(workerData.file);
     db.exec('BEGIN IMMEDIATE');
     db.prepare("INSERT INTO settings (key, value) VALUES ('holder', 'first')").run();
     parentPort.postMessage('locked');
     Atomics.wait(workerData.release, 0, 0, workerData.holdMs);
     db.exec('COMMIT');
     db.close();`,
    { eval: true, workerData: { file, release, holdMs: holdMs ?? Infinity, driver: require.resolve('better-sqlite3') } },
  );
  const locked = new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
  });
  const done = new Promise<void>((resolve, reject) => {
    worker.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`holder exited ${code}`))));
  });
  return {
    locked,
    release: () => {
      Atomics.store(release, 0, 1);
      Atomics.notify(release, 0);
    },
    done,
  };
}

describe('writers queue instead of failing', () => {
  it('a transaction waits for another connection to commit, saying so, then writes', async () => {
    const file = join(temp(), 'queue.db');
    openDatabase(file).close();
    const holder = holdWriteLock(file);
    await holder.locked;
    const store = openDatabase(file);
    try {
      const waited: number[] = [];
      const seen = store.transaction(
        () => {
          store.settings.set('second', 'after');
          return store.settings.get('holder');
        },
        {
          onWait: (ms) => {
            waited.push(ms);
            // Let the holder go only once this writer has said it is waiting: the wait is observed, not timed.
            holder.release();
          },
        },
      );
      expect(waited.length).toBeGreaterThan(0);
      // It began after the holder's commit, so it saw that row.
      expect(seen).toBe('first');
      expect(store.settings.get('second')).toBe('after');
      // The busy timeout of later statements is what it was.
      expect(store.db.pragma('busy_timeout', { simple: true })).toBe(5000);
    } finally {
      holder.release();
      await holder.done;
      store.close();
    }
  });

  it('a write outside any transaction (an audit append) outlasts a busy timeout shorter than the hold', async () => {
    const file = join(temp(), 'queue-audit.db');
    openDatabase(file).close();
    // The holder lets go by itself after a while; before issue 10 this append failed with "database is locked".
    const holder = holdWriteLock(file, 400);
    await holder.locked;
    const store = openDatabase(file);
    try {
      store.db.pragma('busy_timeout = 20');
      store.audit.append({ actor: 'test', action: 'test.write', entity: 'test', entityId: 1, details: null });
      expect(store.settings.get('holder')).toBe('first');
      expect(store.db.pragma('busy_timeout', { simple: true })).toBe(20);
    } finally {
      await holder.done;
      store.close();
    }
  });
});

describe('migration runner', () => {
  it('validates numbering: contiguous from 1, no duplicates, well-formed names', () => {
    expect(parseMigrations({ './migrations/0002-b.sql': 'SELECT 1;', './migrations/0001-a.sql': 'SELECT 1;' }).map((m) => m.name)).toEqual([
      '0001-a',
      '0002-b',
    ]);
    expect(() => parseMigrations({ './migrations/0001-a.sql': '', './migrations/0003-c.sql': '' })).toThrow(/without gaps/);
    expect(() => parseMigrations({ './migrations/0002-a.sql': '' })).toThrow(/expected 1/);
    expect(() => parseMigrations({ './migrations/0001-a.sql': '', './migrations/0001-b.sql': '' })).toThrow(/two migrations are numbered 1/);
    expect(() => parseMigrations({ './migrations/1-a.sql': '' })).toThrow(/NNNN-name\.sql/);
    expect(() => parseMigrations({ './migrations/0001-a.sql': 'BEGIN;\nCREATE TABLE t (x);\nCOMMIT;' })).toThrow(/must not manage transactions/);
    expect(() => parseMigrations({ './migrations/0001-a.sql': 'PRAGMA user_version = 3;' })).toThrow(/must not manage/);
    // Trigger bodies use BEGIN … END and are fine.
    expect(() =>
      parseMigrations({ './migrations/0001-a.sql': 'CREATE TRIGGER t BEFORE DELETE ON x\nBEGIN\n  SELECT 1;\nEND;' }),
    ).not.toThrow();
  });

  it('applies all pending migrations in one transaction: a failing one leaves the file as it was', () => {
    const db = new Database(':memory:');
    const list = parseMigrations({
      './migrations/0001-a.sql': 'CREATE TABLE a (x INTEGER);',
      './migrations/0002-b.sql': 'CREATE TABLE b (x INTEGER); INSERT INTO nowhere VALUES (1);',
    });
    expect(() => migrate(db, list)).toThrow(/migration 0002-b failed/);
    expect(db.pragma('user_version', { simple: true })).toBe(0);
    expect(db.prepare("SELECT count(*) FROM sqlite_schema WHERE type = 'table'").pluck().get()).toBe(0);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);

    expect(migrate(db, list.slice(0, 1))).toEqual({ from: 0, to: 1, applied: ['0001-a'] });
    expect(migrate(db, list.slice(0, 1))).toEqual({ from: 1, to: 1, applied: [] });
    db.close();
  });

  it('refuses a migration that leaves foreign-key violations', () => {
    const db = new Database(':memory:');
    const list = parseMigrations({
      './migrations/0001-a.sql': 'CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (p INTEGER REFERENCES p (id)); INSERT INTO c VALUES (9);',
    });
    expect(() => migrate(db, list)).toThrow(/foreign-key violations/);
    expect(db.pragma('user_version', { simple: true })).toBe(0);
    db.close();
  });

  it('keeps the file usable after a successful open in a temp directory (WAL files cleaned up on close)', () => {
    const dir = temp();
    const file = join(dir, 'ballast.db');
    const store = openDatabase(file);
    seedBasics(store);
    store.close();
    expect(existsSync(`${file}-wal`)).toBe(false);
    const reopened = openDatabase(file);
    expect(reopened.accounts.list().map((a) => a.id)).toEqual(['ACC-1']);
    reopened.close();
  });
});
