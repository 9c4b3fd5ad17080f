import { SaxesParser, type SaxesTagPlain } from 'saxes';
import type { IssueCollector } from './report';
import { type XmlElement, type XmlProcessingInstruction, XML_MAX_DEPTH, XML_MAX_VALUE_CHARS, asciiHead, byteOrderMark, encodingFromLabel } from './xml';

/**
 * The streaming counterpart of readXml (issue 10): bytes go in chunk by chunk, elements come out as they
 * complete, and nothing but the elements a reader chooses to keep stays in memory — so an XML holdings
 * file of any size is read in bounded memory and the whole-file size cap is gone.
 *
 * The same hostile-input rules as readXml, checked as the text streams past:
 * - a DOCTYPE that declares entities or names an external DTD is refused; saxes never processes a DTD
 *   and only the five predefined entities and character references are decoded (an undeclared entity
 *   stays as written, as readXml leaves it);
 * - nesting deeper than `maxDepth` is refused at the start tag that goes too deep;
 * - a stretch of text or attribute value without markup longer than `maxValueChars` is refused at the
 *   line where it starts, before saxes buffers it — this is the per-element limit that replaces the
 *   per-file one.
 * Any of these, malformed XML (including a file cut short) and undecodable bytes are *fatal*: the
 * reader's result says so and its caller discards whatever it read, exactly as readXml returned null.
 *
 * Elements: `onStart` sees an element's name, attributes and line as soon as its start tag is read (for
 * context such as a statement's account); `onEnd` sees it complete, with the children that were kept,
 * and returns false to drop it from its parent — a reader handles each holding there and keeps only the
 * small skeleton around them. Lines are those of the element's `<`, as readXml gives them.
 */

export interface XmlStreamHandlers {
  onStart?(element: XmlElement, depth: number): void;
  /** Return false to drop the element from its parent's children (it was handled here). */
  onEnd?(element: XmlElement, depth: number): boolean | void;
}

export interface XmlStreamOptions {
  maxDepth?: number;
  maxValueChars?: number;
  /** Decode with this encoding, whatever the bytes or the declaration say (text that was handed over as a string). */
  encoding?: string;
}

export interface XmlStreamResult {
  /** False when the file was refused (the reason is in the issues); anything read must then be dropped. */
  ok: boolean;
  /** The root as kept (children dropped by onEnd are missing). */
  root: XmlElement | null;
  instructions: XmlProcessingInstruction[];
  encoding: string;
}

export interface XmlStream {
  push(chunk: Uint8Array): void;
  end(): XmlStreamResult;
  /** True once the file has been refused; further chunks are ignored. */
  readonly failed: boolean;
}

/** Bytes held before the encoding is decided: a BOM, the UTF-16 zero bytes or the XML declaration. */
const ENCODING_SNIFF_BYTES = 256;

interface BuildingElement {
  name: string;
  qualifiedName: string;
  namespace: string | null;
  attributes: Map<string, string>;
  children: XmlElement[];
  text: string;
  line: number;
  textParts: string[];
  scope: ReadonlyMap<string, string>;
}

// Every name resolves: the predefined five (and nothing else) are decoded, any other reference is kept
// as written — never an error, never an expansion (see readXml's decodeXmlEntities).
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const LITERAL_ENTITIES = new Proxy(
  {},
  {
    get: (_target, name) => (typeof name === 'string' ? (PREDEFINED[name] ?? `&${name};`) : undefined),
  },
) as Record<string, string>;

export function createXmlStream(issues: IssueCollector, handlers: XmlStreamHandlers = {}, options: XmlStreamOptions = {}): XmlStream {
  const maxDepth = options.maxDepth ?? XML_MAX_DEPTH;
  const maxValueChars = options.maxValueChars ?? XML_MAX_VALUE_CHARS;
  const parser = new SaxesParser({ position: true, xmlns: false });
  parser.ENTITIES = LITERAL_ENTITIES;

  let failed = false;
  let head: Uint8Array | null = new Uint8Array(0);
  let decoder: TextDecoder | null = null;
  let encoding = 'utf-8';
  let sawContent = false;
  // Our own line count over the decoded text (for value-length and decoding errors).
  let line = 1;
  let previousWasCr = false;
  let run = 0;
  let runLine = 1;

  const stack: BuildingElement[] = [];
  const instructions: XmlProcessingInstruction[] = [];
  let root: XmlElement | null = null;

  const fail = (atLine: number, field: string, reason: string, value?: string) => {
    if (failed) return;
    failed = true;
    issues.error(atLine, field, reason, value);
  };
  // The element a problem is in: the start tag being read, else the innermost open element.
  let opening: string | null = null;
  const innermost = () => opening ?? stack[stack.length - 1]?.qualifiedName ?? '';

  parser.on('error', (error) => {
    const message = error.message.replace(/^(?:\S*?:)?\d+:\d+: /, '').replace(/\.$/, '');
    fail(parser.line, innermost(), `the file is not well-formed XML: ${message}${looksTruncated(message) ? ' (is the file cut short?)' : ''}`);
  });
  parser.on('doctype', (doctype) => {
    if (failed || !doctypeIsDangerous(doctype)) return;
    fail(
      parser.line - countLines(doctype),
      'DOCTYPE',
      'the file declares XML entities or an external DTD; such declarations can expand to gigabytes or read other files, so the file is refused',
    );
  });
  parser.on('xmldecl', (declaration) => {
    if (failed) return;
    const attributes = new Map<string, string>();
    if (declaration.version !== undefined) attributes.set('version', declaration.version);
    if (declaration.encoding !== undefined) attributes.set('encoding', declaration.encoding);
    if (declaration.standalone !== undefined) attributes.set('standalone', declaration.standalone);
    instructions.push({ target: 'xml', attributes, line: parser.line });
  });
  parser.on('processinginstruction', ({ target, body }) => {
    if (failed || stack.length > 0 || root !== null) return;
    const attributes = new Map<string, string>();
    for (const match of body.matchAll(/([A-Za-z_][\w.:-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) attributes.set(match[1] ?? '', match[2] ?? match[3] ?? '');
    instructions.push({ target, attributes, line: parser.line - countLines(body) });
  });
  // The line of the `<`: saxes has read the name and the character after it, which may be a newline.
  let startLine = 1;
  parser.on('opentagstart', (tag) => {
    opening = tag.name;
    startLine = parser.column === 0 ? parser.line - 1 : parser.line;
  });
  parser.on('opentag', (tag: SaxesTagPlain) => {
    opening = null;
    if (failed) return;
    const depth = stack.length + 1;
    if (depth > maxDepth) {
      fail(startLine, tag.name, `XML elements are nested more than ${maxDepth} levels deep; no holdings file needs that, so the file is refused`);
      return;
    }
    const parentScope = stack[stack.length - 1]?.scope ?? EMPTY_SCOPE;
    const attributes = new Map<string, string>();
    let scope: ReadonlyMap<string, string> = parentScope;
    for (const key in tag.attributes) {
      const value = tag.attributes[key] as string;
      attributes.set(key, value);
      if (key === 'xmlns' || key.startsWith('xmlns:')) {
        if (scope === parentScope) scope = new Map(parentScope);
        (scope as Map<string, string>).set(key === 'xmlns' ? '' : key.slice(6), value);
      }
    }
    const qualifiedName = tag.name;
    const colon = qualifiedName.indexOf(':');
    const prefix = colon < 0 ? '' : qualifiedName.slice(0, colon);
    const element: BuildingElement = {
      name: colon < 0 ? qualifiedName : qualifiedName.slice(colon + 1),
      qualifiedName,
      namespace: scope.get(prefix) ?? null,
      attributes,
      children: [],
      text: '',
      line: startLine,
      textParts: [],
      scope,
    };
    stack.push(element);
    handlers.onStart?.(element, depth);
  });
  parser.on('text', (text) => {
    if (failed) return;
    const current = stack[stack.length - 1];
    if (current === undefined) return;
    const trimmed = text.trim();
    if (trimmed !== '') current.textParts.push(trimmed);
  });
  parser.on('cdata', (cdata) => {
    if (failed) return;
    stack[stack.length - 1]?.textParts.push(cdata);
  });
  parser.on('closetag', () => {
    if (failed) return;
    const depth = stack.length;
    const element = stack.pop();
    if (element === undefined) return;
    element.text = element.textParts.length === 0 ? '' : element.textParts.join('').trim();
    element.textParts = [];
    const keep = handlers.onEnd?.(element, depth) !== false;
    const parent = stack[stack.length - 1];
    if (parent === undefined) root = element;
    else if (keep) parent.children.push(element);
  });

  /** Counts lines and the longest stretch without markup in freshly decoded text; false when refused. */
  const scan = (text: string): boolean => {
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code === 10) {
        if (!previousWasCr) line++;
        previousWasCr = false;
      } else if (code === 13) {
        line++;
        previousWasCr = true;
      } else {
        previousWasCr = false;
        if (!sawContent && code !== 32 && code !== 9 && code !== 0xfeff) sawContent = true;
      }
      if (code === 60 || code === 62) {
        run = 0;
        runLine = line;
      } else if (++run > maxValueChars) {
        fail(runLine, innermost(), `a value or tag is longer than ${describeSize(maxValueChars)}; no holdings file has such a field, so the file is refused`);
        return false;
      }
    }
    return true;
  };

  const write = (text: string) => {
    if (failed || text === '') return;
    if (!scan(text)) return;
    parser.write(text);
  };

  const decode = (bytes: Uint8Array, final: boolean) => {
    if (decoder === null || failed) return;
    let text: string;
    try {
      text = decoder.decode(bytes, { stream: !final });
    } catch {
      if (encoding === 'utf-8') {
        const lenient = new TextDecoder('utf-8').decode(bytes);
        const badAt = lenient.indexOf('\uFFFD');
        fail(line + (badAt < 0 ? 0 : countLines(lenient.slice(0, badAt))), '', 'the file is not valid UTF-8 text (wrong encoding, or not a text file)');
      } else {
        fail(line, '', `the file cannot be read as ${encoding} text`);
      }
      return;
    }
    write(text);
  };

  /** Chooses the decoder from the first bytes, as decodeXmlBytes does for a whole file. */
  const start = (bytes: Uint8Array) => {
    const bom = byteOrderMark(bytes);
    if (options.encoding !== undefined) encoding = options.encoding;
    else if (bom !== null) encoding = bom;
    else if (bytes[0] === 0x3c && bytes[1] === 0x00) encoding = 'utf-16le';
    else if (bytes[0] === 0x00 && bytes[1] === 0x3c) encoding = 'utf-16be';
    else {
      const declared = /^\s*<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(asciiHead(bytes, 200))?.[1];
      if (declared !== undefined) {
        const chosen = encodingFromLabel(declared);
        if (chosen === null) {
          fail(1, 'encoding', `the XML declaration names encoding "${declared}", which Ballast does not read; save the file as UTF-8`, declared);
          return;
        }
        // A declaration saying UTF-16 in a file without UTF-16 bytes is a mislabelled single-byte file.
        encoding = chosen.startsWith('utf-16') ? 'utf-8' : chosen;
      }
    }
    decoder = new TextDecoder(encoding, { fatal: true });
    decode(bytes, false);
  };

  return {
    get failed() {
      return failed;
    },
    push(chunk) {
      if (failed || chunk.length === 0) return;
      if (head !== null) {
        const joined = new Uint8Array(head.length + chunk.length);
        joined.set(head);
        joined.set(chunk, head.length);
        if (joined.length < ENCODING_SNIFF_BYTES) {
          head = joined;
          return;
        }
        head = null;
        start(joined);
        return;
      }
      decode(chunk, false);
    },
    end() {
      if (head !== null) {
        const bytes = head;
        head = null;
        start(bytes);
      }
      decode(new Uint8Array(0), true);
      if (!failed && !sawContent) fail(1, '', 'the file is empty');
      if (!failed) parser.close();
      if (!failed && root === null) fail(1, '', 'the file has no XML root element');
      return { ok: !failed, root: failed ? null : root, instructions, encoding };
    },
  };
}

const EMPTY_SCOPE: ReadonlyMap<string, string> = new Map();

function countLines(text: string): number {
  let lines = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 10) lines++;
    else if (code === 13) {
      if (text.charCodeAt(i + 1) === 10) i++;
      lines++;
    }
  }
  return lines;
}

function doctypeIsDangerous(body: string): boolean {
  return /<!ENTITY/i.test(body) || /\b(SYSTEM|PUBLIC)\b/.test(body) || /%[\w.-]+;/.test(body);
}

function looksTruncated(message: string): boolean {
  return /unclosed|not closed|closing tag|root element|unexpected end/i.test(message);
}

function describeSize(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${bytes} bytes`;
}
