import type { FileIssue } from '../../shared/errors';
import { INDICATOR_NAME_PATTERN } from '../../shared/indicators';
import {
  type CsvDelimiter,
  type CsvRecord,
  createCsvByteStream,
  createCsvTextStream,
  delimiterName,
  findColumn,
  MAX_CELL_CHARS,
  normaliseHeaderName,
  quoted,
} from './csv-table';
import { chooseDateFormat, type DateFormat, readDateAs } from './date-formats';
import type { PreferredEncoding } from './encoding';
import { ConventionVotes, describeConvention, type NumberConventionName, NumberReader } from './number-formats';
import { PRICE_COLUMN_ALIASES, headerDateColumn } from './prices-csv';
import { IssueCollector } from './report';

export type IndicatorsCsvFormat = 'indicators-single' | 'indicators-wide';

export interface IndicatorObservation {
  /** 1-based line of the record in the file (header = line 1). */
  line: number;
  date: string;
  value: number;
}

export interface IndicatorSeriesInFile {
  /** Upper case, checked against INDICATOR_NAME_PATTERN. */
  name: string;
  /** The column's header as written ('' for an unnamed value column). */
  header: string;
  /** Valid observations in ascending date order. */
  points: IndicatorObservation[];
}

export interface IndicatorsCsv {
  format: IndicatorsCsvFormat;
  /** Series with at least one observation, in header order; empty when the header could not be read. */
  series: IndicatorSeriesInFile[];
  dateRange: { from: string; to: string } | null;
  issues: FileIssue[];
  /** What detection found: encoding, delimiter, date format, number convention, layout. */
  detected: Record<string, string>;
  /** True when some value was written with a % sign (5.2%): the file's values are percentages. */
  percentSigns: boolean;
  observations: number;
}

export interface IndicatorsCsvOptions {
  /** The series' name, for a file holding one series (otherwise taken from its header, or the file name). */
  name?: string | null;
  dateFormat?: DateFormat | null;
  numberConvention?: NumberConventionName | null;
  delimiter?: CsvDelimiter | null;
  encoding?: PreferredEncoding | null;
}

// FRED writes `observation_date`; the price reader's aliases cover the rest (Date, As of, …).
const DATE_ALIASES = [...PRICE_COLUMN_ALIASES.date, 'observationdate', 'time'];
/** Headers that say "the value" without naming the series: the name then comes from the caller or the file. */
const GENERIC_VALUE_HEADERS = ['', 'value', 'values', 'close', 'adjclose', 'adjustedclose', 'price', 'level', 'rate', 'yield', 'last', 'obs', 'observation'];
/**
 * A vendor's OHLC download of one index (Yahoo's ^VIX: Date,Open,High,Low,Close,Adj Close,Volume) is one
 * series: its (adjusted) close. The other columns are left out with a warning.
 */
const OHLC_HEADERS = ['open', 'high', 'low', 'close', 'adjclose', 'adjustedclose', 'volume'];
const OHLC_PREFERENCE = ['adjclose', 'adjustedclose', 'close'];
/** "No observation" as data vendors write it: FRED a lone dot, spreadsheets #N/A (plus the usual --, n/a). */
const NO_VALUE = new Set(['.', '#n/a', '#na', 'nan', 'null']);
const SCIENTIFIC = /^[+-]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+$/;

interface Layout {
  format: IndicatorsCsvFormat;
  headerCells: readonly string[];
  dateColumn: number;
  /** Column index → series name. */
  seriesColumns: Map<number, string>;
}

/**
 * Reads an indicator-series CSV, never throwing on bad data: every problem is an issue with line, field and
 * reason, and the caller imports all rows or none (assertNoErrors).
 *  - one series: `date,value` (the name is `options.name`, else the file name: vix.csv → VIX), or
 *    `date,<NAME>` (`Date,^IRX`, FRED's `observation_date,DGS10`; `options.name` renames it), or a vendor's
 *    OHLC download of one index (its adjusted close, else close);
 *  - wide: `date,<NAME>,<NAME>…`, one column per series (`Date,VIX,TERM_SPREAD`).
 * Encoding, delimiter, date format and number convention are detected per file by the same code as price
 * files. Unlike prices, values may be zero or negative (a T-bill yield in March 2020, a curve slope); an empty
 * cell, `.` (FRED) or `#N/A` means no observation that day. Dates may come in any order; each series'
 * points are returned in ascending date order. Files are small (decades of daily data are a few hundred
 * KiB), so the whole file is read before it is checked.
 */
export function parseIndicatorsCsv(input: Uint8Array | string, fileName: string, options: IndicatorsCsvOptions = {}): IndicatorsCsv {
  const issues = new IssueCollector();
  const detected: Record<string, string> = {};
  const records: CsvRecord[] = [];
  const streamOptions = {
    issues,
    preferredDelimiter: options.delimiter ?? null,
    headerScore: (cells: readonly string[]) => (findColumn(cells, DATE_ALIASES) >= 0 ? 1 : 0),
    onDelimiter: (choice: { delimiter: CsvDelimiter }) => {
      detected.delimiter = delimiterName(choice.delimiter);
    },
    onRecord: (record: CsvRecord) => {
      records.push(record);
    },
    onWindowEnd: () => undefined,
  };
  let delimiter: CsvDelimiter = ',';
  if (typeof input === 'string') {
    const stream = createCsvTextStream(streamOptions);
    stream.push(input.replace(/^\uFEFF/, ''));
    stream.end();
    delimiter = stream.delimiter ?? ',';
  } else {
    const stream = createCsvByteStream({ ...streamOptions, preferredEncoding: options.encoding ?? null });
    stream.push(input);
    stream.end();
    delimiter = stream.delimiter ?? ',';
    detected.encoding = stream.encoding ?? 'utf-8';
  }

  const empty = (format: IndicatorsCsvFormat = 'indicators-single'): IndicatorsCsv => ({
    format,
    series: [],
    dateRange: null,
    issues: issues.toArray(),
    detected,
    percentSigns: false,
    observations: 0,
  });

  const [header, ...body] = records;
  if (header === undefined) {
    if (issues.errorCount === 0) issues.error(1, '', 'the file is empty');
    return empty();
  }
  const layout = detectLayout(header, body, fileName, options.name ?? null, issues);
  if (layout === null) return empty();
  detected.layout = layout.format === 'indicators-wide' ? `wide (date + ${layout.seriesColumns.size} series)` : 'one series (date + value)';

  const dateChoice = chooseDateFormat(
    body.map((record) => record.cells[layout.dateColumn] ?? ''),
    options.dateFormat ?? null,
  );
  detected.dateFormat = dateChoice.format;
  const field = (column: number) => layout.headerCells[column] || `column ${column + 1}`;
  if (dateChoice.ambiguity) {
    const example = dateChoice.ambiguity.example;
    const line = body.find((record) => (record.cells[layout.dateColumn] ?? '').trim() === example)?.line ?? header.line + 1;
    issues.warning(
      line,
      field(layout.dateColumn),
      `dates such as ${example} read both month-first and day-first; they were read as MM/DD/YYYY (US). If they are DD/MM/YYYY, import with the date format set`,
      example,
    );
  }

  const votes = new ConventionVotes();
  for (const record of body) for (const column of layout.seriesColumns.keys()) votes.add(record.cells[column] ?? '');
  const numbers = new NumberReader(votes.decide({ delimiter, preferred: options.numberConvention ?? null }));
  detected.numberConvention = describeConvention(numbers.name);

  const points = new Map<number, IndicatorObservation[]>([...layout.seriesColumns.keys()].map((column) => [column, []]));
  const seenDates = new Map<string, number>();
  let percentSigns = false;
  let observations = 0;
  let from: string | null = null;
  let to: string | null = null;
  for (const record of body) {
    if (record.cells.length !== layout.headerCells.length) {
      issues.error(record.line, '', `the row has ${record.cells.length} cells but the header has ${layout.headerCells.length}`, record.cells.join(','));
      continue;
    }
    const long = record.cells.findIndex((cell) => cell.length > MAX_CELL_CHARS);
    if (long >= 0) {
      issues.error(record.line, field(long), `the cell is ${(record.cells[long] ?? '').length.toLocaleString('en-US')} characters long; no cell of an indicator file is that long`);
      continue;
    }
    const dateCell = record.cells[layout.dateColumn] ?? '';
    const dateReading = readDateAs(dateCell, dateChoice.format);
    let date: string | null = null;
    if (!dateReading.ok) {
      issues.error(record.line, field(layout.dateColumn), dateReading.reason, dateCell);
    } else {
      const earlier = seenDates.get(dateReading.value);
      if (earlier !== undefined) {
        issues.error(record.line, field(layout.dateColumn), `date ${dateReading.value} already appears on line ${earlier}`, dateReading.value);
      } else {
        seenDates.set(dateReading.value, record.line);
        date = dateReading.value;
      }
    }
    for (const column of layout.seriesColumns.keys()) {
      const cell = record.cells[column] ?? '';
      const reading = readValue(cell, numbers);
      if (!reading.ok) {
        issues.error(record.line, field(column), reading.reason, cell);
        continue;
      }
      if (reading.value === null || date === null) continue;
      percentSigns ||= reading.percent;
      points.get(column)?.push({ line: record.line, date, value: reading.value });
      observations += 1;
      if (from === null || date < from) from = date;
      if (to === null || date > to) to = date;
    }
  }

  const series: IndicatorSeriesInFile[] = [];
  for (const [column, name] of layout.seriesColumns) {
    const list = (points.get(column) ?? []).sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
    if (list.length === 0) {
      issues.warning(header.line, field(column), `no values for ${name}`);
      continue;
    }
    series.push({ name, header: layout.headerCells[column] ?? '', points: list });
  }
  if (observations === 0 && issues.errorCount === 0) issues.error(header.line + 1, '', 'the file has a header but no values');
  return {
    format: layout.format,
    series,
    dateRange: from === null || to === null ? null : { from, to },
    issues: issues.toArray(),
    detected,
    percentSigns,
    observations,
  };
}

/**
 * Values are float64 observations: exponent form is accepted (Python writes 1.2e-05), zero and negatives
 * too. A % sign is allowed and noted (the value stays as written: 5.2% → 5.2).
 */
function readValue(cell: string, numbers: NumberReader): { ok: true; value: number | null; percent: boolean } | { ok: false; reason: string } {
  const trimmed = cell.trim();
  if (NO_VALUE.has(trimmed.toLowerCase())) return { ok: true, value: null, percent: false };
  let value: number;
  let percent = false;
  if (SCIENTIFIC.test(trimmed)) {
    value = Number(trimmed);
  } else {
    const reading = numbers.read(trimmed);
    if (reading.kind === 'empty') return { ok: true, value: null, percent: false };
    if (reading.kind === 'invalid') return { ok: false, reason: reading.reason };
    value = Number(reading.value);
    percent = reading.percent;
  }
  if (!Number.isFinite(value)) return { ok: false, reason: `${quoted(cell)} is too large` };
  return { ok: true, value, percent };
}

function detectLayout(header: CsvRecord, body: readonly CsvRecord[], fileName: string, requestedName: string | null, issues: IssueCollector): Layout | null {
  const found = headerDateColumn(header, issues, DATE_ALIASES);
  if (!found) return null;
  const { cells, line, dateColumn } = found;
  // Columns without a header and without a value (a spreadsheet's stray trailing delimiter) are no series.
  const unused = (column: number) => cells[column] === '' && body.every((record) => (record.cells[column] ?? '').trim() === '');
  let valueColumns = cells.map((_, index) => index).filter((index) => index !== dateColumn && !unused(index));
  if (valueColumns.length === 0) {
    issues.error(line, '', 'no value column: after Date the header needs a value column (date,value) or one column per series');
    return null;
  }
  const normalised = new Map(valueColumns.map((column) => [column, normaliseHeaderName(cells[column] ?? '')]));

  // One index downloaded with its OHLC columns: one series, from its (adjusted) close.
  const isOhlc = valueColumns.length > 1 && [...normalised.values()].every((name) => OHLC_HEADERS.includes(name));
  if (isOhlc) {
    const chosen = OHLC_PREFERENCE.map((name) => valueColumns.find((column) => normalised.get(column) === name)).find((column) => column !== undefined);
    if (chosen !== undefined) {
      for (const column of valueColumns) if (column !== chosen) issues.warning(line, cells[column] ?? '', 'column is not used (the series is the adjusted close, else the close)');
      valueColumns = [chosen];
    }
  }

  if (valueColumns.length === 1) {
    const column = valueColumns[0] as number;
    const generic = GENERIC_VALUE_HEADERS.includes(normalised.get(column) ?? '');
    const source = requestedName ?? (generic ? nameFromFile(fileName) : cells[column]);
    const name = normaliseName(source ?? '');
    if (!INDICATOR_NAME_PATTERN.test(name)) {
      const why =
        requestedName !== null
          ? `${quoted(requestedName)} is not an indicator name`
          : generic
            ? `the value column does not name the series and the file name ${quoted(fileName)} does not give a usable name`
            : `${quoted(cells[column] ?? '')} is not an indicator name`;
      issues.error(line, cells[column] || `column ${column + 1}`, `${why}: use letters, digits and . ^ = _ / - (at most 32), or give the name when importing`);
      return null;
    }
    return { format: 'indicators-single', headerCells: cells, dateColumn, seriesColumns: new Map([[column, name]]) };
  }

  if (requestedName !== null) {
    issues.error(line, '', `the file holds ${valueColumns.length} series (${valueColumns.map((c) => cells[c] || `column ${c + 1}`).join(', ')}); a name can only be given to a file with one series`);
    return null;
  }
  const seriesColumns = new Map<number, string>();
  const seen = new Map<string, number>();
  let ok = true;
  for (const column of valueColumns) {
    const written = cells[column] ?? '';
    const name = normaliseName(written);
    if (written === '') {
      issues.error(line, `column ${column + 1}`, 'column has no series name in the header');
      ok = false;
    } else if (!INDICATOR_NAME_PATTERN.test(name)) {
      issues.error(line, written, `${quoted(written)} is not an indicator name (letters, digits and . ^ = _ / - only, at most 32)`, written);
      ok = false;
    } else if (seen.has(name)) {
      issues.error(line, written, `series ${name} appears in columns ${(seen.get(name) ?? 0) + 1} and ${column + 1}`);
      ok = false;
    } else {
      seen.set(name, column);
      seriesColumns.set(column, name);
    }
  }
  return ok ? { format: 'indicators-wide', headerCells: cells, dateColumn, seriesColumns } : null;
}

/** Names are identifiers like tickers: upper case, inner spaces as underscores ("Term spread" → TERM_SPREAD). */
export function normaliseIndicatorName(raw: string): string {
  return raw.trim().toUpperCase().replace(/\s+/g, '_');
}
const normaliseName = normaliseIndicatorName;

function nameFromFile(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? '';
  return base.replace(/\.(csv|txt|tsv)$/i, '');
}
