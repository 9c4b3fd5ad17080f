import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cusipCheckDigit,
  cusipFromIsin,
  isValidCusip,
  isValidIsin,
  isValidSedol,
  isinCheckDigit,
  sedolCheckDigit,
} from './identifiers';

describe('ISIN', () => {
  it.each([
    'US0378331005', // Apple
    'US5949181045', // Microsoft
    'GB0002634946', // BAE Systems
    'AU0000XVGZA3', // letters inside the body (ASX example from ISO 6166 material)
    'DE000BAY0017', // Bayer
    'US78462F1030', // SPDR S&P 500 ETF Trust
  ])('accepts %s', (isin) => {
    expect(isValidIsin(isin)).toBe(true);
  });

  it.each([
    ['US0378331006', 'check digit off by one'],
    ['US0378331050', 'two digits swapped'],
    ['US0378381005', 'one digit changed'],
    ['us0378331005', 'lower case'],
    ['US037833100', 'too short'],
    ['US03783310055', 'too long'],
    ['1S0378331005', 'country code not letters'],
    ['US037833100X', 'check digit not a digit'],
    ['', 'empty'],
  ])('rejects %s (%s)', (isin) => {
    expect(isValidIsin(isin)).toBe(false);
  });

  it('computes the check digit', () => {
    expect(isinCheckDigit('US037833100')).toBe(5);
    expect(isinCheckDigit('us037833100')).toBeNull();
  });

  it('extracts the CUSIP from a US ISIN', () => {
    expect(cusipFromIsin('US0378331005')).toBe('037833100');
    expect(cusipFromIsin('GB0002634946')).toBeNull();
    expect(cusipFromIsin('US0378331006')).toBeNull();
  });

  it('any body with its computed check digit is valid, and every other check digit is not (property)', () => {
    const body = fc
      .tuple(fc.stringMatching(/^[A-Z]{2}$/), fc.stringMatching(/^[A-Z0-9]{9}$/))
      .map(([country, rest]) => country + rest);
    fc.assert(
      fc.property(body, fc.integer({ min: 1, max: 9 }), (first11, shift) => {
        const check = isinCheckDigit(first11);
        expect(check).not.toBeNull();
        expect(isValidIsin(`${first11}${check}`)).toBe(true);
        expect(isValidIsin(`${first11}${((check as number) + shift) % 10}`)).toBe(false);
      }),
      { seed: 3, numRuns: 300 },
    );
  });
});

describe('CUSIP', () => {
  it.each(['037833100', '594918104', '38259P508', '78462F103', '46090E103'])('accepts %s', (cusip) => {
    expect(isValidCusip(cusip)).toBe(true);
  });

  it.each(['037833101', '037833010', '37833100', '0378331000', '03783310A', '037833 00', ''])('rejects %s', (cusip) => {
    expect(isValidCusip(cusip)).toBe(false);
  });

  it('detects any single-character change in the body (property)', () => {
    const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'.split('');
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...alphabet), { minLength: 8, maxLength: 8 }),
        fc.integer({ min: 0, max: 7 }),
        fc.constantFrom(...'0123456789'.split('')),
        (chars, position, replacement) => {
          const first8 = chars.join('');
          const cusip = `${first8}${cusipCheckDigit(first8)}`;
          expect(isValidCusip(cusip)).toBe(true);
          if (chars[position] === replacement) return;
          // Digit-for-digit substitutions are always caught by double-add-double.
          if (!/\d/.test(chars[position] as string)) return;
          const corrupted = cusip.slice(0, position) + replacement + cusip.slice(position + 1);
          expect(isValidCusip(corrupted)).toBe(false);
        },
      ),
      { seed: 5, numRuns: 500 },
    );
  });
});

describe('SEDOL', () => {
  it.each(['0263494', 'B0YBKJ7', 'B0YBLH2', '2046251', 'B000300'])('accepts %s', (sedol) => {
    expect(isValidSedol(sedol)).toBe(true);
  });

  it.each([
    ['0263495', 'check digit off'],
    ['0236494', 'digits swapped'],
    ['A263494', 'vowel'],
    ['026349', 'too short'],
    ['02634940', 'too long'],
    ['b0ybkj7', 'lower case'],
  ])('rejects %s (%s)', (sedol) => {
    expect(isValidSedol(sedol)).toBe(false);
  });

  it('computes the check digit', () => {
    expect(sedolCheckDigit('026349')).toBe(4);
    expect(sedolCheckDigit('A26349')).toBeNull();
  });
});
