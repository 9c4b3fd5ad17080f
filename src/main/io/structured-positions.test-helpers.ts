import type { FileIssue } from '../../shared/errors';
import type { HoldingLine, HoldingsFile } from './holdings';

/**
 * Shared by the tests of the structured position parsers (OFX, IBKR Flex, MT535, semt.002); not used by
 * product code.
 */

export const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

/** A holding with the fields most fixtures leave empty defaulted, so expectations stay readable. */
export function holding(fields: Partial<HoldingLine> & Pick<HoldingLine, 'line' | 'quantity'>): HoldingLine {
  return {
    identifiers: {},
    description: null,
    securityType: null,
    quantityType: 'UNIT',
    price: null,
    priceType: null,
    currency: null,
    marketValue: null,
    costBasis: null,
    ...fields,
  };
}

export const errorsOf = (file: HoldingsFile): FileIssue[] => file.issues.filter((issue) => issue.severity === 'error');
export const warningsOf = (file: HoldingsFile): FileIssue[] => file.issues.filter((issue) => issue.severity === 'warning');

/** Single-byte Windows-1252 bytes for text whose characters are all below U+0100 (enough for "é", "ü"). */
export function latin1Bytes(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0xff) throw new Error(`latin1Bytes: ${text[i]} is not Latin-1`);
    bytes[i] = code;
  }
  return bytes;
}

export function utf16leBytes(text: string, withBom: boolean): Uint8Array {
  const body = withBom ? `\uFEFF${text}` : text;
  const bytes = new Uint8Array(body.length * 2);
  for (let i = 0; i < body.length; i++) {
    const code = body.charCodeAt(i);
    bytes[2 * i] = code & 0xff;
    bytes[2 * i + 1] = code >> 8;
  }
  return bytes;
}
