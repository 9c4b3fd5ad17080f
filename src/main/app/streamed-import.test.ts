import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MethodName } from '../../shared/api';
import type { ApiError, FileIssue, Result } from '../../shared/errors';
import { InlineJobRunner } from '../jobs/inline';
import { jobHandlers } from './jobs';
import { CHUNK_BYTES } from './sources';
import { createRuntime, type Runtime } from './runtime';

/*
 * Issue 10: IBKR Flex, semt.002, MT535 and OFX files are read from disk in chunks and parsed as a stream — several chunks here —
 * with the same all-or-nothing rule: a file cut mid-element or malformed anywhere is refused whole, with
 * its line and field, even with --allow-partial, and nothing is written.
 */

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const resourcesDir = path.join(repoRoot, 'resources');

function expectError(result: Result<unknown>, code: ApiError['code']): ApiError {
  if (result.ok) throw new Error(`expected ${code}, got ok: ${JSON.stringify(result.value).slice(0, 300)}`);
  expect(result.error.code, result.error.message).toBe(code);
  return result.error;
}

const ACCOUNTS = 3;
const LINES = 3_000;

/** A Flex file of ACCOUNTS statements × LINES summary lines (a few MB: several read chunks). */
function flexFile(): string {
  const parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<FlexQueryResponse queryName="Stream" type="AF">\n<FlexStatements count="3">\n'];
  for (let a = 0; a < ACCOUNTS; a++) {
    parts.push(`<FlexStatement accountId="STREAM-${a}" toDate="20260803">\n<OpenPositions>\n`);
    for (let i = 0; i < LINES; i++) {
      const quantity = 1 + ((a + i) % 50);
      parts.push(
        `<OpenPosition currency="USD" assetCategory="STK" symbol="STRM${i}" description="Streamed Security ${i} ${'padding '.repeat(20)}" reportDate="20260803" position="${quantity}" markPrice="2.5" positionValue="${(quantity * 2.5).toFixed(1)}" levelOfDetail="SUMMARY" />\n`,
      );
    }
    parts.push(`</OpenPositions>\n<CashReport><CashReportCurrency currency="USD" levelOfDetail="Currency" endingCash="${100 + a}" /></CashReport>\n</FlexStatement>\n`);
  }
  parts.push('</FlexStatements>\n</FlexQueryResponse>\n');
  return parts.join('');
}

describe('IBKR Flex imported as a stream (issue 10)', () => {
  let dir: string;
  let runtime: Runtime;
  let reader: Database.Database;
  let text: string;
  const call = (name: string, input?: unknown) => runtime.dispatcher.call(name, input);
  const invoke = <M extends MethodName>(name: M, input: unknown) => runtime.dispatcher.invoke(name, input);
  const counts = () => {
    const tables = (reader.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
    return Object.fromEntries(tables.map((t) => [t, (reader.prepare(`SELECT count(*) AS n FROM "${t}"`).get() as { n: number }).n]));
  };
  const write = (name: string, content: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, content);
    return file;
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'ballast-stream-'));
    runtime = createRuntime({ dbPath: path.join(dir, 'ballast.db'), resourcesDir, workerFile: 'unused', jobs: new InlineJobRunner(jobHandlers) });
    reader = new Database(runtime.dbPath, { readonly: true, fileMustExist: true });
    text = flexFile();
  });

  afterAll(async () => {
    reader?.close();
    await runtime?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a file cut mid-element is refused whole with its line, even with --allow-partial; nothing is written', async () => {
    const cut = text.indexOf('position=', Math.floor(text.length * 0.8));
    const file = write('cut.flex.xml', text.slice(0, cut));
    expect(statSync(file).size).toBeGreaterThan(2 * CHUNK_BYTES);
    const before = counts();
    const error = expectError(await call('imports.positions', { fileName: 'cut.flex.xml', path: file, createSecurities: true, allowPartial: true }), 'IMPORT_REJECTED');
    expect(counts()).toEqual(before);
    const issues = (error.details as { issues: FileIssue[] }).issues;
    expect(issues).toEqual([expect.objectContaining({ severity: 'error', field: 'OpenPosition' })]);
    expect(issues[0]!.reason).toMatch(/not well-formed XML.*cut short/);
    expect(issues[0]!.line).toBe(text.slice(0, cut).split('\n').length);
  });

  it('malformed XML deep in the file: refused with line and field in the message, nothing written', async () => {
    const lines = text.split('\n');
    const at = Math.floor(lines.length * 0.7);
    expect(lines[at]).toMatch(/^<OpenPosition /);
    lines[at] = lines[at]!.replace('position=', 'position=="');
    const before = counts();
    const error = expectError(await call('imports.positions', { fileName: 'bad.flex.xml', path: write('bad.flex.xml', lines.join('\n')), createSecurities: true }), 'IMPORT_REJECTED');
    expect(counts()).toEqual(before);
    expect(error.message).toMatch(new RegExp(`^bad\\.flex\\.xml: .*line ${at + 1}, field OpenPosition: the file is not well-formed XML`));
  });

  it('the whole file imports from several chunks: every account, line and cash balance', async () => {
    const file = write('whole.flex.xml', text);
    const preview = await invoke('imports.preview', { kind: 'positions', fileName: 'whole.flex.xml', path: file, createSecurities: true });
    expect(preview).toMatchObject({ format: 'ibkr-flex', totalRows: ACCOUNTS * LINES, rejectedRows: 0 });
    const result = await invoke('imports.positions', { fileName: 'whole.flex.xml', path: file, createSecurities: true });
    expect(result).toMatchObject({ status: 'imported', rows: ACCOUNTS * LINES, format: 'ibkr-flex' });
    expect(result.snapshots.map((s) => [s.accountId, s.asOf, s.positions])).toEqual(Array.from({ length: ACCOUNTS }, (_, a) => [`STREAM-${a}`, '2026-08-03', LINES]));
    const portfolio = await invoke('portfolio.get', { accountId: 'STREAM-1' });
    expect(portfolio.positions).toHaveLength(LINES);
    expect(portfolio.positions.find((p) => p.ticker === 'STRM7')?.quantity).toBe('9');
    expect(portfolio.cash).toBe('101');
  });

  it('semt.002: pages of one account on either side of another account\'s report import as one snapshot each', async () => {
    const balances = (from: number, count: number, prefix: string) =>
      Array.from({ length: count }, (_, i) => {
        const n = from + i;
        return `<BalForAcct><FinInstrmId><OthrId><Id>${prefix}${n}</Id><Tp><Cd>TICK</Cd></Tp></OthrId><Desc>Streamed semt ${n} ${'padding '.repeat(20)}</Desc></FinInstrmId><AggtBal><Qty><Qty><Unit>${n + 1}</Unit></Qty></Qty></AggtBal><PricDtls><Tp><Cd>MRKT</Cd></Tp><Val><Amt Ccy="USD">2</Amt></Val></PricDtls></BalForAcct>\n`;
      }).join('');
    const report = (page: number, last: boolean, account: string, body: string) =>
      `<SctiesBalCtdyRpt><Pgntn><PgNb>${page}</PgNb><LastPgInd>${last}</LastPgInd></Pgntn><StmtGnlDtls><StmtDtTm><Dt>2026-08-03</Dt></StmtDtTm></StmtGnlDtls><SfkpgAcct><Id>${account}</Id></SfkpgAcct>\n${body}</SctiesBalCtdyRpt>\n`;
    const xml = `<?xml version="1.0"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:semt.002.001.08">\n${report(1, false, 'SEMT-A', balances(0, 4000, 'SEMA'))}${report(1, true, 'SEMT-B', balances(0, 3000, 'SEMB'))}${report(2, true, 'SEMT-A', balances(4000, 3000, 'SEMA'))}</Document>\n`;
    const file = write('pages.semt002.xml', xml);
    expect(statSync(file).size).toBeGreaterThan(2 * CHUNK_BYTES);
    const result = await invoke('imports.positions', { fileName: 'pages.semt002.xml', path: file, createSecurities: true });
    expect(result).toMatchObject({ status: 'imported', rows: 10_000, format: 'semt002' });
    expect(result.snapshots.map((s) => [s.accountId, s.positions])).toEqual([
      ['SEMT-A', 7000],
      ['SEMT-B', 3000],
    ]);
    const portfolio = await invoke('portfolio.get', { accountId: 'SEMT-A' });
    expect(portfolio.positions.find((p) => p.ticker === 'SEMA4500')?.quantity).toBe('4501');
  });
  describe('MT535', () => {
    const holdings = (from: number, count: number) =>
      Array.from({ length: count }, (_, i) => {
        const n = from + i;
        return `:16R:FIN\n:35B:/TS/MTA${n}\nStreamed mt535 ${n} ${'padding '.repeat(32)}\n:90B::MRKT//ACTU/USD2,\n:93B::AGGR//UNIT/${n + 1},\n:16S:FIN\n`;
      }).join('');
    const message = (page: number, indicator: string, account: string, body: string) =>
      `{1:F01SYNTBEBBAXXX0000000001}{2:O5351800260803SYNTDEFFAXXX00000000012608031800N}{4:\n:16R:GENL\n:28E:${page}/${indicator}\n:23G:NEWM\n:98A::STAT//20260803\n:97A::SAFE//${account}\n:16S:GENL\n:16R:SUBSAFE\n${body}:16S:SUBSAFE\n-}{5:{CHK:000000000001}}\n`;
    /** Pages of MT-A on either side of MT-B's statement, each page a few hundred holdings. */
    const fin = () => {
      const parts: string[] = [];
      for (let page = 1; page <= 20; page++) {
        parts.push(message(page, page === 20 ? 'LAST' : 'MORE', 'MT-A', holdings((page - 1) * 350, 350)));
        if (page === 10) parts.push(message(1, 'ONLY', 'MT-B', holdings(0, 500)));
      }
      return parts.join('');
    };

    it('pages of one account on either side of another account\'s statement import as one snapshot each', async () => {
      const file = write('pages.mt535.fin', fin());
      expect(statSync(file).size).toBeGreaterThan(2 * CHUNK_BYTES);
      const result = await invoke('imports.positions', { fileName: 'pages.mt535.fin', path: file, createSecurities: true });
      expect(result).toMatchObject({ status: 'imported', rows: 7500, format: 'mt535' });
      expect(result.snapshots.map((s) => [s.accountId, s.positions])).toEqual([
        ['MT-A', 7000],
        ['MT-B', 500],
      ]);
      const portfolio = await invoke('portfolio.get', { accountId: 'MT-A' });
      expect(portfolio.positions.find((p) => p.ticker === 'MTA4500')?.quantity).toBe('4501');
    });

    it('a file cut inside a message is refused whole, even with --allow-partial; nothing is written', async () => {
      const whole = fin().replaceAll('MT-A', 'MT-C').replaceAll('MT-B', 'MT-D');
      const cut = whole.indexOf(':93B::AGGR', Math.floor(whole.length * 0.95));
      const file = write('cut.mt535.fin', whole.slice(0, cut));
      expect(statSync(file).size).toBeGreaterThan(2 * CHUNK_BYTES);
      const before = counts();
      const error = expectError(await call('imports.positions', { fileName: 'cut.mt535.fin', path: file, createSecurities: true, allowPartial: true }), 'IMPORT_REJECTED');
      expect(counts()).toEqual(before);
      const issues = (error.details as { issues: FileIssue[] }).issues;
      expect(issues).toEqual([expect.objectContaining({ severity: 'error', field: '{4:' })]);
      expect(issues[0]!.reason).toMatch(/not closed with "-}" \(is the file cut short\?\)/);
      expect(issues[0]!.line).toBe(whole.slice(0, whole.lastIndexOf('{4:', cut)).split('\n').length);
    });
  });

  describe('OFX', () => {
    /** OFX 1.x: two accounts' statements, then the security list that names their positions (as OFX orders them). */
    const ofx = (prefix: string) => {
      const position = (n: number) =>
        `<POSSTOCK>\n<INVPOS>\n<SECID>\n<UNIQUEID>${prefix}${n}\n<UNIQUEIDTYPE>TICKER\n</SECID>\n<HELDINACCT>CASH\n<POSTYPE>LONG\n<UNITS>${n + 1}\n<UNITPRICE>2.5\n<MKTVAL>${((n + 1) * 2.5).toFixed(1)}\n<MEMO>\n</INVPOS>\n</POSSTOCK>\n`;
      const statement = (account: string, count: number) =>
        `<INVSTMTTRNRS>\n<TRNUID>1\n<STATUS>\n<CODE>0\n<SEVERITY>INFO\n</STATUS>\n<INVSTMTRS>\n<DTASOF>20260803\n<CURDEF>USD\n<INVACCTFROM>\n<BROKERID>stream.example\n<ACCTID>${account}\n</INVACCTFROM>\n<INVPOSLIST>\n` +
        Array.from({ length: count }, (_, n) => position(n)).join('') +
        `</INVPOSLIST>\n<INVBAL>\n<AVAILCASH>100\n</INVBAL>\n</INVSTMTRS>\n</INVSTMTTRNRS>\n`;
      const securities = Array.from(
        { length: 6000 },
        (_, n) => `<STOCKINFO>\n<SECINFO>\n<SECID>\n<UNIQUEID>${prefix}${n}\n<UNIQUEIDTYPE>TICKER\n</SECID>\n<SECNAME>Streamed OFX ${n} ${'padding '.repeat(30)}\n<TICKER>${prefix}${n}\n</SECINFO>\n</STOCKINFO>\n`,
      ).join('');
      return (
        'OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:USASCII\nCHARSET:1252\nCOMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n\n<OFX>\n<INVSTMTMSGSRSV1>\n' +
        statement(`${prefix}-1`, 6000) +
        statement(`${prefix}-2`, 2500) +
        `</INVSTMTMSGSRSV1>\n<SECLISTMSGSRSV1>\n<SECLIST>\n${securities}</SECLIST>\n</SECLISTMSGSRSV1>\n</OFX>\n`
      );
    };

    it('a file of several chunks imports every statement, with names and tickers from the security list at its end', async () => {
      const file = write('stream.ofx', ofx('OFA'));
      expect(statSync(file).size).toBeGreaterThan(2 * CHUNK_BYTES);
      const result = await invoke('imports.positions', { fileName: 'stream.ofx', path: file, createSecurities: true });
      expect(result).toMatchObject({ status: 'imported', rows: 8500, format: 'ofx' });
      expect(result.snapshots.map((s) => [s.accountId, s.positions])).toEqual([
        ['OFA-1', 6000],
        ['OFA-2', 2500],
      ]);
      const portfolio = await invoke('portfolio.get', { accountId: 'OFA-1' });
      expect(portfolio.positions.find((p) => p.ticker === 'OFA4500')?.quantity).toBe('4501');
    });

    it('a file cut short is refused whole, even with --allow-partial; nothing is written', async () => {
      const whole = ofx('OFB');
      const cut = whole.indexOf('<STOCKINFO>', Math.floor(whole.length * 0.9));
      const file = write('cut.ofx', whole.slice(0, cut));
      expect(statSync(file).size).toBeGreaterThan(2 * CHUNK_BYTES);
      const before = counts();
      const error = expectError(await call('imports.positions', { fileName: 'cut.ofx', path: file, createSecurities: true, allowPartial: true }), 'IMPORT_REJECTED');
      expect(counts()).toEqual(before);
      const issues = (error.details as { issues: FileIssue[] }).issues;
      expect(issues).toEqual([expect.objectContaining({ severity: 'error', field: 'SECLIST' })]);
      expect(issues[0]!.reason).toMatch(/never closed \(is the file cut short\?\)/);
    });
  });
});
