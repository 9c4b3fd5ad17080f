import { describe, expect, it } from 'vitest';
import finText from './__fixtures__/mt535/synthetic-two-page.mt535.fin?raw';
import type { HoldingsFile, HoldingsStatement } from './holdings';
import { parseMt535, readSwiftDate, readSwiftNumber } from './mt535';
import { encode, errorsOf, holding } from './structured-positions.test-helpers';

const parse = (text: string): HoldingsFile => parseMt535(encode(text), 'statement.fin');

const EXPECTED_STATEMENT: HoldingsStatement = {
  accountId: 'SYN-CUST-4711',
  asOf: '2024-06-28',
  holdings: [
    holding({ line: 16, identifiers: { isin: 'DE0001102580' }, description: 'BUNDESREPUBLIK DEUTSCHLAND 0 PCT 15.02.2032', quantity: '1000000', quantityType: 'FAMT', price: '85.12', priceType: 'percent', currency: 'EUR', marketValue: '851200' }),
    holding({ line: 27, identifiers: { isin: 'DE0007236101' }, description: 'SIEMENS AG NAMENS-AKTIEN O.N.', quantity: '2500', price: '173.42', priceType: 'amount', currency: 'EUR', marketValue: '433550', costBasis: '400000' }),
    holding({ line: 59, identifiers: { isin: 'DE0007164600' }, description: 'SAP SE INHABER-AKTIEN O.N.', quantity: '1800', price: '189.86', priceType: 'amount', currency: 'EUR', marketValue: '341748' }),
    holding({ line: 67, identifiers: { isin: 'FR0013508470' }, description: 'FRANCE OAT 0 PCT 25.02.2026', quantity: '500000', quantityType: 'FAMT', price: '94.214', priceType: 'percent', currency: 'EUR', marketValue: '471070' }),
    // The holding value is in EUR, the price in GBP: the value is left out rather than mislabelled.
    holding({ line: 75, identifiers: { isin: 'GB0002634946', sedol: '0263494' }, description: 'BAE SYSTEMS PLC ORD 2.5P', quantity: '10000', price: '13.97', priceType: 'amount', currency: 'GBP', marketValue: null }),
  ],
  cash: [],
  notes: [
    'pages 1, 2 joined',
    'statement reference SYNSTMT20240628',
    'frequency DAIL',
    'statement type CUST',
    'basis settled',
    '1 holding value(s) in another currency than the price left out',
  ],
};

/** The two FIN messages of the fixture, each with its envelope. */
const [page1 = '', page2 = ''] = finText.split(/(?=\{1:)/);

/** A one-page bare block-4 statement around the given FIN blocks (the first FIN starts on line 9). */
function bare(finBlocks: string, general = ':98A::STAT//20240628'): string {
  return [':16R:GENL', ':28E:1/ONLY', ':20C::SEME//REF1', ':23G:NEWM', general, ':97A::SAFE//ACC1', ':16S:GENL', ':16R:SUBSAFE', finBlocks, ':16S:SUBSAFE'].join('\n');
}

const fin = (isin: string, balance: string, price = ':90B::MRKT//ACTU/EUR10,', value = ':19A::HOLD//EUR1000,') =>
  [':16R:FIN', `:35B:ISIN ${isin}`, 'SOME NAME', price, `:93B::AGGR//${balance}`, value, ':16S:FIN'].join('\n');

describe('parseMt535: fixture', () => {
  it('joins the two pages into one statement with UNIT and FAMT balances, PRCT and ACTU prices', () => {
    expect(parseMt535(encode(finText), 'synthetic-two-page.mt535.fin')).toEqual<HoldingsFile>({
      format: 'mt535',
      detected: { envelope: 'FIN (blocks 1, 2, 4)', messages: '2' },
      statements: [EXPECTED_STATEMENT],
      issues: [],
    });
  });

  it('joins pages given in reverse order', () => {
    const file = parse(`${page2}${page1}`);
    expect(file.issues).toEqual([]);
    expect(file.statements[0]?.holdings.map((h) => h.identifiers.isin)).toEqual(['DE0001102580', 'DE0007236101', 'DE0007164600', 'FR0013508470', 'GB0002634946']);
  });

  it('reads the envelope with CRLF line ends', () => {
    const file = parse(finText.replace(/\n/g, '\r\n'));
    expect(file.issues).toEqual([]);
    expect(file.statements).toEqual([EXPECTED_STATEMENT]);
  });

  it('reads bare block-4 text (no envelope), with CRLF line ends', () => {
    const bareText = finText
      .split(/(?=\{1:)/)
      .map((message) => message.slice(message.indexOf('{4:') + 3, message.indexOf('\n-}')))
      .join('\n')
      .replace(/\n/g, '\r\n');
    const file = parse(bareText);
    expect(file.issues).toEqual([]);
    expect(file.detected.envelope).toBe('block 4 text');
    expect(file.statements[0]?.holdings.map((h) => [h.identifiers.isin, h.quantity, h.price])).toEqual(
      EXPECTED_STATEMENT.holdings.map((h) => [h.identifiers.isin, h.quantity, h.price]),
    );
  });
});

describe('parseMt535: pages', () => {
  it('reports a missing page', () => {
    const file = parse(page1);
    expect(errorsOf(file)).toEqual([expect.objectContaining({ field: ':28E:' })]);
    expect(errorsOf(file)[0]?.reason).toMatch(/no page .* is marked LAST; later pages are missing/);
    const gap = parse(page2);
    expect(errorsOf(gap)[0]?.reason).toMatch(/page 1 of the statement for account SYN-CUST-4711 on 2024-06-28 is missing/);
  });

  it('reports a duplicated page and duplicate holdings across pages', () => {
    const file = parse(`${page1}${page1}${page2}`);
    expect(errorsOf(file).map((issue) => issue.reason)).toEqual(
      expect.arrayContaining([expect.stringMatching(/page 1 appears twice/), expect.stringMatching(/ISIN DE0001102580 already appears on line 16/)]),
    );
  });

  it('keeps statements of different accounts apart', () => {
    const other = bare(fin('DE0007164600', 'UNIT/100,')).replace('ACC1', 'ACC2');
    const file = parse(`${bare(fin('DE0007164600', 'UNIT/100,'))}\n${other}`);
    expect(file.issues).toEqual([]);
    expect(file.statements.map((statement) => statement.accountId)).toEqual(['ACC1', 'ACC2']);
  });
});

describe('parseMt535: validation', () => {
  it('reads a minimal page, 98C date-time, N signs as negative', () => {
    const file = parse(bare(fin('DE0007164600', 'UNIT/100,'), ':98C::STAT//20240628180000'));
    expect(file.issues).toEqual([]);
    expect(file.statements[0]).toMatchObject({ accountId: 'ACC1', asOf: '2024-06-28', notes: ['page 1 of 1', 'statement reference REF1'] });
    // A negative balance is a short position: kept signed, with its negative holding value.
    const negative = parse(bare(fin('DE0007164600', 'UNIT/N100,', undefined, ':19A::HOLD//NEUR1000,')));
    expect(errorsOf(negative)).toEqual([]);
    expect(negative.statements[0]?.holdings[0]).toMatchObject({ quantity: '-100', marketValue: '-1000' });
  });

  it('keeps a bad ISIN check digit as the custodian code, with a warning at the :35B: line', () => {
    const file = parse(bare(fin('DE0007164601', 'UNIT/100,')));
    expect(errorsOf(file)).toEqual([]);
    expect(file.issues).toContainEqual(expect.objectContaining({ line: 10, field: ':35B:', value: 'DE0007164601', severity: 'warning' }));
    expect(file.statements[0]?.holdings[0]?.custodianCode).toEqual({ code: 'DE0007164601', field: ':35B:' });
  });

  it('reports a point decimal, a missing balance, a bad price, a value mismatch', () => {
    expect(errorsOf(parse(bare(fin('DE0007164600', 'UNIT/100.5'))))[0]?.reason).toMatch(/SWIFT amounts use a comma/);
    const noBalance = parse(bare(fin('DE0007164600', 'UNIT/100,').replace(/:93B:[^\n]*\n/, '')));
    expect(errorsOf(noBalance)).toEqual([expect.objectContaining({ line: 9, field: ':93B::AGGR' })]);
    expect(errorsOf(parse(bare(fin('DE0007164600', 'UNIT/100,', ':90B::MRKT//ACTU/10,'))))[0]).toMatchObject({ line: 12, field: ':90B::MRKT' });
    const mismatch = parse(bare(fin('DE0007164600', 'UNIT/100,', undefined, ':19A::HOLD//EUR1100,')));
    expect(errorsOf(mismatch)).toEqual([expect.objectContaining({ line: 14, field: ':19A::HOLD' })]);
  });

  it('uses the percentage rule for PRCT prices', () => {
    const file = parse(bare(fin('DE0001102580', 'FAMT/100000,', ':90A::MRKT//PRCT/98,5', ':19A::HOLD//EUR98500,')));
    expect(file.issues).toEqual([]);
    expect(file.statements[0]?.holdings[0]).toMatchObject({ quantityType: 'FAMT', priceType: 'percent', price: '98.5', marketValue: '98500', currency: 'EUR' });
  });

  it('reports a missing statement date, a delta statement and a cancellation', () => {
    expect(errorsOf(parse(bare(fin('DE0007164600', 'UNIT/100,'), ':98A::PREP//20240628')))).toEqual([expect.objectContaining({ field: ':98A::STAT' })]);
    expect(errorsOf(parse(bare(fin('DE0007164600', 'UNIT/100,'), ':22F::CODE//DELT\n:98A::STAT//20240628')))[0]?.field).toBe(':22F::CODE');
    expect(errorsOf(parse(bare(fin('DE0007164600', 'UNIT/100,')).replace(':23G:NEWM', ':23G:CANC')))[0]?.field).toBe(':23G:');
    expect(errorsOf(parse(bare(fin('DE0007164600', 'UNIT/100,'), ':98A::STAT//20240631')))[0]?.reason).toMatch(/not a real calendar date/);
  });

  it('rejects other message types, an unclosed block 4 and unbalanced sequences', () => {
    expect(errorsOf(parse(page1.replace('O535', 'O536')))[0]?.reason).toMatch(/MT536, not an MT535/);
    expect(errorsOf(parse(page1.slice(0, page1.indexOf('-}'))))[0]?.reason).toMatch(/not closed with "-}"/);
    const unbalanced = parse(bare(fin('DE0007164600', 'UNIT/100,')).replace(':16S:SUBSAFE', ''));
    expect(errorsOf(unbalanced)[0]).toMatchObject({ line: 8, field: ':16R:' });
    expect(errorsOf(parse('hello'))[0]?.field).toBe(':16R:GENL');
  });
});

describe('SWIFT readers', () => {
  it('reads SWIFT decimals', () => {
    expect(readSwiftNumber('1000,')).toEqual({ ok: true, value: '1000' });
    expect(readSwiftNumber('101,5')).toEqual({ ok: true, value: '101.5' });
    expect(readSwiftNumber(',5')).toEqual({ ok: true, value: '0.5' });
    expect(readSwiftNumber('-12,30')).toEqual({ ok: true, value: '-12.3' });
    expect(readSwiftNumber('1000').ok).toBe(false);
    expect(readSwiftNumber('1.000,5').ok).toBe(false);
    expect(readSwiftNumber(',').ok).toBe(false);
  });

  it('reads SWIFT dates', () => {
    expect(readSwiftDate('20240628', '98A')).toEqual({ ok: true, value: '2024-06-28' });
    expect(readSwiftDate('20240628235959', '98C')).toEqual({ ok: true, value: '2024-06-28' });
    expect(readSwiftDate('20240628235959,123/N0500', '98E')).toEqual({ ok: true, value: '2024-06-28' });
    expect(readSwiftDate('2024-06-28', '98A').ok).toBe(false);
  });
});
