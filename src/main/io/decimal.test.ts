import Big from 'big.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecimalString } from '../../shared/domain';
import { decimalSign, parseDecimal, plainPointDecimal, productWithinTolerance, readDecimal } from './decimal';

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

  it('plainPointDecimal reads exactly what its regular expression matches, canonical (property)', () => {
    // The reference: the match it replaced, and the canonical spelling built from its groups.
    const reference = (text: string): string | null => {
      const m = /^([+-]?)(\d+)(?:\.(\d*))?$/.exec(text);
      if (!m) return null;
      const whole = m[2]!.replace(/^0+/, '') || '0';
      const fraction = (m[3] ?? '').replace(/0+$/, '');
      const magnitude = fraction === '' ? whole : `${whole}.${fraction}`;
      return m[1] === '-' && magnitude !== '0' ? `-${magnitude}` : magnitude;
    };
    const cell = fc.string({ unit: fc.constantFrom('0', '0', '1', '5', '9', '.', '-', '+', ' ', 'e', '٣'), maxLength: 8 });
    fc.assert(
      fc.property(cell, (text) => {
        expect(plainPointDecimal(text)).toBe(reference(text));
      }),
      { seed: 20261206, numRuns: 5000 },
    );
    for (const text of ['0', '-0', '+0', '-0.0', '-0.50', '007', '12.', '.5', '-', '1.2.3', '0.000', '10', '-10.10']) expect(plainPointDecimal(text)).toBe(reference(text));
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

describe('productWithinTolerance', () => {
  /** The rule as big.js computes it (custodian-csv's general path). */
  const withBig = (q: string, p: string, shift: number, v: string) => {
    const value = new Big(v).abs();
    const tolerance = value.times('0.005').gt(1) ? value.times('0.005') : new Big(1);
    return new Big(q).times(p).times(new Big(10).pow(-shift)).minus(v).abs().lte(tolerance);
  };
  /** Canonical decimals from a few digits up to past what doubles hold exactly. */
  const canonical = fc
    .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 20n }), fc.integer({ min: 0, max: 10 }), fc.integer({ min: 1, max: 20 }))
    .map(([negative, digits, scale, width]) => {
      const small = digits % 10n ** BigInt(width);
      return parseDecimal(`${negative ? '-' : ''}${new Big(small.toString()).div(new Big(10).pow(scale)).toFixed(scale)}`)!;
    });

  it('agrees with big.js whenever it answers, and answers for ordinary holdings (property)', () => {
    fc.assert(
      fc.property(canonical, canonical, fc.constantFrom(0, 2), canonical, (q, p, shift, v) => {
        const fast = productWithinTolerance(q, p, shift, v);
        if (fast !== undefined) expect(fast).toBe(withBig(q, p, shift, v));
      }),
      { numRuns: 5000 },
    );
    fc.assert(
      fc.property(fc.integer({ min: -100_000, max: 100_000 }), fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: -3, max: 3 }), (units, cents, off) => {
        const q = String(units);
        const p = parseDecimal((cents / 100).toFixed(2))!;
        const v = parseDecimal(new Big(q).times(p).plus(new Big(off).times('0.4')).toFixed())!;
        expect(productWithinTolerance(q, p, 0, v)).toBe(withBig(q, p, 0, v));
      }),
    );
  });

  it('decides the edges of the tolerance exactly', () => {
    // 0.5 % of the market value: 1005 fits 1000 (5.025), 1006 does not (5.03); below 200 the tolerance is one unit.
    expect(productWithinTolerance('10', '100', 0, '1005')).toBe(true);
    expect(productWithinTolerance('10', '100', 0, '1006')).toBe(false);
    expect(productWithinTolerance('1', '100', 0, '101')).toBe(true);
    expect(productWithinTolerance('1', '100', 0, '101.000001')).toBe(false);
    expect(productWithinTolerance('-3', '0.1', 0, '-0.3')).toBe(true);
    // Percent prices: 1000 face at 99.5 % is 995.
    expect(productWithinTolerance('1000', '99.5', 2, '995')).toBe(true);
    expect(productWithinTolerance('1000', '99.5', 0, '995')).toBe(false);
    // Past what doubles hold exactly, it leaves the answer to big.js.
    expect(productWithinTolerance('123456789012345678', '1', 0, '1')).toBeUndefined();
    expect(productWithinTolerance('99999999', '99999999.99', 0, '1')).toBeUndefined();
  });
});
