import Big from 'big.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecimalString } from '../../shared/domain';
import type { FileIssue } from '../../shared/errors';
import { isIsoDate } from './dates';
import { POSITION_COLUMN_ALIASES, type PositionsCsv, parsePositionsCsv } from './positions-csv';

const SEED = 535;
const RUNS = 150;

const reserved = new Set([...Object.values(POSITION_COLUMN_ALIASES).flat(), 'cash', 'usd']);
const symbol = fc.stringMatching(/^[A-Z][A-Z0-9.]{0,5}$/).filter((s) => !reserved.has(s.toLowerCase()));
const positiveDecimal = fc
  .tuple(fc.bigInt({ min: 1n, max: 10n ** 15n }), fc.integer({ min: 0, max: 8 }))
  .map(([digits, scale]) => new Big(digits.toString()).div(new Big(10).pow(scale)).toFixed(scale));
const grouped = (text: string) => {
  const [whole = '', fraction] = text.split('.');
  const withCommas = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return fraction === undefined ? withCommas : `${withCommas}.${fraction}`;
};
const canonical = (text: string) => new Big(text).toFixed().replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');

interface PositionsCase {
  holdings: { symbol: string; quantity: string; price: string | null }[];
  cash: string | null;
  cashSymbol: 'CASH' | 'USD';
  asOf: string | null;
  withPrice: boolean;
  groupNumbers: boolean;
  order: number[];
  names: { symbol: string; quantity: string; price: string; asOf: string };
  cashFirst: boolean;
}

const positionsCase: fc.Arbitrary<PositionsCase> = fc.record({
  holdings: fc.uniqueArray(fc.record({ symbol, quantity: positiveDecimal, price: fc.option(positiveDecimal, { nil: null }) }), {
    minLength: 1,
    maxLength: 15,
    selector: (h) => h.symbol,
  }),
  cash: fc.option(fc.oneof(positiveDecimal, fc.constant('0')), { nil: null }),
  cashSymbol: fc.constantFrom('CASH' as const, 'USD' as const),
  asOf: fc.option(fc.integer({ min: 0, max: 9000 }).map((d) => new Date(Date.UTC(2000, 0, 1) + d * 86_400_000).toISOString().slice(0, 10)), { nil: null }),
  withPrice: fc.boolean(),
  groupNumbers: fc.boolean(),
  order: fc.shuffledSubarray([0, 1, 2, 3], { minLength: 4, maxLength: 4 }),
  names: fc.record({
    symbol: fc.constantFrom('symbol', 'Symbol', 'ticker', 'TICKER'),
    quantity: fc.constantFrom('quantity', 'Quantity', 'shares', 'units', 'qty', 'QTY'),
    price: fc.constantFrom('price', 'Price'),
    asOf: fc.constantFrom('as_of', 'As Of', 'date', 'as_of_date'),
  }),
  cashFirst: fc.boolean(),
});

function positionsText(c: PositionsCase): string {
  const number = (text: string) => (c.groupNumbers ? `"${grouped(text)}"` : text);
  type Line = { symbol: string; quantity: string; price: string | null };
  const columns: { name: string; cell: (line: Line) => string; present: boolean }[] = [
    { name: c.names.symbol, cell: (line) => line.symbol, present: true },
    { name: c.names.quantity, cell: (line) => number(line.quantity), present: true },
    { name: c.names.price, cell: (line) => (line.price === null ? '' : number(line.price)), present: c.withPrice },
    { name: c.names.asOf, cell: () => c.asOf ?? '', present: c.asOf !== null },
  ];
  const used = c.order.map((i) => columns[i]!).filter((col) => col.present);
  const lines: Line[] = [...c.holdings];
  if (c.cash !== null) {
    const cashLine = { symbol: c.cashSymbol, quantity: c.cash, price: null };
    if (c.cashFirst) lines.unshift(cashLine);
    else lines.push(cashLine);
  }
  return [used.map((col) => col.name).join(','), ...lines.map((line) => used.map((col) => col.cell(line)).join(','))].join('\r\n');
}

const errorsOf = (issues: FileIssue[]) => issues.filter((issue) => issue.severity === 'error');

function assertWellFormed(parsed: PositionsCsv): void {
  expect(DecimalString.safeParse(parsed.cash).success).toBe(true);
  expect(new Big(parsed.cash).gte(0)).toBe(true);
  if (parsed.asOf !== null) expect(isIsoDate(parsed.asOf)).toBe(true);
  const symbols = new Set<string>();
  for (const row of parsed.rows) {
    expect(DecimalString.safeParse(row.quantity).success).toBe(true);
    expect(new Big(row.quantity).gt(0)).toBe(true);
    if (row.price !== null) expect(new Big(row.price).gt(0)).toBe(true);
    expect(symbols.has(row.symbol)).toBe(false);
    symbols.add(row.symbol);
  }
  for (const issue of parsed.issues) expect(issue.line).toBeGreaterThanOrEqual(0);
}

describe('parsePositionsCsv properties', () => {
  it('parses any valid file exactly, whatever the column order, header spelling and grouping', () => {
    fc.assert(
      fc.property(positionsCase, (c) => {
        const parsed = parsePositionsCsv(positionsText(c), 'positions.csv');
        expect(errorsOf(parsed.issues)).toEqual([]);
        expect(parsed.asOf).toBe(c.asOf);
        expect(parsed.cash).toBe(c.cash === null ? '0' : canonical(c.cash));
        expect(parsed.rows.map(({ symbol: s, quantity, price }) => ({ symbol: s, quantity, price }))).toEqual(
          c.holdings.map((h) => ({ symbol: h.symbol, quantity: canonical(h.quantity), price: c.withPrice && h.price !== null ? canonical(h.price) : null })),
        );
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('a garbage quantity is reported at its line', () => {
    const garbage = fc.constantFrom('abc', '0', '-1', '1e6', '', '"1,23"', 'N/A');
    fc.assert(
      fc.property(
        positionsCase.chain((c) => fc.tuple(fc.constant(c), fc.nat(c.holdings.length - 1), garbage)),
        ([c, index, junk]) => {
          const holdings = c.holdings.map((h, i) => (i === index ? { ...h, quantity: junk } : h));
          const parsed = parsePositionsCsv(positionsText({ ...c, holdings, groupNumbers: false }), 'positions.csv');
          assertWellFormed(parsed);
          const line = index + 2 + (c.cash !== null && c.cashFirst ? 1 : 0);
          expect(errorsOf(parsed.issues).map((issue) => [issue.line, issue.field])).toContainEqual([line, c.names.quantity]);
        },
      ),
      { seed: SEED + 1, numRuns: RUNS },
    );
  });

  it('random corruption gives a well-formed result or issues, never an exception', () => {
    fc.assert(
      fc.property(positionsCase, fc.nat(), fc.uint8Array({ maxLength: 6 }), fc.nat(), (c, at, junk, cut) => {
        const bytes = new TextEncoder().encode(positionsText(c));
        const i = at % (bytes.length + 1);
        const corrupted = new Uint8Array([...bytes.slice(0, i), ...junk, ...bytes.slice(i)]).slice(0, Math.max(0, bytes.length + junk.length - (cut % 10)));
        assertWellFormed(parsePositionsCsv(corrupted, 'positions.csv'));
      }),
      { seed: SEED + 2, numRuns: RUNS * 2 },
    );
  });

  it('arbitrary text never throws', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200, unit: 'binary' }), (text) => {
        assertWellFormed(parsePositionsCsv(text, 'x.csv'));
      }),
      { seed: SEED + 3, numRuns: RUNS * 2 },
    );
  });
});
