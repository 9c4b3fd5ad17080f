import { DecimalString } from '../../shared/domain';
import { BallastError, type FileIssue } from '../../shared/errors';
import { decodeUtf8, readCsvTable } from './csv-table';
import { decimalSign, readDecimal } from './decimal';
import { IssueCollector } from './report';

export type TradeSide = 'BUY' | 'SELL';

export interface TradeListTrade {
  side: TradeSide;
  ticker: string;
  isin: string | null;
  quantity: DecimalString;
  /** Reference price the proposal used; market orders carry no limit, so it is not written today. */
  price: number;
  currency: string;
}

export interface TradeListInput {
  accountId: string;
  proposalId: number;
  /** When the proposal was made. Not written: the file is a pure function of the trades, so re-exports match byte for byte. */
  createdAt: string;
  trades: readonly TradeListTrade[];
}

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

const ORDER_TYPE = 'MKT';
const TIME_IN_FORCE = 'DAY';
const RECORD_END = '\r\n'; // RFC 4180

/** Deterministic, traceable order id: the proposal it came from and the trade's place in it. */
export function clientOrderId(proposalId: number, sequence: number): string {
  return `BAL-${proposalId}-${String(sequence).padStart(3, '0')}`;
}

/**
 * Writes an approved proposal's trades as a CSV order basket (market, day orders). Throws BAD_INPUT for
 * a trade that must never reach a broker — a non-positive or malformed quantity, an unknown side — since
 * by this point the proposal has been approved and a silent fix would trade something nobody approved.
 */
export function writeTradeListCsv(input: TradeListInput): { text: string; rows: number } {
  if (!Number.isInteger(input.proposalId) || input.proposalId <= 0) {
    throw new BallastError('BAD_INPUT', `trade list: proposal id ${input.proposalId} is not a positive whole number`);
  }
  if (input.accountId.trim() === '') throw new BallastError('BAD_INPUT', 'trade list: the account id is empty');

  const lines = [TRADE_LIST_COLUMNS.join(',')];
  input.trades.forEach((trade, index) => {
    const sequence = index + 1;
    const what = `trade list for proposal ${input.proposalId}, trade ${sequence} (${trade.ticker})`;
    if (trade.side !== 'BUY' && trade.side !== 'SELL') throw new BallastError('BAD_INPUT', `${what}: side must be BUY or SELL`);
    if (trade.ticker.trim() === '') throw new BallastError('BAD_INPUT', `${what}: symbol is empty`);
    if (!DecimalString.safeParse(trade.quantity).success || decimalSign(trade.quantity) <= 0) {
      throw new BallastError('BAD_INPUT', `${what}: quantity "${trade.quantity}" must be a positive plain decimal`);
    }
    if (!/^[A-Z]{3}$/.test(trade.currency)) throw new BallastError('BAD_INPUT', `${what}: currency "${trade.currency}" is not a 3-letter code`);
    const fields = [
      input.accountId,
      trade.side,
      trade.ticker,
      trade.isin ?? '',
      trade.quantity,
      ORDER_TYPE,
      '',
      TIME_IN_FORCE,
      trade.currency,
      clientOrderId(input.proposalId, sequence),
      String(input.proposalId),
    ];
    lines.push(fields.map(csvField).join(','));
  });
  return { text: lines.map((line) => line + RECORD_END).join(''), rows: input.trades.length };
}

/**
 * RFC 4180 quoting. Leading/trailing spaces are quoted too, because many readers (Excel, and csv-parse
 * with trim) drop them from unquoted fields.
 */
function csvField(value: string): string {
  if (/[",\r\n]/.test(value) || value !== value.trim()) return `"${value.replace(/"/g, '""')}"`;
  return value;
}

export interface TradeListRow {
  line: number;
  account: string;
  side: TradeSide;
  symbol: string;
  isin: string | null;
  quantity: DecimalString;
  orderType: string;
  limitPrice: DecimalString | null;
  timeInForce: string;
  currency: string;
  clientOrderId: string;
  proposalId: number;
}

/**
 * Reads a trade list written by `writeTradeListCsv` (round-trip checks, end-to-end tests, and a PM
 * re-opening an export). Cells are taken verbatim — no trimming — so what was written is what is read.
 */
export function parseTradeListCsv(input: Uint8Array | string, fileName = 'trade list'): { rows: TradeListRow[]; issues: FileIssue[] } {
  void fileName;
  const issues = new IssueCollector();
  const text = decodeUtf8(input, issues);
  if (text === null) return { rows: [], issues: issues.toArray() };
  const table = readCsvTable(text, issues);
  if (table.header === null) {
    issues.error(1, '', 'the file is empty');
    return { rows: [], issues: issues.toArray() };
  }
  const header = table.header.cells;
  const expected = TRADE_LIST_COLUMNS.join(',');
  if (header.join(',') !== expected) {
    issues.error(table.header.line, '', `the header must be exactly ${expected}`, header.join(','));
    return { rows: [], issues: issues.toArray() };
  }

  const rows: TradeListRow[] = [];
  for (const record of table.rows) {
    if (record.cells.length !== TRADE_LIST_COLUMNS.length) {
      issues.error(record.line, '', `the row has ${record.cells.length} cells but the header has ${TRADE_LIST_COLUMNS.length}`);
      continue;
    }
    const [account, side, symbol, isin, quantity, orderType, limitPrice, timeInForce, currency, orderId, proposalId] = record.cells as [
      string, string, string, string, string, string, string, string, string, string, string,
    ];
    let ok = true;
    const fail = (field: string, reason: string, value: string) => {
      issues.error(record.line, field, reason, value);
      ok = false;
    };
    if (side !== 'BUY' && side !== 'SELL') fail('side', `"${side}" is not BUY or SELL`, side);
    const quantityReading = readDecimal(quantity);
    if (!quantityReading.ok || quantityReading.value !== quantity || decimalSign(quantityReading.value) <= 0) {
      fail('quantity', `"${quantity}" is not a positive plain decimal`, quantity);
    }
    let limit: DecimalString | null = null;
    if (limitPrice !== '') {
      const limitReading = readDecimal(limitPrice);
      if (!limitReading.ok || decimalSign(limitReading.value) <= 0) fail('limit_price', `"${limitPrice}" is not a positive price`, limitPrice);
      else limit = limitReading.value;
    }
    if (!/^[1-9]\d*$/.test(proposalId)) fail('proposal_id', `"${proposalId}" is not a proposal id`, proposalId);
    if (!ok) continue;
    rows.push({
      line: record.line,
      account,
      side: side as TradeSide,
      symbol,
      isin: isin === '' ? null : isin,
      quantity,
      orderType,
      limitPrice: limit,
      timeInForce,
      currency,
      clientOrderId: orderId,
      proposalId: Number(proposalId),
    });
  }
  return { rows, issues: issues.toArray() };
}
