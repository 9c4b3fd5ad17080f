import Big from 'big.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecimalString, IsoDate } from '../../shared/domain';
import { createCustodianCsvReader, type CustodianCsvResult, parseCustodianCsv } from './custodian-csv';
import type { HoldingLine } from './holdings';
import { isinCheckDigit } from './identifiers';

/**
 * Property and fuzz tests: random valid custodian files (any header spelling and column order, comma,
 * semicolon or tab, US or European numbers, $/€ decorations, a preamble or not, five encodings) parse
 * exactly; corrupted ones (truncation, random bytes, garbage cells, a 5 MB cell, arbitrary text) give a
 * correct parse or issues — never an exception — in bounded time. Seeds are fixed so failures reproduce.
 */
const SEED = 20260905;
const RUNS = 120;

type Field = 'symbol' | 'isin' | 'description' | 'quantity' | 'price' | 'marketValue' | 'currency';
const HEADER_SPELLINGS: Record<Field, readonly string[]> = {
  symbol: ['Symbol', 'Ticker', 'SYMBOL'],
  isin: ['ISIN', 'Isin Code'],
  description: ['Description', 'Security Description', 'Name', 'Bezeichnung'],
  quantity: ['Quantity', 'Shares', 'Units', 'Qty', 'Qty (Quantity)'],
  price: ['Price', 'Last Price', 'Closing Price', 'Kurs'],
  marketValue: ['Market Value', 'Mkt Val', 'Current Value', 'Value'],
  currency: ['Currency', 'Ccy'],
};

interface Holding {
  ticker: string;
  isin: string;
  description: string;
  quantity: string;
  price: string;
  marketValue: string;
  currency: string;
}

type Encoding = 'utf-8' | 'utf-8-bom' | 'utf-16le' | 'utf-16be' | 'windows-1252';

interface Case {
  holdings: Holding[];
  fields: Field[];
  headers: Record<Field, string>;
  delimiter: ',' | ';' | '\t';
  convention: 'us' | 'eu';
  grouping: boolean;
  decorate: boolean;
  preamble: boolean;
  eol: string;
  encoding: Encoding;
}

const RESERVED_TICKERS = /^(CASH|TOTALS?|NA|USD|EUR|GBP|CHF|JPY|CAD|AUD|NZD|SEK|NOK|DKK|HKD|SGD|CNY|CNH|INR|BRL|MXN|ZAR|PLN|CZK|HUF|TRY|KRW|TWD|ILS|THB|IDR|MYR|PHP|SAR|AED|GBX)$/;
const ticker = fc.stringMatching(/^[A-Z]{2,5}$/).filter((t) => !RESERVED_TICKERS.test(t));
const isin = fc.stringMatching(/^[0-9]{9}$/).map((body) => `US${body}${isinCheckDigit(`US${body}`)}`);
const WORDS = ['Apple', 'Société', 'Générale', 'Müller', '&', 'Co,', 'Class', 'A', '"Pref"', 'Straße', 'Fund', '–', 'Inc.', "L'Oréal", '5%'];
const description = fc
  .tuple(fc.constantFrom('Alpha', 'Bêta', 'Gamma', 'Nestlé', 'Zürich'), fc.array(fc.constantFrom(...WORDS), { maxLength: 4 }))
  .map(([first, rest]) => [first, ...rest].join(' '));
const decimal = (units: bigint, scale: number) => new Big(units.toString()).div(new Big(10).pow(scale)).toFixed();

const holdingOf = (withPriceColumn: boolean) =>
  fc
    .record({
      ticker,
      isin,
      description,
      quantityUnits: fc.bigInt({ min: 1n, max: 10n ** 8n }),
      // Without a price column nothing else shows the decimal separator, so avoid the ambiguous 1.234.
      quantityScale: fc.integer({ min: 0, max: withPriceColumn ? 3 : 2 }),
      priceCents: fc.bigInt({ min: 1n, max: 10n ** 7n }),
      currency: fc.constantFrom('USD', 'EUR', 'CHF'),
    })
    .map((h) => {
      const quantity = decimal(h.quantityUnits, h.quantityScale);
      const price = decimal(h.priceCents, 2);
      return {
        ticker: h.ticker,
        isin: h.isin,
        description: h.description,
        quantity,
        price,
        marketValue: new Big(quantity).times(price).round(2).toFixed(),
        currency: h.currency,
      };
    });

const caseArbitrary: fc.Arbitrary<Case> = fc
  .record({
    optional: fc.subarray(['isin', 'description', 'price', 'currency'] as const),
    delimiter: fc.constantFrom(',', ';', '\t') as fc.Arbitrary<Case['delimiter']>,
    europe: fc.boolean(),
    grouping: fc.boolean(),
    decorate: fc.boolean(),
    preamble: fc.boolean(),
    eol: fc.constantFrom('\n', '\r\n'),
    encoding: fc.constantFrom<Encoding>('utf-8', 'utf-8-bom', 'utf-16le', 'utf-16be', 'windows-1252'),
    spelling: fc.record(
      Object.fromEntries(Object.entries(HEADER_SPELLINGS).map(([field, names]) => [field, fc.constantFrom(...names)])) as Record<Field, fc.Arbitrary<string>>,
    ),
  })
  .chain((shape) => {
    const withPrice = shape.optional.includes('price');
    const fields: Field[] = ['symbol', 'quantity', ...shape.optional.flatMap((f): Field[] => (f === 'price' ? ['price', 'marketValue'] : [f]))];
    return fc
      .record({
        holdings: fc.uniqueArray(holdingOf(withPrice), { minLength: 1, maxLength: 12, selector: (h) => h.ticker }).filter((hs) => new Set(hs.map((h) => h.isin)).size === hs.length),
        order: fc.shuffledSubarray(fields, { minLength: fields.length, maxLength: fields.length }),
      })
      .map(({ holdings, order }) => ({
        holdings,
        fields: order,
        headers: shape.spelling,
        delimiter: shape.delimiter,
        // A decimal comma in a comma-separated file needs the profile (number-formats.ts), so not here.
        convention: shape.europe && shape.delimiter !== ',' ? ('eu' as const) : ('us' as const),
        grouping: shape.grouping && withPrice,
        decorate: shape.decorate,
        preamble: shape.preamble,
        eol: shape.eol,
        encoding: shape.encoding,
      }));
  });

function formatNumber(value: string, c: Case, decimals: number | null, money: boolean): string {
  const fixed = decimals === null ? value : new Big(value).toFixed(decimals);
  const [whole = '0', fraction] = fixed.split('.');
  const group = c.convention === 'us' ? ',' : '.';
  const grouped = c.grouping ? whole.replace(/\B(?=(\d{3})+(?!\d))/g, group) : whole;
  const body = fraction === undefined ? grouped : `${grouped}${c.convention === 'us' ? '.' : ','}${fraction}`;
  if (!money || !c.decorate) return body;
  return c.convention === 'us' ? `$${body}` : `${body} €`;
}

function csvCell(text: string, delimiter: string): string {
  return text.includes(delimiter) || text.includes('"') || /[\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function cellOf(h: Holding, field: Field, c: Case): string {
  switch (field) {
    case 'symbol':
      return h.ticker;
    case 'isin':
      return h.isin;
    case 'description':
      return h.description;
    case 'quantity':
      return formatNumber(h.quantity, c, null, false);
    case 'price':
      return formatNumber(h.price, c, 2, true);
    case 'marketValue':
      return formatNumber(h.marketValue, c, 2, true);
    case 'currency':
      return c.decorate && c.convention === 'eu' ? 'EUR' : h.currency;
  }
}

function textOf(c: Case, order: Field[] = c.fields): string {
  const lines: string[] = [];
  if (c.preamble) lines.push('Positions for account ACC-77 as of 03/31/2025');
  lines.push(order.map((field) => csvCell(c.headers[field], c.delimiter)).join(c.delimiter));
  for (const h of c.holdings) lines.push(order.map((field) => csvCell(cellOf(h, field, c), c.delimiter)).join(c.delimiter));
  return lines.join(c.eol) + c.eol;
}

const CP1252: Record<string, number> = { '€': 0x80, '–': 0x96 };
function encode(text: string, encoding: Encoding): Uint8Array {
  switch (encoding) {
    case 'utf-8':
      return new TextEncoder().encode(text);
    case 'utf-8-bom':
      return new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(text)]);
    case 'utf-16le':
      return new Uint8Array([0xff, 0xfe, ...Buffer.from(text, 'utf16le')]);
    case 'utf-16be': {
      const le = Buffer.from(text, 'utf16le');
      const be = new Uint8Array(le.length + 2);
      be.set([0xfe, 0xff]);
      for (let i = 0; i < le.length; i += 2) be.set([le[i + 1] ?? 0, le[i] ?? 0], i + 2);
      return be;
    }
    case 'windows-1252':
      return new Uint8Array([...text].map((char) => CP1252[char] ?? char.charCodeAt(0)));
  }
}

const OPTIONS = { asOf: '2025-03-31', accountId: 'ACC-0' };
/** A file that names its account gets none from outside (else the reader warns that it ignored it). */
const optionsFor = (c: Case) => (c.preamble ? { asOf: OPTIONS.asOf } : OPTIONS);

function expected(c: Case): HoldingLine[] {
  const firstLine = c.preamble ? 3 : 2;
  const has = (field: Field) => c.fields.includes(field);
  return c.holdings.map((h, i) => ({
    line: firstLine + i,
    identifiers: has('isin') ? { ticker: h.ticker, isin: h.isin } : { ticker: h.ticker },
    description: has('description') ? h.description : null,
    securityType: null,
    quantity: h.quantity,
    quantityType: 'UNIT',
    price: has('price') ? h.price : null,
    priceType: has('price') ? 'amount' : null,
    currency: has('currency') ? cellOf(h, 'currency', c) : c.decorate && c.convention === 'eu' && has('price') ? 'EUR' : null,
    marketValue: has('marketValue') ? h.marketValue : null,
    costBasis: null,
  }));
}

const holdingsOf = (result: CustodianCsvResult) => result.statements.flatMap((s) => s.holdings);

/** What every result must satisfy, whatever the input. */
function assertWellFormed(result: CustodianCsvResult): void {
  for (const issue of result.issues) {
    expect(Number.isInteger(issue.line) && issue.line >= 0).toBe(true);
    expect(issue.reason.length).toBeGreaterThan(0);
    expect(['error', 'warning']).toContain(issue.severity);
  }
  for (const statement of result.statements) {
    if (statement.asOf !== null) expect(IsoDate.safeParse(statement.asOf).success).toBe(true);
    for (const h of statement.holdings) {
      expect(DecimalString.safeParse(h.quantity).success).toBe(true);
      // Signed (a short is negative), never zero: a zero line is not a holding.
      expect(new Big(h.quantity).eq(0)).toBe(false);
      if (h.price !== null) expect(DecimalString.safeParse(h.price).success).toBe(true);
      if (h.marketValue !== null) expect(DecimalString.safeParse(h.marketValue).success).toBe(true);
      expect(Object.values(h.identifiers).some((id) => typeof id === 'string' && id !== '') || (h.custodianCode?.code ?? '') !== '').toBe(true);
    }
    for (const cash of statement.cash) expect(DecimalString.safeParse(cash.amount).success).toBe(true);
  }
  if (result.needsMapping) expect(result.statements).toEqual([]);
}

describe('parseCustodianCsv properties', () => {
  it('parses any valid file exactly: header spellings, column order, delimiters, number styles, preamble, encodings', () => {
    fc.assert(
      fc.property(caseArbitrary, (c) => {
        const result = parseCustodianCsv(encode(textOf(c), c.encoding), 'synthetic.csv', optionsFor(c));
        expect(result.issues).toEqual([]);
        expect(result.statements).toHaveLength(1);
        expect(result.statements[0]).toMatchObject({ accountId: c.preamble ? 'ACC-77' : 'ACC-0', asOf: '2025-03-31' });
        expect(holdingsOf(result)).toEqual(expected(c));
        expect(result.detected.encoding).toBe(c.encoding === 'windows-1252' && !/[^\p{ASCII}]/u.test(textOf(c)) ? 'utf-8' : c.encoding);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('shuffled columns give the same holdings', () => {
    fc.assert(
      fc.property(
        caseArbitrary.chain((c) => fc.tuple(fc.constant(c), fc.shuffledSubarray(c.fields, { minLength: c.fields.length, maxLength: c.fields.length }))),
        ([c, order]) => {
          const a = parseCustodianCsv(encode(textOf(c), 'utf-8'), 'a.csv', optionsFor(c));
          const b = parseCustodianCsv(encode(textOf(c, order), 'utf-8'), 'b.csv', optionsFor(c));
          expect(b.issues).toEqual([]);
          expect(holdingsOf(b)).toEqual(holdingsOf(a));
        },
      ),
      { seed: SEED + 1, numRuns: RUNS },
    );
  });

  it('the same file in UTF-16 or Windows-1252 parses the same as in UTF-8', () => {
    fc.assert(
      fc.property(caseArbitrary, fc.constantFrom<Encoding>('utf-16le', 'utf-16be', 'windows-1252', 'utf-8-bom'), (c, encoding) => {
        const reference = parseCustodianCsv(encode(textOf(c), 'utf-8'), 'a.csv', OPTIONS);
        const other = parseCustodianCsv(encode(textOf(c), encoding), 'a.csv', OPTIONS);
        expect(other.issues).toEqual(reference.issues);
        expect(other.statements).toEqual(reference.statements);
      }),
      { seed: SEED + 2, numRuns: RUNS },
    );
  });

  it('streams the same holdings whatever the chunk boundaries', () => {
    fc.assert(
      fc.property(caseArbitrary, fc.array(fc.nat(4000), { maxLength: 8 }), (c, cuts) => {
        const bytes = encode(textOf(c), c.encoding);
        const streamed: HoldingLine[] = [];
        const reader = createCustodianCsvReader({ ...optionsFor(c), fileName: 'a.csv', batchSize: 3, onHoldings: (batch) => streamed.push(...batch.map(({ accountId: _a, ...h }) => h)) });
        let from = 0;
        for (const cut of [...cuts].sort((a, b) => a - b)) {
          reader.push(bytes.subarray(from, Math.max(from, cut)));
          from = Math.max(from, cut);
        }
        reader.push(bytes.subarray(from));
        const result = reader.end();
        expect(result.issues).toEqual([]);
        expect(streamed).toEqual(expected(c));
      }),
      { seed: SEED + 3, numRuns: RUNS },
    );
  });

  it('truncation gives a correct prefix or issues, never an exception', () => {
    fc.assert(
      fc.property(
        caseArbitrary.chain((c) => {
          const bytes = encode(textOf(c), c.encoding);
          return fc.tuple(fc.constant(bytes), fc.nat(bytes.length));
        }),
        ([bytes, cut]) => {
          const truncated = parseCustodianCsv(bytes.subarray(0, cut), 'cut.csv', OPTIONS);
          assertWellFormed(truncated);
          const full = new Map(holdingsOf(parseCustodianCsv(bytes, 'full.csv', OPTIONS)).map((h) => [h.line, h]));
          const lines = holdingsOf(truncated).map((h) => h.line);
          const last = Math.max(0, ...lines);
          for (const h of holdingsOf(truncated)) if (h.line < last) expect(h).toEqual(full.get(h.line));
        },
      ),
      { seed: SEED + 4, numRuns: RUNS },
    );
  });

  it('random bytes, deleted bytes and junk lines never throw, in bounded time', () => {
    const corruption = fc.oneof(
      fc.record({ kind: fc.constant('insert' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }), at: fc.nat() }),
      fc.record({ kind: fc.constant('delete' as const), length: fc.integer({ min: 1, max: 20 }), at: fc.nat() }),
      fc.record({ kind: fc.constant('flip' as const), mask: fc.integer({ min: 1, max: 255 }), at: fc.nat() }),
      fc.record({ kind: fc.constant('line' as const), text: fc.string({ maxLength: 40 }), at: fc.nat() }),
    );
    fc.assert(
      fc.property(caseArbitrary, fc.array(corruption, { minLength: 1, maxLength: 4 }), (c, edits) => {
        let bytes = encode(textOf(c), c.encoding);
        for (const edit of edits) {
          const at = bytes.length === 0 ? 0 : edit.at % bytes.length;
          if (edit.kind === 'insert') bytes = new Uint8Array([...bytes.slice(0, at), ...edit.bytes, ...bytes.slice(at)]);
          else if (edit.kind === 'delete') bytes = new Uint8Array([...bytes.slice(0, at), ...bytes.slice(at + edit.length)]);
          else if (edit.kind === 'flip' && bytes.length > 0) bytes[at] = (bytes[at] ?? 0) ^ edit.mask;
          else if (edit.kind === 'line') bytes = new Uint8Array([...bytes.slice(0, at), ...new TextEncoder().encode(`\n${edit.text}\n`), ...bytes.slice(at)]);
        }
        const started = performance.now();
        assertWellFormed(parseCustodianCsv(bytes, 'corrupt.csv', OPTIONS));
        expect(performance.now() - started).toBeLessThan(5000);
      }),
      { seed: SEED + 5, numRuns: RUNS * 2 },
    );
  });

  it('a garbage cell rejects its row with line and field, reads as a correct value, or (zero) skips the line with a note', () => {
    const garbage = fc.constantFrom('abc', '#N/A', '1.2.3', '(5', '--5', '1e5', '∞', 'NaN', '0x10', '½', '١٢', '=1+2', '😀', '-', '$', '12 34 5', '0', '-3', '""');
    fc.assert(
      fc.property(
        caseArbitrary.chain((c) => fc.tuple(fc.constant(c), fc.nat(c.holdings.length - 1), fc.constantFrom(...c.fields), garbage)),
        ([c, row, field, junk]) => {
          const lines = textOf(c).split(c.eol);
          const lineIndex = (c.preamble ? 2 : 1) + row;
          const cells = c.fields.map((f) => csvCell(cellOf(c.holdings[row] as Holding, f, c), c.delimiter));
          cells[c.fields.indexOf(field)] = csvCell(junk, c.delimiter);
          lines[lineIndex] = cells.join(c.delimiter);
          const result = parseCustodianCsv(encode(lines.join(c.eol), 'utf-8'), 'junk.csv', OPTIONS);
          assertWellFormed(result);
          const line = lineIndex + 1;
          const rejected = result.issues.some((issue) => issue.severity === 'error' && issue.line === line);
          const kept = holdingsOf(result).some((h) => h.line === line);
          // A zero quantity is not a holding: skipped with a note at its line, neither rejected nor kept.
          const skipped = result.issues.some((issue) => issue.severity === 'warning' && issue.line === line && issue.reason.startsWith('not a holding'));
          expect(Number(rejected) + Number(kept) + Number(skipped)).toBe(1);
          // Every other row is untouched.
          const others = expected(c).filter((h) => h.line !== line);
          for (const h of others) expect(holdingsOf(result)).toContainEqual(h);
        },
      ),
      { seed: SEED + 6, numRuns: RUNS * 2 },
    );
  });

  it('a 5 MB cell is one clean issue at its line, not a hang', () => {
    const text = ['Symbol,Description,Quantity', 'AAPL,Apple,1', `MSFT,${'x'.repeat(5 * 1024 * 1024)},2`, 'IBM,IBM,3'].join('\n');
    const started = performance.now();
    const result = parseCustodianCsv(new TextEncoder().encode(text), 'huge.csv', OPTIONS);
    expect(performance.now() - started).toBeLessThan(20_000);
    expect(result.issues).toEqual([expect.objectContaining({ line: 3, field: 'Description', severity: 'error', reason: expect.stringContaining('characters long') })]);
    expect(holdingsOf(result).map((h) => h.identifiers.ticker)).toEqual(['AAPL', 'IBM']);
  });

  it('arbitrary text never throws', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300, unit: 'binary' }), (text) => {
        assertWellFormed(parseCustodianCsv(new TextEncoder().encode(text), 'x.csv'));
      }),
      { seed: SEED + 7, numRuns: RUNS * 2 },
    );
  });
});
