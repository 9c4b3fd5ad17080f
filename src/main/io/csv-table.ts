import { parse } from 'csv-parse/sync';
import type { IssueCollector } from './report';

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
