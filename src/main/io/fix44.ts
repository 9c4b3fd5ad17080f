import type { FixSettings } from '../../shared/domain';
import { BallastError } from '../../shared/errors';
import { assertTradeFitForBroker, clientOrderId, formatLimitPrice, type OrderType, type TradeListTrade } from './trade-list-csv';

/**
 * FIX 4.4 order messages for EMS upload: one NewOrderSingle (35=D) per trade and, when the settings ask
 * for it, one NewOrderList (35=E) carrying the same orders as a basket.
 *
 * File layout: each message is the exact FIX byte sequence (fields separated by SOH, ending with the SOH
 * after CheckSum) followed by one "\n". EMS upload tools and FIX log readers take one message per line;
 * the "\n" sits outside every message, so BodyLength and CheckSum are untouched by it.
 *
 * The singles come first (sequence numbers firstSeqNum…), then the list. The list repeats the singles'
 * ClOrdIDs on purpose: an EMS that loads both sees duplicate order ids and refuses the second copy, rather
 * than two sets of orders.
 */

export const SOH = '\x01';
export const FIX44_BEGIN_STRING = 'FIX.4.4';

export type Fix44Trade = Pick<TradeListTrade, 'ticker' | 'isin' | 'cusip' | 'sedol' | 'side' | 'quantity' | 'currency' | 'limitPrice'>;

export interface Fix44OrdersInput {
  proposalId: number;
  accountId: string;
  trades: readonly Fix44Trade[];
  settings: FixSettings;
  /** Written as SendingTime(52) and TransactTime(60); injected so the same export gives the same bytes. */
  sendingTime: Date;
  /** MsgSeqNum(34) of the first message; the rest follow one by one. */
  firstSeqNum: number;
  /** Market unless told otherwise; a limit order needs each trade's limitPrice. */
  orderType?: OrderType;
  /**
   * Text(58) of every order (last field, the dictionary's place for it in NewOrderSingle and in a
   * NewOrderList entry). Ballast puts its audit anchor here: any FIX 4.4 reader accepts Text, and the
   * EMS passes it through without acting on it.
   */
  text?: string;
}

export interface Fix44Orders {
  /** The file: every message followed by "\n". */
  text: string;
  /** Each message exactly as FIX bytes (SOH-delimited, no "\n"). */
  messages: string[];
  /** ClOrdID of each trade, in trade order. */
  clOrdIds: string[];
  /** ListID(66) of the NewOrderList, or null when none was written. */
  listId: string | null;
  /** The MsgSeqNum the next message of this session would carry. */
  nextSeqNum: number;
}

export interface Fix44Check {
  ok: boolean;
  problems: string[];
}

type Field = readonly [tag: number, value: string];

const TIME_IN_FORCE: Readonly<Record<FixSettings['timeInForce'], string>> = { DAY: '0', GTC: '1', OPG: '2', IOC: '3', CLS: '7' };
const ORD_TYPE: Readonly<Record<OrderType, string>> = { MKT: '1', LMT: '2' };
const SIDE: Readonly<Record<Fix44Trade['side'], string>> = { BUY: '1', SELL: '2' };
/** SecurityIDSource(22) codes. */
const ID_SOURCE = { ISIN: '4', CUSIP: '1', SEDOL: '2' } as const;
/** BidType(394) 3: "no bidding process" — the basket is sent as is, not put out for bids. */
const BID_TYPE_NO_BIDDING = '3';

/** ListID(66) for a proposal's basket: the proposal it came from, in the same family as the ClOrdIDs. */
export function fixListId(proposalId: number): string {
  return `BAL-${proposalId}`;
}

/** UTCTimestamp with milliseconds, `YYYYMMDD-HH:MM:SS.sss`. */
export function fixTimestamp(date: Date): string {
  return date.toISOString().replace(/^(\d{4})-(\d{2})-(\d{2})T(\d{2}:\d{2}:\d{2}\.\d{3})Z$/, '$1$2$3-$4');
}

/**
 * Writes the orders of an approved proposal as FIX 4.4 messages. Throws BAD_INPUT for anything that must
 * not reach a broker: a malformed or non-positive quantity, an empty symbol, a limit order without a
 * price, a value with SOH, "=" or characters outside printable ASCII (which would change the message's
 * framing or be read differently by the counterparty), bad session settings.
 */
export function writeFix44Orders(input: Fix44OrdersInput): Fix44Orders {
  const { proposalId, settings } = input;
  if (!Number.isInteger(proposalId) || proposalId <= 0) {
    throw new BallastError('BAD_INPUT', `FIX export: proposal id ${proposalId} is not a positive whole number`);
  }
  if (!Number.isSafeInteger(input.firstSeqNum) || input.firstSeqNum < 1) {
    throw new BallastError('BAD_INPUT', `FIX export: the first sequence number ${input.firstSeqNum} is not a positive whole number`);
  }
  if (!(input.sendingTime instanceof Date) || Number.isNaN(input.sendingTime.getTime())) {
    throw new BallastError('BAD_INPUT', 'FIX export: the sending time is not a valid date');
  }
  if (input.trades.length === 0) throw new BallastError('BAD_INPUT', `FIX export: proposal ${proposalId} has no trades to send`);
  const orderType = input.orderType ?? 'MKT';
  if (orderType !== 'MKT' && orderType !== 'LMT') throw new BallastError('BAD_INPUT', `FIX export: order type "${String(orderType)}" is not MKT or LMT`);
  const timeInForce = TIME_IN_FORCE[settings.timeInForce];
  if (timeInForce === undefined) throw new BallastError('BAD_INPUT', `FIX settings: time in force "${settings.timeInForce}" is not DAY, GTC, OPG, IOC or CLS`);
  if (settings.handlInst !== null && !['1', '2', '3'].includes(settings.handlInst)) {
    throw new BallastError('BAD_INPUT', `FIX settings: HandlInst "${settings.handlInst}" is not 1, 2 or 3`);
  }
  const senderCompId = fixText(settings.senderCompId, 'FIX settings: SenderCompID');
  const targetCompId = fixText(settings.targetCompId, 'FIX settings: TargetCompID');
  const account = fixText(input.accountId, 'FIX export: the account id');
  const timestamp = fixTimestamp(input.sendingTime);
  const text = input.text === undefined ? null : fixText(input.text, 'FIX export: Text(58)');

  const orders = input.trades.map((trade, index) => {
    const sequence = index + 1;
    const what = `FIX export for proposal ${proposalId}, trade ${sequence} (${trade.ticker})`;
    assertTradeFitForBroker(trade, what);
    const symbol = fixText(trade.ticker, `${what}: symbol`);
    const security = securityId(trade);
    const fields: Field[] = [
      [11, clientOrderId(proposalId, sequence)],
      [1, account],
      ...(settings.handlInst === null ? [] : [[21, settings.handlInst] as const]),
      [55, symbol],
      ...(security === null ? [] : ([[48, security.id], [22, security.source]] as const)),
      [54, SIDE[trade.side]],
      [60, timestamp],
      [38, trade.quantity],
      [40, ORD_TYPE[orderType]],
      ...(orderType === 'LMT' ? [[44, formatLimitPrice(trade.limitPrice, what)] as const] : []),
      [15, trade.currency],
      [59, timeInForce],
      ...(text === null ? [] : [[58, text] as const]),
    ];
    return fields;
  });

  let seqNum = input.firstSeqNum;
  const header = (msgType: string): Field[] => [
    [35, msgType],
    [49, senderCompId],
    [56, targetCompId],
    [34, String(seqNum++)],
    [52, timestamp],
  ];
  const messages = orders.map((fields) => frame([...header('D'), ...fields]));

  let listId: string | null = null;
  if (settings.newOrderList) {
    listId = fixListId(proposalId);
    // Inside the NoOrders group the dictionary order matters and ClOrdID opens each entry, ListSeqNo next.
    const entries = orders.flatMap((fields, index) => {
      const [first, ...rest] = fields;
      return [first as Field, [67, String(index + 1)] as const, ...rest];
    });
    messages.push(
      frame([
        ...header('E'),
        [66, listId],
        [394, BID_TYPE_NO_BIDDING],
        [68, String(orders.length)],
        [73, String(orders.length)],
        ...entries,
      ]),
    );
  }

  // Defence in depth: the writer's output goes through the same check the app runs before writing.
  messages.forEach((message, i) => {
    const check = validateFix44Message(message);
    if (!check.ok) throw new BallastError('INTERNAL', `FIX export: message ${i + 1} failed its own check: ${check.problems.join('; ')}`);
  });

  return {
    text: messages.map((message) => `${message}\n`).join(''),
    messages,
    clOrdIds: orders.map((_, index) => clientOrderId(proposalId, index + 1)),
    listId,
    nextSeqNum: seqNum,
  };
}

/** The one identifier sent in SecurityID(48): ISIN when known (global, unambiguous), else CUSIP, else SEDOL. */
function securityId(trade: Fix44Trade): { id: string; source: string } | null {
  if (trade.isin != null) return { id: trade.isin, source: ID_SOURCE.ISIN };
  if (trade.cusip != null) return { id: trade.cusip, source: ID_SOURCE.CUSIP };
  if (trade.sedol != null) return { id: trade.sedol, source: ID_SOURCE.SEDOL };
  return null;
}

/** A value safe inside a tag=value field: non-empty, printable ASCII, no "=" (and so no SOH). */
function fixText(value: string, what: string): string {
  if (typeof value !== 'string' || value === '') throw new BallastError('BAD_INPUT', `${what} is empty`);
  if (value.includes(SOH)) throw new BallastError('BAD_INPUT', `${what} "${printable(value)}" contains the FIX field separator (SOH)`);
  if (value.includes('=')) throw new BallastError('BAD_INPUT', `${what} "${value}" contains "=", which FIX readers take for a new field`);
  if (!/^[\x20-\x7e]+$/.test(value)) throw new BallastError('BAD_INPUT', `${what} "${printable(value)}" has characters outside printable ASCII`);
  return value;
}

function printable(value: string): string {
  return value.replace(/[^\x20-\x7e]/g, (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Adds BeginString, BodyLength and CheckSum around the fields from MsgType(35) on. */
function frame(fields: readonly Field[]): string {
  const body = fields.map(([tag, value]) => `${tag}=${value}${SOH}`).join('');
  const head = `8=${FIX44_BEGIN_STRING}${SOH}9=${byteLength(body)}${SOH}`;
  return `${head}${body}10=${checkSumText(head + body)}${SOH}`;
}

const encoder = new TextEncoder();

function byteLength(text: string): number {
  return encoder.encode(text).length;
}

/** CheckSum(10): the sum of every byte before the "10=" field, modulo 256, as three digits. */
export function fixCheckSum(text: string): string {
  return checkSumText(text);
}

function checkSumText(text: string): string {
  let sum = 0;
  for (const byte of encoder.encode(text)) sum += byte;
  return String(sum % 256).padStart(3, '0');
}

// ---------------------------------------------------------------------------------------------------------
// Validation

const HEADER_ORDER = [8, 9, 35, 49, 56, 34, 52] as const;
const TIMESTAMP = /^\d{8}-\d{2}:\d{2}:\d{2}(\.\d{3})?$/;
const POSITIVE_DECIMAL = /^(0|[1-9]\d*)(\.\d+)?$/;
const POSITIVE_INT = /^[1-9]\d*$/;

/** The order fields this writer produces and the values FIX 4.4 allows for the enumerated ones. */
const ORDER_FIELD_VALUES: Readonly<Record<number, readonly string[] | null>> = {
  11: null,
  1: null,
  21: ['1', '2', '3'],
  55: null,
  48: null,
  22: ['1', '2', '4'],
  54: ['1', '2'],
  60: null,
  38: null,
  40: ['1', '2'],
  44: null,
  15: null,
  59: ['0', '1', '2', '3', '7'],
  58: null,
};
const LIST_FIELDS = new Set([66, 394, 68, 73]);

/**
 * Checks one message as the app is about to write it: framing (BeginString, BodyLength counted in bytes,
 * CheckSum, trailer last), the standard header in order, and for NewOrderSingle / NewOrderList the fields
 * and values an order needs (ClOrdID, Side, Symbol or SecurityID, OrderQty > 0, OrdType, Price exactly
 * for limit orders, TransactTime, known enumerations, group counts that match). Never throws.
 */
export function validateFix44Message(message: string): Fix44Check {
  const problems: string[] = [];
  if (typeof message !== 'string' || message === '') return { ok: false, problems: ['the message is empty'] };
  if (!message.endsWith(SOH)) problems.push('the message does not end with the SOH after CheckSum(10)');
  const raw = message.endsWith(SOH) ? message.slice(0, -1) : message;
  const fields: Field[] = [];
  for (const [i, part] of raw.split(SOH).entries()) {
    const match = /^([1-9]\d*)=(.+)$/s.exec(part);
    if (!match) {
      problems.push(`field ${i + 1} "${printable(part)}" is not tag=value`);
      return { ok: false, problems };
    }
    fields.push([Number(match[1]), match[2] as string]);
  }

  const tags = fields.map(([tag]) => tag);
  HEADER_ORDER.forEach((tag, i) => {
    if (tags[i] !== tag) problems.push(`field ${i + 1} must be tag ${tag} (standard header order 8, 9, 35, 49, 56, 34, 52) but is ${tags[i] ?? 'missing'}`);
  });
  const last = fields[fields.length - 1];
  if (!last || last[0] !== 10) problems.push('the last field must be CheckSum(10)');
  if (tags.indexOf(10) !== tags.length - 1) problems.push('CheckSum(10) appears before the end');

  const value = (tag: number) => fields.find(([t]) => t === tag)?.[1];
  if (value(8) !== FIX44_BEGIN_STRING) problems.push(`BeginString(8) must be ${FIX44_BEGIN_STRING}, not "${value(8) ?? ''}"`);

  // Framing: recomputed over the bytes as they stand.
  const bodyStart = message.indexOf(`${SOH}35=`);
  const trailerStart = message.lastIndexOf(`${SOH}10=`);
  const declaredLength = value(9);
  if (bodyStart < 0 || trailerStart < bodyStart) {
    problems.push('cannot find the body between BodyLength(9) and CheckSum(10)');
  } else {
    const actualLength = byteLength(message.slice(bodyStart + 1, trailerStart + 1));
    if (declaredLength === undefined || !/^\d+$/.test(declaredLength) || Number(declaredLength) !== actualLength) {
      problems.push(`BodyLength(9) is ${declaredLength ?? 'missing'} but the body is ${actualLength} bytes`);
    }
    const declaredSum = value(10);
    const actualSum = checkSumText(message.slice(0, trailerStart + 1));
    if (declaredSum !== actualSum) problems.push(`CheckSum(10) is ${declaredSum ?? 'missing'} but the bytes sum to ${actualSum}`);
  }

  if (!value(49)) problems.push('SenderCompID(49) is missing');
  if (!value(56)) problems.push('TargetCompID(56) is missing');
  if (!POSITIVE_INT.test(value(34) ?? '')) problems.push(`MsgSeqNum(34) "${value(34) ?? ''}" is not a positive whole number`);
  if (!TIMESTAMP.test(value(52) ?? '')) problems.push(`SendingTime(52) "${value(52) ?? ''}" is not YYYYMMDD-HH:MM:SS.sss`);

  const msgType = value(35);
  const body = fields.slice(HEADER_ORDER.length, -1);
  const seen = new Set<number>(HEADER_ORDER);
  seen.add(10);
  const repeated = (list: readonly Field[]) => {
    const counts = new Map<number, number>();
    for (const [tag] of list) counts.set(tag, (counts.get(tag) ?? 0) + 1);
    return [...counts].filter(([tag, n]) => n > 1 || seen.has(tag)).map(([tag]) => tag);
  };
  if (msgType === 'D') {
    const duplicates = repeated(body);
    if (duplicates.length > 0) problems.push(`tags ${duplicates.join(', ')} appear more than once`);
    problems.push(...checkOrder(body, 'NewOrderSingle', true));
  } else if (msgType === 'E') {
    const groupStart = body.findIndex(([tag]) => tag === 11);
    const top = groupStart < 0 ? body : body.slice(0, groupStart);
    const group = groupStart < 0 ? [] : body.slice(groupStart);
    const duplicates = repeated(top);
    if (duplicates.length > 0) problems.push(`tags ${duplicates.join(', ')} appear more than once`);
    for (const [tag] of top) if (!LIST_FIELDS.has(tag)) problems.push(`tag ${tag} is not expected before the NoOrders(73) group`);
    for (const tag of LIST_FIELDS) if (!top.some(([t]) => t === tag)) problems.push(`NewOrderList needs tag ${tag}`);
    if (value(394) !== undefined && !['1', '2', '3'].includes(value(394) as string)) problems.push(`BidType(394) "${value(394)}" is not 1, 2 or 3`);
    const entries: Field[][] = [];
    for (const field of group) {
      if (field[0] === 11) entries.push([field]);
      else entries[entries.length - 1]?.push(field);
    }
    const declared = value(73);
    if (declared !== String(entries.length)) problems.push(`NoOrders(73) is ${declared ?? 'missing'} but the group has ${entries.length} entries`);
    if (value(68) !== declared) problems.push(`TotNoOrders(68) ${value(68) ?? 'missing'} differs from NoOrders(73) ${declared ?? 'missing'}`);
    if (entries.length === 0) problems.push('the NoOrders(73) group is empty');
    const clOrdIds = new Set<string>();
    entries.forEach((entry, i) => {
      const label = `NoOrders entry ${i + 1}`;
      const duplicatesInEntry = repeated(entry);
      if (duplicatesInEntry.length > 0) problems.push(`${label}: tags ${duplicatesInEntry.join(', ')} appear more than once`);
      if (entry[1]?.[0] !== 67) problems.push(`${label}: ListSeqNo(67) must follow ClOrdID(11)`);
      else if (entry[1][1] !== String(i + 1)) problems.push(`${label}: ListSeqNo(67) is ${entry[1][1]}, expected ${i + 1}`);
      const id = entry[0]?.[1] ?? '';
      if (clOrdIds.has(id)) problems.push(`${label}: ClOrdID(11) ${id} is not unique`);
      clOrdIds.add(id);
      problems.push(...checkOrder(entry.filter(([tag]) => tag !== 67), label, false));
    });
  } else {
    problems.push(`MsgType(35) "${msgType ?? ''}" is neither NewOrderSingle (D) nor NewOrderList (E)`);
  }
  return { ok: problems.length === 0, problems };
}

/** Field rules shared by a NewOrderSingle and a NewOrderList entry. */
function checkOrder(fields: readonly Field[], label: string, transactTimeRequired: boolean): string[] {
  const problems: string[] = [];
  const value = (tag: number) => fields.find(([t]) => t === tag)?.[1];
  for (const [tag, text] of fields) {
    if (!(tag in ORDER_FIELD_VALUES)) {
      problems.push(`${label}: tag ${tag} is not one this writer sends`);
      continue;
    }
    const allowed = ORDER_FIELD_VALUES[tag];
    if (allowed && !allowed.includes(text)) problems.push(`${label}: tag ${tag} has "${text}", allowed ${allowed.join(', ')}`);
  }
  const required: [number, string][] = [
    [11, 'ClOrdID'],
    [54, 'Side'],
    [38, 'OrderQty'],
    [40, 'OrdType'],
  ];
  if (transactTimeRequired) required.push([60, 'TransactTime']);
  for (const [tag, name] of required) if (value(tag) === undefined) problems.push(`${label}: ${name}(${tag}) is missing`);
  if (value(55) === undefined && value(48) === undefined) problems.push(`${label}: neither Symbol(55) nor SecurityID(48) is present`);
  if ((value(48) === undefined) !== (value(22) === undefined)) problems.push(`${label}: SecurityID(48) and SecurityIDSource(22) must come together`);
  const quantity = value(38);
  if (quantity !== undefined && (!POSITIVE_DECIMAL.test(quantity) || /^0(\.0+)?$/.test(quantity))) problems.push(`${label}: OrderQty(38) "${quantity}" is not a positive decimal`);
  const price = value(44);
  if (value(40) === '2' && price === undefined) problems.push(`${label}: a limit order (40=2) needs Price(44)`);
  if (value(40) !== '2' && price !== undefined) problems.push(`${label}: Price(44) is only sent for limit orders`);
  if (price !== undefined && (!POSITIVE_DECIMAL.test(price) || /^0(\.0+)?$/.test(price))) problems.push(`${label}: Price(44) "${price}" is not a positive decimal`);
  const currency = value(15);
  if (currency !== undefined && !/^[A-Z]{3}$/.test(currency)) problems.push(`${label}: Currency(15) "${currency}" is not a 3-letter code`);
  const transactTime = value(60);
  if (transactTime !== undefined && !TIMESTAMP.test(transactTime)) problems.push(`${label}: TransactTime(60) "${transactTime}" is not YYYYMMDD-HH:MM:SS.sss`);
  return problems;
}

/** Splits a file written by `writeFix44Orders` back into its messages (one per line). */
export function splitFix44File(text: string): string[] {
  return text.split('\n').filter((line) => line !== '');
}

/** `validateFix44Message` over every message of a file, problems prefixed with the message's line. */
export function validateFix44File(text: string): Fix44Check {
  const problems: string[] = [];
  if (!text.endsWith('\n')) problems.push('the file does not end with a newline after its last message');
  const messages = splitFix44File(text);
  if (messages.length === 0) problems.push('the file has no messages');
  messages.forEach((message, i) => {
    for (const problem of validateFix44Message(message).problems) problems.push(`line ${i + 1}: ${problem}`);
  });
  return { ok: problems.length === 0, problems };
}

