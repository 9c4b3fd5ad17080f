import type { FileIssue } from '../../shared/errors';
import {
  type CsvDelimiter,
  type CsvRecord,
  createCsvByteStream,
  createCsvTextStream,
  delimiterName,
  findColumn,
  isValidTicker,
  MAX_CELL_CHARS,
  normaliseHeaderName,
  normaliseTicker,
  quoted,
} from './csv-table';
import { CallerFailure, callBack } from './caller-failure';
import { chooseDateFormat, type DateFormat, type DateFormatChoice, readDateAs } from './date-formats';
import type { PreferredEncoding } from './encoding';
import { ConventionVotes, describeConvention, type NumberConventionName, NumberReader, plainNumber } from './number-formats';
import { IssueCollector, MAX_LISTED_ERRORS } from './report';

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
  /** Valid observations in file order; rows with any error are left out. Empty when a reader's onRows took them. */
  rows: PriceRow[];
  /** Tickers with at least one observation: header order (wide) or order of first appearance (long). */
  tickers: string[];
  /** First and last date among the valid observations, null when there are none. */
  dateRange: { from: string; to: string } | null;
  issues: FileIssue[];
  /** What detection found: encoding, delimiter, date format, number convention. */
  detected: Record<string, string>;
  /** Valid observations read (also when onRows took them). */
  observations: number;
}

/** Overrides for what is otherwise detected per file. */
export interface PricesCsvOptions {
  dateFormat?: DateFormat | null;
  numberConvention?: NumberConventionName | null;
  delimiter?: CsvDelimiter | null;
  encoding?: PreferredEncoding | null;
}

export interface PricesCsvReaderOptions extends PricesCsvOptions {
  fileName: string;
  /** Receives valid observations in file order, in batches; end() then returns rows: []. */
  onRows?: (batch: PriceRow[]) => void;
  batchSize?: number;
  /**
   * For a caller that keeps the rows it was given (onRows) where it can look for repeats itself — an import
   * stages them in SQLite: a long file's ticker-and-date keys are then not held in memory (issue 10: they
   * grew with the file). Called once at end(), after the last batch; returns the repeated rows in file order
   * with the line of the first occurrence (up to `limit`), and how many there are in all. Those rows were
   * passed to onRows; they are reported as errors like any repeat and not counted as observations.
   */
  findDuplicates?: (limit: number) => { rows: { line: number; ticker: string; date: string; firstLine: number }[]; count: number };
}

export interface PricesCsvReader {
  /** Bytes of the file in chunks of any size (see createCsvByteStream: the first 64 KiB are held). */
  push(chunk: Uint8Array): void;
  /** Already-decoded text instead of bytes (not both in one reader). */
  pushText(text: string): void;
  end(): PricesCsv;
  readonly rowsRead: number;
}

// Aliases are compared after normaliseHeaderName (lower case, letters and digits only). Any of them in the
// header means the long layout, so a wide file cannot have a ticker column literally named e.g. CLOSE or LAST.
const DATE_ALIASES = ['date', 'tradedate', 'pricedate', 'asof', 'asofdate', 'datum'];
const TICKER_ALIASES = ['ticker', 'symbol'];
// "Close/Last" is how Nasdaq.com's historical-quote downloads name the close.
const CLOSE_ALIASES = ['close', 'closeprice', 'price', 'last', 'closelast'];
const ADJ_CLOSE_ALIASES = ['adjclose', 'adjustedclose', 'adjclosingprice', 'adjustedcloseprice', 'adjprice'];
const VOLUME_ALIASES = ['volume', 'vol'];
const BATCH_SIZE = 5000;

/**
 * Reads a price-history CSV in either layout:
 *  - wide: `Date,<TICKER>,<TICKER>…`, each cell an adjusted close; an empty cell (or n/a, --) means no
 *    observation (a fund that had not started trading yet), so close = adjClose and volume is unknown;
 *  - long: one observation per row with date, ticker/symbol, close and optionally adjusted close and
 *    volume.
 * Encoding (UTF-8, UTF-16, Windows-1252), delimiter (, ; tab), date format (ISO, MM/DD/YYYY, DD/MM/YYYY,
 * DD.MM.YYYY, YYYYMMDD, DD-Mon-YYYY) and number convention (1,234.56 or 1.234,56; $ € £ allowed) are
 * detected per file — see createPricesCsvReader. Never throws on bad data: every problem is an issue
 * with line, field and reason.
 */
export function parsePricesCsv(bytes: Uint8Array | string, fileName: string, options: PricesCsvOptions = {}): PricesCsv {
  const reader = createPricesCsvReader({ ...options, fileName });
  if (typeof bytes === 'string') reader.pushText(bytes.replace(/^\uFEFF/, ''));
  else reader.push(bytes);
  return reader.end();
}

/**
 * The streaming core of parsePricesCsv: both layouts stream by row. The first 64 KiB decide the
 * encoding, delimiter, header, date format and number convention; after that each row is checked and
 * passed on, and what is remembered per row is a key for duplicate detection (date, or date and ticker).
 */
export function createPricesCsvReader(options: PricesCsvReaderOptions): PricesCsvReader {
  return new PricesReader(options);
}

class PricesReader implements PricesCsvReader {
  private readonly issues = new IssueCollector();
  private readonly detected: Record<string, string> = {};
  private byteStream: ReturnType<typeof createCsvByteStream> | null = null;
  private textStream: ReturnType<typeof createCsvTextStream> | null = null;
  private state: 'window' | 'rows' | 'failed' = 'window';
  private readonly window: CsvRecord[] = [];
  private layout: Layout | null = null;
  private format: PricesCsvFormat = 'prices-wide';
  private dates: DateFormat = 'YYYY-MM-DD';
  /** True while every ticker's accepted rows came in strictly rising date order (then no row repeats another). */
  private datesRise = true;
  private readonly lastDateOf = new Map<string, string>();
  private lastDate: { cell: string | null; format: DateFormat; value: string } = { cell: null, format: 'YYYY-MM-DD', value: '' };
  private numbers: NumberReader | null = null;
  private delimiter: CsvDelimiter = ',';
  private readonly keep: boolean;
  private readonly kept: PriceRow[] = [];
  private batch: PriceRow[] = [];
  private readonly seen = new Map<string, number>();
  private readonly priced = new Set<string>();
  private readonly firstSeen: string[] = [];
  private from: string | null = null;
  private to: string | null = null;
  private count = 0;
  private dataRows = 0;
  private result: PricesCsv | null = null;

  constructor(private readonly options: PricesCsvReaderOptions) {
    this.keep = options.onRows === undefined;
  }

  get rowsRead(): number {
    return this.dataRows;
  }

  private streamOptions() {
    return {
      issues: this.issues,
      preferredDelimiter: this.options.delimiter ?? null,
      headerScore: (cells: readonly string[]) => cells.filter((cell) => ALL_ALIASES.has(normaliseHeaderName(cell))).length,
      onDelimiter: (choice: { delimiter: CsvDelimiter; basis: string }) => {
        this.delimiter = choice.delimiter;
        this.detected.delimiter = delimiterName(choice.delimiter);
      },
      onRecord: (record: CsvRecord) => this.onRecord(record),
      onWindowEnd: () => this.onWindowEnd(),
    };
  }

  push(chunk: Uint8Array): void {
    if (this.result || this.textStream) return;
    this.byteStream ??= createCsvByteStream({ ...this.streamOptions(), preferredEncoding: this.options.encoding ?? null });
    this.guard(() => this.byteStream?.push(chunk));
  }

  pushText(text: string): void {
    if (this.result || this.byteStream) return;
    this.textStream ??= createCsvTextStream(this.streamOptions());
    this.guard(() => this.textStream?.push(text));
  }

  end(): PricesCsv {
    if (this.result) return this.result;
    this.textStream ??= this.byteStream === null ? createCsvTextStream(this.streamOptions()) : null;
    this.guard(() => {
      this.byteStream?.end();
      this.textStream?.end();
      if (this.state === 'window') this.onWindowEnd();
      if (this.state === 'rows' && this.dataRows === 0 && this.layout !== null) {
        this.issues.error(this.layout.header.line + 1, '', 'the file has a header but no prices');
      }
      if (this.state === 'rows' && this.layout?.format === 'prices-wide') {
        for (const [column, ticker] of this.layout.tickerColumns) {
          if (!this.priced.has(ticker)) this.issues.warning(1, fieldName(this.layout, column), `no prices for ${ticker}`);
        }
      }
      this.flush();
      const layout = this.layout;
      // Each ticker's dates strictly rising through the file (the usual export) cannot repeat a (ticker, date): no query needed.
      if (this.options.findDuplicates && this.state === 'rows' && layout?.format === 'prices-long' && !this.datesRise) {
        const findDuplicates = this.options.findDuplicates;
        const found = callBack(() => findDuplicates(MAX_LISTED_ERRORS));
        for (const d of found.rows) {
          this.issues.error(d.line, fieldName(layout, layout.dateColumn), `${d.ticker} on ${d.date} already appears on line ${d.firstLine}`, d.date);
        }
        // Counted, not listed (the collector lists the first MAX_LISTED_ERRORS errors only).
        for (let k = found.rows.length; k < found.count; k++) this.issues.error(0, '', 'a row repeats an earlier ticker and date');
        this.count -= found.count;
      }
    });
    if (this.byteStream) this.detected.encoding = this.byteStream.encoding ?? 'utf-8';
    const tickers =
      this.layout?.format === 'prices-wide' ? [...this.layout.tickerColumns.values()].filter((ticker) => this.priced.has(ticker)) : [...this.firstSeen];
    this.result = {
      format: this.format,
      rows: this.kept,
      tickers,
      dateRange: this.from === null || this.to === null ? null : { from: this.from, to: this.to },
      issues: this.issues.toArray(),
      detected: { ...this.detected },
      observations: this.count,
    };
    return this.result;
  }

  /** A bug must not take an import down: it becomes an issue that rejects the file. The caller's own failure is thrown on. */
  private guard(step: () => void): void {
    try {
      step();
    } catch (error) {
      if (error instanceof CallerFailure) throw error.cause;
      this.state = 'failed';
      this.issues.error(0, '', `the file could not be read (internal error: ${error instanceof Error ? error.message : String(error)})`);
    }
  }

  private onRecord(record: CsvRecord): void {
    if (this.state === 'window') this.window.push(record);
    else if (this.state === 'rows') this.readRecord(record);
  }

  private onWindowEnd(): void {
    if (this.state !== 'window') return;
    const records = this.window.splice(0);
    const [header, ...body] = records;
    if (header === undefined) {
      this.issues.error(1, '', 'the file is empty');
      this.state = 'failed';
      return;
    }
    const layout = detectLayout(header, this.options.fileName, this.issues);
    if (layout === null) {
      this.state = 'failed';
      return;
    }
    this.layout = layout;
    this.format = layout.format;

    const dateChoice: DateFormatChoice = chooseDateFormat(
      body.map((record) => record.cells[layout.dateColumn] ?? ''),
      this.options.dateFormat ?? null,
    );
    this.dates = dateChoice.format;
    this.detected.dateFormat = dateChoice.format;
    if (dateChoice.ambiguity) {
      const example = dateChoice.ambiguity.example;
      const line = body.find((record) => (record.cells[layout.dateColumn] ?? '').trim() === example)?.line ?? header.line + 1;
      this.issues.warning(
        line,
        fieldName(layout, layout.dateColumn),
        `dates such as ${example} read both month-first and day-first; they were read as MM/DD/YYYY (US). If they are DD/MM/YYYY, import with the date format set`,
        example,
      );
    }

    const votes = new ConventionVotes();
    const numericColumns =
      layout.format === 'prices-wide'
        ? [...layout.tickerColumns.keys()]
        : [layout.closeColumn, layout.adjCloseColumn, layout.volumeColumn].filter((column): column is number => column !== null);
    for (const record of body) for (const column of numericColumns) votes.add(record.cells[column] ?? '');
    const choice = votes.decide({ delimiter: this.delimiter, preferred: this.options.numberConvention ?? null });
    this.numbers = new NumberReader(choice);
    this.detected.numberConvention = describeConvention(choice.name);

    this.state = 'rows';
    for (const record of body) this.readRecord(record);
  }

  private readRecord(record: CsvRecord): void {
    const layout = this.layout;
    if (layout === null) return;
    this.dataRows += 1;
    if (!hasRightWidth(record, layout, this.issues)) return;
    const long = record.cells.findIndex((cell) => cell.length > MAX_CELL_CHARS);
    if (long >= 0) {
      this.issues.error(record.line, fieldName(layout, long), `the cell is ${(record.cells[long] ?? '').length.toLocaleString('en-US')} characters long; no cell of a price file is that long`);
      return;
    }
    const rows = layout.format === 'prices-wide' ? this.readWideRow(layout, record) : this.readLongRow(layout, record);
    for (const row of rows) this.accept(row);
  }

  private accept(row: PriceRow): void {
    this.count += 1;
    if (this.datesRise) {
      // ISO dates: string order is date order.
      const last = this.lastDateOf.get(row.ticker);
      if (last !== undefined && row.date <= last) this.datesRise = false;
      else this.lastDateOf.set(row.ticker, row.date);
    }
    if (!this.priced.has(row.ticker)) {
      this.priced.add(row.ticker);
      this.firstSeen.push(row.ticker);
    }
    if (this.from === null || row.date < this.from) this.from = row.date;
    if (this.to === null || row.date > this.to) this.to = row.date;
    if (this.keep) {
      this.kept.push(row);
      return;
    }
    this.batch.push(row);
    if (this.batch.length >= (this.options.batchSize ?? BATCH_SIZE)) this.flush();
  }

  private flush(): void {
    if (this.batch.length === 0) return;
    const batch = this.batch;
    this.batch = [];
    callBack(() => this.options.onRows?.(batch));
  }

  private readDate(record: CsvRecord, layout: Layout): string | null {
    const cell = record.cells[layout.dateColumn] ?? '';
    // A long file repeats each date once per ticker: the last date read is read again for free.
    if (cell === this.lastDate.cell && this.dates === this.lastDate.format) return this.lastDate.value;
    const reading = readDateAs(cell, this.dates);
    if (reading.ok) {
      this.lastDate = { cell, format: this.dates, value: reading.value };
      return reading.value;
    }
    this.issues.error(record.line, fieldName(layout, layout.dateColumn), reading.reason, cell);
    return null;
  }

  /**
   * Prices are float64 observations, so unlike quantities they may be written in exponent form (Python
   * writes 1.2e-05); the number itself is the exact double the text denotes.
   */
  private readPrice(cell: string): { ok: true; value: number | null } | { ok: false; reason: string } {
    const trimmed = cell.trim();
    if (trimmed === '') return { ok: true, value: null };
    let value: number;
    const plain = plainNumber(this.numbers as NumberReader, trimmed);
    if (plain !== undefined) {
      value = plain;
    } else if ((trimmed.includes('e') || trimmed.includes('E')) && SCIENTIFIC_PRICE.test(trimmed)) {
      value = Number(trimmed);
    } else {
      const reading = (this.numbers as NumberReader).read(trimmed);
      if (reading.kind === 'empty') return { ok: true, value: null };
      if (reading.kind === 'invalid') return { ok: false, reason: reading.reason };
      if (reading.percent) return { ok: false, reason: `${quoted(cell)} is a percentage, not a price` };
      value = Number(reading.value);
    }
    if (!Number.isFinite(value)) return { ok: false, reason: `${quoted(cell)} is too large` };
    if (value <= 0) return { ok: false, reason: `${quoted(cell)} is not a positive price` };
    return { ok: true, value };
  }

  private readWideRow(layout: WideLayout, record: CsvRecord): PriceRow[] {
    const date = this.readDate(record, layout);
    if (date !== null) {
      const earlier = this.seen.get(date);
      if (earlier !== undefined) {
        this.issues.error(record.line, fieldName(layout, layout.dateColumn), `date ${date} already appears on line ${earlier}`, date);
        return [];
      }
      this.seen.set(date, record.line);
    }
    const observations: PriceRow[] = [];
    let rowOk = date !== null;
    for (const [column, ticker] of layout.tickerColumns) {
      const cell = record.cells[column] ?? '';
      const price = this.readPrice(cell);
      if (!price.ok) {
        this.issues.error(record.line, fieldName(layout, column), price.reason, cell);
        rowOk = false;
        continue;
      }
      if (date !== null && price.value !== null) {
        observations.push({ line: record.line, date, ticker, close: price.value, adjClose: price.value, volume: null });
      }
    }
    return rowOk ? observations : [];
  }

  private readLongRow(layout: LongLayout, record: CsvRecord): PriceRow[] {
    let rowOk = true;
    const date = this.readDate(record, layout);
    if (date === null) rowOk = false;

    const tickerCell = record.cells[layout.tickerColumn] ?? '';
    const ticker = normaliseTicker(tickerCell);
    if (ticker === '') {
      this.issues.error(record.line, fieldName(layout, layout.tickerColumn), 'ticker is empty');
      rowOk = false;
    } else if (!isValidTicker(ticker)) {
      this.issues.error(record.line, fieldName(layout, layout.tickerColumn), `${quoted(tickerCell)} is not a ticker`, tickerCell);
      rowOk = false;
    }

    const close = layout.closeColumn === null ? null : this.readPriceCell(record, layout, layout.closeColumn);
    // An empty adjusted close is an error rather than "same as close": mixing adjusted and unadjusted
    // closes in one series puts fake dividend-day jumps into the returns the risk model is fitted on.
    const adjClose = layout.adjCloseColumn === null ? null : this.readPriceCell(record, layout, layout.adjCloseColumn);
    if ((layout.closeColumn !== null && close === null) || (layout.adjCloseColumn !== null && adjClose === null)) rowOk = false;

    let volume: number | null = null;
    if (layout.volumeColumn !== null) {
      const cell = record.cells[layout.volumeColumn] ?? '';
      const plain = plainNumber(this.numbers as NumberReader, cell);
      const reading = plain === undefined ? (this.numbers as NumberReader).read(cell) : null;
      if (reading?.kind === 'invalid') {
        this.issues.error(record.line, fieldName(layout, layout.volumeColumn), reading.reason, cell);
        rowOk = false;
      } else if (plain !== undefined || reading?.kind === 'ok') {
        const value = plain ?? Number(reading?.kind === 'ok' ? reading.value : NaN);
        if (!Number.isFinite(value) || value < 0) {
          this.issues.error(record.line, fieldName(layout, layout.volumeColumn), `${quoted(cell)} is a negative volume`, cell);
          rowOk = false;
        } else {
          volume = value;
        }
      }
    }

    if (!rowOk || date === null) return [];
    if (this.options.findDuplicates === undefined) {
      const key = `${date}|${ticker}`;
      const earlier = this.seen.get(key);
      if (earlier !== undefined) {
        this.issues.error(record.line, fieldName(layout, layout.dateColumn), `${ticker} on ${date} already appears on line ${earlier}`, date);
        return [];
      }
      this.seen.set(key, record.line);
    }
    const closeValue = close ?? adjClose;
    const adjValue = adjClose ?? close;
    if (closeValue === null || adjValue === null) return [];
    return [{ line: record.line, date, ticker, close: closeValue, adjClose: adjValue, volume }];
  }

  private readPriceCell(record: CsvRecord, layout: LongLayout, column: number): number | null {
    const cell = record.cells[column] ?? '';
    const price = this.readPrice(cell);
    if (price.ok && price.value !== null) return price.value;
    this.issues.error(record.line, fieldName(layout, column), price.ok ? 'price is empty' : price.reason, cell);
    return null;
  }
}

const ALL_ALIASES = new Set([...DATE_ALIASES, ...TICKER_ALIASES, ...CLOSE_ALIASES, ...ADJ_CLOSE_ALIASES, ...VOLUME_ALIASES]);
const SCIENTIFIC_PRICE = /^[+-]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+$/;

interface WideLayout {
  format: 'prices-wide';
  header: CsvRecord;
  headerCells: readonly string[];
  dateColumn: number;
  /** Column index → ticker, for every price column. */
  tickerColumns: Map<number, string>;
}

interface LongLayout {
  format: 'prices-long';
  header: CsvRecord;
  headerCells: readonly string[];
  dateColumn: number;
  tickerColumn: number;
  closeColumn: number | null;
  adjCloseColumn: number | null;
  volumeColumn: number | null;
}

type Layout = WideLayout | LongLayout;

/**
 * The header's trimmed cells and its date column, shared by price and indicator files; reports (and returns null
 * for) a file that is not comma-, semicolon- or tab-separated, or has no date column.
 */
export function headerDateColumn(
  header: CsvRecord,
  issues: IssueCollector,
  dateAliases: readonly string[] = DATE_ALIASES,
): { cells: string[]; line: number; dateColumn: number } | null {
  const cells = header.cells.map((cell) => cell.trim());
  const line = header.line;
  if (cells.length === 1 && /[;\t|]/.test(cells[0] ?? '')) {
    issues.error(line, '', 'the columns are not separated by commas, semicolons or tabs; save the file as CSV', cells[0]);
    return null;
  }
  let dateColumn = findColumn(cells, dateAliases);
  // pandas writes an unnamed date index as an empty first header cell (",SPY,AGG").
  if (dateColumn < 0 && cells[0] === '' && cells.length > 1) {
    dateColumn = 0;
    issues.warning(line, '', 'the first column has no name; it is read as the date column');
  }
  if (dateColumn < 0) {
    issues.error(line, cells[0] ?? '', 'no date column: the header needs a column named Date');
    return null;
  }
  return { cells, line, dateColumn };
}

function detectLayout(header: CsvRecord, fileName: string, issues: IssueCollector): Layout | null {
  const found = headerDateColumn(header, issues);
  if (!found) return null;
  const { cells, line, dateColumn } = found;

  const tickerColumn = findColumn(cells, TICKER_ALIASES);
  const closeColumn = findColumn(cells, CLOSE_ALIASES);
  const adjCloseColumn = findColumn(cells, ADJ_CLOSE_ALIASES);
  const volumeColumn = findColumn(cells, VOLUME_ALIASES);
  const isLong = tickerColumn >= 0 || closeColumn >= 0 || adjCloseColumn >= 0;

  if (!isLong) return wideLayout(header, cells, dateColumn, issues);

  const layout: LongLayout = {
    format: 'prices-long',
    header,
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

function wideLayout(header: CsvRecord, cells: readonly string[], dateColumn: number, issues: IssueCollector): WideLayout | null {
  const line = header.line;
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
  return ok ? { format: 'prices-wide', header, headerCells: cells, dateColumn, tickerColumns } : null;
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

/** Header names the long layout recognises, for documentation and error messages in the app. */
export const PRICE_COLUMN_ALIASES = {
  date: DATE_ALIASES,
  ticker: TICKER_ALIASES,
  close: CLOSE_ALIASES,
  adjClose: ADJ_CLOSE_ALIASES,
  volume: VOLUME_ALIASES,
} as const;
