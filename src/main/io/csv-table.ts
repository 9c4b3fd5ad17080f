import { type Options as CsvParseOptions, Parser } from 'csv-parse';
import { parse } from 'csv-parse/sync';
import { createIncrementalDecoder, type PreferredEncoding, type TextEncodingName } from './encoding';
import { IssueCollector } from './report';

/** One CSV record with the 1-based line it starts on (a quoted cell may span lines). */
export interface CsvRecord {
  readonly line: number;
  readonly cells: readonly string[];
}

export interface CsvTable {
  /** The first non-blank record, or null when the file has none. */
  readonly header: CsvRecord | null;
  /** Records after the header; blank lines (and rows of empty cells) are left out. */
  readonly rows: readonly CsvRecord[];
}

/**
 * Bytes → text. Only UTF-8 is read (with or without BOM). Anything else is reported rather than guessed:
 * a Latin-1 "é" decoded as UTF-8 would quietly become a different security name.
 */
export function decodeUtf8(input: Uint8Array | string, issues: IssueCollector): string | null {
  if (typeof input === 'string') return input.replace(/^\uFEFF/, '');
  if ((input[0] === 0xff && input[1] === 0xfe) || (input[0] === 0xfe && input[1] === 0xff)) {
    issues.error(1, '', 'the file is UTF-16 text; save it as "CSV UTF-8" and import it again');
    return null;
  }
  try {
    // TextDecoder drops a leading BOM by default.
    return new TextDecoder('utf-8', { fatal: true }).decode(input);
  } catch {
    const lenient = new TextDecoder('utf-8').decode(input);
    const badAt = lenient.indexOf('\uFFFD');
    const line = badAt < 0 ? 1 : lenient.slice(0, badAt).split(/\r\n|\n|\r/).length;
    issues.error(line, '', 'the file is not UTF-8 text; save it as "CSV UTF-8" and import it again');
    return null;
  }
}

/**
 * Text → records with line numbers, never throwing. csv-parse is told to tolerate stray quotes and
 * ragged rows so that one bad cell becomes one issue at its line instead of losing the rest of the file;
 * what it still cannot read (an unclosed quote) is reported at the line where the record began.
 */
export function readCsvTable(text: string, issues: IssueCollector): CsvTable {
  const records: CsvRecord[] = [];
  let previousEnd = 0;
  try {
    parse(text, {
      relax_quotes: true,
      relax_column_count: true,
      skip_empty_lines: false,
      record_delimiter: ['\r\n', '\n', '\r'],
      skip_records_with_error: true,
      on_record: (record: string[], context) => {
        records.push({ line: previousEnd + 1, cells: record });
        previousEnd = context.lines;
        return null;
      },
      on_skip: (error) => {
        const line = previousEnd + 1;
        if (error) {
          issues.error(line, '', describeCsvError(error.code));
          previousEnd = typeof error.lines === 'number' ? error.lines : previousEnd + 1;
        }
      },
    });
  } catch (error) {
    // Defensive: the options above should make csv-parse report through on_skip instead of throwing.
    const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'UNKNOWN';
    issues.error(previousEnd + 1, '', describeCsvError(code));
  }

  const nonBlank = records.filter((record) => record.cells.some((cell) => cell.trim() !== ''));
  const [header, ...rows] = nonBlank;
  return { header: header ?? null, rows };
}

function describeCsvError(code: string): string {
  switch (code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted cell starting here is never closed (a " is missing)';
    case 'CSV_INVALID_CLOSING_QUOTE':
      return 'a closing quote is followed by other characters';
    default:
      return `the line cannot be read as CSV (${code})`;
  }
}

/** Header name → comparable key: "Adj Close", "adj_close" and "ADJ-CLOSE" all become "adjclose". */
export function normaliseHeaderName(name: string): string {
  return name.trim().toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** Index of the first header cell whose normalised name is one of `aliases`, or -1. */
export function findColumn(header: readonly string[], aliases: readonly string[]): number {
  return header.findIndex((name) => aliases.includes(normaliseHeaderName(name)));
}

/**
 * Tickers as written by exchanges and data vendors: letters, digits and the punctuation vendors use for
 * share classes and venues (BRK.B, BRK/B, RDS-A, ^IRX, ES=F, 7203.T, "VOD LN").
 */
const TICKER_PATTERN = /^[A-Z0-9^][A-Z0-9.\-/^=_ ]{0,31}$/;

export function normaliseTicker(raw: string): string {
  return raw.trim().toUpperCase();
}

export function isValidTicker(ticker: string): boolean {
  return TICKER_PATTERN.test(ticker) && !ticker.endsWith(' ');
}

/** Cell text for messages: trimmed, quoted. */
export function quoted(cell: string): string {
  return `"${cell.trim()}"`;
}

// ——— Streaming: delimiter detection and incremental records ———————————————————————————————————————

export type CsvDelimiter = ',' | ';' | '\t';
export const CSV_DELIMITERS: readonly CsvDelimiter[] = [',', ';', '\t'];

/**
 * Text a streaming reader holds before it commits to a delimiter, a header and the file's number and
 * date conventions. 64 KiB is several hundred rows of a holdings or price file: enough evidence, and
 * small enough that a 200 000-row file is never held whole.
 */
export const CSV_WINDOW_CHARS = 64 * 1024;
/**
 * A record still open after this many bytes is an unclosed quote swallowing the rest of the file
 * (or not CSV at all); reading stops there instead of holding the remainder in memory.
 */
export const MAX_RECORD_BYTES = 8 * 1024 * 1024;
/** No cell of a holdings or price file is longer; longer ones are reported, not read. */
export const MAX_CELL_CHARS = 10_000;

export function delimiterName(delimiter: CsvDelimiter): string {
  return delimiter === ',' ? 'comma' : delimiter === ';' ? 'semicolon' : 'tab';
}

function csvParseOptions(delimiter: CsvDelimiter) {
  return {
    delimiter,
    relax_quotes: true,
    relax_column_count: true,
    skip_empty_lines: false,
    record_delimiter: ['\r\n', '\n', '\r'],
    skip_records_with_error: true,
  };
}

const isBlank = (cells: readonly string[]) => cells.every((cell) => cell.trim() === '');

/** Non-blank records of a sample, for detection only: errors are ignored (the real pass reports them). */
export function sampleRecords(sample: string, delimiter: CsvDelimiter): string[][] {
  const records: string[][] = [];
  try {
    const reader = createCsvRecordStream({ delimiter, issues: new IssueCollector(), onRecord: (record) => records.push([...record.cells]) });
    reader.push(sample);
    reader.end();
  } catch {
    // Detection works with whatever was read before the failure.
  }
  return records;
}

export interface DelimiterChoice {
  delimiter: CsvDelimiter;
  /** profile: the custodian profile named it; file: the sample settled it; default: nothing did (comma). */
  basis: 'profile' | 'file' | 'default';
}

/**
 * Chooses `,`, `;` or tab for a file from its first window of text. Each candidate splits the sample
 * with csv-parse (so delimiters inside quoted cells do not count), and is scored, in order of weight:
 *  1. `headerScore` — how many known column names the best of the first 50 records has under it (the
 *     caller's notion of a header); a preamble line or a decimal comma cannot fake that;
 *  2. how many records have the most common width (at least two cells), trailing empty cells ignored;
 *  3. that width.
 * Ties go to the comma.
 */
export function chooseDelimiter(
  sample: string,
  options: { preferred?: CsvDelimiter | null; headerScore?: (cells: readonly string[]) => number } = {},
): DelimiterChoice {
  if (options.preferred) return { delimiter: options.preferred, basis: 'profile' };
  const lastBreak = Math.max(sample.lastIndexOf('\n'), sample.lastIndexOf('\r'));
  const complete = lastBreak > 0 ? sample.slice(0, lastBreak) : sample;
  const present = CSV_DELIMITERS.filter((delimiter) => complete.includes(delimiter));
  // Only one candidate occurs at all: nothing to weigh.
  if (present.length === 0) return { delimiter: ',', basis: 'default' };
  if (present.length === 1 && present[0] !== undefined) return { delimiter: present[0], basis: 'file' };
  let best: { delimiter: CsvDelimiter; score: [number, number, number] } | null = null;
  for (const delimiter of present) {
    const records = sampleRecords(complete, delimiter).slice(0, 200);
    const headerScore = options.headerScore ? Math.max(0, ...records.slice(0, 50).map((cells) => options.headerScore?.(cells) ?? 0)) : 0;
    const widths = new Map<number, number>();
    for (const cells of records) {
      const width = trimmedWidth(cells);
      if (width >= 2) widths.set(width, (widths.get(width) ?? 0) + 1);
    }
    let modalWidth = 0;
    let modalCount = 0;
    for (const [width, count] of widths) {
      if (count > modalCount || (count === modalCount && width > modalWidth)) {
        modalWidth = width;
        modalCount = count;
      }
    }
    const score: [number, number, number] = [headerScore, modalCount, modalWidth];
    if (best === null || compareScores(score, best.score) > 0) best = { delimiter, score };
  }
  if (best === null || (best.score[0] === 0 && best.score[1] === 0)) return { delimiter: ',', basis: 'default' };
  return { delimiter: best.delimiter, basis: 'file' };
}

function compareScores(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** Cells up to the last non-empty one: exports often end every line with a stray delimiter. */
export function trimmedWidth(cells: readonly string[]): number {
  let width = cells.length;
  while (width > 0 && (cells[width - 1] ?? '').trim() === '') width -= 1;
  return width;
}

export interface CsvRecordStream {
  push(text: string): void;
  end(): void;
  /** True once reading stopped early (a record longer than MAX_RECORD_BYTES, or an unreadable file). */
  readonly stopped: boolean;
}

/** The incremental core of csv-parse: the same state machine its sync API runs, fed chunk by chunk. */
interface IncrementalCsvApi {
  parse(buffer: Buffer | undefined, end: boolean, push: (record: unknown) => void, close: () => void): Error | undefined;
}

function isIncrementalApi(value: unknown): value is IncrementalCsvApi {
  return typeof value === 'object' && value !== null && typeof (value as { parse?: unknown }).parse === 'function';
}

/**
 * Text chunks → records with 1-based start lines, blank records left out; never throws on bad input.
 *
 * Two readers behind one interface (issue 10: csv-parse's per-record bookkeeping was a tenth of an import):
 *  - lines without a double quote — nearly every line of a holdings or price export — are split on the
 *    delimiter directly, which is exactly what csv-parse makes of them with these options (no trimming, no
 *    casting; `\r\n`, `\n` and `\r` end a record);
 *  - from the first line that holds a quote, the rest of the stream goes through csv-parse (`CsvParseRecordStream`),
 *    numbered from that line on, so quoted cells, escaped quotes, line breaks inside cells and every
 *    malformed case read exactly as before. A property test compares the two on random text and chunking.
 * `engine: 'csv-parse'` forces csv-parse from the start (for that comparison).
 */
export function createCsvRecordStream(options: {
  delimiter: CsvDelimiter;
  issues: IssueCollector;
  onRecord: (record: CsvRecord) => void;
  /** UTF-8 bytes a single record may reach; MAX_RECORD_BYTES by default. */
  maxRecordBytes?: number;
  engine?: 'split' | 'csv-parse';
}): CsvRecordStream {
  const maxRecordBytes = options.maxRecordBytes ?? MAX_RECORD_BYTES;
  if (options.engine === 'csv-parse') return new CsvParseRecordStream(options.delimiter, options.issues, options.onRecord, maxRecordBytes, 0);
  return new SplitRecordStream(options.delimiter, options.issues, options.onRecord, maxRecordBytes);
}

/** Quote-free lines split on the delimiter; hands over to csv-parse at the first line with a quote. */
class SplitRecordStream implements CsvRecordStream {
  /** Text after the last complete line (a record still being read). */
  private pending = '';
  /** Line number of the record that starts at `pending`. */
  private line = 1;
  private halted = false;
  private parser: CsvParseRecordStream | null = null;

  constructor(
    private readonly delimiter: CsvDelimiter,
    private readonly issues: IssueCollector,
    private readonly onRecord: (record: CsvRecord) => void,
    private readonly maxRecordBytes: number,
  ) {}

  get stopped(): boolean {
    return this.halted || (this.parser?.stopped ?? false);
  }

  push(text: string): void {
    if (this.parser !== null) {
      this.parser.push(text);
      return;
    }
    if (this.halted || text === '') return;
    const buffer = this.pending === '' ? text : this.pending + text;
    const rest = this.lines(buffer, false);
    if (rest === null) return;
    this.pending = rest;
    // A line this long has no end in sight (the record limit applies to a quote-free line as well).
    if (rest.length * 3 > this.maxRecordBytes && Buffer.byteLength(rest, 'utf8') > this.maxRecordBytes) {
      this.halted = true;
      this.issues.error(this.line, '', tooLongReason(this.maxRecordBytes));
      this.pending = '';
    }
  }

  end(): void {
    if (this.parser !== null) {
      this.parser.end();
      return;
    }
    if (this.halted) return;
    const rest = this.pending;
    this.pending = '';
    if (rest !== '') this.lines(rest, true);
    (this.parser as CsvParseRecordStream | null)?.end();
  }

  /**
   * Emits every complete line of `text` (and, when `final`, the unterminated last one); returns what is left
   * for the next chunk, or null once csv-parse has taken over the stream.
   */
  private lines(text: string, final: boolean): string | null {
    const delimiter = this.delimiter;
    const hasCr = text.includes('\r');
    let start = 0;
    for (;;) {
      let end: number;
      let next: number;
      if (!hasCr) {
        end = text.indexOf('\n', start);
        next = end + 1;
      } else {
        const lf = text.indexOf('\n', start);
        const cr = text.indexOf('\r', start);
        if (cr >= 0 && (lf < 0 || cr < lf)) {
          // "\r" ends a record by itself unless "\n" follows; at the very end of a chunk that is not known yet.
          if (cr === text.length - 1 && !final) {
            end = -1;
            next = -1;
          } else {
            end = cr;
            next = text.charCodeAt(cr + 1) === 10 ? cr + 2 : cr + 1;
          }
        } else {
          end = lf;
          next = lf + 1;
        }
      }
      if (end < 0) {
        if (!final || start >= text.length) return text.slice(start);
        end = text.length;
        next = text.length;
      }
      const record = text.slice(start, end);
      if (record.includes('"')) {
        // From here on csv-parse reads: quoted cells may span lines, and malformed quoting has its own rules.
        this.parser = new CsvParseRecordStream(delimiter, this.issues, this.onRecord, this.maxRecordBytes, this.line - 1);
        this.parser.push(text.slice(start));
        return null;
      }
      const cells = record.split(delimiter);
      if (!isBlank(cells)) this.onRecord({ line: this.line, cells });
      this.line += 1;
      start = next;
      if (start >= text.length) return '';
    }
  }
}

function tooLongReason(maxRecordBytes: number): string {
  return `the record starting here runs past ${Math.round(maxRecordBytes / 1024).toLocaleString('en-US')} KiB (a quote that is never closed, or not a CSV file); the rest of the file was not read`;
}

/**
 * Records through csv-parse. Why csv-parse's `Parser.api` rather than the stream: the Transform stream delivers
 * its last records after `end()` asynchronously, and the parsers here are synchronous (push/end, results at
 * end). The `api` object is the incremental parser the stream and the sync API both drive. Should a future
 * csv-parse drop it, this falls back to collecting the text and parsing it whole at end() — correct, only no
 * longer streaming (a test pins the streaming path).
 */
class CsvParseRecordStream implements CsvRecordStream {
  private previousEnd: number;
  private bytesFed = 0;
  private recordEndBytes = 0;
  private halted = false;
  private readonly api: IncrementalCsvApi | null;
  private readonly fallbackText: string[] = [];
  private callbackError: unknown = null;
  private readonly options: CsvParseOptions<string[], string[]>;

  constructor(
    delimiter: CsvDelimiter,
    private readonly issues: IssueCollector,
    private readonly onRecord: (record: CsvRecord) => void,
    private readonly maxRecordBytes: number,
    /** Lines before the text this reader is given (when it takes over from the line splitter). */
    private readonly linesBefore: number,
  ) {
    this.previousEnd = linesBefore;
    this.options = {
      ...csvParseOptions(delimiter),
      on_record: (record, context) => {
        const line = this.previousEnd + 1;
        this.previousEnd = this.linesBefore + context.lines;
        this.recordEndBytes = context.bytes;
        // csv-parse builds a CsvError, stack trace and all, for every record whose width differs from
        // the FIRST record's, even under relax_column_count; behind a one-cell preamble line that is
        // every row (measured: 1 s per 20 000 rows). Comparing with the previous record instead keeps
        // that to the rows that really change width.
        const state = (this.api as { state?: { expectedRecordLength?: number } } | null)?.state;
        if (state && typeof state === 'object') state.expectedRecordLength = record.length;
        if (!isBlank(record) && this.callbackError === null) {
          try {
            this.onRecord({ line, cells: record });
          } catch (error) {
            this.callbackError = error;
          }
        }
        return null;
      },
      on_skip: (error) => {
        const line = this.previousEnd + 1;
        if (error) {
          // CsvError carries the parser's position (lines, bytes) at the failure.
          const at = error as unknown as { lines?: unknown; bytes?: unknown };
          this.issues.error(line, '', describeCsvError(error.code));
          this.previousEnd = typeof at.lines === 'number' ? this.linesBefore + at.lines : this.previousEnd + 1;
          if (typeof at.bytes === 'number') this.recordEndBytes = at.bytes;
        }
        return undefined;
      },
    };
    let api: unknown = null;
    try {
      api = (new Parser(this.options) as unknown as { api?: unknown }).api;
    } catch {
      api = null;
    }
    this.api = isIncrementalApi(api) ? api : null;
  }

  get stopped(): boolean {
    return this.halted;
  }

  push(text: string): void {
    if (this.halted || text === '') return;
    if (this.api === null) {
      this.fallbackText.push(text);
      return;
    }
    const buffer = Buffer.from(text, 'utf8');
    this.bytesFed += buffer.length;
    this.run(() => this.api?.parse(buffer, false, noop, noop));
    if (!this.halted && this.bytesFed - this.recordEndBytes > this.maxRecordBytes) this.tooLong();
  }

  end(): void {
    if (this.halted) return;
    if (this.api === null) {
      this.run(() => {
        parse(this.fallbackText.join(''), this.options);
        return undefined;
      });
      return;
    }
    this.run(() => this.api?.parse(undefined, true, noop, noop));
  }

  private tooLong(): void {
    this.halted = true;
    this.issues.error(this.previousEnd + 1, '', tooLongReason(this.maxRecordBytes));
  }

  private run(step: () => Error | undefined): void {
    let error: unknown;
    try {
      error = step();
    } catch (thrown) {
      error = thrown;
    }
    if (this.callbackError !== null) {
      const failure = this.callbackError;
      this.callbackError = null;
      throw failure;
    }
    if (error) {
      const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'UNKNOWN';
      this.issues.error(this.previousEnd + 1, '', describeCsvError(code));
      this.halted = true;
    }
  }
}

const noop = () => undefined;

export interface CsvTextStreamOptions {
  issues: IssueCollector;
  /** A profile's delimiter; detected from the first window when absent. */
  preferredDelimiter?: CsvDelimiter | null;
  /** How header-like a record is (known column names), for delimiter detection. */
  headerScore?: (cells: readonly string[]) => number;
  onDelimiter?: (choice: DelimiterChoice) => void;
  onRecord: (record: CsvRecord) => void;
  /**
   * Called once, after every record that ends within the first CSV_WINDOW_CHARS of text (or the whole
   * file, when shorter) was passed to onRecord: the moment to decide the header and conventions from what
   * was buffered, before the rest streams through.
   */
  onWindowEnd: () => void;
  windowChars?: number;
  maxRecordBytes?: number;
}

export interface CsvTextStream {
  push(text: string): void;
  end(): void;
  readonly delimiter: CsvDelimiter | null;
  readonly stopped: boolean;
}

/** Text → records: holds the first window, chooses the delimiter on it, then streams. */
export function createCsvTextStream(options: CsvTextStreamOptions): CsvTextStream {
  const windowChars = options.windowChars ?? CSV_WINDOW_CHARS;
  let held: string[] = [];
  let heldLength = 0;
  let records: CsvRecordStream | null = null;
  let delimiter: CsvDelimiter | null = null;

  const open = (final: boolean) => {
    const sample = held.join('');
    held = [];
    const choice = chooseDelimiter(sample, { preferred: options.preferredDelimiter ?? null, headerScore: options.headerScore });
    delimiter = choice.delimiter;
    options.onDelimiter?.(choice);
    records = createCsvRecordStream({
      delimiter: choice.delimiter,
      issues: options.issues,
      onRecord: options.onRecord,
      maxRecordBytes: options.maxRecordBytes,
    });
    records.push(sample);
    if (final) records.end();
    options.onWindowEnd();
  };

  return {
    push(text: string) {
      if (records !== null) {
        records.push(text);
        return;
      }
      held.push(text);
      heldLength += text.length;
      if (heldLength >= windowChars) open(false);
    },
    end() {
      if (records === null) open(true);
      else records.end();
    },
    get delimiter() {
      return delimiter;
    },
    get stopped() {
      return records?.stopped ?? false;
    },
  };
}

export interface CsvByteStream {
  push(bytes: Uint8Array): void;
  end(): void;
  readonly encoding: TextEncodingName | null;
  readonly delimiter: CsvDelimiter | null;
  readonly bytesRead: number;
  /**
   * Whether any text decoded so far holds U+FFFD (bytes that are not valid in the file's encoding, or the character
   * itself). Set before the records of that text reach onRecord, so a record with one always sees it true: a
   * reader may skip looking for the character in each cell while it is false.
   */
  readonly replacementSeen: boolean;
}

/**
 * Bytes → records. The decoder holds the first ENCODING_SNIFF_BYTES (64 KiB) before it decides the
 * encoding, and the text stream the first CSV_WINDOW_CHARS before it decides the delimiter, so nothing
 * reaches onRecord until about 64 KiB were pushed (or end() was called); chunks of any size may be pushed.
 */
export function createCsvByteStream(options: CsvTextStreamOptions & { preferredEncoding?: PreferredEncoding | null }): CsvByteStream {
  const decoder = createIncrementalDecoder(options.issues, { preferred: options.preferredEncoding ?? null });
  const text = createCsvTextStream(options);
  let replacementSeen = false;
  const forward = (decoded: string) => {
    if (decoded === '') return;
    // One scan of each decoded piece (64 KiB at a time) instead of one per cell of every line.
    if (!replacementSeen && decoded.includes('\uFFFD')) replacementSeen = true;
    text.push(decoded);
  };
  return {
    push(bytes: Uint8Array) {
      if (text.stopped) return;
      forward(decoder.push(bytes));
    },
    end() {
      if (!text.stopped) forward(decoder.end());
      text.end();
    },
    get encoding() {
      return decoder.encoding;
    },
    get delimiter() {
      return text.delimiter;
    },
    get bytesRead() {
      return decoder.bytesRead;
    },
    get replacementSeen() {
      return replacementSeen;
    },
  };
}
