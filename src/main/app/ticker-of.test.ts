import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tickerOf } from './holdings-import';

/** The regex-only reading tickerOf had before its fast path for plain tickers (issue 10). */
function reference(raw: string): string | null {
  const t = raw.trim().toUpperCase().replace(/\s+/g, '.');
  return t.length >= 1 && t.length <= 32 && /^[!-~]+$/.test(t) ? t : null;
}

describe('tickerOf', () => {
  it('reads every text exactly as the regex-only reading did', () => {
    // Printable ASCII, spaces and other whitespace, the edges of ! … ~, and characters outside ASCII.
    const char = fc.oneof(
      fc.constantFrom(' ', '\t', '\u00a0', '\u2003', '\n', '!', '~', '\u007f', ' ', '.', '-', 'é', 'ß', 'ﬁ', '\u0130'),
      fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    );
    const text = fc.oneof(fc.string({ unit: char, maxLength: 40 }), fc.stringMatching(/^[A-Za-z0-9.]{1,34}$/));
    fc.assert(
      fc.property(text, (raw) => {
        expect(tickerOf(raw)).toBe(reference(raw));
      }),
      { numRuns: 5000 },
    );
    for (const raw of ['spy', ' BRK B ', 'A'.repeat(32), 'A'.repeat(33), '', '   ', 'straße', 'ﬁx']) expect(tickerOf(raw)).toBe(reference(raw));
  });
});
