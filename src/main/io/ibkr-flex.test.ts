import { describe, expect, it } from 'vitest';
import flexText from './__fixtures__/ibkr-flex/synthetic-two-accounts.flex.xml?raw';
import type { HoldingsFile } from './holdings';
import { parseIbkrFlex, readFlexDate } from './ibkr-flex';
import { encode, errorsOf, holding } from './structured-positions.test-helpers';

const parse = (text: string): HoldingsFile => parseIbkrFlex(encode(text), 'flex.xml');

/** A one-account Flex file around the given OpenPosition lines (the first position is on line 5). */
function flex(positions: string[], statementAttributes = 'accountId="U1" toDate="20240628"', cash = ''): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<FlexQueryResponse queryName="q" type="AF">',
    `<FlexStatements count="1"><FlexStatement ${statementAttributes}>`,
    '<OpenPositions>',
    ...positions,
    '</OpenPositions>',
    cash,
    '</FlexStatement></FlexStatements></FlexQueryResponse>',
  ].join('\n');
}

const position = (attributes: Record<string, string>) => {
  const all = {
    currency: 'USD',
    assetCategory: 'STK',
    symbol: 'AAPL',
    description: 'APPLE INC',
    conid: '265598',
    isin: 'US0378331005',
    reportDate: '20240628',
    position: '10',
    markPrice: '200',
    positionValue: '2000',
    levelOfDetail: 'SUMMARY',
    ...attributes,
  };
  return `<OpenPosition ${Object.entries(all)
    .map(([key, value]) => `${key}="${value}"`)
    .join(' ')} />`;
};

describe('parseIbkrFlex: fixture', () => {
  it('reads both accounts, summary lines only, bond in percent, option per contract, cash per currency', () => {
    const file = parseIbkrFlex(encode(flexText), 'synthetic-two-accounts.flex.xml');
    expect(file).toEqual<HoldingsFile>({
      format: 'ibkr-flex',
      detected: { encoding: 'utf-8', query: 'Synthetic Positions', statements: '2' },
      statements: [
        {
          accountId: 'U9900001',
          asOf: '2024-06-28',
          holdings: [
            holding({ line: 7, identifiers: { isin: 'US0378331005', cusip: '037833100', ticker: 'AAPL' }, description: 'APPLE INC', securityType: 'STK', quantity: '200', price: '210.62', priceType: 'amount', currency: 'USD', marketValue: '42124', costBasis: '34240' }),
            holding({ line: 10, identifiers: { isin: 'US78462F1030', cusip: '78462F103', ticker: 'SPY' }, description: 'SPDR S&P 500 ETF TRUST', securityType: 'STK', quantity: '150', price: '544.22', priceType: 'amount', currency: 'USD', marketValue: '81633', costBasis: '72015' }),
            holding({ line: 11, identifiers: { ticker: 'AAPL 240719C00200000' }, description: 'AAPL 19JUL24 200 C', securityType: 'OPT', quantity: '2', price: '1235', priceType: 'amount', currency: 'USD', marketValue: '2470', costBasis: '1680', instrument: { type: 'option', multiplier: '100', underlying: 'AAPL', expiry: '2024-07-19', strike: '200', putCall: 'call' }, quotedPrice: '12.35' }),
            holding({ line: 12, identifiers: { isin: 'US91282CJL63', cusip: '91282CJL6' }, description: 'T 4 7/8 11/30/25', securityType: 'BOND', quantity: '10000', quantityType: 'FAMT', price: '99.218', priceType: 'percent', currency: 'USD', marketValue: '9921.8', costBasis: '9950' }),
          ],
          cash: [{ line: 16, currency: 'USD', amount: '15230.12' }],
          notes: ['2 lot line(s) skipped: the summary lines are the holdings', 'option and future prices are per contract (mark price × multiplier)'],
        },
        {
          accountId: 'U9900002',
          asOf: '2024-06-28',
          holdings: [
            holding({ line: 21, identifiers: { isin: 'DE0007164600', ticker: 'SAP' }, description: 'SAP SE', securityType: 'STK', quantity: '300', price: '189.86', priceType: 'amount', currency: 'EUR', marketValue: '56958', costBasis: '45060' }),
            holding({ line: 22, identifiers: { isin: 'DE0007236101', ticker: 'SIE' }, description: 'SIEMENS AG-REG', securityType: 'STK', quantity: '250', price: '173.42', priceType: 'amount', currency: 'EUR', marketValue: '43355', costBasis: '40000' }),
            holding({ line: 23, identifiers: { isin: 'US5949181045', cusip: '594918104', ticker: 'MSFT' }, description: 'MICROSOFT CORP', securityType: 'STK', quantity: '40', price: '446.95', priceType: 'amount', currency: 'USD', marketValue: '17878', costBasis: '15200' }),
          ],
          cash: [
            { line: 27, currency: 'EUR', amount: '3700.5' },
            { line: 28, currency: 'USD', amount: '1194.84' },
          ],
          notes: [],
        },
      ],
      issues: [],
    });
  });

  it('reads the same holdings when attributes come in another order', () => {
    const reordered = flexText.replace(/<OpenPosition ([^>]*?)\s*\/>/g, (_whole, attributes: string) => {
      const pairs = attributes.match(/\w+="[^"]*"/g) ?? [];
      return `<OpenPosition ${pairs.reverse().join(' ')} />`;
    });
    expect(parseIbkrFlex(encode(reordered), 'x').statements).toEqual(parseIbkrFlex(encode(flexText), 'x').statements);
  });
});

describe('parseIbkrFlex: validation', () => {
  it('sums lot lines per contract when the query has no summary lines', () => {
    const file = parse(
      flex([
        position({ levelOfDetail: 'LOT', position: '6', positionValue: '1200', costBasisMoney: '900' }),
        position({ levelOfDetail: 'LOT', position: '4', positionValue: '800', costBasisMoney: '700' }),
      ]),
    );
    expect(file.issues).toEqual([]);
    expect(file.statements[0]?.holdings).toEqual([
      holding({ line: 5, identifiers: { isin: 'US0378331005', ticker: 'AAPL' }, description: 'APPLE INC', securityType: 'STK', quantity: '10', price: '200', priceType: 'amount', currency: 'USD', marketValue: '2000', costBasis: '1600' }),
    ]);
    expect(file.statements[0]?.notes).toEqual(['no summary lines: 2 lot line(s) summed per contract']);
  });

  it('keeps a bad ISIN as the custodian code and a short position signed; reports a non-numeric position and a value mismatch at their lines', () => {
    const file = parse(
      flex([
        position({ isin: 'US0378331006' }),
        position({ symbol: 'MSFT', isin: 'US5949181045', position: '1O' }),
        position({ symbol: 'IBM', isin: 'US4592001014', position: '-5', positionValue: '-1000', side: 'Short' }),
        position({ symbol: 'SPY', isin: 'US78462F1030', positionValue: '2100' }),
      ]),
    );
    expect(errorsOf(file).map((issue) => [issue.line, issue.field])).toEqual([
      [6, 'position'],
      [8, 'positionValue'],
    ]);
    expect(file.issues).toContainEqual(expect.objectContaining({ line: 5, field: 'isin', severity: 'warning' }));
    expect(file.statements[0]?.holdings.map((h) => [h.line, h.quantity, h.custodianCode?.code ?? null])).toEqual([
      [5, '10', 'US0378331006'],
      [7, '-5', null],
    ]);
  });

  it('reports duplicates, mixed report dates and an ambiguous date format', () => {
    expect(errorsOf(parse(flex([position({}), position({ conid: '1' })])))).toEqual([expect.objectContaining({ line: 6, field: 'isin' })]);
    expect(errorsOf(parse(flex([position({}), position({ symbol: 'MSFT', isin: 'US5949181045', reportDate: '20240627' })])))[0]?.reason).toMatch(/2 different report dates/);
    const ambiguous = parse(flex([position({ reportDate: '06/28/2024' })]));
    expect(errorsOf(ambiguous)[0]).toMatchObject({ line: 5, field: 'reportDate' });
    expect(errorsOf(ambiguous)[0]?.reason).toMatch(/ambiguous/);
  });

  it('takes the date from toDate when positions carry none, and needs one', () => {
    const noReportDate = position({ reportDate: '' });
    expect(parse(flex([noReportDate])).statements[0]?.asOf).toBe('2024-06-28');
    expect(parse(flex([noReportDate], 'accountId="U1" toDate="2024-06-27"')).statements[0]?.asOf).toBe('2024-06-27');
    const undated = parse(flex([noReportDate], 'accountId="U1"'));
    expect(errorsOf(undated)).toEqual([expect.objectContaining({ line: 3, field: 'toDate' })]);
  });

  it('keeps negative cash (margin debit), ignores BASE_SUMMARY, and requires an OpenPositions section', () => {
    const cash = '<CashReport><CashReportCurrency currency="BASE_SUMMARY" levelOfDetail="BaseCurrency" endingCash="5" /><CashReportCurrency currency="USD" levelOfDetail="Currency" endingCash="-5" /></CashReport>';
    const margin = parse(flex([position({})], undefined, cash));
    expect(errorsOf(margin)).toEqual([]);
    expect(margin.statements[0]?.cash).toEqual([expect.objectContaining({ currency: 'USD', amount: '-5' })]);
    const noSection = parse(flex([]).replace('<OpenPositions>\n</OpenPositions>', ''));
    expect(errorsOf(noSection)[0]).toMatchObject({ field: 'OpenPositions' });
  });

  it('skips forex (CASH) lines, which are balances rather than holdings', () => {
    const file = parse(flex([position({}), position({ assetCategory: 'CASH', symbol: 'EUR.USD', isin: '', position: '1000', markPrice: '1.07', positionValue: '1070' })]));
    expect(file.issues).toEqual([]);
    expect(file.statements[0]?.holdings).toHaveLength(1);
    expect(file.statements[0]?.notes).toEqual(['1 currency (CASH) line(s) skipped: cash comes from the CashReport']);
  });

  it('rejects a file that is not a Flex response, with the reason', () => {
    expect(errorsOf(parse('<Other/>'))[0]?.reason).toMatch(/not <FlexQueryResponse>/);
    expect(errorsOf(parse('<FlexQueryResponse><ErrorMessage>Statement not ready</ErrorMessage></FlexQueryResponse>'))[0]?.reason).toMatch(/Statement not ready/);
  });
});

describe('readFlexDate', () => {
  it('reads the unambiguous Flex date formats', () => {
    expect(readFlexDate('20240628')).toEqual({ ok: true, value: '2024-06-28' });
    expect(readFlexDate('2024-06-28')).toEqual({ ok: true, value: '2024-06-28' });
    expect(readFlexDate('20240629;083015')).toEqual({ ok: true, value: '2024-06-29' });
    expect(readFlexDate('2024-06-29, 08:30:15')).toEqual({ ok: true, value: '2024-06-29' });
    expect(readFlexDate('20240230').ok).toBe(false);
    expect(readFlexDate('28/06/2024').ok).toBe(false);
  });
});
