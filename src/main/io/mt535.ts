import { readIsoDate } from './dates';
import { type DecimalReading, readDecimal } from './decimal';
import { type FieldValue, type RawHolding, instrumentKey, requireStatementDate, validateHolding } from './holding-checks';
import type { HoldingLine, HoldingsFile, HoldingsStatement } from './holdings';
import type { HoldingsStreamOptions, HoldingsStreamReader, StreamedHoldingsFile } from './holdings-stream';
import { IssueCollector } from './report';
import { byteOrderMark } from './xml';

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
  const holdings = new Map<number, { page: number; holding: HoldingLine }[]>();
  const reader = createPagedReader(fileName, (statement, page, holding) => {
    const list = holdings.get(statement);
    if (list === undefined) holdings.set(statement, [{ page, holding }]);
    else list.push({ page, holding });
  });
  reader.push(typeof input === 'string' ? new TextEncoder().encode(input.replace(/^\uFEFF/, '')) : input);
  const { fatal: _fatal, ...file } = reader.end();
  file.statements.forEach((statement, index) => {
    // The stream hands holdings on in file order; a statement lists them in page order (Array.sort is stable).
    statement.holdings = (holdings.get(index) ?? []).sort((a, b) => a.page - b.page).map((entry) => entry.holding);
  });
  return file;
}

/**
 * The streaming MT535 reader (issue 10): the file is decoded chunk by chunk and read line by line; each
 * message (page) is read as its lines pass and its holdings are checked and handed on when it ends (past
 * MESSAGE_HOLDINGS_HELD instruments, as they come), so memory does not follow the file. Pages of one account
 * and date are joined at the end; duplicates across pages are found in file order.
 *
 * Refused whole (`fatal`, no statements, one error): undecodable bytes, an empty file, no message at all, an
 * envelope that is cut short or not an MT535, bare block-4 text that ends inside a sequence (cut short), and
 * a message found malformed after some of its holdings were handed on.
 */
export function createMt535Reader(fileName: string, options: HoldingsStreamOptions): HoldingsStreamReader {
  return createPagedReader(fileName, (statement, _page, holding) => options.onHolding(statement, holding));
}

interface SwiftField {
  tag: string;
  value: string;
  line: number;
}

/** A page's facts, kept to the end (its holdings were handed on when it was read). */
interface Mt535Message {
  line: number;
  page: { number: number; indicator: 'LAST' | 'MORE' | 'ONLY'; line: number } | null;
  accountId: string | null;
  asOf: string | null;
  dateLine: number;
  reference: string | null;
  notes: string[];
}

/** A message while its lines stream past. */
interface MessageInProgress {
  message: Mt535Message;
  fieldCount: number;
  /** The field whose continuation lines may still come. */
  pending: SwiftField | null;
  stack: { name: string; line: number }[];
  instrument: InstrumentFields | null;
  /** Instruments read but not yet handed on: a message is all or nothing while it stays this small. */
  rawHoldings: RawHolding[];
  /** Set once holdings were handed on before the message ended (a message over MESSAGE_HOLDINGS_HELD). */
  statement: number | null;
  valuesInOtherCurrency: number;
  /** A :16S: closed the wrong sequence: the message is dropped and its remaining lines ignored. */
  broken: Mt535Refused | null;
}

class Mt535Refused extends Error {
  constructor(
    readonly line: number,
    readonly field: string,
    readonly reason: string,
    readonly value?: string,
  ) {
    super(reason);
  }
}

/**
 * Instruments of one message held back until it ends. SWIFT caps a message at 10 000 characters (a few dozen
 * holdings), so a conformant message is read all or nothing, as before streaming: one that proves malformed is
 * dropped with its error and the rest of the file still reads. Bare block-4 text may run one "message" for
 * millions of lines; past this many its holdings are handed on as they come, and a defect found later in it
 * refuses the whole file.
 */
const MESSAGE_HOLDINGS_HELD = 1_000;
/** Bytes decoded at a time: their text (and the lines cut from it) stays below V8's large-object size. */
const PIECE_BYTES = 32 * 1024;
const FIELD_START = /^:(\d{2}[A-Z]?):(.*)$/;
const GENL_START = /^:16R:GENL[ \t]*$/;
const MESSAGE_TYPE = /\{2:[IO](\d{3})/;

function createPagedReader(fileName: string, onHolding: (statement: number, page: number, holding: HoldingLine) => void): HoldingsStreamReader {
  void fileName;
  const issues = new IssueCollector();
  const detected: Record<string, string> = {};
  let refused: Mt535Refused | null = null;

  // Decoding: the encoding is chosen by a byte order mark (UTF-8 without one), as for the whole-file reader.
  let head: Uint8Array | null = new Uint8Array(0);
  let decoder: TextDecoder | null = null;
  let lenient: TextDecoder | null = null;
  let carry = '';
  let lineNumber = 1;
  const startDecoding = (bytes: Uint8Array) => {
    const encoding = byteOrderMark(bytes) ?? 'utf-8';
    decoder = new TextDecoder(encoding, { fatal: true });
    lenient = new TextDecoder(encoding);
  };
  const decode = (bytes: Uint8Array, final: boolean): string | null => {
    try {
      const text = (decoder as TextDecoder).decode(bytes, { stream: !final });
      (lenient as TextDecoder).decode(bytes, { stream: !final });
      return text;
    } catch {
      const seen = (lenient as TextDecoder).decode(bytes, { stream: !final });
      const badAt = seen.indexOf('\uFFFD');
      const before = `${carry}${badAt < 0 ? '' : seen.slice(0, badAt)}`;
      const line = lineNumber + (badAt < 0 ? 0 : countLineBreaks(before));
      const encoding = (decoder as TextDecoder).encoding;
      refused =
        encoding === 'utf-8'
          ? new Mt535Refused(line, '', 'the file is not valid UTF-8 text (wrong encoding, or not a text file)')
          : new Mt535Refused(1, '', `the file cannot be read as ${encoding} text`);
      return null;
    }
  };

  // Messages: FIN envelopes or bare block-4 text, chosen by the first text of the file.
  let mode: 'unknown' | 'fin' | 'bare' = 'unknown';
  let finState: 'seekHeader' | 'header' | 'body' = 'seekHeader';
  let headerLine = 0;
  let headerType: string | undefined;
  let bodyLine = 0;
  let leadingText = false;
  let leadingReference = false;
  let current: MessageInProgress | null = null;
  let messageCount = 0;

  const pages: (Mt535Message & { statement: number })[] = [];
  // Every page's facts are kept to the end (50 000 pages in a 300 MB file): the strings pages repeat (account,
  // date, reference, notes) are kept once, as flat copies, and each page points at them (issue 10).
  const strings = new Map<string, string>();
  const noteLists = new Map<string, string[]>();
  const keep = (text: string | null): string | null => {
    if (text === null) return null;
    let kept = strings.get(text);
    if (kept === undefined) {
      kept = text.length < 13 ? text : ` ${text}`.slice(1);
      strings.set(kept, kept);
    }
    return kept;
  };
  const keptPage = (message: Mt535Message, statement: number): Mt535Message & { statement: number } => {
    const key = message.notes.join('\u0000');
    let notes = noteLists.get(key);
    if (notes === undefined) {
      notes = message.notes.map((note) => keep(note) as string);
      noteLists.set(key, notes);
    }
    const { line, page, dateLine } = message;
    return { line, page, accountId: keep(message.accountId), asOf: keep(message.asOf), dateLine, reference: keep(message.reference), notes, statement };
  };
  const statementKeys = new Map<string, number>();
  const firstLines = new Map<number, Map<string, number>>();
  const pagesSeen = new Map<number, { numbers: Set<number>; last: number | null }>();

  // A statement's instruments are remembered (for duplicates) only until its last page has been read with
  // every page before it; a page arriving after that is still checked within itself.
  const forgetWhenComplete = (statement: number, message: Mt535Message) => {
    let seen = pagesSeen.get(statement);
    if (seen === undefined) pagesSeen.set(statement, (seen = { numbers: new Set(), last: null }));
    const number = message.page?.number ?? 1;
    seen.numbers.add(number);
    if (message.page === null || message.page.indicator !== 'MORE') seen.last = number;
    const last = seen.last;
    if (last !== null && [...Array(last).keys()].every((n) => seen.numbers.has(n + 1))) firstLines.delete(statement);
  };

  const openMessage = (): MessageInProgress => ({
    message: { line: 1, page: null, accountId: null, asOf: null, dateLine: 1, reference: null, notes: [] },
    fieldCount: 0,
    pending: null,
    stack: [],
    instrument: null,
    rawHoldings: [],
    statement: null,
    valuesInOtherCurrency: 0,
    broken: null,
  });

  const readField = (state: MessageInProgress, field: SwiftField) => {
    if (state.broken !== null) return;
    if (state.fieldCount++ === 0) {
      state.message.line = field.line;
      state.message.dateLine = field.line;
    }
    if (field.tag === '16R') {
      const name = field.value.trim();
      state.stack.push({ name, line: field.line });
      if (name === 'FIN') state.instrument = { line: field.line };
      return;
    }
    if (field.tag === '16S') {
      const name = field.value.trim();
      const open = state.stack.pop();
      if (open === undefined || open.name !== name) {
        state.broken = new Mt535Refused(field.line, ':16S:', open ? `:16S:${name} closes ${open.name}, opened on line ${open.line}` : `:16S:${name} closes a sequence that was never opened`, name);
        // Part of the message was handed on already: it cannot be dropped alone, so the file is refused.
        if (state.statement !== null) throw state.broken;
        issues.error(state.broken.line, state.broken.field, state.broken.reason, state.broken.value);
        return;
      }
      if (name === 'FIN' && state.instrument !== null) {
        const raw = instrumentToHolding(state.instrument, issues);
        if (raw !== null) state.rawHoldings.push(raw);
        state.instrument = null;
        if (state.rawHoldings.length >= MESSAGE_HOLDINGS_HELD && state.stack.every((entry) => entry.name !== 'GENL')) handOn(state);
      }
      return;
    }
    const sequence = state.stack[state.stack.length - 1]?.name;
    if (sequence === 'GENL') readGeneralField(field, state.message, issues);
    else if (state.instrument !== null && sequence === 'FIN') readInstrumentField(field, state.instrument, issues);
    else if (state.instrument !== null && sequence === 'FIA') readAttributeField(field, state.instrument);
  };

  /** A block-4 line: a field starts with ":tag:" at the start of a line and may continue on the next lines. */
  const readLine = (state: MessageInProgress, line: string, at: number) => {
    const fieldStart = FIELD_START.exec(line);
    if (fieldStart) {
      if (state.pending !== null) readField(state, state.pending);
      state.pending = { tag: fieldStart[1] ?? '', value: fieldStart[2] ?? '', line: at };
    } else if (state.pending !== null && line.trim() !== '' && line.trim() !== '-') {
      state.pending.value += `\n${line}`;
    }
  };

  /** Checks the message's instruments read so far and hands them on, finding repeats in file order. */
  const handOn = (state: MessageInProgress) => {
    const message = state.message;
    if (state.statement === null) {
      const key = `${message.accountId ?? ''}\u0000${message.asOf ?? ''}`;
      state.statement = statementKeys.get(key) ?? statementKeys.size;
      statementKeys.set(key, state.statement);
    }
    const statement = state.statement;
    for (const raw of state.rawHoldings) {
      const holding = validateHolding(raw, issues, readSwiftNumber);
      if (holding === null) continue;
      if (raw.marketValueInOtherCurrency === true) state.valuesInOtherCurrency += 1;
      const instrument = instrumentKey(holding);
      if (instrument !== null) {
        let seen = firstLines.get(statement);
        if (seen === undefined) firstLines.set(statement, (seen = new Map()));
        const earlier = seen.get(instrument.key);
        if (earlier !== undefined) {
          issues.error(holding.line, ':35B:', `${instrument.label} already appears on line ${earlier}; a statement lists each holding once`, instrument.value);
          continue;
        }
        seen.set(instrument.key, holding.line);
      }
      onHolding(statement, message.page?.number ?? 1, holding);
    }
    state.rawHoldings = [];
  };

  const closeMessage = (state: MessageInProgress, atEndOfFile: boolean) => {
    if (state.pending !== null) readField(state, state.pending);
    state.pending = null;
    // Bare block-4 text that ends inside a sequence was cut short: a part of it is not worth importing.
    const cutShort = atEndOfFile && mode === 'bare';
    if (state.broken !== null && cutShort) throw state.broken;
    if (state.fieldCount === 0 || state.broken !== null) return;
    if (state.stack.length > 0) {
      const open = state.stack[state.stack.length - 1] as { name: string; line: number };
      const reason = `sequence ${open.name} opened here is never closed with :16S:${open.name} (is the file cut short?)`;
      if (cutShort || state.statement !== null) throw new Mt535Refused(open.line, ':16R:', reason, open.name);
      issues.error(open.line, ':16R:', reason, open.name);
      return;
    }
    const message = state.message;
    messageCount += 1;
    if (message.page === null) issues.warning(message.line, ':28E:', 'the message has no page number (:28E:); read as a single-page statement');
    handOn(state);
    const statement = state.statement as number;
    if (state.valuesInOtherCurrency > 0) message.notes.push(`${state.valuesInOtherCurrency} holding value(s) in another currency than the price left out`);
    pages.push(keptPage(message, statement));
    forgetWhenComplete(statement, message);
  };

  /** FIN envelopes: "{1:" opens a message, "{2:O535" names its type, "{4:" opens its text, "-}" alone at a line start closes it. */
  const readFinLine = (line: string, at: number) => {
    let rest = line;
    for (;;) {
      if (finState === 'seekHeader') {
        const header = rest.indexOf('{1:');
        if (header < 0) return;
        finState = 'header';
        headerLine = at;
        headerType = undefined;
        rest = rest.slice(header + 3);
      }
      if (finState === 'header') {
        const body = rest.indexOf('{4:');
        headerType ??= MESSAGE_TYPE.exec(body < 0 ? rest : rest.slice(0, body))?.[1];
        if (body < 0) return;
        if (headerType !== undefined && headerType !== '535') {
          throw new Mt535Refused(headerLine, '{2:', `the message is an MT${headerType}, not an MT535 statement of holdings`, `MT${headerType}`);
        }
        finState = 'body';
        bodyLine = at;
        current = openMessage();
        // The rest of the "{4:" line is the text's first line; it cannot close the block (no line break before it).
        readLine(current, rest.slice(body + 3), at);
        return;
      }
      if (!rest.startsWith('-}')) {
        readLine(current as MessageInProgress, rest, at);
        return;
      }
      closeMessage(current as MessageInProgress, false);
      current = null;
      finState = 'seekHeader';
      rest = rest.slice(2);
    }
  };

  const readBareLine = (line: string, at: number) => {
    if (GENL_START.test(line)) {
      if (current === null) {
        if (leadingText && !leadingReference) issues.warning(1, '', 'text before the first :16R:GENL is ignored');
      } else {
        closeMessage(current, false);
      }
      current = openMessage();
    }
    if (current !== null) {
      readLine(current, line, at);
    } else if (/\S/.test(line)) {
      leadingText = true;
      if (/^:20C?:/.test(line)) leadingReference = true;
    }
  };

  const readTextLine = (line: string, at: number) => {
    if (mode === 'unknown') {
      if (!/\S/.test(line)) return;
      mode = /^\s*\{1:/.test(line) ? 'fin' : 'bare';
      detected.envelope = mode === 'fin' ? 'FIN (blocks 1, 2, 4)' : 'block 4 text';
    }
    if (mode === 'fin') readFinLine(line, at);
    else readBareLine(line, at);
  };

  /** Splits decoded text into lines (\r\n, \n or \r); a trailing \r waits for the next chunk. */
  const readText = (text: string, final: boolean) => {
    const all = carry + text;
    const breaks = /\r\n|\n|\r/g;
    let from = 0;
    for (let match = breaks.exec(all); match !== null; match = breaks.exec(all)) {
      if (!final && match[0] === '\r' && match.index === all.length - 1) break;
      readTextLine(all.slice(from, match.index), lineNumber);
      lineNumber += 1;
      from = match.index + match[0].length;
    }
    carry = all.slice(from);
    if (final) {
      readTextLine(carry, lineNumber);
      carry = '';
    }
  };

  const feed = (bytes: Uint8Array, final: boolean) => {
    if (refused !== null) return;
    try {
      if (decoder === null) {
        // Three bytes decide the byte order mark; a file may come one byte at a time.
        const joined = new Uint8Array((head as Uint8Array).length + bytes.length);
        joined.set(head as Uint8Array);
        joined.set(bytes, (head as Uint8Array).length);
        if (joined.length < 3 && !final) {
          head = joined;
          return;
        }
        head = null;
        startDecoding(joined);
        bytes = joined;
      }
      const text = decode(bytes, final);
      if (text === null) return;
      readText(text, final);
    } catch (error) {
      if (!(error instanceof Mt535Refused)) throw error;
      refused = error;
    }
  };

  return {
    push(chunk) {
      // A piece at a time: the text of a 1 MB chunk would be a string in V8's large-object space, freed only by
      // a full collection (see PIECE_BYTES).
      for (let at = 0; at < chunk.length && refused === null; at += PIECE_BYTES) feed(chunk.subarray(at, at + PIECE_BYTES), false);
    },
    end() {
      feed(new Uint8Array(0), true);
      const result = (fatal: boolean, statements: HoldingsStatement[], from: IssueCollector): StreamedHoldingsFile => ({
        format: 'mt535',
        detected,
        statements,
        issues: from.toArray(),
        fatal,
      });
      const refuse = (reason: Mt535Refused) => {
        const one = new IssueCollector();
        one.error(reason.line, reason.field, reason.reason, reason.value);
        return result(true, [], one);
      };
      if (refused === null) {
        if (mode === 'unknown') refused = new Mt535Refused(1, '', 'the file is empty');
        else if (mode === 'fin' && finState === 'header') refused = new Mt535Refused(headerLine, '{4:', 'a message has no text block {4:…} (is the file cut short?)');
        else if (mode === 'fin' && finState === 'body') refused = new Mt535Refused(bodyLine, '{4:', 'the text block {4:… is not closed with "-}" (is the file cut short?)');
        else if (mode === 'bare' && current === null) refused = new Mt535Refused(1, ':16R:GENL', 'the file has no MT535 message (no :16R:GENL line)');
      }
      if (refused === null && current !== null) {
        try {
          closeMessage(current, true);
        } catch (error) {
          if (!(error instanceof Mt535Refused)) throw error;
          refused = error;
        }
        current = null;
      }
      if (refused !== null) return refuse(refused);
      detected.messages = String(messageCount);
      if (messageCount === 0) {
        if (issues.errorCount === 0) issues.error(1, ':16R:', 'the file has no MT535 message (no :16R:GENL sequence)');
        return result(false, [], issues);
      }
      return result(false, joinPages(pages, issues), issues);
    },
  };
}

function countLineBreaks(text: string): number {
  return text.match(/\r\n|\n|\r/g)?.length ?? 0;
}

const QUALIFIED = /^:([A-Z0-9]{4})\/([A-Z0-9]{0,8})\/([\s\S]*)$/;

function qualified(field: SwiftField): { qualifier: string; issuer: string; data: string } | null {
  const match = QUALIFIED.exec(field.value);
  return match ? { qualifier: match[1] ?? '', issuer: match[2] ?? '', data: (match[3] ?? '').trim() } : null;
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
function joinPages(pages: (Mt535Message & { statement: number })[], issues: IssueCollector): HoldingsStatement[] {
  const groups: Mt535Message[][] = [];
  for (const page of pages) (groups[page.statement] ??= []).push(page);
  const statements: HoldingsStatement[] = [];
  for (const group of groups) {
    const first = group[0] as Mt535Message;
    group.sort((a, b) => (a.page?.number ?? 1) - (b.page?.number ?? 1));
    const statement: HoldingsStatement = { accountId: first.accountId, asOf: first.asOf, holdings: [], cash: [], notes: [] };
    requireStatementDate(statement, first.dateLine, ':98A::STAT', issues);
    if (first.accountId === null) issues.warning(first.line, ':97A::SAFE', 'the statement names no safekeeping account (:97A::SAFE//); choose the account when importing');
    checkPages(group, issues);
    const numbers = group.map((page) => page.page?.number ?? 1);
    statement.notes.push(group.length === 1 ? 'page 1 of 1' : `pages ${numbers.join(', ')} joined`);
    const references = [...new Set(group.map((page) => page.reference).filter((reference): reference is string => reference !== null))];
    if (references.length > 0) statement.notes.push(`statement reference ${references.join(', ')}`);
    for (const note of new Set(group.flatMap((page) => page.notes))) statement.notes.push(note);
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
