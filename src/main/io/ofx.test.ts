import { describe, expect, it } from 'vitest';
import ofx1Text from './__fixtures__/ofx/synthetic-brokerage-ofx1.ofx?raw';
import ofx2Text from './__fixtures__/ofx/synthetic-brokerage-ofx2.ofx?raw';
import qfxText from './__fixtures__/ofx/synthetic-quicken.qfx?raw';
import type { HoldingsFile } from './holdings';
import { parseOfx, readOfxDate, readOfxNumber, sgmlToTree } from './ofx';
import { IssueCollector } from './report';
import { encode, errorsOf, holding, latin1Bytes, warningsOf } from './structured-positions.test-helpers';

const parse = (text: string | Uint8Array, name = 'statement.ofx'): HoldingsFile => parseOfx(typeof text === 'string' ? encode(text) : text, name);

/** A minimal OFX 1.x statement around the given INVPOSLIST body, for the validation cases. */
function sgmlStatement(positions: string, extra = { asOf: '<DTASOF>20240628', seclist: '' }): string {
  return [
    'OFXHEADER:100',
    'DATA:OFXSGML',
    'VERSION:102',
    'SECURITY:NONE',
    'ENCODING:USASCII',
    'CHARSET:1252',
    'COMPRESSION:NONE',
    'OLDFILEUID:NONE',
    'NEWFILEUID:NONE',
    '',
    '<OFX>',
    '<INVSTMTMSGSRSV1>',
    '<INVSTMTTRNRS>',
    '<TRNUID>1',
    '<INVSTMTRS>',
    extra.asOf,
    '<CURDEF>USD',
    '<INVACCTFROM>',
    '<BROKERID>b.example',
    '<ACCTID>ACC-1',
    '</INVACCTFROM>',
    '<INVPOSLIST>',
    positions,
    '</INVPOSLIST>',
    '</INVSTMTRS>',
    '</INVSTMTTRNRS>',
    '</INVSTMTMSGSRSV1>',
    extra.seclist,
    '</OFX>',
  ].join('\n');
}

/** One POSSTOCK on a single line (line 23 of sgmlStatement). */
const stock = (id: string, units: string, price: string, value: string, more = '') =>
  `<POSSTOCK><INVPOS><SECID><UNIQUEID>${id}<UNIQUEIDTYPE>CUSIP</SECID><HELDINACCT>CASH<POSTYPE>LONG<UNITS>${units}<UNITPRICE>${price}<MKTVAL>${value}${more}<DTPRICEASOF>20240628</INVPOS></POSSTOCK>`;

describe('parseOfx: fixtures', () => {
  it('reads the OFX 1.x SGML statement with every position type and the security list', () => {
    const file = parse(ofx1Text, 'synthetic-brokerage-ofx1.ofx');
    expect(file).toEqual<HoldingsFile>({
      format: 'ofx',
      detected: { version: '102', encoding: 'windows-1252', dialect: 'OFX 1.x (SGML)', statements: '1' },
      statements: [
        {
          accountId: 'SYN-10001',
          asOf: '2024-06-28',
          holdings: [
            holding({ line: 45, identifiers: { cusip: '037833100', ticker: 'AAPL' }, description: 'APPLE INC', securityType: 'STOCK', quantity: '150', price: '210.62', priceType: 'amount', currency: 'USD', marketValue: '31593' }),
            holding({ line: 60, identifiers: { cusip: '922908710', ticker: 'VFIAX' }, description: 'VANGUARD 500 INDEX ADMIRAL', securityType: 'MF', quantity: '85.314', price: '512.37', priceType: 'amount', currency: 'USD', marketValue: '43712.33' }),
            holding({ line: 76, identifiers: { cusip: '91282CJL6' }, description: 'US TREASURY NOTE 4.875% 11/30/2025', securityType: 'DEBT', quantity: '25000', quantityType: 'FAMT', price: '99.218', priceType: 'percent', currency: 'USD', marketValue: '24804.5' }),
            holding({ line: 90, identifiers: { ticker: 'AAPL240719C00200000' }, description: 'CALL APPLE INC JUL 19 24 200', securityType: 'OPT', quantity: '2', price: '1235', priceType: 'amount', currency: 'USD', marketValue: '2470', instrument: { type: 'option', multiplier: '100', underlying: 'AAPL', expiry: '2024-07-19', strike: '200', putCall: 'call' }, quotedPrice: '12.35' }),
            holding({ line: 104, identifiers: { cusip: '78462F103', ticker: 'SPY' }, description: 'SPDR S&P 500 ETF TRUST', securityType: 'OTHER', quantity: '40', price: '545.12', priceType: 'amount', currency: 'USD', marketValue: '21804.8' }),
          ],
          cash: [{ line: 120, currency: 'USD', amount: '12500.55' }],
          notes: ['broker synthetic.example.com', 'option prices are per contract (OFX premium per share × shares per contract)'],
        },
      ],
      issues: [],
    });
  });

  it('reads the OFX 2.x XML statement (ISIN ids, escaped names)', () => {
    const file = parse(ofx2Text, 'synthetic-brokerage-ofx2.ofx');
    expect(file.issues).toEqual([]);
    expect(file.detected).toEqual({ dialect: 'OFX 2.x (XML)', encoding: 'utf-8', version: '220', statements: '1' });
    expect(file.statements).toEqual([
      {
        accountId: 'SYN-20002',
        asOf: '2024-06-28',
        holdings: [
          holding({ line: 24, identifiers: { isin: 'US5949181045', ticker: 'MSFT' }, description: 'MICROSOFT CORP', securityType: 'STOCK', quantity: '320', price: '446.95', priceType: 'amount', currency: 'USD', marketValue: '143024' }),
          holding({ line: 35, identifiers: { isin: 'US9229087286', ticker: 'VTSAX' }, description: 'VANGUARD TOTAL STOCK MARKET INDEX ADMIRAL', securityType: 'MF', quantity: '1204.557', price: '128.64', priceType: 'amount', currency: 'USD', marketValue: '154954.21' }),
          holding({ line: 46, identifiers: { isin: 'US91282CHT18' }, description: 'US TREASURY NOTE 3.875% 08/15/2033', securityType: 'DEBT', quantity: '50000', quantityType: 'FAMT', price: '98.5', priceType: 'percent', currency: 'USD', marketValue: '49250' }),
          holding({ line: 57, identifiers: { ticker: 'MSFT240920P00400000' }, description: 'PUT MICROSOFT CORP SEP 20 24 400', securityType: 'OPT', quantity: '3', price: '410', priceType: 'amount', currency: 'USD', marketValue: '1230', instrument: { type: 'option', multiplier: '100', underlying: 'MSFT', expiry: '2024-09-20', strike: '400', putCall: 'put' }, quotedPrice: '4.1' }),
          holding({ line: 68, identifiers: { isin: 'US4642872000', ticker: 'IVV' }, description: 'ISHARES CORE S&P 500 ETF', securityType: 'OTHER', quantity: '75', price: '547.23', priceType: 'amount', currency: 'USD', marketValue: '41042.25' }),
        ],
        cash: [{ line: 81, currency: 'USD', amount: '8750' }],
        notes: ['broker synthetic.example.com', 'option prices are per contract (OFX premium per share × shares per contract)'],
      },
    ]);
  });

  it('reads the QFX (Intuit tags, several aggregates per line, an empty leaf closed by its parent)', () => {
    const file = parse(qfxText, 'synthetic-quicken.qfx');
    expect(file.issues).toEqual([]);
    expect(file.detected.flavour).toBe('QFX (Quicken)');
    expect(file.statements).toEqual([
      {
        accountId: 'SYN-30003',
        asOf: '2024-06-28',
        holdings: [
          holding({ line: 13, identifiers: { cusip: '459200101', ticker: 'IBM' }, description: 'INTERNATIONAL BUSINESS MACHINES CORP', securityType: 'STOCK', quantity: '60', price: '172.95', priceType: 'amount', currency: 'USD', marketValue: '10377' }),
          holding({ line: 14, identifiers: { cusip: '02079K305', ticker: 'GOOGL' }, description: 'ALPHABET INC CL A', securityType: 'STOCK', quantity: '45', price: '182.15', priceType: 'amount', currency: 'USD', marketValue: '8196.75' }),
        ],
        cash: [{ line: 15, currency: 'USD', amount: '1520.4' }],
        notes: ['broker quicken.synthetic.example'],
      },
    ]);
  });

  it('reads the same holdings whatever the line endings', () => {
    const lf = parse(ofx1Text.replace(/\r\n/g, '\n'));
    const cr = parse(ofx1Text.replace(/\r\n/g, '\r'));
    expect(lf.statements).toEqual(parse(ofx1Text).statements);
    expect(cr.statements).toEqual(parse(ofx1Text).statements);
  });
});

describe('parseOfx: validation', () => {
  it('keeps a CUSIP with a wrong check digit as the custodian code, with a warning at its line and field', () => {
    const file = parse(sgmlStatement(stock('037833101', '10', '5', '50')));
    expect(errorsOf(file)).toEqual([]);
    const warning = file.issues.find((issue) => issue.field === 'UNIQUEID');
    expect(warning).toMatchObject({ line: 23, severity: 'warning', value: '037833101', reason: expect.stringMatching(/CUSIP 037833101 has a wrong check digit/) });
    expect(file.statements[0]?.holdings.map((h) => [h.identifiers, h.custodianCode])).toEqual([[{}, { code: '037833101', field: 'UNIQUEID' }]]);
  });

  it('reports non-numeric units, skips zero units with a note, keeps negative units and short positions signed', () => {
    const file = parse(
      sgmlStatement(
        [
          stock('037833100', 'ten', '5', '50'),
          stock('594918104', '0', '5', '0'),
          stock('922908710', '-3', '5', '-15'),
          stock('464287200', '3', '5', '15').replace('<POSTYPE>LONG', '<POSTYPE>SHORT'),
        ].join('\n'),
      ),
    );
    expect(errorsOf(file).map((issue) => [issue.line, issue.field, issue.reason])).toEqual([[23, 'UNITS', expect.stringMatching(/"ten" is not a number/)]]);
    expect(file.issues.filter((issue) => issue.severity === 'warning').map((issue) => [issue.line, issue.reason])).toContainEqual([24, 'not a holding: zero units; the line was skipped']);
    expect(file.statements[0]?.holdings.map((h) => [h.line, h.quantity, h.marketValue])).toEqual([
      [25, '-3', '-15'],
      [26, '-3', '-15'],
    ]);
  });

  it('reports a statement without DTASOF and a malformed DTASOF', () => {
    const missing = parse(sgmlStatement(stock('037833100', '10', '5', '50'), { asOf: '<MEMO>no date', seclist: '' }));
    expect(errorsOf(missing)).toEqual([expect.objectContaining({ line: 15, field: 'DTASOF' })]);
    expect(errorsOf(missing)[0]?.reason).toMatch(/no date/);
    const malformed = parse(sgmlStatement(stock('037833100', '10', '5', '50'), { asOf: '<DTASOF>20240231', seclist: '' }));
    expect(errorsOf(malformed)).toEqual([expect.objectContaining({ line: 16, field: 'DTASOF', value: '20240231' })]);
  });

  it('flags quantity × price against market value: error beyond 2 %, warning between 0.5 % and 2 %', () => {
    const file = parse(sgmlStatement([stock('037833100', '10', '100', '1030'), stock('594918104', '10', '100', '1010'), stock('922908710', '10', '100', '1004')].join('\n')));
    expect(errorsOf(file)).toEqual([expect.objectContaining({ line: 23, field: 'MKTVAL' })]);
    expect(errorsOf(file)[0]?.reason).toMatch(/quantity × price = 1000 but the market value is 1030/);
    expect(warningsOf(file).filter((issue) => issue.field === 'MKTVAL')).toEqual([expect.objectContaining({ line: 24 })]);
    expect(file.statements[0]?.holdings.map((h) => h.identifiers.cusip)).toEqual(['594918104', '922908710']);
  });

  it('compares bond values with the price as a percentage of face', () => {
    const debt = (value: string) =>
      `<POSDEBT><INVPOS><SECID><UNIQUEID>91282CJL6<UNIQUEIDTYPE>CUSIP</SECID><HELDINACCT>CASH<POSTYPE>LONG<UNITS>10000<UNITPRICE>99.5<MKTVAL>${value}</INVPOS></POSDEBT>`;
    expect(errorsOf(parse(sgmlStatement(debt('9950'))))).toEqual([]);
    expect(errorsOf(parse(sgmlStatement(debt('995000'))))[0]?.field).toBe('MKTVAL');
  });

  it('reports the second line for the same security as a duplicate', () => {
    const file = parse(sgmlStatement([stock('037833100', '10', '5', '50'), stock('037833100', '20', '5', '100')].join('\n')));
    expect(errorsOf(file)).toEqual([expect.objectContaining({ line: 24, field: 'UNIQUEID', value: '037833100' })]);
    expect(errorsOf(file)[0]?.reason).toMatch(/already appears on line 23/);
    expect(file.statements[0]?.holdings).toHaveLength(1);
  });

  it('reads comma decimals, which the OFX spec allows', () => {
    const file = parse(sgmlStatement(stock('037833100', '10,5', '2,00', '21,00')));
    expect(file.issues.filter((issue) => issue.field !== 'SECID')).toEqual([]);
    expect(file.statements[0]?.holdings[0]).toMatchObject({ quantity: '10.5', price: '2', marketValue: '21' });
  });

  it('warns when SECLIST does not describe a position, and rejects an unknown id type it cannot name', () => {
    const file = parse(sgmlStatement(stock('037833100', '10', '5', '50')));
    expect(warningsOf(file)).toEqual([expect.objectContaining({ line: 23, field: 'SECID' })]);
    const unknown = parse(sgmlStatement(stock('XYZ', '10', '5', '50').replace('CUSIP', 'BROKER')));
    expect(errorsOf(unknown)).toEqual([expect.objectContaining({ field: 'UNIQUEIDTYPE' })]);
  });

  it('lists the first ten positions missing from SECLIST and counts the rest', () => {
    const ids = ['037833100', '594918104', '922908728', '922908710', '464287200', '91282CJL6', '78462F103', '02079K305', '459200101', '91282CHT1', '38259P508', '88160R101'];
    const file = parse(sgmlStatement(ids.map((id) => stock(id, '1', '1', '1')).join('\n')));
    const secIdWarnings = warningsOf(file).filter((issue) => issue.field === 'SECID');
    expect(secIdWarnings).toHaveLength(11);
    expect(secIdWarnings[10]?.reason).toBe('2 more position(s) have no entry in the security list (SECLIST)');
  });

  it('decodes Windows-1252 names as the header says', () => {
    const seclist =
      '<SECLISTMSGSRSV1><SECLIST><STOCKINFO><SECINFO><SECID><UNIQUEID>037833100<UNIQUEIDTYPE>CUSIP</SECID><SECNAME>Société Générale Test<TICKER>GLE</SECINFO></STOCKINFO></SECLIST></SECLISTMSGSRSV1>';
    const file = parse(latin1Bytes(sgmlStatement(stock('037833100', '10', '5', '50'), { asOf: '<DTASOF>20240628', seclist })));
    expect(file.issues).toEqual([]);
    expect(file.statements[0]?.holdings[0]?.description).toBe('Société Générale Test');
  });

  it('keeps a negative cash balance (margin debit) with a warning, and rejects a bank statement', () => {
    const cash = parse(sgmlStatement(stock('037833100', '10', '5', '50')).replace('</INVPOSLIST>', '</INVPOSLIST><INVBAL><AVAILCASH>-12.5</INVBAL>'));
    expect(errorsOf(cash)).toEqual([]);
    expect(cash.issues).toContainEqual(expect.objectContaining({ field: 'AVAILCASH', severity: 'warning' }));
    expect(cash.statements[0]?.cash).toEqual([expect.objectContaining({ currency: 'USD', amount: '-12.5' })]);
    const bank = parse('OFXHEADER:100\nDATA:OFXSGML\n\n<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>USD</STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>');
    expect(errorsOf(bank)[0]?.reason).toMatch(/bank or card statement/);
  });

  it('reports an institution error status', () => {
    const file = parse(
      sgmlStatement(stock('037833100', '10', '5', '50')).replace('<TRNUID>1', '<TRNUID>1\n<STATUS><CODE>2000<SEVERITY>ERROR<MESSAGE>General error</STATUS>'),
    );
    expect(errorsOf(file)).toEqual([expect.objectContaining({ field: 'STATUS', value: '2000' })]);
  });

  it('rejects a truncated SGML file at the unclosed aggregate', () => {
    const text = ofx1Text.slice(0, ofx1Text.indexOf('</POSMF>'));
    const file = parse(text);
    expect(file.statements).toEqual([]);
    expect(errorsOf(file)).toEqual([expect.objectContaining({ line: 60, field: 'POSMF' })]);
    expect(errorsOf(file)[0]?.reason).toMatch(/never closed/);
  });

  it('rejects compressed or encrypted OFX and a file that is not OFX', () => {
    expect(errorsOf(parse('OFXHEADER:100\nCOMPRESSION:GZIP\n\n<OFX></OFX>'))[0]?.field).toBe('COMPRESSION');
    expect(errorsOf(parse('OFXHEADER:100\nSECURITY:TYPE1\n\n<OFX></OFX>'))[0]?.field).toBe('SECURITY');
    expect(errorsOf(parse('symbol,quantity\nAAPL,1'))[0]?.field).toBe('OFXHEADER');
  });

  it('refuses an OFX 2.x file with entity declarations', () => {
    const evil = ofx2Text.replace('<OFX>', '<!DOCTYPE OFX [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<OFX>');
    expect(errorsOf(parse(evil))).toEqual([expect.objectContaining({ field: 'DOCTYPE' })]);
  });
});

describe('OFX readers', () => {
  it('reads OFX dates with time, fraction and zone', () => {
    expect(readOfxDate('20240628')).toEqual({ ok: true, value: '2024-06-28' });
    expect(readOfxDate('20240628160000.000[-5:EST]')).toEqual({ ok: true, value: '2024-06-28' });
    expect(readOfxDate('20240628160000[+5.30:IST]')).toEqual({ ok: true, value: '2024-06-28' });
    expect(readOfxDate('202406281600')).toEqual({ ok: true, value: '2024-06-28' });
    expect(readOfxDate('2024-06-28').ok).toBe(false);
    expect(readOfxDate('20241328').ok).toBe(false);
  });

  it('reads OFX numbers', () => {
    expect(readOfxNumber('1234.50')).toEqual({ ok: true, value: '1234.5' });
    expect(readOfxNumber('-0,5')).toEqual({ ok: true, value: '-0.5' });
    expect(readOfxNumber('1E5').ok).toBe(false);
  });

  it('converts SGML with implicit empty leaves and optional leaf end tags', () => {
    const issues = new IssueCollector();
    const tree = sgmlToTree('<OFX><A><B>1</B><C><D>2</A><E>x</OFX>', issues);
    expect(issues.toArray()).toEqual([]);
    expect(tree?.children.map((child) => [child.name, child.text, child.children.map((c) => `${c.name}=${c.text}`)])).toEqual([
      ['A', '', ['B=1', 'C=', 'D=2']],
      ['E', 'x', []],
    ]);
  });
});
