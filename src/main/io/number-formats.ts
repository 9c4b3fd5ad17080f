import type { DecimalString } from '../../shared/domain';
import { type NumberConvention, readDecimal } from './decimal';

/**
 * How custodian and price files write numbers, and how a file's convention is decided.
 *
 * A cell is "decorated" text around a plain number: currency symbols or ISO codes before or after it
 * ($, €, £, "USD 12.50", "12,50 EUR"), a sign (leading -, +, −, a trailing minus as mainframe reports
 * write it, or parentheses as accountants write negatives), a % for bond prices, and placeholders for
 * "no value" (--, n/a). The plain number is then read with one convention for the whole file: "." or
 * "," as the decimal separator, with ",", ".", spaces or apostrophes between groups of three digits.
 */

export type NumberConventionName = 'us' | 'eu';

const SPACE_GROUPS = [' ', '\u00a0', '\u202f', "'", '\u2019'];

/** 1,234.56 · 1 234.56 · 1'234.56 */
export const US_FILE_CONVENTION: NumberConvention = { name: 'us', decimalSeparator: '.', groupSeparators: [',', ...SPACE_GROUPS] };
/** 1.234,56 · 1 234,56 */
export const EU_FILE_CONVENTION: NumberConvention = { name: 'eu', decimalSeparator: ',', groupSeparators: ['.', ...SPACE_GROUPS] };

export function conventionNamed(name: NumberConventionName): NumberConvention {
  return name === 'eu' ? EU_FILE_CONVENTION : US_FILE_CONVENTION;
}

/** Spelled out for messages and the import preview. */
export function describeConvention(name: NumberConventionName): string {
  return name === 'eu' ? 'European (1.234,56)' : 'US (1,234.56)';
}

/** Placeholders custodians write for "no value". Compared in lower case after trimming. */
const EMPTY_MARKERS = new Set(['', '-', '--', '---', '\u2013', '\u2014', 'n/a', 'na', 'n.a.', 'n.a']);

const SYMBOL_CURRENCIES: readonly [string, string | null][] = [
  ['US$', 'USD'],
  ['C$', 'CAD'],
  ['CA$', 'CAD'],
  ['A$', 'AUD'],
  ['AU$', 'AUD'],
  ['NZ$', 'NZD'],
  ['HK$', 'HKD'],
  ['S$', 'SGD'],
  ['€', 'EUR'],
  ['£', 'GBP'],
  // "$" and "¥" name several currencies; the cell alone does not say which.
  ['$', null],
  ['¥', null],
  ['₹', 'INR'],
  ['₣', 'CHF'],
];

/** ISO 4217 codes seen on holdings files; a wider list would start eating words such as "ALL" or "TOP". */
const CURRENCY_CODES = new Set([
  'USD', 'EUR', 'GBP', 'CHF', 'JPY', 'CAD', 'AUD', 'NZD', 'SEK', 'NOK', 'DKK', 'HKD', 'SGD', 'CNY', 'CNH', 'INR', 'BRL', 'MXN',
  'ZAR', 'PLN', 'CZK', 'HUF', 'TRY', 'KRW', 'TWD', 'ILS', 'THB', 'IDR', 'MYR', 'PHP', 'SAR', 'AED', 'GBX', 'GBp',
]);

/** True for the placeholders custodians write instead of a value (--, n/a, -). */
export function isEmptyMarker(cell: string): boolean {
  const text = unwrapSpreadsheetText(cell);
  // The longest marker has 4 characters, and lower-casing never shortens text by half.
  if (text.length > 8) return false;
  if (text === '') return true;
  // Every other marker starts with a dash or an n, and "N" is the only character that lower-cases to "n": a cell
  // of digits, a code or a word ends here, without a lower-cased copy of it (several per line of a file).
  const first = text.charCodeAt(0);
  if (first !== 45 && first !== 0x2013 && first !== 0x2014 && first !== 110 && first !== 78) return false;
  return EMPTY_MARKERS.has(text.toLowerCase());
}

/** One of the ISO 4217 codes seen on holdings files (upper case as written). */
export function isKnownCurrencyCode(text: string): boolean {
  return CURRENCY_CODES.has(text);
}

export interface AmountParts {
  /** The digits and separators left once decorations are removed. */
  body: string;
  negative: boolean;
  percent: boolean;
  /** ISO code when the cell names one (EUR for €, USD for "USD" or US$); null for a bare $ or none. */
  currency: string | null;
}

export type AmountCell = { kind: 'empty' } | { kind: 'parts'; parts: AmountParts } | { kind: 'invalid'; reason: string };

/** Excel's ="00123" guard (written so a spreadsheet keeps leading zeros) is only a wrapper. */
export function unwrapSpreadsheetText(cell: string): string {
  const trimmed = cell.trim();
  // Nearly every cell: no wrapper to look for.
  if (trimmed.charCodeAt(0) !== 61 /* = */) return trimmed;
  const match = /^="(.*)"$/s.exec(trimmed);
  return match ? (match[1] ?? '') : trimmed;
}

/** Splits a cell into its plain number and its decorations, without reading the number yet. */
export function splitAmountCell(cell: string): AmountCell {
  let text = unwrapSpreadsheetText(cell).trim();
  if (EMPTY_MARKERS.has(text.toLowerCase())) return { kind: 'empty' };

  let minusSigns = 0;
  let percent = false;
  let currency: string | null = null;
  let currencySeen = false;
  let parentheses = false;

  // Decorations nest in any order ("($1,234.56)", "-€ 5", "(5.00) USD", "USD -5"), so peel until stable.
  for (let round = 0; round < 8; round++) {
    const before = text;
    if (!parentheses && text.startsWith('(') && text.endsWith(')') && text.length >= 3) {
      parentheses = true;
      minusSigns += 1;
      text = text.slice(1, -1).trim();
    }
    if (!percent && text.endsWith('%')) {
      percent = true;
      text = text.slice(0, -1).trim();
    }
    const sign = /^[-+\u2212]/.exec(text);
    if (sign) {
      if (sign[0] !== '+') minusSigns += 1;
      text = text.slice(1).trim();
    }
    if (/\d-$/.test(text)) {
      minusSigns += 1;
      text = text.slice(0, -1).trim();
    }
    const prefix = /^[\d.,]/.test(text) ? null : currencyAt(text, 'start');
    if (prefix && !currencySeen) {
      currencySeen = true;
      currency = prefix.code;
      text = text.slice(prefix.length).trim();
    }
    const suffix = /\d$/.test(text) ? null : currencyAt(text, 'end');
    if (suffix && !currencySeen) {
      currencySeen = true;
      currency = suffix.code;
      text = text.slice(0, text.length - suffix.length).trim();
    }
    if (text === before) break;
  }

  const shown = cell.trim();
  if (minusSigns > 1) return { kind: 'invalid', reason: `"${shown}" has more than one minus sign` };
  if (!/\d/.test(text) || !/^[\d.,'\u00a0\u202f\u2019 ]+$/.test(text)) return { kind: 'invalid', reason: `"${shown}" is not a number` };
  return { kind: 'parts', parts: { body: text, negative: minusSigns === 1, percent, currency } };
}

function currencyAt(text: string, where: 'start' | 'end'): { code: string | null; length: number } | null {
  for (const [symbol, code] of SYMBOL_CURRENCIES) {
    if (where === 'start' ? text.startsWith(symbol) : text.endsWith(symbol)) return { code, length: symbol.length };
  }
  const match = where === 'start' ? /^([A-Za-z]{3})(?=[\s\d(+\-\u2212.,$€£])/.exec(text) : /(?<=[\s\d)])([A-Za-z]{3})$/.exec(text);
  const code = match?.[1];
  if (code !== undefined && CURRENCY_CODES.has(code)) return { code: code === 'GBp' || code === 'GBX' ? 'GBX' : code, length: code.length };
  return null;
}

const PLAIN_POINT = /^-?\d+(?:\.\d+)?$/;
const PLAIN_COMMA = /^-?\d+(?:,\d+)?$/;

export type AmountReading =
  | { kind: 'empty' }
  | { kind: 'ok'; value: DecimalString; percent: boolean; currency: string | null }
  | { kind: 'invalid'; reason: string };

/**
 * One cell read with the file's convention. When the number only reads in the other convention the
 * reason says so, because then the cell (or the chosen convention) is what the PM must look at.
 */
export function readAmount(cell: string, convention: NumberConvention): AmountReading {
  // Machine-written files are mostly plain numbers; they skip the decoration peeling.
  if ((convention.decimalSeparator === '.' ? PLAIN_POINT : PLAIN_COMMA).test(cell)) {
    const plain = readDecimal(cell, convention);
    if (plain.ok) return { kind: 'ok', value: plain.value, percent: false, currency: null };
  }
  const split = splitAmountCell(cell);
  if (split.kind !== 'parts') return split;
  const { body, negative, percent, currency } = split.parts;
  const reading = readDecimal(body, convention);
  if (!reading.ok) {
    const other = convention.name === 'eu' ? US_FILE_CONVENTION : EU_FILE_CONVENTION;
    if (readDecimal(body, other).ok) {
      const shown = cell.trim();
      return {
        kind: 'invalid',
        reason: `"${shown}" is written in the ${describeConvention(other.name as NumberConventionName)} style, but this file's numbers are ${describeConvention(convention.name as NumberConventionName)}`,
      };
    }
    return { kind: 'invalid', reason: reading.reason.replace(`"${body}"`, `"${cell.trim()}"`) };
  }
  const value = negative && reading.value !== '0' ? `-${reading.value.replace(/^-/, '')}` : reading.value;
  return { kind: 'ok', value, percent, currency };
}

/**
 * What one cell says about the file's convention:
 *  - us / eu: it reads in only that convention. "strong" when it carries two separators (1,234.56;
 *    1.234.567) and so cannot be a typo; "weak" for a single separator that is not followed by exactly
 *    three digits (12.5, 0,75);
 *  - ambiguous: it reads in both with different values (1,234 and 1.234 — a thousand or one point two);
 *  - neutral: same value either way (100, 1 234); invalid: neither.
 */
export type CellEvidence = 'us-strong' | 'us-weak' | 'eu-strong' | 'eu-weak' | 'ambiguous' | 'neutral' | 'invalid';

export function numberEvidence(cell: string): CellEvidence {
  const trimmed = cell.trim();
  if (/^-?\d*$/.test(trimmed)) return 'neutral';
  const plain = /^-?(\d+)([.,])(\d+)$/.exec(trimmed);
  if (plain) {
    const [, integer = '', separator, fraction = ''] = plain;
    const grouping = fraction.length === 3 && /^[1-9]\d{0,2}$/.test(integer);
    if (grouping) return 'ambiguous';
    return separator === '.' ? 'us-weak' : 'eu-weak';
  }
  const split = splitAmountCell(cell);
  if (split.kind === 'empty') return 'neutral';
  if (split.kind === 'invalid') return 'invalid';
  const body = split.parts.body;
  const us = readDecimal(body, US_FILE_CONVENTION);
  const eu = readDecimal(body, EU_FILE_CONVENTION);
  if (us.ok && eu.ok) return us.value === eu.value ? 'neutral' : 'ambiguous';
  if (!us.ok && !eu.ok) return 'invalid';
  const separators = (body.match(/[.,]/g) ?? []).length + (/[\u00a0\u202f'\u2019 ]/.test(body) ? 1 : 0);
  const strength = separators >= 2 ? 'strong' : 'weak';
  return us.ok ? `us-${strength}` : `eu-${strength}`;
}

export interface ConventionChoice {
  name: NumberConventionName;
  /** profile: set by the custodian profile; file: the file's numbers settle it; consistency: quantity ×
   *  price = market value holds in only one reading; assumed: nothing settled it. */
  basis: 'profile' | 'file' | 'consistency' | 'assumed';
}

/**
 * Tallies the numeric cells a reader has seen before it commits to a convention (the first 64 KiB of
 * the file: see csv-table.ts) and then decides:
 *  1. the profile's convention, when it has one;
 *  2. else the side with more cells that read only its way. In a comma-delimited file a decimal comma
 *     needs strong evidence (1.234,56): a quoted "12,34" there is likelier a typo than a convention,
 *     since spreadsheets in decimal-comma locales write ";" between cells;
 *  3. else the tie-breaker (custodian files: which reading makes quantity × price = market value);
 *  4. else assumed: European for ";"-delimited files, US otherwise. Under an assumed convention every
 *     ambiguous cell (1,234) is reported rather than guessed — see NumberReader.
 */
export class ConventionVotes {
  private us = 0;
  private euStrong = 0;
  private euWeak = 0;
  private ambiguous = 0;

  add(cell: string): void {
    const evidence = numberEvidence(cell);
    if (evidence === 'us-strong' || evidence === 'us-weak') this.us += 1;
    else if (evidence === 'eu-strong') this.euStrong += 1;
    else if (evidence === 'eu-weak') this.euWeak += 1;
    else if (evidence === 'ambiguous') this.ambiguous += 1;
  }

  get ambiguousCells(): number {
    return this.ambiguous;
  }

  decide(options: { delimiter: string; preferred?: NumberConventionName | null; tieBreaker?: () => NumberConventionName | null }): ConventionChoice {
    if (options.preferred) return { name: options.preferred, basis: 'profile' };
    const eu = options.delimiter === ',' ? this.euStrong : this.euStrong + this.euWeak;
    if (this.us > eu) return { name: 'us', basis: 'file' };
    if (eu > this.us) return { name: 'eu', basis: 'file' };
    if (this.ambiguous > 0 && options.tieBreaker) {
      const settled = options.tieBreaker();
      if (settled !== null) return { name: settled, basis: 'consistency' };
    }
    return { name: options.delimiter === ';' ? 'eu' : 'us', basis: 'assumed' };
  }
}

/**
 * Reads a file's numeric cells with its chosen convention. Under an assumed convention an ambiguous cell
 * is an error (1,234 could be a thousand times off), until a cell that reads only the assumed way turns
 * the assumption into evidence.
 */
export class NumberReader {
  readonly convention: NumberConvention;
  private basis: ConventionChoice['basis'];

  constructor(choice: ConventionChoice) {
    this.convention = conventionNamed(choice.name);
    this.basis = choice.basis;
  }

  get name(): NumberConventionName {
    return this.convention.name as NumberConventionName;
  }

  get settledBy(): ConventionChoice['basis'] {
    return this.basis;
  }

  read(cell: string): AmountReading {
    if (this.basis === 'assumed') {
      const evidence = numberEvidence(cell);
      if (evidence === 'ambiguous') {
        const other = this.name === 'eu' ? 'us' : 'eu';
        const here = readAmount(cell, this.convention);
        const there = readAmount(cell, conventionNamed(other));
        const a = here.kind === 'ok' ? here.value : '?';
        const b = there.kind === 'ok' ? there.value : '?';
        return {
          kind: 'invalid',
          reason: `"${cell.trim()}" could be ${a} or ${b}: nothing in the file shows whether "," or "." is its decimal separator; set the number convention in the custodian profile`,
        };
      }
      if (evidence.startsWith(this.name)) this.basis = 'file';
    }
    return readAmount(cell, this.convention);
  }
}

/**
 * The value `reader.read(text)` gives as a number (Number of its decimal), for the cells that need no reading at
 * all — digits with at most one point, once the file's convention is settled as point-decimal — and undefined for
 * every other cell, which then goes through `read` (issue 10: price files are nearly all such cells).
 */
export function plainNumber(reader: NumberReader, text: string): number | undefined {
  if (reader.convention.decimalSeparator !== '.' || reader.settledBy === 'assumed') return undefined;
  // One pass over the characters checks the form (ASCII digits, at most one point with digits on both sides) and
  // reads the value: all the digits as one integer N, and k digits after the point, so the cell is N / 10^k. While
  // N < 2⁵³ and k ≤ 22 both are exact doubles, and IEEE division rounds their exact quotient correctly: the double
  // Number(text) gives (Clinger 1990's fast path). Past those limits Number reads it. A price file's cells are
  // well inside them, and a regex test plus Number for each of 600,000 cells were a tenth of a 200,000-row
  // prices preview.
  const length = text.length;
  let digits = 0;
  let point = -1;
  let whole = 0;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      whole = whole * 10 + (c - 48);
      digits++;
    } else if (c === 46 && point < 0 && digits > 0) point = i;
    else return undefined;
  }
  if (digits === 0 || point === length - 1) return undefined;
  const decimals = point < 0 ? 0 : length - 1 - point;
  if (whole <= Number.MAX_SAFE_INTEGER && decimals <= 22) return decimals === 0 ? whole : whole / POWERS_OF_TEN[decimals]!;
  return Number(text);
}

/** 10⁰ … 10²², every one an exact double. */
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));
