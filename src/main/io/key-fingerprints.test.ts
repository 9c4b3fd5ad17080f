import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyFingerprints } from './key-fingerprints';

const key = fc.tuple(fc.string({ maxLength: 6 }), fc.constantFrom('ISIN', 'CUSIP', 'symbol'), fc.string({ maxLength: 8 }));

describe('KeyFingerprints', () => {
  it('finds every repeated key (equal keys, equal fingerprints)', () => {
    fc.assert(
      fc.property(fc.array(key, { minLength: 1, maxLength: 60 }), fc.nat(), (keys, pick) => {
        const prints = new KeyFingerprints();
        for (const k of keys) prints.add(...k);
        prints.add(...keys[pick % keys.length]!);
        expect(prints.hasEqualPair()).toBe(true);
      }),
    );
  });

  it('says "no repeat" for distinct keys, whatever their number (collisions are rare enough not to show)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(key, { selector: (k) => JSON.stringify(k), maxLength: 80 }), (keys) => {
        const prints = new KeyFingerprints();
        for (const k of keys) prints.add(...k);
        expect(prints.count).toBe(keys.length);
        expect(prints.hasEqualPair()).toBe(false);
      }),
    );
    // Many near-identical keys across the growth of the array: tickers and accounts as a large file has them.
    const prints = new KeyFingerprints();
    for (let account = 0; account < 100; account++) for (let s = 0; s < 2000; s++) prints.add(`ACC-${account}`, 'symbol', `SYN${s}`);
    expect(prints.count).toBe(200_000);
    expect(prints.hasEqualPair()).toBe(false);
  });

  it('finds repeats within and across chunks, and none where there are none, whatever the chunk size', () => {
    // Small chunks so a few dozen keys span many of them (the default holds 65,536): the merge across chunks is
    // checked against a Set of the keys themselves.
    fc.assert(
      fc.property(fc.array(key, { maxLength: 120 }), fc.integer({ min: 1, max: 9 }), (keys, chunkSize) => {
        const prints = new KeyFingerprints(chunkSize);
        for (const k of keys) prints.add(...k);
        expect(prints.count).toBe(keys.length);
        expect(prints.hasEqualPair()).toBe(new Set(keys.map((k) => JSON.stringify(k))).size < keys.length);
      }),
    );
    // A repeat 70,000 keys apart with the default chunks: the two lie in different chunks.
    const prints = new KeyFingerprints();
    prints.add('ACC-1', 'symbol', 'REPEATED');
    for (let i = 0; i < 70_000; i++) prints.add('ACC-1', 'symbol', `S${i}`);
    expect(prints.hasEqualPair()).toBe(false);
    prints.add('ACC-1', 'symbol', 'REPEATED');
    expect(prints.hasEqualPair()).toBe(true);
  });

  it('keeps the parts apart', () => {
    const prints = new KeyFingerprints();
    prints.add('ab', 'symbol', 'c');
    prints.add('a', 'symbol', 'bc');
    prints.add('a', 'symbolb', 'c');
    expect(prints.hasEqualPair()).toBe(false);
  });
});
