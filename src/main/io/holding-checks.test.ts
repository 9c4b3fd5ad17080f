import { describe, expect, it } from 'vitest';
import { MARKET_VALUE_ERROR_TOLERANCE, MARKET_VALUE_WARNING_TOLERANCE, type RawHolding, canonical, compareMarketValue, dropDuplicateHoldings, validateCash, validateHolding } from './holding-checks';
import { IssueCollector } from './report';
import Big from 'big.js';

const at = (text: string, field: string, line = 3) => ({ text, line, field });

function raw(overrides: Partial<RawHolding> = {}): RawHolding {
  return {
    line: 3,
    identifiers: { isin: at('US0378331005', 'isin') },
    description: ' Apple   Inc ',
    securityType: 'STK',
    quantity: at('10', 'qty'),
    quantityType: 'UNIT',
    price: at('100', 'price'),
    priceType: 'amount',
    currency: at('usd', 'ccy'),
    marketValue: at('1000', 'value'),
    costBasis: null,
    ...overrides,
  };
}

function check(overrides: Partial<RawHolding> = {}) {
  const issues = new IssueCollector();
  const line = validateHolding(raw(overrides), issues);
  return { line, issues: issues.toArray() };
}

describe('validateHolding', () => {
  it('normalises a good holding', () => {
    expect(check().line).toEqual({
      line: 3,
      identifiers: { isin: 'US0378331005' },
      description: 'Apple Inc',
      securityType: 'STK',
      quantity: '10',
      quantityType: 'UNIT',
      price: '100',
      priceType: 'amount',
      currency: 'USD',
      marketValue: '1000',
      costBasis: null,
    });
  });

  it('applies the tolerance: silent up to 0.5 %, warning to 2 %, error beyond', () => {
    expect(MARKET_VALUE_WARNING_TOLERANCE).toBe(0.005);
    expect(MARKET_VALUE_ERROR_TOLERANCE).toBe(0.02);
    expect(check({ marketValue: at('1004', 'value') }).issues).toEqual([]);
    expect(check({ marketValue: at('1015', 'value') }).issues).toEqual([expect.objectContaining({ severity: 'warning', field: 'value' })]);
    const error = check({ marketValue: at('1021', 'value') });
    expect(error.line).toBeNull();
    expect(error.issues).toEqual([expect.objectContaining({ severity: 'error', field: 'value', line: 3 })]);
    // A cent of rounding on a tiny holding is not a disagreement.
    expect(check({ quantity: at('1', 'qty'), price: at('0.014', 'price'), marketValue: at('0.01', 'value') }).issues).toEqual([]);
  });

  it('multiplies the price by the contract size and divides percent prices by 100', () => {
    expect(check({ price: at('1', 'price'), priceMultiplier: at('100', 'mult') }).line?.price).toBe('100');
    expect(check({ quantityType: 'FAMT', priceType: 'percent', quantity: at('1000', 'qty'), price: at('100', 'price') }).issues).toEqual([]);
    expect(compareMarketValue('1000', '99.5', 'percent', '995')).toEqual({ expected: '995', relativeGap: 0, severity: null });
  });

  it('keeps bad identifiers as custodian codes (a warning), refuses bad quantities, prices and currencies at their fields', () => {
    const badIsin = check({ identifiers: { isin: at('US0378331006', 'isin', 4) } });
    expect(badIsin.issues).toEqual([expect.objectContaining({ line: 4, field: 'isin', severity: 'warning' })]);
    expect(badIsin.line?.custodianCode).toEqual({ code: 'US0378331006', field: 'isin' });
    expect(badIsin.line?.identifiers.isin).toBeUndefined();
    expect(check({ identifiers: { cusip: at('03783310', 'cusip') } }).issues[0]?.reason).toMatch(/not a CUSIP/);
    expect(check({ identifiers: { sedol: at('0263495', 'sedol') } }).issues[0]?.reason).toMatch(/wrong check digit/);
    expect(check({ identifiers: {}, description: null }).issues[0]?.reason).toMatch(/names no security/);
    expect(check({ quantity: at('1e3', 'qty') }).issues[0]?.reason).toMatch(/scientific notation/);
    expect(check({ quantity: null }).issues[0]?.reason).toMatch(/no quantity/);
    expect(check({ price: at('-1', 'price') }).issues[0]?.reason).toMatch(/negative/);
    expect(check({ currency: at('EURO', 'ccy') }).issues[0]?.field).toBe('ccy');
    const huge = '9'.repeat(1_000_000);
    const started = performance.now();
    expect(check({ quantity: at(huge, 'qty'), price: at(huge, 'price') }).issues.map((issue) => issue.field)).toEqual(['qty', 'price']);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('keeps shorts signed, skips zero lines with a note, and keeps a zero price with a warning', () => {
    expect(check({ quantity: at('-5', 'qty'), marketValue: null }).line?.quantity).toBe('-5');
    const short = check({ quantity: at('5', 'qty'), short: at('SHORT', 'POSTYPE'), marketValue: null });
    expect(short.line?.quantity).toBe('-5');
    expect(short.issues).toEqual([]);
    const zero = check({ quantity: at('0', 'qty'), price: at('0', 'price'), marketValue: null });
    expect(zero.line).toBeNull();
    expect(zero.issues).toEqual([expect.objectContaining({ severity: 'warning', reason: 'not a holding: zero units; the line was skipped' })]);
    const zeroPrice = check({ price: at('0', 'price'), marketValue: null });
    expect(zeroPrice.line?.price).toBe('0');
    expect(zeroPrice.issues).toEqual([expect.objectContaining({ severity: 'warning', reason: expect.stringContaining('price is zero') })]);
  });
});

describe('validateCash and dropDuplicateHoldings', () => {
  it('reads cash, and keeps a negative balance (margin debit) with a warning', () => {
    const issues = new IssueCollector();
    expect(validateCash(at('12.50', 'cash'), 'usd', issues)).toEqual({ line: 3, currency: 'USD', amount: '12.5' });
    expect(validateCash(at('-1', 'cash'), 'USD', issues)).toEqual({ line: 3, currency: 'USD', amount: '-1' });
    expect(issues.toArray()).toEqual([expect.objectContaining({ field: 'cash', severity: 'warning' })]);
  });

  it('keeps the first line per instrument', () => {
    const issues = new IssueCollector();
    const a = validateHolding(raw(), issues)!;
    const b = { ...a, line: 9 };
    const c = { ...a, line: 10, identifiers: { ticker: 'MSFT' } };
    expect(dropDuplicateHoldings([a, b, c], issues, (kind) => kind)).toEqual([a, c]);
    expect(issues.toArray()).toEqual([expect.objectContaining({ line: 9, field: 'isin', reason: 'ISIN US0378331005 already appears on line 3; a statement lists each holding once' })]);
  });
});

describe('canonical', () => {
  it('writes decimals without exponent or trailing zeros', () => {
    expect(canonical(new Big('1e-7'))).toBe('0.0000001');
    expect(canonical(new Big('1200.500'))).toBe('1200.5');
    expect(canonical(new Big('-0'))).toBe('0');
  });
});
