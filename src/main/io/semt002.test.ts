import { describe, expect, it } from 'vitest';
import appHdrText from './__fixtures__/semt002/synthetic-custody-apphdr.semt002.xml?raw';
import semtText from './__fixtures__/semt002/synthetic-custody.semt002.xml?raw';
import type { HoldingsFile } from './holdings';
import { parseSemt002, readIsoDateTime, readIsoNumber } from './semt002';
import { encode, errorsOf, holding } from './structured-positions.test-helpers';

const parse = (text: string): HoldingsFile => parseSemt002(encode(text), 'statement.xml');

/** A one-balance semt.002.001.11 statement; the BalForAcct starts on line 5. */
function statement(balance: string, general = '<StmtDtTm><Dt>2024-06-28</Dt></StmtDtTm><UpdTp><Cd>COMP</Cd></UpdTp>', pagination = ''): string {
  return [
    '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:semt.002.001.11"><SctiesBalCtdyRpt>',
    `${pagination}<StmtGnlDtls>${general}</StmtGnlDtls>`,
    '<SfkpgAcct><Id>SAFE1</Id></SfkpgAcct>',
    '',
    balance,
    '</SctiesBalCtdyRpt></Document>',
  ].join('\n');
}

const balance = ({ isin = 'DE0007164600', quantity = '<Qty><Qty><Unit>100</Unit></Qty></Qty>', price = '<Val><Amt Ccy="EUR">10</Amt></Val>', value = '<Amt Ccy="EUR">1000</Amt><Sgn>true</Sgn>' } = {}) =>
  [
    '<BalForAcct>',
    `<FinInstrmId><ISIN>${isin}</ISIN><Desc>SAP SE</Desc></FinInstrmId>`,
    `<AggtBal>${quantity}</AggtBal>`,
    `<PricDtls><Tp><Cd>MRKT</Cd></Tp>${price}</PricDtls>`,
    `<AcctBaseCcyAmts><HldgVal>${value}</HldgVal></AcctBaseCcyAmts>`,
    '</BalForAcct>',
  ].join('\n');

describe('parseSemt002: fixtures', () => {
  it('reads the semt.002.001.10 statement with Unit and FaceAmt balances', () => {
    expect(parseSemt002(encode(semtText), 'synthetic-custody.semt002.xml')).toEqual<HoldingsFile>({
      format: 'semt002',
      detected: { encoding: 'utf-8', version: 'semt.002.001.10' },
      statements: [
        {
          accountId: 'SYN-SAFE-0042',
          asOf: '2024-06-28',
          holdings: [
            holding({ line: 35, identifiers: { isin: 'NL0010273215' }, description: 'ASML HOLDING NV', quantity: '1200', price: '912.4', priceType: 'amount', currency: 'EUR', marketValue: '1094880', costBasis: '720000' }),
            // Priced in CHF, valued in the account's EUR: the value is left out rather than mislabelled.
            holding({ line: 75, identifiers: { isin: 'CH0038863350' }, description: 'NESTLE SA REG', quantity: '3000', price: '91.62', priceType: 'amount', currency: 'CHF', marketValue: null }),
            holding({ line: 102, identifiers: { isin: 'DE0001102580' }, description: 'BUNDESREPUBLIK DEUTSCHLAND 0 PCT 15.02.2032', quantity: '2000000', quantityType: 'FAMT', price: '85.12', priceType: 'percent', currency: 'EUR', marketValue: '1702400' }),
            holding({ line: 134, identifiers: { isin: 'IE00B4L5Y983', sedol: 'B4L5Y98', ticker: 'SWDA' }, description: 'ISHARES CORE MSCI WORLD UCITS ETF USD ACC', quantity: '15000', price: '90.76', priceType: 'amount', currency: 'EUR', marketValue: '1361400' }),
          ],
          cash: [],
          notes: ['frequency DAIL', 'update type COMP', 'basis SETT', 'statement SYN-SEMT-20240628', '1 holding value(s) in another currency than the price left out'],
        },
      ],
      issues: [],
    });
  });

  it('reads a prefixed semt.002.001.08 Document inside a business message with a head.001 header', () => {
    const file = parseSemt002(encode(appHdrText), 'synthetic-custody-apphdr.semt002.xml');
    expect(file.issues).toEqual([]);
    expect(file.detected).toEqual({ encoding: 'utf-8', version: 'semt.002.001.08', envelope: 'business application header (head.001)' });
    expect(file.statements).toEqual([
      {
        accountId: 'SYN-SAFE-0077',
        asOf: '2024-06-28',
        holdings: [holding({ line: 24, identifiers: { isin: 'DE0007164600' }, description: 'SAP SE', quantity: '500', price: '189.86', priceType: 'amount', currency: 'EUR', marketValue: '94930' })],
        cash: [],
        notes: ['frequency DAIL', 'update type COMP', 'basis SETT'],
      },
    ]);
  });

  it('reads the same holdings when the balances come in another order', () => {
    const blocks = semtText.match(/ {4}<BalForAcct>[\s\S]*?<\/BalForAcct>\n/g) ?? [];
    expect(blocks).toHaveLength(4);
    const shuffled = semtText.replace(blocks.join(''), [blocks[2], blocks[0], blocks[3], blocks[1]].join(''));
    const isins = (file: HoldingsFile) => file.statements[0]?.holdings.map((h) => h.identifiers.isin).sort();
    expect(parse(shuffled).issues).toEqual([]);
    expect(isins(parse(shuffled))).toEqual(isins(parse(semtText)));
  });
});

describe('parseSemt002: validation', () => {
  it('reads a minimal statement with the quantity nested once or twice', () => {
    expect(parse(statement(balance())).issues).toEqual([]);
    expect(parse(statement(balance({ quantity: '<Qty><Unit>100</Unit></Qty>' }))).statements[0]?.holdings[0]?.quantity).toBe('100');
  });

  it('keeps a bad ISIN as the custodian code, reports a non-numeric quantity and a negative value, and keeps a short position signed', () => {
    const badIsin = parse(statement(balance({ isin: 'DE0007164601' })));
    expect(errorsOf(badIsin)).toEqual([]);
    expect(badIsin.issues).toContainEqual(expect.objectContaining({ line: 6, field: 'FinInstrmId/ISIN', severity: 'warning' }));
    expect(errorsOf(parse(statement(balance({ quantity: '<Qty><Qty><Unit>1,000</Unit></Qty></Qty>' })))))
      .toEqual([expect.objectContaining({ line: 7, field: 'AggtBal/Qty/Qty/Unit' })]);
    expect(errorsOf(parse(statement(balance({ value: '<Amt Ccy="EUR">1000</Amt><Sgn>false</Sgn>' })))))
      .toEqual([expect.objectContaining({ field: 'AcctBaseCcyAmts/HldgVal/Amt' })]);
    const short = parse(statement(balance({ quantity: '<Qty><Qty><Unit>100</Unit></Qty></Qty><ShrtLngPos>SHOR</ShrtLngPos>' })));
    expect(errorsOf(short)).toEqual([]);
    expect(short.statements[0]?.holdings[0]).toMatchObject({ quantity: '-100' });
  });

  it('compares percent prices against face amounts', () => {
    const bond = balance({ isin: 'DE0001102580', quantity: '<Qty><Qty><FaceAmt>100000</FaceAmt></Qty></Qty>', price: '<Val><Rate>98.5</Rate></Val>', value: '<Amt Ccy="EUR">98500</Amt>' });
    expect(parse(statement(bond)).issues).toEqual([]);
    const wrong = bond.replace('98500', '9850');
    expect(errorsOf(parse(statement(wrong)))[0]?.field).toBe('AcctBaseCcyAmts/HldgVal/Amt');
  });

  it('reports a missing date, a delta statement, duplicates and missing pages', () => {
    expect(errorsOf(parse(statement(balance(), '<Frqcy><Cd>DAIL</Cd></Frqcy>')))).toEqual([expect.objectContaining({ field: 'StmtGnlDtls/StmtDtTm' })]);
    expect(errorsOf(parse(statement(balance(), '<StmtDtTm><Dt>2024-06-28</Dt></StmtDtTm><UpdTp><Cd>DELT</Cd></UpdTp>')))[0]?.field).toBe('UpdTp');
    expect(errorsOf(parse(statement(`${balance()}\n${balance()}`)))).toEqual([expect.objectContaining({ line: 11, field: 'FinInstrmId' })]);
    const firstOfTwo = parse(statement(balance(), undefined, '<Pgntn><PgNb>1</PgNb><LastPgInd>false</LastPgInd></Pgntn>'));
    expect(errorsOf(firstOfTwo)[0]?.field).toBe('Pgntn/LastPgInd');
  });

  it('rejects a document that is not semt.002', () => {
    expect(errorsOf(parse('<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"><CstmrCdtTrfInitn/></Document>'))[0]?.field).toBe('SctiesBalCtdyRpt');
  });
});

describe('ISO readers', () => {
  it('reads xs:decimal and xs:date/xs:dateTime', () => {
    expect(readIsoNumber('1015000.50')).toEqual({ ok: true, value: '1015000.5' });
    expect(readIsoNumber('1,015,000').ok).toBe(false);
    expect(readIsoDateTime('2024-06-28')).toEqual({ ok: true, value: '2024-06-28' });
    expect(readIsoDateTime('2024-06-28T18:00:00.000+02:00')).toEqual({ ok: true, value: '2024-06-28' });
    expect(readIsoDateTime('28.06.2024').ok).toBe(false);
  });
});
