import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isBallastError } from '../../shared/errors';
import { TRADE_LIST_COLUMNS, parseTradeListCsv, writeTradeListCsv, type TradeListInput } from './trade-list-csv';

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
      { line: 2, account: 'DEMO', side: 'SELL', symbol: 'SPY', isin: 'US78462F1030', quantity: '1200', orderType: 'MKT', limitPrice: null, timeInForce: 'DAY', currency: 'USD', clientOrderId: 'BAL-42-001', proposalId: 42 },
      { line: 3, account: 'DEMO', side: 'BUY', symbol: 'TLT', isin: 'US4642874329', quantity: '350', orderType: 'MKT', limitPrice: null, timeInForce: 'DAY', currency: 'USD', clientOrderId: 'BAL-42-002', proposalId: 42 },
      { line: 4, account: 'DEMO', side: 'BUY', symbol: 'BRK,B "class B"', isin: null, quantity: '0.5', orderType: 'MKT', limitPrice: null, timeInForce: 'DAY', currency: 'USD', clientOrderId: 'BAL-42-003', proposalId: 42 },
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
      isin: fc.option(fc.stringMatching(/^[A-Z]{2}[A-Z0-9]{9}\d$/), { nil: null }),
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
