import { describe, expect, it } from 'vitest';
// Read through the bundler rather than node:fs (io stays free of the file system, tests included); as
// base64 data URLs because the fixtures are Windows-1252 and UTF-16 bytes that ?raw would re-decode.
import euUrl from './__fixtures__/csv/eu-custodian-windows1252-synthetic.csv?url&inline';
import multiUrl from './__fixtures__/csv/multi-account-utf16le-synthetic.txt?url&inline';
import needsProfileUrl from './__fixtures__/csv/needs-profile-synthetic.csv?url&inline';
import profileText from './__fixtures__/csv/needs-profile-synthetic.profile.json?raw';
import sectionsUrl from './__fixtures__/csv/sections-multi-account-synthetic.csv?url&inline';
import usBrokerUrl from './__fixtures__/csv/us-broker-synthetic.csv?url&inline';
import { CustodianProfile } from '../../shared/domain';
import type { FileIssue } from '../../shared/errors';
import {
  createCustodianCsvReader,
  type IdentifierKey,
  type CustodianCsvResult,
  type CustodianHoldingLine,
  headerKey,
  headerSignatureOf,
  parseCustodianCsv,
} from './custodian-csv';

const FIXTURES: Record<string, string> = {
  'us-broker-synthetic.csv': usBrokerUrl,
  'eu-custodian-windows1252-synthetic.csv': euUrl,
  'multi-account-utf16le-synthetic.txt': multiUrl,
  'needs-profile-synthetic.csv': needsProfileUrl,
  'sections-multi-account-synthetic.csv': sectionsUrl,
};
const fixture = (name: string) => new Uint8Array(Buffer.from((FIXTURES[name] ?? '').split(',')[1] ?? '', 'base64'));
const utf8 = (text: string) => new TextEncoder().encode(text);
const parse = (text: string, opts: Parameters<typeof parseCustodianCsv>[2] = {}) => parseCustodianCsv(utf8(text), 'positions.csv', opts);
const errors = (issues: FileIssue[]) => issues.filter((issue) => issue.severity === 'error');
const warnings = (issues: FileIssue[]) => issues.filter((issue) => issue.severity === 'warning');
const where = (issues: FileIssue[]) => errors(issues).map((issue) => [issue.line, issue.field]);
const holdings = (result: CustodianCsvResult) => result.statements.flatMap((statement) => statement.holdings);
const profile = (fields: Partial<CustodianProfile> & Pick<CustodianProfile, 'mapping'>): CustodianProfile =>
  CustodianProfile.parse({ name: 'test', headerSignature: null, ...fields });

describe('parseCustodianCsv — synthetic custodian files', () => {
  it('a US broker export: preamble account and date, $ amounts, a CUSIP in the symbol column, cash and total lines', () => {
    const result = parseCustodianCsv(fixture('us-broker-synthetic.csv'), 'us-broker-synthetic.csv');
    expect(result.issues).toEqual([]);
    expect(result.needsMapping).toBe(false);
    expect(result.detected).toMatchObject({ encoding: 'utf-8', delimiter: 'comma', numberConvention: 'US (1,234.56), from the file', headerLine: '3' });
    expect(result.statements).toHaveLength(1);
    const [statement] = result.statements;
    expect(statement).toMatchObject({ accountId: 'XXXX-1234', asOf: '2025-03-31', cash: [{ line: 9, currency: 'USD', amount: '12345.67' }] });
    expect(statement?.notes[0]).toContain('Positions for account');
    expect(statement?.holdings.map((h) => [h.line, h.identifiers, h.quantity, h.price, h.marketValue, h.costBasis])).toEqual([
      [4, { ticker: 'AAPL' }, '150', '222.13', '33319.5', '25012.4'],
      [5, { ticker: 'MSFT' }, '80', '375.39', '30031.2', '32400'],
      [6, { ticker: 'VTI' }, '210', '271.83', '57084.3', '48300'],
      [7, { ticker: 'AGG' }, '400', '98.15', '39260', '40120'],
      [8, { cusip: '91282CJL6' }, '25000', '101.25', '25312.5', null],
    ]);
    // The Treasury note's price only fits market value as a percentage of face.
    expect(statement?.holdings[4]).toMatchObject({ priceType: 'percent', quantityType: 'FAMT', securityType: 'Fixed Income' });
    expect(statement?.holdings[0]).toMatchObject({ priceType: 'amount', quantityType: 'UNIT', description: 'APPLE INC', currency: null });
    expect(result.mapping).toMatchObject({ symbol: 'Symbol', quantity: 'Qty (Quantity)', marketValue: 'Mkt Val (Market Value)' });
  });

  it('a European custodian in Windows-1252: semicolons, 1.234,56, DD.MM.YYYY, German headers, a bond at % of face', () => {
    const result = parseCustodianCsv(fixture('eu-custodian-windows1252-synthetic.csv'), 'eu.csv');
    expect(result.issues).toEqual([]);
    expect(result.detected).toMatchObject({ encoding: 'windows-1252', delimiter: 'semicolon', numberConvention: 'European (1.234,56), from the file' });
    const [statement] = result.statements;
    expect(statement).toMatchObject({ accountId: '0012345678', asOf: '2025-03-31', cash: [{ line: 12, currency: 'EUR', amount: '45678.9' }] });
    expect(statement?.holdings.map((h) => [h.identifiers.isin, h.description, h.quantity, h.price, h.currency, h.marketValue])).toEqual([
      ['DE0007164600', 'SAP SE', '1250', '182.34', 'EUR', '227925'],
      ['FR0000120271', 'TotalEnergies SE', '3000', '57.12', 'EUR', '171360'],
      ['FR0000130809', 'Société Générale S.A.', '2400', '41.85', 'EUR', '100440'],
      ['DE0005140008', 'Deutsche Bank AG Namens-Aktien', '5000', '21.92', 'EUR', '109600'],
      ['CH0038863350', 'Nestlé S.A.', '900', '89.34', 'CHF', '80406'],
      ['DE0001102580', 'Bundesrepublik Deutschland 0% 15.02.2032', '500000', '85.624', 'EUR', '428120'],
    ]);
    expect(statement?.holdings[5]).toMatchObject({ priceType: 'percent', quantityType: 'FAMT' });
    expect(statement?.notes[0]).toBe('Depotübersicht – Bestand (synthetisch)');
  });

  it('a UTF-16LE tab-delimited file with an Account column: one statement per account', () => {
    const result = parseCustodianCsv(fixture('multi-account-utf16le-synthetic.txt'), 'multi.txt');
    expect(errors(result.issues)).toEqual([]);
    expect(warnings(result.issues)).toEqual([
      { line: 6, field: 'CUSIP', reason: 'CUSIP 23135106 lost its leading zero (a spreadsheet?); read as 023135106', severity: 'warning', value: '23135106' },
    ]);
    expect(result.detected).toMatchObject({ encoding: 'utf-16le', delimiter: 'tab', dateFormat: 'YYYY-MM-DD, from the file', accounts: '3' });
    expect(result.statements.map((s) => [s.accountId, s.asOf, s.holdings.map((h) => h.identifiers.ticker), s.cash.map((c) => c.amount)])).toEqual([
      ['10001', '2025-03-31', ['AAPL', 'MSFT', 'SPY'], ['5120.35']],
      ['20002', '2025-03-31', ['AMZN', 'QQQ', 'NSRGY'], []],
      ['30003', '2025-03-31', ['BND', 'AGG'], []],
    ]);
    expect(result.statements[1]?.holdings[2]?.description).toBe('Nestlé S.A. ADR');
    expect(result.statements[1]?.holdings[0]?.identifiers).toEqual({ ticker: 'AMZN', cusip: '023135106' });
  });

  it('an unknown layout asks for a mapping, and its saved profile reads it', () => {
    const bytes = fixture('needs-profile-synthetic.csv');
    const unmapped = parseCustodianCsv(bytes, 'odd.csv');
    expect(unmapped.needsMapping).toBe(true);
    expect(unmapped.statements).toEqual([]);
    expect(unmapped.headers).toEqual(['Port', 'Sec Id', 'Sec Name', 'Pos', 'Px', 'Val', 'Ccy', 'Val Dt']);
    expect(errors(unmapped.issues)).toHaveLength(1);

    const saved = CustodianProfile.parse(JSON.parse(profileText));
    expect(unmapped.headerSignature).toBe(saved.headerSignature);
    const mapped = parseCustodianCsv(bytes, 'odd.csv', { profile: saved });
    expect(mapped.issues).toEqual([]);
    expect(mapped.needsMapping).toBe(false);
    expect(mapped.detected).toMatchObject({ profile: saved.name, dateFormat: 'YYYYMMDD, from the file' });
    expect(mapped.statements.map((s) => [s.accountId, s.asOf, s.holdings.length])).toEqual([['PF-77', '2025-03-31', 4]]);
    expect(mapped.statements[0]?.holdings[3]).toMatchObject({ identifiers: { isin: 'GB0002634946' }, currency: 'GBP', quantity: '8000', price: '16.2' });
  });

  it('accounts in sections, each with its own header and total line', () => {
    const result = parseCustodianCsv(fixture('sections-multi-account-synthetic.csv'), 'sections.csv');
    expect(result.issues).toEqual([]);
    expect(result.statements.map((s) => [s.accountId, s.asOf, s.holdings.map((h) => h.identifiers.ticker), s.cash])).toEqual([
      ['XXXX-1234', '2025-03-31', ['AAPL', 'SPAXX'], []],
      ['XXXX-5678', '2025-03-31', ['VTI'], [{ line: 12, currency: 'USD', amount: '1010' }]],
    ]);
  });
});

describe('parseCustodianCsv — header aliases and profiles', () => {
  it.each([
    ['Ticker,Shares,Last Price,Current Value,Total Cost,Ccy,Date,Acct,Asset Type,Security Description', 'ticker'],
    ['Symbol,Units,Closing Price,Mkt Val,Cost Basis,Currency,Position Date,Account Number,Type,Name', 'symbol'],
    ['SYMBOL,QTY,PRICE,VALUE,COST BASIS,CURRENCY,AS OF,ACCOUNT,SECURITY TYPE,DESCRIPTION', 'upper case'],
  ])('%s', (header) => {
    const result = parse(`${header}\nAAPL,10,200.5,2005,1500,USD,2025-03-31,A-1,Equity,Apple\n`);
    expect(result.issues).toEqual([]);
    expect(result.statements).toEqual([
      {
        accountId: 'A-1',
        asOf: '2025-03-31',
        cash: [],
        notes: [],
        holdings: [
          {
            line: 2,
            identifiers: { ticker: 'AAPL' },
            description: 'Apple',
            securityType: 'Equity',
            quantity: '10',
            quantityType: 'UNIT',
            price: '200.5',
            priceType: 'amount',
            currency: 'USD',
            marketValue: '2005',
            costBasis: '1500',
          },
        ],
      },
    ]);
  });

  it('Nominal and Par mean face amounts, priced in percent', () => {
    const result = parse('ISIN,Nominal,Price,Market Value\nDE0001102580,100000,98.5,98500\n', { asOf: '2025-03-31' });
    expect(result.issues).toEqual([]);
    expect(holdings(result)[0]).toMatchObject({ quantityType: 'FAMT', priceType: 'percent', quantity: '100000' });
  });

  it('a profile mapping wins over aliases', () => {
    const text = 'Symbol,Ticker,Qty,Held\nOLD,AAPL,1,10\n';
    const result = parse(text, { asOf: '2025-03-31', profile: profile({ mapping: { symbol: 'Ticker', quantity: 'Held' } }) });
    expect(result.issues).toEqual([]);
    expect(holdings(result)[0]).toMatchObject({ identifiers: { ticker: 'AAPL' }, quantity: '10' });
    expect(result.mapping).toMatchObject({ symbol: 'Ticker', quantity: 'Held' });
  });

  it('a profile that names a missing column, or was made for other columns, is reported', () => {
    const missing = parse('Symbol,Qty\nAAPL,1\n', { asOf: '2025-03-31', profile: profile({ mapping: { quantity: 'Held' } }) });
    expect(missing.needsMapping).toBe(true);
    expect(errors(missing.issues)[0]?.reason).toContain('maps the quantity to a column "Held"');
    const other = parse('Symbol,Qty\nAAPL,1\n', { asOf: '2025-03-31', profile: profile({ mapping: {}, headerSignature: 'x|y' }) });
    expect(warnings(other.issues)[0]?.reason).toContain('columns differ');
    expect(holdings(other)).toHaveLength(1);
  });

  it('no quantity or no identifier column → needsMapping with the header to map', () => {
    const noQuantity = parse('Symbol,Description,Price\nAAPL,Apple,1\n');
    expect(noQuantity.needsMapping).toBe(true);
    expect(noQuantity.headers).toEqual(['Symbol', 'Description', 'Price']);
    expect(where(noQuantity.issues)).toEqual([[1, 'quantity']]);
    const noIdentifier = parse('Description,Quantity\nApple,1\n');
    expect(noIdentifier.needsMapping).toBe(true);
    expect(where(noIdentifier.issues)).toEqual([[1, 'symbol']]);
  });

  it('headerSignatureOf normalises spelling and ignores trailing empty columns', () => {
    expect(headerSignatureOf(['Symbol', ' Qty (Quantity) ', 'Währung', '', ''])).toBe('symbol|qtyquantity|wahrung');
    expect(headerKey('Mkt Val')).toBe('mktval');
  });
});

describe('parseCustodianCsv — validation report', () => {
  const header = 'Account,Symbol,ISIN,CUSIP,SEDOL,Quantity,Price,Market Value\n';
  const check = (rows: string[]) => parse(header + rows.join('\n'), { asOf: '2025-03-31' });

  it('lists each rejected row with line, field and reason, and leaves it out; zero lines are skipped, shorts and custodian codes kept', () => {
    const result = check([
      'A,AAPL,,,,abc,10,', // 2 non-numeric quantity
      'A,MSFT,,,,0,10,', // 3 zero: not a holding, skipped with a note
      'A,IBM,,,,-5,10,', // 4 negative: a short position, kept
      'A,XOM,US0378331006,,,1,10,', // 5 ISIN check digit: a custodian code (warning)
      'A,CVX,,037833101,,1,10,', // 6 CUSIP check digit: a custodian code (warning)
      'A,BP,,,0263495,1,10,', // 7 SEDOL check digit: a custodian code (warning)
      'A,GE,,,,,10,', // 8 empty quantity
      'A,KO,,,,1,-3,', // 9 negative price
      'A,PEP,,,,1,12,3', // 10 market value 75 % off
      'A,T,,,,2,10,20', // 11 fine
      'A,T,,,,3,10,30', // 12 duplicate of line 11
      'A,VZ,,,,1,1.2.3,', // 13 price not a number
      'A,$$$,,,,1,1,', // 14 not a ticker
    ]);
    expect(where(result.issues)).toEqual([
      [2, 'Quantity'],
      [8, 'Quantity'],
      [9, 'Price'],
      [10, 'Market Value'],
      [12, 'Symbol'],
      [13, 'Price'],
      [14, 'Symbol'],
    ]);
    const reasons = errors(result.issues).map((issue) => issue.reason);
    expect(reasons[3]).toContain('more than 2 %');
    expect(reasons[4]).toBe('symbol T already appears on line 11 for account A; a holdings file lists each holding once');
    expect(warnings(result.issues).map((w) => [w.line, w.field, w.reason])).toEqual([
      [3, 'Quantity', 'not a holding: zero units; the line was skipped'],
      [5, 'ISIN', "ISIN US0378331006 has a bad check digit (a valid one ends in 5); kept as the custodian's own code for this security, not as a standard identifier"],
      [6, 'CUSIP', "CUSIP 037833101 has a bad check digit (a valid one ends in 0); kept as the custodian's own code for this security, not as a standard identifier"],
      [7, 'SEDOL', "SEDOL 0263495 has a bad check digit (a valid one ends in 4); kept as the custodian's own code for this security, not as a standard identifier"],
    ]);
    expect(holdings(result).map((h) => h.line)).toEqual([4, 5, 6, 7, 11]);
    expect(holdings(result)[0]).toMatchObject({ identifiers: { ticker: 'IBM' }, quantity: '-5' });
    expect(holdings(result)[1]).toMatchObject({ identifiers: { ticker: 'XOM' }, custodianCode: { code: 'US0378331006', field: 'ISIN' } });
    expect(holdings(result)[1]?.identifiers.isin).toBeUndefined();
  });

  it('market value: within 0.5 % or one unit is fine, up to 2 % a warning, beyond an error; bonds per 100, options × 100', () => {
    const result = check([
      'A,AAA,,,,100,10,1000.9', // within one unit
      'A,BBB,,,,1000,100,100400', // 0.4 %
      'A,CCC,,,,1000,100,101000', // ~1 %: warning
      'A,DDD,,,,1000,100,110000', // ~9 %: error
      'A,EEE,,,,10,10,0', // market value zero: error
    ]);
    expect(where(result.issues)).toEqual([
      [5, 'Market Value'],
      [6, 'Market Value'],
    ]);
    expect(warnings(result.issues)).toEqual([
      expect.objectContaining({ line: 4, field: 'Market Value', reason: expect.stringContaining('0.99 % apart') }),
    ]);
    const typed = parse(
      'Symbol,Type,Quantity,Price,Market Value\nT 4 02/15/34,Treasury Bond,10000,97.5,9750\nAAPL 250620C00200000,Call Option,2,5.1,1020\n',
      { asOf: '2025-03-31' },
    );
    expect(typed.issues).toEqual([]);
    expect(holdings(typed).map((h) => h.priceType)).toEqual(['percent', 'amount']);
  });

  it('a market value in another currency than the line is not compared', () => {
    const result = parse('ISIN,Currency,Quantity,Price,Market Value (USD)\nDE0007164600,EUR,10,180,1950\n', { asOf: '2025-03-31' });
    expect(result.issues).toEqual([]);
  });

  it('no as-of date anywhere is an error; a date line, a date column or the given date each supply it', () => {
    expect(where(parse('Symbol,Quantity\nAAPL,1\n').issues)).toEqual([[1, 'asOf']]);
    expect(parse('As of 03/31/2025\nSymbol,Quantity\nAAPL,1\n').statements[0]?.asOf).toBe('2025-03-31');
    expect(parse('Symbol,Quantity,Date\nAAPL,1,31.03.2025\n').statements[0]?.asOf).toBe('2025-03-31');
    expect(parse('Symbol,Quantity\nAAPL,1\n', { asOf: '2025-03-31' }).statements[0]?.asOf).toBe('2025-03-31');
    const emptyCell = parse('Symbol,Quantity,Date\nAAPL,1,2025-03-31\nMSFT,1,\n');
    expect(where(emptyCell.issues)).toEqual([[3, 'Date']]);
  });

  it('one account, two dates: the second is an error', () => {
    const result = parse('Symbol,Quantity,As of\nAAPL,1,2025-03-31\nMSFT,1,2025-04-01\n');
    expect(errors(result.issues)[0]).toMatchObject({ line: 3, field: 'As of', reason: expect.stringContaining('differs from 2025-03-31 on line 2') });
  });

  it('slash dates that read both ways: a warning, and US unless the profile says otherwise', () => {
    const text = 'Symbol,Quantity,Date\nAAPL,1,04/03/2025\nMSFT,1,04/03/2025\n';
    const us = parse(text);
    expect(us.statements[0]?.asOf).toBe('2025-04-03');
    expect(warnings(us.issues)[0]).toMatchObject({ line: 2, field: 'Date', reason: expect.stringContaining('read as MM/DD/YYYY (US)') });
    const eu = parse(text, { profile: profile({ mapping: {}, dateFormat: 'DD/MM/YYYY' }) });
    expect(eu.statements[0]?.asOf).toBe('2025-03-04');
    expect(eu.issues).toEqual([]);
  });

  it('numbers that read both ways are settled by the file, by quantity × price = value, or reported', () => {
    const byEvidence = parse('Symbol;Quantity;Price\nAAPL;1.000;12,50\n', { asOf: '2025-03-31' });
    expect(holdings(byEvidence)[0]).toMatchObject({ quantity: '1000', price: '12.5' });
    // 1.000 × 2.500 = 2.500 holds only with "." as the decimal point, although ";" files lean European.
    const byConsistency = parse('Symbol;Quantity;Price;Market Value\nAAPL;1.000;2.500;2.500\nMSFT;5.000;3;15.000\n', { asOf: '2025-03-31' });
    expect(byConsistency.issues).toEqual([]);
    expect(byConsistency.detected.numberConvention).toBe('US (1,234.56), the reading in which quantity × price = market value');
    expect(holdings(byConsistency).map((h) => h.quantity)).toEqual(['1', '5']);
    const unsettled = parse('Symbol,Quantity\nAAPL,"1,000"\nMSFT,7\n', { asOf: '2025-03-31' });
    expect(where(unsettled.issues)).toEqual([[2, 'Quantity']]);
    expect(errors(unsettled.issues)[0]?.reason).toContain('could be 1000 or 1');
    const withProfile = parse('Symbol,Quantity\nAAPL,"1,000"\n', { asOf: '2025-03-31', profile: profile({ mapping: {}, numberConvention: 'us' }) });
    expect(holdings(withProfile)[0]?.quantity).toBe('1000');
  });

  it('rows of the wrong width are rejected; a trailing delimiter is not', () => {
    const result = parse('Symbol,Quantity,Price\nAAPL,1,2,\nMSFT,1\nIBM,1,2,3\n', { asOf: '2025-03-31' });
    expect(where(result.issues)).toEqual([
      [3, ''],
      [4, ''],
    ]);
    expect(holdings(result).map((h) => h.identifiers.ticker)).toEqual(['AAPL']);
  });
});

describe('parseCustodianCsv — lines that are not holdings', () => {
  it('total, subtotal, summary, cash, pending-activity and disclaimer lines', () => {
    const text = [
      'Symbol,Description,Quantity,Market Value',
      'PTTRX,PIMCO Total Return Fund,100,1000',
      'Subtotal,,,1000',
      ',,,1000',
      'Cash & Cash Investments,,,500.25',
      'Pending Activity,,,-20',
      'USD,,,"1,200.00"',
      'Grand Total,,,2700.25',
      '"Data provided for illustration only, not a real statement."',
    ].join('\n');
    const result = parse(text, { asOf: '2025-03-31', baseCurrency: 'EUR' });
    expect(errors(result.issues)).toEqual([]);
    // Each line that is not a holding and not a total is noted: the summary line (4), pending activity (6).
    expect(warnings(result.issues).map((issue) => issue.line)).toEqual([4, 6]);
    expect(holdings(result).map((h) => [h.identifiers.ticker, h.description])).toEqual([['PTTRX', 'PIMCO Total Return Fund']]);
    expect(result.statements[0]?.cash).toEqual([
      { line: 5, currency: 'EUR', amount: '500.25' },
      { line: 7, currency: 'USD', amount: '1200' },
    ]);
  });

  it('a negative cash balance is kept and flagged', () => {
    const result = parse('Symbol,Quantity,Market Value\nCASH,,(250.00)\nAAPL,1,\n', { asOf: '2025-03-31' });
    expect(result.statements[0]?.cash).toEqual([{ line: 2, currency: 'USD', amount: '-250' }]);
    expect(warnings(result.issues)[0]?.reason).toContain('negative');
  });

  it('reads Excel\'s ="…" guards, ISINs and CUSIPs in the symbol column, and restores lost leading zeros', () => {
    const result = parse('Symbol,SEDOL,Quantity\n="US0378331005",,1\n="037833100",,2\nAAPL,263494,3\n', { asOf: '2025-03-31' });
    expect(holdings(result).map((h) => h.identifiers)).toEqual([{ isin: 'US0378331005' }, { cusip: '037833100' }, { ticker: 'AAPL', sedol: '0263494' }]);
    expect(warnings(result.issues)).toHaveLength(1);
  });

  it('the account given is used only when the file names none', () => {
    expect(parse('Symbol,Quantity\nAAPL,1\n', { asOf: '2025-03-31', accountId: 'MINE' }).statements[0]?.accountId).toBe('MINE');
    const named = parse('Account: 987654\nSymbol,Quantity\nAAPL,1\n', { asOf: '2025-03-31', accountId: 'MINE' });
    expect(named.statements[0]?.accountId).toBe('987654');
    expect(warnings(named.issues)[0]?.reason).toContain('names account 987654');
  });

  it('an empty file, a header with nothing under it', () => {
    expect(parse('').issues).toEqual([{ line: 1, field: '', reason: 'the file is empty', severity: 'error' }]);
    expect(where(parse('Symbol,Quantity\n', { asOf: '2025-03-31' }).issues)).toEqual([[2, '']]);
  });
});

describe('createCustodianCsvReader — streaming', () => {
  const bigFile = (rows: number) => {
    const lines = ['Positions for account 12345678 as of 03/31/2025', 'Symbol,Description,Quantity,Price,Market Value'];
    for (let i = 0; i < rows; i++) {
      const ticker = `T${i.toString(36).toUpperCase()}`;
      lines.push(`${ticker},"Security ${i}, Class A",${i + 1},2.50,${((i + 1) * 2.5).toFixed(2)}`);
    }
    lines.push('Account Total,,,,1');
    return utf8(lines.join('\r\n'));
  };

  it('passes holdings on in batches while the file is still being pushed, and gives the same lines as the whole-file parse', () => {
    const bytes = bigFile(6_000);
    const batches: CustodianHoldingLine[][] = [];
    let batchesBeforeEnd = 0;
    const reader = createCustodianCsvReader({ fileName: 'big.csv', batchSize: 1000, onHoldings: (batch) => batches.push(batch) });
    for (let i = 0; i < bytes.length; i += 50_000) {
      reader.push(bytes.subarray(i, i + 50_000));
      if (i + 50_000 < bytes.length) batchesBeforeEnd = batches.length;
    }
    const result = reader.end();
    expect(result.issues).toEqual([]);
    expect(batchesBeforeEnd).toBeGreaterThan(3);
    expect(batches.every((batch) => batch.length <= 1000)).toBe(true);
    expect(result.statements).toEqual([{ accountId: '12345678', asOf: '2025-03-31', holdings: [], cash: [], notes: ['Positions for account 12345678 as of 03/31/2025'] }]);
    expect(reader.rowsRead).toBe(6_001);
    const streamed = batches.flat();
    const whole = holdings(parseCustodianCsv(bytes, 'big.csv'));
    expect(streamed.map(({ accountId, ...line }) => ({ ...line, accountId }))).toEqual(whole.map((line) => ({ ...line, accountId: '12345678' })));
  });

  it('a cell holding U+FFFD (bytes the encoding could not read) is an error at its line and field, near the top or 200 KB in', () => {
    // The reader looks for the character only once the decoded text has one: the piece that holds it must be
    // flagged before its lines are read, wherever the chunks happen to split.
    const lines = ['Symbol,Description,Quantity,Price,Market Value,As of'];
    for (let i = 0; i < 6_000; i++) {
      const description = i === 3 ? 'Caf\uFFFD Holdings' : i === 5_000 ? 'Bad \uFFFD bytes' : `Security ${i}`;
      lines.push(`T${i.toString(36).toUpperCase()},${description},${i + 1},2.50,${((i + 1) * 2.5).toFixed(2)},2025-03-31`);
    }
    const bytes = utf8(lines.join('\n'));
    expect(bytes.length).toBeGreaterThan(200_000);
    const expected = [
      [5, 'Description'],
      [5_002, 'Description'],
    ];
    expect(where(parseCustodianCsv(bytes, 'positions.csv').issues)).toEqual(expected);
    for (const chunk of [997, 65_536]) {
      const reader = createCustodianCsvReader({ fileName: 'positions.csv', batchSize: 100, onHoldings: () => {} });
      for (let i = 0; i < bytes.length; i += chunk) reader.push(bytes.subarray(i, i + chunk));
      const result = reader.end();
      expect(where(result.issues)).toEqual(expected);
      expect(errors(result.issues)[0]?.reason).toMatch(/not valid text in the file’s encoding/);
    }
    // A file with no such character reads without the check finding anything.
    expect(errors(parse('Symbol,Quantity,Price,As of\nAAPL,1,10,2025-03-31').issues)).toEqual([]);
  });

  it('with a duplicates hook, keeps no map per holding: names the same repeated lines as the whole-file parse, for the caller to leave out', () => {
    const text = [
      'Account,Symbol,ISIN,Quantity,Price',
      'A,AAPL,US0378331005,1,10', // 2
      'B,AAPL,US0378331005,1,10', // 3 another account: fine
      'A,AAPL2,US0378331005,1,10', // 4 repeats line 2's ISIN
      'A,AAPL,,1,10', // 5 repeats line 2's symbol
      'A,MSFT,US5949181045,1,10', // 6
      'A,AAPL2,,1,10', // 7 line 4 was a repeat, so its symbol was never recorded: fine
      'A,MSFT,,1,10', // 8 repeats line 6
    ].join('\n');
    const whole = parse(text, { asOf: '2025-03-31' });
    const keys: IdentifierKey[] = [];
    const streamed: CustodianHoldingLine[] = [];
    const reader = createCustodianCsvReader({
      fileName: 'positions.csv',
      asOf: '2025-03-31',
      batchSize: 2,
      onHoldings: (batch) => streamed.push(...batch),
      duplicates: {
        add: (batch) => keys.push(...batch),
        repeats: () => keys.filter((k) => keys.filter((o) => o.group === k.group && o.kind === k.kind && o.value === k.value).length > 1),
      },
    });
    reader.push(utf8(text));
    const result = reader.end();
    expect(result.repeatedLines).toEqual(new Set([4, 5, 8]));
    expect([...result.issues].sort((a, b) => a.line - b.line)).toEqual(whole.issues);
    expect(whole.issues.map((i) => [i.line, i.field])).toEqual([[4, 'ISIN'], [5, 'Symbol'], [8, 'Symbol']]);
    // File order here; the whole-file parse lists them statement by statement.
    expect(streamed.filter((h) => !result.repeatedLines!.has(h.line)).map(({ accountId: _a, ...h }) => h)).toEqual(holdings(whole).sort((a, b) => a.line - b.line));
    expect(result.detected.holdings).toBe(whole.detected.holdings);
  });
});

describe('parseCustodianCsv — account and date lines', () => {
  it.each([
    ['Positions for account 12345678 as of 03/31/2025', '12345678', '2025-03-31'],
    ['Account: Individual XXXX-1234,As of: 2025-03-31', 'XXXX-1234', '2025-03-31'],
    ['Account Number,98765432\nAs of,20250331', '98765432', '2025-03-31'],
    ['Depot: 0012345678\nStichtag: 31.03.2025', '0012345678', '2025-03-31'],
    ['Account Name: 2nd Trust\nData as of Mar 31, 2025\nDate downloaded: 04/02/2025', null, '2025-03-31'],
  ])('%j', (preamble, account, asOf) => {
    const result = parse(`${preamble}\nSymbol,Quantity\nAAPL,1\n`);
    expect(errors(result.issues)).toEqual([]);
    expect(result.statements[0]).toMatchObject({ accountId: account, asOf });
  });

  it('a section line that is a total does not switch the account', () => {
    const result = parse('Account: 11111111\nSymbol,Quantity,Value\nAAPL,1,\n"Account Total 123,456.78"\nMSFT,2,\n', { asOf: '2025-03-31' });
    expect(result.statements.map((s) => [s.accountId, s.holdings.length])).toEqual([['11111111', 2]]);
  });

  it('a header repeated without a new account line is read as the same account, with a warning', () => {
    const result = parse('Account: 11111111\nSymbol,Quantity,Value\nAAPL,1,\nSymbol,Quantity,Value\nMSFT,2,\n', { asOf: '2025-03-31' });
    expect(result.statements.map((s) => [s.accountId, s.holdings.length])).toEqual([['11111111', 2]]);
    expect(warnings(result.issues)).toEqual([expect.objectContaining({ line: 4, reason: expect.stringContaining('read as account 11111111') })]);
  });
});
