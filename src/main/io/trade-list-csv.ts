import Big from 'big.js';
import { parse } from 'csv-parse/sync';
import { DecimalString, EmsProfile, type TradeListField } from '../../shared/domain';
import { BallastError, type FileIssue } from '../../shared/errors';
import { decodeUtf8 } from './csv-table';
import { decimalSign, readDecimal } from './decimal';
import { isValidCusip, isValidIsin, isValidSedol } from './identifiers';
import { IssueCollector } from './report';

export type TradeSide = 'BUY' | 'SELL';
export type OrderType = EmsProfile['orderType'];
export type TimeInForce = EmsProfile['timeInForce'];

/** One order of an approved proposal, as the trade-list writers (CSV and FIX) take it. */
export interface TradeListTrade {
  side: TradeSide;
  ticker: string;
  isin: string | null;
  /** Optional because a proposal's trades carry only the ISIN; null or absent writes an empty cell. */
  cusip?: string | null;
  sedol?: string | null;
  quantity: DecimalString;
  /** Reference price the proposal used. Never written: a market order carries no price. */
  price?: number;
  /**
   * The limit of a limit order. Required when the order type is LMT and ignored for MKT: using the
   * reference price in its place would send a limit nobody chose.
   */
  limitPrice?: number | DecimalString | null;
  currency: string;
}

export interface TradeListInput {
  accountId: string;
  proposalId: number;
  /** When the proposal was made. Not written: the file is a pure function of the trades, so re-exports match byte for byte. */
  createdAt: string;
  trades: readonly TradeListTrade[];
}

/** The default layout's headers; also the header each field gets in a profile made from scratch. */
export const TRADE_LIST_HEADERS: Readonly<Record<TradeListField, string>> = {
  account: 'account',
  side: 'side',
  symbol: 'symbol',
  isin: 'isin',
  cusip: 'cusip',
  sedol: 'sedol',
  quantity: 'quantity',
  orderType: 'order_type',
  limitPrice: 'limit_price',
  timeInForce: 'time_in_force',
  currency: 'currency',
  clientOrderId: 'client_order_id',
  proposalId: 'proposal_id',
};

const DEFAULT_FIELDS = [
  'account',
  'side',
  'symbol',
  'isin',
  'quantity',
  'orderType',
  'limitPrice',
  'timeInForce',
  'currency',
  'clientOrderId',
  'proposalId',
] as const satisfies readonly TradeListField[];

export const TRADE_LIST_COLUMNS = [
  'account',
  'side',
  'symbol',
  'isin',
  'quantity',
  'order_type',
  'limit_price',
  'time_in_force',
  'currency',
  'client_order_id',
  'proposal_id',
] as const;

/** The layout used when the PM picks no EMS profile: comma-separated market day orders. */
export const DEFAULT_EMS_PROFILE: EmsProfile = {
  name: 'default',
  columns: DEFAULT_FIELDS.map((field) => ({ field, header: TRADE_LIST_HEADERS[field] })),
  delimiter: ',',
  orderType: 'MKT',
  timeInForce: 'DAY',
};

const RECORD_END = '\r\n'; // RFC 4180, whatever the delimiter

/** Deterministic, traceable order id: the proposal it came from and the trade's place in it. */
export function clientOrderId(proposalId: number, sequence: number): string {
  return `BAL-${proposalId}-${String(sequence).padStart(3, '0')}`;
}

/**
 * Refuses a trade that must never reach a broker — a non-positive or malformed quantity, an unknown side,
 * an empty symbol, a currency that is not a code, an identifier whose check digit is wrong. By this point
 * the proposal has been approved, so a silent fix would trade something nobody approved.
 * `what` names the trade in the message ("trade list for proposal 7, trade 3 (SPY)").
 */
export function assertTradeFitForBroker(trade: TradeListTrade, what: string): void {
  if (trade.side !== 'BUY' && trade.side !== 'SELL') throw new BallastError('BAD_INPUT', `${what}: side must be BUY or SELL`);
  if (typeof trade.ticker !== 'string' || trade.ticker.trim() === '') throw new BallastError('BAD_INPUT', `${what}: symbol is empty`);
  if (!DecimalString.safeParse(trade.quantity).success || decimalSign(trade.quantity) <= 0) {
    throw new BallastError('BAD_INPUT', `${what}: quantity "${trade.quantity}" must be a positive plain decimal`);
  }
  if (!/^[A-Z]{3}$/.test(trade.currency)) throw new BallastError('BAD_INPUT', `${what}: currency "${trade.currency}" is not a 3-letter code`);
  const identifiers = [
    ['ISIN', trade.isin, isValidIsin],
    ['CUSIP', trade.cusip, isValidCusip],
    ['SEDOL', trade.sedol, isValidSedol],
  ] as const;
  for (const [name, value, isValid] of identifiers) {
    if (value != null && !isValid(value)) {
      throw new BallastError('BAD_INPUT', `${what}: ${name} "${value}" is not a valid ${name} (wrong length, characters or check digit)`);
    }
  }
}

/**
 * A limit price as plain decimal text. Numbers are written with the shortest digits that read back as
 * the same float (never in exponent form, which some EMS readers take for text).
 */
export function formatLimitPrice(value: number | DecimalString | null | undefined, what: string): DecimalString {
  if (value == null) throw new BallastError('BAD_INPUT', `${what}: a limit order needs a limit price`);
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value <= 0) throw new BallastError('BAD_INPUT', `${what}: limit price ${value} must be a positive number`);
    return new Big(value).toFixed();
  }
  if (!DecimalString.safeParse(value).success || decimalSign(value) <= 0) {
    throw new BallastError('BAD_INPUT', `${what}: limit price "${value}" must be a positive plain decimal`);
  }
  return value;
}

/**
 * A profile that would produce a basket an EMS cannot act on safely is refused before anything is written:
 * orders without side or quantity, without any instrument identifier, or limit orders without their limit.
 */
function checkedProfile(profile: EmsProfile): EmsProfile {
  const parsed = EmsProfile.safeParse(profile);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new BallastError('BAD_INPUT', `EMS profile "${profile.name}": ${first ? `${first.path.join('.')} ${first.message}` : 'is not valid'}`);
  }
  const valid = parsed.data;
  const label = `EMS profile "${valid.name}"`;
  const seen = new Set<string>();
  for (const { header } of valid.columns) {
    if (seen.has(header)) throw new BallastError('BAD_INPUT', `${label}: the header "${header}" is used for two columns`);
    seen.add(header);
  }
  const fields = new Set(valid.columns.map((column) => column.field));
  for (const needed of ['side', 'quantity'] as const) {
    if (!fields.has(needed)) throw new BallastError('BAD_INPUT', `${label}: it has no ${needed} column, so the EMS could not read the orders`);
  }
  if (!['symbol', 'isin', 'cusip', 'sedol'].some((field) => fields.has(field as TradeListField))) {
    throw new BallastError('BAD_INPUT', `${label}: it has no symbol, ISIN, CUSIP or SEDOL column, so the EMS could not tell what to trade`);
  }
  if (valid.orderType === 'LMT' && !fields.has('limitPrice')) {
    throw new BallastError('BAD_INPUT', `${label}: it writes limit orders but has no limit price column`);
  }
  return valid;
}

/**
 * Writes an approved proposal's trades as a CSV order basket for EMS upload. The profile chooses the
 * columns (names and order), delimiter, order type and time in force; without one the default layout
 * (TRADE_LIST_COLUMNS, comma, market day orders) is written. Throws BAD_INPUT for a trade or profile that
 * must not reach a broker (see `assertTradeFitForBroker`).
 */
export function writeTradeListCsv(input: TradeListInput, profile: EmsProfile = DEFAULT_EMS_PROFILE): { text: string; rows: number } {
  if (!Number.isInteger(input.proposalId) || input.proposalId <= 0) {
    throw new BallastError('BAD_INPUT', `trade list: proposal id ${input.proposalId} is not a positive whole number`);
  }
  if (input.accountId.trim() === '') throw new BallastError('BAD_INPUT', 'trade list: the account id is empty');
  const layout = checkedProfile(profile);
  const delimiter = layout.delimiter;

  const lines = [layout.columns.map((column) => csvField(column.header, delimiter)).join(delimiter)];
  input.trades.forEach((trade, index) => {
    const sequence = index + 1;
    const what = `trade list for proposal ${input.proposalId}, trade ${sequence} (${trade.ticker})`;
    assertTradeFitForBroker(trade, what);
    const limitPrice = layout.orderType === 'LMT' ? formatLimitPrice(trade.limitPrice, what) : '';
    const cells: Record<TradeListField, string> = {
      account: input.accountId,
      side: trade.side,
      symbol: trade.ticker,
      isin: trade.isin ?? '',
      cusip: trade.cusip ?? '',
      sedol: trade.sedol ?? '',
      quantity: trade.quantity,
      orderType: layout.orderType,
      limitPrice,
      timeInForce: layout.timeInForce,
      currency: trade.currency,
      clientOrderId: clientOrderId(input.proposalId, sequence),
      proposalId: String(input.proposalId),
    };
    lines.push(layout.columns.map((column) => csvField(cells[column.field], delimiter)).join(delimiter));
  });
  return { text: lines.map((line) => line + RECORD_END).join(''), rows: input.trades.length };
}

/**
 * RFC 4180 quoting, with the profile's delimiter in place of the comma. Leading/trailing spaces are quoted
 * too, because many readers (Excel, and csv-parse with trim) drop them from unquoted fields.
 */
function csvField(value: string, delimiter: string): string {
  if (value.includes(delimiter) || /["\r\n]/.test(value) || value !== value.trim()) return `"${value.replace(/"/g, '""')}"`;
  return value;
}

/** One row read back; a field the profile has no column for is null. */
export interface TradeListRow {
  line: number;
  account: string | null;
  side: TradeSide | null;
  symbol: string | null;
  isin: string | null;
  cusip: string | null;
  sedol: string | null;
  quantity: DecimalString | null;
  orderType: string | null;
  limitPrice: DecimalString | null;
  timeInForce: string | null;
  currency: string | null;
  clientOrderId: string | null;
  proposalId: number | null;
}

/**
 * Reads a trade list written by `writeTradeListCsv` with the same profile (round-trip checks, end-to-end
 * tests, and a PM re-opening an export). Cells are taken verbatim — no trimming — so what was written is
 * what is read; the header must be exactly the profile's.
 */
export function parseTradeListCsv(
  input: Uint8Array | string,
  fileName = 'trade list',
  profile: EmsProfile = DEFAULT_EMS_PROFILE,
): { rows: TradeListRow[]; issues: FileIssue[] } {
  void fileName;
  const issues = new IssueCollector();
  const layout = checkedProfile(profile);
  const text = decodeUtf8(input, issues);
  if (text === null) return { rows: [], issues: issues.toArray() };
  const records = readDelimited(text, layout.delimiter, issues);
  const [header, ...body] = records.filter((record) => record.cells.some((cell) => cell !== ''));
  if (header === undefined) {
    if (issues.errorCount === 0) issues.error(1, '', 'the file is empty');
    return { rows: [], issues: issues.toArray() };
  }
  const expectedHeaders = layout.columns.map((column) => column.header);
  if (header.cells.length !== expectedHeaders.length || header.cells.some((cell, i) => cell !== expectedHeaders[i])) {
    const shown = layout.delimiter === '\t' ? ' (tab-separated)' : ` (separated by "${layout.delimiter}")`;
    issues.error(header.line, '', `the header must be exactly ${expectedHeaders.join(layout.delimiter)}${shown}`, header.cells.join(layout.delimiter));
    return { rows: [], issues: issues.toArray() };
  }

  const rows: TradeListRow[] = [];
  for (const record of body) {
    if (record.cells.length !== expectedHeaders.length) {
      issues.error(record.line, '', `the row has ${record.cells.length} cells but the header has ${expectedHeaders.length}`);
      continue;
    }
    const cell = new Map<TradeListField, string>();
    layout.columns.forEach((column, i) => cell.set(column.field, record.cells[i] ?? ''));
    let ok = true;
    const fail = (field: TradeListField, reason: string, value: string) => {
      issues.error(record.line, TRADE_LIST_HEADERS[field], reason, value);
      ok = false;
    };
    const text = (field: TradeListField) => cell.get(field) ?? null;
    const identifier = (field: TradeListField) => {
      const value = cell.get(field);
      return value === undefined || value === '' ? null : value;
    };

    const side = text('side');
    if (side !== null && side !== 'BUY' && side !== 'SELL') fail('side', `"${side}" is not BUY or SELL`, side);
    const quantity = text('quantity');
    if (quantity !== null) {
      const reading = readDecimal(quantity);
      if (!reading.ok || reading.value !== quantity || decimalSign(reading.value) <= 0) fail('quantity', `"${quantity}" is not a positive plain decimal`, quantity);
    }
    let limitPrice: DecimalString | null = null;
    const limitText = text('limitPrice');
    if (limitText !== null && limitText !== '') {
      const reading = readDecimal(limitText);
      if (!reading.ok || decimalSign(reading.value) <= 0) fail('limitPrice', `"${limitText}" is not a positive price`, limitText);
      else limitPrice = reading.value;
    }
    const proposalText = text('proposalId');
    if (proposalText !== null && !/^[1-9]\d*$/.test(proposalText)) fail('proposalId', `"${proposalText}" is not a proposal id`, proposalText);
    if (!ok) continue;
    rows.push({
      line: record.line,
      account: text('account'),
      side: side as TradeSide | null,
      symbol: text('symbol'),
      isin: identifier('isin'),
      cusip: identifier('cusip'),
      sedol: identifier('sedol'),
      quantity,
      orderType: text('orderType'),
      limitPrice,
      timeInForce: text('timeInForce'),
      currency: text('currency'),
      clientOrderId: text('clientOrderId'),
      proposalId: proposalText === null ? null : Number(proposalText),
    });
  }
  return { rows, issues: issues.toArray() };
}

/**
 * Records with the 1-based line each starts on. Strict quoting: this reads files we wrote, so a stray
 * quote means the file was edited or damaged, and it is reported at its line rather than guessed at.
 */
function readDelimited(text: string, delimiter: string, issues: IssueCollector): { line: number; cells: string[] }[] {
  const records: { line: number; cells: string[] }[] = [];
  let previousEnd = 0;
  try {
    parse(text, {
      delimiter,
      relax_column_count: true,
      record_delimiter: ['\r\n', '\n', '\r'],
      skip_records_with_error: true,
      on_record: (record: string[], context) => {
        records.push({ line: previousEnd + 1, cells: record });
        previousEnd = context.lines;
        return null;
      },
      on_skip: (error) => {
        if (!error) return;
        issues.error(previousEnd + 1, '', `the line cannot be read as CSV (${error.code})`);
        previousEnd = typeof error.lines === 'number' ? error.lines : previousEnd + 1;
      },
    });
  } catch (error) {
    const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'UNKNOWN';
    issues.error(previousEnd + 1, '', `the line cannot be read as CSV (${code})`);
  }
  return records;
}
