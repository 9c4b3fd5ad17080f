// jspurefix resolves its classes through tsyringe, which needs the Reflect metadata polyfill first.
import 'reflect-metadata';
import Database from 'better-sqlite3';
import { AsciiParser, DITokens, EmptyLogFactory, SessionContainer, type ElasticBuffer, type IJsFixConfig, type MsgView } from 'jspurefix';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MethodName, PushEvent } from '../../shared/api';
import { CustodianProfile, type EmsProfile, type ImportPreview, type ImportResult, type Proposal } from '../../shared/domain';
import type { ApiError, FileIssue, Result } from '../../shared/errors';
import { SOH, splitFix44File, validateFix44File } from '../io/fix44';
import { isinCheckDigit } from '../io/identifiers';
import { parseTradeListCsv } from '../io/trade-list-csv';
import { InlineJobRunner } from '../jobs/inline';
import { jobHandlers } from './jobs';
import { createRuntime, type Runtime } from './runtime';

/*
 * Issue 3 end to end through the dispatcher: every synthetic custodial fixture imports (and re-imports
 * as a no-op), a corrupted file of each format is rejected with line and field and leaves the database
 * exactly as it was, partial imports, created securities, superseded snapshots, multi-account files,
 * custodian profiles, large streamed files with progress and cancel, and EMS exports (CSV basket, FIX 4.4)
 * with re-export confirmation.
 */

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const resourcesDir = path.join(repoRoot, 'resources');
const fixturesDir = path.join(repoRoot, 'src', 'main', 'io', '__fixtures__');
const b64 = (bytes: string | Uint8Array) => Buffer.from(bytes).toString('base64');
const fixture = (relative: string) => path.join(fixturesDir, relative);

/** Every synthetic holdings file the io helpers wrote (price files and the profile-only layout aside). */
const holdingsFixtures = readdirSync(fixturesDir, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) => readdirSync(path.join(fixturesDir, d.name)).map((f) => `${d.name}/${f}`))
  .filter((f) => /synthetic/.test(f) && !/prices-|needs-profile|\.json$/.test(f) && !f.startsWith('layouts/'))
  .sort();

function expectError(result: Result<unknown>, code: ApiError['code']): ApiError {
  if (result.ok) throw new Error(`expected ${code}, got ok: ${JSON.stringify(result.value).slice(0, 300)}`);
  expect(result.error.code, result.error.message).toBe(code);
  return result.error;
}

const issuesOf = (error: ApiError) => (error.details as { issues: FileIssue[] }).issues;

/** A valid ISIN no real security master holds: the check digit computed, not guessed. */
function syntheticIsin(body: string): string {
  return `${body}${isinCheckDigit(body)}`;
}

describe('custodial imports and EMS exports through the dispatcher', () => {
  let dir: string;
  let runtime: Runtime;
  let reader: Database.Database;
  const call = (name: string, input?: unknown, callId?: string) => runtime.dispatcher.call(name, input, callId);
  const invoke = <M extends MethodName>(name: M, input: unknown, callId?: string) => runtime.dispatcher.invoke(name, input, callId);

  /** Row count of every table, the audit chain's verification and its head: what "nothing changed" means. */
  async function snapshot() {
    const tables = (reader.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
    const counts = Object.fromEntries(tables.map((t) => [t, (reader.prepare(`SELECT count(*) AS n FROM "${t}"`).get() as { n: number }).n]));
    const verification = await invoke('audit.verify', {});
    const head = (await invoke('audit.list', { limit: 1 }))[0]?.hash ?? null;
    return { counts, verification, head };
  }

  async function expectUnchanged<T>(action: () => Promise<T>): Promise<T> {
    const before = await snapshot();
    expect(before.verification.ok).toBe(true);
    const result = await action();
    expect(await snapshot()).toEqual(before);
    return result;
  }

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'ballast-custodial-'));
    runtime = createRuntime({ dbPath: path.join(dir, 'ballast.db'), resourcesDir, workerFile: 'unused', jobs: new InlineJobRunner(jobHandlers) });
    reader = new Database(runtime.dbPath, { readonly: true, fileMustExist: true });
    await invoke('demo.load', {});
  });

  afterAll(async () => {
    reader?.close();
    await runtime?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds the fixtures of every format', () => {
    const formats = new Set(holdingsFixtures.map((f) => f.split('/')[0]));
    expect([...formats].sort()).toEqual(['csv', 'ibkr-flex', 'mt535', 'ofx', 'semt002']);
  });

  describe.each(holdingsFixtures)('fixture %s', (name) => {
    let preview: ImportPreview;
    let imported: ImportResult;

    it('previews without writing anything', async () => {
      preview = await expectUnchanged(() => invoke('imports.preview', { kind: 'positions', fileName: path.basename(name), path: fixture(name), createSecurities: true }));
      expect(preview.kind).toBe('positions');
      expect(preview.format).toBe(name.split('/')[0]);
      expect(preview.alreadyImported).toBe(false);
      expect(preview.rejectedRows, JSON.stringify(preview.issues)).toBe(0);
      expect(preview.issues.filter((i) => i.severity === 'error')).toEqual([]);
      expect(preview.statements.length).toBeGreaterThan(0);
      expect(preview.rows.length).toBeGreaterThan(0);
      for (const s of preview.statements) expect(s.snapshotId).toBeNull();
      for (const r of preview.rows) expect(r.match.securityId !== null || r.match.willCreate).toBe(true);
    });

    it('imports every statement, once', async () => {
      const bytes = readFileSync(fixture(name));
      // Half the fixtures travel as uploads, half as local paths: both sources take the same route.
      const source = name.length % 2 === 0 ? { contentBase64: b64(bytes) } : { path: fixture(name) };
      // Two fixtures describe the same account on the same day; the later one is the whole account (an explicit choice).
      imported = await invoke('imports.positions', { fileName: path.basename(name), ...source, createSecurities: true, mode: 'replace' });
      expect(imported).toMatchObject({ kind: 'positions', status: 'imported', excluded: 0, format: preview.format, sha256: preview.sha256 });
      expect(imported.snapshots.map(({ accountId, asOf, positions }) => ({ accountId, asOf, positions }))).toEqual(
        preview.statements.map(({ accountId, asOf, positions }) => ({ accountId, asOf, positions })),
      );
      expect(imported.rows).toBe(imported.snapshots.reduce((n, s) => n + s.positions, 0));
      expect(imported.accountId).toBe(imported.snapshots.length === 1 ? imported.snapshots[0]!.accountId : null);
      for (const s of imported.snapshots) {
        const portfolio = await invoke('portfolio.get', { accountId: s.accountId, asOf: s.asOf });
        expect(portfolio.asOf).toBe(s.asOf);
        expect(portfolio.importId).toBe(imported.importId);
        expect(portfolio.positions).toHaveLength(s.positions);
        for (const p of portfolio.positions) {
          expect(p.currency).toMatch(/^[A-Z]{3}$/);
          expect([p.isin, p.cusip, p.sedol, p.ticker].some((id) => id !== null && id !== '')).toBe(true);
        }
      }
      const entry = (await invoke('audit.list', { limit: 50 })).find((e) => e.action === 'import.positions' && e.entityId === String(imported.importId));
      expect(entry?.details).toMatchObject({ sha256: imported.sha256, positions: imported.rows });
      expect((await invoke('audit.verify', {})).ok).toBe(true);
    });

    it('re-importing it is a no-op, by content', async () => {
      const again = await expectUnchanged(() => invoke('imports.positions', { fileName: `renamed-${path.basename(name)}`, contentBase64: b64(readFileSync(fixture(name))), createSecurities: true }));
      expect(again).toMatchObject({ status: 'already_imported', importId: imported.importId, sha256: imported.sha256 });
      const previewAgain = await invoke('imports.preview', { kind: 'positions', fileName: path.basename(name), path: fixture(name) });
      expect(previewAgain.alreadyImported).toBe(true);
    });
  });

  describe('a corrupted file of each format is rejected with line and field, and changes nothing', () => {
    const corruptions: [string, string, (text: string) => string, RegExp][] = [
      ['csv', 'csv/us-broker-synthetic.csv', (t) => t.replace('"MSFT","MICROSOFT CORP","80"', '"MSFT","MICROSOFT CORP","8o"'), /Qty/],
      ['ofx', 'ofx/synthetic-brokerage-ofx2.ofx', (t) => t.replace('<UNITS>320</UNITS>', '<UNITS>3x0</UNITS>'), /UNITS/],
      ['ibkr-flex', 'ibkr-flex/synthetic-two-accounts.flex.xml', (t) => t.replace('position="200"', 'position="2x0"'), /position/],
      ['mt535', 'mt535/synthetic-two-page.mt535.fin', (t) => t.replace(':93B::AGGR//UNIT/2500,', ':93B::AGGR//UNIT/25X0,'), /93B|AGGR/],
      ['semt002', 'semt002/synthetic-custody.semt002.xml', (t) => t.replace('<Unit>1200</Unit>', '<Unit>12O0</Unit>'), /Unit/],
    ];

    it.each(corruptions)('%s', async (format, name, corrupt, field) => {
      const original = readFileSync(fixture(name), 'latin1');
      const bad = corrupt(original);
      expect(bad).not.toBe(original);
      const error = await expectUnchanged(async () => expectError(await call('imports.positions', { fileName: `bad-${format}`, contentBase64: b64(Buffer.from(bad, 'latin1')), createSecurities: true }), 'IMPORT_REJECTED'));
      const errors = issuesOf(error).filter((i) => i.severity === 'error');
      expect(errors.length).toBeGreaterThan(0);
      expect(errors.some((i) => i.line > 0 && field.test(i.field)), JSON.stringify(errors)).toBe(true);
      expect(error.message).toMatch(new RegExp(`^bad-${format}: .*line \\d+, field `));
    });

    it.each([
      ['ofx', 'ofx/synthetic-brokerage-ofx2.ofx'],
      ['ibkr-flex', 'ibkr-flex/synthetic-two-accounts.flex.xml'],
      ['mt535', 'mt535/synthetic-two-page.mt535.fin'],
      ['semt002', 'semt002/synthetic-custody.semt002.xml'],
    ])('%s cut in half', async (format, name) => {
      const bytes = readFileSync(fixture(name));
      const half = bytes.subarray(0, Math.floor(bytes.length / 2));
      const error = await expectUnchanged(async () => expectError(await call('imports.positions', { fileName: `half.${format}`, contentBase64: b64(half), format, createSecurities: true }), 'IMPORT_REJECTED'));
      expect(issuesOf(error).some((i) => i.severity === 'error')).toBe(true);
    });

    it('an XML file declaring entities is refused cleanly', async () => {
      const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><FlexQueryResponse>&lol2;</FlexQueryResponse>`;
      await expectUnchanged(async () => expectError(await call('imports.positions', { fileName: 'bomb.xml', contentBase64: b64(bomb), accountId: 'X1' }), 'IMPORT_REJECTED'));
    });
  });

  describe('rules', () => {
    const brokerCsv = (account: string, rows: string[], asOf = '2026-08-03') =>
      [`Account,Symbol,ISIN,Description,Security Type,Quantity,Price,Market Value,Currency,As of`, ...rows.map((r) => `${account},${r},${asOf}`)].join('\n') + '\n';

    it('a file with one bad row is rejected as a whole, or imported without it when the PM accepts (audited)', async () => {
      const csv = brokerCsv('PART-1', ['SPY,,SPDR S&P 500,ETF,100,700,70000,USD', 'AGG,,iShares Core US Agg,ETF,ten,97,970,USD', 'GLD,,SPDR Gold,ETF,5,300,1500,USD']);
      const rejected = await expectUnchanged(async () => expectError(await call('imports.positions', { fileName: 'partial.csv', contentBase64: b64(csv) }), 'IMPORT_REJECTED'));
      expect(issuesOf(rejected)).toEqual([expect.objectContaining({ line: 3, field: 'Quantity', severity: 'error' })]);
      expect(rejected.message).toMatch(/^partial\.csv: 1 row rejected, nothing imported — line 3, field Quantity: .*accept leaving out the rejected rows/);

      const partial = await invoke('imports.positions', { fileName: 'partial.csv', contentBase64: b64(csv), allowPartial: true });
      expect(partial).toMatchObject({ status: 'imported', excluded: 1, rows: 2, accountId: 'PART-1' });
      const record = (await invoke('imports.list', {})).find((r) => r.id === partial.importId);
      expect(record?.status).toBe('partial');
      const audit = await invoke('audit.list', { limit: 5 });
      const entry = audit.find((e) => e.action === 'import.partial');
      expect(entry).toMatchObject({ entity: 'import', entityId: String(partial.importId) });
      expect(entry?.details).toMatchObject({ excludedRows: 1, exclusions: [expect.objectContaining({ line: 3, field: 'Quantity' })] });
      const portfolio = await invoke('portfolio.get', { accountId: 'PART-1' });
      expect(portfolio.positions.map((p) => p.ticker).sort()).toEqual(['GLD', 'SPY']);
    });

    it('unknown securities are rejected unless the PM asks to create them from the file (audited)', async () => {
      const isin = syntheticIsin('XS123456789');
      const csv = brokerCsv('NEWSEC-1', [`,${isin},Synthetic Corp 4% 2030,Corporate Bond,250000,98.5,246250,EUR`]);
      const rejected = await expectUnchanged(async () => expectError(await call('imports.positions', { fileName: 'new-sec.csv', contentBase64: b64(csv) }), 'IMPORT_REJECTED'));
      expect(issuesOf(rejected)).toEqual([expect.objectContaining({ line: 2, field: 'isin', reason: expect.stringMatching(new RegExp(`unknown security ISIN ${isin}.*create new securities`)) })]);

      const preview = await expectUnchanged(() => invoke('imports.preview', { kind: 'positions', fileName: 'new-sec.csv', contentBase64: b64(csv), createSecurities: true }));
      expect(preview.rows[0]?.match).toEqual({ securityId: null, ticker: isin, by: null, willCreate: true });

      const created = await invoke('imports.positions', { fileName: 'new-sec.csv', contentBase64: b64(csv), createSecurities: true });
      expect(created).toMatchObject({ status: 'imported', securitiesCreated: 1, rows: 1 });
      const security = (await invoke('securities.list', {})).find((s) => s.isin === isin);
      expect(security).toMatchObject({ ticker: isin, name: 'Synthetic Corp 4% 2030', assetClass: 'fixed_income', currency: 'EUR' });
      const audit = await invoke('audit.list', { limit: 10 });
      expect(audit.find((e) => e.action === 'security.create' && e.entityId === String(security!.id))?.details).toMatchObject({ isin, source: { fileName: 'new-sec.csv', line: 2 } });
      // A bond quoted in percent of face: stored per unit of face, so quantity × price is the value.
      const portfolio = await invoke('portfolio.get', { accountId: 'NEWSEC-1' });
      expect(portfolio.positions[0]).toMatchObject({ isin, quantity: '250000', price: 0.985, marketValue: '246250', currency: 'EUR' });
    });

    it('a newer file for the same account and date supersedes the older snapshot, and says which', async () => {
      const first = await invoke('imports.positions', { fileName: 'day.csv', contentBase64: b64(brokerCsv('SUP-1', ['SPY,,SPDR,ETF,10,700,7000,USD'])) });
      const correctedCsv = brokerCsv('SUP-1', ['SPY,,SPDR,ETF,20,700,14000,USD']);
      const preview = await invoke('imports.preview', { kind: 'positions', fileName: 'day-corrected.csv', contentBase64: b64(correctedCsv) });
      expect(preview.statements).toEqual([expect.objectContaining({ accountId: 'SUP-1', supersedes: [first.snapshots[0]!.snapshotId] })]);
      const second = await invoke('imports.positions', { fileName: 'day-corrected.csv', contentBase64: b64(correctedCsv) });
      expect(second.snapshots).toEqual([expect.objectContaining({ accountId: 'SUP-1', asOf: '2026-08-03', supersedes: [first.snapshots[0]!.snapshotId] })]);
      expect((await invoke('portfolio.get', { accountId: 'SUP-1' })).positions[0]?.quantity).toBe('20');
      const entry = (await invoke('audit.list', { limit: 5 })).find((e) => e.action === 'import.positions');
      expect(entry?.details).toMatchObject({ snapshots: [expect.objectContaining({ supersededSnapshots: [first.snapshots[0]!.snapshotId] })] });
    });

    it('counts rows, not the header: a file-level problem rejects the file without inflating the row counts', async () => {
      const preview = await invoke('imports.preview', { kind: 'positions', fileName: 'no-date.csv', contentBase64: b64('symbol,quantity\nSPY,10\nAGG,5\n'), accountId: 'NODATE', createAccount: true });
      expect(preview.totalRows).toBe(2);
      expect(preview.issues).toEqual([expect.objectContaining({ line: 1, field: 'asOf', severity: 'error' })]);
      const unmapped = await invoke('imports.preview', { kind: 'positions', fileName: 'needs-profile-synthetic.csv', path: fixture('csv/needs-profile-synthetic.csv') });
      expect(unmapped.needsMapping).toBe(true);
      expect(unmapped.rejectedRows).toBe(0);
    });

    it('a multi-account file writes one snapshot per account', async () => {
      const csv = [brokerCsv('MULTI-A', ['SPY,,SPDR,ETF,1,700,700,USD']).trimEnd(), 'MULTI-B,AGG,,iShares Agg,ETF,2,97,194,USD,2026-08-03', 'MULTI-C,GLD,,SPDR Gold,ETF,3,300,900,USD,2026-08-03'].join('\n');
      const result = await invoke('imports.positions', { fileName: 'multi.csv', contentBase64: b64(csv) });
      expect(result.accountId).toBeNull();
      expect(result.snapshots.map((s) => [s.accountId, s.positions])).toEqual([
        ['MULTI-A', 1],
        ['MULTI-B', 1],
        ['MULTI-C', 1],
      ]);
      expect((await invoke('accounts.list', {})).map((a) => a.id)).toEqual(expect.arrayContaining(['MULTI-A', 'MULTI-B', 'MULTI-C']));
    });

    it('the account comes from the file, else from the PM; a mismatch or no account at all is refused', async () => {
      const named = brokerCsv('FILE-ACCT', ['SPY,,SPDR,ETF,1,700,700,USD']);
      const mismatch = await expectUnchanged(async () => expectError(await call('imports.positions', { fileName: 'a.csv', contentBase64: b64(named), accountId: 'OTHER' }), 'IMPORT_REJECTED'));
      expect(issuesOf(mismatch)[0]).toMatchObject({ field: 'account', reason: expect.stringMatching(/for account FILE-ACCT, not OTHER/) });

      const unnamed = 'Symbol,Quantity,Price,As of\nSPY,1,700,2026-08-03\n';
      const none = await expectUnchanged(async () => expectError(await call('imports.positions', { fileName: 'b.csv', contentBase64: b64(unnamed) }), 'IMPORT_REJECTED'));
      expect(issuesOf(none)[0]).toMatchObject({ field: 'account', reason: expect.stringMatching(/names no account/) });
      // An account typed by hand that does not exist yet needs the PM's confirmation (createAccount).
      const typo = await expectUnchanged(async () => expectError(await call('imports.positions', { fileName: 'b.csv', contentBase64: b64(unnamed), accountId: 'GIVEN-1' }), 'IMPORT_REJECTED'));
      expect(typo.message).toContain('there is no account "GIVEN-1"');
      const given = await invoke('imports.positions', { fileName: 'b.csv', contentBase64: b64(unnamed), accountId: 'GIVEN-1', createAccount: true });
      expect(given).toMatchObject({ accountId: 'GIVEN-1', rows: 1 });

      const undated = 'Symbol,Quantity\nAGG,3\n';
      const noDate = await expectUnchanged(async () => expectError(await call('imports.positions', { fileName: 'c.csv', contentBase64: b64(undated), accountId: 'GIVEN-1' }), 'IMPORT_REJECTED'));
      expect(issuesOf(noDate).some((i) => /as-of date/.test(i.reason))).toBe(true);
      // The account holds SPY; this file lists only AGG: it cannot silently become the whole account.
      const ask = await expectUnchanged(async () =>
        expectError(await call('imports.positions', { fileName: 'c.csv', contentBase64: b64(undated), accountId: 'GIVEN-1', asOf: '2026-08-04' }), 'CONFIRMATION_REQUIRED'),
      );
      expect(ask.message).toContain('account GIVEN-1 has 1 holding (SPY)');
      expect(await invoke('imports.positions', { fileName: 'c.csv', contentBase64: b64(undated), accountId: 'GIVEN-1', asOf: '2026-08-04', mode: 'update' })).toMatchObject({
        asOf: '2026-08-04',
        snapshots: [expect.objectContaining({ mode: 'update', carriedOver: 1, positions: 2 })],
      });
      expect((await invoke('portfolio.get', { accountId: 'GIVEN-1' })).positions.map((p) => p.ticker)).toEqual(['AGG', 'SPY']);
    });

    it('a missing file or an unknown profile is BAD_INPUT / NOT_FOUND, not a crash', async () => {
      await expectUnchanged(async () => expectError(await call('imports.positions', { fileName: 'x.csv', path: path.join(dir, 'nope.csv') }), 'BAD_INPUT'));
      await expectUnchanged(async () => expectError(await call('imports.preview', { kind: 'positions', fileName: 'x.csv', path: dir }), 'BAD_INPUT'));
      expectError(await call('imports.positions', { fileName: 'x.csv', contentBase64: b64('Symbol,Quantity\n'), profile: 'nobody' }), 'NOT_FOUND');
      expectError(await call('imports.positions', { fileName: 'x.csv' }), 'BAD_INPUT');
      expectError(await call('imports.positions', { fileName: 'x.csv', contentBase64: '', path: '/tmp/x' }), 'BAD_INPUT');
    });
  });

  describe('custodian profiles', () => {
    const layout = fixture('csv/needs-profile-synthetic.csv');
    const profile = CustodianProfile.parse(JSON.parse(readFileSync(fixture('csv/needs-profile-synthetic.profile.json'), 'utf8')));

    it('a layout nobody recognises asks for a mapping and shows its headers', async () => {
      const preview = await invoke('imports.preview', { kind: 'positions', fileName: 'port.csv', path: layout });
      expect(preview).toMatchObject({ needsMapping: true, profile: null, headers: ['Port', 'Sec Id', 'Sec Name', 'Pos', 'Px', 'Val', 'Ccy', 'Val Dt'] });
      expectError(await call('imports.positions', { fileName: 'port.csv', path: layout }), 'IMPORT_REJECTED');
    });

    it('once saved, the profile is used automatically for files with that header', async () => {
      expect(await invoke('profiles.save', { profile })).toEqual(profile);
      expect(await invoke('profiles.list', {})).toEqual([profile]);
      const preview = await invoke('imports.preview', { kind: 'positions', fileName: 'port.csv', path: layout, createSecurities: true });
      expect(preview).toMatchObject({ needsMapping: false, profile: profile.name, rejectedRows: 0 });
      expect(preview.detected.profile).toMatch(/saved for this header/);
      const result = await invoke('imports.positions', { fileName: 'port.csv', path: layout, createSecurities: true });
      expect(result).toMatchObject({ accountId: 'PF-77', rows: 4, asOf: '2025-03-31' });
      const audit = await invoke('audit.list', { limit: 50 });
      expect(audit.find((e) => e.action === 'profile.create')?.entityId).toBe(profile.name);
    });

    it('a second profile for the same header is refused; a profile is deleted by name', async () => {
      expectError(await call('profiles.save', { profile: { ...profile, name: 'Copy' } }), 'BAD_INPUT');
      expect(await invoke('profiles.delete', { name: 'Copy' })).toEqual({ deleted: false });
      expect(await invoke('profiles.delete', { name: profile.name })).toEqual({ deleted: true });
      expect(await invoke('profiles.list', {})).toEqual([]);
    });
  });

  describe('exports', () => {
    let proposal: Proposal;
    const emsProfile: EmsProfile = {
      name: 'EMS Basket',
      columns: [
        { field: 'clientOrderId', header: 'ClOrdID' },
        { field: 'side', header: 'Side' },
        { field: 'isin', header: 'ISIN' },
        { field: 'symbol', header: 'Ticker' },
        { field: 'quantity', header: 'Qty' },
        { field: 'account', header: 'Acct' },
        { field: 'timeInForce', header: 'TIF' },
      ],
      delimiter: ';',
      orderType: 'MKT',
      timeInForce: 'GTC',
    };

    beforeAll(async () => {
      const created = await invoke('proposals.create', { accountId: 'DEMO', engine: 'baseline' });
      proposal = await invoke('proposals.approve', { proposalId: created.id, by: 'Alice PM' });
    });

    it('FIX settings have defaults and are saved (audited)', async () => {
      expect(await invoke('settings.fix.get', {})).toEqual({ senderCompId: 'BALLAST', targetCompId: 'EMS', handlInst: null, timeInForce: 'DAY', newOrderList: false });
      const settings = { senderCompId: 'BALLAST-PM', targetCompId: 'EMSX', handlInst: '1' as const, timeInForce: 'DAY' as const, newOrderList: true };
      expect(await invoke('settings.fix.set', { settings })).toEqual(settings);
      expect(await invoke('settings.fix.get', {})).toEqual(settings);
      expect((await invoke('audit.list', { limit: 1 }))[0]).toMatchObject({ action: 'settings.fix' });
      expectError(await call('settings.fix.set', { settings: { ...settings, handlInst: '4' } }), 'BAD_INPUT');
    });

    it('writes FIX 4.4 that passes our validator and jspurefix with its FIX 4.4 dictionary; MsgSeqNum is persisted', async () => {
      const target = path.join(dir, 'orders.fix');
      const record = await invoke('exports.create', { proposalId: proposal.id, format: 'fix44', path: target });
      expect(record).toMatchObject({ format: 'fix44', rows: proposal.trades.length, path: target });
      const text = readFileSync(target, 'latin1');
      expect(validateFix44File(text)).toEqual({ ok: true, problems: [] });
      const messages = splitFix44File(text);
      expect(messages).toHaveLength(proposal.trades.length + 1); // singles + the NewOrderList
      const seqNums = messages.map((m) => Number(tagValue(m, 34)));
      expect(seqNums).toEqual(seqNums.map((_, i) => i + 1));
      expect([tagValue(messages[0]!, 49), tagValue(messages[0]!, 56)]).toEqual(['BALLAST-PM', 'EMSX']);
      expect(tagValue(messages[0]!, 11)).toBe(`BAL-${proposal.id}-001`);

      const fix = await loadJspurefix();
      for (const [i, message] of messages.entries()) {
        const views = fix.parse(message);
        expect(views, `message ${i + 1}`).toHaveLength(1);
        const view = views[0]!;
        expect(view.segment.name).toBe(i < proposal.trades.length ? 'NewOrderSingle' : 'NewOrderList');
        expect(Number(view.getString('CheckSum'))).toBe(view.checksum());
        expect(view.invalid()).toEqual([]);
        expect(view.missing()).toEqual([]);
      }

      // Confirmed re-export: the same ClOrdIDs, the session's sequence numbers continue.
      const again = await invoke('exports.create', { proposalId: proposal.id, format: 'fix44', path: path.join(dir, 'orders-2.fix'), confirmReexport: true });
      const second = splitFix44File(readFileSync(again.path, 'latin1'));
      expect(Number(tagValue(second[0]!, 34))).toBe(messages.length + 1);
      const ids = (ms: string[]) => ms.slice(0, proposal.trades.length).map((m) => tagValue(m, 11));
      expect(ids(second)).toEqual(ids(messages));
    });

    it('re-export needs confirmation, which is audited', async () => {
      const target = path.join(dir, 'orders-3.fix');
      const error = await expectUnchanged(async () => expectError(await call('exports.create', { proposalId: proposal.id, format: 'csv', path: target }), 'CONFIRMATION_REQUIRED'));
      expect(error.message).toMatch(new RegExp(`^Proposal ${proposal.id} was exported on .* \\(and 1 time before\\); confirm to export the same orders again\\. The new file keeps the same client order ids`));
      expect((error.details as { exports: unknown[] }).exports).toHaveLength(2);
      expect(existsSync(target)).toBe(false);
    });

    it('CSV baskets use the EMS profile and round-trip', async () => {
      expect(await invoke('emsProfiles.save', { profile: emsProfile })).toEqual(emsProfile);
      expect(await invoke('emsProfiles.list', {})).toEqual([emsProfile]);
      expectError(await call('emsProfiles.save', { profile: { ...emsProfile, name: 'No qty', columns: [{ field: 'side', header: 'Side' }] } }), 'BAD_INPUT');
      expectError(await call('emsProfiles.save', { profile: { ...emsProfile, name: 'Standard' } }), 'BAD_INPUT');
      expectError(await call('exports.create', { proposalId: proposal.id, format: 'csv', profile: 'Nobody', confirmReexport: true }), 'NOT_FOUND');
      expectError(await call('exports.create', { proposalId: proposal.id, format: 'fix44', profile: emsProfile.name, confirmReexport: true }), 'BAD_INPUT');

      const target = path.join(dir, 'basket.csv');
      const record = await invoke('exports.create', { proposalId: proposal.id, format: 'csv', profile: emsProfile.name, path: target, confirmReexport: true });
      const text = readFileSync(target, 'utf8');
      expect(text.split('\r\n')[0]).toBe('ClOrdID;Side;ISIN;Ticker;Qty;Acct;TIF');
      const back = parseTradeListCsv(text, 'basket.csv', emsProfile);
      expect(back.issues).toEqual([]);
      expect(back.rows).toHaveLength(record.rows);
      expect(back.rows.map((r) => [r.clientOrderId, r.side, r.symbol, r.quantity, r.account, r.timeInForce])).toEqual(
        proposal.trades.map((t, i) => [`BAL-${proposal.id}-${String(i + 1).padStart(3, '0')}`, t.side, t.ticker, t.quantity, 'DEMO', 'GTC']),
      );
      const entry = (await invoke('audit.list', { limit: 1 }))[0];
      expect(entry).toMatchObject({ action: 'proposal.reexport', entityId: String(record.id) });
      expect(entry?.details).toMatchObject({ profile: emsProfile.name, sequence: 3, reexportOf: expect.any(Number), confirmed: true });
      expect((await invoke('audit.verify', {})).ok).toBe(true);
    });
  });
  describe('large files stream', () => {
    const rows = 20_000;
    let file: string;
    beforeAll(() => {
      const lines = ['Account,Symbol,Quantity,Price,Market Value,Currency,As of'];
      for (let i = 0; i < rows; i++) lines.push(`BIG-${i % 20},S${Math.floor(i / 20)},${10 + (i % 7)},1.5,${((10 + (i % 7)) * 1.5).toFixed(2)},USD,2026-08-03`);
      file = path.join(dir, 'big.csv');
      writeFileSync(file, `${lines.join('\n')}\n`);
    });

    it('a cancelled import of a large file changes nothing', async () => {
      const before = await snapshot();
      let cancelled = false;
      const unsubscribe = runtime.subscribe((e) => {
        if (!cancelled && e.type === 'progress' && e.callId === 'big-cancel' && e.step === 'Importing holdings' && e.current > 0) {
          cancelled = true;
          void call('jobs.cancel', { callId: 'big-cancel' });
        }
      });
      try {
        expectError(await call('imports.positions', { fileName: 'big.csv', path: file, createSecurities: true }, 'big-cancel'), 'CANCELLED');
      } finally {
        unsubscribe();
      }
      expect(cancelled).toBe(true);
      expect(await snapshot()).toEqual(before);
    });

    it('imports 20 000 rows for 20 accounts with byte progress', async () => {
      const events: PushEvent[] = [];
      const unsubscribe = runtime.subscribe((e) => events.push(e));
      let result: ImportResult;
      try {
        result = await invoke('imports.positions', { fileName: 'big.csv', path: file, createSecurities: true }, 'big-1');
      } finally {
        unsubscribe();
      }
      expect(result.rows).toBe(rows);
      expect(result.snapshots).toHaveLength(20);
      expect(result.securitiesCreated).toBe(rows / 20);
      const reading = events.filter((e): e is Extract<PushEvent, { type: 'progress' }> => e.type === 'progress' && e.step === 'Reading file');
      expect(reading.length).toBeGreaterThan(0);
      expect(reading.at(-1)).toMatchObject({ current: readFileSync(file).length, total: readFileSync(file).length });
      for (let i = 1; i < reading.length; i++) expect(reading[i]!.current).toBeGreaterThanOrEqual(reading[i - 1]!.current);
      expect(events.at(-1)).toEqual({ type: 'state-changed', entity: 'portfolio' });
    });

    it('price files stream too, wide or long', async () => {
      const long = fixture('csv/prices-long-adj-volume-synthetic.csv');
      const preview = await expectUnchanged(() => invoke('imports.preview', { kind: 'prices', fileName: 'long.csv', path: long }));
      expect(preview.prices).toMatchObject({ tickers: ['SPY', 'TLT'], from: '2025-01-02' });
      const result = await invoke('imports.prices', { fileName: 'long.csv', path: long });
      expect(result).toMatchObject({ kind: 'prices', status: 'imported', rows: preview.prices!.rows });
      const wide = await invoke('imports.prices', { fileName: 'wide.csv', contentBase64: b64(readFileSync(fixture('csv/prices-wide-eu-synthetic.csv'))) });
      expect(wide).toMatchObject({ format: 'prices-wide', status: 'imported' });
      expect((await invoke('imports.prices', { fileName: 'again.csv', path: long })).status).toBe('already_imported');
    });
  });
});

/** The value of a tag in one FIX message (first occurrence). */
function tagValue(message: string, tag: number): string | undefined {
  return message
    .split(SOH)
    .find((field) => field.startsWith(`${tag}=`))
    ?.slice(String(tag).length + 1);
}

interface Jspurefix {
  parse(message: string): MsgView[];
}

/** jspurefix with its QuickFIX-style FIX 4.4 dictionary: an independent reading of our bytes. */
async function loadJspurefix(): Promise<Jspurefix> {
  const system = new SessionContainer();
  system.registerGlobal(new EmptyLogFactory());
  const container = await system.makeSystem({
    application: { type: 'initiator', name: 'ballast-app-test', protocol: 'ascii', dictionary: 'data/FIX44.xml', reconnectSeconds: 0 },
    BeginString: 'FIX.4.4',
    SenderCompId: 'BALLAST-PM',
    TargetCompID: 'EMSX',
  } as Parameters<SessionContainer['makeSystem']>[0]);
  const config = container.resolve<IJsFixConfig>(DITokens.IJsFixConfig);
  const buffer = container.resolve<ElasticBuffer>(DITokens.ParseBuffer);
  return {
    parse(message: string) {
      const parser = new AsciiParser(config, null, buffer);
      const views: MsgView[] = [];
      parser.on('msg', (_type: string, view: MsgView) => views.push(view.clone()));
      parser.parseText(message);
      return views;
    },
  };
}
