import type { FileIssue } from '../../shared/errors';
import { isAscii } from 'node:buffer';
import { IssueCollector } from './report';

/**
 * Bytes → text for files PMs receive: UTF-8 (with or without BOM), UTF-16 (Excel's "Unicode text",
 * with a BOM or recognised by its NUL bytes) and Windows-1252 (what Excel on Windows writes for "CSV").
 * Node's TextDecoder (full ICU, also in Electron) does the decoding; this module decides which one —
 * except for Windows-1252 bytes 0x80–0x9F (€, ‘ ’, “ ”, –, —, Š, Ž …), which Node since 20.18.3/22.13
 * decodes as ISO-8859-1 control characters (nodejs/node#56542, #60888); those are mapped here from the
 * WHATWG table, which stays correct once Node is fixed.
 *
 * Rules, in order, on the first ENCODING_SNIFF_BYTES (or the whole file when shorter):
 *  1. ZIP (.xlsx), OLE2 (.xls) and PDF signatures: refused with an issue — they are not text.
 *  2. A byte-order mark: EF BB BF → utf-8-bom, FF FE → utf-16le, FE FF → utf-16be. A BOM is the file's
 *     own statement and beats a profile.
 *  3. UTF-16 without a BOM: in the first 4 KiB, at least 30 % of the byte pairs have a NUL in one
 *     position and under 5 % in the other (ASCII text in UTF-16 is every other byte NUL).
 *  4. The profile's encoding, when it names one.
 *  5. UTF-8 when the bytes from the first non-ASCII byte on are valid UTF-8 (a strict decoder accepts
 *     them), or when valid multi-byte sequences appear beside invalid bytes (a damaged UTF-8 file, not a
 *     Windows-1252 one: those lines are then reported). Else Windows-1252.
 *     While every byte so far is ASCII the choice waits — both encodings agree on ASCII — and is made at
 *     the first non-ASCII byte, however far into the file it is, from the bytes that follow it.
 */
export type TextEncodingName = 'utf-8' | 'utf-8-bom' | 'utf-16le' | 'utf-16be' | 'windows-1252';
/** Encodings a custodian profile can pin. */
export type PreferredEncoding = 'utf-8' | 'utf-16le' | 'windows-1252';

/** Bytes held back before the first decision: the incremental reader decides on this much, or the whole file. */
export const ENCODING_SNIFF_BYTES = 64 * 1024;
/** Bytes looked at after the first non-ASCII byte before UTF-8 and Windows-1252 are told apart. */
const NON_ASCII_LOOKAHEAD = 64;
const UTF16_SNIFF_BYTES = 4096;

export interface DecodedText {
  text: string;
  encoding: TextEncodingName;
  issues: FileIssue[];
}

/** Whole-file decoding; never throws. Issues carry 1-based lines of the decoded text. */
export function decodeText(bytes: Uint8Array, options: { preferred?: PreferredEncoding | null } = {}): DecodedText {
  const issues = new IssueCollector();
  const decoder = createIncrementalDecoder(issues, options);
  const text = decoder.push(bytes) + decoder.end();
  return { text, encoding: decoder.encoding ?? 'utf-8', issues: issues.toArray() };
}

export interface IncrementalDecoder {
  /** Text decoded so far from this chunk (empty while the first ENCODING_SNIFF_BYTES are collected). */
  push(bytes: Uint8Array): string;
  /** The rest of the text; call once after the last push. */
  end(): string;
  /** Null until the first decision; an all-ASCII file reports utf-8. */
  readonly encoding: TextEncodingName | null;
  readonly bytesRead: number;
}

type Mode = 'sniffing' | 'ascii' | 'utf-8' | 'windows-1252' | 'utf-16le' | 'utf-16be' | 'refused';

const SIGNATURES: readonly { bytes: readonly number[]; what: string }[] = [
  { bytes: [0x50, 0x4b, 0x03, 0x04], what: 'a ZIP archive (an Excel .xlsx workbook?)' },
  { bytes: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], what: 'an Excel .xls workbook' },
  { bytes: [0x25, 0x50, 0x44, 0x46, 0x2d], what: 'a PDF document' },
];

/** Incremental decoding for files read in chunks; see the module comment for the rules. Never throws. */
export function createIncrementalDecoder(issues: IssueCollector, options: { preferred?: PreferredEncoding | null } = {}): IncrementalDecoder {
  return new Decoder(issues, options.preferred ?? null);
}

class Decoder implements IncrementalDecoder {
  private mode: Mode = 'sniffing';
  private sniffed: Uint8Array[] = [];
  private sniffedLength = 0;
  /** Bytes carried to the next push: an incomplete UTF-8 sequence, or the lookahead after a first non-ASCII byte. */
  private carry: Uint8Array = new Uint8Array(0);
  private utf16: TextDecoder | null = null;
  private utf16Length = 0;
  private chosen: TextEncodingName | null = null;
  private readonly lines = new LineCounter();
  private reportedInvalid = false;
  private reportedNul = false;
  private read = 0;

  constructor(
    private readonly issues: IssueCollector,
    private readonly preferred: PreferredEncoding | null,
  ) {}

  get encoding(): TextEncodingName | null {
    if (this.mode === 'ascii') return 'utf-8';
    return this.chosen;
  }

  get bytesRead(): number {
    return this.read;
  }

  push(bytes: Uint8Array): string {
    this.read += bytes.length;
    try {
      if (this.mode === 'sniffing') {
        this.sniffed.push(bytes);
        this.sniffedLength += bytes.length;
        if (this.sniffedLength < ENCODING_SNIFF_BYTES) return '';
        return this.startWith(concat(this.sniffed), false);
      }
      return this.decode(bytes, false);
    } catch (error) {
      return this.fail(error);
    }
  }

  end(): string {
    try {
      if (this.mode === 'sniffing') return this.startWith(concat(this.sniffed), true);
      return this.decode(new Uint8Array(0), true);
    } catch (error) {
      return this.fail(error);
    }
  }

  /** Defensive: TextDecoder without `fatal` does not throw, but a decoder must never take the import down. */
  private fail(error: unknown): string {
    this.issues.error(this.lines.current, '', `the file could not be decoded as text (${error instanceof Error ? error.message : String(error)})`);
    this.mode = 'refused';
    return '';
  }

  private startWith(all: Uint8Array, final: boolean): string {
    this.sniffed = [];
    for (const signature of SIGNATURES) {
      if (signature.bytes.every((byte, i) => all[i] === byte)) {
        this.issues.error(1, '', `this is ${signature.what}, not CSV text; save it as CSV and import it again`);
        this.mode = 'refused';
        this.chosen = 'utf-8';
        return '';
      }
    }
    if (all[0] === 0xef && all[1] === 0xbb && all[2] === 0xbf) return this.choose('utf-8', 'utf-8-bom', all.subarray(3), final);
    if (all[0] === 0xff && all[1] === 0xfe) return this.choose('utf-16le', 'utf-16le', all, final);
    if (all[0] === 0xfe && all[1] === 0xff) return this.choose('utf-16be', 'utf-16be', all, final);
    const utf16 = utf16ByNuls(all);
    if (utf16 !== null) return this.choose(utf16, utf16, all, final);
    if (this.preferred !== null) return this.choose(this.preferred, this.preferred, all, final);
    return this.choose('ascii', null, all, final);
  }

  private choose(mode: Exclude<Mode, 'sniffing' | 'refused'>, encoding: TextEncodingName | null, bytes: Uint8Array, final: boolean): string {
    this.mode = mode;
    this.chosen = encoding;
    if (mode === 'utf-16le' || mode === 'utf-16be') this.utf16 = new TextDecoder(mode);
    return this.decode(bytes, final);
  }

  private decode(chunk: Uint8Array, final: boolean): string {
    const bytes = this.carry.length === 0 ? chunk : concat([this.carry, chunk]);
    this.carry = new Uint8Array(0);
    let text: string;
    switch (this.mode) {
      case 'refused':
      case 'sniffing':
        return '';
      case 'ascii':
        return this.decodeAscii(bytes, final);
      case 'utf-8':
        text = this.decodeUtf8(bytes, final);
        break;
      case 'windows-1252':
        text = decodeWindows1252(bytes);
        break;
      case 'utf-16le':
      case 'utf-16be':
        text = this.decodeUtf16(bytes, final);
        break;
    }
    return this.emit(text);
  }

  private decodeAscii(bytes: Uint8Array, final: boolean): string {
    // isAscii is one native pass; findIndex with a callback per byte was a visible part of a large import.
    const firstHigh = isAscii(bytes) ? -1 : bytes.findIndex((byte) => byte >= 0x80);
    if (firstHigh < 0) return this.emit(new TextDecoder('utf-8').decode(bytes));
    if (!final && bytes.length - firstHigh < NON_ASCII_LOOKAHEAD) {
      this.carry = bytes.slice(firstHigh);
      return this.emit(new TextDecoder('utf-8').decode(bytes.subarray(0, firstHigh)));
    }
    const encoding = utf8OrWindows1252(bytes.subarray(firstHigh), final);
    this.mode = encoding;
    this.chosen = encoding;
    // The ASCII before the first high byte reads the same in both, so the whole buffer goes through the choice.
    return this.decode(bytes, final);
  }

  private decodeUtf8(bytes: Uint8Array, final: boolean): string {
    const complete = final ? bytes.length : incompleteUtf8TailStart(bytes);
    this.carry = bytes.slice(complete);
    const body = bytes.subarray(0, complete);
    try {
      return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body);
    } catch {
      const lenient = new TextDecoder('utf-8', { ignoreBOM: true }).decode(body);
      if (!this.reportedInvalid) {
        this.reportedInvalid = true;
        const at = this.lines.lineAt(lenient, lenient.indexOf('\uFFFD'));
        this.issues.error(
          at,
          '',
          final && complete === bytes.length && incompleteUtf8TailStart(bytes) < bytes.length
            ? 'the file ends in the middle of a character (it was cut short?)'
            : 'this line has bytes that are not valid UTF-8 although the rest of the file is UTF-8 (a damaged file, or text pasted from another encoding); they show as �',
        );
      }
      return lenient;
    }
  }

  private decodeUtf16(bytes: Uint8Array, final: boolean): string {
    this.utf16Length += bytes.length;
    const decoder = this.utf16 ?? new TextDecoder(this.mode === 'utf-16be' ? 'utf-16be' : 'utf-16le');
    const text = decoder.decode(bytes, { stream: !final });
    if (final && this.utf16Length % 2 === 1) {
      this.issues.error(this.lines.lineAt(text, text.length), '', 'the UTF-16 file ends with half a character (it was cut short?)');
    } else if (!this.reportedInvalid && text.includes('\uFFFD')) {
      this.reportedInvalid = true;
      this.issues.error(this.lines.lineAt(text, text.indexOf('\uFFFD')), '', 'this line has a broken UTF-16 character; it shows as �');
    }
    return text;
  }

  private emit(text: string): string {
    if (!this.reportedNul) {
      const nul = text.indexOf('\u0000');
      if (nul >= 0) {
        this.reportedNul = true;
        this.issues.error(this.lines.lineAt(text, nul), '', 'this line has NUL bytes, which text files do not contain (a damaged file, or not a CSV file)');
      }
    }
    this.lines.advance(text);
    return text;
  }
}

/** WHATWG index-windows-1252 for 0x80–0x9F; the other bytes are their own code points. */
const WINDOWS_1252_C1 = [
  0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008d, 0x017d, 0x008f,
  0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178,
];

export function decodeWindows1252(bytes: Uint8Array): string {
  return new TextDecoder('windows-1252').decode(bytes).replace(/[\u0080-\u009f]/g, (char) => String.fromCharCode(WINDOWS_1252_C1[char.charCodeAt(0) - 0x80] ?? char.charCodeAt(0)));
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1 && chunks[0]) return chunks[0];
  const length = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

function utf16ByNuls(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | null {
  const pairs = Math.floor(Math.min(bytes.length, UTF16_SNIFF_BYTES) / 2);
  if (pairs < 2) return null;
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i < pairs; i++) {
    if (bytes[2 * i] === 0) evenNul += 1;
    if (bytes[2 * i + 1] === 0) oddNul += 1;
  }
  if (oddNul >= 0.3 * pairs && evenNul < 0.05 * pairs) return 'utf-16le';
  if (evenNul >= 0.3 * pairs && oddNul < 0.05 * pairs) return 'utf-16be';
  return null;
}

/** Start of a trailing UTF-8 sequence that the next chunk completes, or bytes.length when there is none. */
function incompleteUtf8TailStart(bytes: Uint8Array): number {
  const length = bytes.length;
  for (let k = length - 1; k >= Math.max(0, length - 4); k--) {
    const byte = bytes[k] ?? 0;
    if ((byte & 0xc0) === 0x80) continue;
    if (byte >= 0xc0) {
      const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
      if (length - k < needed) return k;
    }
    return length;
  }
  return length;
}

function utf8OrWindows1252(fromFirstHigh: Uint8Array, final: boolean): 'utf-8' | 'windows-1252' {
  const window = fromFirstHigh.subarray(0, Math.min(fromFirstHigh.length, ENCODING_SNIFF_BYTES));
  const complete = final && window.length === fromFirstHigh.length ? window : window.subarray(0, incompleteUtf8TailStart(window));
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(complete);
    return complete.length === 0 ? 'windows-1252' : 'utf-8';
  } catch {
    const lenient = new TextDecoder('utf-8').decode(complete);
    // A valid multi-byte sequence beside the invalid bytes means UTF-8 that was damaged.
    return /[^\p{ASCII}\uFFFD]/u.test(lenient) ? 'utf-8' : 'windows-1252';
  }
}

/** 1-based line numbers of decoded text as it streams past, counting CRLF, LF and lone CR once each. */
export class LineCounter {
  private line = 1;
  private afterCr = false;

  get current(): number {
    return this.line;
  }

  /** Line of position `index` in `text`, where text from `from` on continues what advance() has seen. */
  lineAt(text: string, index: number, from = 0): number {
    let line = this.line;
    let afterCr = this.afterCr;
    const end = Math.max(from, Math.min(index, text.length));
    const cr = text.indexOf('\r', from);
    if (cr < 0 || cr >= end) {
      // No CR in the range (the usual file): count LFs with native searches instead of a loop per character.
      if (afterCr && end > from && text.charCodeAt(from) === 10) line -= 1;
      for (let i = text.indexOf('\n', from); i >= 0 && i < end; i = text.indexOf('\n', i + 1)) line += 1;
      return line;
    }
    for (let i = from; i < end; i++) {
      const char = text.charCodeAt(i);
      if (char === 10) {
        if (!afterCr) line += 1;
        afterCr = false;
      } else if (char === 13) {
        line += 1;
        afterCr = true;
      } else {
        afterCr = false;
      }
    }
    return line;
  }

  /** Counts text[from, to) as read. */
  advance(text: string, from = 0, to = text.length): void {
    if (to <= from) return;
    this.line = this.lineAt(text, to, from);
    this.afterCr = text.charCodeAt(to - 1) === 13;
  }
}
