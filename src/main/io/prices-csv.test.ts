import { describe, expect, it } from 'vitest';
// Through the bundler, not node:fs (see custodian-csv.test.ts): base64 data URLs keep the bytes exact.
import longUrl from './__fixtures__/csv/prices-long-adj-volume-synthetic.csv?url&inline';
import wideEuUrl from './__fixtures__/csv/prices-wide-eu-synthetic.csv?url&inline';
import wideUsUrl from './__fixtures__/csv/prices-wide-us-dates-synthetic.csv?url&inline';
import type { FileIssue } from '../../shared/errors';
import { createPricesCsvReader, type PriceRow, parsePricesCsv } from './prices-csv';

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

  it('semicolon-separated with decimal commas: delimiter and number convention are detected', () => {
    const parsed = parsePricesCsv('Date;SPY\n2024-01-02;1,5\n', 'x.csv');
    expect(parsed.issues).toEqual([]);
    expect(parsed.rows).toEqual([{ line: 2, date: '2024-01-02', ticker: 'SPY', close: 1.5, adjClose: 1.5, volume: null }]);
    expect(parsed.detected).toMatchObject({ delimiter: 'semicolon', numberConvention: 'European (1.234,56)' });
  });

  it('a delimiter other than , ; or tab is named', () => {
    expect(errors(parsePricesCsv('Date|SPY\n2024-01-02|1\n', 'x.csv').issues)[0]?.reason).toContain('not separated by commas, semicolons or tabs');
  });

  it('Windows-1252 text is decoded, and a cell that is not a price is still reported at its line', () => {
    const latin1 = new Uint8Array([...utf8('Date,SPY\n2024-01-02,1\n2024-01-03,'), 0xe9, ...utf8('\n')]);
    const parsed = parsePricesCsv(latin1, 'x.csv');
    expect(errors(parsed.issues)).toEqual([{ line: 3, field: 'SPY', reason: '"é" is not a number', value: 'é', severity: 'error' }]);
    expect(parsed.detected.encoding).toBe('windows-1252');
  });

  it('UTF-16 (with a BOM, or recognised by its NUL bytes) reads the same as UTF-8', () => {
    const text = 'Date,SPY\n2024-01-02,1.5\n2024-01-03,1.75\n';
    const expected = parsePricesCsv(utf8(text), 'x.csv');
    const le = new Uint8Array([0xff, 0xfe, ...Buffer.from(text, 'utf16le')]);
    const bareLe = new Uint8Array(Buffer.from(text, 'utf16le'));
    for (const bytes of [le, bareLe]) {
      const parsed = parsePricesCsv(bytes, 'x.csv');
      expect(parsed.issues).toEqual([]);
      expect(parsed.rows).toEqual(expected.rows);
      expect(parsed.detected.encoding).toBe('utf-16le');
    }
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

describe('parsePricesCsv — conventions, encodings and synthetic fixtures', () => {
  const urls: Record<string, string> = {
    'prices-wide-us-dates-synthetic.csv': wideUsUrl,
    'prices-long-adj-volume-synthetic.csv': longUrl,
    'prices-wide-eu-synthetic.csv': wideEuUrl,
  };
  const fixture = (name: string) => new Uint8Array(Buffer.from((urls[name] ?? '').split(',')[1] ?? '', 'base64'));

  it('a wide file with US dates (MM/DD/YYYY)', () => {
    const parsed = parsePricesCsv(fixture('prices-wide-us-dates-synthetic.csv'), 'prices-wide-us-dates-synthetic.csv');
    expect(parsed.issues).toEqual([]);
    expect(parsed.format).toBe('prices-wide');
    expect(parsed.detected).toMatchObject({ encoding: 'utf-8', delimiter: 'comma', dateFormat: 'MM/DD/YYYY', numberConvention: 'US (1,234.56)' });
    expect(parsed.tickers).toEqual(['SPY', 'AGG', 'GLD']);
    expect(parsed.dateRange).toEqual({ from: '2025-01-02', to: '2025-02-05' });
    expect(parsed.rows.filter((row) => row.ticker === 'GLD')).toHaveLength(22);
    expect(parsed.rows[0]).toEqual({ line: 2, date: '2025-01-02', ticker: 'SPY', close: 585.2, adjClose: 585.2, volume: null });
  });

  it('a long file with adjusted close, grouped volumes and DD-Mon-YYYY dates', () => {
    const parsed = parsePricesCsv(fixture('prices-long-adj-volume-synthetic.csv'), 'prices-long.csv');
    expect(errors(parsed.issues)).toEqual([]);
    expect(parsed.issues.map((issue) => issue.field)).toEqual(['Open', 'High', 'Low']);
    expect(parsed.format).toBe('prices-long');
    expect(parsed.detected.dateFormat).toBe('DD-Mon-YYYY');
    expect(parsed.tickers).toEqual(['SPY', 'TLT']);
    expect(parsed.rows).toHaveLength(24);
    expect(parsed.rows[0]).toEqual({ line: 2, date: '2025-01-02', ticker: 'SPY', close: 588.31, adjClose: 586.0744, volume: 57856080 });
  });

  it('a European wide file: Windows-1252, semicolons, DD.MM.YYYY, decimal commas', () => {
    const parsed = parsePricesCsv(fixture('prices-wide-eu-synthetic.csv'), 'prices-eu.csv');
    expect(parsed.issues).toEqual([]);
    expect(parsed.detected).toMatchObject({ delimiter: 'semicolon', dateFormat: 'DD.MM.YYYY', numberConvention: 'European (1.234,56)' });
    expect(parsed.tickers).toEqual(['SAP.DE', 'MC.PA', 'NESN.SW']);
    expect(parsed.rows).toHaveLength(45);
    expect(parsed.rows.every((row) => row.close > 50 && row.close < 1000)).toBe(true);
  });

  it('reads $ prices (as Nasdaq downloads write them) and n/a as no observation', () => {
    const parsed = parsePricesCsv('Date,SPY,AGG\n01/22/2024,$470.10,n/a\n01/23/2024,"$1,470.25",$95.50\n01/24/2024,471,--\n', 'p.csv');
    expect(parsed.issues).toEqual([]);
    expect(parsed.rows.map((row) => [row.date, row.ticker, row.close])).toEqual([
      ['2024-01-22', 'SPY', 470.1],
      ['2024-01-23', 'SPY', 1470.25],
      ['2024-01-23', 'AGG', 95.5],
      ['2024-01-24', 'SPY', 471],
    ]);
    expect(where(parsePricesCsv('date,ticker,close\n2024-01-02,SPY,n/a\n', 'p.csv').issues)).toEqual([[2, 'close']]);
  });

  it('slash dates that read both ways: a warning, read as US unless told otherwise', () => {
    const text = 'Date,SPY\n01/02/2024,1\n03/04/2024,2\n';
    const us = parsePricesCsv(text, 'p.csv');
    expect(us.rows.map((row) => row.date)).toEqual(['2024-01-02', '2024-03-04']);
    expect(us.issues).toEqual([expect.objectContaining({ line: 2, field: 'Date', severity: 'warning', reason: expect.stringContaining('MM/DD/YYYY (US)') })]);
    const dayFirst = parsePricesCsv(text, 'p.csv', { dateFormat: 'DD/MM/YYYY' });
    expect(dayFirst.issues).toEqual([]);
    expect(dayFirst.rows.map((row) => row.date)).toEqual(['2024-02-01', '2024-04-03']);
  });

  it('a 5 MB cell is one clean issue', () => {
    const parsed = parsePricesCsv(`Date,SPY\n2024-01-02,1\n2024-01-03,${'9'.repeat(5 * 1024 * 1024)}\n2024-01-04,2\n`, 'p.csv');
    expect(parsed.issues).toEqual([expect.objectContaining({ line: 3, field: 'SPY', severity: 'error', reason: expect.stringContaining('characters long') })]);
    expect(parsed.rows).toHaveLength(2);
  });
});

describe('createPricesCsvReader — streaming', () => {
  const longFile = (rows: number) => {
    const lines = ['date,ticker,close,adj_close,volume'];
    for (let i = 0; i < rows; i++) {
      const day = new Date(Date.UTC(2000, 0, 1) + Math.floor(i / 4) * 86_400_000).toISOString().slice(0, 10);
      lines.push(`${day},${['SPY', 'AGG', 'GLD', 'TLT'][i % 4]},${(100 + (i % 97) / 7).toFixed(4)},${(99 + (i % 89) / 9).toFixed(4)},${1000 + i}`);
    }
    return new TextEncoder().encode(lines.join('\n'));
  };

  it.each([
    ['long', longFile(20_000)],
    ['wide', new TextEncoder().encode(['Date,SPY,AGG', ...Array.from({ length: 8000 }, (_, i) => `${new Date(Date.UTC(1990, 0, 1) + i * 86_400_000).toISOString().slice(0, 10)},${(1 + i / 10).toFixed(2)},${(2 + i / 20).toFixed(3)}`)].join('\r\n'))],
  ])('%s: rows arrive in batches while the file is pushed, the same as the whole-file parse', (_layout, bytes) => {
    const batches: PriceRow[][] = [];
    let beforeEnd = 0;
    const reader = createPricesCsvReader({ fileName: 'p.csv', batchSize: 2000, onRows: (batch) => batches.push(batch) });
    for (let i = 0; i < bytes.length; i += 32_768) {
      reader.push(bytes.subarray(i, i + 32_768));
      beforeEnd = batches.length;
    }
    const result = reader.end();
    expect(errors(result.issues)).toEqual([]);
    expect(beforeEnd).toBeGreaterThan(1);
    expect(result.rows).toEqual([]);
    const whole = parsePricesCsv(bytes, 'p.csv');
    expect(batches.flat()).toEqual(whole.rows);
    expect(result.observations).toBe(whole.rows.length);
    expect(result.tickers).toEqual(whole.tickers);
    expect(result.dateRange).toEqual(whole.dateRange);
  });
});
