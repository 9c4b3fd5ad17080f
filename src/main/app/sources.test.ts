import { appendFileSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Store } from '../store';
import { importPositionsJob, previewImportJob } from './imports';
import { CHUNK_BYTES, openSource, sha256Of } from './sources';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ballast-sources-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A file of `bytes` bytes of text lines. */
function fileOf(bytes: number): string {
  const file = path.join(dir, 'file.csv');
  writeFileSync(file, 'x'.repeat(bytes - 1) + '\n');
  return file;
}

describe('openSource on a local file', () => {
  it('reads the same bytes every time while the file stays as it was', () => {
    const file = fileOf(CHUNK_BYTES * 2 + 10);
    const opened = openSource({ path: file });
    try {
      const first = sha256Of(opened);
      expect(sha256Of(opened)).toBe(first);
      expect(opened.readAll().length).toBe(CHUNK_BYTES * 2 + 10);
      expect(opened.head(4).length).toBe(4);
      // A read that stops early (a repeat's confirmation) is checked too, and passes.
      let chunks = 0;
      opened.forEachChunk(() => {
        chunks++;
        return false;
      });
      expect(chunks).toBe(1);
    } finally {
      opened.close();
    }
  });

  it('refuses a read during which the file grew, naming the file and both sizes', () => {
    const file = fileOf(CHUNK_BYTES * 2);
    const opened = openSource({ path: file });
    try {
      expect(() =>
        opened.forEachChunk((_, bytes) => {
          if (bytes === CHUNK_BYTES) appendFileSync(file, 'more,lines\n');
        }),
      ).toThrow(`${file} changed while Ballast was reading it (it was 2,097,152 bytes and is now 2,097,163); nothing was imported.`);
    } finally {
      opened.close();
    }
  });

  it('refuses every later read of a file written to since it was opened, even at the same size', () => {
    const file = fileOf(1000);
    const opened = openSource({ path: file });
    try {
      writeFileSync(file, 'y'.repeat(999) + '\n');
      utimesSync(file, new Date('2026-01-02T03:04:05Z'), new Date('2026-01-02T03:04:05Z'));
      expect(() => sha256Of(opened)).toThrow(/changed while Ballast was reading it \(it was written to at 2026-01-02T03:04:05.000Z\)/);
      expect(() => opened.head(10)).toThrow(/changed while Ballast was reading it/);
      expect(() => opened.readAll()).toThrow(/changed while Ballast was reading it/);
      expect(() => opened.forEachChunk(() => false)).toThrow(/changed while Ballast was reading it/);
    } finally {
      opened.close();
    }
  });
});

describe('an import whose file changes while it is read', () => {
  let store: Store;
  const dbFile = () => path.join(dir, 'ballast.db');
  beforeEach(() => {
    store = openDatabase(dbFile());
  });
  afterEach(() => store.close());

  const HEADER = 'Account Number,Symbol,Description,Security Type,Quantity,Price,Market Value,Currency,As of\n';
  const line = (i: number) => `ACC-${i % 3},SYN${i},Synthetic ${i},Equity,10,20.00,200.00,USD,2026-08-03\n`;
  const input = (file: string) => ({ fileName: 'holdings.csv', source: { path: file }, actor: 'test', createSecurities: true, createAccount: true });

  for (const [way, paths] of [
    ['read straight into the import', {}],
    ['read the staged way', { direct: false }],
  ] as const) {
    it(`writes nothing when a line is added after the file's hash was taken (${way})`, () => {
      const file = path.join(dir, 'holdings.csv');
      writeFileSync(file, HEADER + Array.from({ length: 30 }, (_, i) => line(i)).join(''));
      // The file is one chunk: the hash's read reports once, then the read of its lines reports while it is still
      // reading — when the custodian's export, still being written, gets another line.
      let calls = 0;
      let hashed = false;
      const job = {
        dbPath: dbFile(),
        signal: { aborted: false },
        progress: () => {
          if (++calls === 2) {
            hashed = true;
            appendFileSync(file, line(30));
          }
        },
      };
      expect(() => importPositionsJob(store, input(file), job, paths)).toThrow(/holdings\.csv changed while Ballast was reading it/);
      expect(hashed).toBe(true);
      const raw = new Database(dbFile(), { readonly: true });
      try {
        for (const table of ['imports', 'accounts', 'securities', 'position_snapshots', 'positions', 'audit_log']) {
          expect(raw.prepare(`SELECT count(*) FROM ${table}`).pluck().get(), table).toBe(0);
        }
      } finally {
        raw.close();
      }
      // Once the file is complete, it imports, every line of it.
      const done = importPositionsJob(store, input(file), { ...job, progress: () => undefined }, paths);
      expect(done.rows).toBe(31);
    });
  }

  it('a preview says so too', () => {
    const file = path.join(dir, 'holdings.csv');
    writeFileSync(file, HEADER + Array.from({ length: 30 }, (_, i) => line(i)).join(''));
    let hashed = false;
    const job = {
      dbPath: dbFile(),
      signal: { aborted: false },
      progress: (step: string, done: number) => {
        if (step === 'Reading file' && done > 0 && !hashed) {
          hashed = true;
          appendFileSync(file, line(30));
        }
      },
    };
    expect(() => previewImportJob(store, { ...input(file), kind: 'positions' }, job)).toThrow(/changed while Ballast was reading it/);
  });
});
