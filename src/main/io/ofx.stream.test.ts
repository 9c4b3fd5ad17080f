import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import golden from './__fixtures__/structured-golden.json';
import ofx1Text from './__fixtures__/ofx/synthetic-brokerage-ofx1.ofx?raw';
import ofx2Text from './__fixtures__/ofx/synthetic-brokerage-ofx2.ofx?raw';
import qfxText from './__fixtures__/ofx/synthetic-quicken.qfx?raw';
import type { HoldingsFile } from './holdings';
import { createOfxReader, parseOfx } from './ofx';
import { parseOfxInMemory } from './ofx.reference.test-helpers';
import { assemble, streamed } from './structured-stream.test-helpers';
import { encode, latin1Bytes } from './structured-positions.test-helpers';

/**
 * Issue 10: OFX is read as a stream (twice: the security list comes after the positions). Whatever the chunk
 * boundaries it gives what the former whole-file reader gave — the golden copy on the fixtures, and the
 * former reader itself (kept as a test oracle) on variants: empty leaves, missing and stray end tags, CRLF,
 * entities, Latin-1 and UTF-16 bytes, a currency after the positions, the security list first, several
 * statements, damaged values and files cut short. Issues are compared in order, not sorted.
 */

const read = (input: Uint8Array, cuts: number[]) => streamed(input, cuts, createOfxReader);
const staged = (file: HoldingsFile) => JSON.parse(JSON.stringify(file)) as HoldingsFile;
const FIXTURES: Record<string, string> = {
  'ofx/synthetic-brokerage-ofx1.ofx': ofx1Text,
  'ofx/synthetic-brokerage-ofx2.ofx': ofx2Text,
  'ofx/synthetic-quicken.qfx': qfxText,
};

/**
 * OFX 2.x is XML read by saxes now (by fast-xml-parser before), like Flex and semt.002: a malformed file is
 * refused in saxes' words, and the two differ at the edges (fast-xml-parser lets a processing instruction
 * without a name through, saxes a damaged XML declaration). Where either refused an XML file, the exact
 * comparison is skipped; a refusal must still be whole (no statements, an error).
 */
const XML_REFUSAL = /not well-formed XML|nested more than|longer than|not valid UTF-8|cannot be read as|declares XML entities|no XML root|the file is empty/;
const refusedXml = (file: HoldingsFile) => file.detected.dialect === undefined && file.statements.length === 0 && file.issues.some((issue) => XML_REFUSAL.test(issue.reason));

function expectSameAsBefore(bytes: Uint8Array, cuts: number[]): void {
  const before = staged(parseOfxInMemory(bytes, 'f.ofx'));
  const now = assemble(read(bytes, cuts));
  const xml = !/^\s*OFXHEADER\s*:/i.test(new TextDecoder().decode(bytes.subarray(0, 200)).replace(/^\uFEFF/, ''));
  if (xml && (refusedXml(before) || refusedXml(now))) {
    if (refusedXml(now)) expect(now.statements).toEqual([]);
    return;
  }
  expect(now).toEqual(before);
  expect(staged(parseOfx(bytes, 'f.ofx'))).toEqual(before);
}

describe('OFX read as a stream', () => {
  it('equals the golden copy of the former reader on every fixture, in one chunk, in any chunks and through parseOfx', () => {
    for (const [name, text] of Object.entries(FIXTURES)) {
      const reference = (golden as Record<string, HoldingsFile>)[name]!;
      const bytes = encode(text);
      expect(assemble(read(bytes, []))).toEqual(reference);
      expect(staged(parseOfx(bytes, name))).toEqual(reference);
      expect(staged(parseOfx(text, name))).toEqual(staged(parseOfxInMemory(text, name)));
      const everyByte = Array.from({ length: bytes.length }, (_, i) => i);
      expect(assemble(read(bytes, everyByte))).toEqual(reference);
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 0, max: bytes.length }), { maxLength: 30 }), (cuts) => {
          expect(assemble(read(bytes, cuts))).toEqual(reference);
        }),
        { numRuns: 50 },
      );
    }
  });

  it('equals the former reader on variants of the fixtures', () => {
    // The fixtures' own line ends (CRLF) are compared above; the variants are built on LF text.
    const [ofx1, ofx2, qfx] = [ofx1Text, ofx2Text, qfxText].map((text) => text.replace(/\r\n/g, '\n')) as [string, string, string];
    const sgmlFirstSecurities = ofx1.replace(/<SECLISTMSGSRSV1>[\s\S]*<\/SECLISTMSGSRSV1>\n?/, '').replace('<INVSTMTMSGSRSV1>', (ofx1.match(/<SECLISTMSGSRSV1>[\s\S]*<\/SECLISTMSGSRSV1>\n?/)?.[0] ?? '') + '<INVSTMTMSGSRSV1>');
    const variants: (string | Uint8Array)[] = [
      ofx1,
      ofx1.replace(/\n/g, '\r\n'),
      ofx1.replace(/\n/g, '\r'),
      qfx.replace(/\n/g, '\r\n'),
      ofx2.replace(/\n/g, '\r\n'),
      `\uFEFF${ofx1}`,
      sgmlFirstSecurities,
      // Currency after the positions: their currency still comes from it.
      ofx1.replace('<CURDEF>USD\n', '').replace('</INVPOSLIST>', '</INVPOSLIST>\n<CURDEF>USD'),
      ofx2.replace(/<CURDEF>USD<\/CURDEF>\s*/, '').replace('</INVPOSLIST>', '</INVPOSLIST><CURDEF>EUR</CURDEF>'),
      // Empty leaves around aggregates, closing end tags missing or stray.
      ofx1.replace(/<INVPOS>/g, '<INVPOS>\n<MEMO>'),
      ofx1.replace('</INVPOSLIST>', ''),
      ofx1.replace('</POSSTOCK>', ''),
      ofx1.replace('</SECLIST>', '</SECLIST></NOTOPEN>'),
      ofx1.replace(/<\/STOCKINFO>/, ''),
      ofx1.replace('<SECLIST>', '<SECLIST><MEMO>'),
      ofx1.replace('</SECLIST>', ''),
      ofx1.replace('<SECNAME>', '<SECNAME>AT&amp;T &#233; &bogus; ').replace('<SECNAME>', '<SECNAME></SECNAME>'),
      ofx1.replace('</OFX>', '</OFX>\ntrailing text'),
      ofx1.replace('</OFX>', '</OFX>\n   \n'),
      ofx1.replace(/<CODE>0/, '<CODE>2000<MESSAGE>Partial</STATUS><STATUS><CODE>1'),
      // Two statements, a duplicate holding, damaged values, no date, no account, a bank statement.
      ofx1.replace(/(<INVSTMTTRNRS>[\s\S]*<\/INVSTMTTRNRS>)/, '$1\n$1'),
      ofx1.replace(/(<POSSTOCK>[\s\S]*?<\/POSSTOCK>)/, '$1\n$1'),
      ofx1.replace(/<UNITS>[^<\n]*/, '<UNITS>12x').replace(/<DTASOF>[^<\n]*/, '<DTASOF>20240631'),
      ofx1.replace(/<DTASOF>[^\n]*\n/, '').replace(/<ACCTID>[^\n]*\n/, ''),
      ofx1.replace(/<INVSTMTRS>[\s\S]*<\/INVSTMTRS>/, '<STMTRS><CURDEF>USD</STMTRS>'),
      ofx2.replace('<OFX>', '<NOTOFX>').replace('</OFX>', '</NOTOFX>'),
      ofx2.replace(/<\?OFX[^>]*>/, ''),
      // Headers: another charset, no header at all, compressed, encrypted, not OFX.
      latin1Bytes(ofx1.replace('Example Synthetic Brokerage', 'Société Générale Übersee')),
      ofx1.replace('CHARSET:1252', 'CHARSET:KOI8'),
      ofx1.slice(ofx1.indexOf('<OFX>')),
      ofx1.replace('COMPRESSION:NONE', 'COMPRESSION:ZIP'),
      ofx1.replace('SECURITY:NONE', 'SECURITY:TYPE1'),
      ofx1.replace('DATA:OFXSGML', 'DATA:XML'),
      'just some text, not a statement',
      '',
      // Structural refusals: a tag not closed, not a tag, nested too deep, cut short.
      ofx1.replace('<SONRS>', '<SONRS <x>'),
      ofx1.replace('<SONRS>', '<SON RS>'),
      ofx1.replace('<OFX>', `<OFX>${'<A>'.repeat(70)}`),
      ofx1.slice(0, ofx1.indexOf('</INVPOSLIST>')),
      ofx1.replace('<OFX>', '<ofx>'),
      // Shapes public OFX downloads and the specification's examples have (written here, not copied): every
      // SGML leaf closed and the file indented with tabs, XML with comments after elements, transactions
      // (with their own SECIDs) before the positions, open orders and marketing text after them.
      ofx1.replace(/^<([A-Z0-9.]+)>([^<\r\n]+)(?=\r?$)/gm, '<$1>$2</$1>').replace(/^</gm, '\t<'),
      ofx2.replace(/<\/([A-Z0-9.]+)>\n/g, '</$1>   <!-- end of $1 -->\n'),
      ofx1.replace(
        '</INVTRANLIST>',
        '<BUYSTOCK>\n<INVBUY>\n<INVTRAN>\n<FITID>T1\n<DTTRADE>20240610\n</INVTRAN>\n<SECID>\n<UNIQUEID>037833100\n<UNIQUEIDTYPE>CUSIP\n</SECID>\n<UNITS>10\n<UNITPRICE>190.5\n<TOTAL>-1905\n<SUBACCTSEC>CASH\n<SUBACCTFUND>CASH\n</INVBUY>\n<BUYTYPE>BUY\n</BUYSTOCK>\n</INVTRANLIST>',
      ),
      ofx1.replace('</INVBAL>', '</INVBAL>\n<INVOOLIST>\n<OOBUYSTOCK>\n<OO>\n<FITID>O1\n<SECID>\n<UNIQUEID>037833100\n<UNIQUEIDTYPE>CUSIP\n</SECID>\n<UNITS>5\n</OO>\n</OOBUYSTOCK>\n</INVOOLIST>\n<MKTGINFO>Synthetic &amp; invented'),
    ];
    // Every variant changes something (a replacement that found nothing would test the fixture twice).
    const texts = variants.filter((variant): variant is string => typeof variant === 'string');
    expect(texts.filter((text, index) => texts.indexOf(text) !== index).map((text) => texts.indexOf(text))).toEqual([]);
    for (const variant of variants) {
      const bytes = typeof variant === 'string' ? encode(variant) : variant;
      expectSameAsBefore(bytes, []);
      expectSameAsBefore(bytes, [1, 7, Math.floor(bytes.length / 3), Math.floor(bytes.length / 2) + 1]);
    }
  });

  it('equals the former reader on UTF-16 and on bytes that are not UTF-8', () => {
    const utf16 = (text: string) => {
      const bytes = new Uint8Array(2 + text.length * 2);
      bytes[0] = 0xff;
      bytes[1] = 0xfe;
      for (let i = 0; i < text.length; i++) {
        bytes[2 + i * 2] = text.charCodeAt(i) & 0xff;
        bytes[3 + i * 2] = text.charCodeAt(i) >> 8;
      }
      return bytes;
    };
    expectSameAsBefore(utf16(ofx1Text), [3, 101]);
    const broken = encode(ofx1Text.replace('ENCODING:USASCII', 'ENCODING:UTF-8').replace('Example Synthetic', 'Example \u0000ynthetic'));
    broken[broken.indexOf(0)] = 0xff;
    for (const cuts of [[], [broken.indexOf(0xff)], [broken.indexOf(0xff) + 1]]) {
      expectSameAsBefore(broken, cuts);
      expect(read(broken, cuts).file.fatal).toBe(true);
    }
  });

  it('equals the former reader on randomly damaged OFX 1.x and 2.x files, in random chunks', () => {
    const edit = fc.oneof(
      fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom('<MEMO>', '</INVPOS>', '</SECLIST>', '<POSSTOCK>', '\r\n', '<', '>', '&amp;', '<X>1</X>', '</OFX>', '<OFX>', '<CURDEF>EUR</CURDEF>', '<MEMO/>') }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.constantFrom(ofx1Text, qfxText, ofx2Text), fc.array(edit, { minLength: 1, maxLength: 4 }), fc.array(fc.nat(), { maxLength: 6 }), (base, edits, cutSeeds) => {
        let text = base;
        for (const change of edits) {
          const at = change.at % (text.length + 1);
          if (change.kind === 'delete') text = text.slice(0, at) + text.slice(at + change.length);
          else if (change.kind === 'insert') text = text.slice(0, at) + change.text + text.slice(at);
          else text = text.slice(0, at);
        }
        const bytes = encode(text);
        expectSameAsBefore(
          bytes,
          cutSeeds.map((seed) => seed % (bytes.length + 1)),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('refuses an OFX 1.x value longer than 1 MB, with its line, as the XML formats do (the former reader had a 64 MB file cap instead)', () => {
    const text = ofx1Text.replace('<ORG>Example Synthetic Brokerage', `<ORG>${'x'.repeat(1100 * 1024)}`);
    const { file, holdings } = read(encode(text), [70_000, 600_000]);
    expect(file.fatal).toBe(true);
    expect(holdings).toEqual([]);
    expect(file.issues).toEqual([expect.objectContaining({ severity: 'error', line: ofx1Text.slice(0, ofx1Text.indexOf('<ORG>')).split('\n').length })]);
    expect(file.issues[0]?.reason).toMatch(/longer than 1\.0 MB/);
  });

  it('hands positions on as a stream across many statements, with the security list read first', () => {
    const statement = (n: number) =>
      `<INVSTMTTRNRS><TRNUID>${n}<STATUS><CODE>0<SEVERITY>INFO</STATUS><INVSTMTRS><DTASOF>20240628<CURDEF>USD<INVACCTFROM><BROKERID>b<ACCTID>A${n}</INVACCTFROM><INVPOSLIST>` +
      Array.from({ length: 50 }, (_, i) => `<POSSTOCK><INVPOS><SECID><UNIQUEID>SYN${i}<UNIQUEIDTYPE>TICKER</SECID><HELDINACCT>CASH<POSTYPE>LONG<UNITS>${i + 1}<UNITPRICE>2.5<MKTVAL>${(i + 1) * 2.5}<DTPRICEASOF>20240628</INVPOS></POSSTOCK>\n`).join('') +
      `</INVPOSLIST><INVBAL><AVAILCASH>10</INVBAL></INVSTMTRS></INVSTMTTRNRS>\n`;
    const seclist = `<SECLISTMSGSRSV1><SECLIST>${Array.from({ length: 50 }, (_, i) => `<STOCKINFO><SECINFO><SECID><UNIQUEID>SYN${i}<UNIQUEIDTYPE>TICKER</SECID><SECNAME>Synthetic ${i}<TICKER>SYN${i}</SECINFO></STOCKINFO>`).join('\n')}</SECLIST></SECLISTMSGSRSV1>`;
    const text = `OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\n\n<OFX><INVSTMTMSGSRSV1>\n${Array.from({ length: 40 }, (_, n) => statement(n)).join('')}</INVSTMTMSGSRSV1>\n${seclist}\n</OFX>\n`;
    const bytes = encode(text);
    const seen: number[] = [];
    const reader = createOfxReader('many.ofx', { onHolding: (index) => seen.push(index) });
    for (let at = 0; at < bytes.length; at += 4096) reader.push(bytes.subarray(at, at + 4096));
    expect(seen).toEqual([]);
    expect(reader.rewind?.()).toBe(true);
    for (let at = 0; at < bytes.length; at += 4096) reader.push(bytes.subarray(at, at + 4096));
    const file = reader.end();
    expect(file.fatal).toBe(false);
    expect(file.issues).toEqual([]);
    expect(seen).toHaveLength(2000);
    expect(file.statements).toHaveLength(40);
    expectSameAsBefore(bytes, [4096, 8192, 100_000]);
  });
});
