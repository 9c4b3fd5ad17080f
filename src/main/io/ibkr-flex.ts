import Big from 'big.js';
import { readIsoDate } from './dates';
import { type DecimalReading, readDecimal } from './decimal';
import { type FieldValue, type RawHolding, canonical, instrumentKey, requireStatementDate, validateCash, validateHolding } from './holding-checks';
import type { HoldingLine, HoldingsFile, HoldingsStatement } from './holdings';
import { readWhole, type HoldingsStreamOptions, type HoldingsStreamReader, type StreamedHoldingsFile } from './holdings-stream';
import { IssueCollector } from './report';
import { type XmlElement, attribute, childElement, childElements } from './xml';
import { createXmlStream } from './xml-stream';

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
  return readWhole((options) => createIbkrFlexReader(fileName, options), input);
}

/** Per-statement state while its OpenPosition lines stream past. */
interface StatementInProgress {
  index: number;
  accountId: string | null;
  sections: number;
  cashLines: number;
  dates: Map<string, number>;
  summaries: number;
  lots: number;
  /** LOT lines kept only while no SUMMARY line has been seen: a lot-only file is summed at the end. */
  heldLots: XmlElement[];
  derivative: boolean;
  firstLine: Map<string, number>;
}

/**
 * The streaming Flex reader (issue 10): OpenPosition lines are checked and handed on one by one as their
 * elements complete, each FlexStatement is dropped once read, so memory does not grow with the file.
 * Results are those of the former whole-document reader (its tests and a golden copy of its output on
 * the fixtures pin that), with the issues in line order within a statement.
 */
export function createIbkrFlexReader(fileName: string, options: HoldingsStreamOptions): HoldingsStreamReader {
  void fileName;
  const xmlIssues = new IssueCollector();
  const issues = new IssueCollector();
  const detected: Record<string, string> = {};
  const statements: HoldingsStatement[] = [];
  let rootOk: boolean | null = null;
  let current: StatementInProgress | null = null;
  let statementCount = 0;

  // Where the reader is: the depth-2 container and depth-4 section names, for elements that matter only there.
  let container = '';
  let section = '';
  const stream = createXmlStream(xmlIssues, {
    onStart(element, depth) {
      if (depth === 1) {
        rootOk = element.name === 'FlexQueryResponse';
        if (!rootOk) return;
        const queryName = attribute(element, 'queryName');
        if (queryName !== null) detected.query = queryName;
        const type = attribute(element, 'type');
        if (type !== null && type !== 'AF') detected.queryType = type;
        return;
      }
      if (rootOk !== true) return;
      if (depth === 2) container = element.name;
      else if (depth === 4) section = element.name;
      else if (depth === 3 && container === 'FlexStatements' && element.name === 'FlexStatement' && current === null) {
        const accountId = attribute(element, 'accountId');
        if (accountId === null || accountId === '') issues.warning(element.line, 'accountId', 'the FlexStatement names no account; choose the account when importing');
        current = { index: statementCount++, accountId: accountId === '' ? null : accountId, sections: 0, cashLines: 0, dates: new Map(), summaries: 0, lots: 0, heldLots: [], derivative: false, firstLine: new Map() };
      }
    },
    // Only the skeleton a statement needs is kept (its attributes and the CashReport); every other section —
    // trades, transfers … — is dropped element by element, so no part of the file accumulates.
    onEnd(element, depth) {
      if (rootOk !== true) return depth <= 1;
      if (depth <= 2) return true;
      if (depth === 3) {
        if (current !== null && element.name === 'FlexStatement') {
          statements.push(finishStatement(current, element));
          current = null;
        }
        return false;
      }
      if (current === null) return false;
      if (depth === 4) {
        if (element.name === 'OpenPositions') current.sections++;
        return element.name === 'CashReport';
      }
      if (depth === 5 && section === 'OpenPositions' && element.name === 'OpenPosition') {
        readLine(current, element);
        return false;
      }
      return section === 'CashReport';
    },
  });

  const emit = (state: StatementInProgress, holding: HoldingLine) => {
    const key = instrumentKey(holding);
    if (key !== null) {
      const earlier = state.firstLine.get(key.key);
      if (earlier !== undefined) {
        const field = key.kind === 'ticker' ? 'symbol' : key.kind === 'description' ? 'description' : key.kind;
        issues.error(holding.line, field, `${key.label} already appears on line ${earlier}; a statement lists each holding once`, key.value);
        return;
      }
      state.firstLine.set(key.key, holding.line);
    }
    if (holding.securityType !== null && DERIVATIVE_CATEGORIES.has(holding.securityType)) state.derivative = true;
    options.onHolding(state.index, holding);
  };

  const readLine = (state: StatementInProgress, line: XmlElement) => {
    // Forex balances appear as assetCategory CASH ("EUR.USD"); cash is read from the CashReport instead.
    if ((attribute(line, 'assetCategory') ?? '').toUpperCase() === 'CASH') {
      state.cashLines++;
      return;
    }
    const reportDate = attributeField(line, 'reportDate');
    if (reportDate !== null) {
      const reading = readFlexDate(reportDate.text);
      if (reading.ok) state.dates.set(reading.value, (state.dates.get(reading.value) ?? 0) + 1);
      else issues.error(reportDate.line, 'reportDate', reading.reason, reportDate.text);
    }
    const level = (attribute(line, 'levelOfDetail') ?? 'SUMMARY').toUpperCase();
    if (level === 'SUMMARY') {
      state.summaries++;
      state.heldLots = [];
      const holding = validateHolding(readPosition(line), issues, readFlexNumber);
      if (holding !== null) emit(state, holding);
    } else if (level === 'LOT') {
      state.lots++;
      if (state.summaries === 0) state.heldLots.push(line);
    }
  };

  const finishStatement = (state: StatementInProgress, element: XmlElement): HoldingsStatement => {
    const notes: string[] = [];
    if (state.cashLines > 0) notes.push(`${state.cashLines} currency (CASH) line(s) skipped: cash comes from the CashReport`);
    if (state.sections === 0) {
      issues.error(element.line, 'OpenPositions', 'the statement has no OpenPositions section; add "Open Positions" to the Flex query');
    }
    let asOf: string | null = null;
    const { dates } = state;
    if (dates.size > 1) {
      issues.error(element.line, 'reportDate', `the open positions carry ${dates.size} different report dates (${[...dates.keys()].join(', ')}); run the query for a single day`);
    } else if (dates.size === 1) {
      asOf = [...dates.keys()][0] ?? null;
    } else {
      asOf = statementDate(element, issues);
    }
    const statement: HoldingsStatement = { accountId: state.accountId, asOf, holdings: [], cash: [], notes };
    if (dates.size <= 1) requireStatementDate(statement, element.line, 'toDate', issues);
    if (state.summaries > 0) {
      if (state.lots > 0) notes.push(`${state.lots} lot line(s) skipped: the summary lines are the holdings`);
    } else if (state.lots > 0) {
      for (const raw of sumLots(state.heldLots)) {
        const holding = validateHolding(raw, issues, readFlexNumber);
        if (holding !== null) emit(state, holding);
      }
      notes.push(`no summary lines: ${state.lots} lot line(s) summed per contract`);
    }
    if (state.derivative) notes.push('option and future prices are per contract (mark price × multiplier)');
    statement.cash = readCash(element, issues);
    return statement;
  };

  return {
    push: (chunk) => stream.push(chunk),
    end() {
      const xml = stream.end();
      const result = (fatal: boolean, list: HoldingsStatement[], from: IssueCollector): StreamedHoldingsFile => ({ format: 'ibkr-flex', detected, statements: list, issues: from.toArray(), fatal });
      if (!xml.ok || xml.root === null) {
        for (const key of Object.keys(detected)) delete detected[key];
        return result(true, [], xmlIssues);
      }
      detected.encoding = xml.encoding;
      const root = xml.root;
      if (root.name !== 'FlexQueryResponse') {
        const wrong = new IssueCollector();
        wrong.error(root.line, root.name, `the file's root element is <${root.name}>, not <FlexQueryResponse>; is it an IBKR Flex Query?`);
        return result(true, [], wrong);
      }
      if (statementCount === 0) {
        const error = childElement(root, 'ErrorMessage')?.text;
        const none = new IssueCollector();
        none.error(root.line, 'FlexStatement', error ? `the Flex response carries no statement: ${error}` : 'the Flex response carries no statement (FlexStatement)');
        return result(true, [], none);
      }
      detected.statements = String(statementCount);
      // Keys in the order the whole-document reader gave them.
      const ordered = { encoding: detected.encoding, ...detected };
      for (const key of Object.keys(detected)) delete detected[key];
      Object.assign(detected, ordered);
      return result(false, statements, issues);
    },
  };
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
