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

  it('keeps the parts apart', () => {
    const prints = new KeyFingerprints();
    prints.add('ab', 'symbol', 'c');
    prints.add('a', 'symbol', 'bc');
    prints.add('a', 'symbolb', 'c');
    expect(prints.hasEqualPair()).toBe(false);
  });
});
