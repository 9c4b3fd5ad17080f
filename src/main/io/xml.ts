import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { IssueCollector } from './report';

/**
 * A guarded XML reader for the position formats (OFX 2.x, IBKR Flex, semt.002).
 *
 * Holdings files come from outside the firm, so the reader assumes hostile input:
 * - no DTD processing at all: a DOCTYPE that declares entities or points at an external DTD is refused
 *   before parsing (billion-laughs expansion and XXE file reads both need one), and entity processing is
 *   off in fast-xml-parser; only the five predefined entities and numeric character references are
 *   decoded, by us, which cannot expand;
 * - a nesting limit checked by a linear scan before the tree is built, so a 10 000-level document is an
 *   issue, not a stack overflow (the tree walk below is recursive but never deeper than the limit);
 * - a size limit, checked on the bytes before decoding, and a limit on any single value (1 MB).
 *
 * Line numbers: fast-xml-parser has no line tracking, but with `captureMetaData` it reports each
 * element's start offset in the text we gave it; we map offsets to lines with a table of line starts.
 * The line is therefore the line of the element's `<` — exact for the text after decoding.
 */

export interface XmlElement {
  /** Local name, namespace prefix removed ("Document" for `<ns:Document>`). */
  readonly name: string;
  readonly qualifiedName: string;
  /** Namespace URI in scope for the element, or null. */
  readonly namespace: string | null;
  /** Attributes by their name as written (prefixes kept); values have entities decoded. */
  readonly attributes: ReadonlyMap<string, string>;
  readonly children: XmlElement[];
  /** Direct text content, trimmed, entities decoded, CDATA kept verbatim. */
  readonly text: string;
  /** 1-based line of the element's start tag. */
  readonly line: number;
}

export interface XmlProcessingInstruction {
  readonly target: string;
  readonly attributes: ReadonlyMap<string, string>;
  readonly line: number;
}

export interface XmlDocument {
  readonly root: XmlElement;
  /** `<?xml …?>`, `<?OFX …?>` and other processing instructions before the root. */
  readonly instructions: XmlProcessingInstruction[];
  readonly encoding: string;
}

export interface XmlReadOptions {
  /** Deepest element nesting accepted; the root is depth 1. */
  maxDepth?: number;
  /** Largest input accepted, in bytes (or UTF-16 code units for a string). */
  maxBytes?: number;
  /** Longest run of text or attribute values between two markup characters. */
  maxValueChars?: number;
}

export const XML_MAX_DEPTH = 64;
/**
 * Far above any custody statement; keeps a mistaken multi-gigabyte drop from exhausting memory. Applies to
 * readXml only, which no importer uses any more: IBKR Flex, semt.002 and OFX 2.x are read as a stream by
 * xml-stream.ts, without a size cap (readXml stays for the whole-document tests and the OFX test oracle).
 */
export const XML_MAX_BYTES = 64 * 1024 * 1024;
/**
 * No field of a holdings file comes near this; the limit exists because fast-xml-parser's validator
 * and parser handle a multi-megabyte attribute or text node one character at a time (seconds per value).
 */
export const XML_MAX_VALUE_CHARS = 1024 * 1024;

const CDATA_KEY = '#cdata';
const TEXT_KEY = '#text';
const ATTRIBUTES_KEY = ':@';

/** Reads XML into a small element tree, or reports why it cannot (returns null then). Never throws. */
export function readXml(input: Uint8Array | string, issues: IssueCollector, options: XmlReadOptions = {}): XmlDocument | null {
  const maxDepth = options.maxDepth ?? XML_MAX_DEPTH;
  const maxBytes = options.maxBytes ?? XML_MAX_BYTES;
  if (input.length > maxBytes) {
    issues.error(0, '', `the file is ${describeSize(input.length)}, more than the ${describeSize(maxBytes)} accepted for an XML holdings file`);
    return null;
  }
  const decoded = typeof input === 'string' ? { text: input.replace(/^\uFEFF/, ''), encoding: 'text' } : decodeXmlBytes(input, issues);
  if (decoded === null) return null;
  const { text } = decoded;
  if (text.trim() === '') {
    issues.error(1, '', 'the file is empty');
    return null;
  }
  const lines = new LineIndex(text);
  const maxValueChars = options.maxValueChars ?? XML_MAX_VALUE_CHARS;
  const longValueAt = findRunLongerThan(text, maxValueChars);
  if (longValueAt !== null) {
    issues.error(lines.lineAt(longValueAt), '', `a value or tag is longer than ${describeSize(maxValueChars)}; no holdings file has such a field, so the file is refused`);
    return null;
  }

  const doctype = findDoctype(text);
  if (doctype !== null && doctypeIsDangerous(doctype.body)) {
    issues.error(
      lines.lineAt(doctype.offset),
      'DOCTYPE',
      'the file declares XML entities or an external DTD; such declarations can expand to gigabytes or read other files, so the file is refused',
    );
    return null;
  }

  let validation: ReturnType<typeof XMLValidator.validate>;
  try {
    validation = XMLValidator.validate(text, { allowBooleanAttributes: false });
  } catch (error) {
    issues.error(0, '', `the file is not well-formed XML (${errorText(error)})`);
    return null;
  }
  if (validation !== true) {
    const { msg, line } = validation.err;
    issues.error(line, '', `the file is not well-formed XML: ${msg}${looksTruncated(msg) ? ' (is the file cut short?)' : ''}`);
    return null;
  }

  const tooDeepAt = findElementDeeperThan(text, maxDepth);
  if (tooDeepAt !== null) {
    issues.error(lines.lineAt(tooDeepAt), '', `XML elements are nested more than ${maxDepth} levels deep; no holdings file needs that, so the file is refused`);
    return null;
  }

  let ordered: unknown;
  try {
    ordered = new XMLParser({
      preserveOrder: true,
      captureMetaData: true,
      ignoreAttributes: false,
      attributeNamePrefix: '',
      parseTagValue: false,
      parseAttributeValue: false,
      processEntities: false,
      htmlEntities: false,
      trimValues: true,
      cdataPropName: CDATA_KEY,
      // No callbacks use paths; building jPath strings per tag costs a quarter of the parse.
      jPath: false,
      // Backstop only: the scan above already refused anything deeper.
      maxNestedTags: maxDepth + 2,
    }).parse(text);
  } catch (error) {
    issues.error(0, '', `the file is not well-formed XML (${errorText(error)})`);
    return null;
  }
  if (!Array.isArray(ordered)) {
    issues.error(1, '', 'the file has no XML element');
    return null;
  }

  // Typed as the boxed `Symbol` by the library; it is the primitive symbol used as a property key.
  const metadata = XMLParser.getMetaDataSymbol() as unknown as symbol;
  const instructions: XmlProcessingInstruction[] = [];
  let root: XmlElement | null = null;
  for (const node of ordered as OrderedNode[]) {
    const name = nodeName(node);
    if (name === null) continue;
    const offset = startOffset(node, metadata);
    if (name.startsWith('?')) {
      instructions.push({ target: name.slice(1), attributes: attributeMap(node), line: lines.lineAt(offset) });
    } else if (name !== TEXT_KEY && name !== CDATA_KEY && root === null) {
      root = buildElement(node, name, new Map(), lines, metadata, 1, maxDepth);
    }
  }
  if (root === null) {
    issues.error(1, '', 'the file has no XML root element');
    return null;
  }
  return { root, instructions, encoding: decoded.encoding };
}

type OrderedNode = Record<string, unknown> & { [ATTRIBUTES_KEY]?: Record<string, unknown> };

function nodeName(node: OrderedNode): string | null {
  for (const key of Object.keys(node)) if (key !== ATTRIBUTES_KEY) return key;
  return null;
}

function startOffset(node: OrderedNode, metadata: symbol | string): number {
  const meta = (node as Record<string | symbol, unknown>)[metadata] as { startIndex?: number } | undefined;
  return meta?.startIndex ?? 0;
}

function attributeMap(node: OrderedNode): Map<string, string> {
  const map = new Map<string, string>();
  const raw = node[ATTRIBUTES_KEY];
  if (raw !== undefined && raw !== null && typeof raw === 'object') {
    for (const [key, value] of Object.entries(raw)) map.set(key, decodeXmlEntities(String(value)));
  }
  return map;
}

function buildElement(
  node: OrderedNode,
  qualifiedName: string,
  parentScope: ReadonlyMap<string, string>,
  lines: LineIndex,
  metadata: symbol | string,
  depth: number,
  maxDepth: number,
): XmlElement {
  const attributes = attributeMap(node);
  let scope = parentScope;
  for (const [key, value] of attributes) {
    if (key === 'xmlns' || key.startsWith('xmlns:')) {
      if (scope === parentScope) scope = new Map(parentScope);
      (scope as Map<string, string>).set(key === 'xmlns' ? '' : key.slice(6), value);
    }
  }
  const colon = qualifiedName.indexOf(':');
  const prefix = colon < 0 ? '' : qualifiedName.slice(0, colon);
  const name = colon < 0 ? qualifiedName : qualifiedName.slice(colon + 1);
  const children: XmlElement[] = [];
  const textParts: string[] = [];
  const content = node[qualifiedName];
  if (Array.isArray(content)) {
    for (const child of content as OrderedNode[]) {
      const childName = nodeName(child);
      if (childName === null) continue;
      if (childName === TEXT_KEY) {
        textParts.push(decodeXmlEntities(String(child[TEXT_KEY] ?? '')));
      } else if (childName === CDATA_KEY) {
        const cdata = child[CDATA_KEY];
        if (Array.isArray(cdata)) for (const part of cdata as OrderedNode[]) textParts.push(String(part[TEXT_KEY] ?? ''));
      } else if (!childName.startsWith('?') && depth < maxDepth) {
        children.push(buildElement(child, childName, scope, lines, metadata, depth + 1, maxDepth));
      }
    }
  }
  return {
    name,
    qualifiedName,
    namespace: scope.get(prefix) ?? null,
    attributes,
    children,
    text: textParts.join('').trim(),
    line: lines.lineAt(startOffset(node, metadata)),
  };
}

const PREDEFINED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/**
 * Decodes the five predefined entities and numeric character references — the only references XML
 * defines without a DTD. Anything else is left as written: we never expand a declared entity.
 */
export function decodeXmlEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#[xX][0-9a-fA-F]{1,6}|#\d{1,7}|lt|gt|amp|quot|apos);/g, (whole, ref: string) => {
    if (ref[0] !== '#') return PREDEFINED_ENTITIES[ref] ?? whole;
    const code = ref[1] === 'x' || ref[1] === 'X' ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
    if (!Number.isFinite(code) || code < 1 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return whole;
    return String.fromCodePoint(code);
  });
}

/** `<!DOCTYPE …>` with its internal subset, or null. */
function findDoctype(text: string): { offset: number; body: string } | null {
  const match = /<!DOCTYPE/i.exec(text);
  if (!match) return null;
  const start = match.index;
  let inSubset = false;
  let quote: string | null = null;
  for (let i = start + match[0].length; i < text.length; i++) {
    const char = text[i];
    if (quote !== null) {
      if (char === quote) quote = null;
    } else if (char === '"' || char === "'") {
      quote = char;
    } else if (char === '[') {
      inSubset = true;
    } else if (char === ']') {
      inSubset = false;
    } else if (char === '>' && !inSubset) {
      return { offset: start, body: text.slice(start, i + 1) };
    }
  }
  // An unterminated DOCTYPE is judged on what it has; the validator reports the truncation.
  return { offset: start, body: text.slice(start) };
}

function doctypeIsDangerous(body: string): boolean {
  return /<!ENTITY/i.test(body) || /\b(SYSTEM|PUBLIC)\b/.test(body) || /%[\w.-]+;/.test(body);
}

/**
 * Offset of the first start tag deeper than `maxDepth`, for text that already passed the validator
 * (so tags, comments, CDATA and processing instructions are well formed). Linear and non-recursive.
 */
function findElementDeeperThan(text: string, maxDepth: number): number | null {
  let depth = 0;
  let i = text.indexOf('<');
  while (i >= 0 && i < text.length) {
    const next = text[i + 1];
    if (text.startsWith('<!--', i)) {
      i = skipPast(text, '-->', i + 4);
    } else if (text.startsWith('<![CDATA[', i)) {
      i = skipPast(text, ']]>', i + 9);
    } else if (next === '?') {
      i = skipPast(text, '?>', i + 2);
    } else if (next === '!') {
      i = skipDeclaration(text, i);
    } else if (next === '/') {
      depth -= 1;
      i = skipPast(text, '>', i + 2);
    } else {
      const end = endOfTag(text, i + 1);
      if (text[end - 1] !== '/') {
        depth += 1;
        if (depth > maxDepth) return i;
      }
      i = end + 1;
    }
    if (i < 0) return null;
    i = text.indexOf('<', i);
  }
  return null;
}

/** Offset where a stretch without "<" or ">" exceeds `limit` characters, or null. */
function findRunLongerThan(text: string, limit: number): number | null {
  if (text.length <= limit) return null;
  const markup = /[<>]/g;
  let previous = 0;
  for (let match = markup.exec(text); match !== null; match = markup.exec(text)) {
    if (match.index - previous > limit) return previous;
    previous = match.index;
  }
  return text.length - previous > limit ? previous : null;
}

function skipPast(text: string, terminator: string, from: number): number {
  const at = text.indexOf(terminator, from);
  return at < 0 ? -1 : at + terminator.length;
}

function skipDeclaration(text: string, from: number): number {
  let inSubset = false;
  for (let i = from + 2; i < text.length; i++) {
    const char = text[i];
    if (char === '[') inSubset = true;
    else if (char === ']') inSubset = false;
    else if (char === '>' && !inSubset) return i + 1;
  }
  return -1;
}

/** Index of the `>` closing a start tag, skipping quoted attribute values. */
function endOfTag(text: string, from: number): number {
  let quote: string | null = null;
  for (let i = from; i < text.length; i++) {
    const char = text[i];
    if (quote !== null) {
      if (char === quote) quote = null;
    } else if (char === '"' || char === "'") {
      quote = char;
    } else if (char === '>') {
      return i;
    }
  }
  return text.length;
}

function looksTruncated(message: string): boolean {
  return /unclosed|not closed|invalid '\[|closing tag/i.test(message);
}

function errorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

function describeSize(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${bytes} bytes`;
}

/** Maps text offsets to 1-based line numbers (\n, \r\n and lone \r all end a line). */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(text: string) {
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code === 10) this.starts.push(i + 1);
      else if (code === 13) {
        if (text.charCodeAt(i + 1) === 10) i += 1;
        this.starts.push(i + 1);
      }
    }
  }

  lineAt(offset: number): number {
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((this.starts[middle] ?? 0) <= offset) low = middle;
      else high = middle - 1;
    }
    return low + 1;
  }
}

// ---------------------------------------------------------------------------------------------------
// Bytes → text

export interface DecodedText {
  text: string;
  /** WHATWG name of the encoding used ("utf-8", "utf-16le", "windows-1252" …). */
  encoding: string;
}

/** Encoding labels holdings files use, mapped to the decoder that reads them. */
export function encodingFromLabel(label: string): string | null {
  const normalised = label.trim().toLowerCase().replace(/_/g, '-');
  if (['utf-8', 'utf8', 'unicode-1-1-utf-8'].includes(normalised)) return 'utf-8';
  if (['utf-16', 'utf-16le', 'ucs-2', 'unicode'].includes(normalised)) return 'utf-16le';
  if (normalised === 'utf-16be') return 'utf-16be';
  // WHATWG decodes ISO-8859-1 and US-ASCII labels as windows-1252, its superset; so do we.
  if (['windows-1252', 'cp1252', '1252', 'iso-8859-1', 'iso8859-1', 'latin1', 'latin-1', 'l1', 'us-ascii', 'usascii', 'ascii', 'none'].includes(normalised)) {
    return 'windows-1252';
  }
  if (['iso-8859-15', 'latin9', 'iso8859-15'].includes(normalised)) return 'iso-8859-15';
  return null;
}

/**
 * Decodes bytes with a byte-order mark when there is one, else with `encoding`. UTF-8 is decoded
 * strictly: a file that is not valid UTF-8 is reported (with the line of the first bad byte), never
 * read with replacement characters that would silently change a security name.
 */
export function decodeBytes(bytes: Uint8Array, encoding: string, issues: IssueCollector): DecodedText | null {
  const bom = byteOrderMark(bytes);
  const chosen = bom ?? encoding;
  try {
    // TextDecoder strips the BOM of the encoding it decodes.
    const text = new TextDecoder(chosen, { fatal: true }).decode(bytes);
    return { text, encoding: chosen };
  } catch {
    if (chosen === 'utf-8') {
      const lenient = new TextDecoder('utf-8').decode(bytes);
      const badAt = lenient.indexOf('\uFFFD');
      const line = badAt < 0 ? 1 : new LineIndex(lenient.slice(0, badAt)).lineAt(badAt);
      issues.error(line, '', 'the file is not valid UTF-8 text (wrong encoding, or not a text file)');
    } else {
      issues.error(1, '', `the file cannot be read as ${chosen} text`);
    }
    return null;
  }
}

export function byteOrderMark(bytes: Uint8Array): string | null {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8';
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return null;
}

/**
 * XML encoding detection (XML 1.0 appendix F, reduced to what holdings files use): a BOM, else UTF-16
 * recognised by the zero bytes around `<?`, else the `encoding` of the XML declaration, else UTF-8.
 */
export function decodeXmlBytes(bytes: Uint8Array, issues: IssueCollector): DecodedText | null {
  const bom = byteOrderMark(bytes);
  if (bom !== null) return decodeBytes(bytes, bom, issues);
  if (bytes[0] === 0x3c && bytes[1] === 0x00) return decodeBytes(bytes, 'utf-16le', issues);
  if (bytes[0] === 0x00 && bytes[1] === 0x3c) return decodeBytes(bytes, 'utf-16be', issues);
  const head = asciiHead(bytes, 200);
  const declared = /^\s*<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(head)?.[1];
  if (declared === undefined) return decodeBytes(bytes, 'utf-8', issues);
  const encoding = encodingFromLabel(declared);
  if (encoding === null) {
    issues.error(1, 'encoding', `the XML declaration names encoding "${declared}", which Ballast does not read; save the file as UTF-8`, declared);
    return null;
  }
  // A declaration saying UTF-16 in a file without UTF-16 bytes is a mislabelled single-byte file.
  return decodeBytes(bytes, encoding.startsWith('utf-16') ? 'utf-8' : encoding, issues);
}

/** The first bytes as Latin-1, for sniffing headers written in ASCII. */
export function asciiHead(bytes: Uint8Array, length: number): string {
  let head = '';
  const end = Math.min(bytes.length, length);
  for (let i = 0; i < end; i++) head += String.fromCharCode(bytes[i] ?? 0);
  return head;
}

// ---------------------------------------------------------------------------------------------------
// Tree helpers (iterative where the depth is not already bounded by the tree)

export function childElement(element: XmlElement, name: string): XmlElement | null {
  for (const child of element.children) if (child.name === name) return child;
  return null;
}

export function childElements(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((child) => child.name === name);
}

/** Text of the first child with this name, or null when there is none or it is empty. */
export function childText(element: XmlElement, name: string): string | null {
  const child = childElement(element, name);
  return child === null || child.text === '' ? null : child.text;
}

/** Follows a path of child names ("StmtDtTm", "Dt"); null when any step is missing. */
export function pathElement(element: XmlElement, ...names: string[]): XmlElement | null {
  let current: XmlElement | null = element;
  for (const name of names) {
    if (current === null) return null;
    current = childElement(current, name);
  }
  return current;
}

export function pathText(element: XmlElement, ...names: string[]): string | null {
  const found = pathElement(element, ...names);
  return found === null || found.text === '' ? null : found.text;
}

/** Attribute by name, also matching a prefixed attribute by its local name. */
export function attribute(element: XmlElement, name: string): string | null {
  const direct = element.attributes.get(name);
  if (direct !== undefined) return direct;
  for (const [key, value] of element.attributes) if (key.endsWith(`:${name}`)) return value;
  return null;
}

/** Descendants with this name in document order (breadth-first per level would reorder; we keep order). */
export function descendants(element: XmlElement, name: string): XmlElement[] {
  const found: XmlElement[] = [];
  const stack: XmlElement[] = [...element.children].reverse();
  while (stack.length > 0) {
    const current = stack.pop() as XmlElement;
    if (current.name === name) found.push(current);
    for (let i = current.children.length - 1; i >= 0; i--) stack.push(current.children[i] as XmlElement);
  }
  return found;
}

export function firstDescendant(element: XmlElement, predicate: (candidate: XmlElement) => boolean): XmlElement | null {
  const stack: XmlElement[] = [element];
  while (stack.length > 0) {
    const current = stack.pop() as XmlElement;
    if (predicate(current)) return current;
    for (let i = current.children.length - 1; i >= 0; i--) stack.push(current.children[i] as XmlElement);
  }
  return null;
}
