import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SecurityIdSet } from './holdings-import';

describe('SecurityIdSet', () => {
  const id = fc.oneof(
    fc.integer({ min: 0, max: 5000 }),
    fc.integer({ min: 0, max: 2 ** 40 }),
    fc.constantFrom(0, 31, 32, 2 ** 20 - 1, 2 ** 20, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 5),
  );

  it('answers exactly as a Set of the same ids, small or large', () => {
    fc.assert(
      fc.property(fc.array(id, { maxLength: 300 }), fc.array(id, { maxLength: 300 }), (added, probed) => {
        const ids = new SecurityIdSet();
        const reference = new Set<number>();
        for (const v of added) {
          ids.add(v);
          reference.add(v);
        }
        for (const v of [...added, ...probed]) expect(ids.has(v)).toBe(reference.has(v));
      }),
    );
  });

  it('answers as a Set when adds and questions alternate, through the switches between array and bitset', () => {
    // Runs of nearby ids (which turn it into a bitset) broken by far ones (which turn it back).
    const step = fc.oneof(
      fc.record({ add: fc.integer({ min: 0, max: 3000 }) }),
      fc.record({ add: id }),
      fc.record({ addRun: fc.integer({ min: 0, max: 4000 }), length: fc.integer({ min: 1, max: 300 }) }),
      fc.record({ has: id }),
      fc.record({ has: fc.integer({ min: 0, max: 4500 }) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const ids = new SecurityIdSet();
        const reference = new Set<number>();
        for (const s of steps) {
          if ('add' in s) {
            ids.add(s.add);
            reference.add(s.add);
          } else if ('addRun' in s) {
            for (let k = 0; k < s.length; k++) {
              ids.add(s.addRun + k);
              reference.add(s.addRun + k);
            }
          } else expect(ids.has(s.has)).toBe(reference.has(s.has));
        }
        for (const v of reference) expect(ids.has(v)).toBe(true);
      }),
    );
  });

  it('costs what its ids are, not what the largest id is', () => {
    // Two holdings of a statement in a database of five million securities: two ids, not a 625 KB bitset.
    const few = new SecurityIdSet();
    few.add(5_000_000);
    few.add(4_999_999);
    expect(few.bytes).toBeLessThanOrEqual(16);
    expect(few.has(5_000_000) && few.has(4_999_999) && !few.has(4_999_998)).toBe(true);
    // Twenty thousand holdings with ids close together: a bitset of a few kilobytes, not 160 KB of ids.
    const dense = new SecurityIdSet();
    for (let i = 0; i < 20_000; i++) dense.add(10_000 + ((i * 7919) % 20_000));
    expect(dense.bytes).toBeLessThanOrEqual(4 * 1024);
    expect(dense.has(10_000) && dense.has(29_999) && !dense.has(30_000) && !dense.has(9_999)).toBe(true);
    // One far id among them: back to an array, still every answer right.
    dense.add(2 ** 40);
    expect(dense.has(2 ** 40) && dense.has(12_345)).toBe(true);
  });
});
