import { readIsoDate } from './dates';
import { type DecimalReading, readDecimal } from './decimal';
import { type FieldValue, type RawHolding, dropDuplicateHoldings, requireStatementDate, validateHolding } from './holding-checks';
import type { HoldingLine, HoldingsFile, HoldingsStatement } from './holdings';
import { IssueCollector } from './report';
import { LineIndex, XML_MAX_BYTES, decodeBytes } from './xml';

/**
 * SWIFT MT535 Statement of Holdings. Accepts FIN messages with their envelope
 * (`{1:…}{2:O535…}{4:\n…\n-}{5:…}`, several per file) or the bare block-4 text, one message after another.
 *
 * Sequence A (GENL) gives the page (:28E: number/LAST|MORE|ONLY), the date (:98A::STAT// or
 * :98C::STAT//), the safekeeping account (:97A::SAFE//) and the statement's kind (:22F:); each B1 block
 * (:16R:FIN … :16S:FIN) is one holding: :35B: ISIN and description, :93B::AGGR// balance as UNIT or FAMT,
 * :90A:/:90B: price (percent or amount with currency), :98A::PRIC//, :19A::HOLD// value and
 * :19A::BOOK// book cost. SWIFT writes decimals with a comma ("101,5", "1000,"); a leading N is a minus.
 *
 * The pages of one statement (same account and date) are joined into one HoldingsStatement; a missing
 * page is an error because its holdings would silently be absent.
 */
export function parseMt535(input: Uint8Array | string, fileName: string): HoldingsFile {
  void fileName;
  const issues = new IssueCollector();
  const detected: Record<string, string> = {};
  const result = (statements: HoldingsStatement[]): HoldingsFile => ({ format: 'mt535', detected, statements, issues: issues.toArray() });

  if (input.length > XML_MAX_BYTES) {
    issues.error(0, '', `the file is larger than the ${XML_MAX_BYTES / (1024 * 1024)} MB accepted for an MT535 statement`);
    return result([]);
  }
  const decoded = typeof input === 'string' ? { text: input.replace(/^\uFEFF/, ''), encoding: 'text' } : decodeBytes(input, 'utf-8', issues);
  if (decoded === null) return result([]);
  const text = decoded.text;
  const lines = new LineIndex(text);
  if (text.trim() === '') {
    issues.error(1, '', 'the file is empty');
    return result([]);
  }

  const blocks = findMessageTexts(text, lines, issues, detected);
  if (blocks === null) return result([]);
  const messages = blocks.map((block) => readMessage(text, block, lines, issues)).filter((message): message is Mt535Message => message !== null);
  detected.messages = String(messages.length);
  if (messages.length === 0) {
    if (issues.errorCount === 0) issues.error(1, ':16R:', 'the file has no MT535 message (no :16R:GENL sequence)');
    return result([]);
  }
  return result(joinPages(messages, issues));
}

interface MessageText {
  start: number;
  end: number;
}

/** Offsets of each message's block-4 text. */
function findMessageTexts(text: string, lines: LineIndex, issues: IssueCollector, detected: Record<string, string>): MessageText[] | null {
  if (/^\s*\{1:/.test(text)) {
    detected.envelope = 'FIN (blocks 1, 2, 4)';
    const found: MessageText[] = [];
    let from = 0;
    for (;;) {
      const header = text.indexOf('{1:', from);
      if (header < 0) break;
      const body = text.indexOf('{4:', header);
      if (body < 0) {
        issues.error(lines.lineAt(header), '{4:', 'a message has no text block {4:…} (is the file cut short?)');
        return null;
      }
      const type = /\{2:[IO](\d{3})/.exec(text.slice(header, body))?.[1];
      if (type !== undefined && type !== '535') {
        issues.error(lines.lineAt(header), '{2:', `the message is an MT${type}, not an MT535 statement of holdings`, `MT${type}`);
        return null;
      }
      const end = findBlockEnd(text, body + 3);
      if (end < 0) {
        issues.error(lines.lineAt(body), '{4:', 'the text block {4:… is not closed with "-}" (is the file cut short?)');
        return null;
      }
      found.push({ start: body + 3, end });
      from = end + 2;
    }
    return found;
  }
  detected.envelope = 'block 4 text';
  const starts: number[] = [];
  const pattern = /^:16R:GENL[ \t]*$/gm;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) starts.push(match.index);
  if (starts.length === 0) {
    issues.error(1, ':16R:GENL', 'the file has no MT535 message (no :16R:GENL line)');
    return null;
  }
  const leading = text.slice(0, starts[0]).trim();
  if (leading !== '' && !/^:20C?:/m.test(leading)) issues.warning(1, '', 'text before the first :16R:GENL is ignored');
  return starts.map((start, index) => ({ start, end: starts[index + 1] ?? text.length }));
}

/** Index of the "-}" that ends a block 4 (a "-" alone on its line, then "}"). */
function findBlockEnd(text: string, from: number): number {
  const pattern = /(?:^|\r?\n|\r)-\}/g;
  pattern.lastIndex = from;
  const match = pattern.exec(text);
  return match === null ? -1 : match.index + match[0].length - 2;
}

interface SwiftField {
  tag: string;
  value: string;
  line: number;
}

/** Block-4 text → fields; a field starts with ":tag:" at the start of a line and may continue on the next lines. */
function readFields(text: string, start: number, end: number, lines: LineIndex): SwiftField[] {
  const fields: SwiftField[] = [];
  let lineNumber = lines.lineAt(start);
  let current: SwiftField | null = null;
  for (const line of text.slice(start, end).split(/\r\n|\n|\r/)) {
    const fieldStart = /^:(\d{2}[A-Z]?):(.*)$/.exec(line);
    if (fieldStart) {
      current = { tag: fieldStart[1] ?? '', value: fieldStart[2] ?? '', line: lineNumber };
      fields.push(current);
    } else if (current !== null && line.trim() !== '' && line.trim() !== '-') {
      current.value += `\n${line}`;
    }
    lineNumber += 1;
  }
  return fields;
}

interface Mt535Message {
  line: number;
  page: { number: number; indicator: 'LAST' | 'MORE' | 'ONLY'; line: number } | null;
  accountId: string | null;
  asOf: string | null;
  dateLine: number;
  reference: string | null;
  notes: string[];
  holdings: HoldingLine[];
}

const QUALIFIED = /^:([A-Z0-9]{4})\/([A-Z0-9]{0,8})\/([\s\S]*)$/;

function qualified(field: SwiftField): { qualifier: string; issuer: string; data: string } | null {
  const match = QUALIFIED.exec(field.value);
  return match ? { qualifier: match[1] ?? '', issuer: match[2] ?? '', data: (match[3] ?? '').trim() } : null;
}

function readMessage(text: string, block: MessageText, lines: LineIndex, issues: IssueCollector): Mt535Message | null {
  const fields = readFields(text, block.start, block.end, lines);
  if (fields.length === 0) return null;
  const message: Mt535Message = { line: fields[0]?.line ?? 1, page: null, accountId: null, asOf: null, dateLine: fields[0]?.line ?? 1, reference: null, notes: [], holdings: [] };
  const stack: { name: string; line: number }[] = [];
  let instrument: InstrumentFields | null = null;
  const rawHoldings: RawHolding[] = [];

  for (const field of fields) {
    if (field.tag === '16R') {
      const name = field.value.trim();
      stack.push({ name, line: field.line });
      if (name === 'FIN') instrument = { line: field.line };
      continue;
    }
    if (field.tag === '16S') {
      const name = field.value.trim();
      const open = stack.pop();
      if (open === undefined || open.name !== name) {
        issues.error(field.line, ':16S:', open ? `:16S:${name} closes ${open.name}, opened on line ${open.line}` : `:16S:${name} closes a sequence that was never opened`, name);
        return null;
      }
      if (name === 'FIN' && instrument !== null) {
        const raw = instrumentToHolding(instrument, issues);
        if (raw !== null) rawHoldings.push(raw);
        instrument = null;
      }
      continue;
    }
    const where = stack.map((entry) => entry.name);
    const sequence = where[where.length - 1];
    if (sequence === 'GENL') readGeneralField(field, message, issues);
    else if (instrument !== null && sequence === 'FIN') readInstrumentField(field, instrument, issues);
    else if (instrument !== null && sequence === 'FIA') readAttributeField(field, instrument);
  }
  if (stack.length > 0) {
    const open = stack[stack.length - 1] as { name: string; line: number };
    issues.error(open.line, ':16R:', `sequence ${open.name} opened here is never closed with :16S:${open.name} (is the file cut short?)`, open.name);
    return null;
  }
  if (message.page === null) issues.warning(message.line, ':28E:', 'the message has no page number (:28E:); read as a single-page statement');

  let valuesInOtherCurrency = 0;
  for (const raw of rawHoldings) {
    const holding = validateHolding(raw, issues, readSwiftNumber);
    if (holding === null) continue;
    message.holdings.push(holding);
    if (raw.marketValueInOtherCurrency === true) valuesInOtherCurrency += 1;
  }
  if (valuesInOtherCurrency > 0) message.notes.push(`${valuesInOtherCurrency} holding value(s) in another currency than the price left out`);
  return message;
}

function readGeneralField(field: SwiftField, message: Mt535Message, issues: IssueCollector): void {
  if (field.tag === '28E') {
    const match = /^(\d{1,5})\/(LAST|MORE|ONLY)$/.exec(field.value.trim());
    if (!match) {
      issues.error(field.line, ':28E:', `"${field.value.trim()}" is not a page number and indicator (e.g. 1/MORE, 2/LAST, 1/ONLY)`, field.value);
      return;
    }
    message.page = { number: Number(match[1]), indicator: match[2] as 'LAST' | 'MORE' | 'ONLY', line: field.line };
    return;
  }
  if (field.tag === '23G') {
    const functionCode = field.value.trim().slice(0, 4);
    if (functionCode === 'CANC') issues.error(field.line, ':23G:', 'the message cancels an earlier statement (CANC); import the statement itself', field.value);
    else if (functionCode !== 'NEWM') message.notes.push(`message function ${field.value.trim()}`);
    return;
  }
  const parts = qualified(field);
  if (parts === null) return;
  if (field.tag === '20C' && parts.qualifier === 'SEME') {
    message.reference = parts.data;
  } else if ((field.tag === '98A' || field.tag === '98C' || field.tag === '98E') && parts.qualifier === 'STAT') {
    message.dateLine = field.line;
    const reading = readSwiftDate(parts.data, field.tag);
    if (reading.ok) message.asOf = reading.value;
    else issues.error(field.line, `:${field.tag}::STAT`, reading.reason, parts.data);
  } else if (field.tag === '97A' && parts.qualifier === 'SAFE') {
    message.accountId = parts.data === '' ? null : parts.data;
  } else if (field.tag === '97B' && parts.qualifier === 'SAFE') {
    message.accountId = parts.data.split('/').pop()?.trim() || null;
  } else if (field.tag === '22F') {
    if (parts.qualifier === 'CODE' && parts.data === 'DELT') {
      issues.error(field.line, ':22F::CODE', 'the statement is a delta (CODE//DELT) listing only changes; import a complete statement (COMP)', parts.data);
    } else if (parts.qualifier === 'SFRE') {
      message.notes.push(`frequency ${parts.data}`);
    } else if (parts.qualifier === 'STBA') {
      message.notes.push(`basis ${parts.data === 'SETT' ? 'settled' : parts.data === 'TRAD' ? 'traded' : parts.data}`);
    } else if (parts.qualifier === 'STTY') {
      message.notes.push(`statement type ${parts.data}`);
    }
  } else if (field.tag === '17B' && parts.qualifier === 'ACTI' && parts.data === 'N') {
    message.notes.push('no holdings (ACTI//N)');
  }
}

interface InstrumentFields {
  line: number;
  identification?: SwiftField;
  aggregate?: SwiftField;
  prices?: SwiftField[];
  holdValue?: SwiftField;
  bookValue?: SwiftField;
  priceDate?: SwiftField;
  denomination?: { currency: string; line: number };
}

function readInstrumentField(field: SwiftField, instrument: InstrumentFields, issues: IssueCollector): void {
  if (field.tag === '35B') {
    instrument.identification = field;
    return;
  }
  const parts = qualified(field);
  if (parts === null) return;
  if (field.tag === '93B' || field.tag === '93C') {
    if (parts.qualifier === 'AGGR') {
      if (instrument.aggregate !== undefined) issues.error(field.line, ':93B::AGGR', `a second aggregate balance for the instrument of line ${instrument.line}`, parts.data);
      else instrument.aggregate = field;
    }
  } else if (field.tag === '90A' || field.tag === '90B') {
    instrument.prices = [...(instrument.prices ?? []), field];
  } else if (field.tag === '98A' || field.tag === '98C') {
    if (parts.qualifier === 'PRIC') instrument.priceDate = field;
  } else if (field.tag === '19A') {
    if (parts.qualifier === 'HOLD') instrument.holdValue = field;
    else if (parts.qualifier === 'BOOK') instrument.bookValue = field;
  }
}

function readAttributeField(field: SwiftField, instrument: InstrumentFields): void {
  const parts = qualified(field);
  if (field.tag === '11A' && parts?.qualifier === 'DENO' && /^[A-Z]{3}$/.test(parts.data)) {
    instrument.denomination = { currency: parts.data, line: field.line };
  }
}

function instrumentToHolding(instrument: InstrumentFields, issues: IssueCollector): RawHolding | null {
  const raw: RawHolding = {
    line: instrument.line,
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
  let ok = true;

  const identification = instrument.identification;
  if (identification === undefined) {
    issues.error(instrument.line, ':35B:', 'the instrument has no identification (:35B:)');
    ok = false;
  } else {
    readIdentification(identification, raw);
  }

  const aggregate = instrument.aggregate;
  if (aggregate === undefined) {
    issues.error(instrument.line, ':93B::AGGR', 'the instrument has no aggregate balance (:93B::AGGR//)');
    ok = false;
  } else {
    const data = qualified(aggregate)?.data ?? '';
    const match = /^(UNIT|FAMT|AMOR)\/(N?)(.*)$/.exec(data);
    if (!match) {
      issues.error(aggregate.line, `:${aggregate.tag}::AGGR`, `"${data}" is not a balance such as UNIT/1000, or FAMT/500000,`, data);
      ok = false;
    } else {
      raw.quantityType = match[1] === 'UNIT' ? 'UNIT' : 'FAMT';
      raw.quantity = { text: `${match[2] === 'N' ? '-' : ''}${match[3] ?? ''}`, line: aggregate.line, field: `:${aggregate.tag}::AGGR` };
    }
  }

  let priceCurrency: string | null = null;
  const price = choosePrice(instrument.prices ?? []);
  if (price !== null) {
    const parts = qualified(price) as { qualifier: string; data: string };
    const fieldName = `:${price.tag}::${parts.qualifier}`;
    const percent = /^(PRCT|YIEL|DISC|PREM)\/(N?)(.*)$/.exec(parts.data);
    const amount = /^(ACTU|DISC|PREM)\/([A-Z]{3})(N?)(.*)$/.exec(parts.data);
    if (price.tag === '90A' && percent) {
      if (percent[1] === 'PRCT') {
        raw.price = { text: `${percent[2] === 'N' ? '-' : ''}${percent[3] ?? ''}`, line: price.line, field: fieldName };
        raw.priceType = 'percent';
      } else {
        issues.warning(price.line, fieldName, `price type ${percent[1]} is not a price; the holding is read without a price`, parts.data);
      }
    } else if (price.tag === '90B' && amount) {
      priceCurrency = amount[2] ?? null;
      raw.price = { text: `${amount[3] === 'N' ? '-' : ''}${amount[4] ?? ''}`, line: price.line, field: fieldName };
      raw.currency = { text: amount[2] ?? '', line: price.line, field: fieldName };
    } else {
      issues.error(price.line, fieldName, `"${parts.data}" is not a price such as PRCT/101,5 (:90A:) or ACTU/EUR12,34 (:90B:)`, parts.data);
      ok = false;
    }
  }

  if (instrument.priceDate !== undefined) {
    const parts = qualified(instrument.priceDate);
    const reading = readSwiftDate(parts?.data ?? '', instrument.priceDate.tag);
    if (!reading.ok) issues.warning(instrument.priceDate.line, `:${instrument.priceDate.tag}::PRIC`, reading.reason, parts?.data);
  }

  let valueCurrency: string | null = null;
  const value = readAmountField(instrument.holdValue, 'HOLD', issues);
  if (value === false) ok = false;
  else if (value !== null) {
    raw.marketValue = value.amount;
    valueCurrency = value.currency;
  }
  const book = readAmountField(instrument.bookValue, 'BOOK', issues);
  if (book === false) ok = false;
  else if (book !== null) raw.costBasis = book.amount;

  if (raw.currency === null) {
    const currency = instrument.denomination?.currency ?? valueCurrency;
    const line = instrument.denomination?.line ?? instrument.holdValue?.line ?? instrument.line;
    if (currency !== null) raw.currency = { text: currency, line, field: instrument.denomination ? ':11A::DENO' : ':19A::HOLD' };
  }
  const comparedCurrency = priceCurrency ?? instrument.denomination?.currency ?? null;
  if (valueCurrency !== null && comparedCurrency !== null && valueCurrency !== comparedCurrency) raw.marketValueInOtherCurrency = true;
  return ok ? raw : null;
}

/** The market price when the block has several (MRKT, then indicative, then the first given). */
function choosePrice(prices: SwiftField[]): SwiftField | null {
  const byQualifier = (qualifier: string) => prices.find((price) => qualified(price)?.qualifier === qualifier);
  return byQualifier('MRKT') ?? byQualifier('INDC') ?? prices[0] ?? null;
}

function readAmountField(field: SwiftField | undefined, qualifier: string, issues: IssueCollector): { amount: FieldValue; currency: string } | null | false {
  if (field === undefined) return null;
  const data = qualified(field)?.data ?? '';
  const match = /^(N?)([A-Z]{3})(.*)$/.exec(data);
  if (!match) {
    issues.error(field.line, `:19A::${qualifier}`, `"${data}" is not an amount such as EUR12345,67`, data);
    return false;
  }
  return { amount: { text: `${match[1] === 'N' ? '-' : ''}${match[3] ?? ''}`, line: field.line, field: `:19A::${qualifier}` }, currency: match[2] ?? '' };
}

/** :35B: "ISIN XX…" then up to four lines: national ids written "/US/037833100" and the description. */
function readIdentification(field: SwiftField, raw: RawHolding): void {
  const parts = field.value.split('\n').map((part) => part.trim());
  const descriptionLines: string[] = [];
  parts.forEach((part, index) => {
    const at = { line: field.line + index, field: ':35B:' };
    const isin = /^ISIN\s+(\S+)$/.exec(part);
    const national = /^\/([A-Z]{2})\/(.+)$/.exec(part);
    if (index === 0 && isin) {
      raw.identifiers.isin = { text: isin[1] ?? '', ...at };
    } else if (national) {
      const code = national[2]?.trim() ?? '';
      if (national[1] === 'US' || national[1] === 'CA') raw.identifiers.cusip ??= { text: code, ...at };
      else if (national[1] === 'GB' || national[1] === 'IE') raw.identifiers.sedol ??= { text: code, ...at };
      else if (national[1] === 'TS') raw.identifiers.ticker ??= { text: code, ...at };
      else if (national[1] === 'XS' || national[1] === 'BB') descriptionLines.push(part);
    } else if (part !== '') {
      descriptionLines.push(part);
    }
  });
  raw.description = descriptionLines.join(' ') || null;
}

/** Pages of the same account and date joined in page order; gaps and duplicates are errors. */
function joinPages(messages: Mt535Message[], issues: IssueCollector): HoldingsStatement[] {
  const groups = new Map<string, Mt535Message[]>();
  for (const message of messages) {
    const key = `${message.accountId ?? ''}\u0000${message.asOf ?? ''}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [message]);
    else group.push(message);
  }
  const statements: HoldingsStatement[] = [];
  for (const pages of groups.values()) {
    const first = pages[0] as Mt535Message;
    pages.sort((a, b) => (a.page?.number ?? 1) - (b.page?.number ?? 1));
    const statement: HoldingsStatement = { accountId: first.accountId, asOf: first.asOf, holdings: [], cash: [], notes: [] };
    requireStatementDate(statement, first.dateLine, ':98A::STAT', issues);
    if (first.accountId === null) issues.warning(first.line, ':97A::SAFE', 'the statement names no safekeeping account (:97A::SAFE//); choose the account when importing');
    checkPages(pages, issues);
    const numbers = pages.map((page) => page.page?.number ?? 1);
    statement.notes.push(pages.length === 1 ? 'page 1 of 1' : `pages ${numbers.join(', ')} joined`);
    const references = [...new Set(pages.map((page) => page.reference).filter((reference): reference is string => reference !== null))];
    if (references.length > 0) statement.notes.push(`statement reference ${references.join(', ')}`);
    for (const note of new Set(pages.flatMap((page) => page.notes))) statement.notes.push(note);
    statement.holdings = dropDuplicateHoldings(pages.flatMap((page) => page.holdings), issues, () => ':35B:');
    statements.push(statement);
  }
  return statements;
}

function checkPages(pages: Mt535Message[], issues: IssueCollector): void {
  const seen = new Map<number, Mt535Message>();
  for (const page of pages) {
    const number = page.page?.number ?? 1;
    const earlier = seen.get(number);
    if (earlier !== undefined) {
      issues.error(page.page?.line ?? page.line, ':28E:', `page ${number} appears twice (also on line ${earlier.page?.line ?? earlier.line})`, String(number));
    } else {
      seen.set(number, page);
    }
  }
  const last = pages.find((page) => page.page?.indicator === 'LAST' || page.page?.indicator === 'ONLY');
  const highest = [...seen.keys()].reduce((a, b) => Math.max(a, b), 1);
  const expected = last?.page?.number ?? highest;
  const account = pages[0]?.accountId ?? 'unknown';
  const date = pages[0]?.asOf ?? 'unknown date';
  for (let number = 1; number <= Math.max(expected, highest); number++) {
    if (!seen.has(number)) {
      issues.error(pages[0]?.line ?? 1, ':28E:', `page ${number} of the statement for account ${account} on ${date} is missing; import all pages together`, String(number));
    }
  }
  if (last === undefined) {
    issues.error(pages[pages.length - 1]?.page?.line ?? 1, ':28E:', `no page of the statement for account ${account} on ${date} is marked LAST; later pages are missing`);
  } else if ((last.page?.number ?? 1) < highest) {
    issues.error(last.page?.line ?? last.line, ':28E:', `page ${last.page?.number} is marked ${last.page?.indicator} but page ${highest} follows`);
  }
  for (const page of pages) {
    if (page !== last && page.page?.indicator !== undefined && page.page.indicator !== 'MORE') {
      issues.error(page.page.line, ':28E:', `page ${page.page.number} is marked ${page.page.indicator} but is not the last page`);
    }
  }
}

/** SWIFT decimal: digits with a mandatory comma as decimal mark ("1000," "101,5"), no grouping. */
export function readSwiftNumber(text: string): DecimalReading {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed === '-') return { ok: false, reason: 'is empty' };
  const match = /^(-?)(\d{0,15}),(\d*)$/.exec(trimmed);
  if (!match || `${match[2]}${match[3]}` === '') {
    if (/^-?\d+\.\d*$/.test(trimmed)) return { ok: false, reason: `"${trimmed}" uses a point; SWIFT amounts use a comma as the decimal mark` };
    return { ok: false, reason: `"${trimmed}" is not a SWIFT number (digits with a comma as decimal mark, e.g. 1000, or 101,5)` };
  }
  return readDecimal(`${match[1]}${match[2] || '0'}.${match[3] || '0'}`);
}

export type SwiftDateReading = { ok: true; value: string } | { ok: false; reason: string };

/** :98A: YYYYMMDD, :98C: YYYYMMDDhhmmss, :98E: YYYYMMDDhhmmss[,decimals][/[N]HHMM]. */
export function readSwiftDate(data: string, tag: string): SwiftDateReading {
  const trimmed = data.trim();
  const match = tag === '98A' ? /^(\d{4})(\d{2})(\d{2})$/.exec(trimmed) : /^(\d{4})(\d{2})(\d{2})\d{6}(?:,\d+)?(?:\/N?\d{4})?$/.exec(trimmed);
  if (!match) {
    return { ok: false, reason: `"${trimmed}" is not a ${tag === '98A' ? 'date YYYYMMDD' : 'date and time YYYYMMDDhhmmss'}` };
  }
  const reading = readIsoDate(`${match[1]}-${match[2]}-${match[3]}`);
  return reading.ok ? reading : { ok: false, reason: `"${trimmed}" is not a real calendar date` };
}
