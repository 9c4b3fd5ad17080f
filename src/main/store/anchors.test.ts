import { describe, expect, it } from 'vitest';
import { auditCheckpointLines } from './anchors';
import { memoryStore } from './testing';

describe('auditCheckpointLines', () => {
  const at = '2026-12-07T07:40:00.000Z';
  const line = (row: number, hash: string) => `${JSON.stringify({ row, hash, at })}\n`;

  it('writes the lines JSON.stringify would, a batch at a time, and null past the end', () => {
    const store = memoryStore();
    for (let i = 0; i < 5; i++) store.audit.append({ actor: 'test', action: 'x', entity: 'e', entityId: i });
    const hashes = store.db.prepare('SELECT hash FROM audit_log ORDER BY id').pluck().all() as string[];
    expect(auditCheckpointLines(store.db, 0, at, 3)).toEqual({ text: line(1, hashes[0]!) + line(2, hashes[1]!) + line(3, hashes[2]!), last: 3 });
    expect(auditCheckpointLines(store.db, 3, at, 3)).toEqual({ text: line(4, hashes[3]!) + line(5, hashes[4]!), last: 5 });
    expect(auditCheckpointLines(store.db, 5, at, 3)).toBeNull();
  });
});
