import { readCsvTable, type CsvRecord } from './csv-table';
import { findDateInText } from './date-formats';
import { decodeText } from './encoding';
import { dropDuplicateHoldings, type FieldValue, type RawHolding, validateCash, validateHolding } from './holding-checks';
import type { HoldingLine, HoldingsFile, HoldingsStatement, InstrumentType } from './holdings';
import { optionTicker, parseOptionSymbol } from './instruments';
import { IssueCollector } from './report';

/**
 * Interactive Brokers' activity statement as CSV (Reports → Statements → Activity, format CSV): every
 * line starts with its section name and a row kind — `Open Positions,Header,…` names the columns of the
 * `Open Positions,Data,…` lines after it; `Total` and `SubTotal` lines are sums. Read here:
 *  - Statement: the period (its end date is the as-of date); Account Information: account and base currency;
 *  - Open Positions: Summary lines (Lot lines are the same holding split by tax lot), per asset category —
 *    stocks, funds, bonds, options and futures with their multiplier; a short position has a negative
 *    quantity; Value = Quantity × Close Price × Mult;
 *  - Financial Instrument Information: security ids (ISIN/CUSIP), descriptions, expiry, strike, put/call;
 *  - Cash Report: "Ending Cash" per currency (the "Base Currency Summary" line is a converted total and is
 *    not a balance). Other sections (trades, dividends, fees …) are not holdings and are noted once.
 * Structure as documented in IBKR's Reporting Reference (Activity Statement, CSV); see
 * __fixtures__/layouts/PROVENANCE.md. Pure; never throws.
 */

export function isIbkrActivityCsv(head: string): boolean {
  return /^\uFEFF?"?Statement"?,"?Header"?,"?Field Name"?,"?Field Value"?/m.test(head.slice(0, 4096));
}

const CATEGORY_TYPES: [RegExp, InstrumentType][] = [
  [/option/i, 'option'],
  [/future/i, 'future'],
  [/bond|bill|note/i, 'bond'],
  [/fund|etf/i, 'fund'],
  [/stock|equit/i, 'equity'],
  [/forex|cash|cfd/i, 'other'],
];

function categoryType(category: string): InstrumentType {
  for (const [pattern, type] of CATEGORY_TYPES) if (pattern.test(category)) return type;
  return 'other';
}

interface InstrumentInfo {
  securityId: FieldValue | null;
  description: string | null;
  expiry: string | null;
  strike: string | null;
  putCall: 'put' | 'call' | null;
  underlying: string | null;
}

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

/** "January 31, 2024" (how IBKR writes a statement period) → 2024-01-31. */
function longDate(text: string): string | null {
  const m = /([A-Za-z]+)\s+(\d{1,2}),?\s*(\d{4})/.exec(text);
  if (!m) return null;
  const month = MONTHS.indexOf(m[1]!.toLowerCase());
  if (month < 0) return null;
  const iso = `${m[3]}-${String(month + 1).padStart(2, '0')}-${m[2]!.padStart(2, '0')}`;
  return new Date(`${iso}T00:00:00Z`).toISOString().slice(0, 10) === iso ? iso : null;
}

export function parseIbkrActivityCsv(input: Uint8Array | string, _fileName: string): HoldingsFile {
  const issues = new IssueCollector();
  const decoded = typeof input === 'string' ? { text: input, encoding: 'utf-8', issues: [] } : decodeText(input);
  for (const issue of decoded.issues) {
    if (issue.severity === 'error') issues.error(issue.line, issue.field, issue.reason, issue.value);
    else issues.warning(issue.line, issue.field, issue.reason, issue.value);
  }
  const table = readCsvTable(decoded.text, issues);
  const records: CsvRecord[] = table.header ? [table.header, ...table.rows] : [];
  const detected: Record<string, string> = { layout: 'Interactive Brokers activity statement (CSV)', custodian: 'Interactive Brokers', encoding: decoded.encoding };

  const headers = new Map<string, string[]>();
  let accountId: string | null = null;
  let baseCurrency: string | null = null;
  let asOf: string | null = null;
  const positionRows: { record: CsvRecord; columns: string[] }[] = [];
  const cashRows: { record: CsvRecord; columns: string[] }[] = [];
  const instruments = new Map<string, InstrumentInfo>();
  const otherSections = new Set<string>();

  for (const record of records) {
    const [section = '', kind = '', ...rest] = record.cells.map((cell) => cell.trim());
    if (section === '') continue;
    if (kind === 'Header') {
      headers.set(section, rest);
      continue;
    }
    if (kind !== 'Data') continue; // Total, SubTotal, Notes: sums and footnotes, not holdings
    const columns = headers.get(section) ?? [];
    const value = (name: string) => {
      const index = columns.findIndex((c) => c.toLowerCase() === name.toLowerCase());
      return index < 0 ? '' : (rest[index] ?? '').trim();
    };
    if (section === 'Statement' && /^period$/i.test(value('Field Name'))) {
      const period = value('Field Value');
      const end = period.split(/\s+-\s+/).pop() ?? period;
      const found = longDate(end) ?? findDateInText(end, null, true)?.date ?? null;
      if (found) asOf = found;
      else issues.error(record.line, 'Period', `"${period}" is not a date or a period`, period);
    } else if (section === 'Account Information') {
      const field = value('Field Name');
      if (/^account$/i.test(field)) accountId = value('Field Value').split(/\s+/)[0] ?? null;
      if (/^base currency$/i.test(field)) baseCurrency = value('Field Value').toUpperCase();
    } else if (section === 'Open Positions') {
      const discriminator = value('DataDiscriminator');
      if (discriminator === '' || /^summary$/i.test(discriminator)) positionRows.push({ record, columns });
    } else if (section === 'Cash Report') {
      cashRows.push({ record, columns });
    } else if (section === 'Financial Instrument Information') {
      const symbol = value('Symbol');
      if (symbol === '') continue;
      const securityId = value('Security ID');
      const expiry = value('Expiry');
      const expiryDate = expiry === '' ? null : findDateInText(expiry, 'YYYY-MM-DD', true)?.date ?? null;
      const type = value('Type').toUpperCase();
      const strike = value('Strike');
      instruments.set(`${value('Asset Category')}\u0000${symbol}`, {
        securityId: securityId === '' ? null : { text: securityId, line: record.line, field: 'Security ID' },
        description: value('Description') || null,
        expiry: expiryDate,
        strike: /^\d+(\.\d+)?$/.test(strike) ? strike.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '') : null,
        putCall: type === 'C' || type === 'CALL' ? 'call' : type === 'P' || type === 'PUT' ? 'put' : null,
        underlying: value('Underlying') || null,
      });
    } else if (!['Statement', 'Account Information'].includes(section)) {
      otherSections.add(section);
    }
  }

  const notes: string[] = [];
  if (otherSections.size > 0) notes.push(`sections that are not holdings, skipped: ${[...otherSections].join(', ')}`);
  const statement: HoldingsStatement = { accountId, asOf, holdings: [], cash: [], notes };
  if (records.length === 0) issues.error(1, '', 'the file is empty');
  if (asOf === null) issues.error(1, 'Period', 'the statement has no period (Statement, Period), so no as-of date; give the date of the holdings');

  const holdings: HoldingLine[] = [];
  for (const { record, columns } of positionRows) {
    const rest = record.cells.slice(2).map((cell) => cell.trim());
    const field = (name: string): FieldValue | null => {
      const index = columns.findIndex((c) => c.toLowerCase() === name.toLowerCase());
      const text = index < 0 ? '' : (rest[index] ?? '');
      return text === '' ? null : { text, line: record.line, field: name };
    };
    const category = field('Asset Category')?.text ?? '';
    const symbol = field('Symbol');
    const type = categoryType(category);
    const info = symbol === null ? undefined : instruments.get(`${category}\u0000${symbol.text}`);
    const terms = type === 'option' && symbol !== null ? parseOptionSymbol(symbol.text) : null;
    const identifiers: RawHolding['identifiers'] = {};
    if (symbol !== null) {
      // An option is filed under its OCC-style ticker; other symbols with spaces keep them as dots.
      identifiers.ticker = { ...symbol, text: terms !== null ? optionTicker(terms) : symbol.text.replace(/\s+/g, '.').slice(0, 32) };
    }
    const securityId = info?.securityId ?? null;
    if (securityId !== null) {
      if (/^[A-Z]{2}[A-Z0-9]{9}\d$/i.test(securityId.text)) identifiers.isin = securityId;
      else if (/^[A-Z0-9]{9}$/i.test(securityId.text)) identifiers.cusip = securityId;
    }
    const multiplier = field('Mult') ?? field('Multiplier');
    const raw: RawHolding = {
      line: record.line,
      identifiers,
      description: info?.description ?? null,
      securityType: category || null,
      quantity: field('Quantity'),
      quantityType: type === 'bond' ? 'FAMT' : 'UNIT',
      price: field('Close Price'),
      priceType: type === 'bond' ? 'percent' : 'amount',
      currency: field('Currency'),
      marketValue: field('Value'),
      costBasis: field('Cost Basis'),
      instrument: {
        type,
        underlying: info?.underlying ?? terms?.underlying ?? null,
        expiry: info?.expiry ?? terms?.expiry ?? null,
        strike: info?.strike ?? terms?.strike ?? null,
        putCall: info?.putCall ?? terms?.putCall ?? null,
      },
    };
    if (type !== 'bond' && multiplier !== null && multiplier.text !== '1') raw.priceMultiplier = multiplier;
    const holding = validateHolding(raw, issues);
    if (holding !== null) holdings.push(holding);
  }
  statement.holdings = dropDuplicateHoldings(holdings, issues, () => 'Symbol');

  for (const { record, columns } of cashRows) {
    const rest = record.cells.slice(2).map((cell) => cell.trim());
    const at = (name: string) => {
      const index = columns.findIndex((c) => c.toLowerCase() === name.toLowerCase());
      return index < 0 ? '' : (rest[index] ?? '');
    };
    if (!/^ending cash$/i.test(at('Currency Summary'))) continue;
    const currency = at('Currency');
    if (/base currency/i.test(currency)) continue; // a converted total, not a balance
    const total = at('Total');
    if (total === '') continue;
    const line = validateCash({ text: total, line: record.line, field: 'Total' }, { text: currency, line: record.line, field: 'Currency' }, issues);
    if (line !== null) statement.cash.push(line);
  }
  if (baseCurrency !== null) detected.baseCurrency = baseCurrency;
  if (accountId === null) issues.warning(1, 'Account', 'the statement names no account (Account Information, Account); choose the account when importing');
  return { format: 'ibkr-csv', detected, statements: statement.holdings.length + statement.cash.length > 0 || accountId !== null ? [statement] : [], issues: issues.toArray() };
}
