import type { PositionFileFormat } from './holdings';
import { isIbkrActivityCsv } from './ibkr-csv';
import { asciiHead, byteOrderMark } from './xml';

export interface DetectedPositionFormat {
  format: PositionFileFormat;
  /** Why, in words the Import screen can show ("OFX 1.x header OFXHEADER:100"). */
  reason: string;
}

/** Enough of the file to see its header, root element and namespaces without decoding all of it. */
const SNIFF_BYTES = 64 * 1024;

/**
 * Recognises the structured position formats by their own markers; anything else is a CSV (which has
 * its own delimiter and header detection). Looks only at the first 64 KB and never throws.
 */
export function detectPositionFormat(input: Uint8Array | string): DetectedPositionFormat {
  const head = sniffText(input);
  const body = head.replace(/^\uFEFF/, '').trimStart();

  if (/^OFXHEADER\s*:/i.test(body)) {
    const version = /VERSION\s*:\s*(\d+)/i.exec(body)?.[1];
    return { format: 'ofx', reason: `OFX 1.x header (OFXHEADER:100${version ? `, version ${version}` : ''})` };
  }
  if (/<\?OFX\b/i.test(body)) return { format: 'ofx', reason: 'OFX 2.x XML declaration <?OFX …?>' };
  if (/<FlexQueryResponse\b/.test(body)) return { format: 'ibkr-flex', reason: 'Interactive Brokers Flex Query (<FlexQueryResponse>)' };

  if (/^\{1:/.test(body)) {
    const type = /\{2:[IO](\d{3})/.exec(body)?.[1];
    if (type === '535') return { format: 'mt535', reason: 'SWIFT FIN message MT535 (statement of holdings)' };
    if (type === undefined && /^:16R:GENL\s*$/m.test(body)) return { format: 'mt535', reason: 'SWIFT FIN message with an MT535-style :16R:GENL sequence' };
  }
  if (/^:16R:GENL\s*$/m.test(body) && /^:(97A::SAFE|93B::AGGR|35B:|28E:)/m.test(body)) {
    return { format: 'mt535', reason: 'SWIFT MT535 text block (:16R:GENL with :97A::SAFE / :93B::AGGR)' };
  }

  if (/^</.test(body)) {
    if (/semt\.002\.001/.test(body) || /<([A-Za-z0-9_-]+:)?SctiesBalCtdyRpt(V\d+)?\b/.test(body)) {
      return { format: 'semt002', reason: 'ISO 20022 semt.002 statement of holdings (SctiesBalCtdyRpt)' };
    }
    if (/<OFX>/i.test(body)) return { format: 'ofx', reason: 'OFX body (<OFX>) without a header' };
  }
  if (/^<OFX>/i.test(body)) return { format: 'ofx', reason: 'OFX body (<OFX>) without a header' };
  if (isIbkrActivityCsv(body)) return { format: 'ibkr-csv', reason: 'Interactive Brokers activity statement (CSV: "Statement,Header,Field Name,Field Value")' };
  return { format: 'csv', reason: 'no OFX, Flex, SWIFT or ISO 20022 markers: read as CSV' };
}

function sniffText(input: Uint8Array | string): string {
  if (typeof input === 'string') return input.slice(0, SNIFF_BYTES);
  const bytes = input.subarray(0, SNIFF_BYTES);
  let utf16 = byteOrderMark(bytes);
  if (utf16 === 'utf-8') utf16 = null;
  // UTF-16 without a BOM: ASCII markup shows as a zero byte beside every character.
  if (utf16 === null && bytes.length >= 4) {
    if (bytes[0] === 0x3c && bytes[1] === 0x00) utf16 = 'utf-16le';
    else if (bytes[0] === 0x00 && bytes[1] === 0x3c) utf16 = 'utf-16be';
  }
  if (utf16 !== null) {
    try {
      return new TextDecoder(utf16).decode(bytes);
    } catch {
      return '';
    }
  }
  // Latin-1 keeps every ASCII marker where it is whatever the real single-byte or UTF-8 encoding.
  return asciiHead(bytes, bytes.length);
}

/**
 * A file that is not text at all — a spreadsheet workbook, a PDF, an archive, an image — named by what
 * it looks like, so the PM is told to export CSV instead of being shown a column editor full of bytes.
 * Null for text (UTF-16 included: its NUL bytes alternate with characters).
 */
export function binaryFileKind(input: Uint8Array): string | null {
  const b = input.subarray(0, 4096);
  const starts = (...bytes: number[]) => bytes.every((value, i) => b[i] === value);
  if (starts(0x25, 0x50, 0x44, 0x46)) return 'a PDF document';
  if (starts(0x50, 0x4b, 0x03, 0x04)) return 'a ZIP archive (an Excel .xlsx workbook is one)';
  if (starts(0xd0, 0xcf, 0x11, 0xe0)) return 'an Excel 97–2003 (.xls) workbook';
  if (starts(0x1f, 0x8b)) return 'a gzip-compressed file';
  if (starts(0x89, 0x50, 0x4e, 0x47) || starts(0xff, 0xd8, 0xff) || starts(0x47, 0x49, 0x46, 0x38)) return 'an image';
  if (b.length === 0) return null;
  if (starts(0xff, 0xfe) || starts(0xfe, 0xff)) return null;
  let nulEven = 0;
  let nulOdd = 0;
  let control = 0;
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if (c === 0) {
      if (i % 2 === 0) nulEven++;
      else nulOdd++;
    } else if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0c && c !== 0x1a) control++;
  }
  const half = b.length / 2;
  const utf16 = (nulOdd > half * 0.6 && nulEven < half * 0.05) || (nulEven > half * 0.6 && nulOdd < half * 0.05);
  if (!utf16 && (nulEven + nulOdd > 0 || control > b.length * 0.05)) return 'a binary file, not text';
  return null;
}
