/**
 * Check-digit validation for security identifiers. A valid check digit proves the code was not mistyped;
 * it does not prove the code belongs to the security it is attached to. Validators are strict about
 * spelling (upper case, no spaces): callers normalise user input before asking.
 */

/** A=10 … Z=35, digits as themselves; the shared alphabet of ISIN, CUSIP and SEDOL. */
function alphanumericValue(char: string): number | null {
  const code = char.charCodeAt(0);
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 90) return code - 55;
  return null;
}

function sumOfDigits(n: number): number {
  return Math.floor(n / 10) + (n % 10);
}

const ISIN_SHAPE = /^[A-Z]{2}[A-Z0-9]{9}\d$/;

/** Check digit for the first 11 characters of an ISIN (ISO 6166: Luhn over the letter-expanded digits). */
export function isinCheckDigit(first11: string): number | null {
  if (!/^[A-Z]{2}[A-Z0-9]{9}$/.test(first11)) return null;
  let digits = '';
  for (const char of first11) digits += String(alphanumericValue(char));
  // Luhn doubles every second digit counting from the right, where the check digit will be appended;
  // so, without it, the rightmost digit is doubled.
  let sum = 0;
  for (let i = digits.length - 1, double = true; i >= 0; i--, double = !double) {
    const d = Number(digits[i]);
    sum += double ? sumOfDigits(d * 2) : d;
  }
  return (10 - (sum % 10)) % 10;
}

export function isValidIsin(isin: string): boolean {
  if (!ISIN_SHAPE.test(isin)) return false;
  return isinCheckDigit(isin.slice(0, 11)) === Number(isin[11]);
}

const CUSIP_BODY = /^[A-Z0-9*@#]{8}$/;

function cusipCharValue(char: string): number | null {
  // Private-placement CUSIPs use *, @ and # after the 26 letters.
  if (char === '*') return 36;
  if (char === '@') return 37;
  if (char === '#') return 38;
  return alphanumericValue(char);
}

/** Check digit for the first 8 characters of a CUSIP ("modulus 10 double-add-double"). */
export function cusipCheckDigit(first8: string): number | null {
  if (!CUSIP_BODY.test(first8)) return null;
  let sum = 0;
  for (let i = 0; i < 8; i++) {
    let value = cusipCharValue(first8[i] ?? '') ?? 0;
    if (i % 2 === 1) value *= 2;
    sum += sumOfDigits(value);
  }
  return (10 - (sum % 10)) % 10;
}

export function isValidCusip(cusip: string): boolean {
  if (cusip.length !== 9 || !/\d$/.test(cusip)) return false;
  return cusipCheckDigit(cusip.slice(0, 8)) === Number(cusip[8]);
}

// SEDOLs never contain vowels, so the body alphabet is digits plus the 21 consonants.
const SEDOL_BODY = /^[0-9BCDFGHJKLMNPQRSTVWXYZ]{6}$/;
const SEDOL_WEIGHTS = [1, 3, 1, 7, 3, 9] as const;

/** Check digit for the first 6 characters of a SEDOL (weights 1,3,1,7,3,9; the check digit weighs 1). */
export function sedolCheckDigit(first6: string): number | null {
  if (!SEDOL_BODY.test(first6)) return null;
  let sum = 0;
  SEDOL_WEIGHTS.forEach((weight, i) => {
    sum += (alphanumericValue(first6[i] ?? '') ?? 0) * weight;
  });
  return (10 - (sum % 10)) % 10;
}

export function isValidSedol(sedol: string): boolean {
  if (sedol.length !== 7 || !/\d$/.test(sedol)) return false;
  return sedolCheckDigit(sedol.slice(0, 6)) === Number(sedol[6]);
}

/** The CUSIP embedded in a US or Canadian ISIN (characters 3–11), when the ISIN is valid. */
export function cusipFromIsin(isin: string): string | null {
  if (!isValidIsin(isin) || !/^(US|CA)/.test(isin)) return null;
  const cusip = isin.slice(2, 11);
  return isValidCusip(cusip) ? cusip : null;
}
