import { describe, expect, it } from 'vitest';
import { decodeUtf8, isValidTicker, normaliseHeaderName, readCsvTable } from './csv-table';
import { IssueCollector } from './report';

const table = (text: string) => {
  const issues = new IssueCollector();
  return { ...readCsvTable(text, issues), issues: issues.toArray() };
};

describe('readCsvTable', () => {
  it.each([
    ['LF', '\n'],
    ['CRLF', '\r\n'],
    ['CR (classic Mac)', '\r'],
  ])('numbers lines with %s line ends', (_name, eol) => {
    const parsed = table(['h1,h2', 'a,b', '', 'c,d'].join(eol));
    expect(parsed.header).toEqual({ line: 1, cells: ['h1', 'h2'] });
    expect(parsed.rows).toEqual([
      { line: 2, cells: ['a', 'b'] },
      { line: 4, cells: ['c', 'd'] },
    ]);
  });

  it('numbers lines in a file that mixes line ends', () => {
    expect(table('h\r\na\nb\rc').rows.map((r) => r.line)).toEqual([2, 3, 4]);
  });

  it('skips rows of empty cells, as spreadsheets leave them', () => {
    expect(table('h1,h2\n,\n , \na,b\n').rows).toEqual([{ line: 4, cells: ['a', 'b'] }]);
  });

  it('keeps a stray quote inside a cell instead of losing the rest of the file', () => {
    const parsed = table('h1,h2\n1,"2"x\n3,4\n');
    expect(parsed.issues).toEqual([]);
    expect(parsed.rows.map((r) => r.cells)).toEqual([
      ['1', '"2"x'],
      ['3', '4'],
    ]);
  });
});

describe('decodeUtf8', () => {
  it('drops a BOM from bytes and from strings', () => {
    const issues = new IssueCollector();
    expect(decodeUtf8(new Uint8Array([0xef, 0xbb, 0xbf, 0x41]), issues)).toBe('A');
    expect(decodeUtf8('\uFEFFA', issues)).toBe('A');
    expect(issues.toArray()).toEqual([]);
  });
});

describe('header and ticker rules', () => {
  it('compares header names without case, spaces or punctuation', () => {
    expect(['Adj Close', 'adj_close', 'ADJ-CLOSE', ' adjClose '].map(normaliseHeaderName)).toEqual(['adjclose', 'adjclose', 'adjclose', 'adjclose']);
  });

  it.each(['SPY', 'BRK.B', 'BRK/B', 'RDS-A', '^IRX', 'ES=F', '7203.T', 'VOD LN'])('accepts ticker %s', (t) => {
    expect(isValidTicker(t)).toBe(true);
  });

  it.each(['', ' SPY', 'SPY ', 'S&P', 'spy', 'A'.repeat(33), '.SPY'])('rejects ticker %j', (t) => {
    expect(isValidTicker(t)).toBe(false);
  });
});
