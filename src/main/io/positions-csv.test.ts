import { describe, expect, it } from 'vitest';
import type { FileIssue } from '../../shared/errors';
import { parsePositionsCsv } from './positions-csv';

const errors = (issues: FileIssue[]) => issues.filter((issue) => issue.severity === 'error');
const where = (issues: FileIssue[]) => errors(issues).map((issue) => [issue.line, issue.field]);

describe('parsePositionsCsv', () => {
  it('reads holdings, cash and the as-of date', () => {
    const text = 'symbol,quantity,price,as_of\nSPY,"1,200",470.10,2024-01-31\nagg,300.5,,2024-01-31\nCASH,25000.00,,2024-01-31\n';
    const parsed = parsePositionsCsv(new TextEncoder().encode(text), 'positions.csv');
    expect(parsed).toEqual({
      format: 'positions-simple-csv',
      asOf: '2024-01-31',
      cash: '25000',
      rows: [
        { line: 2, symbol: 'SPY', quantity: '1200', price: '470.1' },
        { line: 3, symbol: 'AGG', quantity: '300.5', price: null },
      ],
      issues: [],
    });
  });

  it('accepts the aliases ticker/shares/units/qty and date, and the currency code as the cash line', () => {
    expect(parsePositionsCsv('Ticker,Shares\nSPY,10\n', 'p.csv').rows).toEqual([{ line: 2, symbol: 'SPY', quantity: '10', price: null }]);
    expect(parsePositionsCsv('ticker,units\nSPY,10\n', 'p.csv').rows).toHaveLength(1);
    const parsed = parsePositionsCsv('Symbol,Qty,Date\nSPY,10,2024-01-31\nUSD,5,2024-01-31\n', 'p.csv');
    expect(parsed).toMatchObject({ asOf: '2024-01-31', cash: '5', issues: [] });
    expect(parsePositionsCsv('symbol,quantity\nEUR,5\n', 'p.csv', { baseCurrency: 'EUR' }).cash).toBe('5');
  });

  it('has no as-of date and zero cash when the file does not say', () => {
    expect(parsePositionsCsv('symbol,quantity\nSPY,1\n', 'p.csv')).toMatchObject({ asOf: null, cash: '0' });
  });

  it('allows a zero cash balance', () => {
    expect(parsePositionsCsv('symbol,quantity\nCASH,0\nSPY,1\n', 'p.csv')).toMatchObject({ cash: '0', issues: [] });
  });

  it('warns about columns it does not use and about a price on the cash line', () => {
    const parsed = parsePositionsCsv('symbol,name,quantity,price\nSPY,SPDR,1,2\nCASH,,10,3\n', 'p.csv');
    expect(parsed.issues).toEqual([
      { line: 1, field: 'name', reason: 'column is not used', severity: 'warning' },
      { line: 3, field: 'price', reason: 'the price on the cash line is ignored', severity: 'warning', value: '3' },
    ]);
    expect(parsed.cash).toBe('10');
  });

  it('reports every bad line with line, field and reason', () => {
    const text = [
      'symbol,quantity,price,as_of',
      ',10,,2024-01-31', // 2: missing symbol
      'SPY,ten,,2024-01-31', // 3: non-numeric quantity
      'AGG,0,,2024-01-31', // 4: zero
      'TLT,-5,,2024-01-31', // 5: negative
      'GLD,5,abc,2024-01-31', // 6: bad price
      'SPY,5,,2024-01-31', // 7: duplicate symbol (first was SPY on line 3)
      'CASH,-100,,2024-01-31', // 8: negative cash
      'IEF,5,,2024-02-01', // 9: inconsistent as-of
      'USD,5,,2024-01-31', // 10: second cash line
      'EFA,1.23457E+11,,2024-01-31', // 11: spreadsheet exponent
      'LQD,5,0,2024-01-31', // 12: zero price
    ].join('\r\n');
    const parsed = parsePositionsCsv(text, 'p.csv');
    expect(where(parsed.issues)).toEqual([
      [2, 'symbol'],
      [3, 'quantity'],
      [4, 'quantity'],
      [5, 'quantity'],
      [6, 'price'],
      [7, 'symbol'],
      [8, 'quantity'],
      [9, 'as_of'],
      [10, 'symbol'],
      [11, 'quantity'],
      [12, 'price'],
    ]);
    const reasons = errors(parsed.issues).map((issue) => issue.reason);
    expect(reasons[5]).toBe('symbol SPY already appears on line 3; give one line per holding');
    expect(reasons[6]).toContain('negative');
    expect(reasons[7]).toBe('as-of date 2024-02-01 differs from 2024-01-31 on line 2; a file is one snapshot');
    expect(reasons[8]).toContain('the cash balance already appears on line 8');
    expect(reasons[9]).toContain('scientific notation');
    expect(parsed.rows).toEqual([]);
  });

  it('names a missing required column on line 1', () => {
    expect(errors(parsePositionsCsv('symbol,price\nSPY,1\n', 'p.csv').issues)).toEqual([
      { line: 1, field: 'quantity', reason: expect.stringContaining('no quantity column'), severity: 'error' },
    ]);
    expect(where(parsePositionsCsv('name,quantity\nSPY,1\n', 'p.csv').issues)).toEqual([[1, 'symbol']]);
  });

  it('reports an empty file, a header without lines and a ragged row', () => {
    expect(where(parsePositionsCsv('', 'p.csv').issues)).toEqual([[1, '']]);
    expect(where(parsePositionsCsv('symbol,quantity\n', 'p.csv').issues)).toEqual([[2, '']]);
    expect(where(parsePositionsCsv('symbol,quantity\nSPY,1,2\n', 'p.csv').issues)).toEqual([[2, '']]);
  });

  it('reports an empty as-of cell', () => {
    expect(where(parsePositionsCsv('symbol,quantity,as_of\nSPY,1,\n', 'p.csv').issues)).toEqual([[2, 'as_of']]);
  });
});
