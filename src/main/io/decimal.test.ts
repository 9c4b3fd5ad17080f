import Big from 'big.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecimalString } from '../../shared/domain';
import { decimalSign, parseDecimal, readDecimal } from './decimal';

describe('parseDecimal', () => {
  it.each([
    ['1234.5', '1234.5'],
    ['-3', '-3'],
    ['1,234.56', '1234.56'],
    ['1,234,567', '1234567'],
    ['  42  ', '42'],
    ['+7', '7'],
    ['0', '0'],
    ['-0', '0'],
    ['-0.000', '0'],
    ['007.2500', '7.25'],
    ['1.000', '1'],
    ['.5', '0.5'],
    ['5.', '5'],
    ['-.25', '-0.25'],
    ['123456789012345678901234567890.123456789', '123456789012345678901234567890.123456789'],
  ])('%j → %j', (input, expected) => {
    expect(parseDecimal(input)).toBe(expected);
    expect(DecimalString.safeParse(expected).success).toBe(true);
  });

  it.each(['', '   ', 'abc', '1.2.3', '1,23.4', '12,34', '1,2345', ',123', '1 234', '1e6', '1.23457E+11', '--1', '+-1', '.', '-', '0x10', 'NaN', 'Infinity', '$12', '12%', '1,234,56'])(
    'rejects %j',
    (input) => {
      expect(parseDecimal(input)).toBeNull();
    },
  );

  it('explains why a cell is not a number', () => {
    expect(readDecimal('1.23457E+11')).toEqual({ ok: false, reason: expect.stringContaining('scientific notation') });
    expect(readDecimal('1,23.4')).toEqual({ ok: false, reason: expect.stringContaining('misplaced thousands separators') });
    expect(readDecimal('1.2.3')).toEqual({ ok: false, reason: expect.stringContaining('more than one decimal separator') });
    expect(readDecimal('abc')).toEqual({ ok: false, reason: '"abc" is not a number' });
    expect(readDecimal('')).toEqual({ ok: false, reason: 'is empty' });
  });

  it('gives the sign of a canonical decimal', () => {
    expect(decimalSign('0')).toBe(0);
    expect(decimalSign('-0.5')).toBe(-1);
    expect(decimalSign('12')).toBe(1);
  });

  const decimalText = fc
    .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 24n }), fc.integer({ min: 0, max: 12 }))
    .map(([negative, digits, scale]) => {
      const padded = digits.toString().padStart(scale + 1, '0');
      const text = scale === 0 ? padded : `${padded.slice(0, -scale)}.${padded.slice(-scale)}`;
      return negative ? `-${text}` : text;
    });

  it('is exact and canonical for any plain decimal (property)', () => {
    fc.assert(
      fc.property(decimalText, (text) => {
        const parsed = parseDecimal(text);
        expect(parsed).not.toBeNull();
        expect(DecimalString.safeParse(parsed).success).toBe(true);
        expect(new Big(parsed as string).eq(new Big(text))).toBe(true);
        // canonical: parsing the canonical form is the identity
        expect(parseDecimal(parsed as string)).toBe(parsed);
      }),
      { seed: 20240601, numRuns: 500 },
    );
  });

  it('reads US thousands grouping exactly (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 20n }), fc.integer({ min: 0, max: 999 }), (whole, cents) => {
        const grouped = whole.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
        const text = `${grouped}.${String(cents).padStart(3, '0')}`;
        const parsed = parseDecimal(text);
        expect(parsed).not.toBeNull();
        expect(new Big(parsed as string).eq(new Big(`${whole}.${String(cents).padStart(3, '0')}`))).toBe(true);
      }),
      { seed: 7, numRuns: 300 },
    );
  });

  it('never throws on arbitrary text, and anything it accepts is a DecimalString (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (text) => {
        const parsed = parseDecimal(text);
        if (parsed !== null) expect(DecimalString.safeParse(parsed).success).toBe(true);
      }),
      { seed: 11, numRuns: 1000 },
    );
  });
});
