import { describe, expect, it } from 'vitest';
import { parseCustodianCsv } from './custodian-csv';
import { detectCustodianLayout } from './custodian-layouts';
import { binaryFileKind, detectPositionFormat } from './detect';
import type { HoldingsFile } from './holdings';
import { parseIbkrActivityCsv } from './ibkr-csv';
import { optionTicker, parseOptionSymbol } from './instruments';
import degiro from './__fixtures__/layouts/degiro-portfolio-fr-synthetic.csv?raw';
import etrade from './__fixtures__/layouts/etrade-portfolio-synthetic.csv?raw';
import euBank from './__fixtures__/layouts/eu-bank-depot-de-synthetic.csv?raw';
import fidelity from './__fixtures__/layouts/fidelity-statement-synthetic.csv?raw';
import ibkr from './__fixtures__/layouts/ibkr-activity-synthetic.csv?raw';
import schwab from './__fixtures__/layouts/schwab-positions-synthetic.csv?raw';
import vanguard from './__fixtures__/layouts/vanguard-holdings-synthetic.csv?raw';
import schwabDocumented from './__fixtures__/layouts/schwab-positions-documented.csv?raw';
import vanguardDocumented from './__fixtures__/layouts/vanguard-ofxdownload-documented.csv?raw';

/**
 * The built-in layouts of issue 9, each on a file written in that custodian's layout (see
 * __fixtures__/layouts/PROVENANCE.md): detected from the content, read without a profile.
 */
const FILES: Record<string, string> = {
  'degiro-portfolio-fr-synthetic.csv': degiro,
  'etrade-portfolio-synthetic.csv': etrade,
  'eu-bank-depot-de-synthetic.csv': euBank,
  'fidelity-statement-synthetic.csv': fidelity,
  'ibkr-activity-synthetic.csv': ibkr,
  'schwab-positions-synthetic.csv': schwab,
  'vanguard-holdings-synthetic.csv': vanguard,
  'schwab-positions-documented.csv': schwabDocumented,
  'vanguard-ofxdownload-documented.csv': vanguardDocumented,
};
const fixture = (name: string) => new TextEncoder().encode(FILES[name]);
const parse = (name: string, opts: { asOf?: string } = {}) => parseCustodianCsv(fixture(name), name, opts);
const errors = (file: HoldingsFile) => file.issues.filter((i) => i.severity === 'error');
const warnings = (file: HoldingsFile) => file.issues.filter((i) => i.severity === 'warning');
const rows = (file: HoldingsFile) =>
  file.statements.flatMap((s) => s.holdings.map((h) => [s.accountId, h.identifiers.ticker ?? h.identifiers.isin ?? null, h.quantity, h.price, h.marketValue]));

describe('built-in layouts on files laid out exactly as third parties document them (PROVENANCE.md)', () => {
  it("Schwab, as opensteuerauszug's format notes show it: a time in the preamble date, '--' cells, dollar signs, the cash line and the account total", () => {
    const file = parse('schwab-positions-documented.csv');
    expect(file.detected.custodian).toBe('Charles Schwab');
    expect(file.statements[0]?.asOf).toBe('2025-05-04');
    expect(errors(file)).toEqual([]);
    expect(rows(file)).toEqual([
      ['123', 'SCHB', '1200', '22.1', '26520'],
      ['123', 'AAPL', '50', '205.35', '10267.5'],
    ]);
    expect(file.statements[0]?.cash).toEqual([{ line: 6, currency: 'USD', amount: '7321.4' }]);
  });

  it("Vanguard, as hledger's OfxDownload.csv rules describe it: trailing commas, CRLF, a zero-share fund, then the 15-field transactions table", () => {
    const file = parse('vanguard-ofxdownload-documented.csv', { asOf: '2025-05-02' });
    expect(file.detected.custodian).toBe('Vanguard');
    expect(errors(file)).toEqual([]);
    expect(rows(file)).toEqual([
      ['12345678', 'VTI', '150', '285.12', '42768'],
      ['12345678', 'VMFXX', '2500.55', '1', '2500.55'],
    ]);
    expect(warnings(file).map((w) => w.line)).toEqual([4, 8]);
  });
});

describe('built-in custodian layouts', () => {
  it('Fidelity: account summary above, section, subtotal, pending and disclaimer lines; a short option; the core money market with a value only', () => {
    const file = parse('fidelity-statement-synthetic.csv');
    expect(file.detected.layout).toMatch(/^Fidelity positions export \(built-in/);
    expect(file.detected.custodian).toBe('Fidelity');
    expect(errors(file)).toEqual([]);
    expect(file.statements.map((s) => [s.accountId, s.asOf])).toEqual([['Z23-456789', '2025-03-31']]);
    expect(rows(file)).toEqual([
      ['Z23-456789', 'AAPL', '100', '222.13', '22213'],
      ['Z23-456789', 'MSFT', '50', '375.39', '18769.5'],
      ['Z23-456789', 'FXAIX', '300.512', '198.4', '59621.58'],
      ['Z23-456789', 'AAPL250620C00230000', '-2', '510', '-1020'],
      ['Z23-456789', 'SPAXX', '3646.31', '1', '3646.31'],
    ]);
    const option = file.statements[0]!.holdings[3]!;
    expect(option.instrument).toEqual({ type: 'option', multiplier: '100', underlying: 'AAPL', expiry: '2025-06-20', strike: '230', putCall: 'call' });
    expect(option.quotedPrice).toBe('5.1');
    // "Type" is Cash/Margin there: the account type, not the security's — not read as one.
    expect(file.statements[0]!.holdings.every((h) => h.securityType === null)).toBe(true);
    expect(warnings(file).map((w) => [w.line, w.reason])).toEqual([
      [19, 'a money-market fund with a value and no quantity: read as 3646.31 units at 1.00'],
      [20, 'pending activity is not a holding; it was left out'],
    ]);
  });

  it('Schwab: preamble account and date, a short option, a money-market fund and a negative cash balance with values only', () => {
    const file = parse('schwab-positions-synthetic.csv');
    expect(file.detected.custodian).toBe('Charles Schwab');
    expect(errors(file)).toEqual([]);
    expect(rows(file)).toEqual([
      ['789', 'AAPL', '150', '222.13', '33319.5'],
      ['789', 'VTI', '210', '271.83', '57084.3'],
      ['789', 'AAPL250620C00230000', '-2', '510', '-1020'],
      ['789', 'SWVXX', '5000', '1', '5000'],
    ]);
    expect(file.statements[0]?.cash).toEqual([{ line: 8, currency: 'USD', amount: '-1234.56' }]);
    expect(warnings(file).map((w) => w.line)).toEqual([7, 8]);
  });

  it('Vanguard: two accounts, a zero-share fund skipped, and the transactions section below the holdings skipped with a note', () => {
    const file = parse('vanguard-holdings-synthetic.csv', { asOf: '2025-03-31' });
    expect(file.detected.custodian).toBe('Vanguard');
    expect(errors(file)).toEqual([]);
    expect(rows(file)).toEqual([
      ['12345678', 'VTSAX', '100', '130.5', '13050'],
      ['12345678', 'VMFXX', '2500.15', '1', '2500.15'],
      ['87654321', 'BND', '40', '72.4', '2896'],
    ]);
    expect(warnings(file).map((w) => [w.line, w.reason])).toEqual([
      [4, 'not a holding: zero units; the line was skipped'],
      [9, 'a table with other columns starts here (such as a transactions section); it is not holdings — this line and the 2 after it were skipped'],
    ]);
  });

  it('E*TRADE: the account from the summary table above, an option written in words, CASH and TOTAL lines', () => {
    const file = parse('etrade-portfolio-synthetic.csv', { asOf: '2025-03-31' });
    expect(file.detected.custodian).toBe('E*TRADE');
    expect(errors(file)).toEqual([]);
    expect(rows(file)).toEqual([
      ['Brokerage -6789', 'AAPL', '100', '222.13', '22213'],
      ['Brokerage -6789', 'MSFT', '50', '375.39', '18769.5'],
      ['Brokerage -6789', 'AAPL250620C00230000', '-1', '510', '-510'],
    ]);
    expect(file.statements[0]?.cash).toEqual([{ line: 10, currency: 'USD', amount: '11990.17' }]);
  });

  it('DEGIRO (French headers): decimal commas in quoted cells, the currency and amount columns of "Valeur locale", cash per currency', () => {
    const file = parse('degiro-portfolio-fr-synthetic.csv', { asOf: '2025-03-31' });
    expect(file.detected.custodian).toBe('DEGIRO');
    expect(file.detected.numberConvention).toMatch(/^European/);
    expect(errors(file)).toEqual([]);
    expect(file.statements[0]?.holdings.map((h) => [h.identifiers.isin, h.quantity, h.price, h.marketValue, h.currency, h.description])).toEqual([
      ['US0378331005', '10', '222.13', '2221.3', 'USD', 'APPLE INC'],
      ['NL0010273215', '5', '612.4', '3062', 'EUR', 'ASML HOLDING'],
      ['IE00BK5BQT80', '20', '118.5', '2370', 'EUR', 'VANGUARD FTSE ALL-WORLD UCITS ETF'],
    ]);
    expect(file.statements[0]?.cash).toEqual([
      { line: 2, currency: 'EUR', amount: '1234.56' },
      { line: 3, currency: 'USD', amount: '-250' },
    ]);
  });

  it('a European bank (German, semicolons): depot number with a slash and date above the header, a bond in percent of face, a total line', () => {
    const file = parse('eu-bank-depot-de-synthetic.csv');
    expect(file.detected.custodian).toBe('European bank');
    expect(errors(file)).toEqual([]);
    expect(file.statements.map((s) => [s.accountId, s.asOf])).toEqual([['1234567/89', '2025-03-31']]);
    expect(file.statements[0]?.holdings.map((h) => [h.identifiers.isin, h.quantity, h.quantityType, h.price, h.priceType, h.marketValue])).toEqual([
      ['DE0007164600', '50', 'UNIT', '189.86', 'amount', '9493'],
      ['DE0001102580', '10000', 'FAMT', '87.25', 'percent', '8725'],
      ['IE00B4L5Y983', '120', 'UNIT', '98.4', 'amount', '11808'],
    ]);
  });

  it('Interactive Brokers activity statement (CSV): period end as the date, a short stock, an option and a future with their multipliers, margin cash per currency', () => {
    const bytes = fixture('ibkr-activity-synthetic.csv');
    expect(detectPositionFormat(bytes).format).toBe('ibkr-csv');
    const file = parseIbkrActivityCsv(bytes, 'ibkr-activity-synthetic.csv');
    expect(errors(file)).toEqual([]);
    expect(file.statements.map((s) => [s.accountId, s.asOf])).toEqual([['U9876543', '2025-03-31']]);
    expect(file.statements[0]?.holdings.map((h) => [h.identifiers.ticker, h.identifiers.isin ?? null, h.quantity, h.price, h.marketValue, h.instrument?.type, h.instrument?.multiplier])).toEqual([
      ['AAPL', 'US0378331005', '100', '222.13', '22213', 'equity', null],
      ['SAP', 'DE0007164600', '-20', '189.86', '-3797.2', 'equity', null],
      ['AAPL250620C00230000', null, '-2', '510', '-1020', 'option', '100'],
      ['ESM5', null, '1', '282500', '282500', 'future', '50'],
    ]);
    expect(file.statements[0]?.holdings[3]?.instrument).toMatchObject({ underlying: 'ES', expiry: '2025-06-20' });
    expect(file.statements[0]?.cash.map((c) => [c.currency, c.amount])).toEqual([
      ['USD', '-5210.5'],
      ['EUR', '950'],
    ]);
    expect(file.statements[0]?.notes).toEqual(['sections that are not holdings, skipped: Trades']);
  });

  it.each([
    ['German', 'Produkt,Symbol/ISIN,Anzahl,Schlusskurs,Lokaler Wert,,Wert in EUR', 'degiro'],
    ['Dutch', 'Product,Symbool/ISIN,Aantal,Slotkoers,Lokale waarde,,Waarde in EUR', 'degiro'],
    ['Spanish', 'Producto,Símbolo/ISIN,Cantidad,Precio de cierre,Valor local,,Valor en EUR', 'degiro'],
    ['Italian', 'Prodotto,Simbolo/ISIN,Quantità,Chiusura,Valore locale,,Valore in EUR', 'degiro'],
    ['English', 'Product,Symbol/ISIN,Quantity,Closing,Local value,,Value in EUR', 'degiro'],
  ])('DEGIRO in %s is recognised and read', (_language, header, id) => {
    expect(detectCustodianLayout(header.split(','), [], ',')?.id).toBe(id);
    const file = parseCustodianCsv(new TextEncoder().encode(`${header}\nAPPLE INC,US0378331005,10,"222,13",USD,"2221,30","2045,67"\n`), 'x.csv', { asOf: '2025-03-31' });
    expect(errors(file)).toEqual([]);
    expect(file.statements[0]?.holdings.map((h) => [h.identifiers.isin, h.quantity, h.price, h.marketValue, h.currency])).toEqual([['US0378331005', '10', '222.13', '2221.3', 'USD']]);
  });

  it.each([
    ['French', 'Code ISIN;Libellé;Quantité;Cours;Devise;Valorisation', 'FR0000120271;TOTALENERGIES SE;100;58,20;EUR;5.820,00'],
    ['Dutch', 'ISIN;Omschrijving;Aantal;Koers;Valuta;Marktwaarde', 'NL0010273215;ASML HOLDING;5;612,40;EUR;3.062,00'],
    ['Spanish', 'Código ISIN;Descripción;Cantidad;Cotización;Divisa;Valor de mercado', 'ES0113900J37;BANCO SANTANDER;1000;6,50;EUR;6.500,00'],
    ['Italian', 'Codice ISIN;Descrizione;Quantità;Prezzo;Divisa;Controvalore', 'IT0003132476;ENI SPA;200;14,10;EUR;2.820,00'],
    ['German', 'ISIN;Bezeichnung;Stück;Kurs;Währung;Kurswert', 'DE0007164600;SAP SE;50;189,86;EUR;9.493,00'],
  ])('a European bank statement in %s is recognised and read', (_language, header, line) => {
    expect(detectCustodianLayout(header.split(';'), [], ';')?.id).toBe('eu-bank');
    const file = parseCustodianCsv(new TextEncoder().encode(`${header}\n${line}\n`), 'x.csv', { asOf: '2025-03-31', accountId: 'X' });
    expect(errors(file)).toEqual([]);
    const [isin, , quantity] = line.split(';');
    expect(file.statements[0]?.holdings.map((h) => [h.identifiers.isin, h.quantity, h.currency])).toEqual([[isin, quantity, 'EUR']]);
    expect(file.statements[0]?.holdings[0]?.marketValue).not.toBeNull();
  });
});

describe('option symbols and binary files', () => {
  it.each([
    ['AAPL  250620C00230000', 'OCC'],
    ['-AAPL250620C230', 'Fidelity'],
    ['AAPL 06/20/2025 230.00 C', 'Schwab'],
    ['AAPL 20JUN25 230 C', 'IBKR'],
    ["AAPL Jun 20 '25 $230 Call", 'E*TRADE'],
  ])('%s (%s) is a call on AAPL at 230 expiring 2025-06-20', (symbol) => {
    const terms = parseOptionSymbol(symbol);
    expect(terms).toEqual({ underlying: 'AAPL', expiry: '2025-06-20', strike: '230', putCall: 'call' });
    expect(optionTicker(terms!)).toBe('AAPL250620C00230000');
  });

  it('a plain ticker, a bond description and an impossible date are not options', () => {
    expect(parseOptionSymbol('AAPL')).toBeNull();
    expect(parseOptionSymbol('T 4 02/15/34')).toBeNull();
    expect(parseOptionSymbol('AAPL 02/30/2025 230.00 C')).toBeNull();
  });

  it('names workbooks, PDFs, archives and binary bytes; text in UTF-8 or UTF-16 is not binary', () => {
    expect(binaryFileKind(new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2]))).toMatch(/xlsx/);
    expect(binaryFileKind(new Uint8Array([0xd0, 0xcf, 0x11, 0xe0, 0xa1]))).toMatch(/\.xls/);
    expect(binaryFileKind(new TextEncoder().encode('%PDF-1.7\n'))).toMatch(/PDF/);
    expect(binaryFileKind(new Uint8Array([1, 2, 3, 0, 0, 7, 8, 200, 0, 5]))).toMatch(/binary/);
    expect(binaryFileKind(new TextEncoder().encode('Symbol,Quantity\nAAPL,1\n'))).toBeNull();
    const utf16 = (text: string) => new Uint8Array([...text].flatMap((c) => [c.charCodeAt(0) & 0xff, c.charCodeAt(0) >> 8]));
    expect(binaryFileKind(utf16('Symbol,Quantity\r\nAAPL,1\r\n'))).toBeNull();
    expect(binaryFileKind(new Uint8Array([0xff, 0xfe, ...utf16('Symbol,Quantity')]))).toBeNull();
  });
});

describe('messages a PM reads', () => {
  it('a first line longer than a holdings line can be is said so, not "the file is empty"', () => {
    const file = parseCustodianCsv(new TextEncoder().encode('x'.repeat(1_200_000)), 'big.csv', { asOf: '2025-03-31' });
    expect(errors(file)[0]?.reason).toMatch(/^line 1 is 1,200,000 bytes long/);
    expect(errors(parseCustodianCsv(new TextEncoder().encode(' \n\n'), 'empty.csv')).map((i) => i.reason)).toEqual(['the file is empty']);
  });

  it('a price with three decimals is not ambiguous when the other numbers settle the style', () => {
    const file = parseCustodianCsv(new TextEncoder().encode('Symbol,Quantity,Price,Market Value\nAAPL,10,12.345,123.45\n'), 'x.csv', { asOf: '2025-03-31' });
    expect(file.issues).toEqual([]);
    expect(file.statements[0]?.holdings[0]?.price).toBe('12.345');
  });

  it('a preamble account that is a name, not a number, is recognised', () => {
    const file = parseCustodianCsv(new TextEncoder().encode('Positions for account DEMO as of 2025-03-31\nSymbol,Quantity\nAAPL,1\n'), 'x.csv');
    expect(file.statements.map((s) => [s.accountId, s.asOf])).toEqual([['DEMO', '2025-03-31']]);
  });
});
