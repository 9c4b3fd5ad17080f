import type { DecimalString } from '../../shared/domain';
import type { FileIssue } from '../../shared/errors';
import { type CsvRecord, decodeUtf8, findColumn, isValidTicker, normaliseTicker, quoted, readCsvTable } from './csv-table';
import { readIsoDate } from './dates';
import { decimalSign, readDecimal } from './decimal';
import { IssueCollector } from './report';

export interface PositionRow {
  /** 1-based line of the record in the file (header = line 1). */
  line: number;
  symbol: string;
  quantity: DecimalString;
  price: DecimalString | null;
}

export interface PositionsCsv {
  format: 'positions-simple-csv';
  /** The as-of date the file states (same on every row), or null when it has no date column. */
  asOf: string | null;
  /** Cash balance from the CASH (or currency-code) line; "0" when the file has none. */
  cash: DecimalString;
  /** Security lines, file order; lines with any error are left out. */
  rows: PositionRow[];
  issues: FileIssue[];
}

export interface PositionsCsvOptions {
  /**
   * The account's currency: a line whose symbol is this code is read as the cash balance, like CASH.
   * Defaults to USD.
   */
  baseCurrency?: string;
}

const SYMBOL_ALIASES = ['symbol', 'ticker'];
const QUANTITY_ALIASES = ['quantity', 'shares', 'units', 'qty'];
const PRICE_ALIASES = ['price'];
const AS_OF_ALIASES = ['asof', 'asofdate', 'date', 'positiondate'];
/** Not a valid ticker, so it cannot collide with a symbol. */
const CASH_KEY = '<cash>';

/**
 * Reads the simple positions CSV: `symbol,quantity[,price][,as_of]`, one line per holding, plus an
 * optional cash line (symbol CASH or the account currency) whose quantity is the cash balance.
 * Never throws on bad data: every problem is an issue with line, field and reason.
 */
export function parsePositionsCsv(bytes: Uint8Array | string, fileName: string, options: PositionsCsvOptions = {}): PositionsCsv {
  void fileName; // part of the parser signature so messages can name it if a rule ever needs to
  const issues = new IssueCollector();
  const cashSymbols = new Set(['CASH', normaliseTicker(options.baseCurrency ?? 'USD')]);
  const result = (asOf: string | null, cash: DecimalString, rows: PositionRow[]): PositionsCsv => ({
    format: 'positions-simple-csv',
    asOf,
    cash,
    rows,
    issues: issues.toArray(),
  });

  const text = decodeUtf8(bytes, issues);
  if (text === null) return result(null, '0', []);
  const table = readCsvTable(text, issues);
  if (table.header === null) {
    issues.error(1, '', 'the file is empty');
    return result(null, '0', []);
  }

  const header = table.header.cells.map((cell) => cell.trim());
  const headerLine = table.header.line;
  if (header.length === 1 && /[;\t|]/.test(header[0] ?? '')) {
    issues.error(headerLine, '', 'the columns are not separated by commas; save the file as comma-separated CSV', header[0]);
    return result(null, '0', []);
  }
  const columns = {
    symbol: findColumn(header, SYMBOL_ALIASES),
    quantity: findColumn(header, QUANTITY_ALIASES),
    price: findColumn(header, PRICE_ALIASES),
    asOf: findColumn(header, AS_OF_ALIASES),
  };
  if (columns.symbol < 0) issues.error(headerLine, 'symbol', 'no symbol column: the header needs a column named symbol or ticker');
  if (columns.quantity < 0) {
    issues.error(headerLine, 'quantity', 'no quantity column: the header needs a column named quantity, shares, units or qty');
  }
  if (columns.symbol < 0 || columns.quantity < 0) return result(null, '0', []);
  const used = new Set(Object.values(columns));
  header.forEach((name, index) => {
    if (!used.has(index) && name !== '') issues.warning(headerLine, name, 'column is not used');
  });
  if (table.rows.length === 0) {
    issues.error(headerLine + 1, '', 'the file has a header but no positions or cash line');
    return result(null, '0', []);
  }

  const field = (column: number) => header[column] || `column ${column + 1}`;
  const rows: PositionRow[] = [];
  const firstLines = new Map<string, number>();
  let cash: DecimalString = '0';
  let asOf: { value: string; line: number } | null = null;

  for (const record of table.rows) {
    if (record.cells.length !== header.length) {
      issues.error(record.line, '', `the row has ${record.cells.length} cells but the header has ${header.length}`, record.cells.join(','));
      continue;
    }
    const cell = (column: number) => (column < 0 ? '' : (record.cells[column] ?? ''));
    let rowOk = true;

    if (columns.asOf >= 0) {
      const reading = readIsoDate(cell(columns.asOf));
      if (!reading.ok) {
        issues.error(record.line, field(columns.asOf), reading.reason, cell(columns.asOf));
        rowOk = false;
      } else if (asOf === null) {
        asOf = { value: reading.value, line: record.line };
      } else if (asOf.value !== reading.value) {
        issues.error(
          record.line,
          field(columns.asOf),
          `as-of date ${reading.value} differs from ${asOf.value} on line ${asOf.line}; a file is one snapshot`,
          reading.value,
        );
        rowOk = false;
      }
    }

    const rawSymbol = cell(columns.symbol);
    const symbol = normaliseTicker(rawSymbol);
    if (symbol === '') {
      issues.error(record.line, field(columns.symbol), 'symbol is empty');
      rowOk = false;
    } else if (!isValidTicker(symbol)) {
      issues.error(record.line, field(columns.symbol), `${quoted(rawSymbol)} is not a ticker`, rawSymbol);
      rowOk = false;
    }

    const isCash = cashSymbols.has(symbol);
    const quantity = readQuantity(record, cell(columns.quantity), field(columns.quantity), isCash, issues);
    if (quantity === null) rowOk = false;

    let price: DecimalString | null = null;
    if (columns.price >= 0 && cell(columns.price).trim() !== '') {
      const reading = readDecimal(cell(columns.price));
      if (!reading.ok) {
        issues.error(record.line, field(columns.price), reading.reason, cell(columns.price));
        rowOk = false;
      } else if (decimalSign(reading.value) <= 0) {
        issues.error(record.line, field(columns.price), `${quoted(cell(columns.price))} is not a positive price`, cell(columns.price));
        rowOk = false;
      } else if (isCash) {
        if (reading.value !== '1') issues.warning(record.line, field(columns.price), 'the price on the cash line is ignored', cell(columns.price));
      } else {
        price = reading.value;
      }
    }

    if (symbol !== '') {
      // CASH and the currency code are the same balance, so they share one key.
      const key = isCash ? CASH_KEY : symbol;
      const earlierLine = firstLines.get(key);
      if (earlierLine !== undefined) {
        const what = isCash ? 'the cash balance' : `symbol ${symbol}`;
        issues.error(record.line, field(columns.symbol), `${what} already appears on line ${earlierLine}; give one line per holding`, rawSymbol);
        continue;
      }
      firstLines.set(key, record.line);
    }
    if (!rowOk || quantity === null) continue;
    if (isCash) {
      cash = quantity;
    } else {
      rows.push({ line: record.line, symbol, quantity, price });
    }
  }

  return result(asOf?.value ?? null, cash, rows);
}

function readQuantity(record: CsvRecord, text: string, field: string, isCash: boolean, issues: IssueCollector): DecimalString | null {
  const reading = readDecimal(text);
  if (!reading.ok) {
    issues.error(record.line, field, reading.reason === 'is empty' ? 'quantity is empty' : reading.reason, text);
    return null;
  }
  const sign = decimalSign(reading.value);
  if (isCash) {
    // An overdraft would need a financing model the engine does not have; refuse it instead of guessing.
    if (sign < 0) {
      issues.error(record.line, field, `cash balance ${reading.value} is negative; Ballast cannot hold an overdraft`, text);
      return null;
    }
    return reading.value;
  }
  if (sign === 0) {
    issues.error(record.line, field, 'quantity is zero; leave closed positions out of the file', text);
    return null;
  }
  if (sign < 0) {
    issues.error(record.line, field, `quantity ${reading.value} is negative; short positions are not supported`, text);
    return null;
  }
  return reading.value;
}

export const POSITION_COLUMN_ALIASES = {
  symbol: SYMBOL_ALIASES,
  quantity: QUANTITY_ALIASES,
  price: PRICE_ALIASES,
  asOf: AS_OF_ALIASES,
} as const;
