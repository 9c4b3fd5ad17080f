import Big from 'big.js';
import { readIsoDate } from './dates';
import { type DecimalReading, readDecimal } from './decimal';
import { type FieldValue, type RawHolding, canonical, dropDuplicateHoldings, requireStatementDate, validateCash, validateHolding } from './holding-checks';
import type { HoldingLine, HoldingsFile, HoldingsStatement } from './holdings';
import { IssueCollector } from './report';
import { type XmlElement, attribute, childElement, childElements, readXml } from './xml';

/**
 * Interactive Brokers Flex Query XML (Activity Flex): one HoldingsStatement per FlexStatement, from its
 * OpenPositions section and, when the query includes it, the CashReport's ending cash per currency.
 *
 * Conventions that shape the result:
 * - a query run at "lot" level lists SUMMARY lines and their LOT lines; the SUMMARY lines are the
 *   holdings. A file with only LOT lines is summed per contract id (and says so in the notes);
 * - BOND positions are face amounts priced in percent of par; options and futures carry a
 *   `multiplier`, and the stored price is per contract (markPrice × multiplier) so quantity × price is
 *   the position value;
 * - Flex dates are written in the format chosen in the query; yyyyMMdd and yyyy-MM-dd are read. The
 *   day-first/month-first formats are refused because 03/04/2024 cannot be told apart.
 */
export function parseIbkrFlex(input: Uint8Array | string, fileName: string): HoldingsFile {
  void fileName;
  const issues = new IssueCollector();
  const detected: Record<string, string> = {};
  const result = (statements: HoldingsStatement[]): HoldingsFile => ({ format: 'ibkr-flex', detected, statements, issues: issues.toArray() });

  const document = readXml(input, issues);
  if (document === null) return result([]);
  detected.encoding = document.encoding;
  const root = document.root;
  if (root.name !== 'FlexQueryResponse') {
    issues.error(root.line, root.name, `the file's root element is <${root.name}>, not <FlexQueryResponse>; is it an IBKR Flex Query?`);
    return result([]);
  }
  const queryName = attribute(root, 'queryName');
  if (queryName !== null) detected.query = queryName;
  const type = attribute(root, 'type');
  if (type !== null && type !== 'AF') detected.queryType = type;

  const statementElements = childElements(root, 'FlexStatements').flatMap((list) => childElements(list, 'FlexStatement'));
  if (statementElements.length === 0) {
    const error = childElement(root, 'ErrorMessage')?.text;
    issues.error(root.line, 'FlexStatement', error ? `the Flex response carries no statement: ${error}` : 'the Flex response carries no statement (FlexStatement)');
    return result([]);
  }
  detected.statements = String(statementElements.length);
  return result(statementElements.map((element) => readStatement(element, issues)));
}

function readStatement(element: XmlElement, issues: IssueCollector): HoldingsStatement {
  const notes: string[] = [];
  const accountId = attribute(element, 'accountId');
  if (accountId === null || accountId === '') issues.warning(element.line, 'accountId', 'the FlexStatement names no account; choose the account when importing');

  const sections = childElements(element, 'OpenPositions');
  const allLines = sections.flatMap((section) => childElements(section, 'OpenPosition'));
  // Forex balances appear as assetCategory CASH ("EUR.USD"); cash is read from the CashReport instead.
  const lines = allLines.filter((line) => (attribute(line, 'assetCategory') ?? '').toUpperCase() !== 'CASH');
  if (lines.length < allLines.length) notes.push(`${allLines.length - lines.length} currency (CASH) line(s) skipped: cash comes from the CashReport`);
  if (sections.length === 0) {
    issues.error(element.line, 'OpenPositions', 'the statement has no OpenPositions section; add "Open Positions" to the Flex query');
  }

  const dates = new Map<string, number>();
  for (const line of lines) {
    const reportDate = attributeField(line, 'reportDate');
    if (reportDate === null) continue;
    const reading = readFlexDate(reportDate.text);
    if (reading.ok) dates.set(reading.value, (dates.get(reading.value) ?? 0) + 1);
    else issues.error(reportDate.line, 'reportDate', reading.reason, reportDate.text);
  }
  let asOf: string | null = null;
  if (dates.size > 1) {
    issues.error(element.line, 'reportDate', `the open positions carry ${dates.size} different report dates (${[...dates.keys()].join(', ')}); run the query for a single day`);
  } else if (dates.size === 1) {
    asOf = [...dates.keys()][0] ?? null;
  } else {
    asOf = statementDate(element, issues);
  }
  const statement: HoldingsStatement = { accountId: accountId === '' ? null : accountId, asOf, holdings: [], cash: [], notes };
  if (dates.size <= 1) requireStatementDate(statement, element.line, 'toDate', issues);

  const summaries = lines.filter((line) => (attribute(line, 'levelOfDetail') ?? 'SUMMARY').toUpperCase() === 'SUMMARY');
  const lots = lines.filter((line) => (attribute(line, 'levelOfDetail') ?? '').toUpperCase() === 'LOT');
  let raws: RawHolding[];
  if (summaries.length > 0) {
    raws = summaries.map(readPosition);
    if (lots.length > 0) notes.push(`${lots.length} lot line(s) skipped: the summary lines are the holdings`);
  } else if (lots.length > 0) {
    raws = sumLots(lots);
    notes.push(`no summary lines: ${lots.length} lot line(s) summed per contract`);
  } else {
    raws = [];
  }

  const holdings: HoldingLine[] = [];
  for (const raw of raws) {
    const holding = validateHolding(raw, issues, readFlexNumber);
    if (holding !== null) holdings.push(holding);
  }
  if (holdings.some((holding) => holding.securityType !== null && DERIVATIVE_CATEGORIES.has(holding.securityType))) {
    notes.push('option and future prices are per contract (mark price × multiplier)');
  }
  statement.holdings = dropDuplicateHoldings(holdings, issues, (kind) => (kind === 'ticker' ? 'symbol' : kind === 'description' ? 'description' : kind));
  statement.cash = readCash(element, issues);
  return statement;
}

const DERIVATIVE_CATEGORIES = new Set(['OPT', 'FOP', 'FUT', 'WAR', 'IOPT', 'FSFOP', 'FSOPT']);

function readPosition(line: XmlElement): RawHolding {
  const category = (attribute(line, 'assetCategory') ?? '').toUpperCase();
  const identifiers: RawHolding['identifiers'] = {};
  const put = (kind: keyof RawHolding['identifiers'], field: FieldValue | null) => {
    if (field !== null && identifiers[kind] === undefined) identifiers[kind] = field;
  };
  put('isin', attributeField(line, 'isin'));
  put('cusip', attributeField(line, 'cusip'));
  put('figi', attributeField(line, 'figi'));
  const securityId = attributeField(line, 'securityID');
  const securityIdType = (attribute(line, 'securityIDType') ?? '').toUpperCase();
  const kind = ({ ISIN: 'isin', CUSIP: 'cusip', SEDOL: 'sedol', FIGI: 'figi' } as const)[securityIdType];
  if (kind !== undefined && securityId !== null && identifiers[kind] === undefined) identifiers[kind] = securityId;
  const isBond = category === 'BOND' || category === 'BILL';
  // A bond's "symbol" is a description such as "T 4 7/8 11/30/25", not a ticker.
  if (!isBond) put('ticker', attributeField(line, 'symbol'));

  const raw: RawHolding = {
    line: line.line,
    identifiers,
    description: attribute(line, 'description'),
    securityType: category === '' ? null : category,
    quantity: attributeField(line, 'position'),
    quantityType: isBond ? 'FAMT' : 'UNIT',
    price: attributeField(line, 'markPrice'),
    priceType: isBond ? 'percent' : 'amount',
    currency: attributeField(line, 'currency'),
    marketValue: attributeField(line, 'positionValue'),
    costBasis: attributeField(line, 'costBasisMoney'),
  };
  const side = attributeField(line, 'side');
  if (side !== null && side.text.toLowerCase() === 'short') raw.short = side;
  const multiplier = attributeField(line, 'multiplier');
  if (!isBond && multiplier !== null && multiplier.text.trim() !== '1') raw.priceMultiplier = multiplier;
  return raw;
}

/** LOT lines of one contract summed into one holding; quantities and values add, prices must agree. */
function sumLots(lots: XmlElement[]): RawHolding[] {
  const groups = new Map<string, XmlElement[]>();
  for (const lot of lots) {
    const key = attribute(lot, 'conid') ?? attribute(lot, 'isin') ?? attribute(lot, 'symbol') ?? `line ${lot.line}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [lot]);
    else group.push(lot);
  }
  const raws: RawHolding[] = [];
  for (const group of groups.values()) {
    const first = readPosition(group[0] as XmlElement);
    if (group.length === 1) {
      raws.push(first);
      continue;
    }
    const total = (name: string): FieldValue | null => {
      let sum = new Big(0);
      for (const lot of group) {
        const field = attributeField(lot, name);
        if (field === null) return null;
        const reading = readFlexNumber(field.text);
        // The unreadable lot value goes to validateHolding, which reports it once at its own line.
        if (!reading.ok) return field;
        sum = sum.plus(reading.value);
      }
      return { text: canonical(sum), line: first.line, field: `${name} (sum of ${group.length} lots)` };
    };
    raws.push({ ...first, quantity: total('position'), marketValue: total('positionValue'), costBasis: total('costBasisMoney') });
  }
  return raws;
}

function readCash(element: XmlElement, issues: IssueCollector): HoldingsStatement['cash'] {
  const report = childElement(element, 'CashReport');
  if (report === null) return [];
  const cash: HoldingsStatement['cash'] = [];
  const seen = new Set<string>();
  for (const line of childElements(report, 'CashReportCurrency')) {
    const currency = attributeField(line, 'currency');
    // BASE_SUMMARY restates every currency in the base currency; counting it would double the cash.
    if (currency === null || currency.text.toUpperCase() === 'BASE_SUMMARY') continue;
    const detail = (attribute(line, 'levelOfDetail') ?? 'Currency').toLowerCase();
    if (detail !== 'currency' && detail !== 'summary') continue;
    const amount = attributeField(line, 'endingCash') ?? attributeField(line, 'endingSettledCash');
    if (amount === null) continue;
    if (seen.has(currency.text.toUpperCase())) {
      issues.error(line.line, 'currency', `cash in ${currency.text} already appears in this CashReport`, currency.text);
      continue;
    }
    seen.add(currency.text.toUpperCase());
    const cashLine = validateCash(amount, currency, issues, readFlexNumber);
    if (cashLine !== null) cash.push(cashLine);
  }
  return cash;
}

function statementDate(element: XmlElement, issues: IssueCollector): string | null {
  for (const name of ['toDate', 'whenGenerated']) {
    const field = attributeField(element, name);
    if (field === null) continue;
    const reading = readFlexDate(field.text);
    if (reading.ok) return reading.value;
    issues.error(field.line, name, reading.reason, field.text);
    return null;
  }
  return null;
}

function attributeField(element: XmlElement, name: string): FieldValue | null {
  const value = attribute(element, name);
  if (value === null || value.trim() === '') return null;
  return { text: value, line: element.line, field: name };
}

/** Flex numbers are plain ("1234.5", "-100"); a few reports group thousands, which readDecimal accepts. */
export function readFlexNumber(text: string): DecimalReading {
  return readDecimal(text);
}

export type FlexDateReading = { ok: true; value: string } | { ok: false; reason: string };

/** yyyyMMdd or yyyy-MM-dd, optionally followed by a time (";HHmmss", " HH:mm:ss", "T…"). */
export function readFlexDate(text: string): FlexDateReading {
  const trimmed = text.trim();
  const compact = /^(\d{4})(\d{2})(\d{2})(?:[;,\sT]+\d{2}:?\d{2}:?\d{2}(?:\s*[A-Z]{2,5})?)?$/.exec(trimmed);
  const dashed = /^(\d{4})-(\d{2})-(\d{2})(?:[;,\sT]+\d{2}:?\d{2}:?\d{2}(?:\s*[A-Z]{2,5})?)?$/.exec(trimmed);
  const match = compact ?? dashed;
  if (match) {
    const reading = readIsoDate(`${match[1]}-${match[2]}-${match[3]}`);
    return reading.ok ? reading : { ok: false, reason: `"${trimmed}" is not a real calendar date` };
  }
  if (/^\d{1,2}\/\d{1,2}\/\d{2,4}/.test(trimmed)) {
    return { ok: false, reason: `"${trimmed}" is ambiguous (day or month first?); set the Flex query's date format to yyyyMMdd` };
  }
  return { ok: false, reason: `"${trimmed}" is not a date in the form yyyyMMdd or yyyy-MM-dd` };
}
