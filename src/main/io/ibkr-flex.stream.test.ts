import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import golden from './__fixtures__/structured-golden.json';
import flexText from './__fixtures__/ibkr-flex/synthetic-two-accounts.flex.xml?raw';
import type { HoldingsFile } from './holdings';
import { parseIbkrFlex } from './ibkr-flex';
import { assemble, normalised, streamed } from './structured-stream.test-helpers';
import { encode } from './structured-positions.test-helpers';

/**
 * Issue 10: the Flex reader streams. Whatever the chunk boundaries, it gives what the former
 * whole-document reader gave on every fixture (a golden copy of that reader's output, written before
 * the change); a malformed or truncated file is refused as a whole with line and field.
 */

const reference = (golden as Record<string, HoldingsFile>)['ibkr-flex/synthetic-two-accounts.flex.xml']!;
const bytes = encode(flexText);

describe('IBKR Flex read as a stream', () => {
  it('equals the former in-memory reader on the fixture, in one chunk', () => {
    expect(normalised(assemble(streamed(bytes, [])))).toEqual(normalised(reference));
    expect(normalised(JSON.parse(JSON.stringify(parseIbkrFlex(bytes, 'f'))) as HoldingsFile)).toEqual(normalised(reference));
  });

  it('equals it whatever the chunk boundaries (down to one byte; inside tags, attributes, UTF-8 sequences)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: bytes.length }), { maxLength: 40 }), (cuts) => {
        expect(normalised(assemble(streamed(bytes, cuts)))).toEqual(normalised(reference));
      }),
      { numRuns: 200 },
    );
    const everyByte = Array.from({ length: bytes.length }, (_, i) => i);
    expect(normalised(assemble(streamed(bytes, everyByte)))).toEqual(normalised(reference));
  });

  it('equals it on corrupted content (bad numbers, dates, duplicates): same issues at the same lines', () => {
    const variants = [
      flexText.replace('position="200"', 'position="2x0"'),
      flexText.replace(/reportDate="20240628"/, 'reportDate="06/28/2024"'),
      flexText.replace('accountId="U9900001"', 'accountId=""'),
    ];
    for (const text of variants) {
      const whole = JSON.parse(JSON.stringify(parseIbkrFlex(encode(text), 'f'))) as HoldingsFile;
      const chunked = assemble(streamed(encode(text), [17, 300, 301, 1000, 1500]));
      expect(normalised(chunked)).toEqual(normalised(whole));
      expect(whole.issues.length).toBeGreaterThan(0);
    }
  });

  it('a malformed file is refused as a whole with its line and the element it broke in', () => {
    const lines = flexText.split('\n');
    const at = lines.findIndex((l) => l.includes('<OpenPosition '));
    lines[at] = lines[at]!.replace('<OpenPosition ', '<OpenPosition <');
    const { file, holdings } = streamed(encode(lines.join('\n')), [200]);
    expect(file.fatal).toBe(true);
    expect(file.statements).toEqual([]);
    expect(file.issues).toEqual([expect.objectContaining({ line: at + 1, field: 'OpenPosition', severity: 'error' })]);
    expect(file.issues[0]?.reason).toMatch(/not well-formed XML/);
    // Holdings read before the error were handed on; the caller discards them because the file is fatal.
    expect(holdings.length).toBeGreaterThanOrEqual(0);
  });

  it('a file cut mid-element at any offset is refused whole (fatal, no statements), never half-read', () => {
    const end = flexText.lastIndexOf('</FlexQueryResponse>');
    fc.assert(
      fc.property(fc.integer({ min: 1, max: end }), fc.array(fc.integer({ min: 0, max: end }), { maxLength: 5 }), (cut, cuts) => {
        const { file } = streamed(bytes.subarray(0, cut), cuts.filter((c) => c < cut));
        expect(file.fatal).toBe(true);
        expect(file.statements).toEqual([]);
        expect(file.issues).toHaveLength(1);
        expect(file.issues[0]).toMatchObject({ severity: 'error' });
      }),
      { numRuns: 150 },
    );
    const { file } = streamed(bytes.subarray(0, flexText.indexOf('levelOfDetail="LOT"')), []);
    expect(file.issues[0]?.reason).toMatch(/not well-formed XML: .*\(is the file cut short\?\)/);
  });

  it('a value longer than the per-value limit is one issue at its line, not a held buffer', () => {
    const huge = 'X'.repeat(2 * 1024 * 1024);
    const text = flexText.replace('description="APPLE INC"', `description="APPLE ${huge}"`);
    const line = flexText.slice(0, flexText.indexOf('description="APPLE INC"')).split('\n').length;
    const { file } = streamed(encode(text), [1 << 20, 1 << 21]);
    expect(file.fatal).toBe(true);
    expect(file.issues).toEqual([expect.objectContaining({ line, severity: 'error' })]);
    expect(file.issues[0]?.reason).toMatch(/longer than 1.0 MB/);
  });

  it('many statements stream without the earlier ones kept: each account and its holdings in file order', () => {
    const statement = (n: number) =>
      `<FlexStatement accountId="U${n}" toDate="20240628"><OpenPositions>` +
      `<OpenPosition assetCategory="STK" symbol="AAPL" isin="US0378331005" reportDate="20240628" position="${n + 1}" markPrice="2" positionValue="${2 * (n + 1)}" currency="USD" levelOfDetail="SUMMARY"/>` +
      `</OpenPositions></FlexStatement>\n`;
    const text = `<FlexQueryResponse queryName="q" type="AF"><FlexStatements count="300">\n${Array.from({ length: 300 }, (_, n) => statement(n)).join('')}</FlexStatements></FlexQueryResponse>`;
    const { file, holdings } = streamed(encode(text), [100, 5000, 5001]);
    expect(file.fatal).toBe(false);
    expect(file.statements.map((s) => s.accountId)).toEqual(Array.from({ length: 300 }, (_, n) => `U${n}`));
    expect(holdings.map(([i, h]) => [i, h.quantity, h.line])).toEqual(Array.from({ length: 300 }, (_, n) => [n, String(n + 1), n + 2]));
  });
});
