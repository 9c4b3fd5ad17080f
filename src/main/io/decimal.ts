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
/** A plain point-decimal number as machine-written files have it: sign, digits, optional point and digits. */
const PLAIN_POINT_DECIMAL = /^([+-]?)(\d+)(?:\.(\d*))?$/;
const SCIENTIFIC = /^[+-]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+$/;

/**
 * Reads one cell as an exact decimal and says in plain words why not when it cannot. Exponent notation
 * is refused on purpose: spreadsheets write large quantities as "1.23457E+11" after rounding them, so
 * accepting it would silently change a holding.
 */
export function readDecimal(text: string, convention: NumberConvention = US_NUMBER_CONVENTION): DecimalReading {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, reason: 'is empty' };
  // Nearly every cell of an export ("1234.50", "-12"): read it in one match (issue 10: a tenth of an import
  // went to this function); anything else takes the general path below, with its reasons.
  if (convention.decimalSeparator === '.') {
    const plain = PLAIN_POINT_DECIMAL.exec(trimmed);
    if (plain) return { ok: true, value: canonicalDecimal(plain[1] === '-', plain[2]!, plain[3] ?? '') };
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
  const q = scaledInteger(quantity);
  const p = scaledInteger(price);
  const v = scaledInteger(marketValue);
  if (q === undefined || p === undefined || v === undefined) return undefined;
  // q = Q·10^-a, p = P·10^-b, v = V·10^-c; everything times 10^d, d = max(a + b + shift, c) + 3:
  //   |Q·P·10^(d-a-b-shift) − V·10^(d-c)| ≤ max(5·|V|·10^(d-c-3), 10^d)
  const e = q.exponent + p.exponent + shift;
  const d = Math.max(e, v.exponent) + 3;
  if (d > 15) return undefined;
  const qp = q.digits * p.digits;
  if (Math.abs(qp) >= EXACT) return undefined;
  const product = qp * POWERS_OF_TEN[d - e]!;
  const value = v.digits * POWERS_OF_TEN[d - v.exponent]!;
  const relative = 5 * Math.abs(v.digits) * POWERS_OF_TEN[d - v.exponent - 3]!;
  if (Math.abs(product) >= EXACT || Math.abs(value) >= EXACT || relative >= EXACT) return undefined;
  const gap = Math.abs(product - value);
  if (gap >= EXACT) return undefined;
  return gap <= Math.max(relative, POWERS_OF_TEN[d]!);
}

/** A canonical decimal as an integer and its count of fraction digits (undefined beyond 15 digits, where doubles stop being exact). */
function scaledInteger(value: DecimalString): { digits: number; exponent: number } | undefined {
  if (!CANONICAL.test(value)) return undefined;
  const point = value.indexOf('.');
  const digitCount = value.length - (point < 0 ? 0 : 1) - (value.charCodeAt(0) === 45 ? 1 : 0);
  if (digitCount > 15) return undefined;
  if (point < 0) {
    const digits = Number(value);
    return Number.isSafeInteger(digits) ? { digits, exponent: 0 } : undefined;
  }
  const digits = Number(value.slice(0, point) + value.slice(point + 1));
  return Number.isSafeInteger(digits) ? { digits, exponent: value.length - point - 1 } : undefined;
}
