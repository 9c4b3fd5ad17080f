import type { DecimalString } from '../../shared/domain';

/**
 * How a file writes its numbers. Only the US/UK convention ships today; comma-decimal conventions
 * (1.234,56 · 1 234,56 · 1'234.56) are a later issue, which is why the separators are data rather than
 * literals in the reader: a new convention is a new constant plus a way to choose it per file (a
 * setting, or detection over a whole column — one cell like "1,234" is ambiguous on its own).
 */
export interface NumberConvention {
  readonly name: string;
  readonly decimalSeparator: string;
  /** Characters allowed between groups of three integer digits ("1,234,567"). */
  readonly groupSeparators: readonly string[];
}

export const US_NUMBER_CONVENTION: NumberConvention = { name: 'us', decimalSeparator: '.', groupSeparators: [','] };

export type DecimalReading = { ok: true; value: DecimalString } | { ok: false; reason: string };

const DIGITS = /^\d*$/;
const SCIENTIFIC = /^[+-]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+$/;

/**
 * Reads one cell as an exact decimal and says in plain words why not when it cannot. Exponent notation
 * is refused on purpose: spreadsheets write large quantities as "1.23457E+11" after rounding them, so
 * accepting it would silently change a holding.
 */
export function readDecimal(text: string, convention: NumberConvention = US_NUMBER_CONVENTION): DecimalReading {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, reason: 'is empty' };
  // Nearly every cell of an export ("1234.50", "-12"): read it in one scan (issue 10: a tenth of an import
  // went to this function); anything else takes the general path below, with its reasons.
  if (convention.decimalSeparator === '.') {
    const plain = plainPointDecimal(trimmed);
    if (plain !== null) return { ok: true, value: plain };
  }
  if (SCIENTIFIC.test(trimmed)) {
    return {
      ok: false,
      reason: `"${trimmed}" is in scientific notation, which spreadsheets use after rounding; write the full digits`,
    };
  }

  let body = trimmed;
  let negative = false;
  const sign = body[0];
  if (sign === '-' || sign === '+') {
    negative = sign === '-';
    body = body.slice(1);
  }

  const parts = body.split(convention.decimalSeparator);
  if (parts.length > 2) return { ok: false, reason: `"${trimmed}" has more than one decimal separator` };
  const rawInteger = parts[0] ?? '';
  const fraction = parts[1] ?? '';

  const integer = stripGrouping(rawInteger, convention);
  if (integer === null) {
    const onlyDigitsAndSeparators = /\d/.test(rawInteger) && [...rawInteger].every((c) => /\d/.test(c) || convention.groupSeparators.includes(c));
    return onlyDigitsAndSeparators
      ? { ok: false, reason: `"${trimmed}" has misplaced thousands separators` }
      : { ok: false, reason: `"${trimmed}" is not a number` };
  }
  if (!DIGITS.test(fraction)) return { ok: false, reason: `"${trimmed}" is not a number` };
  if (integer === '' && fraction === '') return { ok: false, reason: `"${trimmed}" is not a number` };

  return { ok: true, value: canonicalDecimal(negative, integer, fraction) };
}

/** Canonical `DecimalString` for a plain number such as "1,234.50" → "1234.5", or null when it is not one. */
export function parseDecimal(text: string, convention: NumberConvention = US_NUMBER_CONVENTION): DecimalString | null {
  const reading = readDecimal(text, convention);
  return reading.ok ? reading.value : null;
}

/** Integer digits with grouping removed, or null when the grouping is irregular ("1,23,456" or mixed separators). */
function stripGrouping(integer: string, convention: NumberConvention): string | null {
  if (DIGITS.test(integer)) return integer;
  for (const separator of convention.groupSeparators) {
    const groups = integer.split(separator);
    const [head, ...rest] = groups;
    if (head === undefined || rest.length === 0) continue;
    // "0,123" is not a grouped 123: a leading group never starts with zero (and 0.123 stays a fraction).
    if (!/^[1-9]\d{0,2}$/.test(head)) continue;
    if (rest.every((group) => /^\d{3}$/.test(group))) return groups.join('');
  }
  return null;
}

/**
 * A plain point-decimal number as machine-written files have it — /^([+-]?)(\d+)(?:\.(\d*))?$/: sign, digits,
 * optional point and digits — as its canonical DecimalString; null for anything else. A scan instead of that
 * match: three amounts per line, and the match arrays and their substrings were a tenth of what an import
 * allocated. A cell that is canonical already ("1234.5", "-12") is returned as it is.
 */
export function plainPointDecimal(text: string): DecimalString | null {
  const n = text.length;
  const first = text.charCodeAt(0);
  // 45 is "-", 43 "+", 46 ".", 48 "0".
  const signed = first === 45 || first === 43;
  let i = signed ? 1 : 0;
  const integerStart = i;
  while (i < n && isDigit(text.charCodeAt(i))) i++;
  const integerEnd = i;
  if (integerEnd === integerStart) return null;
  let fractionEnd = -1;
  if (i < n) {
    if (text.charCodeAt(i) !== 46) return null;
    i++;
    while (i < n && isDigit(text.charCodeAt(i))) i++;
    if (i < n) return null;
    fractionEnd = i;
  }
  const negative = first === 45;
  const fractionStart = integerEnd + 1;
  const canonical =
    first !== 43 &&
    (text.charCodeAt(integerStart) !== 48 || integerEnd - integerStart === 1) &&
    (fractionEnd < 0 ? !(negative && text.charCodeAt(integerStart) === 48) : fractionEnd > fractionStart && text.charCodeAt(fractionEnd - 1) !== 48);
  if (canonical) return text;
  return canonicalDecimal(negative, text.slice(integerStart, integerEnd), fractionEnd < 0 ? '' : text.slice(fractionStart, fractionEnd));
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function canonicalDecimal(negative: boolean, integer: string, fraction: string): DecimalString {
  const wholeDigits = integer.charCodeAt(0) === 48 ? integer.replace(/^0+/, '') || '0' : integer || '0';
  const fractionDigits = fraction.charCodeAt(fraction.length - 1) === 48 ? fraction.replace(/0+$/, '') : fraction;
  const magnitude = fractionDigits === '' ? wholeDigits : `${wholeDigits}.${fractionDigits}`;
  // "-0" and "-0.000" are zero; the contract's DecimalString has a single spelling for it.
  return negative && magnitude !== '0' ? `-${magnitude}` : magnitude;
}

/** Sign of a canonical decimal without arithmetic: -1, 0 or 1. */
export function decimalSign(value: DecimalString): -1 | 0 | 1 {
  if (value === '0') return 0;
  return value.startsWith('-') ? -1 : 1;
}

/** 2^53: integers below it are exact in a double, and so is every product or sum whose exact value is. */
const EXACT = 9007199254740992;
const CANONICAL = /^-?\d+(?:\.\d+)?$/;
const POWERS_OF_TEN = Array.from({ length: 16 }, (_, i) => 10 ** i);

/**
 * `quantity × price × 10^-shift` within the market-value tolerance — |q·p·10^-shift − v| ≤ max(|v| × 0.005, 1)
 * — decided exactly with integers in doubles, without big.js (issue 10: big.js was a sixth of a positions
 * preview). Returns true or false when every intermediate integer stays below 2^53 (then the answer is exactly
 * big.js's), and undefined otherwise — the caller then computes with big.js. Arguments are canonical
 * DecimalStrings ("-12.5", "0.25", "100").
 */
export function productWithinTolerance(quantity: DecimalString, price: DecimalString, shift: number, marketValue: DecimalString): boolean | undefined {
  if (!scaledInteger(quantity, 0) || !scaledInteger(price, 1) || !scaledInteger(marketValue, 2)) return undefined;
  const qDigits = scaledDigits[0]!;
  const pDigits = scaledDigits[1]!;
  const vDigits = scaledDigits[2]!;
  const qExponent = scaledExponents[0]!;
  const pExponent = scaledExponents[1]!;
  const vExponent = scaledExponents[2]!;
  // q = Q·10^-a, p = P·10^-b, v = V·10^-c; everything times 10^d, d = max(a + b + shift, c) + 3:
  //   |Q·P·10^(d-a-b-shift) − V·10^(d-c)| ≤ max(5·|V|·10^(d-c-3), 10^d)
  const e = qExponent + pExponent + shift;
  const d = Math.max(e, vExponent) + 3;
  if (d > 15) return undefined;
  const qp = qDigits * pDigits;
  if (Math.abs(qp) >= EXACT) return undefined;
  const product = qp * POWERS_OF_TEN[d - e]!;
  const value = vDigits * POWERS_OF_TEN[d - vExponent]!;
  const relative = 5 * Math.abs(vDigits) * POWERS_OF_TEN[d - vExponent - 3]!;
  if (Math.abs(product) >= EXACT || Math.abs(value) >= EXACT || relative >= EXACT) return undefined;
  const gap = Math.abs(product - value);
  if (gap >= EXACT) return undefined;
  return gap <= Math.max(relative, POWERS_OF_TEN[d]!);
}

/**
 * scaledInteger's results, by slot: no object per call (three per holding line).
 * The slots are read right after the calls that fill them; nothing in between can run another.
 */
const scaledDigits = new Float64Array(3);
const scaledExponents = new Int32Array(3);

/**
 * A canonical decimal as an integer and its count of fraction digits, into `slot` of scaledDigits and
 * scaledExponents; false beyond 15 digits, where doubles stop being exact. The digits are summed one by one:
 * below 10^15 every partial sum is exact, so the integer is the one Number() makes of the digit string.
 */
function scaledInteger(value: DecimalString, slot: number): boolean {
  if (!CANONICAL.test(value)) return false;
  const point = value.indexOf('.');
  const negative = value.charCodeAt(0) === 45;
  const digitCount = value.length - (point < 0 ? 0 : 1) - (negative ? 1 : 0);
  if (digitCount > 15) return false;
  let digits = 0;
  for (let i = negative ? 1 : 0; i < value.length; i++) {
    if (i !== point) digits = digits * 10 + (value.charCodeAt(i) - 48);
  }
  scaledDigits[slot] = negative ? -digits : digits;
  scaledExponents[slot] = point < 0 ? 0 : value.length - point - 1;
  return true;
}
