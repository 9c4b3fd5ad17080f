import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createIncrementalDecoder, decodeText, decodeWindows1252, ENCODING_SNIFF_BYTES, LineCounter } from './encoding';
import { IssueCollector } from './report';

const utf8 = (text: string) => new TextEncoder().encode(text);
const utf16le = (text: string, bom = true) => new Uint8Array([...(bom ? [0xff, 0xfe] : []), ...Buffer.from(text, 'utf16le')]);
const utf16be = (text: string, bom = true) => {
  const le = Buffer.from(text, 'utf16le');
  const be = new Uint8Array(le.length);
  for (let i = 0; i + 1 < le.length; i += 2) {
    be[i] = le[i + 1] ?? 0;
    be[i + 1] = le[i] ?? 0;
  }
  return new Uint8Array([...(bom ? [0xfe, 0xff] : []), ...be]);
};
/** Windows-1252 bytes for text made of Latin-1 letters plus the few 0x80–0x9F characters used below. */
const cp1252 = (text: string) =>
  new Uint8Array([...text].map((char) => ({ '€': 0x80, '–': 0x96, '’': 0x92, '“': 0x93, '”': 0x94, Š: 0x8a })[char] ?? char.charCodeAt(0)));

describe('decodeText', () => {
  const sample = 'Symbol,Description\nNESN,Nestlé S.A. – “Namen” 12 €\n';

  it.each([
    ['UTF-8 without BOM', utf8(sample), 'utf-8'],
    ['UTF-8 with BOM', new Uint8Array([0xef, 0xbb, 0xbf, ...utf8(sample)]), 'utf-8-bom'],
    ['UTF-16LE with BOM', utf16le(sample), 'utf-16le'],
    ['UTF-16LE without BOM (NUL pattern)', utf16le(sample, false), 'utf-16le'],
    ['UTF-16BE with BOM', utf16be(sample), 'utf-16be'],
    ['UTF-16BE without BOM (NUL pattern)', utf16be(sample, false), 'utf-16be'],
    ['Windows-1252', cp1252(sample), 'windows-1252'],
  ] as const)('%s', (_name, bytes, encoding) => {
    const decoded = decodeText(bytes);
    expect(decoded).toEqual({ text: sample, encoding, issues: [] });
  });

  it('maps Windows-1252 0x80–0x9F itself, because Node decodes them as Latin-1 controls (nodejs/node#60888)', () => {
    expect(decodeWindows1252(new Uint8Array([0x80, 0x92, 0x96, 0x9f, 0x81, 0xe9]))).toBe('€’–Ÿ\u0081é');
  });

  it('an ASCII start defers the choice to the first non-ASCII byte, however late', () => {
    const head = 'a,b\n'.repeat(ENCODING_SNIFF_BYTES / 2);
    const late1252 = new Uint8Array([...utf8(head), ...cp1252('Société Générale\n')]);
    expect(decodeText(late1252)).toMatchObject({ encoding: 'windows-1252', issues: [] });
    expect(decodeText(late1252).text.endsWith('Société Générale\n')).toBe(true);
    const lateUtf8 = utf8(`${head}Société Générale\n`);
    expect(decodeText(lateUtf8)).toMatchObject({ encoding: 'utf-8', issues: [] });
  });

  it('a UTF-8 file with a damaged byte stays UTF-8 and names the line', () => {
    const bytes = new Uint8Array([...utf8('Name\nNestlé\nMüller'), 0xff, ...utf8('\n')]);
    const decoded = decodeText(bytes);
    expect(decoded.encoding).toBe('utf-8');
    expect(decoded.issues).toEqual([{ line: 3, field: '', reason: expect.stringContaining('not valid UTF-8'), severity: 'error' }]);
    expect(decoded.text).toContain('Nestlé');
  });

  it('refuses spreadsheets and PDFs with a plain reason', () => {
    expect(decodeText(new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2, 3])).issues[0]?.reason).toContain('Excel .xlsx');
    expect(decodeText(new Uint8Array([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0])).issues[0]?.reason).toContain('.xls');
    expect(decodeText(utf8('%PDF-1.7\n')).issues[0]?.reason).toContain('PDF');
  });

  it('reports NUL bytes in a file that is not UTF-16', () => {
    const decoded = decodeText(utf8('a,b\nc,\u0000d\n'));
    expect(decoded.issues).toEqual([{ line: 2, field: '', reason: expect.stringContaining('NUL'), severity: 'error' }]);
  });

  it('reports a UTF-16 file cut in the middle of a character', () => {
    const bytes = utf16le('a,b\n');
    expect(decodeText(bytes.subarray(0, bytes.length - 1)).issues[0]?.reason).toContain('half a character');
  });

  it('a profile can pin the encoding, but a BOM still wins', () => {
    expect(decodeText(cp1252('café'), { preferred: 'windows-1252' })).toMatchObject({ text: 'café', encoding: 'windows-1252' });
    expect(decodeText(new Uint8Array([0xef, 0xbb, 0xbf, ...utf8('café')]), { preferred: 'windows-1252' })).toMatchObject({
      text: 'café',
      encoding: 'utf-8-bom',
    });
  });

  it('empty input is empty UTF-8 text', () => {
    expect(decodeText(new Uint8Array(0))).toEqual({ text: '', encoding: 'utf-8', issues: [] });
  });
});

describe('createIncrementalDecoder', () => {
  const decodeInChunks = (bytes: Uint8Array, cuts: number[]) => {
    const issues = new IssueCollector();
    const decoder = createIncrementalDecoder(issues);
    let text = '';
    let from = 0;
    for (const cut of [...cuts].sort((a, b) => a - b)) {
      text += decoder.push(bytes.subarray(from, Math.max(from, cut)));
      from = Math.max(from, cut);
    }
    text += decoder.push(bytes.subarray(from));
    text += decoder.end();
    return { text, encoding: decoder.encoding, issues: issues.toArray() };
  };

  it('decodes the same whatever the chunk boundaries, in every encoding (property)', () => {
    const text = fc.string({ unit: fc.constantFrom(...[...'abc,;\t\n\r"é€–ß中😀 0123456789']), maxLength: 300 });
    const encode = fc.constantFrom<[string, (t: string) => Uint8Array]>(
      ['utf-8', utf8],
      ['utf-16le', (t) => utf16le(t)],
      ['utf-16be', (t) => utf16be(t)],
    );
    fc.assert(
      fc.property(text, encode, fc.array(fc.nat(1200), { maxLength: 6 }), (t, [, enc], cuts) => {
        const bytes = enc(t);
        const whole = decodeText(bytes);
        const chunked = decodeInChunks(bytes, cuts);
        expect(chunked.text).toBe(whole.text);
        expect(chunked.encoding).toBe(whole.encoding);
        expect(whole.text).toBe(t);
      }),
      { seed: 31, numRuns: 300 },
    );
  });

  it('never throws on random bytes, in any chunking (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.array(fc.nat(400), { maxLength: 5 }), (bytes, cuts) => {
        const result = decodeInChunks(bytes, cuts);
        expect(typeof result.text).toBe('string');
        for (const issue of result.issues) expect(issue.line).toBeGreaterThanOrEqual(1);
      }),
      { seed: 32, numRuns: 400 },
    );
  });

  it('holds the first 64 KiB before deciding, then streams', () => {
    const decoder = createIncrementalDecoder(new IssueCollector());
    expect(decoder.push(utf8('a,b\n'))).toBe('');
    expect(decoder.encoding).toBeNull();
    const rest = decoder.push(new Uint8Array(ENCODING_SNIFF_BYTES).fill(0x41));
    expect(rest.length).toBe(ENCODING_SNIFF_BYTES + 4);
    expect(decoder.push(utf8('xyz'))).toBe('xyz');
    expect(decoder.bytesRead).toBe(ENCODING_SNIFF_BYTES + 7);
  });
});

describe('LineCounter', () => {
  it('counts CRLF, LF and CR once each, across chunk boundaries', () => {
    const counter = new LineCounter();
    counter.advance('a\r');
    expect(counter.current).toBe(2);
    counter.advance('\nb\nc\rd');
    expect(counter.current).toBe(4);
    expect(counter.lineAt('x\ny', 2)).toBe(5);
  });

  it('numbers every position as a character-by-character count would, whatever the chunking (property)', () => {
    // The reference: lines as readCsvTable numbers them (CRLF, LF, CR each end one).
    const linesBefore = (text: string, index: number) => text.slice(0, index).split(/\r\n|\n|\r/).length;
    fc.assert(
      fc.property(fc.stringMatching(/^[ab\r\n]{0,40}$/), fc.array(fc.nat(40), { maxLength: 4 }), (text, cuts) => {
        const counter = new LineCounter();
        let from = 0;
        for (const cut of [...cuts, text.length].sort((a, b) => a - b)) {
          const chunk = text.slice(from, Math.max(from, cut));
          for (let i = 0; i <= chunk.length; i++) {
            // A CR at the end of what was seen so far may yet be half of a CRLF; positions after it are what counts.
            if (i > 0 && chunk[i - 1] === '\r') continue;
            expect(counter.lineAt(chunk, i)).toBe(linesBefore(text, from + i));
          }
          counter.advance(chunk);
          from = Math.max(from, cut);
        }
      }),
      { seed: 3, numRuns: 500 },
    );
  });

  it('counts ranges of one text as it counts the pieces cut from it (property)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[ab\r\n]{0,40}$/), fc.array(fc.nat(40), { maxLength: 5 }), (text, cuts) => {
        const byRange = new LineCounter();
        const byPiece = new LineCounter();
        let from = 0;
        for (const cut of [...cuts.map((c) => Math.min(c, text.length)), text.length].sort((a, b) => a - b)) {
          byRange.advance(text, from, cut);
          byPiece.advance(text.slice(from, cut));
          expect(byRange.current).toBe(byPiece.current);
          from = cut;
        }
      }),
      { seed: 4, numRuns: 500 },
    );
  });
});
