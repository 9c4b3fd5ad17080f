import type { FileIssue } from '../../shared/errors';
import {
  type CsvRecord,
  decodeUtf8,
  findColumn,
  isValidTicker,
  normaliseTicker,
  quoted,
  readCsvTable,
} from './csv-table';
import { readIsoDate } from './dates';
import { readDecimal } from './decimal';
import { IssueCollector } from './report';

export type PricesCsvFormat = 'prices-wide' | 'prices-long';

export interface PriceRow {
  /** 1-based line of the record in the file (header = line 1). */
  line: number;
  date: string;
  ticker: string;
  close: number;
  adjClose: number;
  volume: number | null;
}

export interface PricesCsv {
  /** 'prices-wide' also when the header could not be read at all; issues then carry the errors. */
  format: PricesCsvFormat;
  /** Valid observations in file order; rows with any error are left out. */
  rows: PriceRow[];
  /** Tickers with at least one observation: header order (wide) or order of first appearance (long). */
  tickers: string[];
  /** First and last date among `rows`, null when there are none. */
  dateRange: { from: string; to: string } | null;
  issues: FileIssue[];
}

// Aliases are compared after normaliseHeaderName (lower case, letters and digits only). Any of them in the
// header means the long layout, so a wide file cannot have a ticker column literally named e.g. CLOSE or LAST.
const DATE_ALIASES = ['date', 'tradedate', 'pricedate', 'asof', 'asofdate'];
const TICKER_ALIASES = ['ticker', 'symbol'];
const CLOSE_ALIASES = ['close', 'closeprice', 'price', 'last'];
const ADJ_CLOSE_ALIASES = ['adjclose', 'adjustedclose', 'adjclosingprice', 'adjustedcloseprice', 'adjprice'];
const VOLUME_ALIASES = ['volume', 'vol'];

/**
 * Reads a price-history CSV in either layout:
 *  - wide: `Date,<TICKER>,<TICKER>…`, each cell an adjusted close; an empty cell means no observation
 *    (a fund that had not started trading yet), so close = adjClose and volume is unknown;
 *  - long: one observation per row with date, ticker/symbol, close and optionally adjusted close and
 *    volume.
 * Never throws on bad data: every problem is an issue with line, field and reason.
 */
export function parsePricesCsv(bytes: Uint8Array | string, fileName: string): PricesCsv {
  const issues = new IssueCollector();
  const empty = (format: PricesCsvFormat): PricesCsv => ({ format, rows: [], tickers: [], dateRange: null, issues: issues.toArray() });

  const text = decodeUtf8(bytes, issues);
  if (text === null) return empty('prices-wide');
  const table = readCsvTable(text, issues);
  if (table.header === null) {
    issues.error(1, '', 'the file is empty');
    return empty('prices-wide');
  }

  const layout = detectLayout(table.header, fileName, issues);
  if (layout === null) return empty('prices-wide');
  if (table.rows.length === 0) {
    issues.error(table.header.line + 1, '', 'the file has a header but no prices');
    return empty(layout.format);
  }

  const rows = layout.format === 'prices-wide' ? readWideRows(layout, table.rows, issues) : readLongRows(layout, table.rows, issues);
  return { format: layout.format, rows, tickers: tickersOf(layout, rows), dateRange: dateRangeOf(rows), issues: issues.toArray() };
}

interface WideLayout {
  format: 'prices-wide';
  headerCells: readonly string[];
  dateColumn: number;
  /** Column index → ticker, for every price column. */
  tickerColumns: Map<number, string>;
}

interface LongLayout {
  format: 'prices-long';
  headerCells: readonly string[];
  dateColumn: number;
  tickerColumn: number;
  closeColumn: number | null;
  adjCloseColumn: number | null;
  volumeColumn: number | null;
}

type Layout = WideLayout | LongLayout;

function detectLayout(header: CsvRecord, fileName: string, issues: IssueCollector): Layout | null {
  const cells = header.cells.map((cell) => cell.trim());
  const line = header.line;

  if (cells.length === 1 && /[;\t|]/.test(cells[0] ?? '')) {
    issues.error(line, '', 'the columns are not separated by commas; save the file as comma-separated CSV', cells[0]);
    return null;
  }

  let dateColumn = findColumn(cells, DATE_ALIASES);
  // pandas writes an unnamed date index as an empty first header cell (",SPY,AGG").
  if (dateColumn < 0 && cells[0] === '' && cells.length > 1) {
    dateColumn = 0;
    issues.warning(line, '', 'the first column has no name; it is read as the date column');
  }
  if (dateColumn < 0) {
    issues.error(line, cells[0] ?? '', 'no date column: the header needs a column named Date');
    return null;
  }

  const tickerColumn = findColumn(cells, TICKER_ALIASES);
  const closeColumn = findColumn(cells, CLOSE_ALIASES);
  const adjCloseColumn = findColumn(cells, ADJ_CLOSE_ALIASES);
  const volumeColumn = findColumn(cells, VOLUME_ALIASES);
  const isLong = tickerColumn >= 0 || closeColumn >= 0 || adjCloseColumn >= 0;

  if (!isLong) return wideLayout(cells, dateColumn, line, issues);

  const layout: LongLayout = {
    format: 'prices-long',
    headerCells: cells,
    dateColumn,
    tickerColumn,
    closeColumn: closeColumn >= 0 ? closeColumn : null,
    adjCloseColumn: adjCloseColumn >= 0 ? adjCloseColumn : null,
    volumeColumn: volumeColumn >= 0 ? volumeColumn : null,
  };
  let ok = true;
  if (layout.closeColumn === null && layout.adjCloseColumn === null) {
    issues.error(line, 'close', 'no close column: the header needs a column named close or adj_close');
    ok = false;
  }
  if (tickerColumn < 0) {
    // A single-series download (Yahoo's Date,Open,…,Close,Adj Close,Volume) names its ticker only in the
    // file name. Guessing from "prices.csv" would create a security called PRICES, so ask instead.
    const guess = tickerFromFileName(fileName);
    const hint = guess === null ? '' : ` (for example ticker,${guess} if every row is ${guess})`;
    issues.error(line, 'ticker', `no ticker column: add a column named ticker or symbol${hint}`);
    ok = false;
  }
  const used = new Set([dateColumn, tickerColumn, closeColumn, adjCloseColumn, volumeColumn]);
  cells.forEach((name, index) => {
    if (!used.has(index) && name !== '') issues.warning(line, name, 'column is not used');
  });
  return ok ? layout : null;
}

function wideLayout(cells: readonly string[], dateColumn: number, line: number, issues: IssueCollector): WideLayout | null {
  const tickerColumns = new Map<number, string>();
  const seen = new Map<string, number>();
  let ok = true;
  cells.forEach((name, index) => {
    if (index === dateColumn) return;
    const ticker = normaliseTicker(name);
    if (ticker === '') {
      issues.error(line, `column ${index + 1}`, 'column has no ticker in the header');
      ok = false;
    } else if (!isValidTicker(ticker)) {
      issues.error(line, name, `${quoted(name)} is not a ticker (letters, digits and . - / ^ = _ only)`, name);
      ok = false;
    } else if (seen.has(ticker)) {
      issues.error(line, name, `ticker ${ticker} appears in columns ${(seen.get(ticker) ?? 0) + 1} and ${index + 1}`);
      ok = false;
    } else {
      seen.set(ticker, index);
      tickerColumns.set(index, ticker);
    }
  });
  if (tickerColumns.size === 0 && ok) {
    issues.error(line, '', 'no price columns: after Date the header needs one column per ticker');
    ok = false;
  }
  return ok ? { format: 'prices-wide', headerCells: cells, dateColumn, tickerColumns } : null;
}

function tickerFromFileName(fileName: string): string | null {
  const base = fileName.split(/[\\/]/).pop() ?? '';
  const stem = normaliseTicker(base.replace(/\.(csv|txt)$/i, ''));
  return isValidTicker(stem) ? stem : null;
}

/** Field name for messages: the header's own spelling of the column. */
function fieldName(layout: Layout, column: number): string {
  return layout.headerCells[column] || `column ${column + 1}`;
}

function hasRightWidth(record: CsvRecord, layout: Layout, issues: IssueCollector): boolean {
  if (record.cells.length === layout.headerCells.length) return true;
  issues.error(
    record.line,
    '',
    `the row has ${record.cells.length} cells but the header has ${layout.headerCells.length}`,
    record.cells.join(','),
  );
  return false;
}

function readDateCell(record: CsvRecord, layout: Layout, issues: IssueCollector): string | null {
  const cell = record.cells[layout.dateColumn] ?? '';
  const reading = readIsoDate(cell);
  if (reading.ok) return reading.value;
  issues.error(record.line, fieldName(layout, layout.dateColumn), reading.reason, cell);
  return null;
}

const SCIENTIFIC_PRICE = /^[+-]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+$/;

/**
 * Prices are float64 observations, so unlike quantities they may be written in exponent form (Python
 * writes 1.2e-05); the number itself is the exact double the text denotes.
 */
function readPrice(cell: string): { ok: true; value: number } | { ok: false; reason: string } {
  const trimmed = cell.trim();
  if (trimmed === '') return { ok: false, reason: 'price is empty' };
  let value: number;
  if (SCIENTIFIC_PRICE.test(trimmed)) {
    value = Number(trimmed);
  } else {
    const reading = readDecimal(trimmed);
    if (!reading.ok) return reading;
    value = Number(reading.value);
  }
  if (!Number.isFinite(value)) return { ok: false, reason: `${quoted(cell)} is too large` };
  if (value <= 0) return { ok: false, reason: `${quoted(cell)} is not a positive price` };
  return { ok: true, value };
}

function readWideRows(layout: WideLayout, records: readonly CsvRecord[], issues: IssueCollector): PriceRow[] {
  const rows: PriceRow[] = [];
  const dateLines = new Map<string, number>();
  for (const record of records) {
    if (!hasRightWidth(record, layout, issues)) continue;
    const date = readDateCell(record, layout, issues);
    if (date !== null) {
      const earlier = dateLines.get(date);
      if (earlier !== undefined) {
        issues.error(record.line, fieldName(layout, layout.dateColumn), `date ${date} already appears on line ${earlier}`, date);
        continue;
      }
      dateLines.set(date, record.line);
    }
    const observations: PriceRow[] = [];
    let rowOk = date !== null;
    for (const [column, ticker] of layout.tickerColumns) {
      const cell = record.cells[column] ?? '';
      if (cell.trim() === '') continue;
      const price = readPrice(cell);
      if (!price.ok) {
        issues.error(record.line, fieldName(layout, column), price.reason, cell);
        rowOk = false;
        continue;
      }
      if (date !== null) observations.push({ line: record.line, date, ticker, close: price.value, adjClose: price.value, volume: null });
    }
    if (rowOk) rows.push(...observations);
  }
  const priced = new Set(rows.map((row) => row.ticker));
  for (const [column, ticker] of layout.tickerColumns) {
    if (!priced.has(ticker)) issues.warning(1, fieldName(layout, column), `no prices for ${ticker}`);
  }
  return rows;
}

function readLongRows(layout: LongLayout, records: readonly CsvRecord[], issues: IssueCollector): PriceRow[] {
  const rows: PriceRow[] = [];
  const seen = new Map<string, number>();
  for (const record of records) {
    if (!hasRightWidth(record, layout, issues)) continue;
    let rowOk = true;
    const date = readDateCell(record, layout, issues);
    if (date === null) rowOk = false;

    const tickerCell = record.cells[layout.tickerColumn] ?? '';
    const ticker = normaliseTicker(tickerCell);
    if (ticker === '') {
      issues.error(record.line, fieldName(layout, layout.tickerColumn), 'ticker is empty');
      rowOk = false;
    } else if (!isValidTicker(ticker)) {
      issues.error(record.line, fieldName(layout, layout.tickerColumn), `${quoted(tickerCell)} is not a ticker`, tickerCell);
      rowOk = false;
    }

    const close = layout.closeColumn === null ? null : readPriceCell(record, layout, layout.closeColumn, issues);
    // An empty adjusted close is an error rather than "same as close": mixing adjusted and unadjusted
    // closes in one series puts fake dividend-day jumps into the returns the risk model is fitted on.
    const adjClose = layout.adjCloseColumn === null ? null : readPriceCell(record, layout, layout.adjCloseColumn, issues);
    if ((layout.closeColumn !== null && close === null) || (layout.adjCloseColumn !== null && adjClose === null)) rowOk = false;

    let volume: number | null = null;
    if (layout.volumeColumn !== null) {
      const cell = record.cells[layout.volumeColumn] ?? '';
      if (cell.trim() !== '') {
        const reading = readDecimal(cell);
        const value = reading.ok ? Number(reading.value) : Number.NaN;
        if (!reading.ok || !Number.isFinite(value) || value < 0) {
          issues.error(record.line, fieldName(layout, layout.volumeColumn), reading.ok ? `${quoted(cell)} is a negative volume` : reading.reason, cell);
          rowOk = false;
        } else {
          volume = value;
        }
      }
    }

    if (rowOk && date !== null) {
      const key = `${date}|${ticker}`;
      const earlier = seen.get(key);
      if (earlier !== undefined) {
        issues.error(record.line, fieldName(layout, layout.dateColumn), `${ticker} on ${date} already appears on line ${earlier}`, date);
        continue;
      }
      seen.set(key, record.line);
      const closeValue = close ?? adjClose;
      const adjValue = adjClose ?? close;
      if (closeValue !== null && adjValue !== null) {
        rows.push({ line: record.line, date, ticker, close: closeValue, adjClose: adjValue, volume });
      }
    }
  }
  return rows;
}

function readPriceCell(record: CsvRecord, layout: LongLayout, column: number, issues: IssueCollector): number | null {
  const cell = record.cells[column] ?? '';
  const price = readPrice(cell);
  if (price.ok) return price.value;
  issues.error(record.line, fieldName(layout, column), price.reason, cell);
  return null;
}

function tickersOf(layout: Layout, rows: readonly PriceRow[]): string[] {
  const present = new Set(rows.map((row) => row.ticker));
  if (layout.format === 'prices-wide') return [...layout.tickerColumns.values()].filter((ticker) => present.has(ticker));
  return [...present];
}

function dateRangeOf(rows: readonly PriceRow[]): { from: string; to: string } | null {
  let from: string | null = null;
  let to: string | null = null;
  for (const { date } of rows) {
    if (from === null || date < from) from = date;
    if (to === null || date > to) to = date;
  }
  return from === null || to === null ? null : { from, to };
}

/** Header names the long layout recognises, for documentation and error messages in the app. */
export const PRICE_COLUMN_ALIASES = {
  date: DATE_ALIASES,
  ticker: TICKER_ALIASES,
  close: CLOSE_ALIASES,
  adjClose: ADJ_CLOSE_ALIASES,
  volume: VOLUME_ALIASES,
} as const;
