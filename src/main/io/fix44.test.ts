// jspurefix resolves its classes through tsyringe, which needs the Reflect metadata polyfill loaded first
// (jspurefix's own entry points do the same). Both are test-only: the writer itself depends on neither.
import 'reflect-metadata';
import fc from 'fast-check';
import { AsciiParser, DITokens, EmptyLogFactory, SessionContainer, type ElasticBuffer, type FixDefinitions, type IJsFixConfig, type MsgView } from 'jspurefix';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FixSettings } from '../../shared/domain';
import { isBallastError } from '../../shared/errors';
import { isinCheckDigit } from './identifiers';
import {
  SOH,
  fixTimestamp,
  splitFix44File,
  validateFix44File,
  validateFix44Message,
  writeFix44Orders,
  type Fix44OrdersInput,
  type Fix44Trade,
} from './fix44';
import { clientOrderId, parseTradeListCsv, writeTradeListCsv } from './trade-list-csv';

const settings: FixSettings = { senderCompId: 'BALLAST', targetCompId: 'EMSX', handlInst: null, timeInForce: 'DAY', newOrderList: false };
const sendingTime = new Date('2026-08-04T13:30:05.042Z');

const trades: Fix44Trade[] = [
  { ticker: 'SPY', isin: 'US78462F1030', cusip: '78462F103', sedol: null, side: 'SELL', quantity: '1200', currency: 'USD', limitPrice: 755.645 },
  { ticker: 'TLT', isin: null, cusip: '464287432', sedol: null, side: 'BUY', quantity: '350.5', currency: 'USD', limitPrice: '82.25' },
  { ticker: 'VOD LN', isin: null, cusip: null, sedol: 'BH4HKS3', side: 'BUY', quantity: '10000', currency: 'GBP', limitPrice: 0.72 },
  { ticker: 'BRK.B', isin: null, cusip: null, sedol: null, side: 'SELL', quantity: '0.5', currency: 'USD', limitPrice: 1e-7 },
];

const input: Fix44OrdersInput = { proposalId: 42, accountId: 'DEMO-01', trades, settings, sendingTime, firstSeqNum: 7 };

/** tag=value pairs in wire order (test-side splitter, independent of the module's validator). */
function fieldsOf(message: string): [number, string][] {
  expect(message.endsWith(SOH)).toBe(true);
  return message
    .slice(0, -1)
    .split(SOH)
    .map((part) => {
      const at = part.indexOf('=');
      return [Number(part.slice(0, at)), part.slice(at + 1)];
    });
}

function bodyFields(message: string, tag: number): string[] {
  return fieldsOf(message)
    .filter(([t]) => t === tag)
    .map(([, v]) => v);
}

/** Frames a body (from 35= on) the textbook way, with Buffer byte counts: used to build negative cases. */
function frameByHand(body: string, options: { bodyLength?: number; checkSum?: string } = {}): string {
  const head = `8=FIX.4.4${SOH}9=${options.bodyLength ?? Buffer.byteLength(body)}${SOH}`;
  const sum = [...Buffer.from(head + body)].reduce((a, b) => a + b, 0) % 256;
  return `${head}${body}10=${options.checkSum ?? String(sum).padStart(3, '0')}${SOH}`;
}

/** A body (or message) without the first field with this tag. */
function withoutField(text: string, tag: number): string {
  const found = text.startsWith(`${tag}=`) ? -1 : text.indexOf(`${SOH}${tag}=`);
  expect(text.startsWith(`${tag}=`) || found >= 0, `tag ${tag} present`).toBe(true);
  const at = found + 1;
  return text.slice(0, at) + text.slice(text.indexOf(SOH, at) + 1);
}

/** The message with its CheckSum(10) value replaced, everything else untouched. */
function withCheckSum(message: string, checkSum: string): string {
  return `${message.slice(0, message.lastIndexOf(`${SOH}10=`) + 1)}10=${checkSum}${SOH}`;
}

function bodyOf(message: string): string {
  return message.slice(message.indexOf(`${SOH}35=`) + 1, message.lastIndexOf(`${SOH}10=`) + 1);
}

function expectBadInput(run: () => unknown, word: string): void {
  try {
    run();
    expect.unreachable();
  } catch (error) {
    expect(isBallastError(error) && error.code).toBe('BAD_INPUT');
    expect((error as Error).message).toContain(word);
  }
}

describe('writeFix44Orders', () => {
  it('writes one NewOrderSingle per trade with a correct standard header, body and trailer', () => {
    const out = writeFix44Orders(input);
    expect(out.messages).toHaveLength(4);
    expect(out.clOrdIds).toEqual(['BAL-42-001', 'BAL-42-002', 'BAL-42-003', 'BAL-42-004']);
    expect(out.nextSeqNum).toBe(11);
    expect(out.listId).toBeNull();
    // Pinned bytes of the first message (SOH shown as |), checked outside this code base (Python): the body
    // from "35=" through the SOH before "10=" is 161 bytes, and the bytes before "10=" sum to 104 mod 256.
    expect(out.messages[0]!.replaceAll(SOH, '|')).toBe(
      '8=FIX.4.4|9=161|35=D|49=BALLAST|56=EMSX|34=7|52=20260804-13:30:05.042|11=BAL-42-001|1=DEMO-01|55=SPY|48=US78462F1030|22=4|54=2|60=20260804-13:30:05.042|38=1200|40=1|15=USD|59=0|10=104|',
    );
    out.messages.forEach((message, i) => {
      const fields = fieldsOf(message);
      expect(fields.slice(0, 7).map(([tag]) => tag)).toEqual([8, 9, 35, 49, 56, 34, 52]);
      expect(fields.at(-1)![0]).toBe(10);
      expect(fields.filter(([tag]) => tag === 10)).toHaveLength(1);
      // BodyLength and CheckSum recomputed here from the bytes
      expect(Number(bodyFields(message, 9)[0])).toBe(Buffer.byteLength(bodyOf(message)));
      expect(message).toBe(frameByHand(bodyOf(message)));
      expect(bodyFields(message, 34)).toEqual([String(7 + i)]);
      expect(bodyFields(message, 11)).toEqual([clientOrderId(42, i + 1)]);
      expect(bodyFields(message, 52)).toEqual(['20260804-13:30:05.042']);
      expect(bodyFields(message, 60)).toEqual(['20260804-13:30:05.042']);
      expect(bodyFields(message, 38)).toEqual([trades[i]!.quantity]);
      expect(bodyFields(message, 44)).toEqual([]); // market orders carry no price
      expect(bodyFields(message, 21)).toEqual([]); // HandlInst only when the EMS wants it
      expect(validateFix44Message(message)).toEqual({ ok: true, problems: [] });
    });
  });

  it('prefers ISIN, then CUSIP, then SEDOL for SecurityID(48), and sends only Symbol when none is known', () => {
    const out = writeFix44Orders(input);
    expect(out.messages.map((m) => [bodyFields(m, 48), bodyFields(m, 22)])).toEqual([
      [['US78462F1030'], ['4']],
      [['464287432'], ['1']],
      [['BH4HKS3'], ['2']],
      [[], []],
    ]);
    expect(out.messages.map((m) => bodyFields(m, 55)[0])).toEqual(['SPY', 'TLT', 'VOD LN', 'BRK.B']);
    expect(out.messages.map((m) => bodyFields(m, 54)[0])).toEqual(['2', '1', '1', '2']);
  });

  it('writes the file as one message per line, SOH-delimited, "\\n" outside each message', () => {
    const out = writeFix44Orders(input);
    expect(out.text).toBe(out.messages.map((m) => `${m}\n`).join(''));
    expect(out.messages.every((m) => !m.includes('\n'))).toBe(true);
    expect(splitFix44File(out.text)).toEqual(out.messages);
    expect(validateFix44File(out.text)).toEqual({ ok: true, problems: [] });
  });

  it('is deterministic: the same proposal and sending time give the same bytes', () => {
    expect(writeFix44Orders(input).text).toBe(writeFix44Orders({ ...input, trades: trades.map((t) => ({ ...t })) }).text);
  });

  it('writes limit orders with Price(44) as plain decimals, and HandlInst(21) when set', () => {
    const out = writeFix44Orders({ ...input, orderType: 'LMT', settings: { ...settings, handlInst: '1' } });
    expect(out.messages.map((m) => [bodyFields(m, 40)[0], bodyFields(m, 44)[0], bodyFields(m, 21)[0]])).toEqual([
      ['2', '755.645', '1'],
      ['2', '82.25', '1'],
      ['2', '0.72', '1'],
      ['2', '0.0000001', '1'],
    ]);
    for (const m of out.messages) expect(validateFix44Message(m).ok).toBe(true);
  });

  it.each([
    ['DAY', '0'],
    ['GTC', '1'],
    ['OPG', '2'],
    ['IOC', '3'],
    ['CLS', '7'],
  ] as const)('maps time in force %s to TimeInForce(59)=%s', (timeInForce, code) => {
    const out = writeFix44Orders({ ...input, settings: { ...settings, timeInForce } });
    expect(out.messages.map((m) => bodyFields(m, 59))).toEqual(trades.map(() => [code]));
  });

  it('adds one NewOrderList (35=E) basket after the singles, reusing their ClOrdIDs', () => {
    const out = writeFix44Orders({ ...input, orderType: 'LMT', settings: { ...settings, newOrderList: true, handlInst: '2' } });
    expect(out.messages).toHaveLength(5);
    expect(out.nextSeqNum).toBe(12);
    expect(out.listId).toBe('BAL-42');
    const list = out.messages[4]!;
    expect(bodyFields(list, 35)).toEqual(['E']);
    expect(bodyFields(list, 34)).toEqual(['11']);
    const fields = fieldsOf(list);
    expect(fields.slice(7, 11)).toEqual([
      [66, 'BAL-42'],
      [394, '3'],
      [68, '4'],
      [73, '4'],
    ]);
    expect(bodyFields(list, 11)).toEqual(out.clOrdIds);
    expect(bodyFields(list, 67)).toEqual(['1', '2', '3', '4']);
    // ListSeqNo follows the ClOrdID that opens each group entry
    fields.forEach(([tag], i) => {
      if (tag === 11) expect(fields[i + 1]![0]).toBe(67);
    });
    expect(bodyFields(list, 44)).toEqual(['755.645', '82.25', '0.72', '0.0000001']);
    expect(list).toBe(frameByHand(bodyOf(list)));
    expect(validateFix44Message(list)).toEqual({ ok: true, problems: [] });
  });

  it('uses the same order ids as the CSV basket of the same proposal', () => {
    const csv = writeTradeListCsv({ accountId: 'DEMO-01', proposalId: 42, createdAt: '2026-08-04T09:00:00Z', trades });
    expect(parseTradeListCsv(csv.text).rows.map((row) => row.clientOrderId)).toEqual(writeFix44Orders(input).clOrdIds);
  });

  const one = (change: Partial<Fix44Trade>): Fix44OrdersInput => ({ ...input, trades: [{ ...trades[0]!, ...change }] });
  it.each([
    ['zero quantity', one({ quantity: '0' }), 'quantity'],
    ['negative quantity', one({ quantity: '-5' }), 'quantity'],
    ['exponent quantity', one({ quantity: '1e3' }), 'quantity'],
    ['grouped quantity', one({ quantity: '1,000' }), 'quantity'],
    ['empty quantity', one({ quantity: '' }), 'quantity'],
    ['empty symbol', one({ ticker: ' ' }), 'symbol'],
    ['SOH in the symbol', one({ ticker: `SPY${SOH}54=1` }), 'SOH'],
    ['"=" in the symbol', one({ ticker: 'ES=F' }), '"="'],
    ['non-ASCII symbol', one({ ticker: 'NESN Zürich' }), 'ASCII'],
    ['newline in the symbol', one({ ticker: 'SPY\n' }), 'ASCII'],
    ['lower-case currency', one({ currency: 'usd' }), 'currency'],
    ['unknown side', one({ side: 'HOLD' as 'BUY' }), 'side'],
    ['bad ISIN check digit', one({ isin: 'US78462F1031' }), 'ISIN'],
    ['limit order without a price', { ...one({ limitPrice: null }), orderType: 'LMT' as const }, 'limit price'],
    ['limit price zero', { ...one({ limitPrice: 0 }), orderType: 'LMT' as const }, 'limit price'],
    ['limit price NaN', { ...one({ limitPrice: Number.NaN }), orderType: 'LMT' as const }, 'limit price'],
    ['limit price text', { ...one({ limitPrice: '1,5' }), orderType: 'LMT' as const }, 'limit price'],
    ['SOH in the account', { ...input, accountId: `DEMO${SOH}` }, 'SOH'],
    ['"=" in SenderCompID', { ...input, settings: { ...settings, senderCompId: 'A=B' } }, 'SenderCompID'],
    ['empty TargetCompID', { ...input, settings: { ...settings, targetCompId: '' } }, 'TargetCompID'],
    ['proposal id 0', { ...input, proposalId: 0 }, 'proposal id'],
    ['sequence number 0', { ...input, firstSeqNum: 0 }, 'sequence number'],
    ['invalid sending time', { ...input, sendingTime: new Date('nope') }, 'sending time'],
    ['no trades', { ...input, trades: [] }, 'no trades'],
  ])('refuses what must not reach a broker: %s', (_, bad, word) => {
    expectBadInput(() => writeFix44Orders(bad), word);
  });
});

describe('validateFix44Message (our own check)', () => {
  const good = writeFix44Orders({ ...input, orderType: 'LMT', settings: { ...settings, newOrderList: true } });
  const single = good.messages[0]!;
  const list = good.messages[4]!;

  it('flags a wrong CheckSum', () => {
    const corrupted = withCheckSum(single, '000');
    expect(validateFix44Message(corrupted).problems).toEqual([expect.stringContaining('CheckSum(10) is 000')]);
  });

  it('flags a wrong BodyLength even when the CheckSum matches the bytes', () => {
    const body = bodyOf(single);
    const corrupted = frameByHand(body, { bodyLength: Buffer.byteLength(body) + 1 });
    expect(validateFix44Message(corrupted).problems).toEqual([expect.stringContaining('BodyLength(9)')]);
  });

  it('flags a flipped byte in the body (quantity changed after framing)', () => {
    const corrupted = single.replace('38=1200', '38=1300');
    expect(validateFix44Message(corrupted).problems).toEqual([expect.stringContaining('CheckSum(10)')]);
  });

  it('flags header fields out of the standard order, a missing trailer and a missing final SOH', () => {
    const swapped = frameByHand(bodyOf(single).replace(`49=BALLAST${SOH}56=EMSX`, `56=EMSX${SOH}49=BALLAST`));
    expect(validateFix44Message(swapped).problems.join('\n')).toContain('standard header order');
    expect(validateFix44Message(single.slice(0, single.lastIndexOf('10='))).ok).toBe(false);
    expect(validateFix44Message(single.slice(0, -1)).problems.join('\n')).toContain('does not end with the SOH');
  });

  it.each([
    ['a limit order without Price', (b: string) => withoutField(b, 44), 'needs Price(44)'],
    ['Price on a market order', (b: string) => b.replace('40=2', '40=1'), 'only sent for limit orders'],
    ['a zero quantity', (b: string) => b.replace('38=1200', '38=0'), 'OrderQty(38)'],
    ['an unknown side', (b: string) => b.replace('54=2', '54=9'), 'tag 54 has "9"'],
    ['a missing ClOrdID', (b: string) => withoutField(b, 11), 'ClOrdID(11) is missing'],
    ['a missing TransactTime', (b: string) => withoutField(b, 60), 'TransactTime(60) is missing'],
    ['SecurityID without its source', (b: string) => withoutField(b, 22), 'must come together'],
    ['a repeated tag', (b: string) => `${b}55=QQQ${SOH}`, 'more than once'],
    ['a foreign MsgType', (b: string) => b.replace('35=D', '35=8'), 'MsgType(35)'],
  ])('flags %s in a NewOrderSingle', (_, edit, words) => {
    const edited = frameByHand(edit(bodyOf(single)));
    expect(validateFix44Message(edited).problems.join('\n')).toContain(words);
  });

  it('flags a NewOrderList whose counts or ListSeqNo disagree with its entries', () => {
    expect(validateFix44Message(frameByHand(bodyOf(list).replace('73=4', '73=3'))).problems.join('\n')).toContain('NoOrders(73) is 3');
    expect(validateFix44Message(frameByHand(bodyOf(list).replace('68=4', '68=5'))).problems.join('\n')).toContain('TotNoOrders(68)');
    expect(validateFix44Message(frameByHand(bodyOf(list).replace('67=2', '67=9'))).problems.join('\n')).toContain('ListSeqNo(67) is 9');
    expect(validateFix44Message(frameByHand(bodyOf(list).replace('BAL-42-002', 'BAL-42-001'))).problems.join('\n')).toContain('not unique');
  });

  it('flags a damaged file line by line', () => {
    const lines = good.text.split('\n');
    lines[2] = lines[2]!.replace('38=', '38=9');
    const check = validateFix44File(lines.join('\n'));
    expect(check.ok).toBe(false);
    expect(check.problems.every((p) => p.startsWith('line 3: '))).toBe(true);
    expect(validateFix44File('').ok).toBe(false);
  });

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        expect(validateFix44Message(text).ok).toBe(false);
      }),
      { seed: 44, numRuns: 500 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------
// Independent validation with jspurefix (a FIX engine of its own) and its FIX 4.4 dictionaries: the
// QuickFIX-style data/FIX44.xml and the FIX Trading Community repository data/fix_repo/FIX.4.4/Base.

interface Jspurefix {
  definitions: FixDefinitions;
  parse: (message: string) => MsgView[];
}

async function loadJspurefix(dictionary: string): Promise<Jspurefix> {
  const system = new SessionContainer();
  system.registerGlobal(new EmptyLogFactory());
  const container = await system.makeSystem({
    application: { type: 'initiator', name: 'ballast-fix44-test', protocol: 'ascii', dictionary, reconnectSeconds: 0 },
    BeginString: 'FIX.4.4',
    SenderCompId: 'BALLAST',
    TargetCompID: 'EMSX',
  } as Parameters<SessionContainer['makeSystem']>[0]);
  const config = container.resolve<IJsFixConfig>(DITokens.IJsFixConfig);
  const buffer = container.resolve<ElasticBuffer>(DITokens.ParseBuffer);
  return {
    definitions: config.definitions,
    parse(message: string) {
      const parser = new AsciiParser(config, null, buffer);
      const views: MsgView[] = [];
      parser.on('msg', (_msgType: string, view: MsgView) => views.push(view.clone()));
      parser.parseText(message);
      return views;
    },
  };
}

/** Every (tag, value) of a view in wire order, as jspurefix tokenised it. */
function tokens(view: MsgView): { tag: number; value: string; start: number }[] {
  const tagPos = view.structure!.tags.tagPos.slice(0, view.structure!.tags.nextTagPos);
  const values = view.getStrings()!;
  expect(values).toHaveLength(tagPos.length);
  return tagPos.map((tp, i) => ({ tag: tp.tag, value: values[i] ?? '', start: tp.start }));
}

/** Value shapes per FIX 4.4 data type, as the dictionary names the field's type. */
const TYPE_SHAPE: Record<string, RegExp> = {
  STRING: /^[\x20-\x7e]+$/,
  CHAR: /^[\x21-\x7e]$/,
  INT: /^-?\d+$/,
  SEQNUM: /^[1-9]\d*$/,
  LENGTH: /^\d+$/,
  NUMINGROUP: /^\d+$/,
  QTY: /^\d+(\.\d+)?$/,
  PRICE: /^\d+(\.\d+)?$/,
  FLOAT: /^\d+(\.\d+)?$/,
  CURRENCY: /^[A-Z]{3}$/,
  UTCTIMESTAMP: /^\d{8}-\d{2}:\d{2}:\d{2}(\.\d{3})?$/,
};

function checkWithDictionary(fix: Jspurefix, message: string, msgType: 'D' | 'E'): MsgView {
  const views = fix.parse(message);
  expect(views).toHaveLength(1);
  const view = views[0]!;
  expect(view.segment.name).toBe(msgType === 'D' ? 'NewOrderSingle' : 'NewOrderList');
  // CheckSum as jspurefix computes it over the bytes it received
  expect(Number(view.getString('CheckSum'))).toBe(view.checksum());
  // BodyLength from jspurefix's own field positions: from the start of "35=" to the start of "10="
  const toks = tokens(view);
  const msgTypeTag = toks.find((t) => t.tag === 35)!;
  const checkSumTag = toks.find((t) => t.tag === 10)!;
  expect(view.getTyped('BodyLength')).toBe(checkSumTag.start - '10='.length - (msgTypeTag.start - '35='.length));
  // every tag is a FIX 4.4 field, defined for this message, with a valid enumeration and type shape
  expect(view.invalid()).toEqual([]);
  expect(view.undefinedForMsg()).toBeNull();
  for (const { tag, value } of toks) {
    const field = fix.definitions.tagToSimple[tag];
    expect(field, `tag ${tag}`).toBeDefined();
    if (field!.isEnum()) expect(field!.containsEnum(value), `${field!.name}(${tag})=${value}`).toBe(true);
    const shape = TYPE_SHAPE[field!.type];
    expect(shape, `type ${field!.type} of ${field!.name}`).toBeDefined();
    expect(shape!.test(value), `${field!.name}(${tag})=${value} as ${field!.type}`).toBe(true);
  }
  // every field the dictionary makes required is there
  expect(view.missing()).toEqual([]);
  return view;
}

function expectedOrder(trade: Fix44Trade, sequence: number, options: { limit: boolean; handlInst: string | null }) {
  const security = trade.isin
    ? { SecurityID: trade.isin, SecurityIDSource: '4' }
    : trade.cusip
      ? { SecurityID: trade.cusip, SecurityIDSource: '1' }
      : trade.sedol
        ? { SecurityID: trade.sedol, SecurityIDSource: '2' }
        : {};
  return {
    ClOrdID: clientOrderId(42, sequence),
    Account: 'DEMO-01',
    ...(options.handlInst ? { HandlInst: options.handlInst } : {}),
    Instrument: { Symbol: trade.ticker, ...security },
    Side: trade.side === 'BUY' ? '1' : '2',
    TransactTime: sendingTime,
    OrderQtyData: { OrderQty: Number(trade.quantity) },
    OrdType: options.limit ? '2' : '1',
    ...(options.limit ? { Price: Number(trade.limitPrice) } : {}),
    Currency: trade.currency,
    TimeInForce: '0',
  };
}

describe.each([
  ['QuickFIX-style FIX44.xml', 'data/FIX44.xml'],
  ['FIX repository FIX.4.4/Base', 'data/fix_repo/FIX.4.4/Base'],
])('independent validation with jspurefix and its %s dictionary', (_, dictionary) => {
  let fix: Jspurefix;
  beforeAll(async () => {
    fix = await loadJspurefix(dictionary);
    expect(fix.definitions.message.get('D')?.name).toBe('NewOrderSingle');
    expect(fix.definitions.message.get('E')?.name).toBe('NewOrderList');
  });

  it.each([
    ['market orders', { orderType: 'MKT' as const, handlInst: null }],
    ['limit orders with HandlInst', { orderType: 'LMT' as const, handlInst: '1' as const }],
  ])('accepts each NewOrderSingle (%s) and decodes exactly what was written', (_, options) => {
    const out = writeFix44Orders({ ...input, orderType: options.orderType, settings: { ...settings, handlInst: options.handlInst } });
    out.messages.forEach((message, i) => {
      const view = checkWithDictionary(fix, message, 'D');
      for (const tag of [11, 54, 38, 40, 60, 1, 15, 59]) expect(view.getString(tag), `tag ${tag}`).not.toBeNull();
      expect(view.getString(55) ?? view.getString(48)).not.toBeNull();
      // exact text of the decimal fields, before any float conversion
      expect(view.getString('OrderQty')).toBe(trades[i]!.quantity);
      const decoded = view.toObject() as Record<string, unknown>;
      expect(decoded.StandardHeader).toEqual({
        BeginString: 'FIX.4.4',
        BodyLength: Buffer.byteLength(bodyOf(message)),
        MsgType: 'D',
        SenderCompID: 'BALLAST',
        TargetCompID: 'EMSX',
        MsgSeqNum: 7 + i,
        SendingTime: sendingTime,
      });
      const { StandardHeader: _h, StandardTrailer: _t, ...body } = decoded;
      expect(body).toEqual(expectedOrder(trades[i]!, i + 1, { limit: options.orderType === 'LMT', handlInst: options.handlInst }));
    });
  });

  it('accepts the NewOrderList basket and decodes its NoOrders group', () => {
    const out = writeFix44Orders({ ...input, orderType: 'LMT', settings: { ...settings, newOrderList: true, handlInst: '3' } });
    const view = checkWithDictionary(fix, out.messages[4]!, 'E');
    const decoded = view.toObject() as Record<string, unknown>;
    expect(decoded).toMatchObject({ ListID: 'BAL-42', BidType: 3, TotNoOrders: 4 });
    // The QuickFIX-style dictionary nests the entries under the NoOrders group inside the ListOrdGrp
    // component; the repository dictionary names the group ListOrdGrp itself.
    const listOrdGrp = decoded.ListOrdGrp as unknown[] | { NoOrders: unknown[] };
    const group = Array.isArray(listOrdGrp) ? listOrdGrp : listOrdGrp.NoOrders;
    expect(group).toEqual(
      trades.map((trade, i) => {
        const { ClOrdID, ...rest } = expectedOrder(trade, i + 1, { limit: true, handlInst: '3' });
        return { ClOrdID, ListSeqNo: i + 1, ...rest };
      }),
    );
  });

  it('has teeth: it reports a wrong checksum or body length, an unknown tag, a bad enumeration and a missing required field', () => {
    const message = writeFix44Orders(input).messages[0]!;
    const wrongSum = fix.parse(withCheckSum(message, '000'))[0]!;
    expect(wrongSum.getString('CheckSum')).toBe('000');
    expect(wrongSum.checksum()).not.toBe(0);
    const longBody = fix.parse(frameByHand(bodyOf(message), { bodyLength: Buffer.byteLength(bodyOf(message)) + 3 }))[0]!;
    const at = (tag: number) => tokens(longBody).find((t) => t.tag === tag)!.start;
    expect(longBody.getTyped('BodyLength')).not.toBe(at(10) - '10='.length - (at(35) - '35='.length));
    const unknownTag = fix.parse(frameByHand(`${bodyOf(message)}9999=x${SOH}`))[0]!;
    expect(unknownTag.invalid().length + (unknownTag.undefinedForMsg() === null ? 0 : 1)).toBeGreaterThan(0);
    const badSide = fix.parse(frameByHand(bodyOf(message).replace('54=2', '54=Z')))[0]!;
    expect(fix.definitions.tagToSimple[54]!.containsEnum(badSide.getString(54)!)).toBe(false);
    const noTransactTime = fix.parse(frameByHand(withoutField(bodyOf(message), 60)))[0]!;
    expect(noTransactTime.missing()).toContain(60);
  });

  it('accepts any valid basket (property)', () => {
    const isin = fc
      .tuple(fc.constantFrom('US', 'GB', 'DE', 'JP'), fc.stringMatching(/^[A-Z0-9]{9}$/))
      .map(([country, body]) => `${country}${body}${isinCheckDigit(country + body)}`);
    const decimal = fc
      .tuple(fc.bigInt({ min: 1n, max: 10n ** 12n }), fc.integer({ min: 0, max: 4 }))
      .map(([digits, scale]) => {
        const padded = digits.toString().padStart(scale + 1, '0');
        const text = scale === 0 ? padded : `${padded.slice(0, -scale)}.${padded.slice(-scale)}`;
        return text.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
      });
    const trade = fc.record({
      ticker: fc.stringMatching(/^[A-Z][A-Z0-9. /-]{0,11}$/).filter((t) => t.trim() === t),
      isin: fc.option(isin, { nil: null }),
      cusip: fc.constant(null),
      sedol: fc.constant(null),
      side: fc.constantFrom('BUY' as const, 'SELL' as const),
      quantity: decimal,
      currency: fc.constantFrom('USD', 'EUR', 'GBP', 'JPY'),
      limitPrice: fc.double({ min: 0.0001, max: 1e6, noNaN: true }),
    });
    fc.assert(
      fc.property(
        fc.array(trade, { minLength: 1, maxLength: 8 }),
        fc.constantFrom('MKT' as const, 'LMT' as const),
        fc.constantFrom('DAY' as const, 'GTC' as const, 'OPG' as const, 'IOC' as const, 'CLS' as const),
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true }),
        (basket, orderType, timeInForce, firstSeqNum, when) => {
          const out = writeFix44Orders({
            proposalId: 42,
            accountId: 'DEMO-01',
            trades: basket,
            settings: { ...settings, timeInForce, newOrderList: true },
            sendingTime: when,
            firstSeqNum,
            orderType,
          });
          expect(validateFix44File(out.text).ok).toBe(true);
          out.messages.forEach((message, i) => {
            const view = checkWithDictionary(fix, message, i < basket.length ? 'D' : 'E');
            expect(view.getTyped('SendingTime')).toEqual(when);
            expect(fixTimestamp(when)).toBe(view.getString('SendingTime'));
          });
        },
      ),
      { seed: 4_4, numRuns: 60 },
    );
  });
});
