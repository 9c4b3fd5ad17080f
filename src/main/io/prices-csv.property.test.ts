import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FileIssue } from '../../shared/errors';
import { type DateFormat } from './date-formats';
import { isIsoDate } from './dates';
import { numberEvidence } from './number-formats';
import { createPricesCsvReader, PRICE_COLUMN_ALIASES, type PriceRow, type PricesCsv, parsePricesCsv } from './prices-csv';

/**
 * Property tests: random valid files parse exactly; random corruption gives a correct parse or issues,
 * never an exception. Seeds are fixed so a failure reproduces; fast-check prints the counterexample.
 */
const SEED = 20260803;
const RUNS = 150;

const reservedHeaderWords = new Set(Object.values(PRICE_COLUMN_ALIASES).flat());
const ticker = fc.stringMatching(/^[A-Z][A-Z0-9]{0,4}$/).filter((t) => !reservedHeaderWords.has(t.toLowerCase()));
const isoDay = (offset: number) => new Date(Date.UTC(2000, 0, 1) + offset * 86_400_000).toISOString().slice(0, 10);
const dates = fc.uniqueArray(fc.integer({ min: 0, max: 9000 }), { minLength: 1, maxLength: 25 }).map((days) => days.sort((a, b) => a - b).map(isoDay));
const price = fc.double({ min: 1e-6, max: 1e7, noNaN: true, noDefaultInfinity: true });
const lineEnd = fc.constantFrom('\n', '\r\n');

interface WideCase {
  tickers: string[];
  dates: string[];
  cells: (number | null)[][];
  eol: string;
  bom: boolean;
}

const wideCase: fc.Arbitrary<WideCase> = fc
  .record({ tickers: fc.uniqueArray(ticker, { minLength: 1, maxLength: 6 }), dates, eol: lineEnd, bom: fc.boolean() })
  .chain((shape) =>
    fc
      .array(fc.array(fc.option(price, { nil: null, freq: 4 }), { minLength: shape.tickers.length, maxLength: shape.tickers.length }), {
        minLength: shape.dates.length,
        maxLength: shape.dates.length,
      })
      .map((cells) => ({ ...shape, cells })),
  );

function wideText(c: WideCase, order = c.tickers.map((_, i) => i)): string {
  const header = ['Date', ...order.map((i) => c.tickers[i])].join(',');
  const body = c.dates.map((date, r) => [date, ...order.map((i) => (c.cells[r]?.[i] == null ? '' : String(c.cells[r]?.[i])))].join(','));
  return (c.bom ? '\uFEFF' : '') + [header, ...body].join(c.eol) + c.eol;
}

function wideExpected(c: WideCase): PriceRow[] {
  return c.dates.flatMap((date, r) =>
    c.tickers.flatMap((t, i) => {
      const value = c.cells[r]?.[i];
      return value == null ? [] : [{ line: r + 2, date, ticker: t, close: value, adjClose: value, volume: null }];
    }),
  );
}

interface LongCase {
  rows: { date: string; ticker: string; close: number; adjClose: number | null; volume: number | null }[];
  withAdj: boolean;
  withVolume: boolean;
  names: { date: string; ticker: string; close: string; adj: string; volume: string };
  order: number[];
  eol: string;
}

const longCase: fc.Arbitrary<LongCase> = fc
  .record({
    keys: fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: 9000 }), ticker), { minLength: 1, maxLength: 30, selector: ([d, t]) => `${d}|${t}` }),
    withAdj: fc.boolean(),
    withVolume: fc.boolean(),
    names: fc.record({
      date: fc.constantFrom('date', 'Date', 'DATE', 'trade_date'),
      ticker: fc.constantFrom('ticker', 'Symbol', 'TICKER'),
      close: fc.constantFrom('close', 'Close', 'close_price'),
      adj: fc.constantFrom('adj_close', 'Adj Close', 'adjusted close', 'AdjClose'),
      volume: fc.constantFrom('volume', 'Volume', 'vol'),
    }),
    order: fc.shuffledSubarray([0, 1, 2, 3, 4], { minLength: 5, maxLength: 5 }),
    eol: lineEnd,
  })
  .chain((shape) =>
    fc
      .array(fc.tuple(price, price, fc.option(fc.integer({ min: 0, max: 2_000_000_000 }), { nil: null })), {
        minLength: shape.keys.length,
        maxLength: shape.keys.length,
      })
      .map((values) => ({
        withAdj: shape.withAdj,
        withVolume: shape.withVolume,
        names: shape.names,
        order: shape.order,
        eol: shape.eol,
        rows: shape.keys.map(([day, t], i) => ({
          date: isoDay(day),
          ticker: t,
          close: values[i]![0],
          adjClose: shape.withAdj ? values[i]![1] : null,
          volume: shape.withVolume ? values[i]![2] : null,
        })),
      })),
  );

function longText(c: LongCase): string {
  const columns: { name: string; cell: (row: LongCase['rows'][number]) => string }[] = [
    { name: c.names.date, cell: (row) => row.date },
    { name: c.names.ticker, cell: (row) => row.ticker },
    { name: c.names.close, cell: (row) => String(row.close) },
    { name: c.names.adj, cell: (row) => String(row.adjClose) },
    { name: c.names.volume, cell: (row) => (row.volume === null ? '' : String(row.volume)) },
  ];
  const used = c.order.filter((i) => (i !== 3 || c.withAdj) && (i !== 4 || c.withVolume)).map((i) => columns[i]!);
  return [used.map((col) => col.name).join(','), ...c.rows.map((row) => used.map((col) => col.cell(row)).join(','))].join(c.eol) + c.eol;
}

function longExpected(c: LongCase): PriceRow[] {
  return c.rows.map((row, i) => ({
    line: i + 2,
    date: row.date,
    ticker: row.ticker,
    close: row.close,
    adjClose: row.adjClose ?? row.close,
    volume: row.volume,
  }));
}

const errorsOf = (issues: FileIssue[]) => issues.filter((issue) => issue.severity === 'error');
const utf8 = (text: string) => new TextEncoder().encode(text);

/** What every parse must satisfy, whatever the input. */
function assertWellFormed(parsed: PricesCsv): void {
  for (const issue of parsed.issues) {
    expect(Number.isInteger(issue.line) && issue.line >= 0).toBe(true);
    expect(issue.reason.length).toBeGreaterThan(0);
  }
  const seen = new Set<string>();
  for (const row of parsed.rows) {
    expect(isIsoDate(row.date)).toBe(true);
    expect(Number.isFinite(row.close) && row.close > 0).toBe(true);
    expect(Number.isFinite(row.adjClose) && row.adjClose > 0).toBe(true);
    expect(parsed.tickers).toContain(row.ticker);
    expect(seen.has(`${row.date}|${row.ticker}`)).toBe(false);
    seen.add(`${row.date}|${row.ticker}`);
  }
  if (parsed.rows.length > 0) expect(parsed.dateRange).not.toBeNull();
}

const sortRows = (rows: PriceRow[]) =>
  rows.map(({ date, ticker: t, close, adjClose, volume }) => ({ date, ticker: t, close, adjClose, volume })).sort((a, b) =>
    `${a.date}|${a.ticker}`.localeCompare(`${b.date}|${b.ticker}`),
  );

describe('parsePricesCsv properties', () => {
  it('parses any valid wide file exactly', () => {
    fc.assert(
      fc.property(wideCase, (c) => {
        const parsed = parsePricesCsv(utf8(wideText(c)), 'prices.csv');
        expect(errorsOf(parsed.issues)).toEqual([]);
        expect(parsed.format).toBe('prices-wide');
        expect(parsed.rows).toEqual(wideExpected(c));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('parses any valid long file exactly, whatever the column order and header spelling', () => {
    fc.assert(
      fc.property(longCase, (c) => {
        const parsed = parsePricesCsv(utf8(longText(c)), 'prices.csv');
        expect(errorsOf(parsed.issues)).toEqual([]);
        expect(parsed.format).toBe('prices-long');
        expect(parsed.rows).toEqual(longExpected(c));
      }),
      { seed: SEED + 1, numRuns: RUNS },
    );
  });

  it('shuffled ticker columns give the same observations', () => {
    fc.assert(
      fc.property(
        wideCase.chain((c) => fc.tuple(fc.constant(c), fc.shuffledSubarray(c.tickers.map((_, i) => i), { minLength: c.tickers.length }))),
        ([c, order]) => {
          const parsed = parsePricesCsv(wideText(c, order), 'prices.csv');
          expect(errorsOf(parsed.issues)).toEqual([]);
          expect(sortRows(parsed.rows)).toEqual(sortRows(wideExpected(c)));
        },
      ),
      { seed: SEED + 2, numRuns: RUNS },
    );
  });

  it('a garbage cell is reported at its line and column', () => {
    // 'N/A', '--' and '$5' are not garbage since prices read custodian conventions (prices-csv.test.ts).
    const garbage = fc.constantFrom('abc', '#N/A', '1.2.3', '0', '-5', '#VALUE!', '12,34', '1e', '5%', 'null', '∞', '(5)');
    fc.assert(
      fc.property(
        wideCase.chain((c) => fc.tuple(fc.constant(c), fc.nat(c.dates.length - 1), fc.nat(c.tickers.length - 1), garbage)),
        ([c, r, i, junk]) => {
          const text = wideText(c)
            .split(c.eol)
            .map((line, index) => {
              if (index !== r + 1) return line;
              const cells = line.split(',');
              cells[i + 1] = junk.includes(',') ? `"${junk}"` : junk;
              return cells.join(',');
            })
            .join(c.eol);
          const parsed = parsePricesCsv(text, 'prices.csv');
          assertWellFormed(parsed);
          expect(errorsOf(parsed.issues).map((issue) => [issue.line, issue.field])).toContainEqual([r + 2, c.tickers[i]]);
          expect(parsed.rows.some((row) => row.line === r + 2)).toBe(false);
        },
      ),
      { seed: SEED + 3, numRuns: RUNS },
    );
  });

  it('truncation gives a correct prefix or issues, never an exception', () => {
    fc.assert(
      fc.property(
        fc.oneof(wideCase.map(wideText), longCase.map(longText)).chain((text) => fc.tuple(fc.constant(text), fc.nat(text.length))),
        ([text, cut]) => {
          const parsed = parsePricesCsv(utf8(text.slice(0, cut)), 'prices.csv');
          assertWellFormed(parsed);
          const full = parsePricesCsv(utf8(text), 'prices.csv');
          // Every row but possibly the cut one is exactly a row of the full file.
          const fullByLine = new Map(full.rows.map((row) => [`${row.line}|${row.ticker}`, row]));
          const lastLine = Math.max(0, ...parsed.rows.map((row) => row.line));
          for (const row of parsed.rows) {
            if (row.line < lastLine) expect(row).toEqual(fullByLine.get(`${row.line}|${row.ticker}`));
          }
        },
      ),
      { seed: SEED + 4, numRuns: RUNS },
    );
  });

  it('random bytes, deleted bytes and junk lines never throw', () => {
    const corruption = fc.oneof(
      fc.record({ kind: fc.constant('insert' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }), at: fc.nat() }),
      fc.record({ kind: fc.constant('delete' as const), length: fc.integer({ min: 1, max: 20 }), at: fc.nat() }),
      fc.record({ kind: fc.constant('flip' as const), mask: fc.integer({ min: 1, max: 255 }), at: fc.nat() }),
      fc.record({ kind: fc.constant('line' as const), text: fc.string({ maxLength: 40 }), at: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.oneof(wideCase.map(wideText), longCase.map(longText)), fc.array(corruption, { minLength: 1, maxLength: 4 }), (text, edits) => {
        let bytes = utf8(text);
        for (const edit of edits) {
          const at = bytes.length === 0 ? 0 : edit.at % bytes.length;
          if (edit.kind === 'insert') bytes = new Uint8Array([...bytes.slice(0, at), ...edit.bytes, ...bytes.slice(at)]);
          else if (edit.kind === 'delete') bytes = new Uint8Array([...bytes.slice(0, at), ...bytes.slice(at + edit.length)]);
          else if (edit.kind === 'flip' && bytes.length > 0) bytes[at] = (bytes[at] ?? 0) ^ edit.mask;
          else if (edit.kind === 'line') bytes = new Uint8Array([...bytes.slice(0, at), ...utf8(`\n${edit.text}\n`), ...bytes.slice(at)]);
        }
        const parsed = parsePricesCsv(bytes, 'prices.csv');
        assertWellFormed(parsed);
      }),
      { seed: SEED + 5, numRuns: RUNS * 2 },
    );
  });

  it('arbitrary text never throws', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200, unit: 'binary' }), (text) => {
        assertWellFormed(parsePricesCsv(text, 'x.csv'));
      }),
      { seed: SEED + 6, numRuns: RUNS * 2 },
    );
  });
});

/** The same observations written the European way, or with other dates, or in another encoding. */
describe('parsePricesCsv properties — conventions, encodings, streaming', () => {
  const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const writeDate = (iso: string, format: DateFormat) => {
    const [y, m, d] = iso.split('-') as [string, string, string];
    if (format === 'DD.MM.YYYY') return `${d}.${m}.${y}`;
    if (format === 'MM/DD/YYYY') return `${m}/${d}/${y}`;
    if (format === 'DD/MM/YYYY') return `${d}/${m}/${y}`;
    if (format === 'YYYYMMDD') return `${y}${m}${d}`;
    if (format === 'DD-Mon-YYYY') return `${d}-${MONTHS[Number(m) - 1]}-${y}`;
    return iso;
  };
  const style = fc.record({
    delimiter: fc.constantFrom(',', ';', '\t'),
    european: fc.boolean(),
    dateFormat: fc.constantFrom<DateFormat>('YYYY-MM-DD', 'DD.MM.YYYY', 'MM/DD/YYYY', 'DD/MM/YYYY', 'YYYYMMDD', 'DD-Mon-YYYY'),
    encoding: fc.constantFrom('utf-8', 'utf-16le', 'windows-1252'),
  });

  /** Rewrites a comma-separated, ISO, decimal-point file (the generators above) cell by cell. */
  function restyle(text: string, eol: string, s: { delimiter: string; european: boolean; dateFormat: DateFormat }) {
    const european = s.european && s.delimiter !== ',';
    const cellsWritten: string[] = [];
    const lines = text.split(eol).map((line, index) =>
      line === ''
        ? line
        : line
            .split(',')
            .map((cell) => {
              if (index === 0) return cell;
              if (isIsoDate(cell)) return writeDate(cell, s.dateFormat);
              const written = european && !/e/i.test(cell) ? cell.replace('.', ',') : cell;
              cellsWritten.push(written);
              return written;
            })
            .join(s.delimiter),
    );
    const settled = cellsWritten.some((cell) => numberEvidence(cell) !== 'neutral' && numberEvidence(cell) !== 'ambiguous');
    return { text: lines.join(eol), european, settled };
  }

  const bytesOf = (text: string, encoding: string) =>
    encoding === 'utf-16le'
      ? new Uint8Array([0xff, 0xfe, ...Buffer.from(text, 'utf16le')])
      : encoding === 'windows-1252'
        ? new Uint8Array([...text].map((char) => char.charCodeAt(0)))
        : utf8(text);

  it('any delimiter, number style, date format and encoding gives the observations of the plain file', () => {
    fc.assert(
      fc.property(fc.oneof(wideCase.map((c) => ({ text: wideText(c), eol: c.eol })), longCase.map((c) => ({ text: longText(c), eol: c.eol }))), style, (plain, s) => {
        const restyled = restyle(plain.text, plain.eol, s);
        const options = {
          // Slash dates are ambiguous until a day passes 12, and cells like 1,234 until one is not: say so when the sample cannot.
          ...(s.dateFormat === 'DD/MM/YYYY' ? { dateFormat: s.dateFormat } : {}),
          ...(restyled.settled ? {} : { numberConvention: restyled.european ? ('eu' as const) : ('us' as const) }),
        };
        const expected = parsePricesCsv(utf8(plain.text), 'p.csv');
        const parsed = parsePricesCsv(bytesOf(restyled.text, s.encoding), 'p.csv', options);
        expect(errorsOf(parsed.issues)).toEqual([]);
        expect(parsed.rows).toEqual(expected.rows);
      }),
      { seed: SEED + 7, numRuns: RUNS },
    );
  });

  it('the streaming reader gives the same rows whatever the chunk boundaries', () => {
    fc.assert(
      fc.property(fc.oneof(wideCase.map(wideText), longCase.map(longText)), fc.array(fc.nat(3000), { maxLength: 8 }), (text, cuts) => {
        const bytes = utf8(text);
        const rows: PriceRow[] = [];
        const reader = createPricesCsvReader({ fileName: 'p.csv', batchSize: 4, onRows: (batch) => rows.push(...batch) });
        let from = 0;
        for (const cut of [...cuts].sort((a, b) => a - b)) {
          reader.push(bytes.subarray(from, Math.max(from, cut)));
          from = Math.max(from, cut);
        }
        reader.push(bytes.subarray(from));
        const result = reader.end();
        const whole = parsePricesCsv(bytes, 'p.csv');
        expect(result.issues).toEqual(whole.issues);
        expect(rows).toEqual(whole.rows);
      }),
      { seed: SEED + 8, numRuns: RUNS },
    );
  });

  it('repeats are reported the same through findDuplicates (rising dates skip the query) as by the in-memory map', () => {
    const rowsCase = fc
      .tuple(fc.uniqueArray(ticker, { minLength: 1, maxLength: 4 }), dates, fc.boolean(), fc.array(fc.nat(), { maxLength: 4 }), fc.boolean())
      .map(([tickers, days, shuffled, repeats, tickerMajor]) => {
        const rows = tickerMajor ? tickers.flatMap((t) => days.map((d) => [d, t] as const)) : days.flatMap((d) => tickers.map((t) => [d, t] as const));
        if (shuffled) rows.reverse();
        for (const r of repeats) rows.splice(r % (rows.length + 1), 0, rows[r % rows.length]!);
        return rows;
      });
    fc.assert(
      fc.property(rowsCase, (rows) => {
        const text = `date,ticker,close\n${rows.map(([d, t], i) => `${d},${t},${(i % 97) + 1}.5`).join('\n')}\n`;
        let queried = false;
        const staged: PriceRow[] = [];
        const reader = createPricesCsvReader({
          fileName: 'p.csv',
          batchSize: 3,
          onRows: (batch) => staged.push(...batch),
          findDuplicates: (limit) => {
            queried = true;
            const first = new Map<string, number>();
            const found: { line: number; ticker: string; date: string; firstLine: number }[] = [];
            for (const r of staged) {
              const key = `${r.ticker}|${r.date}`;
              const earlier = first.get(key);
              if (earlier === undefined) first.set(key, r.line);
              else found.push({ line: r.line, ticker: r.ticker, date: r.date, firstLine: earlier });
            }
            return { rows: found.slice(0, limit), count: found.length };
          },
        });
        reader.push(utf8(text));
        const hooked = reader.end();
        const plain = parsePricesCsv(utf8(text), 'p.csv');
        expect(hooked.observations).toBe(plain.observations);
        expect(errorsOf(hooked.issues)).toEqual(errorsOf(plain.issues));
        // The query runs only when some ticker's dates did not rise.
        const rising = rows.every(([d, t], i) => rows.slice(0, i).every(([d0, t0]) => t0 !== t || d0 < d));
        expect(queried).toBe(!rising);
      }),
      { seed: SEED + 9, numRuns: RUNS },
    );
  });
});
