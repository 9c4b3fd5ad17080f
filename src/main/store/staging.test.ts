import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Store } from './db';

let store: Store;
beforeEach(() => (store = openDatabase(':memory:')));
afterEach(() => store.close());

const jsonRoundTrip = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;

describe('import staging', () => {
  it('gives back every line in order, as JSON would, whatever its shape (property)', () => {
    const holding = fc.record(
      {
        line: fc.nat(),
        ticker: fc.option(fc.string({ maxLength: 6 }), { nil: undefined }),
        quantity: fc.oneof(fc.string({ maxLength: 8 }), fc.constant(null)),
        identifiers: fc.option(fc.record({ isin: fc.option(fc.string({ maxLength: 12 }), { nil: undefined }) }), { nil: undefined }),
        price: fc.oneof(fc.double(), fc.integer()),
      },
      { requiredKeys: ['line'] },
    );
    const payload = fc.oneof(holding, fc.array(fc.oneof(fc.integer(), fc.string(), fc.constant(null))), fc.string(), fc.constant(null));
    const lines = fc.array(fc.tuple(fc.option(fc.constantFrom('A', 'B', 'C'), { nil: null }), payload), { maxLength: 60 });
    fc.assert(
      fc.property(lines, (input) => {
        store.staging.clear();
        store.staging.batch(() => {
          for (const [group, p] of input) store.staging.add(group, p);
        });
        expect(store.staging.count()).toBe(input.length);
        expect([...store.staging.replay()]).toEqual(input.map(([group, p]) => ({ group, payload: jsonRoundTrip(p) })));
      }),
      { seed: 5, numRuns: 200 },
    );
  });

  it('parks a long file in pages, replays it in order, and starts empty after clear', () => {
    store.staging.clear();
    store.staging.batch(() => {
      for (let i = 0; i < 4500; i++) store.staging.add(i % 2 ? 'odd' : 'even', { line: i + 2, quantity: String(i), note: i % 3 ? undefined : 'third' });
    });
    // Pages, not lines, are rows of the scratch table.
    expect(store.db.prepare('SELECT count(*) FROM temp.import_stage').pluck().get()).toBeLessThan(10);
    let expected = 0;
    for (const { group, payload } of store.staging.replay()) {
      expect(group).toBe(expected % 2 ? 'odd' : 'even');
      expect(payload).toEqual(expected % 3 ? { line: expected + 2, quantity: String(expected) } : { line: expected + 2, quantity: String(expected), note: 'third' });
      expected++;
    }
    expect(expected).toBe(4500);
    store.staging.clear();
    expect(store.staging.count()).toBe(0);
    expect([...store.staging.replay()]).toEqual([]);
  });

  it('leaves out the key it is told to omit', () => {
    store.staging.clear();
    store.staging.batch(() => {
      store.staging.add('A', { line: 2, accountId: 'A', quantity: '1' }, 'accountId');
      store.staging.add('B', { accountId: 'B', line: 3 }, 'accountId');
      store.staging.add('A', { line: 4, quantity: '2' }, 'accountId');
      store.staging.add('A', { line: 5, accountId: 'A' });
    });
    expect([...store.staging.replay()]).toEqual([
      { group: 'A', payload: { line: 2, quantity: '1' } },
      { group: 'B', payload: { line: 3 } },
      { group: 'A', payload: { line: 4, quantity: '2' } },
      { group: 'A', payload: { line: 5, accountId: 'A' } },
    ]);
  });

  it('finds keys that repeat within a statement by SQL, and clear empties them', () => {
    store.staging.clear();
    store.staging.batch(() => {
      const keys = [];
      for (let line = 2; line < 400; line++) keys.push({ group: line % 2 ? 'A' : 'B', kind: 'symbol', value: `S${line}`, line, field: 'Symbol' });
      keys.push({ group: 'A', kind: 'symbol', value: 'S3', line: 400, field: 'Symbol' }, { group: 'B', kind: 'symbol', value: 'S3', line: 401, field: 'Symbol' });
      store.staging.addKeys(keys);
    });
    expect([...store.staging.repeatedKeys()]).toEqual([
      { group: 'A', kind: 'symbol', value: 'S3', line: 3, field: 'Symbol' },
      { group: 'A', kind: 'symbol', value: 'S3', line: 400, field: 'Symbol' },
    ]);
    store.staging.clear();
    expect([...store.staging.repeatedKeys()]).toEqual([]);
  });
});
