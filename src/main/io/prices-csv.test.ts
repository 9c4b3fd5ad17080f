import { describe, expect, it } from 'vitest';
import type { FileIssue } from '../../shared/errors';
import { parsePricesCsv } from './prices-csv';

const utf8 = (text: string) => new TextEncoder().encode(text);
const errors = (issues: FileIssue[]) => issues.filter((issue) => issue.severity === 'error');
const where = (issues: FileIssue[]) => errors(issues).map((issue) => [issue.line, issue.field]);

describe('parsePricesCsv — wide layout', () => {
  const wide = 'Date,SPY,AGG\n2024-01-02,470.1,95.5\n2024-01-03,,95.6\n2024-01-04,468.25,95.7\n';

  it('reads adjusted closes, skipping empty cells', () => {
    const parsed = parsePricesCsv(utf8(wide), 'prices.csv');
    expect(parsed.issues).toEqual([]);
    expect(parsed.format).toBe('prices-wide');
    expect(parsed.tickers).toEqual(['SPY', 'AGG']);
    expect(parsed.dateRange).toEqual({ from: '2024-01-02', to: '2024-01-04' });
    expect(parsed.rows).toEqual([
      { line: 2, date: '2024-01-02', ticker: 'SPY', close: 470.1, adjClose: 470.1, volume: null },
      { line: 2, date: '2024-01-02', ticker: 'AGG', close: 95.5, adjClose: 95.5, volume: null },
      { line: 3, date: '2024-01-03', ticker: 'AGG', close: 95.6, adjClose: 95.6, volume: null },
      { line: 4, date: '2024-01-04', ticker: 'SPY', close: 468.25, adjClose: 468.25, volume: null },
      { line: 4, date: '2024-01-04', ticker: 'AGG', close: 95.7, adjClose: 95.7, volume: null },
    ]);
  });

  it('reads UTF-8 with a BOM, CRLF line ends and a missing final newline the same way', () => {
    const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...utf8(wide.replace(/\n/g, '\r\n').trimEnd())]);
    const parsed = parsePricesCsv(bom, 'prices.csv');
    expect(parsed.issues).toEqual([]);
    expect(parsed.rows).toEqual(parsePricesCsv(utf8(wide), 'prices.csv').rows);
  });

  it('keeps float64 values exactly as written', () => {
    const parsed = parsePricesCsv('Date,SPY\n2004-11-18,79.74527740478516\n2004-11-19,1.2e-5\n', 'p.csv');
    expect(parsed.rows.map((row) => row.close)).toEqual([79.74527740478516, 0.000012]);
  });

  it('reports every bad cell with line, field and reason', () => {
    const text = [
      'Date,SPY,AGG',
      '2024-01-02,abc,95.5', // 2: non-numeric
      '2024-02-30,470,95.5', // 3: not a calendar date
      '2024-01-04,0,-1', // 4: non-positive ×2
      '2024-01-02,471,95', // 5: duplicate date
      '2024-01-06,471', // 6: short row
      '01/07/2024,1,2', // 7: not ISO
    ].join('\n');
    const parsed = parsePricesCsv(text, 'p.csv');
    expect(where(parsed.issues)).toEqual([
      [2, 'SPY'],
      [3, 'Date'],
      [4, 'SPY'],
      [4, 'AGG'],
      [5, 'Date'],
      [6, ''],
      [7, 'Date'],
    ]);
    const reasons = errors(parsed.issues).map((issue) => issue.reason);
    expect(reasons[0]).toBe('"abc" is not a number');
    expect(reasons[1]).toContain('not a real calendar date');
    expect(reasons[2]).toContain('not a positive price');
    expect(reasons[4]).toBe('date 2024-01-02 already appears on line 2');
    expect(reasons[5]).toBe('the row has 2 cells but the header has 3');
    expect(reasons[6]).toContain('YYYY-MM-DD');
    expect(errors(parsed.issues)[0]?.value).toBe('abc');
    expect(parsed.rows).toEqual([]);
  });

  it('counts lines across blank lines and quoted multi-line cells', () => {
    const parsed = parsePricesCsv('Date,SPY\n\n2024-01-02,"1\n2"\n2024-01-03,x\n', 'p.csv');
    expect(where(parsed.issues)).toEqual([
      [3, 'SPY'],
      [5, 'SPY'],
    ]);
  });

  it('rejects a bad header: duplicate ticker, non-ticker, missing name', () => {
    expect(where(parsePricesCsv('Date,SPY,spy\n2024-01-02,1,2\n', 'p.csv').issues)).toEqual([[1, 'spy']]);
    expect(where(parsePricesCsv('Date,S P Y!\n2024-01-02,1\n', 'p.csv').issues)).toEqual([[1, 'S P Y!']]);
    expect(where(parsePricesCsv('Date,,AGG\n2024-01-02,1,2\n', 'p.csv').issues)).toEqual([[1, 'column 2']]);
  });

  it('reads a pandas frame with an unnamed date index, with a warning', () => {
    const parsed = parsePricesCsv(',SPY\n2024-01-02,1\n', 'p.csv');
    expect(errors(parsed.issues)).toEqual([]);
    expect(parsed.issues[0]?.severity).toBe('warning');
    expect(parsed.rows).toHaveLength(1);
  });

  it('warns about a ticker column with no prices at all', () => {
    const parsed = parsePricesCsv('Date,SPY,NEW\n2024-01-02,1,\n', 'p.csv');
    expect(parsed.tickers).toEqual(['SPY']);
    expect(parsed.issues).toEqual([{ line: 1, field: 'NEW', reason: 'no prices for NEW', severity: 'warning' }]);
  });
});

describe('parsePricesCsv — long layout', () => {
  it('reads date, ticker, close, adjusted close and volume with case-insensitive aliases', () => {
    const text = 'Symbol,DATE,Close,Adj Close,Volume\nspy,2024-01-02,472.65,470.1,"123,456"\nAGG,2024-01-02,98,95.5,\n';
    const parsed = parsePricesCsv(text, 'long.csv');
    expect(parsed.issues).toEqual([]);
    expect(parsed.format).toBe('prices-long');
    expect(parsed.tickers).toEqual(['SPY', 'AGG']);
    expect(parsed.rows).toEqual([
      { line: 2, date: '2024-01-02', ticker: 'SPY', close: 472.65, adjClose: 470.1, volume: 123456 },
      { line: 3, date: '2024-01-02', ticker: 'AGG', close: 98, adjClose: 95.5, volume: null },
    ]);
  });

  it('uses close as the adjusted close when there is no adjusted column', () => {
    const parsed = parsePricesCsv('date,ticker,close\n2024-01-02,SPY,10\n', 'long.csv');
    expect(parsed.rows[0]).toMatchObject({ close: 10, adjClose: 10 });
  });

  it('accepts adjusted close alone', () => {
    const parsed = parsePricesCsv('date,ticker,adjusted_close\n2024-01-02,SPY,10\n', 'long.csv');
    expect(parsed.rows[0]).toMatchObject({ close: 10, adjClose: 10 });
  });

  it('asks for a ticker column in a single-series Yahoo file rather than guessing from the file name', () => {
    const text = 'Date,Open,High,Low,Close,Adj Close,Volume\n2024-01-02,1,2,0.5,1.5,1.4,100\n';
    const parsed = parsePricesCsv(text, 'C:\\data\\spy.csv');
    expect(errors(parsed.issues)).toEqual([
      { line: 1, field: 'ticker', reason: 'no ticker column: add a column named ticker or symbol (for example ticker,SPY if every row is SPY)', severity: 'error' },
    ]);
    expect(parsed.rows).toEqual([]);
  });

  it('warns about columns it does not use', () => {
    const parsed = parsePricesCsv('Date,Ticker,Open,Close\n2024-01-02,SPY,1,2\n', 'p.csv');
    expect(parsed.issues).toEqual([{ line: 1, field: 'Open', reason: 'column is not used', severity: 'warning' }]);
  });

  it('reports bad cells, duplicates and an empty adjusted close', () => {
    const text = [
      'date,ticker,close,adj_close,volume',
      '2024-01-02,SPY,10,10,5', // ok
      '2024-01-02,SPY,11,11,5', // 3: duplicate
      '2024-01-03,,10,10,5', // 4: empty ticker
      '2024-01-03,AGG,10,,5', // 5: empty adj close
      '2024-01-03,TLT,10,10,-5', // 6: negative volume
      '2024-01-03,IEF,ten,10,x', // 7: two bad cells
    ].join('\n');
    const parsed = parsePricesCsv(text, 'long.csv');
    expect(where(parsed.issues)).toEqual([
      [3, 'date'],
      [4, 'ticker'],
      [5, 'adj_close'],
      [6, 'volume'],
      [7, 'close'],
      [7, 'volume'],
    ]);
    expect(errors(parsed.issues)[0]?.reason).toBe('SPY on 2024-01-02 already appears on line 2');
    expect(parsed.rows).toHaveLength(1);
  });

  it('needs a close column', () => {
    expect(where(parsePricesCsv('date,ticker,volume\n2024-01-02,SPY,1\n', 'x.csv').issues)).toEqual([[1, 'close']]);
  });
});

describe('parsePricesCsv — files that are not price tables', () => {
  it.each([
    ['', 'the file is empty'],
    ['\n\n  \n', 'the file is empty'],
    ['\uFEFF', 'the file is empty'],
  ])('%j', (text, reason) => {
    const parsed = parsePricesCsv(text, 'x.csv');
    expect(parsed.issues).toEqual([{ line: 1, field: '', reason, severity: 'error' }]);
    expect(parsed.rows).toEqual([]);
    expect(parsed.dateRange).toBeNull();
  });

  it('header only', () => {
    expect(where(parsePricesCsv('Date,SPY\n', 'x.csv').issues)).toEqual([[2, '']]);
  });

  it('no date column', () => {
    const parsed = parsePricesCsv('Day,SPY\n2024-01-02,1\n', 'x.csv');
    expect(errors(parsed.issues)).toEqual([
      { line: 1, field: 'Day', reason: 'no date column: the header needs a column named Date', severity: 'error' },
    ]);
  });

  it('semicolon-separated', () => {
    expect(errors(parsePricesCsv('Date;SPY\n2024-01-02;1,5\n', 'x.csv').issues)[0]?.reason).toContain('not separated by commas');
  });

  it('not UTF-8 (Latin-1), naming the line of the first bad byte', () => {
    const latin1 = new Uint8Array([...utf8('Date,SPY\n2024-01-02,1\n2024-01-03,'), 0xe9, ...utf8('\n')]);
    expect(errors(parsePricesCsv(latin1, 'x.csv').issues)).toEqual([
      { line: 3, field: '', reason: expect.stringContaining('not UTF-8'), severity: 'error' },
    ]);
  });

  it('UTF-16', () => {
    const utf16 = new Uint8Array([0xff, 0xfe, 0x44, 0x00]);
    expect(errors(parsePricesCsv(utf16, 'x.csv').issues)[0]?.reason).toContain('UTF-16');
  });

  it('an unclosed quote is reported at the line where it opens', () => {
    const parsed = parsePricesCsv('Date,SPY\n2024-01-02,1\n2024-01-03,"2\n2024-01-04,3\n', 'x.csv');
    expect(where(parsed.issues)).toEqual([[3, '']]);
    expect(errors(parsed.issues)[0]?.reason).toContain('never closed');
  });

  it('caps the listed errors on a hopeless file and says how many were left out', () => {
    const lines = ['Date,A,B'];
    for (let i = 0; i < 400; i++) lines.push('x,y,z');
    const parsed = parsePricesCsv(lines.join('\n'), 'x.csv');
    expect(errors(parsed.issues)).toHaveLength(501);
    expect(errors(parsed.issues).at(-1)).toEqual({ line: 0, field: '', reason: '700 more problems not listed', severity: 'error' });
  });
});
