import { describe, expect, it } from 'vitest';
import { IssueCollector } from './report';
import { encode, latin1Bytes, utf16leBytes } from './structured-positions.test-helpers';
import { XML_MAX_DEPTH, attribute, childElement, childText, decodeXmlEntities, descendants, pathText, readXml } from './xml';

function read(input: Uint8Array | string, options = {}) {
  const issues = new IssueCollector();
  const document = readXml(input, issues, options);
  return { document, issues: issues.toArray() };
}

const BILLION_LAUGHS = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<lolz>&lol9;</lolz>`;

const XXE = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE foo [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<Document><Id>&xxe;</Id></Document>`;

describe('readXml', () => {
  it('builds an element tree with local names, namespaces, attributes, text and lines', () => {
    const { document, issues } = read(
      '<?xml version="1.0"?>\r\n<?OFX OFXHEADER="200" VERSION="220"?>\r\n<a:Root xmlns:a="urn:a" xmlns="urn:d" kind="x &amp; y">\r\n  <Child n="1">AT&amp;T &#65;&#x42;</Child>\r\n  <!-- a comment -->\r\n  <Child n="2"><![CDATA[<kept> &amp;]]></Child>\r\n</a:Root>',
    );
    expect(issues).toEqual([]);
    expect(document).not.toBeNull();
    const root = document!.root;
    expect(root.name).toBe('Root');
    expect(root.qualifiedName).toBe('a:Root');
    expect(root.namespace).toBe('urn:a');
    expect(root.line).toBe(3);
    expect(attribute(root, 'kind')).toBe('x & y');
    const children = root.children;
    expect(children.map((child) => [child.name, child.namespace, child.line, child.text, attribute(child, 'n')])).toEqual([
      ['Child', 'urn:d', 4, 'AT&T AB', '1'],
      ['Child', 'urn:d', 6, '<kept> &amp;', '2'],
    ]);
    expect(document!.instructions.map((instruction) => [instruction.target, instruction.attributes.get('VERSION'), instruction.line])).toEqual([
      ['xml', undefined, 1],
      ['OFX', '220', 2],
    ]);
  });

  it('offers path helpers', () => {
    const { document } = read('<a><b><c>1</c></b><b><c>2</c></b><d/></a>');
    const root = document!.root;
    expect(pathText(root, 'b', 'c')).toBe('1');
    expect(childText(root, 'd')).toBeNull();
    expect(childElement(root, 'missing')).toBeNull();
    expect(descendants(root, 'c').map((c) => c.text)).toEqual(['1', '2']);
  });

  it('refuses the billion-laughs entity expansion before parsing', () => {
    const started = performance.now();
    const { document, issues } = read(BILLION_LAUGHS);
    expect(document).toBeNull();
    expect(issues).toEqual([expect.objectContaining({ line: 2, field: 'DOCTYPE', severity: 'error' })]);
    expect(issues[0]?.reason).toMatch(/entities/);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('refuses external entities (XXE) and external DTDs', () => {
    expect(read(XXE).issues).toEqual([expect.objectContaining({ field: 'DOCTYPE', severity: 'error' })]);
    expect(read('<!DOCTYPE r SYSTEM "http://example.invalid/r.dtd"><r/>').issues[0]?.field).toBe('DOCTYPE');
    expect(read('<!DOCTYPE r [<!ENTITY % p SYSTEM "x"> %p;]><r/>').issues[0]?.field).toBe('DOCTYPE');
  });

  it('accepts a plain DOCTYPE without declarations and never expands an undeclared entity', () => {
    const { document, issues } = read('<!DOCTYPE r><r>&unknown; &lt;</r>');
    expect(issues).toEqual([]);
    expect(document!.root.text).toBe('&unknown; <');
  });

  it('refuses nesting deeper than the limit without overflowing the stack', () => {
    const depth = 10_000;
    const text = `${'<a>'.repeat(depth)}${'</a>'.repeat(depth)}`;
    const started = performance.now();
    const { document, issues } = read(text);
    expect(document).toBeNull();
    expect(issues).toEqual([expect.objectContaining({ line: 1, severity: 'error' })]);
    expect(issues[0]?.reason).toMatch(`more than ${XML_MAX_DEPTH} levels`);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('accepts nesting exactly at the limit', () => {
    const text = `${'<a>'.repeat(XML_MAX_DEPTH)}x${'</a>'.repeat(XML_MAX_DEPTH)}`;
    expect(read(text).issues).toEqual([]);
    expect(read(`${'<a>'.repeat(XML_MAX_DEPTH + 1)}x${'</a>'.repeat(XML_MAX_DEPTH + 1)}`).issues).toHaveLength(1);
  });

  it('refuses a file above the size limit before decoding it', () => {
    const { document, issues } = read(encode(`<r>${'x'.repeat(2000)}</r>`), { maxBytes: 1000 });
    expect(document).toBeNull();
    expect(issues[0]?.reason).toMatch(/more than the 1000 bytes accepted/);
  });

  it('refuses a 5 MB attribute or text node quickly, and reads a large one below the limit', () => {
    const big = 'x'.repeat(5 * 1024 * 1024);
    const started = performance.now();
    for (const text of [`<r a="${big}"/>`, `<r>\n<t>${big}</t></r>`]) {
      const { document, issues } = read(text);
      expect(document).toBeNull();
      expect(issues).toEqual([expect.objectContaining({ severity: 'error' })]);
      expect(issues[0]?.reason).toMatch(/longer than 1.0 MB/);
    }
    expect(performance.now() - started).toBeLessThan(2000);
    const large = 'y'.repeat(500_000);
    const { document, issues } = read(`<r a="${large}"><t>${large}</t></r>`);
    expect(issues).toEqual([]);
    expect(attribute(document!.root, 'a')).toHaveLength(large.length);
    expect(childText(document!.root, 't')).toHaveLength(large.length);
  });

  it('reports malformed and truncated XML with a line', () => {
    const truncated = read('<r>\n  <a>1</a>\n  <b>');
    expect(truncated.document).toBeNull();
    expect(truncated.issues[0]).toMatchObject({ severity: 'error' });
    expect(truncated.issues[0]?.reason).toMatch(/not well-formed XML/);
    const mismatched = read('<r>\n<a>\n</b>\n</r>');
    expect(mismatched.issues[0]).toMatchObject({ line: 3, severity: 'error' });
    expect(read('').issues[0]?.reason).toBe('the file is empty');
    expect(read('just text').issues[0]?.severity).toBe('error');
  });

  it('decodes UTF-16 (with and without BOM) and a declared Windows-1252', () => {
    const text = '<?xml version="1.0"?><r>Société Générale</r>';
    expect(read(utf16leBytes(text, true)).document?.root.text).toBe('Société Générale');
    expect(read(utf16leBytes(text, false)).document?.root.text).toBe('Société Générale');
    const latin = read(latin1Bytes('<?xml version="1.0" encoding="windows-1252"?><r>Société</r>'));
    expect(latin.document?.root.text).toBe('Société');
    expect(latin.document?.encoding).toBe('windows-1252');
    const iso = read(latin1Bytes('<?xml version="1.0" encoding="ISO-8859-1"?><r>Müller</r>'));
    expect(iso.document?.root.text).toBe('Müller');
  });

  it('reports Latin-1 bytes in a file that claims (or defaults to) UTF-8, and unknown encodings', () => {
    const wrong = read(latin1Bytes('<?xml version="1.0"?>\n<r>\nSociété</r>'));
    expect(wrong.document).toBeNull();
    expect(wrong.issues).toEqual([expect.objectContaining({ line: 3, severity: 'error' })]);
    expect(wrong.issues[0]?.reason).toMatch(/not valid UTF-8/);
    const unknown = read(encode('<?xml version="1.0" encoding="EBCDIC-CP-US"?><r/>'));
    expect(unknown.issues[0]).toMatchObject({ field: 'encoding', severity: 'error' });
  });
});

describe('decodeXmlEntities', () => {
  it('decodes only predefined entities and valid character references', () => {
    expect(decodeXmlEntities('&lt;&gt;&amp;&quot;&apos;&#233;&#xE9;')).toBe('<>&"\'éé');
    expect(decodeXmlEntities('&lol9; &#0; &#x110000; &#xD800;')).toBe('&lol9; &#0; &#x110000; &#xD800;');
  });
});
