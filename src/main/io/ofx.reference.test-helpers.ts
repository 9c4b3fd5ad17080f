import { dropDuplicateHoldings, validateCash, validateHolding } from './holding-checks';
import type { HoldingLine, HoldingsFile, HoldingsStatement } from './holdings';
import {
  type SecurityInfo,
  CappedWarnings,
  DEFAULT_CONTRACT_SIZE,
  INFO_KINDS,
  POSITION_KINDS,
  fieldOf,
  readOfxNumber,
  readPosition,
  reportStatus,
  headText,
  securityKey,
  statementHead,
} from './ofx';
import { IssueCollector } from './report';
import {
  LineIndex,
  XML_MAX_BYTES,
  XML_MAX_DEPTH,
  type XmlElement,
  childElement,
  childText,
  decodeBytes,
  decodeXmlEntities,
  descendants,
  encodingFromLabel,
  pathElement,
  readXml,
} from './xml';

/**
 * Test oracle only (issue 10): the whole-file OFX reader as it was before OFX was read as a stream, kept
 * so the streaming reader in ofx.ts can be compared with it on every fixture and on generated variants: its
 * own whole-file tree (SGML or XML) and statement assembly, with the position-level readers (unchanged by the
 * streaming) imported from ofx.ts. Not used by product code.
 *
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
export function parseOfxInMemory(input: Uint8Array | string, fileName: string): HoldingsFile {
  void fileName; // messages are addressed by the caller's formatIssue, which names the file
  const issues = new IssueCollector();
  const detected: Record<string, string> = {};
  const result = (statements: HoldingsStatement[]): HoldingsFile => ({ format: 'ofx', detected, statements, issues: issues.toArray() });

  if (input.length > XML_MAX_BYTES) {
    issues.error(0, '', `the file is larger than the ${XML_MAX_BYTES / (1024 * 1024)} MB accepted for an OFX statement`);
    return result([]);
  }
  const root = readOfxTree(input, issues, detected);
  if (root === null) return result([]);
  if (root.name.toUpperCase() !== 'OFX') {
    issues.error(root.line, root.name, `the file's root element is <${root.name}>, not <OFX>`);
    return result([]);
  }
  if (descendants(root, 'INTU.BID').length > 0) detected.flavour = 'QFX (Quicken)';
  return result(readStatements(root, issues, detected));
}

// ---------------------------------------------------------------------------------------------------
// Bytes → element tree

function readOfxTree(input: Uint8Array | string, issues: IssueCollector, detected: Record<string, string>): XmlElement | null {
  const head = typeof input === 'string' ? input.slice(0, 4096) : headText(input);
  const trimmedHead = head.replace(/^\uFEFF/, '').trimStart();
  if (/^OFXHEADER\s*:/i.test(trimmedHead)) {
    const text = decodeSgmlOfx(input, trimmedHead, issues, detected);
    if (text === null) return null;
    detected.dialect = 'OFX 1.x (SGML)';
    return sgmlToTree(text, issues);
  }
  if (/^<\?xml/i.test(trimmedHead) || /<\?OFX/i.test(trimmedHead)) {
    const document = readXml(input, issues);
    if (document === null) return null;
    const header = document.instructions.find((instruction) => instruction.target.toUpperCase() === 'OFX');
    detected.dialect = 'OFX 2.x (XML)';
    detected.encoding = document.encoding;
    const version = header?.attributes.get('VERSION');
    if (version !== undefined) detected.version = version;
    if (header === undefined) issues.warning(1, 'OFXHEADER', 'the XML has no <?OFX …?> header; read as OFX 2.x anyway');
    return document.root;
  }
  if (/<OFX>/i.test(head)) {
    // No header at all: some exporters write only the body. The SGML reader also accepts closed leaves.
    const decoded = typeof input === 'string' ? { text: input, encoding: 'text' } : decodeBytes(input, 'utf-8', issues);
    if (decoded === null) return null;
    detected.dialect = 'OFX (no header)';
    detected.encoding = decoded.encoding;
    issues.warning(1, 'OFXHEADER', 'the file has no OFX header; read as OFX anyway');
    return sgmlToTree(decoded.text, issues);
  }
  issues.error(1, 'OFXHEADER', 'the file is not OFX: it has neither an "OFXHEADER:100" header nor an <?OFX …?> declaration nor an <OFX> element');
  return null;
}

/** OFX 1.x: ENCODING USASCII + CHARSET 1252/ISO-8859-1 is a single-byte file; ENCODING UTF-8 is UTF-8. */
function decodeSgmlOfx(input: Uint8Array | string, head: string, issues: IssueCollector, detected: Record<string, string>): string | null {
  const headerBlock = head.slice(0, Math.max(0, head.search(/</)) || head.length);
  const header = new Map<string, string>();
  for (const match of headerBlock.matchAll(/([A-Z]+)\s*:\s*([^\s<]*)/gi)) header.set((match[1] ?? '').toUpperCase(), match[2] ?? '');
  const version = header.get('VERSION');
  if (version) detected.version = version;
  const data = header.get('DATA');
  if (data && data.toUpperCase() !== 'OFXSGML') issues.warning(1, 'DATA', `the OFX header says DATA:${data}; read as OFXSGML`, data);
  if ((header.get('COMPRESSION') ?? 'NONE').toUpperCase() !== 'NONE') {
    issues.error(1, 'COMPRESSION', 'the OFX file is compressed; export it uncompressed', header.get('COMPRESSION'));
    return null;
  }
  if ((header.get('SECURITY') ?? 'NONE').toUpperCase() !== 'NONE') {
    issues.error(1, 'SECURITY', 'the OFX file uses message-level security (encrypted); export it without', header.get('SECURITY'));
    return null;
  }
  if (typeof input === 'string') {
    detected.encoding = 'text';
    return input.replace(/^\uFEFF/, '');
  }
  const encodingLabel = (header.get('ENCODING') ?? 'USASCII').toUpperCase();
  const charset = header.get('CHARSET') ?? '1252';
  let encoding: string | null;
  if (encodingLabel === 'UTF-8' || encodingLabel === 'UTF8' || encodingLabel === 'UNICODE') encoding = 'utf-8';
  else if (encodingLabel === 'USASCII') encoding = encodingFromLabel(charset) ?? (charset.toUpperCase() === 'NONE' ? 'windows-1252' : null);
  else encoding = null;
  if (encoding === null) {
    issues.error(1, 'CHARSET', `the OFX header names encoding ${encodingLabel} / charset ${charset}, which Ballast does not read`, `${encodingLabel}/${charset}`);
    return null;
  }
  const decoded = decodeBytes(input, encoding, issues);
  if (decoded === null) return null;
  detected.encoding = decoded.encoding;
  return decoded.text;
}

interface BuildingElement {
  name: string;
  line: number;
  text: string;
  children: BuildingElement[];
}

/**
 * OFX 1.x SGML → element tree. Leaf elements ("<CODE>0") usually have no end tag; aggregates always do.
 * A start tag followed by text is a leaf (an optional matching end tag is consumed); one followed by
 * another tag is opened as an aggregate. An element still open when an outer end tag arrives was an
 * empty leaf: it is closed there and anything read inside it is handed back to its parent.
 */
export function sgmlToTree(text: string, issues: IssueCollector, maxDepth = XML_MAX_DEPTH): XmlElement | null {
  const lines = new LineIndex(text);
  const start = text.search(/<OFX>/i);
  if (start < 0) {
    issues.error(1, 'OFX', 'the file has no <OFX> element');
    return null;
  }
  const top: BuildingElement = { name: '#document', line: 1, text: '', children: [] };
  const stack: BuildingElement[] = [top];
  let i = start;
  while (i < text.length) {
    const open = text.indexOf('<', i);
    if (open < 0) break;
    const close = text.indexOf('>', open + 1);
    const nextOpen = text.indexOf('<', open + 1);
    if (close < 0 || (nextOpen >= 0 && nextOpen < close)) {
      issues.error(lines.lineAt(open), '', `a tag is not closed with ">"${close < 0 ? ' (is the file cut short?)' : ''}`, text.slice(open, open + 40));
      return null;
    }
    const tag = text.slice(open + 1, close).trim();
    if (tag.startsWith('!') || tag.startsWith('?')) {
      i = close + 1;
      continue;
    }
    const isEnd = tag.startsWith('/');
    const name = (isEnd ? tag.slice(1) : tag).trim().toUpperCase();
    if (!/^[A-Z0-9][A-Z0-9._-]*$/.test(name)) {
      issues.error(lines.lineAt(open), '', `"<${tag}>" is not an OFX tag`, `<${tag}>`);
      return null;
    }
    const parent = stack[stack.length - 1] as BuildingElement;
    if (isEnd) {
      let index = stack.length - 1;
      while (index > 0 && stack[index]?.name !== name) index -= 1;
      if (index === 0) {
        issues.warning(lines.lineAt(open), name, `</${name}> closes an element that is not open; ignored`);
      } else {
        while (stack.length - 1 > index) {
          const implicit = stack.pop() as BuildingElement;
          const owner = stack[stack.length - 1] as BuildingElement;
          // A loop, not push(...spread): a spread of many children would overflow the call stack.
          for (const child of implicit.children) owner.children.push(child);
          implicit.children = [];
        }
        stack.pop();
        if (stack.length === 1 && name === 'OFX') {
          const rest = text.slice(close + 1);
          if (rest.trim() !== '') issues.warning(lines.lineAt(close + 1), '', 'text after </OFX> is ignored');
          break;
        }
      }
      i = close + 1;
      continue;
    }
    const valueEnd = text.indexOf('<', close + 1);
    const value = text.slice(close + 1, valueEnd < 0 ? text.length : valueEnd).trim();
    const element: BuildingElement = { name, line: lines.lineAt(open), text: '', children: [] };
    parent.children.push(element);
    if (value !== '') {
      element.text = decodeXmlEntities(value);
      i = valueEnd < 0 ? text.length : valueEnd;
      i = afterOptionalEndTag(text, i, name);
    } else {
      if (stack.length > maxDepth) {
        issues.error(element.line, name, `OFX elements are nested more than ${maxDepth} levels deep; the file is refused`);
        return null;
      }
      stack.push(element);
      i = close + 1;
    }
  }
  if (stack.length > 1) {
    // Unclosed elements with content are aggregates the file never finished; childless ones were empty leaves.
    const unfinished = stack.slice(1).reverse().find((element) => element.children.length > 0) ?? stack[1];
    if (unfinished !== undefined) {
      issues.error(unfinished.line, unfinished.name, `<${unfinished.name}> is never closed (is the file cut short?)`);
    }
    return null;
  }
  const root = top.children[0];
  if (root === undefined) {
    issues.error(1, 'OFX', 'the file has no <OFX> element');
    return null;
  }
  return freeze(root);
}

function freeze(element: BuildingElement): XmlElement {
  // Depth is bounded by maxDepth, so this recursion is too.
  return {
    name: element.name,
    qualifiedName: element.name,
    namespace: null,
    attributes: new Map(),
    children: element.children.map(freeze),
    text: element.text,
    line: element.line,
  };
}

/** Skips `</NAME>` at `at` when it closes the leaf just read (OFX 1.x allows but does not require it). */
function afterOptionalEndTag(text: string, at: number, name: string): number {
  if (text.charCodeAt(at) !== 60 || text.charCodeAt(at + 1) !== 47) return at;
  const close = text.indexOf('>', at + 2);
  if (close < 0 || close - at > name.length + 16) return at;
  return text.slice(at + 2, close).trim().toUpperCase() === name ? close + 1 : at;
}

// ---------------------------------------------------------------------------------------------------
// Element tree → statements

function readStatements(root: XmlElement, issues: IssueCollector, detected: Record<string, string>): HoldingsStatement[] {
  reportStatus(pathElement(root, 'SIGNONMSGSRSV1', 'SONRS'), issues, 'sign-on');
  const securities = readSecurityList(root, issues);
  const responses = descendants(root, 'INVSTMTRS');
  if (responses.length === 0) {
    for (const transaction of descendants(root, 'INVSTMTTRNRS')) reportStatus(transaction, issues, 'investment statement');
    const other = ['STMTRS', 'CCSTMTRS'].find((name) => descendants(root, name).length > 0);
    issues.error(
      root.line,
      'INVSTMTRS',
      other
        ? 'the OFX file is a bank or card statement, not an investment statement (no INVSTMTRS); export the brokerage account'
        : 'the OFX file has no investment statement (INVSTMTRS)',
    );
    return [];
  }
  for (const transaction of descendants(root, 'INVSTMTTRNRS')) reportStatus(transaction, issues, 'investment statement');
  detected.statements = String(responses.length);
  return responses.map((response) => readStatement(response, securities, issues));
}

function readSecurityList(root: XmlElement, issues: IssueCollector): Map<string, SecurityInfo> {
  const securities = new Map<string, SecurityInfo>();
  for (const list of descendants(root, 'SECLIST')) {
    for (const info of list.children) {
      if (!(INFO_KINDS as readonly string[]).includes(info.name)) continue;
      const secInfo = childElement(info, 'SECINFO');
      const secId = secInfo === null ? null : childElement(secInfo, 'SECID');
      const key = secId === null ? null : securityKey(secId);
      if (secInfo === null || key === null) {
        issues.warning(info.line, info.name, `a ${info.name} entry in SECLIST has no SECID; ignored`);
        continue;
      }
      if (securities.has(key)) continue;
      const currency = childElement(secInfo, 'CURRENCY') ?? childElement(secInfo, 'ORIGCURRENCY');
      securities.set(key, {
        ticker: fieldOf(secInfo, 'TICKER'),
        name: childText(secInfo, 'SECNAME'),
        kind: info.name,
        contractSize: fieldOf(info, 'SHPERCTRCT'),
        currency: currency === null ? null : fieldOf(currency, 'CURSYM'),
      });
    }
  }
  return securities;
}

function readStatement(response: XmlElement, securities: Map<string, SecurityInfo>, issues: IssueCollector): HoldingsStatement {
  const statement = statementHead(response, issues);
  const notes = statement.notes;

  const defaultCurrency = fieldOf(response, 'CURDEF');
  const positionList = childElement(response, 'INVPOSLIST');
  const holdings: HoldingLine[] = [];
  let optionsWithoutContractSize = 0;
  const unlisted = new CappedWarnings();
  if (positionList !== null) {
    for (const position of positionList.children) {
      if (!(POSITION_KINDS as readonly string[]).includes(position.name)) {
        issues.warning(position.line, position.name, `<${position.name}> is not an OFX position type; ignored`);
        continue;
      }
      const raw = readPosition(position, securities, defaultCurrency, issues, unlisted);
      if (raw === null) continue;
      if (position.name === 'POSOPT' && raw.priceMultiplier?.field === 'SHPERCTRCT (default)') optionsWithoutContractSize += 1;
      const holding = validateHolding(raw, issues, readOfxNumber);
      if (holding !== null) holdings.push(holding);
    }
  }
  if (unlisted.unreported > 0) {
    issues.warning(positionList?.line ?? response.line, 'SECID', `${unlisted.unreported} more position(s) have no entry in the security list (SECLIST)`);
  }
  if (optionsWithoutContractSize > 0) {
    notes.push(`${optionsWithoutContractSize} option position(s) without SHPERCTRCT in SECLIST: ${DEFAULT_CONTRACT_SIZE} shares per contract assumed`);
  }
  if (holdings.some((holding) => holding.securityType === 'OPT')) notes.push('option prices are per contract (OFX premium per share × shares per contract)');
  statement.holdings = dropDuplicateHoldings(holdings, issues, () => 'UNIQUEID');

  const balance = childElement(response, 'INVBAL');
  const cash = balance === null ? null : fieldOf(balance, 'AVAILCASH');
  if (cash !== null) {
    if (defaultCurrency === null) {
      issues.error(cash.line, 'CURDEF', 'the statement has a cash balance but no currency (CURDEF)');
    } else {
      const line = validateCash(cash, defaultCurrency, issues, readOfxNumber);
      if (line !== null) statement.cash.push(line);
    }
  }
  if (positionList === null && cash === null) {
    issues.warning(response.line, 'INVPOSLIST', 'the statement has no position list (INVPOSLIST) and no cash balance');
  }
  return statement;
}
