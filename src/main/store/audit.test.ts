import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { appendAudit, auditHash, auditMaterial, canonicalJson, GENESIS_HASH, listAudit, verifyAuditChain } from './audit';
import { openDatabase, type Store } from './db';
import { tempDir } from './testing';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()?.();
});
function memoryStore(): Store {
  const store = openDatabase(':memory:');
  cleanups.push(() => store.close());
  return store;
}
function appendSome(store: Store, n: number) {
  for (let i = 1; i <= n; i++) {
    store.audit.append({
      actor: 'pm@fund',
      action: i % 2 ? 'proposal.created' : 'proposal.approved',
      entity: 'proposal',
      entityId: i,
      details: { seq: i, tickers: ['SPY', 'TLT'], totals: { z: '1.5', a: i / 3 } },
      at: `2024-01-0${Math.min(i, 9)}T10:00:00.000Z`,
    });
  }
}

describe('the hashed material', () => {
  // appendAudit hashes the fields around the details' stored canonical text instead of serialising the whole; the
  // text must be canonicalJson of the whole, or every chain written since would fail verification.
  const entry = fc.record({
    id: fc.integer({ min: 1 }),
    at: fc.string(),
    actor: fc.string(),
    action: fc.string(),
    entity: fc.string(),
    entityId: fc.option(fc.string(), { nil: null }),
  });
  it('is canonicalJson of the entry, for any details', () => {
    fc.assert(
      fc.property(entry, fc.option(fc.anything(), { nil: undefined }), (e, details) => {
        const whole = canonicalJson({ ...e, details });
        // The details as appendAudit stores them (null when there are none), and as any caller of auditHash gives them.
        const stored = details === undefined ? 'null' : canonicalJson(details);
        expect(auditMaterial(e, stored)).toBe(canonicalJson({ ...e, details: JSON.parse(stored) as unknown }));
        expect(auditMaterial(e, details === undefined ? undefined : canonicalJson(details))).toBe(whole);
        expect(auditHash(GENESIS_HASH, { ...e, details })).toBe(createHash('sha256').update(GENESIS_HASH).update(whole).digest('hex'));
      }),
      { numRuns: 500 },
    );
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every depth, including integer-like keys, and drops undefined like JSON', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { y: 1, x: 2 }], c: null }, '10': 'ten', '9': 'nine', u: undefined })).toBe(
      '{"10":"ten","9":"nine","a":{"c":null,"d":[3,{"x":2,"y":1}]},"b":1}',
    );
    expect(canonicalJson(undefined)).toBe('null');
    expect(canonicalJson([undefined, Number.NaN, 'é"'])).toBe('[null,null,"é\\""]');
    expect(canonicalJson(new Date('2024-01-02T03:04:05.000Z'))).toBe('"2024-01-02T03:04:05.000Z"');
    expect(() => canonicalJson({ n: 1n })).toThrow(/bigint/);
  });

  it('is stable under a JSON round trip, so stored details re-hash to the same value', () => {
    const value = { x: 0.1 + 0.2, big: 1e21, small: 5e-324, s: 'a\u2028b', nested: [{ b: true, a: false }] };
    const once = canonicalJson(value);
    expect(canonicalJson(JSON.parse(once))).toBe(once);
  });
});

describe('audit chain', () => {
  it('verifies an empty and a fresh chain', () => {
    const store = memoryStore();
    expect(store.audit.verify()).toEqual({ ok: true, rows: 0, firstBadId: null, reason: null });
    appendSome(store, 5);
    expect(verifyAuditChain(store.db)).toEqual({ ok: true, rows: 5, firstBadId: null, reason: null });
  });

  it('links each entry to the previous one with sha256(prev_hash + canonical JSON)', () => {
    const store = memoryStore();
    const first = appendAudit(store.db, { actor: 'system', action: 'demo.loaded', entity: 'account', entityId: 'DEMO', details: { b: 2, a: 1 }, at: '2024-01-02T00:00:00.000Z' });
    const second = appendAudit(store.db, { actor: 'system', action: 'noop', entity: 'app' });
    expect(first.prevHash).toBe(GENESIS_HASH);
    expect(second.prevHash).toBe(first.hash);
    expect(second.entityId).toBeNull();
    expect(second.details).toBeNull();
    const material = '{"action":"demo.loaded","actor":"system","at":"2024-01-02T00:00:00.000Z","details":{"a":1,"b":2},"entity":"account","entityId":"DEMO","id":1}';
    expect(first.hash).toBe(createHash('sha256').update(GENESIS_HASH + material).digest('hex'));
    // The stored details text is the canonical form.
    expect(store.db.prepare('SELECT details FROM audit_log WHERE id = 1').pluck().get()).toBe('{"a":1,"b":2}');
  });

  it('lists newest first with parsed details', () => {
    const store = memoryStore();
    appendSome(store, 3);
    const entries = listAudit(store.db, 2);
    expect(entries.map((e) => e.id)).toEqual([3, 2]);
    expect(entries[0]).toMatchObject({ actor: 'pm@fund', entity: 'proposal', entityId: '3', details: { seq: 3 } });
    expect(store.audit.forEntity('proposal', 2).map((e) => e.id)).toEqual([2]);
  });

  it('returns each entry with its details as stored, whether or not they are read', () => {
    const store = memoryStore();
    const first = store.audit.append({ actor: 'pm', action: 'x', entity: 'e', details: { b: [1, { d: undefined, c: 2 }], a: 'é' } });
    const second = store.audit.append({ actor: 'pm', action: 'y', entity: 'e' });
    expect(first.details).toEqual({ a: 'é', b: [1, { c: 2 }] });
    expect(second.details).toBeNull();
    expect(JSON.parse(JSON.stringify(first))).toEqual({ ...listAudit(store.db, 10).find((e) => e.id === first.id) });
    expect(verifyAuditChain(store.db).ok).toBe(true);
  });

  it('blocks UPDATE and DELETE with triggers', () => {
    const store = memoryStore();
    appendSome(store, 2);
    expect(() => store.db.prepare("UPDATE audit_log SET actor = 'someone else' WHERE id = 1").run()).toThrow(/append-only/);
    expect(() => store.db.prepare('DELETE FROM audit_log WHERE id = 2').run()).toThrow(/append-only/);
    expect(() => store.db.prepare('DELETE FROM audit_log').run()).toThrow(/append-only/);
    expect(store.audit.verify().ok).toBe(true);
  });

  it('reports the first edited entry once someone bypasses the triggers (as with the sqlite3 shell)', () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const file = join(dir, 'ballast.db');
    const store = openDatabase(file);
    appendSome(store, 6);
    store.close();

    // Tampering from outside Ballast: a plain connection, triggers dropped, a row edited.
    const shell = new Database(file);
    shell.exec('DROP TRIGGER audit_log_no_update');
    shell.prepare(`UPDATE audit_log SET details = json_set(details, '$.totals.z', '15') WHERE id IN (3, 5)`).run();
    shell.close();

    const reopened = openDatabase(file);
    cleanups.push(() => reopened.close());
    const result = reopened.audit.verify();
    expect(result).toMatchObject({ ok: false, rows: 6, firstBadId: 3 });
    expect(result.reason).toMatch(/entry 3 was changed after it was written/);
  });

  it('detects a re-hashed edit by the broken link of the next entry', () => {
    const store = memoryStore();
    appendSome(store, 4);
    store.db.exec('DROP TRIGGER audit_log_no_update');
    // A careful forger recomputes entry 2's own hash, but entry 3 still points at the old one.
    store.db.prepare("UPDATE audit_log SET actor = 'forger', hash = ? WHERE id = 2").run('f'.repeat(64));
    const result = store.audit.verify();
    expect(result.firstBadId).toBe(2);
    store.db.prepare("UPDATE audit_log SET hash = ? WHERE id = 2").run(
      createHash('sha256')
        .update(store.db.prepare('SELECT prev_hash FROM audit_log WHERE id = 2').pluck().get() as string)
        .update(
          canonicalJson({
            ...(store.db.prepare('SELECT id, at, actor, action, entity, entity_id AS entityId FROM audit_log WHERE id = 2').get() as object),
            details: JSON.parse(store.db.prepare('SELECT details FROM audit_log WHERE id = 2').pluck().get() as string),
          }),
        )
        .digest('hex'),
    );
    expect(store.audit.verify()).toMatchObject({ ok: false, firstBadId: 3 });
    expect(store.audit.verify().reason).toMatch(/does not link/);
  });

  it('detects a deleted entry in the middle', () => {
    const store = memoryStore();
    appendSome(store, 4);
    store.db.exec('DROP TRIGGER audit_log_no_delete');
    store.db.prepare('DELETE FROM audit_log WHERE id = 2').run();
    expect(store.audit.verify()).toMatchObject({ ok: false, rows: 3, firstBadId: 3 });
  });

  it('keeps the chain intact when the surrounding transaction rolls back', () => {
    const store = memoryStore();
    appendSome(store, 2);
    expect(() =>
      store.transaction(() => {
        store.audit.append({ actor: 'pm', action: 'x', entity: 'y' });
        throw new Error('abort');
      }),
    ).toThrow('abort');
    appendSome(store, 1);
    expect(store.audit.verify()).toEqual({ ok: true, rows: 3, firstBadId: null, reason: null });
  });
});
