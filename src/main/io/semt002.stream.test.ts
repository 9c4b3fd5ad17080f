import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import golden from './__fixtures__/structured-golden.json';
import apphdrText from './__fixtures__/semt002/synthetic-custody-apphdr.semt002.xml?raw';
import semtText from './__fixtures__/semt002/synthetic-custody.semt002.xml?raw';
import type { HoldingsFile } from './holdings';
import { assemble, normalised, streamed } from './structured-stream.test-helpers';
import { createSemt002Reader, parseSemt002 } from './semt002';
import { encode } from './structured-positions.test-helpers';

/** Issue 10: semt.002 streams, with the former whole-document reader's results (golden copy) on every fixture. */

const fixtures: [string, string][] = [
  ['semt002/synthetic-custody.semt002.xml', semtText],
  ['semt002/synthetic-custody-apphdr.semt002.xml', apphdrText],
];

describe.each(fixtures)('semt.002 read as a stream: %s', (name, text) => {
  const reference = (golden as Record<string, HoldingsFile>)[name]!;
  const bytes = encode(text);
  const read = (input: Uint8Array, cuts: number[]) => streamed(input, cuts, createSemt002Reader);

  it('equals the former in-memory reader, in one chunk and through parseSemt002', () => {
    expect(normalised(assemble(read(bytes, [])))).toEqual(normalised(reference));
    expect(normalised(JSON.parse(JSON.stringify(parseSemt002(bytes, name))) as HoldingsFile)).toEqual(normalised(reference));
  });

  it('equals it whatever the chunk boundaries', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: bytes.length }), { maxLength: 40 }), (cuts) => {
        expect(normalised(assemble(read(bytes, cuts)))).toEqual(normalised(reference));
      }),
      { numRuns: 150 },
    );
  });

  it('a file cut mid-element is refused whole: fatal, no statements, one error', () => {
    const end = text.lastIndexOf('</');
    fc.assert(
      fc.property(fc.integer({ min: 1, max: end }), (cut) => {
        const { file } = read(bytes.subarray(0, cut), [Math.floor(cut / 2)]);
        expect(file.fatal).toBe(true);
        expect(file.statements).toEqual([]);
        expect(file.issues).toEqual([expect.objectContaining({ severity: 'error' })]);
      }),
      { numRuns: 100 },
    );
  });
});

describe('semt.002 pages and sub-accounts, streamed', () => {
  const report = (page: string, account: string, balances: string, extra = '') =>
    `<SctiesBalCtdyRpt>${page}<StmtGnlDtls><StmtDtTm><Dt>2024-06-28</Dt></StmtDtTm></StmtGnlDtls><SfkpgAcct><Id>${account}</Id></SfkpgAcct>\n${balances}${extra}</SctiesBalCtdyRpt>\n`;
  const balance = (isin: string, units: string, tag = 'BalForAcct') =>
    `<${tag}><FinInstrmId><ISIN>${isin}</ISIN></FinInstrmId><AggtBal><Qty><Qty><Unit>${units}</Unit></Qty></Qty></AggtBal></${tag}>\n`;
  const doc = (...reports: string[]) => `<?xml version="1.0"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:semt.002.001.08">\n${reports.join('')}</Document>\n`;
  const pg = (n: number, last: boolean) => `<Pgntn><PgNb>${n}</PgNb><LastPgInd>${last}</LastPgInd></Pgntn>`;

  it('pages of one account are joined across another account\'s report; duplicates across pages are found', () => {
    const text = doc(
      report(pg(1, false), 'A', balance('US0378331005', '1')),
      report(pg(1, true), 'B', balance('US0378331005', '2')),
      report(pg(2, true), 'A', balance('DE0007164600', '3') + balance('US0378331005', '4')),
    );
    const whole = parseSemt002(encode(text), 'p.xml');
    const chunked = assemble(streamed(encode(text), [50, 51, 400], createSemt002Reader));
    expect(normalised(chunked)).toEqual(normalised(JSON.parse(JSON.stringify(whole)) as HoldingsFile));
    expect(whole.statements.map((s) => [s.accountId, s.holdings.map((h) => h.quantity), s.notes[0]])).toEqual([
      ['A', ['1', '3'], 'pages 1, 2 joined'],
      ['B', ['2'], undefined],
    ]);
    expect(whole.issues).toEqual([expect.objectContaining({ field: 'FinInstrmId', severity: 'error' })]);
  });

  it('sub-account balances are read only when the report has no BalForAcct', () => {
    const sub = `<SubAcctDtls>${balance('US0378331005', '5', 'BalForSubAcct')}</SubAcctDtls>`;
    const onlySub = parseSemt002(encode(doc(report('', 'A', '', sub))), 's.xml');
    expect(onlySub.statements[0]?.holdings.map((h) => h.quantity)).toEqual(['5']);
    expect(onlySub.statements[0]?.notes).toContain('holdings read from the sub-account details');
    const both = parseSemt002(encode(doc(report('', 'A', balance('DE0007164600', '6'), sub))), 's.xml');
    expect(both.statements[0]?.holdings.map((h) => h.quantity)).toEqual(['6']);
  });
});
