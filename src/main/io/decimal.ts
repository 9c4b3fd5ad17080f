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
