import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import golden from './__fixtures__/structured-golden.json';
import finText from './__fixtures__/mt535/synthetic-two-page.mt535.fin?raw';
import type { HoldingsFile } from './holdings';
import { createMt535Reader, parseMt535 } from './mt535';
import { assemble, normalised, streamed } from './structured-stream.test-helpers';
import { encode } from './structured-positions.test-helpers';

/**
 * Issue 10: MT535 is read line by line as a stream. Whatever the chunk boundaries it gives what the former
 * whole-file reader gave (golden copy); a file cut short inside a message is refused whole.
 */

const reference = (golden as Record<string, HoldingsFile>)['mt535/synthetic-two-page.mt535.fin']!;
const read = (input: Uint8Array, cuts: number[]) => streamed(input, cuts, createMt535Reader);
const asStaged = (file: HoldingsFile) => normalised(JSON.parse(JSON.stringify(file)) as HoldingsFile);

/** The fixture's messages as bare block-4 text, with CRLF line ends. */
const bareText = finText
  .split(/(?=\{1:)/)
  .map((message) => message.slice(message.indexOf('{4:') + 3, message.indexOf('\n-}')))
  .join('\n')
  .replace(/\n/g, '\r\n');

describe('MT535 read as a stream', () => {
  const bytes = encode(finText);

  it('equals the former in-memory reader on the fixture, in one chunk and through parseMt535', () => {
    expect(normalised(assemble(read(bytes, [])))).toEqual(normalised(reference));
    expect(asStaged(parseMt535(bytes, 'f.fin'))).toEqual(normalised(reference));
  });

  it('equals it whatever the chunk boundaries, down to one byte', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: bytes.length }), { maxLength: 40 }), (cuts) => {
        expect(normalised(assemble(read(bytes, cuts)))).toEqual(normalised(reference));
      }),
      { numRuns: 200 },
    );
    const everyByte = Array.from({ length: bytes.length }, (_, i) => i);
    expect(normalised(assemble(read(bytes, everyByte)))).toEqual(normalised(reference));
  });

  it('CRLF, bare block-4 text, a BOM and corrupted content read the same in one chunk and split at every byte', () => {
    const variants = [
      finText.replace(/\n/g, '\r\n'),
      bareText,
      `\uFEFF${finText}`,
      finText.replace(':93B::AGGR//UNIT/2500,', ':93B::AGGR//UNIT/25X0,'),
      finText.replace(':98A::STAT//20240628', ':98A::STAT//20240631'),
      (([page1, page2]) => `${page1}${page1}${page2}`)(finText.split(/(?=\{1:)/)),
    ];
    for (const text of variants) {
      const variant = encode(text);
      const whole = asStaged(parseMt535(variant, 'f.fin'));
      expect(normalised(assemble(read(variant, [])))).toEqual(whole);
      expect(normalised(assemble(read(variant, Array.from({ length: variant.length }, (_, i) => i))))).toEqual(whole);
    }
  });

  it('a FIN message cut short is refused whole: fatal, no statements, one error', () => {
    const messages = [...finText.matchAll(/\{4:[\s\S]*?\n-\}/g)].map((match) => [match.index + 3, match.index + match[0].length - 2] as const);
    expect(messages).toHaveLength(2);
    for (const [from, to] of messages) {
      fc.assert(
        fc.property(fc.integer({ min: from, max: to }), (cut) => {
          const { file } = read(bytes.subarray(0, cut), [Math.floor(cut / 2)]);
          expect(file.fatal).toBe(true);
          expect(file.statements).toEqual([]);
          expect(file.issues).toEqual([expect.objectContaining({ severity: 'error', field: '{4:' })]);
        }),
        { numRuns: 60 },
      );
    }
  });

  it('bare block-4 text cut inside a sequence is refused whole, with the line of the open sequence', () => {
    const bare = encode(bareText);
    const starts = [...bareText.matchAll(/:16R:GENL/g)].map((match) => match.index);
    expect(starts).toHaveLength(2);
    // Where every sequence of a message is closed (after ":16S:GENL", before ":16R:SUBSAFE" …) a cut is not
    // inside a sequence: bare text has no end marker, so the message reads as complete there.
    const between: number[] = [];
    let depth = 0;
    for (const match of bareText.matchAll(/^:16([RS]):.*$/gm)) {
      depth += match[1] === 'R' ? 1 : -1;
      if (depth === 0) between.push(match.index + match[0].replace(/\r$/, '').length);
    }
    starts.forEach((start, index) => {
      // From inside the first field to inside the message's last :16S: (a message ends where the next begins).
      const lastClose = bareText.lastIndexOf(':16S:', (starts[index + 1] ?? bareText.length) - 1);
      fc.assert(
        fc.property(fc.integer({ min: start + 10, max: lastClose + 8 }), (cut) => {
          fc.pre(!between.some((at) => cut >= at && cut <= at + 2));
          const { file } = read(bare.subarray(0, cut), [Math.floor(cut / 3)]);
          expect(file.fatal).toBe(true);
          expect(file.statements).toEqual([]);
          expect(file.issues).toEqual([expect.objectContaining({ severity: 'error', field: expect.stringMatching(/^:16[RS]:$/) })]);
        }),
        { numRuns: 100 },
      );
    });
    const unclosed = read(bare.subarray(0, bareText.lastIndexOf(':16S:SUBSAFE', starts[1])), []).file;
    expect(unclosed.issues).toEqual([expect.objectContaining({ field: ':16R:', value: 'SUBSAFE' })]);
    expect(unclosed.issues[0]?.reason).toMatch(/is never closed [\s\S]*cut short/);
  });

  it('bytes that are not UTF-8 are refused whole with their line', () => {
    const broken = encode(finText.replace('SIEMENS', 'SIEM\u0000NS'));
    broken[broken.indexOf(0)] = 0xff;
    const line = finText.slice(0, finText.indexOf('SIEMENS')).split('\n').length;
    for (const cuts of [[], [broken.indexOf(0xff)], [broken.indexOf(0xff) + 1]]) {
      const { file } = read(broken, cuts);
      expect(file.fatal).toBe(true);
      expect(file.issues).toEqual([expect.objectContaining({ line, reason: expect.stringMatching(/not valid UTF-8/) })]);
    }
  });
});

describe('MT535: one long message (bare block-4 text without pages)', () => {
  const instrument = (n: number) => `:16R:FIN\n:35B:/TS/LONG${n}\nLONG ${n}\n:90B::MRKT//ACTU/USD2,\n:93B::AGGR//UNIT/${n + 1},\n:16S:FIN\n`;
  const message = (count: number, account = 'ACC1', close = ':16S:SUBSAFE\n') =>
    `:16R:GENL\n:28E:1/ONLY\n:98A::STAT//20240628\n:97A::SAFE//${account}\n:16S:GENL\n:16R:SUBSAFE\n${Array.from({ length: count }, (_, n) => instrument(n)).join('')}${close}`;

  it('streams its holdings past the held-back limit, the same in any chunks', () => {
    const bytes = encode(message(2_500));
    const whole = asStaged(parseMt535(bytes, 'long.txt'));
    expect(whole.issues).toEqual([]);
    expect(whole.statements[0]?.holdings).toHaveLength(2_500);
    expect(normalised(assemble(read(bytes, [1000, 50_000, 50_001, 123_456])))).toEqual(whole);
  });

  it('a malformed message is dropped alone while nothing of it was handed on, and refuses the file once something was', () => {
    const broken = (count: number) => message(count, 'ACC1', ':16S:FIN\n:16S:SUBSAFE\n') + message(3, 'ACC2');
    const small = read(encode(broken(10)), [77]).file;
    expect(small.fatal).toBe(false);
    expect(small.statements.map((s) => s.accountId)).toEqual(['ACC2']);
    expect(small.issues).toEqual([expect.objectContaining({ field: ':16S:', severity: 'error' })]);
    const large = read(encode(broken(1_500)), [77]).file;
    expect(large.fatal).toBe(true);
    expect(large.statements).toEqual([]);
    expect(large.issues).toEqual([expect.objectContaining({ field: ':16S:', severity: 'error' })]);
  });
});
