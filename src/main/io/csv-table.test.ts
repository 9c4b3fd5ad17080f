import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  chooseDelimiter,
  createCsvByteStream,
  createCsvRecordStream,
  decodeUtf8,
  isValidTicker,
  normaliseHeaderName,
  readCsvTable,
} from './csv-table';
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

describe('chooseDelimiter', () => {
  it.each([
    ['comma', 'Symbol,Quantity,Price\nAAPL,10,1.5\nMSFT,5,2.5\n', ','],
    ['semicolon with decimal commas', 'ISIN;Stück;Kurs\nDE0007164600;1.250;182,34\nFR0000120271;3.000;57,12\n', ';'],
    ['tab with commas inside cells', 'Symbol\tDescription\tQty\nAAPL\tApple, Inc.\t10\nBRK.B\tBerkshire, Class B\t5\n', '\t'],
    ['comma with semicolons inside quoted cells', 'Symbol,Description,Qty\nA,"x;y;z",1\nB,"p;q",2\n', ','],
    ['preamble lines before the table', 'Account: 1234;;\nAs of: 31.03.2025;;\nISIN;Qty;Price\nDE0007164600;1;2,5\nFR0000120271;3;4,5\n', ';'],
  ])('%s', (_name, sample, delimiter) => {
    expect(chooseDelimiter(sample).delimiter).toBe(delimiter);
  });

  it('a header the caller recognises outweighs row shapes', () => {
    const sample = 'Datum;SPY;AGG\n2024-01-02;470,1;95,5\n2024-01-03;471,2;95,6\n';
    const score = (cells: readonly string[]) => cells.filter((cell) => normaliseHeaderName(cell) === 'datum').length;
    expect(chooseDelimiter(sample, { headerScore: score })).toEqual({ delimiter: ';', basis: 'file' });
  });

  it('the profile wins; nothing to go on means comma', () => {
    expect(chooseDelimiter('a,b\n1,2\n', { preferred: ';' })).toEqual({ delimiter: ';', basis: 'profile' });
    expect(chooseDelimiter('single\ncolumn\n')).toEqual({ delimiter: ',', basis: 'default' });
  });
});

describe('createCsvRecordStream', () => {
  const stream = (text: string, cuts: number[] = [], maxRecordBytes?: number) => {
    const issues = new IssueCollector();
    const records: { line: number; cells: readonly string[] }[] = [];
    const reader = createCsvRecordStream({ delimiter: ',', issues, onRecord: (record) => records.push(record), ...(maxRecordBytes ? { maxRecordBytes } : {}) });
    let from = 0;
    for (const cut of [...cuts].sort((a, b) => a - b)) {
      reader.push(text.slice(from, Math.max(from, cut)));
      from = Math.max(from, cut);
    }
    reader.push(text.slice(from));
    reader.end();
    return { records, issues: issues.toArray(), stopped: reader.stopped };
  };

  it('gives the same records and lines as readCsvTable, whatever the chunking (property)', () => {
    const cell = fc.oneof(fc.stringMatching(/^[a-z0-9 .]{0,6}$/), fc.stringMatching(/^[a-z,\n"]{0,6}$/).map((s) => `"${s.replace(/"/g, '""')}"`));
    const text = fc
      .tuple(fc.array(fc.array(cell, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 12 }), fc.constantFrom('\n', '\r\n', '\r'))
      .map(([rows, eol]) => rows.map((row) => row.join(',')).join(eol));
    fc.assert(
      fc.property(text, fc.array(fc.nat(200), { maxLength: 6 }), (t, cuts) => {
        const whole = table(t);
        const streamed = stream(t, cuts);
        expect(streamed.records).toEqual(whole.header === null ? [] : [whole.header, ...whole.rows]);
        expect(streamed.issues).toEqual(whole.issues);
      }),
      { seed: 61, numRuns: 300 },
    );
  });

  it('the line splitter and csv-parse read any text alike — quotes, stray quotes, every line end, any chunking (property)', () => {
    const run = (t: string, cuts: number[], engine: 'split' | 'csv-parse', maxRecordBytes?: number) => {
      const issues = new IssueCollector();
      const records: { line: number; cells: readonly string[] }[] = [];
      const reader = createCsvRecordStream({ delimiter: ',', issues, onRecord: (record) => records.push(record), engine, ...(maxRecordBytes ? { maxRecordBytes } : {}) });
      let from = 0;
      for (const cut of [...cuts].sort((a, b) => a - b)) {
        reader.push(t.slice(from, Math.max(from, cut)));
        from = Math.max(from, cut);
      }
      reader.push(t.slice(from));
      reader.end();
      return { records, issues: issues.toArray(), stopped: reader.stopped };
    };
    const text = fc.stringMatching(/^[ab,"\r\n ]{0,60}$/);
    fc.assert(
      fc.property(text, fc.array(fc.nat(70), { maxLength: 5 }), (t, cuts) => {
        expect(run(t, cuts, 'split')).toEqual(run(t, cuts, 'csv-parse'));
      }),
      { seed: 10, numRuns: 3000 },
    );
    // Quote-free text past the record limit stops at the same line either way.
    const long = `h1,h2\nx,y\n${'z'.repeat(3000)}`;
    expect(run(long, [1000, 2000], 'split', 1000)).toEqual(run(long, [1000, 2000], 'csv-parse', 1000));
  });

  it('reports an unclosed quote at the line where it opens', () => {
    const parsed = stream('a,b\n1,"2\n3,4\n', [5]);
    expect(parsed.records.map((r) => r.line)).toEqual([1]);
    expect(parsed.issues).toEqual([{ line: 2, field: '', reason: expect.stringContaining('never closed'), severity: 'error' }]);
  });

  it('stops reading when a record grows past the limit instead of holding the rest of the file', () => {
    const text = `a,b\n1,"${'x'.repeat(5000)}`;
    const parsed = stream(text, [100, 2000, 4000], 1000);
    expect(parsed.stopped).toBe(true);
    expect(parsed.records).toHaveLength(1);
    expect(parsed.issues).toEqual([{ line: 2, field: '', reason: expect.stringContaining('runs past'), severity: 'error' }]);
  });
});

describe('createCsvByteStream', () => {
  it('decodes, chooses the delimiter on the first window, and signals the window end once', () => {
    const lines = ['ISIN;Name;Qty', ...Array.from({ length: 4000 }, (_, i) => `DE0007164600;Müller ${i};${i + 1}`)];
    const bytes = new Uint8Array([0xff, 0xfe, ...Buffer.from(lines.join('\r\n'), 'utf16le')]);
    const issues = new IssueCollector();
    const seen: number[] = [];
    let windowEndsAt = -1;
    const reader = createCsvByteStream({
      issues,
      onRecord: (record) => seen.push(record.line),
      onWindowEnd: () => {
        expect(windowEndsAt).toBe(-1);
        windowEndsAt = seen.length;
      },
    });
    for (let i = 0; i < bytes.length; i += 10_000) reader.push(bytes.subarray(i, i + 10_000));
    reader.end();
    expect(issues.toArray()).toEqual([]);
    expect(reader.encoding).toBe('utf-16le');
    expect(reader.delimiter).toBe(';');
    expect(seen).toEqual(lines.map((_, i) => i + 1));
    expect(windowEndsAt).toBeGreaterThan(100);
    expect(windowEndsAt).toBeLessThan(lines.length);
  });
});
