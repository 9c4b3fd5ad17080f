import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FirstLines, KeyFingerprints, keyFingerprint, type RunStore } from './key-fingerprints';

const key = fc.tuple(fc.string({ maxLength: 6 }), fc.constantFrom('ISIN', 'CUSIP', 'symbol'), fc.string({ maxLength: 8 }));

/** Runs kept in memory, as the app's scratch file keeps them on disk; counts the stores open. */
let openStores = 0;
function memoryRuns(): RunStore {
  let data = new Uint8Array(0);
  let closed = false;
  openStores++;
  return {
    append(bytes) {
      const grown = new Uint8Array(data.length + bytes.length);
      grown.set(data);
      grown.set(bytes, data.length);
      data = grown;
    },
    read(into, position) {
      if (closed || position < 0 || position + into.length > data.length) throw new RangeError(`read of ${into.length} at ${position}`);
      into.set(data.subarray(position, position + into.length));
    },
    close() {
      if (!closed) openStores--;
      closed = true;
    },
  };
}

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
        const prints = new KeyFingerprints({ chunkSize });
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

  it('past its in-memory limit keeps sorted runs in a scratch file, and finds the same repeats', () => {
    // Tiny chunks and limits, so a few dozen keys make many runs; checked against a Set of the keys themselves, with
    // the question asked halfway too (keys are added after a merge).
    fc.assert(
      fc.property(fc.array(key, { maxLength: 120 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 0, max: 30 }), (keys, chunkSize, inMemory) => {
        const prints = new KeyFingerprints({ chunkSize, inMemory, runStore: memoryRuns });
        try {
          const half = keys.length >> 1;
          for (const k of keys.slice(0, half)) prints.add(...k);
          expect(prints.hasEqualPair()).toBe(new Set(keys.slice(0, half).map((k) => JSON.stringify(k))).size < half);
          for (const k of keys.slice(half)) prints.add(...k);
          expect(prints.count).toBe(keys.length);
          expect(prints.hasEqualPair()).toBe(new Set(keys.map((k) => JSON.stringify(k))).size < keys.length);
          // Whole chunks beyond the limit are on disk.
          if (keys.length >= Math.max(inMemory, chunkSize) + 2 * chunkSize) expect(prints.spilled).toBeGreaterThan(0);
        } finally {
          prints.dispose();
        }
      }),
    );
  });

  it('finds a repeat of any key, wherever each of the two lies: in memory, in a run, across read windows', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(key, { selector: (k) => JSON.stringify(k), minLength: 1, maxLength: 80 }),
        fc.nat(),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 1, max: 4 }),
        (keys, pick, chunkSize, inMemory, runWindow) => {
          const prints = new KeyFingerprints({ chunkSize, inMemory, runWindow, runStore: memoryRuns });
          try {
            for (const k of keys) prints.add(...k);
            expect(prints.hasEqualPair()).toBe(false);
            prints.add(...keys[pick % keys.length]!);
            for (const k of keys.slice(0, pick % 7)) prints.add(`other ${JSON.stringify(k)}`, 'symbol', '');
            expect(prints.hasEqualPair()).toBe(true);
          } finally {
            prints.dispose();
          }
        },
      ),
    );
  });

  it('merges runs longer than its read window, opens a store only past its limit, and closes it on dispose', () => {
    const before = openStores;
    // Chunks of 20,000 and two of them in memory: keys 20,000–79,999 go out as three runs, each read 8,192 values at a
    // time. Then a repeat of a key kept in memory, and (another set) of one inside a run.
    const prints = new KeyFingerprints({ chunkSize: 20_000, inMemory: 40_000, runStore: memoryRuns });
    for (let i = 0; i < 40_000; i++) prints.add('ACC-1', 'symbol', `S${i}`);
    expect(openStores).toBe(before);
    for (let i = 40_000; i < 100_000; i++) prints.add('ACC-1', 'symbol', `S${i}`);
    expect(prints.spilled).toBe(60_000);
    expect(openStores).toBe(before + 1);
    expect(prints.hasEqualPair()).toBe(false);
    prints.add('ACC-1', 'symbol', 'S5');
    expect(prints.hasEqualPair()).toBe(true);
    const again = new KeyFingerprints({ chunkSize: 20_000, inMemory: 40_000, runStore: memoryRuns });
    for (let i = 0; i < 100_000; i++) again.add('ACC-1', 'symbol', `S${i}`);
    again.add('ACC-1', 'symbol', 'S50000');
    expect(again.hasEqualPair()).toBe(true);
    prints.dispose();
    again.dispose();
    prints.dispose();
    expect(openStores).toBe(before);
    // Without a store everything stays in memory, whatever the limit says.
    const inMemory = new KeyFingerprints({ chunkSize: 4, inMemory: 4 });
    for (let i = 0; i < 100; i++) inMemory.add('ACC-1', 'symbol', `S${i}`);
    expect(inMemory.spilled).toBe(0);
    expect(inMemory.hasEqualPair()).toBe(false);
  });
});

describe('FirstLines', () => {
  it('gives the first line each key was added with, and -1 for keys never added, as the table grows', () => {
    fc.assert(
      fc.property(fc.array(key, { maxLength: 3000 }), fc.array(key, { maxLength: 50 }), (keys, others) => {
        const table = new FirstLines();
        const first = new Map<number, number>();
        keys.forEach(([a, b, c], line) => {
          const print = keyFingerprint(a, b, c);
          expect(table.add(print, line)).toBe(true);
          if (!first.has(print)) first.set(print, line);
        });
        expect(table.count).toBe(first.size);
        for (const [print, line] of first) expect(table.lineOf(print)).toBe(line);
        const held: number[] = [];
        table.forEachFingerprint((print) => held.push(print));
        expect(held.sort((a, b) => a - b)).toEqual([...first.keys()].sort((a, b) => a - b));
        for (const [a, b, c] of others) {
          const print = keyFingerprint(a, b, c);
          expect(table.lineOf(print)).toBe(first.get(print) ?? -1);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('lineOrAdd is lineOf and add in one: the earlier line, or -1 and the key is kept (while there is room)', () => {
    fc.assert(
      fc.property(fc.array(key, { maxLength: 2000 }), fc.integer({ min: 0, max: 1500 }), (keys, limit) => {
        const table = new FirstLines(limit, keys.length);
        const first = new Map<number, number>();
        keys.forEach(([a, b, c], line) => {
          const print = keyFingerprint(a, b, c);
          expect(table.lineOrAdd(print, line)).toBe(first.get(print) ?? -1);
          if (!first.has(print) && first.size < limit) first.set(print, line);
        });
        expect(table.count).toBe(first.size);
        expect(table.full).toBe(new Set(keys.map(([a, b, c]) => keyFingerprint(a, b, c))).size > limit);
      }),
      { numRuns: 60 },
    );
  });

  it('keeps no more than its limit, and still finds what it kept', () => {
    const table = new FirstLines(5000);
    for (let i = 0; i < 5000; i++) expect(table.add(keyFingerprint('ACC-1', 'symbol', `S${i}`), i + 2)).toBe(true);
    expect(table.full).toBe(false);
    expect(table.add(keyFingerprint('ACC-1', 'symbol', 'S5000'), 5002)).toBe(false);
    expect(table.full).toBe(true);
    expect(table.lineOf(keyFingerprint('ACC-1', 'symbol', 'S5000'))).toBe(-1);
    for (let i = 0; i < 5000; i++) expect(table.lineOf(keyFingerprint('ACC-1', 'symbol', `S${i}`))).toBe(i + 2);
    // The fingerprint 0 is a key like any other (slots hold fingerprint + 1; 0 marks an empty one).
    const zero = new FirstLines();
    expect(zero.lineOf(0)).toBe(-1);
    zero.add(0, 7);
    expect(zero.lineOf(0)).toBe(7);
    expect(new FirstLines(0).add(1, 1)).toBe(false);
  });

  it('is keyed as KeyFingerprints is: the parts stay apart', () => {
    expect(keyFingerprint('ab', 'c', '')).not.toBe(keyFingerprint('a', 'bc', ''));
    const prints = new KeyFingerprints();
    prints.addFingerprint(keyFingerprint('ACC-1', 'ISIN', 'US0378331005'));
    prints.add('ACC-1', 'ISIN', 'US0378331005');
    expect(prints.hasEqualPair()).toBe(true);
  });
});
