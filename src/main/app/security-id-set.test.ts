import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SecurityIdSet } from './holdings-import';

describe('SecurityIdSet', () => {
  it('answers exactly as a Set of the same ids, small or large', () => {
    const id = fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 2 ** 40 }), fc.constantFrom(0, 31, 32, 2 ** 20 - 1, 2 ** 20, 2 ** 31, 2 ** 32 + 5));
    fc.assert(
      fc.property(fc.array(id, { maxLength: 300 }), fc.array(id, { maxLength: 300 }), (added, probed) => {
        const bits = new SecurityIdSet();
        const reference = new Set<number>();
        for (const v of added) {
          bits.add(v);
          reference.add(v);
        }
        for (const v of [...added, ...probed]) expect(bits.has(v)).toBe(reference.has(v));
      }),
    );
  });
});
