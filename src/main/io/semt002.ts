import { readIsoDate } from './dates';
import { type DecimalReading, readDecimal } from './decimal';
import { type FieldValue, type RawHolding, instrumentKey, requireStatementDate, validateHolding } from './holding-checks';
import type { HoldingLine, HoldingsFile, HoldingsStatement } from './holdings';
import { IssueCollector } from './report';
import { readWhole, type HoldingsStreamOptions, type HoldingsStreamReader, type StreamedHoldingsFile } from './holdings-stream';
import { type XmlElement, attribute, childElement, childElements, childText, pathElement, pathText } from './xml';
import { createXmlStream } from './xml-stream';

/**
 * ISO 20022 semt.002 Custody Statement of Holdings (SecuritiesBalanceCustodyReport), any version:
 * elements are matched by local name, so semt.002.001.03 … .001.11 and a business-message wrapper
 * (head.001 AppHdr beside the Document) all read the same way.
 *
 * Per BalForAcct: FinInstrmId (ISIN, OthrId with its type, Desc), AggtBal quantity as Unit or FaceAmt
 * (however deeply the version nests Qty), PricDtls (Rate = percent of face, Amt with Ccy = amount; the
 * MRKT price when there are several), holding value and book value from InstrmCcyAmts, else
 * AcctBaseCcyAmts (Sgn false = negative). A delta statement (UpdTp DELT) is refused: it lists changes only.
 */
export function parseSemt002(input: Uint8Array | string, fileName: string): HoldingsFile {
  return readWhole((options) => createSemt002Reader(fileName, options), input);
}

/** A report (page) while its balances stream past. */
interface PageInProgress {
  page: Page;
  element: XmlElement;
  depth: number;
  /** The page's account, date and pagination read (from the elements before its first balance). */
  headerRead: boolean;
  statement: number;
  balances: number;
  /** Sub-account balances count only when the report has no BalForAcct: held until the report ends. */
  subBalances: XmlElement[];
  valuesInOtherCurrency: number;
}

/**
 * The streaming semt.002 reader (issue 10): each BalForAcct is read, checked and handed on as its element
 * completes, and each report (page) is dropped once read. A page's account, date and pagination are read
 * from the elements before its first balance (their place in every semt.002 version's schema), and
 * pages of one account and date are joined at the end. Duplicates across pages are found in file order.
 */
export function createSemt002Reader(fileName: string, options: HoldingsStreamOptions): HoldingsStreamReader {
  void fileName;
  const xmlIssues = new IssueCollector();
  const issues = new IssueCollector();
  const detected: Record<string, string> = {};
  const pages: (Page & { statement: number })[] = [];
  const statementKeys = new Map<string, number>();
  const firstLines = new Map<number, Map<string, number>>();
  let firstReport: XmlElement | null = null;
  let current: PageInProgress | null = null;
  let envelope = false;

  const readHeader = (state: PageInProgress) => {
    if (state.headerRead) return;
    state.headerRead = true;
    readPageHeader(state.element, state.page, issues);
    const key = `${state.page.accountId ?? ''}\u0000${state.page.asOf ?? ''}`;
    let statement = statementKeys.get(key);
    if (statement === undefined) {
      statement = statementKeys.size;
      statementKeys.set(key, statement);
    }
    state.statement = statement;
  };

  // A statement's instruments are remembered (for duplicates) only until its last page has been read with
  // every page before it, so memory follows the largest statement, not the file. A page arriving after
  // that is still checked within itself, and joinPages reports a page number seen twice.
  const pagesSeen = new Map<number, { numbers: Set<number>; last: number | null }>();
  const forgetWhenComplete = (statement: number, page: Page) => {
    let seen = pagesSeen.get(statement);
    if (seen === undefined) pagesSeen.set(statement, (seen = { numbers: new Set(), last: null }));
    const number = page.page?.number ?? 1;
    seen.numbers.add(number);
    if (page.page === null || page.page.last) seen.last = number;
    if (seen.last !== null && seen.numbers.size >= seen.last && [...Array(seen.last).keys()].every((n) => seen.numbers.has(n + 1))) firstLines.delete(statement);
  };

  const emit = (state: PageInProgress, holding: HoldingLine) => {
    const key = instrumentKey(holding);
    if (key !== null) {
      let seen = firstLines.get(state.statement);
      if (seen === undefined) firstLines.set(state.statement, (seen = new Map()));
      const earlier = seen.get(key.key);
      if (earlier !== undefined) {
        issues.error(holding.line, 'FinInstrmId', `${key.label} already appears on line ${earlier}; a statement lists each holding once`, key.value);
        return;
      }
      seen.set(key.key, holding.line);
    }
    options.onHolding(state.statement, holding);
  };

  const readOne = (state: PageInProgress, balance: XmlElement, into: IssueCollector) => {
    const raw = readBalance(balance, into);
    if (raw === null) return;
    const holding = validateHolding(raw, into, readIsoNumber);
    if (holding === null) return;
    if (raw.marketValueInOtherCurrency === true) state.valuesInOtherCurrency += 1;
    emit(state, holding);
  };

  const stream = createXmlStream(xmlIssues, {
    onStart(element, depth) {
      if (element.name === 'AppHdr') envelope = true;
      if (current === null && REPORT_NAME.test(element.name)) {
        firstReport ??= element;
        const page: Page = { line: element.line, page: null, accountId: null, asOf: null, dateLine: element.line, notes: [], holdings: [] };
        current = { page, element, depth, headerRead: false, statement: -1, balances: 0, subBalances: [], valuesInOtherCurrency: 0 };
      }
    },
    onEnd(element, depth) {
      const state = current;
      if (state === null) return true;
      if (depth === state.depth + 1 && element.name === 'BalForAcct') {
        readHeader(state);
        state.balances++;
        state.subBalances = [];
        readOne(state, element, issues);
        return false;
      }
      if (depth === state.depth + 2 && element.name === 'BalForSubAcct') {
        if (state.balances === 0) state.subBalances.push(element);
        return false;
      }
      if (depth === state.depth + 1 && element.name === 'SubAcctDtls') return false;
      if (depth === state.depth && element === state.element) {
        readHeader(state);
        if (state.balances === 0 && state.subBalances.length > 0) {
          state.page.notes.push('holdings read from the sub-account details');
          for (const balance of state.subBalances) readOne(state, balance, issues);
        }
        if (state.valuesInOtherCurrency > 0) state.page.notes.push(`${state.valuesInOtherCurrency} holding value(s) in another currency than the price left out`);
        pages.push({ ...state.page, statement: state.statement });
        forgetWhenComplete(state.statement, state.page);
        current = null;
        // The report's own facts are read; only its name, line and namespace stay (for the root checks).
        return false;
      }
      return true;
    },
  });

  return {
    push: (chunk) => stream.push(chunk),
    end() {
      const xml = stream.end();
      const result = (fatal: boolean, list: HoldingsStatement[], from: IssueCollector): StreamedHoldingsFile => ({ format: 'semt002', detected, statements: list, issues: from.toArray(), fatal });
      if (!xml.ok || xml.root === null) return result(true, [], xmlIssues);
      detected.encoding = xml.encoding;
      const report = firstReport as XmlElement | null;
      if (report === null) {
        const none = new IssueCollector();
        none.error(xml.root.line, 'SctiesBalCtdyRpt', `the file has no semt.002 statement of holdings (SctiesBalCtdyRpt); its root is <${xml.root.name}>`);
        return result(true, [], none);
      }
      const namespace = report.namespace ?? '';
      const version = /semt\.002\.001\.(\d+)/.exec(namespace)?.[0];
      if (version !== undefined) detected.version = version;
      else issues.warning(report.line, 'Document', `the statement's namespace "${namespace}" is not a semt.002 namespace; read as semt.002 anyway`);
      if (envelope) detected.envelope = 'business application header (head.001)';
      return result(false, joinPages(pages, issues), issues);
    },
  };
}

const REPORT_NAME = /^SctiesBalCtdyRpt(V\d+)?$/;

interface Page {
  line: number;
  page: { number: number; last: boolean; line: number } | null;
  accountId: string | null;
  asOf: string | null;
  dateLine: number;
  notes: string[];
  holdings: HoldingLine[];
}

/** A page's pagination, general details and account (its balances are read as they stream). */
function readPageHeader(report: XmlElement, page: Page, issues: IssueCollector): void {
  const pagination = childElement(report, 'Pgntn');
  if (pagination !== null) {
    const number = Number(childText(pagination, 'PgNb') ?? '1');
    const last = (childText(pagination, 'LastPgInd') ?? 'true').toLowerCase() === 'true';
    if (Number.isInteger(number) && number >= 1 && number <= 99_999) page.page = { number, last, line: pagination.line };
    else issues.error(pagination.line, 'Pgntn/PgNb', `"${childText(pagination, 'PgNb')}" is not a page number`);
  }

  const general = childElement(report, 'StmtGnlDtls');
  if (general === null) {
    issues.error(report.line, 'StmtGnlDtls', 'the statement has no general details (StmtGnlDtls), so no date');
  } else {
    readGeneralDetails(general, page, issues);
  }

  const account = childElement(report, 'SfkpgAcct') ?? pathElement(report, 'AcctDtls', 'SfkpgAcct');
  page.accountId = account === null ? null : (childText(account, 'Id') ?? pathText(account, 'Id', 'Id'));
}

function readGeneralDetails(general: XmlElement, page: Page, issues: IssueCollector): void {
  const dateElement = childElement(general, 'StmtDtTm') ?? childElement(general, 'StmtDt');
  if (dateElement !== null) {
    page.dateLine = dateElement.line;
    const value = dateElement.text !== '' ? dateElement.text : (childText(dateElement, 'Dt') ?? childText(dateElement, 'DtTm') ?? pathText(dateElement, 'Dt', 'Dt'));
    if (value === null) {
      issues.error(dateElement.line, dateElement.name, 'the statement date is empty');
    } else {
      const reading = readIsoDateTime(value);
      if (reading.ok) page.asOf = reading.value;
      else issues.error(dateElement.line, `${dateElement.name}`, reading.reason, value);
    }
  }
  const code = (name: string) => {
    const element = childElement(general, name);
    if (element === null) return null;
    const value = childText(element, 'Cd') ?? pathText(element, 'Prtry', 'Id') ?? childText(element, 'Prtry') ?? (element.text || null);
    return value === null ? null : { value, line: element.line };
  };
  const frequency = code('Frqcy');
  if (frequency !== null) page.notes.push(`frequency ${frequency.value}`);
  const update = code('UpdTp');
  if (update !== null) {
    if (update.value === 'DELT') issues.error(update.line, 'UpdTp', 'the statement is a delta (UpdTp DELT) listing only changes; import a complete statement (COMP)', update.value);
    else page.notes.push(`update type ${update.value}`);
  }
  const basis = code('StmtBsis');
  if (basis !== null) page.notes.push(`basis ${basis.value}`);
  const reference = childText(general, 'StmtId');
  if (reference !== null) page.notes.push(`statement ${reference}`);
  if ((childText(general, 'ActvtyInd') ?? '').toLowerCase() === 'false') page.notes.push('no activity (ActvtyInd false)');
}

const OTHER_ID_TYPES: Record<string, keyof RawHolding['identifiers']> = {
  CUSP: 'cusip',
  CUSIP: 'cusip',
  SEDL: 'sedol',
  SEDOL: 'sedol',
  TICK: 'ticker',
  TICKER: 'ticker',
  TCKR: 'ticker',
  FIGI: 'figi',
};

function readBalance(balance: XmlElement, issues: IssueCollector): RawHolding | null {
  const raw: RawHolding = {
    line: balance.line,
    identifiers: {},
    description: null,
    securityType: null,
    quantity: null,
    quantityType: 'UNIT',
    price: null,
    priceType: 'amount',
    currency: null,
    marketValue: null,
    costBasis: null,
  };
  const instrument = childElement(balance, 'FinInstrmId');
  if (instrument === null) {
    issues.error(balance.line, 'FinInstrmId', 'the balance has no financial instrument identification (FinInstrmId)');
    return null;
  }
  const isin = childElement(instrument, 'ISIN');
  if (isin !== null && isin.text !== '') raw.identifiers.isin = { text: isin.text, line: isin.line, field: 'FinInstrmId/ISIN' };
  for (const other of childElements(instrument, 'OthrId')) {
    const id = childElement(other, 'Id');
    const type = (pathText(other, 'Tp', 'Cd') ?? pathText(other, 'Tp', 'Prtry') ?? '').toUpperCase();
    const kind = OTHER_ID_TYPES[type];
    if (id !== null && id.text !== '' && kind !== undefined && raw.identifiers[kind] === undefined) {
      raw.identifiers[kind] = { text: id.text, line: id.line, field: `FinInstrmId/OthrId (${type})` };
    }
  }
  raw.description = childText(instrument, 'Desc') ?? childText(instrument, 'Nm') ?? pathText(balance, 'FinInstrmAttrbts', 'Nm');
  const attributes = childElement(balance, 'FinInstrmAttrbts');
  if (attributes !== null) {
    raw.securityType = pathText(attributes, 'ClssfctnTp', 'ClssfctnFinInstrm') ?? pathText(attributes, 'ClssfctnTp', 'AltrnClssfctn', 'Prtry') ?? null;
    const denomination = childElement(attributes, 'DnmtnCcy');
    if (denomination !== null && denomination.text !== '') raw.currency = { text: denomination.text, line: denomination.line, field: 'FinInstrmAttrbts/DnmtnCcy' };
  }

  const aggregate = childElement(balance, 'AggtBal');
  if (aggregate === null) {
    issues.error(balance.line, 'AggtBal', 'the balance has no aggregate quantity (AggtBal)');
    return null;
  }
  const quantity = findWithPath(aggregate, new Set(['Unit', 'FaceAmt', 'AmtsdVal']), 'AggtBal');
  if (quantity === null) {
    issues.error(aggregate.line, 'AggtBal', 'the aggregate balance has no Unit or FaceAmt quantity');
    return null;
  }
  raw.quantityType = quantity.element.name === 'Unit' ? 'UNIT' : 'FAMT';
  raw.quantity = { text: quantity.element.text, line: quantity.element.line, field: quantity.path };
  const shortLong = findWithPath(aggregate, new Set(['ShrtLngPos', 'ShrtLngInd']), 'AggtBal');
  if (shortLong !== null && /^SHOR/i.test(shortLong.element.text)) {
    raw.short = { text: shortLong.element.text, line: shortLong.element.line, field: shortLong.path };
  }

  let priceCurrency: string | null = null;
  const price = choosePrice(childElements(balance, 'PricDtls'));
  if (price !== null) {
    const value = childElement(price, 'Val');
    const rate = value === null ? null : (childElement(value, 'Rate') ?? childElement(value, 'Pctg'));
    const amount = value === null ? null : childElement(value, 'Amt');
    if (rate !== null) {
      raw.price = { text: rate.text, line: rate.line, field: `PricDtls/Val/${rate.name}` };
      raw.priceType = 'percent';
    } else if (amount !== null) {
      raw.price = { text: amount.text, line: amount.line, field: 'PricDtls/Val/Amt' };
      priceCurrency = attribute(amount, 'Ccy');
      if (priceCurrency !== null) raw.currency = { text: priceCurrency, line: amount.line, field: 'PricDtls/Val/Amt@Ccy' };
    } else {
      issues.warning(price.line, 'PricDtls/Val', 'the price has neither a Rate nor an Amt; the holding is read without a price');
    }
  }

  const amounts = childElement(balance, 'InstrmCcyAmts') ?? childElement(balance, 'AcctBaseCcyAmts');
  if (amounts !== null) {
    const holdingValue = signedAmount(amounts, 'HldgVal');
    if (holdingValue !== null) {
      raw.marketValue = holdingValue.value;
      const comparedCurrency = priceCurrency ?? (raw.currency?.text ?? null);
      if (holdingValue.currency !== null && comparedCurrency !== null && holdingValue.currency !== comparedCurrency) raw.marketValueInOtherCurrency = true;
      if (raw.currency === null && holdingValue.currency !== null) raw.currency = { text: holdingValue.currency, line: holdingValue.value.line, field: `${amounts.name}/HldgVal/Amt@Ccy` };
    }
    const bookValue = signedAmount(amounts, 'BookVal');
    if (bookValue !== null) raw.costBasis = bookValue.value;
  }
  return raw;
}

/** MRKT price first, then any other; versions write the type as Tp/Cd, Tp/Prtry or Tp alone. */
function choosePrice(prices: XmlElement[]): XmlElement | null {
  const typeOf = (price: XmlElement) => (pathText(price, 'Tp', 'Cd') ?? pathText(price, 'Tp', 'Prtry', 'Id') ?? childText(price, 'Tp') ?? '').toUpperCase();
  return prices.find((price) => typeOf(price) === 'MRKT') ?? prices[0] ?? null;
}

function signedAmount(container: XmlElement, name: string): { value: FieldValue; currency: string | null } | null {
  const holder = childElement(container, name);
  if (holder === null) return null;
  const amount = childElement(holder, 'Amt');
  if (amount === null || amount.text === '') return null;
  const negative = (childText(holder, 'Sgn') ?? 'true').toLowerCase() === 'false';
  return {
    value: { text: `${negative ? '-' : ''}${amount.text}`, line: amount.line, field: `${container.name}/${name}/Amt` },
    currency: attribute(amount, 'Ccy'),
  };
}

/** First element with one of the names, with its path from `start` ("AggtBal/Qty/Qty/Unit"). */
function findWithPath(start: XmlElement, names: Set<string>, startPath: string): { element: XmlElement; path: string } | null {
  const stack: { element: XmlElement; path: string }[] = [{ element: start, path: startPath }];
  while (stack.length > 0) {
    const { element, path } = stack.pop() as { element: XmlElement; path: string };
    if (element !== start && names.has(element.name)) return { element, path };
    for (let i = element.children.length - 1; i >= 0; i--) {
      const child = element.children[i] as XmlElement;
      stack.push({ element: child, path: `${path}/${child.name}` });
    }
  }
  return null;
}

/** Pages of one account and date joined; the file must hold every page up to the one marked last. */
function joinPages(pages: (Page & { statement: number })[], issues: IssueCollector): HoldingsStatement[] {
  const groups = new Map<number, Page[]>();
  for (const page of pages) {
    const group = groups.get(page.statement);
    if (group === undefined) groups.set(page.statement, [page]);
    else group.push(page);
  }
  const statements: HoldingsStatement[] = [];
  for (const [index, group] of [...groups.entries()].sort((a, b) => a[0] - b[0])) {
    group.sort((a, b) => (a.page?.number ?? 1) - (b.page?.number ?? 1));
    const first = group[0] as Page;
    const statement: HoldingsStatement = { accountId: first.accountId, asOf: first.asOf, holdings: [], cash: [], notes: [] };
    requireStatementDate(statement, first.dateLine, 'StmtGnlDtls/StmtDtTm', issues);
    if (first.accountId === null) issues.warning(first.line, 'SfkpgAcct/Id', 'the statement names no safekeeping account; choose the account when importing');
    const numbers = new Map<number, Page>();
    for (const page of group) {
      const number = page.page?.number ?? 1;
      if (numbers.has(number)) issues.error(page.page?.line ?? page.line, 'Pgntn/PgNb', `page ${number} appears twice`, String(number));
      numbers.set(number, page);
    }
    const highest = [...numbers.keys()].reduce((a, b) => Math.max(a, b), 1);
    for (let number = 1; number < highest; number++) {
      if (!numbers.has(number)) issues.error(first.line, 'Pgntn/PgNb', `page ${number} of the statement for account ${first.accountId ?? 'unknown'} is missing`, String(number));
    }
    const lastPage = group[group.length - 1] as Page;
    if (lastPage.page !== null && !lastPage.page.last) {
      issues.error(lastPage.page.line, 'Pgntn/LastPgInd', `page ${lastPage.page.number} is not the last page (LastPgInd false) and the following pages are not in this file`);
    }
    if (group.length > 1) statement.notes.push(`pages ${[...numbers.keys()].join(', ')} joined`);
    for (const note of new Set(group.flatMap((page) => page.notes))) statement.notes.push(note);
    // Every statement index was given to a page in order, so the result's positions match the indexes.
    statements[index] = statement;
  }
  return statements;
}

/** ISO 20022 decimals: plain "1234.5"; grouping and exponents are not valid XML Schema decimals. */
export function readIsoNumber(text: string): DecimalReading {
  const trimmed = text.trim();
  if (trimmed.includes(',')) return { ok: false, reason: `"${trimmed}" is not an XML decimal (no thousands separators or decimal commas)` };
  return readDecimal(trimmed);
}

/** xs:date or xs:dateTime → the calendar date as written. */
export function readIsoDateTime(text: string): { ok: true; value: string } | { ok: false; reason: string } {
  const trimmed = text.trim();
  const match = /^(\d{4}-\d{2}-\d{2})(?:T\d{2}:\d{2}:\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?$/.exec(trimmed);
  if (!match) return { ok: false, reason: `"${trimmed}" is not an ISO date (YYYY-MM-DD) or date-time` };
  return readIsoDate(match[1] ?? '');
}
