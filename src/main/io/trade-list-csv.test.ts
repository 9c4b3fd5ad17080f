import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EmsProfile, TradeListField } from '../../shared/domain';
import { isBallastError } from '../../shared/errors';
import { cusipCheckDigit, isinCheckDigit, sedolCheckDigit } from './identifiers';
import {
  DEFAULT_EMS_PROFILE,
  TRADE_LIST_COLUMNS,
  TRADE_LIST_HEADERS,
  parseTradeListCsv,
  writeTradeListCsv,
  type TradeListInput,
} from './trade-list-csv';

const input: TradeListInput = {
  accountId: 'DEMO',
  proposalId: 42,
  createdAt: '2026-08-04T09:00:00Z',
  trades: [
    { side: 'SELL', ticker: 'SPY', isin: 'US78462F1030', quantity: '1200', price: 755.645, currency: 'USD' },
    { side: 'BUY', ticker: 'TLT', isin: 'US4642874329', quantity: '350', price: 82.245, currency: 'USD' },
    { side: 'BUY', ticker: 'BRK,B "class B"', isin: null, quantity: '0.5', price: 1, currency: 'USD' },
  ],
};

describe('writeTradeListCsv', () => {
  it('writes the basket with RFC 4180 quoting, CRLF records and traceable order ids', () => {
    const { text, rows } = writeTradeListCsv(input);
    expect(rows).toBe(3);
    expect(text).toBe(
      [
        'account,side,symbol,isin,quantity,order_type,limit_price,time_in_force,currency,client_order_id,proposal_id',
        'DEMO,SELL,SPY,US78462F1030,1200,MKT,,DAY,USD,BAL-42-001,42',
        'DEMO,BUY,TLT,US4642874329,350,MKT,,DAY,USD,BAL-42-002,42',
        'DEMO,BUY,"BRK,B ""class B""",,0.5,MKT,,DAY,USD,BAL-42-003,42',
        '',
      ].join('\r\n'),
    );
  });

  it('is deterministic: the same proposal gives the same bytes', () => {
    expect(writeTradeListCsv(input).text).toBe(writeTradeListCsv({ ...input, createdAt: '2030-01-01T00:00:00Z' }).text);
  });

  it('writes only the header for a proposal without trades', () => {
    expect(writeTradeListCsv({ ...input, trades: [] })).toEqual({ text: `${TRADE_LIST_COLUMNS.join(',')}\r\n`, rows: 0 });
  });

  it('round-trips through csv-parse', () => {
    const { text } = writeTradeListCsv(input);
    const records = parse(text, { columns: true }) as Record<string, string>[];
    expect(records.map((r) => [r.side, r.symbol, r.isin, r.quantity, r.client_order_id])).toEqual([
      ['SELL', 'SPY', 'US78462F1030', '1200', 'BAL-42-001'],
      ['BUY', 'TLT', 'US4642874329', '350', 'BAL-42-002'],
      ['BUY', 'BRK,B "class B"', '', '0.5', 'BAL-42-003'],
    ]);
  });

  it.each([
    [{ quantity: '0' }, 'quantity'],
    [{ quantity: '-5' }, 'quantity'],
    [{ quantity: '1e3' }, 'quantity'],
    [{ quantity: '1,000' }, 'quantity'],
    [{ side: 'HOLD' }, 'side'],
    [{ currency: 'usd' }, 'currency'],
    [{ ticker: ' ' }, 'symbol'],
  ])('refuses a trade that must not reach a broker: %j', (change, word) => {
    const bad = { ...input, trades: [{ ...input.trades[0]!, ...change } as TradeListInput['trades'][number]] };
    try {
      writeTradeListCsv(bad);
      expect.unreachable();
    } catch (error) {
      expect(isBallastError(error) && error.code).toBe('BAD_INPUT');
      expect((error as Error).message).toContain(word);
    }
  });
});

describe('parseTradeListCsv', () => {
  it('reads back what was written', () => {
    const parsed = parseTradeListCsv(writeTradeListCsv(input).text);
    expect(parsed.issues).toEqual([]);
    expect(parsed.rows).toEqual([
      { line: 2, account: 'DEMO', side: 'SELL', symbol: 'SPY', isin: 'US78462F1030', cusip: null, sedol: null, quantity: '1200', orderType: 'MKT', limitPrice: null, timeInForce: 'DAY', currency: 'USD', clientOrderId: 'BAL-42-001', proposalId: 42 },
      { line: 3, account: 'DEMO', side: 'BUY', symbol: 'TLT', isin: 'US4642874329', cusip: null, sedol: null, quantity: '350', orderType: 'MKT', limitPrice: null, timeInForce: 'DAY', currency: 'USD', clientOrderId: 'BAL-42-002', proposalId: 42 },
      { line: 4, account: 'DEMO', side: 'BUY', symbol: 'BRK,B "class B"', isin: null, cusip: null, sedol: null, quantity: '0.5', orderType: 'MKT', limitPrice: null, timeInForce: 'DAY', currency: 'USD', clientOrderId: 'BAL-42-003', proposalId: 42 },
    ]);
  });

  it('reports a foreign header and bad cells', () => {
    expect(parseTradeListCsv('a,b\n1,2\n').issues[0]).toMatchObject({ line: 1, severity: 'error' });
    const text = `${TRADE_LIST_COLUMNS.join(',')}\nDEMO,HOLD,SPY,,-1,MKT,,DAY,USD,BAL-1-001,1\n`;
    expect(parseTradeListCsv(text).issues.map((issue) => [issue.line, issue.field])).toEqual([
      [2, 'side'],
      [2, 'quantity'],
    ]);
  });

  it('round-trips any trade list exactly (property)', () => {
    const validIsin = fc
      .tuple(fc.stringMatching(/^[A-Z]{2}$/), fc.stringMatching(/^[A-Z0-9]{9}$/))
      .map(([country, body]) => `${country}${body}${isinCheckDigit(country + body)}`);
    const decimal = fc
      .tuple(fc.bigInt({ min: 1n, max: 10n ** 15n }), fc.integer({ min: 0, max: 6 }))
      .map(([digits, scale]) => {
        const padded = digits.toString().padStart(scale + 1, '0');
        const text = scale === 0 ? padded : `${padded.slice(0, -scale)}.${padded.slice(-scale)}`;
        return text.replace(/^0+(?=\d)/, '').replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
      })
      .filter((text) => text !== '0');
    const trade = fc.record({
      side: fc.constantFrom('BUY' as const, 'SELL' as const),
      // Any text at all, including commas, quotes, CR/LF and edge spaces, must survive the quoting.
      ticker: fc.string({ minLength: 1, maxLength: 12, unit: 'grapheme' }).filter((t) => t.trim() !== ''),
      isin: fc.option(validIsin, { nil: null }),
      quantity: decimal,
      price: fc.double({ min: 0.01, max: 1e6, noNaN: true }),
      currency: fc.stringMatching(/^[A-Z]{3}$/),
    });
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,15}$/),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.array(trade, { maxLength: 20 }),
        (accountId, proposalId, trades) => {
          const written = writeTradeListCsv({ accountId, proposalId, createdAt: '2026-01-01T00:00:00Z', trades });
          const parsed = parseTradeListCsv(written.text);
          expect(parsed.issues).toEqual([]);
          expect(parsed.rows.map((row) => [row.account, row.side, row.symbol, row.isin, row.quantity, row.currency, row.proposalId])).toEqual(
            trades.map((t) => [accountId, t.side, t.ticker, t.isin, t.quantity, t.currency, proposalId]),
          );
          expect(parsed.rows.map((row) => row.clientOrderId)).toEqual(trades.map((_, i) => `BAL-${proposalId}-${String(i + 1).padStart(3, '0')}`));
          // and an independent reader agrees
          const records = parse(written.text, { columns: true }) as Record<string, string>[];
          expect(records.map((r) => r.symbol)).toEqual(trades.map((t) => t.ticker));
        },
      ),
      { seed: 4180, numRuns: 300 },
    );
  });
});

describe('EMS profiles', () => {
  const identified: TradeListInput = {
    ...input,
    trades: [
      { side: 'SELL', ticker: 'SPY', isin: 'US78462F1030', cusip: '78462F103', sedol: null, quantity: '1200', limitPrice: 755.645, currency: 'USD' },
      { side: 'BUY', ticker: 'VOD LN', isin: null, cusip: null, sedol: 'BH4HKS3', quantity: '10000', limitPrice: '0.72', currency: 'GBP' },
      // a symbol with every character a CSV writer must take care of, whatever the delimiter
      { side: 'BUY', ticker: 'A,B;C\tD "E"\r\nF', isin: null, cusip: null, sedol: null, quantity: '0.25', limitPrice: 1e-7, currency: 'USD' },
    ],
  };
  const profile = (delimiter: EmsProfile['delimiter'], overrides: Partial<EmsProfile> = {}): EmsProfile =>
    EmsProfile.parse({
      name: `EMS ${JSON.stringify(delimiter)}`,
      delimiter,
      orderType: 'LMT',
      timeInForce: 'GTC',
      columns: [
        { field: 'clientOrderId', header: 'ClOrdID' },
        { field: 'side', header: 'B/S' },
        { field: 'quantity', header: 'Qty, shares' },
        { field: 'symbol', header: 'Ticker; local' },
        { field: 'isin', header: 'ISIN' },
        { field: 'cusip', header: 'CUSIP' },
        { field: 'sedol', header: 'SEDOL' },
        { field: 'limitPrice', header: 'Limit "px"' },
        { field: 'orderType', header: 'Type' },
        { field: 'timeInForce', header: 'TIF\tcode' },
        { field: 'currency', header: 'Ccy' },
        { field: 'account', header: 'Account' },
        { field: 'proposalId', header: 'Basket' },
      ],
      ...overrides,
    });

  it('the default profile is the default layout', () => {
    expect(DEFAULT_EMS_PROFILE.columns.map((column) => column.header)).toEqual([...TRADE_LIST_COLUMNS]);
    expect(writeTradeListCsv(input, DEFAULT_EMS_PROFILE).text).toBe(writeTradeListCsv(input).text);
  });

  it('writes the columns, names and order the profile asks for, with its delimiter, order type and time in force', () => {
    const { text } = writeTradeListCsv(identified, profile(';'));
    // Only cells holding the delimiter (;), a quote, a line break or an edge space are quoted: with ";" the
    // comma in "Qty, shares" and the tab in "TIF\tcode" are plain characters.
    expect(text).toBe(
      [
        'ClOrdID;B/S;Qty, shares;"Ticker; local";ISIN;CUSIP;SEDOL;"Limit ""px""";Type;TIF\tcode;Ccy;Account;Basket',
        'BAL-42-001;SELL;1200;SPY;US78462F1030;78462F103;;755.645;LMT;GTC;USD;DEMO;42',
        'BAL-42-002;BUY;10000;VOD LN;;;BH4HKS3;0.72;LMT;GTC;GBP;DEMO;42',
        'BAL-42-003;BUY;0.25;"A,B;C\tD ""E""\r\nF";;;;0.0000001;LMT;GTC;USD;DEMO;42',
        '',
      ].join('\r\n'),
    );
  });

  it.each([',', ';', '\t'] as const)('quotes exactly the cells that need it with delimiter %j', (delimiter) => {
    const { text } = writeTradeListCsv(identified, profile(delimiter, { orderType: 'MKT', columns: [{ field: 'side', header: 'side' }, { field: 'quantity', header: 'qty' }, { field: 'symbol', header: 'sym' }] }));
    const other = [',', ';', '\t'].filter((d) => d !== delimiter);
    // the space in "VOD LN" is not an edge space; the awkward symbol is quoted whatever the delimiter
    expect(text).toBe(
      [
        ['side', 'qty', 'sym'],
        ['SELL', '1200', 'SPY'],
        ['BUY', '10000', 'VOD LN'],
        ['BUY', '0.25', '"A,B;C\tD ""E""\r\nF"'],
      ]
        .map((cells) => `${cells.join(delimiter)}\r\n`)
        .join(''),
    );
    const plain = writeTradeListCsv({ ...input, trades: [{ ...identified.trades[0]!, ticker: `X${other[0]}Y${other[1]}Z` }] }, profile(delimiter, { orderType: 'MKT', columns: [{ field: 'symbol', header: 'sym' }, { field: 'side', header: 'side' }, { field: 'quantity', header: 'qty' }] }));
    expect(plain.text.split('\r\n')[1]).toBe([`X${other[0]}Y${other[1]}Z`, 'SELL', '1200'].join(delimiter));
    const cut = writeTradeListCsv({ ...input, trades: [{ ...identified.trades[0]!, ticker: `X${delimiter}Y` }] }, profile(delimiter, { orderType: 'MKT', columns: [{ field: 'symbol', header: 'sym' }, { field: 'side', header: 'side' }, { field: 'quantity', header: 'qty' }] }));
    expect(cut.text.split('\r\n')[1]).toBe([`"X${delimiter}Y"`, 'SELL', '1200'].join(delimiter));
  });

  it.each([',', ';', '\t'] as const)('round-trips with delimiter %j and custom headers (our reader and csv-parse)', (delimiter) => {
    const layout = profile(delimiter);
    const { text, rows } = writeTradeListCsv(identified, layout);
    expect(rows).toBe(3);
    const parsed = parseTradeListCsv(text, 'basket.csv', layout);
    expect(parsed.issues).toEqual([]);
    expect(parsed.rows).toEqual([
      { line: 2, account: 'DEMO', side: 'SELL', symbol: 'SPY', isin: 'US78462F1030', cusip: '78462F103', sedol: null, quantity: '1200', orderType: 'LMT', limitPrice: '755.645', timeInForce: 'GTC', currency: 'USD', clientOrderId: 'BAL-42-001', proposalId: 42 },
      { line: 3, account: 'DEMO', side: 'BUY', symbol: 'VOD LN', isin: null, cusip: null, sedol: 'BH4HKS3', quantity: '10000', orderType: 'LMT', limitPrice: '0.72', timeInForce: 'GTC', currency: 'GBP', clientOrderId: 'BAL-42-002', proposalId: 42 },
      { line: 4, account: 'DEMO', side: 'BUY', symbol: 'A,B;C\tD "E"\r\nF', isin: null, cusip: null, sedol: null, quantity: '0.25', orderType: 'LMT', limitPrice: '0.0000001', timeInForce: 'GTC', currency: 'USD', clientOrderId: 'BAL-42-003', proposalId: 42 },
    ]);
    const records = parse(text, { columns: true, delimiter }) as Record<string, string>[];
    expect(Object.keys(records[0]!)).toEqual(layout.columns.map((column) => column.header));
    expect(records.map((r) => [r['B/S'], r['Ticker; local'], r['Qty, shares'], r['Limit "px"'], r['TIF\tcode']])).toEqual([
      ['SELL', 'SPY', '1200', '755.645', 'GTC'],
      ['BUY', 'VOD LN', '10000', '0.72', 'GTC'],
      ['BUY', 'A,B;C\tD "E"\r\nF', '0.25', '0.0000001', 'GTC'],
    ]);
  });

  it('reads a field the profile leaves out as null, and refuses a file in another layout', () => {
    const slim = profile(';', { orderType: 'MKT', columns: [{ field: 'symbol', header: 'Symbol' }, { field: 'side', header: 'Side' }, { field: 'quantity', header: 'Qty' }] });
    const parsed = parseTradeListCsv(writeTradeListCsv(identified, slim).text, 'x', slim);
    expect(parsed.rows[0]).toEqual({ line: 2, account: null, side: 'SELL', symbol: 'SPY', isin: null, cusip: null, sedol: null, quantity: '1200', orderType: null, limitPrice: null, timeInForce: null, currency: null, clientOrderId: null, proposalId: null });
    const foreign = parseTradeListCsv(writeTradeListCsv(identified).text, 'x', slim);
    expect(foreign.rows).toEqual([]);
    expect(foreign.issues).toContainEqual(expect.objectContaining({ line: 1, severity: 'error', reason: expect.stringContaining('the header must be exactly Symbol;Side;Qty') }));
  });

  it('round-trips any profile, delimiter and trade list exactly (property)', () => {
    const fields = TradeListField.options;
    const withCheckDigit = (body: string, digit: (b: string) => number | null) => `${body}${digit(body)}`;
    const trade = fc.record({
      side: fc.constantFrom('BUY' as const, 'SELL' as const),
      ticker: fc.string({ minLength: 1, maxLength: 12, unit: 'grapheme' }).filter((t) => t.trim() !== ''),
      isin: fc.option(fc.stringMatching(/^US[A-Z0-9]{9}$/).map((b) => withCheckDigit(b, isinCheckDigit)), { nil: null }),
      cusip: fc.option(fc.stringMatching(/^[0-9A-Z]{8}$/).map((b) => withCheckDigit(b, cusipCheckDigit)), { nil: null }),
      sedol: fc.option(fc.stringMatching(/^[0-9BCDFGHJKLMNPQRSTVWXYZ]{6}$/).map((b) => withCheckDigit(b, sedolCheckDigit)), { nil: null }),
      quantity: fc.integer({ min: 1, max: 1_000_000 }).map(String),
      limitPrice: fc.integer({ min: 1, max: 10_000_000 }).map((cents) => cents / 100),
      currency: fc.constantFrom('USD', 'EUR', 'GBP'),
    });
    const layout = fc
      .record({
        delimiter: fc.constantFrom(',' as const, ';' as const, '\t' as const),
        orderType: fc.constantFrom('MKT' as const, 'LMT' as const),
        timeInForce: fc.constantFrom('DAY' as const, 'GTC' as const, 'OPG' as const, 'IOC' as const, 'CLS' as const),
        order: fc.shuffledSubarray([...fields], { minLength: fields.length, maxLength: fields.length }),
        keep: fc.array(fc.boolean(), { minLength: fields.length, maxLength: fields.length }),
        headers: fc.uniqueArray(fc.string({ minLength: 1, maxLength: 10, unit: 'grapheme' }), { minLength: fields.length, maxLength: fields.length }),
      })
      .map(({ delimiter, orderType, timeInForce, order, keep, headers }) => {
        // side, quantity, symbol and the limit are always kept so every profile is one the writer accepts
        const always = new Set<TradeListField>(['side', 'quantity', 'symbol', 'limitPrice']);
        const columns = order.filter((field, i) => always.has(field) || keep[i]).map((field, i) => ({ field, header: headers[i]! }));
        return EmsProfile.parse({ name: 'random', delimiter, orderType, timeInForce, columns });
      });
    fc.assert(
      fc.property(layout, fc.array(trade, { maxLength: 10 }), (ems, trades) => {
        const written = writeTradeListCsv({ accountId: 'ACC;1', proposalId: 9, createdAt: '2026-01-01T00:00:00Z', trades }, ems);
        const parsed = parseTradeListCsv(written.text, 'random', ems);
        expect(parsed.issues).toEqual([]);
        const has = (field: TradeListField) => ems.columns.some((column) => column.field === field);
        expect(parsed.rows.map((row) => [row.side, row.symbol, row.quantity, row.isin, row.cusip, row.sedol, row.limitPrice])).toEqual(
          trades.map((t) => [
            t.side,
            t.ticker,
            t.quantity,
            has('isin') ? t.isin : null,
            has('cusip') ? t.cusip : null,
            has('sedol') ? t.sedol : null,
            ems.orderType === 'LMT' ? String(t.limitPrice) : null,
          ]),
        );
        const records = parse(written.text, { columns: true, delimiter: ems.delimiter }) as Record<string, string>[];
        const symbolHeader = ems.columns.find((column) => column.field === 'symbol')!.header;
        expect(records.map((r) => r[symbolHeader])).toEqual(trades.map((t) => t.ticker));
      }),
      { seed: 2026, numRuns: 300 },
    );
  });

  it.each([
    ['a limit profile without a limit price column', profile(',', { columns: [{ field: 'symbol', header: 's' }, { field: 'side', header: 'b' }, { field: 'quantity', header: 'q' }] }), 'limit price column'],
    ['a profile without a side', profile(',', { orderType: 'MKT', columns: [{ field: 'symbol', header: 's' }, { field: 'quantity', header: 'q' }] }), 'no side column'],
    ['a profile without a quantity', profile(',', { orderType: 'MKT', columns: [{ field: 'symbol', header: 's' }, { field: 'side', header: 'b' }] }), 'no quantity column'],
    ['a profile without any identifier', profile(',', { orderType: 'MKT', columns: [{ field: 'side', header: 'b' }, { field: 'quantity', header: 'q' }] }), 'symbol, ISIN'],
    ['a profile with one header twice', profile(',', { orderType: 'MKT', columns: [{ field: 'symbol', header: 'x' }, { field: 'side', header: 'b' }, { field: 'quantity', header: 'x' }] }), '"x" is used for two columns'],
    ['a profile with a foreign delimiter', { ...DEFAULT_EMS_PROFILE, delimiter: '|' } as unknown as EmsProfile, 'delimiter'],
  ])('refuses %s', (_, ems, words) => {
    try {
      writeTradeListCsv(input, ems);
      expect.unreachable();
    } catch (error) {
      expect(isBallastError(error) && error.code).toBe('BAD_INPUT');
      expect((error as Error).message).toContain(words);
    }
  });

  it.each([
    [{ limitPrice: null }, 'limit price'],
    [{ limitPrice: 0 }, 'limit price'],
    [{ limitPrice: Number.POSITIVE_INFINITY }, 'limit price'],
    [{ limitPrice: '1e2' }, 'limit price'],
    [{ cusip: '78462F104' }, 'CUSIP'],
    [{ sedol: 'BH4HKS4' }, 'SEDOL'],
    [{ isin: 'us78462f1030' }, 'ISIN'],
  ])('refuses a limit-order trade that must not reach a broker: %j', (change, word) => {
    const bad = { ...identified, trades: [{ ...identified.trades[0]!, ...change }] };
    try {
      writeTradeListCsv(bad, profile(','));
      expect.unreachable();
    } catch (error) {
      expect(isBallastError(error) && error.code).toBe('BAD_INPUT');
      expect((error as Error).message).toContain(word);
    }
  });

  it('names every field in TRADE_LIST_HEADERS', () => {
    expect(Object.keys(TRADE_LIST_HEADERS).sort()).toEqual([...TradeListField.options].sort());
  });
});
