import { describe, expect, it } from 'vitest';
import type { FileIssue } from '../../shared/errors';
import { parseIndicatorsCsv } from './indicators-csv';
import { assertNoErrors } from './report';

const utf8 = (text: string) => new TextEncoder().encode(text);
const errors = (issues: FileIssue[]) => issues.filter((issue) => issue.severity === 'error');
const where = (issues: FileIssue[]) => errors(issues).map((issue) => [issue.line, issue.field]);
const values = (parsed: ReturnType<typeof parseIndicatorsCsv>, index = 0) => parsed.series[index]?.points.map((p) => [p.date, p.value]);

describe('parseIndicatorsCsv — one series', () => {
  it('date,value takes its name from the caller, else from the file name', () => {
    const text = 'date,value\n2024-01-02,13.2\n2024-01-03,12.5\n';
    const named = parseIndicatorsCsv(utf8(text), 'download.csv', { name: 'vix' });
    expect(named.issues).toEqual([]);
    expect(named.format).toBe('indicators-single');
    expect(named.series.map((s) => s.name)).toEqual(['VIX']);
    expect(values(named)).toEqual([
      ['2024-01-02', 13.2],
      ['2024-01-03', 12.5],
    ]);
    expect(named.dateRange).toEqual({ from: '2024-01-02', to: '2024-01-03' });
    expect(named.observations).toBe(2);
    expect(named.detected).toMatchObject({ encoding: 'utf-8', delimiter: 'comma', dateFormat: 'YYYY-MM-DD', layout: 'one series (date + value)' });
    expect(parseIndicatorsCsv(text, 'C:\\data\\term spread.csv').series[0]?.name).toBe('TERM_SPREAD');
  });

  it('date,<NAME> takes the header as the name; a given name renames it', () => {
    const text = 'Date,^IRX\n2020-03-24,-0.032999999821186066\n2020-03-25,-0.07000000029802322\n2020-03-26,0\n';
    const parsed = parseIndicatorsCsv(text, 'irx.csv');
    expect(parsed.issues).toEqual([]);
    expect(parsed.series[0]?.name).toBe('^IRX');
    // Zero and negative yields are observations, kept exactly as written.
    expect(values(parsed)).toEqual([
      ['2020-03-24', -0.032999999821186066],
      ['2020-03-25', -0.07000000029802322],
      ['2020-03-26', 0],
    ]);
    expect(parseIndicatorsCsv(text, 'irx.csv', { name: 'TBILL-13W' }).series[0]?.name).toBe('TBILL-13W');
  });

  it("FRED's layout: observation_date, '.' for no observation", () => {
    const parsed = parseIndicatorsCsv('observation_date,DGS10\n2024-01-01,.\n2024-01-02,3.95\n2024-01-03,3.91\n', 'DGS10.csv');
    expect(parsed.issues).toEqual([]);
    expect(parsed.series[0]?.name).toBe('DGS10');
    expect(values(parsed)).toEqual([
      ['2024-01-02', 3.95],
      ['2024-01-03', 3.91],
    ]);
  });

  it("a vendor's OHLC download of one index is its adjusted close", () => {
    const text = 'Date,Open,High,Low,Close,Adj Close,Volume\n2024-01-02,13.2,14.1,13,13.5,13.45,0\n2024-01-03,13.5,14.8,13.4,14.0,13.95,0\n';
    const parsed = parseIndicatorsCsv(text, '^VIX.csv');
    expect(errors(parsed.issues)).toEqual([]);
    expect(parsed.issues.map((i) => i.field)).toEqual(['Open', 'High', 'Low', 'Close', 'Volume']);
    expect(parsed.series[0]?.name).toBe('^VIX');
    expect(values(parsed)).toEqual([
      ['2024-01-02', 13.45],
      ['2024-01-03', 13.95],
    ]);
  });

  it('reads European files, other date formats, unsorted dates, exponents and % signs', () => {
    const eu = parseIndicatorsCsv(utf8('Datum;Wert\n03.01.2024;1,5\n02.01.2024;-0,25\n'), 'spread.csv');
    expect(eu.issues).toEqual([]);
    expect(eu.detected).toMatchObject({ delimiter: 'semicolon', dateFormat: 'DD.MM.YYYY', numberConvention: 'European (1.234,56)' });
    expect(values(eu)).toEqual([
      ['2024-01-02', -0.25],
      ['2024-01-03', 1.5],
    ]);
    const pct = parseIndicatorsCsv('Date,Yield\n01/02/2024,5.2%\n01/03/2024,1.2e-1\n', 'tbill.csv');
    expect(errors(pct.issues)).toEqual([]);
    expect(pct.detected.dateFormat).toBe('MM/DD/YYYY');
    expect(pct.percentSigns).toBe(true);
    expect(values(pct)).toEqual([
      ['2024-01-02', 5.2],
      ['2024-01-03', 0.12],
    ]);
    expect(parseIndicatorsCsv('Date,Yield\n2024-01-02,5.2\n', 'tbill.csv').percentSigns).toBe(false);
  });

  it('reads UTF-16 bytes like UTF-8 text', () => {
    const text = 'Date,VIX\r\n2024-01-02,13.2\r\n';
    const utf16 = new Uint8Array([0xff, 0xfe, ...Array.from(text).flatMap((c) => [c.charCodeAt(0), 0])]);
    const parsed = parseIndicatorsCsv(utf16, 'vix.csv');
    expect(parsed.issues).toEqual([]);
    expect(parsed.detected.encoding).toBe('utf-16le');
    expect(values(parsed)).toEqual([['2024-01-02', 13.2]]);
  });
});

describe('parseIndicatorsCsv — wide', () => {
  it('one column per series; an empty cell is no observation that day', () => {
    const parsed = parseIndicatorsCsv('Date,VIX,Term Spread\n2024-01-02,13.2,-0.4\n2024-01-03,,-0.35\n2024-01-04,14,\n', 'macro.csv');
    expect(parsed.issues).toEqual([]);
    expect(parsed.format).toBe('indicators-wide');
    expect(parsed.series.map((s) => [s.name, s.header])).toEqual([
      ['VIX', 'VIX'],
      ['TERM_SPREAD', 'Term Spread'],
    ]);
    expect(values(parsed, 0)).toEqual([
      ['2024-01-02', 13.2],
      ['2024-01-04', 14],
    ]);
    expect(values(parsed, 1)).toEqual([
      ['2024-01-02', -0.4],
      ['2024-01-03', -0.35],
    ]);
    expect(parsed.observations).toBe(4);
  });

  it('ignores a column with neither a header nor values (a stray trailing delimiter)', () => {
    const parsed = parseIndicatorsCsv('Date,VIX,\n2024-01-02,13.2,\n2024-01-03,13.5,\n', 'vix-export.csv');
    expect(parsed.issues).toEqual([]);
    expect(parsed.format).toBe('indicators-single');
    expect(parsed.series.map((s) => s.name)).toEqual(['VIX']);
  });

  it('warns about a series without values and leaves it out', () => {
    const parsed = parseIndicatorsCsv('Date,VIX,CREDIT\n2024-01-02,13.2,\n', 'macro.csv');
    expect(errors(parsed.issues)).toEqual([]);
    expect(parsed.issues).toEqual([{ line: 1, field: 'CREDIT', reason: 'no values for CREDIT', severity: 'warning' }]);
    expect(parsed.series.map((s) => s.name)).toEqual(['VIX']);
  });

  it('refuses a name for a file with several series', () => {
    const parsed = parseIndicatorsCsv('Date,VIX,CREDIT\n2024-01-02,13.2,1.1\n', 'macro.csv', { name: 'VIX' });
    expect(where(parsed.issues)).toEqual([[1, '']]);
    expect(parsed.issues[0]?.reason).toMatch(/holds 2 series \(VIX, CREDIT\); a name can only be given to a file with one series/);
    expect(parsed.series).toEqual([]);
  });
});

describe('parseIndicatorsCsv — problems are issues with line, field and reason', () => {
  it('reports every bad cell; the import then takes nothing', () => {
    const text = [
      'Date,VIX,CREDIT',
      '2024-01-02,abc,1.1', // 2: not a number
      '2024-02-30,13,1.2', // 3: not a calendar date
      '2024-01-02,13,1.3', // 4: duplicate date
      '2024-01-05,13', // 5: short row
      '2024-01-06,1e999,1', // 6: too large
      '2024-01-07,1.234,5', // 7: fine
    ].join('\n');
    const parsed = parseIndicatorsCsv(text, 'macro.csv');
    expect(where(parsed.issues)).toEqual([
      [2, 'VIX'],
      [3, 'Date'],
      [4, 'Date'],
      [5, ''],
      [6, 'VIX'],
    ]);
    expect(parsed.issues.find((i) => i.line === 4)?.reason).toBe('date 2024-01-02 already appears on line 2');
    expect(() => assertNoErrors('macro.csv', parsed.issues)).toThrow(/^macro\.csv: 5 problems, nothing imported — macro\.csv line 2, field VIX: /);
  });

  it.each([
    ['', 'the file is empty'],
    ['Date,VIX\n', 'the file has a header but no values'],
    ['When,VIX\n2024-01-02,1\n', 'no date column: the header needs a column named Date'],
    ['Date\n2024-01-02\n', 'no value column'],
    ['Date,VIX,vix\n2024-01-02,1,2\n', 'series VIX appears in columns 2 and 3'],
    ['Date,VIX,\n2024-01-02,1,2\n', 'column has no series name'],
    ['Date,VIX,A!B\n2024-01-02,1,2\n', '"A!B" is not an indicator name'],
    ['Date|VIX\n2024-01-02|1\n', 'the columns are not separated'],
  ])('%j → %s', (text, reason) => {
    const parsed = parseIndicatorsCsv(text, 'macro.csv');
    expect(errors(parsed.issues).map((i) => i.reason).join('\n')).toContain(reason);
    expect(parsed.series).toEqual([]);
  });

  it('asks for a name when neither the header nor the file name gives one', () => {
    const parsed = parseIndicatorsCsv('date,value\n2024-01-02,1\n', 'my data (2).csv');
    expect(where(parsed.issues)).toEqual([[1, 'value']]);
    expect(parsed.issues[0]?.reason).toMatch(/does not give a usable name.*give the name when importing/);
    expect(errors(parseIndicatorsCsv('date,value\n2024-01-02,1\n', 'x.csv', { name: 'not a name!' }).issues)[0]?.reason).toMatch(/"not a name!" is not an indicator name/);
  });

  it('warns when slash dates read both ways', () => {
    const parsed = parseIndicatorsCsv('Date,VIX\n01/02/2024,13\n02/03/2024,14\n', 'vix.csv');
    expect(errors(parsed.issues)).toEqual([]);
    expect(parsed.issues[0]).toMatchObject({ line: 2, field: 'Date', severity: 'warning' });
    expect(values(parsed)).toEqual([
      ['2024-01-02', 13],
      ['2024-02-03', 14],
    ]);
    expect(values(parseIndicatorsCsv('Date,VIX\n01/02/2024,13\n', 'vix.csv', { dateFormat: 'DD/MM/YYYY' }))).toEqual([['2024-02-01', 13]]);
  });
});
