import Big from 'big.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ConventionVotes,
  EU_FILE_CONVENTION,
  numberEvidence,
  isEmptyMarker,
  NumberReader,
  plainNumber,
  readAmount,
  splitAmountCell,
  unwrapSpreadsheetText,
  US_FILE_CONVENTION,
} from './number-formats';

const us = (cell: string) => readAmount(cell, US_FILE_CONVENTION);
const eu = (cell: string) => readAmount(cell, EU_FILE_CONVENTION);
const value = (reading: ReturnType<typeof readAmount>) => (reading.kind === 'ok' ? reading.value : reading.kind);

describe('readAmount', () => {
  it.each([
    ['1,234.56', '1234.56'],
    ['1 234.56', '1234.56'],
    ["1'234.56", '1234.56'],
    ['$1,234.56', '1234.56'],
    ['-$1,234.56', '-1234.56'],
    ['$-1,234.56', '-1234.56'],
    ['($1,234.56)', '-1234.56'],
    ['$(1,234.56)', '-1234.56'],
    ['1,234.56-', '-1234.56'],
    ['+12', '12'],
    ['\u221212.5', '-12.5'],
    ['USD 1,000', '1000'],
    ['1,000.00 USD', '1000'],
    ['US$5', '5'],
    ['="00123"', '123'],
    ['0.000', '0'],
  ])('US %j → %s', (cell, expected) => {
    expect(value(us(cell))).toBe(expected);
  });

  it.each([
    ['1.234,56', '1234.56'],
    ['1 234,56', '1234.56'],
    ['1\u00a0234,56', '1234.56'],
    ['€ 1.234,56', '1234.56'],
    ['1.234,56 €', '1234.56'],
    ['-1.234,56 EUR', '-1234.56'],
    ['(1.234,56)', '-1234.56'],
    ['0,75', '0.75'],
    ['1.000.000', '1000000'],
  ])('European %j → %s', (cell, expected) => {
    expect(value(eu(cell))).toBe(expected);
  });

  it.each(['', '  ', '--', '-', 'n/a', 'N/A', 'NA', '—'])('%j means no value', (cell) => {
    expect(us(cell)).toEqual({ kind: 'empty' });
    expect(eu(cell)).toEqual({ kind: 'empty' });
  });

  it('keeps the currency a cell names and the percent sign of a bond price', () => {
    expect(us('€12.5')).toEqual({ kind: 'ok', value: '12.5', percent: false, currency: 'EUR' });
    expect(us('£3')).toMatchObject({ currency: 'GBP' });
    expect(us('$3')).toMatchObject({ currency: null });
    expect(us('CHF 3')).toMatchObject({ currency: 'CHF' });
    expect(us('98.75%')).toEqual({ kind: 'ok', value: '98.75', percent: true, currency: null });
    expect(eu('98,75 %')).toMatchObject({ value: '98.75', percent: true });
  });

  it('says why a cell is not a number, naming the other convention when it fits that one', () => {
    expect(us('abc')).toEqual({ kind: 'invalid', reason: '"abc" is not a number' });
    expect(us('(-5)')).toEqual({ kind: 'invalid', reason: '"(-5)" has more than one minus sign' });
    expect(us('1.2e5')).toMatchObject({ kind: 'invalid' });
    expect(us('12,5')).toEqual({ kind: 'invalid', reason: '"12,5" is written in the European (1.234,56) style, but this file\'s numbers are US (1,234.56)' });
    expect(eu('1,234.56')).toMatchObject({ kind: 'invalid', reason: expect.stringContaining('US (1,234.56) style') });
    expect(us('1,23,456')).toMatchObject({ kind: 'invalid', reason: expect.stringContaining('misplaced thousands separators') });
    expect(us('ABC 5')).toEqual({ kind: 'invalid', reason: '"ABC 5" is not a number' });
  });

  it('reads any grouped, decorated US or European number exactly (property)', () => {
    const amount = fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 15n }), fc.integer({ min: 0, max: 4 }), fc.bigInt({ min: 0n, max: 9999n }));
    const decoration = fc.constantFrom('plain', 'dollar', 'parens', 'trailing', 'code', 'euro-after');
    fc.assert(
      fc.property(amount, fc.boolean(), decoration, fc.constantFrom('us', 'eu'), ([whole, scale, fractionDigits], negative, style, name) => {
        const fraction = scale === 0 ? '' : fractionDigits.toString().padStart(4, '0').slice(0, scale);
        const decimal = name === 'us' ? '.' : ',';
        const group = name === 'us' ? ',' : '.';
        const grouped = whole.toString().replace(/\B(?=(\d{3})+(?!\d))/g, group);
        const body = fraction === '' ? grouped : `${grouped}${decimal}${fraction}`;
        const exact = new Big(fraction === '' ? whole.toString() : `${whole}.${fraction}`).times(negative ? -1 : 1);
        const cell =
          style === 'plain'
            ? `${negative ? '-' : ''}${body}`
            : style === 'dollar'
              ? `${negative ? '-' : ''}$${body}`
              : style === 'parens'
                ? negative
                  ? `(${body})`
                  : body
                : style === 'trailing'
                  ? `${body}${negative ? '-' : ''}`
                  : style === 'code'
                    ? `USD ${negative ? '-' : ''}${body}`
                    : `${negative ? '-' : ''}${body} €`;
        const reading = readAmount(cell, name === 'us' ? US_FILE_CONVENTION : EU_FILE_CONVENTION);
        expect(reading.kind).toBe('ok');
        if (reading.kind === 'ok') expect(new Big(reading.value).eq(exact)).toBe(true);
      }),
      { seed: 41, numRuns: 600 },
    );
  });

  it('never throws on arbitrary text (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (cell) => {
        const reading = readAmount(cell, US_FILE_CONVENTION);
        if (reading.kind === 'ok') expect(reading.value).toMatch(/^-?(0|[1-9]\d*)(\.\d+)?$/);
        numberEvidence(cell);
        splitAmountCell(cell);
      }),
      { seed: 42, numRuns: 1000 },
    );
  });
});

describe('numberEvidence', () => {
  it.each([
    ['1,234.56', 'us-strong'],
    ['1,234,567', 'us-strong'],
    ['12.5', 'us-weak'],
    ['0.123', 'us-weak'],
    ['1234.567', 'us-weak'],
    ['1.234,56', 'eu-strong'],
    ['1.234.567', 'eu-strong'],
    ['1 234,5', 'eu-strong'],
    ['0,75', 'eu-weak'],
    ['1,234', 'ambiguous'],
    ['5.000', 'ambiguous'],
    ['100', 'neutral'],
    ['', 'neutral'],
    ['1 234', 'neutral'],
    ['abc', 'invalid'],
  ])('%j → %s', (cell, evidence) => {
    expect(numberEvidence(cell)).toBe(evidence);
  });
});

describe('ConventionVotes', () => {
  const decide = (cells: string[], delimiter: string, preferred: 'us' | 'eu' | null = null, tieBreaker?: () => 'us' | 'eu' | null) => {
    const votes = new ConventionVotes();
    for (const cell of cells) votes.add(cell);
    return votes.decide({ delimiter, preferred, ...(tieBreaker ? { tieBreaker } : {}) });
  };

  it('the profile wins', () => {
    expect(decide(['1,234.56'], ',', 'eu')).toEqual({ name: 'eu', basis: 'profile' });
  });

  it('counts cells that read only one way', () => {
    expect(decide(['1,234', '12.5', '7'], ',')).toEqual({ name: 'us', basis: 'file' });
    expect(decide(['1.234', '12,5', '1.000,00'], ';')).toEqual({ name: 'eu', basis: 'file' });
  });

  it('in a comma-delimited file, a lone "12,34" does not make the file European; "1.234,56" does', () => {
    expect(decide(['12,34'], ',')).toEqual({ name: 'us', basis: 'assumed' });
    expect(decide(['1.234,56', '12,34'], ',')).toEqual({ name: 'eu', basis: 'file' });
    expect(decide(['12,34'], ';')).toEqual({ name: 'eu', basis: 'file' });
  });

  it('ambiguous cells go to the tie-breaker, else the delimiter decides and the choice is only assumed', () => {
    expect(decide(['1,234', '5,000'], ',', null, () => 'eu')).toEqual({ name: 'eu', basis: 'consistency' });
    expect(decide(['1,234', '5,000'], ',', null, () => null)).toEqual({ name: 'us', basis: 'assumed' });
    expect(decide(['1.234'], ';')).toEqual({ name: 'eu', basis: 'assumed' });
  });
});

describe('NumberReader', () => {
  it('under an assumed convention, reports ambiguous cells instead of guessing, until the file shows its style', () => {
    const reader = new NumberReader({ name: 'us', basis: 'assumed' });
    expect(reader.read('1,234')).toMatchObject({ kind: 'invalid', reason: expect.stringContaining('could be 1234 or 1.234') });
    expect(reader.read('7')).toMatchObject({ kind: 'ok', value: '7' });
    expect(reader.read('12.5')).toMatchObject({ kind: 'ok', value: '12.5' });
    expect(reader.settledBy).toBe('file');
    expect(reader.read('1,234')).toMatchObject({ kind: 'ok', value: '1234' });
  });

  it('under evidence, reads ambiguous cells in the file convention', () => {
    expect(new NumberReader({ name: 'eu', basis: 'file' }).read('1.234')).toMatchObject({ kind: 'ok', value: '1234' });
  });
});

describe('unwrapSpreadsheetText', () => {
  it('removes Excel\'s ="…" guard only', () => {
    expect(unwrapSpreadsheetText('="037833100"')).toBe('037833100');
    expect(unwrapSpreadsheetText(' AAPL ')).toBe('AAPL');
    expect(unwrapSpreadsheetText('="a"b"')).toBe('a"b');
  });
});

describe('fast paths', () => {
  /** Cells like a file's: plain digits, decorated, grouped, signed, empty markers, wrapped, junk. */
  const cell = fc.oneof(
    fc.stringMatching(/^\d{1,9}(\.\d{1,6})?$/),
    fc.stringMatching(/^[ $€(=-]{0,2}"?\d{0,4}([.,]\d{0,3}){0,3}[ %)"]{0,2}$/),
    fc.constantFrom('', '-', '--', 'n/a', 'N/A', ' n.a. ', '="--"', '="12.50"', '1e5', '00012.500', '0', '0.0', '.5', '5.'),
    fc.string({ maxLength: 12 }),
  );

  it('plainNumber gives what read gives, as a number, or leaves the cell to read (property)', () => {
    const readers = () => [
      new NumberReader({ name: 'us', basis: 'file' }),
      new NumberReader({ name: 'us', basis: 'profile' }),
      new NumberReader({ name: 'us', basis: 'assumed' }),
      new NumberReader({ name: 'eu', basis: 'file' }),
    ];
    fc.assert(
      fc.property(cell, (text) => {
        for (const reader of readers()) {
          const fast = plainNumber(reader, text);
          if (fast === undefined) continue;
          const general = reader.read(text);
          expect(general.kind).toBe('ok');
          expect(fast).toBe(Number(general.kind === 'ok' ? general.value : NaN));
        }
      }),
      { numRuns: 3000 },
    );
    // The value is read in one pass (N / 10^k): bit for bit what Number gives, for digit strings of any length — short
    // prices, integers and fractions near and past 2⁵³, more than 22 decimals — and undefined for anything else.
    const settled = new NumberReader({ name: 'us', basis: 'file' });
    const digitString = (min: number, max: number) => fc.stringMatching(new RegExp(`^\\d{${min},${max}}$`));
    fc.assert(
      fc.property(digitString(1, 20), fc.option(digitString(1, 26), { nil: undefined }), (whole, fraction) => {
        const text = fraction === undefined ? whole : `${whole}.${fraction}`;
        expect(Object.is(plainNumber(settled, text), Number(text))).toBe(true);
      }),
      { numRuns: 5000 },
    );
    for (const text of ['9007199254740991', '9007199254740993', '9007199254740992.5', '0.1', '1.0000000000000000000001', '0.0000000000000000000000001', '123456789.123456789']) {
      expect(plainNumber(settled, text)).toBe(Number(text));
    }
    for (const text of ['', '.', '.5', '5.', '1.2.3', '+1', '-1', '1e5', ' 1', '1 ', '1,5', '١٢', 'Infinity', '0x10']) {
      expect(plainNumber(settled, text)).toBeUndefined();
    }
    expect(plainNumber(new NumberReader({ name: 'us', basis: 'file' }), '0012.50')).toBe(12.5);
    expect(plainNumber(new NumberReader({ name: 'us', basis: 'assumed' }), '1.234')).toBeUndefined();
    expect(plainNumber(new NumberReader({ name: 'eu', basis: 'file' }), '12.50')).toBeUndefined();
  });

  it('unwrapSpreadsheetText and isEmptyMarker answer as the wrapper pattern and the marker list do (property)', () => {
    const markers = new Set(['', '-', '--', '---', '\u2013', '\u2014', 'n/a', 'na', 'n.a.', 'n.a']);
    const general = (text: string) => {
      const trimmed = text.trim();
      const match = /^="(.*)"$/s.exec(trimmed);
      return match ? (match[1] ?? '') : trimmed;
    };
    fc.assert(
      fc.property(
        fc.oneof(
          cell,
          fc.string({ maxLength: 12 }).map((t) => `="${t}"`),
          fc.string({ maxLength: 12 }).map((t) => ` ${t.toUpperCase()} `),
          // The markers' own characters, in either case: what the first-character filter must not cut off.
          fc.string({ unit: fc.constantFrom('n', 'N', 'a', 'A', '/', '.', '-', '\u2013', '\u2014', ' ', '1', 'İ', '\u212A'), maxLength: 6 }),
        ),
        (text) => {
        expect(unwrapSpreadsheetText(text)).toBe(general(text));
        expect(isEmptyMarker(text)).toBe(markers.has(general(text).toLowerCase()));
        },
      ),
      { numRuns: 5000 },
    );
  });
});
