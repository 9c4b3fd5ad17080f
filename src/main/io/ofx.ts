import { readIsoDate } from './dates';
import { type DecimalReading, readDecimal } from './decimal';
import { type FieldValue, type RawHolding, instrumentKey, requireStatementDate, validateCash, validateHolding } from './holding-checks';
import type { HoldingsFile, HoldingsStatement } from './holdings';
import { readWhole, type HoldingsStreamOptions, type HoldingsStreamReader, type StreamedHoldingsFile } from './holdings-stream';
import type { FileIssue } from '../../shared/errors';
import { IssueCollector, MAX_LISTED_ERRORS } from './report';
import {
  XML_MAX_DEPTH,
  XML_MAX_VALUE_CHARS,
  type XmlElement,
  asciiHead,
  byteOrderMark,
  childElement,
  childText,
  decodeXmlEntities,
  encodingFromLabel,
  pathElement,
} from './xml';
import { createXmlStream, type XmlStream } from './xml-stream';
import { LineCounter } from './encoding';

/**
 * OFX / QFX investment statements (OFX 1.x SGML and OFX 2.x XML; QFX is OFX with Intuit's extra tags).
 * Reads every INVSTMTRS into a statement: positions from INVPOSLIST, names and tickers from SECLIST,
 * the account from INVACCTFROM, the date from DTASOF and cash from INVBAL AVAILCASH.
 *
 * OFX conventions that shape the result (OFX 2.1.1 §13.9.2.6.1):
 * - POSDEBT: UNITS is the face amount and UNITPRICE a percentage of par → quantityType FAMT, percent price;
 * - POSOPT: UNITS are contracts and UNITPRICE is per underlying share; the stored price is per contract
 *   (× SHPERCTRCT from OPTINFO, 100 when the file has none) so quantity × price is the value;
 * - dates are `YYYYMMDD[HHMMSS[.XXX]][[offset:TZ]]`; the as-of date is the calendar day as written
 *   (the statement's own date), not converted to UTC.
 */
export function parseOfx(input: Uint8Array | string, fileName: string): HoldingsFile {
  return readWhole((options) => createOfxReader(fileName, options, { fromText: typeof input === 'string' }), input);
}

/**
 * The streaming OFX reader (issue 10): the file is read from disk in chunks, twice, and never held whole.
 *
 * OFX puts the security list (SECLIST, the positions' names, tickers and option sizes) after the statements,
 * so the first pass reads the structure and the security list, and the second reads the statements and hands
 * each position on as its element completes. Results, issues (their order included) and refusals are those
 * of the former whole-file reader:
 * - OFX 1.x (SGML: a header block, then tags whose leaf elements need no end tag) goes through a small
 *   tokenizer. An SGML element without content and without an end tag is an empty leaf — which is only known
 *   when an enclosing end tag arrives; the first pass records which elements those were, so the second sees
 *   the final tree as it streams. The header's ENCODING/CHARSET choose the decoder (a byte order mark wins).
 * - OFX 2.x (XML) goes through xml-stream (saxes): a malformed file is refused as it is for Flex and
 *   semt.002, with saxes' wording of the problem.
 * Anything refused as a whole (undecodable, malformed, cut short, too deep, compressed or encrypted) is found
 * by the first pass, before any holding is handed on.
 */
export function createOfxReader(fileName: string, options: HoldingsStreamOptions, source: { fromText?: boolean } = {}): HoldingsStreamReader {
  void fileName; // messages are addressed by the caller's formatIssue, which names the file
  return new OfxReader(options, source.fromText === true);
}

// ---------------------------------------------------------------------------------------------------
// Bytes → dialect

/** Bytes decoded at a time (see OfxReader.feedPieces): their text stays below V8's large-object size. */
const PIECE_BYTES = 32 * 1024;

/** Bytes read before the dialect is chosen (the former reader looked at the first 4 KB, 8 KB for UTF-16). */
const SNIFF_BYTES = 8192;

type Plan =
  | { dialect: 'sgml'; encoding: string }
  | { dialect: 'bare'; encoding: string }
  | { dialect: 'xml' }
  | { dialect: 'refused' };

/** The file's first characters, for the header (UTF-16 by its byte-order mark, else as ASCII). */
export function headText(bytes: Uint8Array): string {
  const bom = byteOrderMark(bytes);
  if (bom === 'utf-16le' || bom === 'utf-16be') {
    try {
      return new TextDecoder(bom).decode(bytes.subarray(0, 8192));
    } catch {
      return '';
    }
  }
  return asciiHead(bytes, 4096);
}

/** The dialect and decoder from the file's first bytes, with the header's warnings and refusals. */
function planFor(bytes: Uint8Array, fromText: boolean, issues: IssueCollector, detected: Record<string, string>): Plan {
  const head = fromText ? new TextDecoder().decode(bytes.subarray(0, 4096 * 3)).slice(0, 4096) : headText(bytes);
  const trimmedHead = head.replace(/^\uFEFF/, '').trimStart();
  const bom = fromText ? null : byteOrderMark(bytes);
  if (/^OFXHEADER\s*:/i.test(trimmedHead)) {
    const headerBlock = trimmedHead.slice(0, Math.max(0, trimmedHead.search(/</)) || trimmedHead.length);
    const header = new Map<string, string>();
    for (const match of headerBlock.matchAll(/([A-Z]+)\s*:\s*([^\s<]*)/gi)) header.set((match[1] ?? '').toUpperCase(), match[2] ?? '');
    const version = header.get('VERSION');
    if (version) detected.version = version;
    const data = header.get('DATA');
    if (data && data.toUpperCase() !== 'OFXSGML') issues.warning(1, 'DATA', `the OFX header says DATA:${data}; read as OFXSGML`, data);
    if ((header.get('COMPRESSION') ?? 'NONE').toUpperCase() !== 'NONE') {
      issues.error(1, 'COMPRESSION', 'the OFX file is compressed; export it uncompressed', header.get('COMPRESSION'));
      return { dialect: 'refused' };
    }
    if ((header.get('SECURITY') ?? 'NONE').toUpperCase() !== 'NONE') {
      issues.error(1, 'SECURITY', 'the OFX file uses message-level security (encrypted); export it without', header.get('SECURITY'));
      return { dialect: 'refused' };
    }
    if (fromText) return { dialect: 'sgml', encoding: 'utf-8' };
    const encodingLabel = (header.get('ENCODING') ?? 'USASCII').toUpperCase();
    const charset = header.get('CHARSET') ?? '1252';
    let encoding: string | null;
    if (encodingLabel === 'UTF-8' || encodingLabel === 'UTF8' || encodingLabel === 'UNICODE') encoding = 'utf-8';
    else if (encodingLabel === 'USASCII') encoding = encodingFromLabel(charset) ?? (charset.toUpperCase() === 'NONE' ? 'windows-1252' : null);
    else encoding = null;
    if (encoding === null) {
      issues.error(1, 'CHARSET', `the OFX header names encoding ${encodingLabel} / charset ${charset}, which Ballast does not read`, `${encodingLabel}/${charset}`);
      return { dialect: 'refused' };
    }
    return { dialect: 'sgml', encoding: bom ?? encoding };
  }
  if (/^<\?xml/i.test(trimmedHead) || /<\?OFX/i.test(trimmedHead)) return { dialect: 'xml' };
  if (/<OFX>/i.test(head)) return { dialect: 'bare', encoding: fromText ? 'utf-8' : (bom ?? 'utf-8') };
  issues.error(1, 'OFXHEADER', 'the file is not OFX: it has neither an "OFXHEADER:100" header nor an <?OFX …?> declaration nor an <OFX> element');
  return { dialect: 'refused' };
}

/**
 * Strict decoding chunk by chunk: a file that is not valid in its encoding is reported with the line of the
 * first bad byte (UTF-8), never read with replacement characters that would silently change a name.
 */
class ChunkDecoder {
  private readonly decoder: TextDecoder;
  private readonly lenient: TextDecoder | null;
  private readonly lines = new LineCounter();
  failure: { line: number; reason: string } | null = null;

  constructor(
    readonly encoding: string,
    /** Whether a failure needs its line (the first pass); the second reads a file already decoded once. */
    locate: boolean,
  ) {
    this.decoder = new TextDecoder(encoding, { fatal: true });
    this.lenient = locate && encoding === 'utf-8' ? new TextDecoder('utf-8') : null;
  }

  decode(bytes: Uint8Array, final: boolean): string | null {
    if (this.failure !== null) return null;
    try {
      const text = this.decoder.decode(bytes, { stream: !final });
      if (this.lenient !== null) {
        this.lenient.decode(bytes, { stream: !final });
        this.count(text);
      }
      return text;
    } catch {
      if (this.lenient !== null) {
        const seen = this.lenient.decode(bytes, { stream: !final });
        const badAt = seen.indexOf('\uFFFD');
        this.count(badAt < 0 ? '' : seen.slice(0, badAt));
        this.failure = { line: this.lines.current, reason: 'the file is not valid UTF-8 text (wrong encoding, or not a text file)' };
      } else {
        this.failure = { line: 1, reason: `the file cannot be read as ${this.encoding} text` };
      }
      return null;
    }
  }

  private count(text: string): void {
    this.lines.advance(text);
  }
}

// ---------------------------------------------------------------------------------------------------
// OFX 1.x SGML → elements, as a stream

interface SgmlElement extends XmlElement {
  text: string;
  children: XmlElement[];
  /** Children the element has in the whole tree, kept or not (for the "never closed" report). */
  childCount: number;
  /** Start tags without content are numbered in file order (the first pass records which were empty leaves). */
  ordinal: number;
}

const NO_ATTRIBUTES: ReadonlyMap<string, string> = new Map();

function sgmlElement(name: string, line: number, text: string, ordinal: number): SgmlElement {
  return { name, qualifiedName: name, namespace: null, attributes: NO_ATTRIBUTES, children: [], text, line, childCount: 0, ordinal };
}

/**
 * What a pass does with elements. `open` sees an element at its start tag (depth 1 = OFX); `adopt` sees it
 * complete as a child of `depth - 1` and returns false to drop it; `moved` is set when an element already
 * complete is handed to an outer element because the one around it proved an empty leaf (`implicit`).
 */
interface ElementHandler {
  open(element: XmlElement, depth: number): void;
  adopt(element: XmlElement, depth: number, moved: boolean): boolean;
  implicit?(element: XmlElement, depth: number): void;
}

interface SgmlOptions {
  maxDepth: number;
  /** Second pass: start tags the first pass found to be empty leaves (read as leaves at once). */
  isEmptyLeaf?: (ordinal: number) => boolean;
  /** First pass: told each start tag that proved an empty leaf. */
  onEmptyLeaf?: (ordinal: number) => void;
}

/**
 * OFX 1.x SGML as a stream of text. Leaf elements ("<CODE>0") usually have no end tag; aggregates always
 * do. A start tag followed by text is a leaf (an optional matching end tag is consumed); one followed by
 * another tag is opened as an aggregate. An element still open when an outer end tag arrives was an empty
 * leaf: it is closed there and anything read inside it is handed back to its parent.
 */
class SgmlReader {
  private buffer = '';
  /** Line counting: `lines` has counted the buffer up to `scanned`. */
  private scanned = 0;
  private readonly lines = new LineCounter();
  private started = false;
  private finished = false;
  private trailing: number | null = null;
  private trailingReported = false;
  private readonly stack: SgmlElement[];
  private ordinals = 0;
  failed = false;
  root: SgmlElement | null = null;

  constructor(
    private readonly issues: IssueCollector,
    private readonly handler: ElementHandler,
    private readonly options: SgmlOptions,
  ) {
    this.stack = [sgmlElement('#document', 1, '', -1)];
  }

  write(text: string): void {
    if (this.failed || text === '') return;
    this.buffer = this.buffer === '' ? text : this.buffer + text;
    this.run(false);
  }

  /** The end of the text: the last tokens, then what is still open. */
  end(): void {
    if (this.failed) return;
    this.run(true);
    if (this.failed) return;
    if (!this.started) {
      this.fail(1, 'OFX', 'the file has no <OFX> element');
      return;
    }
    const stack = this.stack;
    if (stack.length > 1) {
      // Unclosed elements with content are aggregates the file never finished; childless ones were empty leaves.
      const open = stack.slice(1).reverse();
      const unfinished = open.find((element) => element.childCount > 0) ?? stack[1];
      if (unfinished !== undefined) this.fail(unfinished.line, unfinished.name, `<${unfinished.name}> is never closed (is the file cut short?)`);
      return;
    }
    if (this.root === null) this.fail(1, 'OFX', 'the file has no <OFX> element');
  }

  private fail(line: number, field: string, reason: string, value?: string): void {
    if (this.failed) return;
    this.failed = true;
    this.issues.error(line, field, reason, value);
  }

  /** 1-based line of buffer[offset]; offsets asked for only grow. */
  private lineAt(offset: number): number {
    this.lines.advance(this.buffer, this.scanned, offset);
    this.scanned = offset;
    return this.lines.current;
  }

  /** Drops the text before `offset` (read), keeping the line count. */
  private consume(offset: number): void {
    if (offset === 0) return;
    this.lineAt(offset);
    this.buffer = this.buffer.slice(offset);
    this.scanned = 0;
  }

  private run(final: boolean): void {
    let text = this.buffer;
    let i = 0;
    if (this.finished) {
      this.afterEnd(text, 0);
      return;
    }
    if (!this.started) {
      const start = text.search(/<OFX>/i);
      if (start < 0) {
        // "<OFX>" may straddle two chunks: keep the last few characters.
        this.consume(Math.max(0, text.length - 4));
        return;
      }
      this.started = true;
      i = start;
    }
    const { maxDepth, isEmptyLeaf } = this.options;
    const stack = this.stack;
    for (;;) {
      const open = text.indexOf('<', i);
      if (open < 0) {
        i = text.length;
        break;
      }
      const close = text.indexOf('>', open + 1);
      const nextOpen = text.indexOf('<', open + 1);
      if (close < 0 || (nextOpen >= 0 && nextOpen < close)) {
        // More text may close the tag — or show that it never is; the report quotes 40 characters.
        if (!final && (close < 0 || text.length < open + 40)) {
          i = open;
          break;
        }
        this.fail(this.lineAt(open), '', `a tag is not closed with ">"${close < 0 ? ' (is the file cut short?)' : ''}`, text.slice(open, open + 40));
        return;
      }
      const tag = text.slice(open + 1, close).trim();
      if (tag.startsWith('!') || tag.startsWith('?')) {
        i = close + 1;
        continue;
      }
      const isEnd = tag.startsWith('/');
      const name = (isEnd ? tag.slice(1) : tag).trim().toUpperCase();
      if (!/^[A-Z0-9][A-Z0-9._-]*$/.test(name)) {
        this.fail(this.lineAt(open), '', `"<${tag}>" is not an OFX tag`, `<${tag}>`);
        return;
      }
      if (isEnd) {
        const line = this.lineAt(open);
        if (this.closeTag(name, line)) {
          this.finished = true;
          this.afterEnd(text, close + 1);
          return;
        }
        i = close + 1;
        continue;
      }
      const valueEnd = nextOpen >= 0 ? nextOpen : text.indexOf('<', close + 1);
      if (valueEnd < 0 && !final) {
        i = open;
        break;
      }
      const value = text.slice(close + 1, valueEnd < 0 ? text.length : valueEnd).trim();
      const parent = stack[stack.length - 1] as SgmlElement;
      if (value !== '') {
        // The optional end tag must be whole in the buffer before it is looked for.
        if (!final && text.length < valueEnd + name.length + 18) {
          i = open;
          break;
        }
        // A copy: a value cut from the buffer would keep the whole buffer alive as long as it is kept.
        const element = sgmlElement(name, this.lineAt(open), own(decodeXmlEntities(value)), -1);
        parent.childCount += 1;
        this.handler.open(element, stack.length);
        this.adopt(element, parent, stack.length, false);
        i = valueEnd < 0 ? text.length : afterOptionalEndTag(text, valueEnd, name);
        continue;
      }
      const ordinal = this.ordinals++;
      const element = sgmlElement(name, this.lineAt(open), '', ordinal);
      parent.childCount += 1;
      if (isEmptyLeaf?.(ordinal) === true) {
        this.handler.open(element, stack.length);
        this.adopt(element, parent, stack.length, false);
        i = close + 1;
        continue;
      }
      if (stack.length > maxDepth) {
        this.fail(element.line, name, `OFX elements are nested more than ${maxDepth} levels deep; the file is refused`);
        return;
      }
      stack.push(element);
      this.handler.open(element, stack.length - 1);
      i = close + 1;
    }
    this.consume(i);
    text = this.buffer;
    if (!final && text.length > XML_MAX_VALUE_CHARS) {
      this.fail(this.lineAt(0), '', `a value or tag is longer than ${(XML_MAX_VALUE_CHARS / (1024 * 1024)).toFixed(1)} MB; no holdings file has such a field, so the file is refused`);
    }
  }

  /** Closes `name` and any empty leaves inside it; true when that was the root. */
  private closeTag(name: string, line: number): boolean {
    const stack = this.stack;
    let index = stack.length - 1;
    while (index > 0 && stack[index]?.name !== name) index -= 1;
    if (index === 0) {
      this.issues.warning(line, name, `</${name}> closes an element that is not open; ignored`);
      return false;
    }
    while (stack.length - 1 > index) {
      const implicit = stack.pop() as SgmlElement;
      const owner = stack[stack.length - 1] as SgmlElement;
      this.options.onEmptyLeaf?.(implicit.ordinal);
      this.handler.implicit?.(implicit, stack.length);
      const children = implicit.children;
      implicit.children = [];
      owner.childCount += implicit.childCount;
      implicit.childCount = 0;
      this.adopt(implicit, owner, stack.length, false);
      // A loop, not push(...spread): a spread of many children would overflow the call stack.
      for (const child of children) this.adopt(child, owner, stack.length, true);
    }
    const closed = stack.pop() as SgmlElement;
    this.adopt(closed, stack[stack.length - 1] as SgmlElement, stack.length, false);
    return stack.length === 1 && name === 'OFX';
  }

  private adopt(element: XmlElement, owner: SgmlElement, depth: number, moved: boolean): void {
    if (depth === 1) {
      // The document keeps its first element, the root; anything after it is not read.
      this.root ??= element as SgmlElement;
      this.handler.adopt(element, depth, moved);
      return;
    }
    if (this.handler.adopt(element, depth, moved)) owner.children.push(element);
  }

  /** After </OFX>: any text but white space is reported once (as the former reader did), and not read. */
  private afterEnd(text: string, from: number): void {
    if (this.trailing === null) this.trailing = this.lineAt(from);
    if (!this.trailingReported && /\S/.test(from === 0 ? text : text.slice(from))) {
      this.issues.warning(this.trailing, '', 'text after </OFX> is ignored');
      this.trailingReported = true;
    }
    this.buffer = '';
    this.scanned = 0;
  }
}

/** Skips `</NAME>` at `at` when it closes the leaf just read (OFX 1.x allows but does not require it). */
function afterOptionalEndTag(text: string, at: number, name: string): number {
  if (text.charCodeAt(at) !== 60 || text.charCodeAt(at + 1) !== 47) return at;
  const close = text.indexOf('>', at + 2);
  if (close < 0 || close - at > name.length + 16) return at;
  return text.slice(at + 2, close).trim().toUpperCase() === name ? close + 1 : at;
}

/** OFX 1.x SGML text → element tree, whole (the tests' view of the tokenizer); null when refused. */
export function sgmlToTree(text: string, issues: IssueCollector, maxDepth = XML_MAX_DEPTH): XmlElement | null {
  const reader = new SgmlReader(issues, { open: () => undefined, adopt: () => true }, { maxDepth });
  reader.write(text);
  reader.end();
  return reader.failed ? null : reader.root;
}

// ---------------------------------------------------------------------------------------------------
// First pass: the security list, and which statements name their currency only after their positions

/** One child of a SECLIST as the former reader saw it: a security, or a warning about an entry without SECID. */
type SecurityEntry = { key: string; info: SecurityInfo } | { key: null; line: number; name: string };

interface FirstFrame {
  name: string;
  /** Under a second top-level element (after the root): not part of the statement, not read. */
  outside: boolean;
  /** Somewhere inside a SECLIST: kept until the SECLIST's entry around it is read. */
  inSecurityList: boolean;
  /** A SECLIST: its entries, in order. */
  entries: SecurityEntry[] | null;
  /** An INVSTMTRS: its number in file order, and whether a position list has started inside it. */
  statement: number;
  positionsStarted: boolean;
}

class FirstPass implements ElementHandler {
  private readonly frames: FirstFrame[] = [{ name: '#document', outside: false, inSecurityList: false, entries: null, statement: -1, positionsStarted: false }];
  private rootSeen = false;
  /** Each SECLIST's entries, in the order the SECLISTs start (the former reader's `descendants` order). */
  readonly lists: SecurityEntry[][] = [];
  private statements = 0;
  /** Statements with a CURDEF after their position list began: their positions wait for the statement's end. */
  readonly lateCurrency = new Set<number>();

  open(element: XmlElement, depth: number): void {
    const parent = this.frames[depth - 1] as FirstFrame;
    const frame: FirstFrame = {
      name: element.name,
      outside: parent.outside || (depth === 1 && this.rootSeen),
      inSecurityList: parent.inSecurityList || parent.entries !== null,
      entries: null,
      statement: -1,
      positionsStarted: false,
    };
    if (depth === 1) this.rootSeen = true;
    this.frames[depth] = frame;
    if (frame.outside) return;
    if (element.name === 'SECLIST') {
      frame.entries = [];
      this.lists.push(frame.entries);
    } else if (element.name === 'INVSTMTRS') {
      frame.statement = this.statements++;
    } else if (element.name === 'INVPOSLIST') {
      for (let d = 1; d < depth; d++) if ((this.frames[d] as FirstFrame).statement >= 0) (this.frames[d] as FirstFrame).positionsStarted = true;
    } else if (element.name === 'CURDEF') {
      for (let d = 1; d < depth; d++) {
        const around = this.frames[d] as FirstFrame;
        if (around.statement >= 0 && around.positionsStarted) this.lateCurrency.add(around.statement);
      }
    }
  }

  adopt(element: XmlElement, depth: number): boolean {
    const owner = this.frames[depth - 1] as FirstFrame;
    if (owner.entries !== null) {
      if ((INFO_KINDS as readonly string[]).includes(element.name)) owner.entries.push(securityEntry(element));
      return false;
    }
    return owner.inSecurityList;
  }

  /** A SECLIST that proved an empty leaf has no entries: they belong to the element around it. */
  implicit(element: XmlElement, depth: number): void {
    const frame = this.frames[depth] as FirstFrame;
    if (frame.entries === null) return;
    const moved = frame.entries.splice(0);
    const owner = this.frames[depth - 1] as FirstFrame;
    if (owner.entries !== null) for (const entry of moved) owner.entries.push(entry);
  }

  /** The securities by key (first entry wins), with the warnings about entries without SECID. */
  securities(issues: IssueCollector): Map<string, SecurityInfo> {
    const securities = new Map<string, SecurityInfo>();
    for (const list of this.lists) {
      for (const entry of list) {
        if (entry.key === null) issues.warning(entry.line, entry.name, `a ${entry.name} entry in SECLIST has no SECID; ignored`);
        else if (!securities.has(entry.key)) securities.set(entry.key, entry.info);
      }
    }
    return securities;
  }
}

function securityEntry(info: XmlElement): SecurityEntry {
  const secInfo = childElement(info, 'SECINFO');
  const secId = secInfo === null ? null : childElement(secInfo, 'SECID');
  const key = secId === null ? null : securityKey(secId);
  if (secInfo === null || key === null) return { key: null, line: info.line, name: info.name };
  const currency = childElement(secInfo, 'CURRENCY') ?? childElement(secInfo, 'ORIGCURRENCY');
  const name = childText(secInfo, 'SECNAME');
  // Copies: a string cut from a chunk of the file would keep the whole chunk alive for the rest of the read.
  return {
    key: own(key),
    info: {
      ticker: ownField(fieldOf(secInfo, 'TICKER')),
      name: name === null ? null : own(name),
      kind: info.name,
      contractSize: ownField(fieldOf(info, 'SHPERCTRCT')),
      currency: ownField(currency === null ? null : fieldOf(currency, 'CURSYM')),
    },
  };
}

/** A flat copy of a string (V8 keeps a substring as a view of its parent). */
function own(text: string): string {
  return text.length < 13 ? text : (` ${text}`).slice(1);
}

function ownField(field: FieldValue | null): FieldValue | null {
  return field === null ? null : { text: own(field.text), line: field.line, field: field.field };
}

// ---------------------------------------------------------------------------------------------------
// Second pass: statements and positions

/** A statement while its elements stream past; its issues are kept apart and put in the former order at the end. */
interface StatementInProgress {
  index: number;
  element: XmlElement;
  positionList: XmlElement | null;
  /** Positions read before the statement's currency: kept to its end (see FirstPass.lateCurrency). */
  held: XmlElement[] | null;
  head: IssueCollector;
  positions: IssueCollector;
  more: IssueCollector;
  duplicates: IssueCollector;
  tail: IssueCollector;
  unlisted: CappedWarnings;
  optionsWithoutContractSize: number;
  hasOptions: boolean;
  firstLines: Map<string, number>;
  result: HoldingsStatement | null;
}

interface SecondFrame {
  /** Under a second top-level element (after the root): not read. */
  outside: boolean;
  /** Kept in its parent when complete (what the statements, statuses and sign-on need, and positions). */
  retain: boolean;
  statement: StatementInProgress | null;
  /** The first INVPOSLIST of this statement: its children are the positions. */
  positionsOf: StatementInProgress | null;
  transaction: IssueCollector | null;
}

/** The children of INVSTMTRS the statement reads; everything else in it (transactions …) is dropped as it completes. */
const STATEMENT_FIELDS = new Set(['INVACCTFROM', 'DTASOF', 'CURDEF', 'INVPOSLIST', 'INVBAL']);

class SecondPass implements ElementHandler {
  private readonly frames: SecondFrame[] = [{ outside: false, retain: true, statement: null, positionsOf: null, transaction: null }];
  root: XmlElement | null = null;
  isOfx = false;
  quicken = false;
  bankStatement = false;
  readonly statements: StatementInProgress[] = [];
  readonly transactions: IssueCollector[] = [];

  constructor(
    private readonly securities: Map<string, SecurityInfo>,
    private readonly lateCurrency: ReadonlySet<number>,
    private readonly onHolding: HoldingsStreamOptions['onHolding'],
  ) {}

  open(element: XmlElement, depth: number): void {
    const parent = this.frames[depth - 1] as SecondFrame;
    const frame: SecondFrame = { outside: parent.outside || (depth === 1 && this.root !== null), retain: false, statement: null, positionsOf: null, transaction: null };
    this.frames[depth] = frame;
    if (depth === 1 && this.root === null) {
      this.root = element;
      this.isOfx = element.name.toUpperCase() === 'OFX';
    }
    if (!this.isOfx || frame.outside) return;
    const name = element.name;
    if (name === 'INTU.BID') this.quicken = true;
    else if (name === 'STMTRS' || name === 'CCSTMTRS') this.bankStatement = true;
    if (depth <= 1) frame.retain = true;
    else if (depth === 2) frame.retain = name === 'SIGNONMSGSRSV1';
    else if (parent.statement !== null) {
      frame.retain = STATEMENT_FIELDS.has(name);
      if (name === 'INVPOSLIST' && parent.statement.positionList === null) {
        parent.statement.positionList = element;
        frame.positionsOf = parent.statement;
      }
    } else if (parent.positionsOf !== null) frame.retain = true;
    else if (parent.transaction !== null) frame.retain = name === 'STATUS';
    else frame.retain = parent.retain;
    if (name === 'INVSTMTRS') {
      const index = this.statements.length;
      frame.statement = {
        index,
        element,
        positionList: null,
        held: this.lateCurrency.has(index) ? [] : null,
        head: new IssueCollector(),
        positions: new IssueCollector(),
        more: new IssueCollector(),
        duplicates: new IssueCollector(),
        tail: new IssueCollector(),
        unlisted: new CappedWarnings(),
        optionsWithoutContractSize: 0,
        hasOptions: false,
        firstLines: new Map(),
        result: null,
      };
      this.statements.push(frame.statement);
    } else if (name === 'INVSTMTTRNRS') {
      frame.transaction = new IssueCollector();
      this.transactions.push(frame.transaction);
    }
  }

  adopt(element: XmlElement, depth: number, moved: boolean): boolean {
    const owner = this.frames[depth - 1] as SecondFrame;
    const frame = moved ? null : (this.frames[depth] as SecondFrame);
    if (!this.isOfx || owner.outside || frame?.outside === true) return false;
    if (frame?.statement != null) {
      this.finishStatement(frame.statement);
      return false;
    }
    if (frame?.transaction != null) {
      reportStatus(element, frame.transaction, 'investment statement');
      return false;
    }
    if (owner.positionsOf !== null) {
      const statement = owner.positionsOf;
      if (statement.held !== null) statement.held.push(element);
      else this.position(statement, element);
      return false;
    }
    return moved ? owner.retain : (frame as SecondFrame).retain;
  }

  private position(statement: StatementInProgress, position: XmlElement): void {
    const issues = statement.positions;
    if (!(POSITION_KINDS as readonly string[]).includes(position.name)) {
      issues.warning(position.line, position.name, `<${position.name}> is not an OFX position type; ignored`);
      return;
    }
    const raw = readPosition(position, this.securities, fieldOf(statement.element, 'CURDEF'), issues, statement.unlisted);
    if (raw === null) return;
    if (position.name === 'POSOPT' && raw.priceMultiplier?.field === 'SHPERCTRCT (default)') statement.optionsWithoutContractSize += 1;
    const holding = validateHolding(raw, issues, readOfxNumber);
    if (holding === null) return;
    if (holding.securityType === 'OPT') statement.hasOptions = true;
    // A statement lists each holding once: the first is kept, later ones are errors (in file order).
    const key = instrumentKey(holding);
    if (key !== null) {
      const earlier = statement.firstLines.get(key.key);
      if (earlier !== undefined) {
        statement.duplicates.error(holding.line, 'UNIQUEID', `${key.label} already appears on line ${earlier}; a statement lists each holding once`, key.value);
        return;
      }
      statement.firstLines.set(key.key, holding.line);
    }
    this.onHolding(statement.index, holding);
  }

  private finishStatement(state: StatementInProgress): void {
    if (state.held !== null) {
      const held = state.held;
      state.held = null;
      for (const position of held) this.position(state, position);
    }
    state.firstLines.clear();
    const response = state.element;
    const issues = state.head;
    const statement = statementHead(response, issues);
    const notes = statement.notes;

    const positionList = state.positionList;
    if (state.unlisted.unreported > 0) {
      state.more.warning(positionList?.line ?? response.line, 'SECID', `${state.unlisted.unreported} more position(s) have no entry in the security list (SECLIST)`);
    }
    if (state.optionsWithoutContractSize > 0) {
      notes.push(`${state.optionsWithoutContractSize} option position(s) without SHPERCTRCT in SECLIST: ${DEFAULT_CONTRACT_SIZE} shares per contract assumed`);
    }
    if (state.hasOptions) notes.push('option prices are per contract (OFX premium per share × shares per contract)');

    const defaultCurrency = fieldOf(response, 'CURDEF');
    const balance = childElement(response, 'INVBAL');
    const cash = balance === null ? null : fieldOf(balance, 'AVAILCASH');
    if (cash !== null) {
      if (defaultCurrency === null) {
        state.tail.error(cash.line, 'CURDEF', 'the statement has a cash balance but no currency (CURDEF)');
      } else {
        const line = validateCash(cash, defaultCurrency, state.tail, readOfxNumber);
        if (line !== null) statement.cash.push(line);
      }
    }
    if (positionList === null && cash === null) {
      state.tail.warning(response.line, 'INVPOSLIST', 'the statement has no position list (INVPOSLIST) and no cash balance');
    }
    // Flat copies: the statement is kept to the end of the file, and a string cut from a chunk would keep the chunk.
    statement.accountId = statement.accountId === null ? null : own(statement.accountId);
    statement.asOf = statement.asOf === null ? null : own(statement.asOf);
    statement.notes = statement.notes.map(own);
    statement.cash = statement.cash.map((line) => ({ ...line, currency: own(line.currency), amount: own(line.amount) }));
    state.result = statement;
    // Only the statement's facts stay; its elements are released.
    state.element = { ...response, children: [] };
    state.positionList = positionList === null ? null : { ...positionList, children: [] };
  }
}

/** Issues of several collectors as one collector would have listed them in this order (errors past the cap counted). */
function joinIssues(parts: IssueCollector[]): IssueCollector {
  const joined = new IssueCollector();
  for (const part of parts) {
    const issues = part.toArray();
    // Past the cap a collector ends with its "N more problems not listed" line: those are counted again here.
    const listed = part.errorCount > MAX_LISTED_ERRORS ? issues.length - 1 : issues.length;
    for (let i = 0; i < listed; i++) {
      const issue = issues[i] as FileIssue;
      if (issue.severity === 'error') joined.error(issue.line, issue.field, issue.reason, issue.value);
      else joined.warning(issue.line, issue.field, issue.reason, issue.value);
    }
    for (let unlisted = part.errorCount - MAX_LISTED_ERRORS; unlisted > 0; unlisted--) joined.error(0, '', 'not listed');
  }
  return joined;
}

// ---------------------------------------------------------------------------------------------------
// The reader: sniff, first pass, second pass

/** The XML side of a pass: xml-stream's events turned into the handlers' (the root's parent is depth 0). */
function xmlPass(issues: IssueCollector, handler: ElementHandler, encoding: string | undefined): XmlStream {
  return createXmlStream(
    issues,
    {
      onStart: (element, depth) => handler.open(element, depth),
      onEnd: (element, depth) => handler.adopt(element, depth, false),
    },
    encoding === undefined ? {} : { encoding },
  );
}

class OfxReader implements HoldingsStreamReader {
  private head: Uint8Array[] = [];
  private headBytes = 0;
  private plan: Plan | null = null;
  private pass: 1 | 2 = 1;
  private rewound = false;
  private readonly detected: Record<string, string> = {};
  /** Header warnings and refusals; then the tokenizer's warnings (first pass); then the XML header warning. */
  private readonly headIssues = new IssueCollector();
  private readonly treeIssues = new IssueCollector();
  private readonly first = new FirstPass();
  private second: SecondPass | null = null;
  private decoder: ChunkDecoder | null = null;
  private sgml: SgmlReader | null = null;
  private xml: XmlStream | null = null;
  /** The first pass refused the file (decoding, structure or XML): the issues to report, and nothing else. */
  private refusal: { issues: IssueCollector; detected: Record<string, string> } | null = null;
  /** OFX 1.x start tags that proved empty leaves, by ordinal (a bit each). */
  private emptyLeaves = new Uint8Array(1024);
  /** OFX 2.x: the root the first pass read (its name is checked before a second pass). */
  private xmlDocument: { root: XmlElement } | null = null;

  constructor(
    private readonly options: HoldingsStreamOptions,
    private readonly fromText: boolean,
  ) {}

  push(chunk: Uint8Array): void {
    if (chunk.length === 0 || this.refusal !== null) return;
    if (this.plan === null) {
      this.head.push(chunk);
      this.headBytes += chunk.length;
      if (this.headBytes >= SNIFF_BYTES) this.begin();
      return;
    }
    this.feedPieces(chunk);
  }

  rewind(): boolean {
    if (this.pass !== 1 || this.rewound) return false;
    this.rewound = true;
    if (this.plan === null) this.begin();
    if (this.refusal === null && this.plan?.dialect !== 'refused') this.feed(new Uint8Array(0), true);
    if (this.refusal !== null || this.plan === null || this.plan.dialect === 'refused') return false;
    if (this.plan.dialect === 'xml' && this.xmlDocument !== null && this.xmlDocument.root.name.toUpperCase() !== 'OFX') return false;
    // Second pass: the securities are known, and (OFX 1.x) which elements were empty leaves.
    this.pass = 2;
    const securities = this.first.securities(new IssueCollector());
    this.second = new SecondPass(securities, this.first.lateCurrency, this.options.onHolding);
    this.start();
    return true;
  }

  end(): StreamedHoldingsFile {
    if (!this.rewound && this.rewind()) {
      // The first pass accepted the file but the caller never pushed it a second time.
      throw new Error('the OFX reader reads the file twice: call rewind() and push the file again before end()');
    }
    if (this.pass === 2) this.feed(new Uint8Array(0), true);
    return this.result();
  }

  private begin(): void {
    const bytes = this.head.length === 1 ? (this.head[0] as Uint8Array) : concat(this.head, this.headBytes);
    this.head = [];
    this.plan = planFor(bytes, this.fromText, this.headIssues, this.detected);
    if (this.plan.dialect === 'refused') return;
    this.start();
    this.feedPieces(bytes);
  }

  /**
   * A chunk a piece at a time: text decoded from a 1 MB chunk is a string of 1–2 MB, which V8 places in its
   * large-object space and frees only at a full collection — dozens of them a second grew the process by
   * 100 MB and more. Pieces of PIECE_BYTES give strings that die young.
   */
  private feedPieces(chunk: Uint8Array): void {
    for (let at = 0; at < chunk.length && this.refusal === null; at += PIECE_BYTES) this.feed(chunk.subarray(at, at + PIECE_BYTES), false);
  }

  /** The decoder and tokenizer (or XML stream) of the current pass. */
  private start(): void {
    const plan = this.plan as Plan;
    const issues = this.pass === 1 ? this.treeIssues : new IssueCollector();
    const handler: ElementHandler = this.pass === 1 ? this.first : (this.second as SecondPass);
    if (plan.dialect === 'xml') {
      this.xml = xmlPass(issues, handler, this.fromText ? 'utf-8' : undefined);
      return;
    }
    if (plan.dialect === 'refused') return;
    this.decoder = new ChunkDecoder(plan.encoding, this.pass === 1);
    const options: SgmlOptions =
      this.pass === 1
        ? { maxDepth: XML_MAX_DEPTH, onEmptyLeaf: (ordinal) => this.markEmptyLeaf(ordinal) }
        : { maxDepth: Number.POSITIVE_INFINITY, isEmptyLeaf: (ordinal) => this.isEmptyLeaf(ordinal) };
    this.sgml = new SgmlReader(issues, handler, options);
  }

  private feed(chunk: Uint8Array, final: boolean): void {
    if (this.xml !== null) {
      if (final) this.endXml();
      else this.xml.push(chunk);
      return;
    }
    const decoder = this.decoder as ChunkDecoder;
    const sgml = this.sgml as SgmlReader;
    // After a structural refusal the rest is still decoded: undecodable bytes anywhere are what the former
    // reader reported first (it decoded the whole file before reading it).
    const text = decoder.decode(chunk, final);
    if (text !== null && !sgml.failed) sgml.write(text);
    if (!final) return;
    if (text !== null && !sgml.failed) sgml.end();
    if (this.pass === 2) return;
    const plan = this.plan as Extract<Plan, { dialect: 'sgml' | 'bare' }>;
    if (decoder.failure !== null) {
      this.headIssues.error(decoder.failure.line, '', decoder.failure.reason);
      this.refusal = { issues: this.headIssues, detected: this.detected };
      return;
    }
    this.describeSgml(plan);
    if (sgml.failed) this.refusal = { issues: joinIssues([this.headIssues, this.treeIssues]), detected: this.detected };
  }

  private describeSgml(plan: Extract<Plan, { dialect: 'sgml' | 'bare' }>): void {
    const encoding = this.fromText ? 'text' : plan.encoding;
    if (plan.dialect === 'sgml') {
      this.detected.encoding = encoding;
      this.detected.dialect = 'OFX 1.x (SGML)';
    } else {
      this.detected.dialect = 'OFX (no header)';
      this.detected.encoding = encoding;
      // Said before the body was read, so before any of the tokenizer's warnings.
      this.headIssues.warning(1, 'OFXHEADER', 'the file has no OFX header; read as OFX anyway');
    }
  }

  private endXml(): void {
    const result = (this.xml as XmlStream).end();
    if (this.pass === 2) return;
    if (!result.ok || result.root === null) {
      this.refusal = { issues: this.treeIssues, detected: {} };
      return;
    }
    const header = result.instructions.find((instruction) => instruction.target.toUpperCase() === 'OFX');
    this.detected.dialect = 'OFX 2.x (XML)';
    this.detected.encoding = result.encoding;
    const version = header?.attributes.get('VERSION');
    if (version !== undefined) this.detected.version = version;
    if (header === undefined) this.headIssues.warning(1, 'OFXHEADER', 'the XML has no <?OFX …?> header; read as OFX 2.x anyway');
    this.xmlDocument = { root: result.root };
  }

  private markEmptyLeaf(ordinal: number): void {
    const byte = ordinal >> 3;
    if (byte >= this.emptyLeaves.length) {
      const grown = new Uint8Array(Math.max(this.emptyLeaves.length * 2, byte + 1));
      grown.set(this.emptyLeaves);
      this.emptyLeaves = grown;
    }
    this.emptyLeaves[byte] = (this.emptyLeaves[byte] as number) | (1 << (ordinal & 7));
  }

  private isEmptyLeaf(ordinal: number): boolean {
    const byte = ordinal >> 3;
    return byte < this.emptyLeaves.length && ((this.emptyLeaves[byte] as number) & (1 << (ordinal & 7))) !== 0;
  }

  private result(): StreamedHoldingsFile {
    const detected = this.detected;
    const make = (fatal: boolean, statements: HoldingsStatement[], issues: IssueCollector): StreamedHoldingsFile => ({
      format: 'ofx',
      detected,
      statements,
      issues: issues.toArray(),
      fatal,
    });
    if (this.plan === null || this.plan.dialect === 'refused') return make(true, [], this.headIssues);
    if (this.refusal !== null) {
      const { issues, detected: refusedDetected } = this.refusal;
      return { ...make(true, [], issues), detected: refusedDetected };
    }
    const root = this.second?.root ?? this.xmlDocument?.root ?? null;
    if (root === null) return make(true, [], joinIssues([this.headIssues, this.treeIssues]));
    if (root.name.toUpperCase() !== 'OFX') {
      const issues = joinIssues([this.headIssues, this.treeIssues]);
      issues.error(root.line, root.name, `the file's root element is <${root.name}>, not <OFX>`);
      return make(false, [], issues);
    }
    const second = this.second as SecondPass;
    if (second.quicken) detected.flavour = 'QFX (Quicken)';
    const signOn = new IssueCollector();
    reportStatus(pathElement(root, 'SIGNONMSGSRSV1', 'SONRS'), signOn, 'sign-on');
    const securityList = new IssueCollector();
    this.first.securities(securityList);
    const parts = [this.headIssues, this.treeIssues, signOn, securityList, ...second.transactions];
    if (second.statements.length === 0) {
      const none = new IssueCollector();
      none.error(
        root.line,
        'INVSTMTRS',
        second.bankStatement
          ? 'the OFX file is a bank or card statement, not an investment statement (no INVSTMTRS); export the brokerage account'
          : 'the OFX file has no investment statement (INVSTMTRS)',
      );
      return make(false, [], joinIssues([...parts, none]));
    }
    detected.statements = String(second.statements.length);
    for (const statement of second.statements) parts.push(statement.head, statement.positions, statement.more, statement.duplicates, statement.tail);
    const statements = second.statements.map((statement) => statement.result as HoldingsStatement);
    return make(false, statements, joinIssues(parts));
  }
}

function concat(parts: Uint8Array[], length: number): Uint8Array {
  const joined = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    joined.set(part, at);
    at += part.length;
  }
  return joined;
}

// ---------------------------------------------------------------------------------------------------
// Element tree → statements

/** A statement's account (INVACCTFROM) and date (DTASOF), with no holdings yet; what is missing or unreadable is reported. */
export function statementHead(response: XmlElement, issues: IssueCollector): HoldingsStatement {
  const notes: string[] = [];
  const account = pathElement(response, 'INVACCTFROM');
  const accountId = account === null ? null : childText(account, 'ACCTID');
  const brokerId = account === null ? null : childText(account, 'BROKERID');
  if (brokerId !== null) notes.push(`broker ${brokerId}`);
  if (accountId === null) issues.warning(account?.line ?? response.line, 'ACCTID', 'the statement names no account (INVACCTFROM ACCTID); choose the account when importing');

  const dateField = fieldOf(response, 'DTASOF');
  let asOf: string | null = null;
  if (dateField !== null) {
    const reading = readOfxDate(dateField.text);
    if (reading.ok) asOf = reading.value;
    else issues.error(dateField.line, 'DTASOF', reading.reason, dateField.text);
  }
  const statement: HoldingsStatement = { accountId, asOf, holdings: [], cash: [], notes };
  if (dateField === null) requireStatementDate(statement, response.line, 'DTASOF', issues);
  return statement;
}

/** Exported, with the readers below, for the whole-file test oracle (ofx.reference.test-helpers.ts). */
export interface SecurityInfo {
  ticker: FieldValue | null;
  name: string | null;
  kind: string;
  contractSize: FieldValue | null;
  currency: FieldValue | null;
}

export const POSITION_KINDS = ['POSSTOCK', 'POSMF', 'POSDEBT', 'POSOPT', 'POSOTHER'] as const;
export const INFO_KINDS = ['STOCKINFO', 'MFINFO', 'DEBTINFO', 'OPTINFO', 'OTHERINFO'] as const;
export const DEFAULT_CONTRACT_SIZE = '100';

export function reportStatus(container: XmlElement | null, issues: IssueCollector, what: string): void {
  const status = container === null ? null : childElement(container, 'STATUS');
  if (status === null) return;
  const code = childText(status, 'CODE');
  const severity = (childText(status, 'SEVERITY') ?? '').toUpperCase();
  if (code === null || code === '0') return;
  const message = childText(status, 'MESSAGE');
  const reason = `the institution reported ${what} status ${code}${message ? ` (${message})` : ''}`;
  if (severity === 'ERROR') issues.error(status.line, 'STATUS', reason, code);
  else issues.warning(status.line, 'STATUS', reason, code);
}

export function readPosition(
  position: XmlElement,
  securities: Map<string, SecurityInfo>,
  defaultCurrency: FieldValue | null,
  issues: IssueCollector,
  unlisted: CappedWarnings,
): RawHolding | null {
  const invPos = childElement(position, 'INVPOS');
  if (invPos === null) {
    issues.error(position.line, 'INVPOS', `<${position.name}> has no INVPOS aggregate`);
    return null;
  }
  const secId = childElement(invPos, 'SECID');
  const identifiers: RawHolding['identifiers'] = {};
  if (secId === null) {
    issues.error(invPos.line, 'SECID', 'the position has no security id (SECID)');
    return null;
  }
  const uniqueId = fieldOf(secId, 'UNIQUEID');
  const idType = (childText(secId, 'UNIQUEIDTYPE') ?? '').toUpperCase();
  if (uniqueId === null) {
    issues.error(secId.line, 'UNIQUEID', 'the position has an empty security id (UNIQUEID)');
    return null;
  }
  const kind = ({ CUSIP: 'cusip', ISIN: 'isin', SEDOL: 'sedol', FIGI: 'figi', TICKER: 'ticker' } as const)[idType];
  if (kind !== undefined) identifiers[kind] = uniqueId;
  const key = securityKey(secId);
  const info = key === null ? undefined : securities.get(key);
  if (info === undefined) {
    unlisted.report(() =>
      issues.warning(secId.line, 'SECID', `the security list (SECLIST) has no entry for ${idType || 'id'} ${uniqueId.text}; its name and ticker are not known`, uniqueId.text),
    );
  } else if (info.ticker !== null && identifiers.ticker === undefined) {
    identifiers.ticker = info.ticker;
  }
  if (kind === undefined && identifiers.ticker === undefined && info?.name == null) {
    issues.error(secId.line, 'UNIQUEIDTYPE', `security id type "${idType}" is not CUSIP, ISIN or SEDOL and SECLIST does not name the security`, idType);
    return null;
  }

  const positionType = fieldOf(invPos, 'POSTYPE');
  const currencyElement = childElement(invPos, 'CURRENCY') ?? childElement(invPos, 'ORIGCURRENCY');
  const currency = (currencyElement === null ? null : fieldOf(currencyElement, 'CURSYM')) ?? info?.currency ?? defaultCurrency;
  const priceDate = fieldOf(invPos, 'DTPRICEASOF');
  if (priceDate !== null) {
    const reading = readOfxDate(priceDate.text);
    if (!reading.ok) issues.warning(priceDate.line, 'DTPRICEASOF', reading.reason, priceDate.text);
  }
  const isDebt = position.name === 'POSDEBT';
  const raw: RawHolding = {
    line: position.line,
    identifiers,
    description: info?.name ?? childText(invPos, 'MEMO'),
    securityType: position.name.slice(3),
    quantity: fieldOf(invPos, 'UNITS'),
    quantityType: isDebt ? 'FAMT' : 'UNIT',
    price: fieldOf(invPos, 'UNITPRICE'),
    priceType: isDebt ? 'percent' : 'amount',
    currency,
    marketValue: fieldOf(invPos, 'MKTVAL'),
    costBasis: null,
  };
  if (positionType !== null && positionType.text.toUpperCase() === 'SHORT') raw.short = positionType;
  if (position.name === 'POSOPT') {
    raw.priceMultiplier = info?.contractSize ?? { text: DEFAULT_CONTRACT_SIZE, line: position.line, field: 'SHPERCTRCT (default)' };
  }
  return raw;
}

/** Lists the first few occurrences of a repeated warning and counts the rest, to keep reports readable. */
export class CappedWarnings {
  private reported = 0;
  unreported = 0;

  constructor(private readonly limit = 10) {}

  report(emit: () => void): void {
    if (this.reported < this.limit) {
      this.reported += 1;
      emit();
    } else {
      this.unreported += 1;
    }
  }
}

export function securityKey(secId: XmlElement): string | null {
  const id = childText(secId, 'UNIQUEID');
  if (id === null) return null;
  return `${(childText(secId, 'UNIQUEIDTYPE') ?? '').toUpperCase()}:${id.toUpperCase()}`;
}

export function fieldOf(element: XmlElement, name: string): FieldValue | null {
  const child = childElement(element, name);
  if (child === null || child.text === '') return null;
  return { text: child.text, line: child.line, field: name };
}

/** OFX amounts use "." but the spec lets servers write "," as the decimal point; no grouping is allowed. */
export function readOfxNumber(text: string): DecimalReading {
  const trimmed = text.trim();
  if (/^[+-]?\d*,\d+$/.test(trimmed)) return readDecimal(trimmed.replace(',', '.'));
  return readDecimal(trimmed);
}

export type OfxDateReading = { ok: true; value: string } | { ok: false; reason: string };

const OFX_DATE = /^(\d{4})(\d{2})(\d{2})(?:\d{2}(?:\d{2}(?:\d{2}(?:\.\d{1,3})?)?)?)?(?:\s*\[\s*[+-]?\d{1,2}(?:\.\d{1,2})?(?::[A-Za-z0-9 _+-]*)?\])?$/;

/** `YYYYMMDD[HHMMSS[.XXX]][[offset:TZ]]` → the calendar date as written (YYYY-MM-DD). */
export function readOfxDate(text: string): OfxDateReading {
  const trimmed = text.trim();
  const match = OFX_DATE.exec(trimmed);
  if (!match) return { ok: false, reason: `"${trimmed}" is not an OFX date (YYYYMMDD, optionally followed by HHMMSS and [offset:zone])` };
  const reading = readIsoDate(`${match[1]}-${match[2]}-${match[3]}`);
  if (!reading.ok) return { ok: false, reason: `"${trimmed}" is not a real calendar date` };
  return reading;
}
