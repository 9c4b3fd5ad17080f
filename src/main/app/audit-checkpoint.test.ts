import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Store } from '../store';
import { tempDir } from '../store/testing';
import { anchorKeyFromSecret, AuditCheckpoint, checkpointFileFor } from './anchors';

function append(store: Store, n: number): void {
  store.transaction(() => {
    for (let i = 0; i < n; i++) store.audit.append({ actor: 'test', action: 'security.create', entity: 'security', entityId: String(i), details: { i } });
  });
}

const linesOf = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { row: number; hash: string; mac?: string });

describe('AuditCheckpoint', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: Store;
  let file: string;
  beforeEach(() => {
    dir = tempDir();
    const dbPath = path.join(dir.dir, 'ballast.db');
    store = openDatabase(dbPath);
    file = checkpointFileFor(dbPath);
  });
  afterEach(() => {
    store.close();
    dir.cleanup();
  });

  it('appends every new entry once, in order, over several of its batches (a large import adds tens of thousands)', () => {
    append(store, 4500);
    const checkpoint = new AuditCheckpoint(file, null);
    checkpoint.sync(store);
    expect(checkpoint.lastError).toBeNull();
    const hashes = store.db.prepare('SELECT id, hash FROM audit_log ORDER BY id').all() as { id: number; hash: string }[];
    expect(linesOf(file).map((l) => [l.row, l.hash])).toEqual(hashes.map((h) => [h.id, h.hash]));
    append(store, 10);
    // Another process's checkpoint (it re-reads the file's end) appends only what is new.
    new AuditCheckpoint(file, null).sync(store);
    const after = linesOf(file);
    expect(after).toHaveLength(4510);
    expect(after.map((l) => l.row)).toEqual(Array.from({ length: 4510 }, (_, i) => i + 1));
  });

  it('ends a line a crash cut before appending, and signs each line when it has the key', () => {
    append(store, 3);
    writeFileSync(file, '{"row":1,"hash":"cut');
    new AuditCheckpoint(file, anchorKeyFromSecret(Buffer.alloc(32, 7))).sync(store);
    const text = readFileSync(file, 'utf8');
    expect(text.startsWith('{"row":1,"hash":"cut\n')).toBe(true);
    const lines = text.split('\n').slice(1).filter(Boolean).map((l) => JSON.parse(l) as { row: number; mac?: string });
    expect(lines.map((l) => l.row)).toEqual([1, 2, 3]);
    expect(lines.every((l) => typeof l.mac === 'string' && l.mac.length > 0)).toBe(true);
  });
});
