import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { memoryStore } from '../store/testing';
import { AuditCheckpoint } from './anchors';

describe('AuditCheckpoint.sync', () => {
  it('appends one line per new entry, in batches, and leaves the connection\'s page cache as it found it', () => {
    const store = memoryStore();
    const dir = mkdtempSync(path.join(tmpdir(), 'ballast-checkpoint-'));
    const file = path.join(dir, 'db.audit-anchors.jsonl');
    const checkpoint = new AuditCheckpoint(file, null);
    store.db.pragma('cache_size = -3000');
    for (let i = 0; i < 4500; i++) store.audit.append({ actor: 'test', action: 'x', entity: 'e', entityId: i });
    checkpoint.sync(store);
    store.audit.append({ actor: 'test', action: 'y', entity: 'e' });
    checkpoint.sync(store);
    expect(checkpoint.lastError).toBeNull();
    expect(store.db.pragma('cache_size', { simple: true })).toBe(-3000);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { row: number; hash: string });
    const hashes = store.db.prepare('SELECT hash FROM audit_log ORDER BY id').pluck().all();
    expect(lines.map((l) => l.row)).toEqual(hashes.map((_, i) => i + 1));
    expect(lines.map((l) => l.hash)).toEqual(hashes);
    rmSync(dir, { recursive: true, force: true });
  });
});
