import { describe, expect, it } from 'vitest';
import { IssueCollector } from './report';
import { encode, latin1Bytes, utf16leBytes } from './structured-positions.test-helpers';
import { XML_MAX_DEPTH, attribute, childText, type XmlElement } from './xml';
import { createXmlStream } from './xml-stream';

/** The guarantees of readXml (xml.test.ts), kept by the streaming reader whatever the chunking. */
function read(input: string | Uint8Array, chunk = 7) {
  const issues = new IssueCollector();
  const ended: string[] = [];
  const stream = createXmlStream(issues, { onEnd: (element: XmlElement) => void ended.push(`${element.name}@${element.line}`) });
  const bytes = typeof input === 'string' ? encode(input) : input;
  for (let at = 0; at < bytes.length; at += chunk) stream.push(bytes.subarray(at, at + chunk));
  const result = stream.end();
  return { result, issues: issues.toArray(), ended };
}

describe('createXmlStream', () => {
  it('builds elements with the line of their "<", attributes, namespaces, text and CDATA', () => {
    const { result, issues, ended } = read('<?xml version="1.0"?>\n<d:Doc xmlns:d="urn:x" a="1 &amp; 2">\n  <d:T\n    b="x">t&lt;1 &unknown;</d:T>\n<C><![CDATA[<raw>]]></C></d:Doc>');
    expect(issues).toEqual([]);
    const root = result.root!;
    expect(root).toMatchObject({ name: 'Doc', qualifiedName: 'd:Doc', namespace: 'urn:x', line: 2 });
    expect(attribute(root, 'a')).toBe('1 & 2');
    expect(root.children[0]).toMatchObject({ name: 'T', namespace: 'urn:x', line: 3, text: 't<1 &unknown;' });
    expect(childText(root, 'C')).toBe('<raw>');
    expect(ended).toEqual(['T@3', 'C@5', 'Doc@2']);
    expect(result.instructions[0]).toMatchObject({ target: 'xml' });
  });

  it('refuses entity declarations and external DTDs at the DOCTYPE line', () => {
    const bomb = '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n<!ENTITY lol2 "&lol;&lol;">\n]>\n<lolz>&lol2;</lolz>';
    expect(read(bomb).issues).toEqual([expect.objectContaining({ line: 2, field: 'DOCTYPE', severity: 'error' })]);
    expect(read('<!DOCTYPE r SYSTEM "http://example.invalid/r.dtd"><r/>').issues[0]?.field).toBe('DOCTYPE');
    expect(read('<!DOCTYPE r><r>&unknown; &lt;</r>').result.root?.text).toBe('&unknown; <');
  });

  it('refuses nesting deeper than the limit at the start tag, and accepts it at the limit', () => {
    const { result, issues } = read(`${'<a>'.repeat(10_000)}${'</a>'.repeat(10_000)}`, 4096);
    expect(result.ok).toBe(false);
    expect(issues).toEqual([expect.objectContaining({ line: 1, field: 'a', severity: 'error' })]);
    expect(issues[0]?.reason).toMatch(`more than ${XML_MAX_DEPTH} levels`);
    expect(read(`${'<a>'.repeat(XML_MAX_DEPTH)}x${'</a>'.repeat(XML_MAX_DEPTH)}`).issues).toEqual([]);
  });

  it('refuses a value longer than the limit at the line it starts on', () => {
    const { issues } = read(`<r>\n<t>${'x'.repeat(2000)}</t></r>`, 300);
    expect(issues).toEqual([]);
    const limited = createXmlStream(new IssueCollector(), {}, { maxValueChars: 1000 });
    limited.push(encode(`<r>\n<t>${'x'.repeat(2000)}</t></r>`));
    expect(limited.failed).toBe(true);
  });

  it('reports malformed, truncated and empty input with a line and the element', () => {
    const truncated = read('<r>\n  <a>1</a>\n  <b>');
    expect(truncated.result.ok).toBe(false);
    expect(truncated.issues[0]?.reason).toMatch(/not well-formed XML.*cut short/);
    expect(read('<r>\n<a>\n</b>\n</r>').issues[0]).toMatchObject({ line: 3, severity: 'error' });
    expect(read('').issues[0]?.reason).toBe('the file is empty');
    expect(read('just text').issues[0]?.severity).toBe('error');
  });

  it('decodes UTF-16 (BOM or not), declared Windows-1252, and reports bad UTF-8 at its line', () => {
    const text = '<?xml version="1.0"?><r>Société Générale</r>';
    expect(read(utf16leBytes(text, true), 3).result.root?.text).toBe('Société Générale');
    expect(read(utf16leBytes(text, false), 5).result.root?.text).toBe('Société Générale');
    const latin = read(latin1Bytes('<?xml version="1.0" encoding="windows-1252"?><r>Société</r>'));
    expect(latin.result).toMatchObject({ ok: true, encoding: 'windows-1252' });
    expect(latin.result.root?.text).toBe('Société');
    const wrong = read(latin1Bytes(`<?xml version="1.0"?>\n<r>\n${'x'.repeat(300)}Société</r>`), 1000);
    expect(wrong.issues).toEqual([expect.objectContaining({ line: 3, severity: 'error' })]);
    expect(wrong.issues[0]?.reason).toMatch(/not valid UTF-8/);
    expect(read(encode('<?xml version="1.0" encoding="EBCDIC-CP-US"?><r/>')).issues[0]).toMatchObject({ field: 'encoding', severity: 'error' });
  });
});
