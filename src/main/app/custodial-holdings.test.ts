import Database from 'better-sqlite3';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { MethodName } from '../../shared/api';
import type { ImportResult } from '../../shared/domain';
import type { ApiError, Result } from '../../shared/errors';
import { InlineJobRunner } from '../jobs/inline';
import { openDatabase } from '../store';
import { jobHandlers } from './jobs';
import { DEFAULT_PARAMETERS } from './proposal-records';
import { tradableUniverse } from './proposals';
import { createRuntime, type Runtime } from './runtime';

/*
 * Issue 9 end to end through the dispatcher: real custodians' layouts import as they are — shorts and
 * derivatives with their terms, margin and multi-currency cash, lines that are not holdings skipped with a
 * note, custodian codes kept (and matched next time) instead of rejected, account ids with slashes — and a
 * file that lacks lines the account has cannot replace it without the PM's explicit choice.
 */

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const resourcesDir = path.join(repoRoot, 'resources');
const layouts = path.join(repoRoot, 'src', 'main', 'io', '__fixtures__', 'layouts');
const fixturesDir = path.join(repoRoot, 'src', 'main', 'io', '__fixtures__');
const b64 = (bytes: string | Uint8Array) => Buffer.from(bytes).toString('base64');
const SEED = 20260909;

function expectError(result: Result<unknown>, code: ApiError['code']): ApiError {
  if (result.ok) throw new Error(`expected ${code}, got ok: ${JSON.stringify(result.value).slice(0, 300)}`);
  expect(result.error.code, result.error.message).toBe(code);
  return result.error;
}

describe('holdings as they are (issue 9)', () => {
  let dir: string;
  let runtime: Runtime;
  let reader: Database.Database;
  const call = (name: string, input?: unknown) => runtime.dispatcher.call(name, input);
  const invoke = <M extends MethodName>(name: M, input: unknown) => runtime.dispatcher.invoke(name, input);

  /** Row counts of every table and the audit head: what "nothing changed" means. */
  function counts() {
    const tables = (reader.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
    return Object.fromEntries(tables.map((t) => [t, (reader.prepare(`SELECT count(*) AS n FROM "${t}"`).get() as { n: number }).n]));
  }
  async function expectUnchanged<T>(action: () => Promise<T>): Promise<T> {
    const before = counts();
    const result = await action();
    expect(counts()).toEqual(before);
    return result;
  }
  const layout = (name: string) => ({ fileName: name, contentBase64: b64(readFileSync(path.join(layouts, name))) });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'ballast-holdings-'));
    runtime = createRuntime({ dbPath: path.join(dir, 'ballast.db'), resourcesDir, workerFile: 'unused', jobs: new InlineJobRunner(jobHandlers) });
    reader = new Database(runtime.dbPath, { readonly: true, fileMustExist: true });
    await invoke('demo.load', {});
  });

  afterAll(async () => {
    reader?.close();
    await runtime?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('each built-in layout imports without a profile', () => {
    it.each([
      ['fidelity-statement-synthetic.csv', {}, 'Z23-456789', 5, [['USD', null]]],
      ['schwab-positions-synthetic.csv', {}, '789', 4, [['USD', '-1234.56']]],
      ['vanguard-holdings-synthetic.csv', { asOf: '2025-03-31' }, '12345678', 2, []],
      ['etrade-portfolio-synthetic.csv', { asOf: '2025-03-31' }, 'Brokerage -6789', 3, [['USD', '11990.17']]],
      ['degiro-portfolio-fr-synthetic.csv', { asOf: '2025-03-31', accountId: 'DEGIRO-1', createAccount: true }, 'DEGIRO-1', 3, [['EUR', '1234.56'], ['USD', '-250']]],
      ['eu-bank-depot-de-synthetic.csv', {}, '1234567/89', 3, []],
      ['ibkr-activity-synthetic.csv', {}, 'U9876543', 4, [['USD', '-5210.5'], ['EUR', '950']]],
    ] as const)('%s', async (name, options, account, positions, cash) => {
      const preview = await invoke('imports.preview', { kind: 'positions', ...layout(name), ...options, createSecurities: true });
      expect(preview.issues.filter((i) => i.severity === 'error')).toEqual([]);
      expect(preview.detected.custodian).toBeTruthy();
      const statement = preview.statements.find((s) => s.accountId === account)!;
      expect(statement).toMatchObject({ positions, newAccount: true });
      const result = await invoke('imports.positions', { ...layout(name), ...options, createSecurities: true });
      expect(result.status).toBe('imported');
      const portfolio = await invoke('portfolio.get', { accountId: account });
      expect(portfolio.positions).toHaveLength(positions);
      for (const [currency, amount] of cash) {
        if (amount !== null) expect(portfolio.cashBalances).toContainEqual(expect.objectContaining({ currency, amount }));
      }
    });

    it('shorts and derivatives are stored signed with their terms, valued quantity × price × multiplier', async () => {
      const portfolio = await invoke('portfolio.get', { accountId: 'U9876543' });
      const byTicker = Object.fromEntries(portfolio.positions.map((p) => [p.ticker, p]));
      // SAP was filed under its ISIN by the European bank's file (no ticker there): matched by ISIN here.
      expect(portfolio.positions.find((p) => p.isin === 'DE0007164600')).toMatchObject({ quantity: '-20' });
      expect(byTicker['AAPL250620C00230000']).toMatchObject({
        quantity: '-2',
        marketValue: '-1020',
        instrument: { instrumentType: 'option', multiplier: '100', underlying: 'AAPL', expiry: '2025-06-20', strike: '230', putCall: 'call' },
      });
      expect(byTicker['ESM5']).toMatchObject({ quantity: '1', marketValue: '282500', instrument: expect.objectContaining({ instrumentType: 'future', multiplier: '50' }) });
      // Margin cash is negative; the EUR balance is kept and the total says it leaves it out.
      expect(portfolio.cash).toBe('-5210.5');
      expect(portfolio.totalExcludes).toEqual([expect.stringContaining('EUR (950)')]);
    });
  });

  it('two lines that name one security differently are a repeat, found at the end (issue 10): reported at the second line, nothing written', async () => {
    // The parser's check sees two different identifiers; only matching shows they are the same holding.
    const file = 'Account Number,Symbol,ISIN,Description,Quantity,Price\nDUP-1,SPY,,,10,500\nDUP-1,,US78462F1030,,5,500\nDUP-1,,,,,\n';
    const preview = await invoke('imports.preview', { kind: 'positions', fileName: 'dup.csv', contentBase64: b64(file), asOf: '2025-03-31', createAccount: true });
    expect(preview.issues.filter((i) => i.severity === 'error')).toEqual([
      expect.objectContaining({ line: 3, field: 'isin', reason: 'SPY already appears on line 2 of this statement; list each holding once' }),
    ]);
    expect(preview.rows.map((r) => r.status)).toEqual(['ok', 'rejected']);
    expect(preview.rejectedRows).toBe(1);
    const refused = await expectUnchanged(() => call('imports.positions', { fileName: 'dup.csv', contentBase64: b64(file), asOf: '2025-03-31', createAccount: true }));
    expect(expectError(refused, 'IMPORT_REJECTED').message).toContain('line 3, field isin: SPY already appears on line 2');
    const partial = await invoke('imports.positions', { fileName: 'dup.csv', contentBase64: b64(file), asOf: '2025-03-31', createAccount: true, allowPartial: true });
    expect(partial).toMatchObject({ rows: 1, excluded: 1 });
    const portfolio = await invoke('portfolio.get', { accountId: 'DUP-1' });
    expect(portfolio.positions.map((p) => [p.ticker, p.quantity])).toEqual([['SPY', '10']]);
  });

  it('a custodian code in a CUSIP column is kept as the custodian identifier, never as a CUSIP, and matches the next file', async () => {
    const first = 'Account Number,Symbol,CUSIP,Investment Name,Shares,Share Price,Total Value\nVG-401K,,VGI001234,VANGUARD TARGET 2045 TRUST II,100,50.00,5000.00\n';
    const preview = await invoke('imports.preview', { kind: 'positions', fileName: 'plan.csv', contentBase64: b64(first), asOf: '2025-03-31', createSecurities: true });
    expect(preview.issues).toContainEqual(expect.objectContaining({ line: 2, field: 'CUSIP', severity: 'warning', reason: expect.stringContaining("custodian's own code") }));
    expect(preview.rows[0]).toMatchObject({ custodianCode: 'VGI001234', status: 'warning', match: { willCreate: true } });
    await invoke('imports.positions', { fileName: 'plan.csv', contentBase64: b64(first), asOf: '2025-03-31', createSecurities: true });
    expect(reader.prepare("SELECT count(*) FROM securities WHERE cusip = 'VGI001234'").pluck().get()).toBe(0);
    expect(reader.prepare("SELECT custodian, code FROM security_custodian_codes WHERE code = 'VGI001234'").all()).toEqual([{ custodian: 'Vanguard', code: 'VGI001234' }]);
    const second = 'Account Number,Symbol,CUSIP,Investment Name,Shares,Share Price,Total Value\nVG-401K,,VGI001234,VANGUARD TARGET 2045 TRUST II,110,51.00,5610.00\n';
    const again = await invoke('imports.preview', { kind: 'positions', fileName: 'plan2.csv', contentBase64: b64(second), asOf: '2025-04-30' });
    expect(again.rows[0]?.match).toMatchObject({ by: 'custodian-code', willCreate: false });
    expect(again.issues.filter((i) => i.severity === 'error')).toEqual([]);
  });

  it('a 401(k) OFX with zero-unit funds and a custodian code imports; the zero lines are noted, not refused', async () => {
    const ofx = readFileSync(path.join(fixturesDir, 'ofx', 'synthetic-brokerage-ofx1.ofx'), 'latin1')
      .replace('<UNITS>150', '<UNITS>0')
      .replace('<UNIQUEID>922908710', '<UNIQUEID>VGI000042')
      .replace(/<UNIQUEID>922908710/g, '<UNIQUEID>VGI000042');
    const preview = await invoke('imports.preview', { kind: 'positions', fileName: 'k401.ofx', contentBase64: b64(Buffer.from(ofx, 'latin1')), createSecurities: true });
    expect(preview.issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(preview.issues).toContainEqual(expect.objectContaining({ severity: 'warning', reason: 'not a holding: zero units; the line was skipped' }));
    expect(preview.rows.some((r) => r.custodianCode === 'VGI000042')).toBe(true);
  });

  it('an MT535 safekeeping account with a slash is an account id; the same account written differently matches it', async () => {
    const mt535 = readFileSync(path.join(fixturesDir, 'mt535', 'synthetic-two-page.mt535.fin'), 'latin1');
    const safe = /:97A::SAFE\/\/([^\r\n]+)/.exec(mt535)![1]!;
    const slashed = mt535.replaceAll(`:97A::SAFE//${safe}`, ':97A::SAFE//55501/234-7');
    const result = await invoke('imports.positions', { fileName: 'slash.fin', contentBase64: b64(Buffer.from(slashed, 'latin1')), createSecurities: true });
    expect(result.accountId).toBe('55501/234-7');
    const dashed = slashed.replaceAll(':97A::SAFE//55501/234-7', ':97A::SAFE//55501-2347');
    const preview = await invoke('imports.preview', { kind: 'positions', fileName: 'dash.fin', contentBase64: b64(Buffer.from(dashed, 'latin1')) });
    expect(preview.statements.map((s) => [s.accountId, s.newAccount])).toEqual([['55501/234-7', false]]);
    expect(preview.issues).toContainEqual(expect.objectContaining({ field: 'account', severity: 'warning', reason: expect.stringContaining('is read as account 55501/234-7') }));
  });

  describe('no silent shrinkage', () => {
    const full = 'Symbol,Quantity,Price\nSPY,10,500\nAGG,20,100\nGLD,5,200\nCASH,,\n'.replace('CASH,,\n', '');
    const withCash = (text: string, cash: string | null) => (cash === null ? text : `${text}Cash & Cash Investments,${cash},\n`);

    it('the preview lists what would disappear; the import asks; replace drops it, update keeps it (audited)', async () => {
      await invoke('imports.positions', { fileName: 'full.csv', contentBase64: b64(withCash(full, '1000')), accountId: 'SHRINK-1', createAccount: true, asOf: '2026-01-05' });
      const partial = 'Symbol,Quantity,Price\nSPY,12,505\n';
      const preview = await invoke('imports.preview', { kind: 'positions', fileName: 'partial.csv', contentBase64: b64(partial), accountId: 'SHRINK-1', asOf: '2026-01-06' });
      expect(preview.choiceNeeded).toBe(true);
      expect(preview.statements[0]?.previous).toMatchObject({ asOf: '2026-01-05', positions: 3 });
      expect(preview.statements[0]?.disappearing).toEqual({
        holdings: [expect.objectContaining({ ticker: 'AGG', quantity: '20' }), expect.objectContaining({ ticker: 'GLD', quantity: '5' })],
        cash: [{ currency: 'USD', amount: '1000' }],
      });
      const ask = await expectUnchanged(async () => expectError(await call('imports.positions', { fileName: 'partial.csv', contentBase64: b64(partial), accountId: 'SHRINK-1', asOf: '2026-01-06' }), 'CONFIRMATION_REQUIRED'));
      expect(ask.message).toMatch(/account SHRINK-1 has 2 holdings \(AGG, GLD\) and cash in USD \(1000\)/);
      const updated = await invoke('imports.positions', { fileName: 'partial.csv', contentBase64: b64(partial), accountId: 'SHRINK-1', asOf: '2026-01-06', mode: 'update' });
      expect(updated.snapshots[0]).toMatchObject({ positions: 3, carriedOver: 2, mode: 'update' });
      const kept = await invoke('portfolio.get', { accountId: 'SHRINK-1' });
      expect(kept.positions.map((p) => [p.ticker, p.quantity])).toEqual([
        ['AGG', '20'],
        ['GLD', '5'],
        ['SPY', '12'],
      ]);
      expect(kept.cash).toBe('1000');
      const partial2 = 'Symbol,Quantity,Price\nSPY,13,510\n';
      const replaced = await invoke('imports.positions', { fileName: 'partial2.csv', contentBase64: b64(partial2), accountId: 'SHRINK-1', asOf: '2026-01-07', mode: 'replace' });
      expect(replaced.snapshots[0]).toMatchObject({ positions: 1, mode: 'replace' });
      expect((await invoke('portfolio.get', { accountId: 'SHRINK-1' })).positions.map((p) => p.ticker)).toEqual(['SPY']);
      const audit = (await invoke('audit.list', { limit: 5 })).find((e) => e.action === 'import.positions');
      expect(audit?.details).toMatchObject({ snapshots: [expect.objectContaining({ mode: 'replace', dropped: expect.objectContaining({ holdings: expect.any(Array) }) })] });
    });

    it('property: a file with a proper subset of the previous snapshot’s lines cannot replace it without the explicit choice', async () => {
      const lines = [
        ['SPY', '10', '500'],
        ['AGG', '20', '100'],
        ['GLD', '5', '200'],
        ['QQQ', '7', '400'],
        ['EFA', '30', '80'],
      ] as const;
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.subarray([...lines.keys()], { minLength: 0, maxLength: lines.length - 1 }), fc.boolean(), fc.boolean(), async (kept, previousHasCash, keepCash) => {
          run += 1;
          const account = `PROP-${run}`;
          const text = (indices: readonly number[], cash: boolean) =>
            withCash(`Positions for account ${account}\nSymbol,Quantity,Price\n${indices.map((i) => lines[i]!.join(',')).join('\n')}${indices.length ? '\n' : ''}`, cash ? '250' : null);
          await invoke('imports.positions', { fileName: `${account}-a.csv`, contentBase64: b64(text([...lines.keys()], previousHasCash)), asOf: '2026-02-02' });
          const subset = text(kept, previousHasCash && keepCash);
          if (kept.length === 0 && !(previousHasCash && keepCash)) return; // an empty file is refused anyway
          const before = counts();
          const result = await call('imports.positions', { fileName: `${account}-b.csv`, contentBase64: b64(subset), asOf: '2026-02-03' });
          expectError(result, 'CONFIRMATION_REQUIRED');
          expect(counts()).toEqual(before);
          expect((await invoke('portfolio.get', { accountId: account })).positions).toHaveLength(lines.length);
          const preview = await invoke('imports.preview', { kind: 'positions', fileName: `${account}-b.csv`, contentBase64: b64(subset), asOf: '2026-02-03' });
          expect(preview.choiceNeeded).toBe(true);
          expect(preview.statements[0]?.disappearing?.holdings.length).toBe(lines.length - kept.length);
        }),
        { seed: SEED, numRuns: 12 },
      );
    });

    it('the same lines again (a superset) need no choice', async () => {
      await invoke('imports.positions', { fileName: 'same-a.csv', contentBase64: b64(full), accountId: 'SAME-1', createAccount: true, asOf: '2026-03-02' });
      const more = `${full}QQQ,1,400\n`;
      const preview = await invoke('imports.preview', { kind: 'positions', fileName: 'same-b.csv', contentBase64: b64(more), accountId: 'SAME-1', asOf: '2026-03-03' });
      expect(preview.choiceNeeded).toBe(false);
      expect(preview.statements[0]?.disappearing).toBeUndefined();
    });
  });

  describe('accounts are not created by a typo', () => {
    it('an account typed by hand that matches none needs createAccount; one the file names is created, and the preview says so', async () => {
      const unnamed = 'Symbol,Quantity\nSPY,1\n';
      const refused = await expectUnchanged(async () => expectError(await call('imports.positions', { fileName: 'typo.csv', contentBase64: b64(unnamed), accountId: 'DEMOO', asOf: '2026-08-03' }), 'IMPORT_REJECTED'));
      expect(refused.message).toContain('there is no account "DEMOO"');
      const named = 'Positions for account NEW-77 as of 2026-08-03\nSymbol,Quantity\nSPY,1\n';
      const preview = await invoke('imports.preview', { kind: 'positions', fileName: 'named.csv', contentBase64: b64(named) });
      expect(preview.statements[0]).toMatchObject({ accountId: 'NEW-77', newAccount: true });
      const result: ImportResult = await invoke('imports.positions', { fileName: 'named.csv', contentBase64: b64(named) });
      expect(result.accountId).toBe('NEW-77');
    });
  });

  it('a workbook or other binary file stops with a sentence, before any column mapping', async () => {
    const xlsx = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00, 0x08, 0x00, 0x00, 0x00, 0x21, 0x00]);
    const error = expectError(await call('imports.preview', { kind: 'positions', fileName: 'Positions.xlsx', contentBase64: b64(xlsx) }), 'IMPORT_REJECTED');
    expect(error.message).toMatch(/Positions\.xlsx is a ZIP archive \(an Excel \.xlsx workbook is one\), not a text file/);
  });

  it('a proposal leaves derivatives, shorts and cash-like funds untouched, says why, and counts them in the account total', async () => {
    const before = await invoke('portfolio.get', { accountId: 'DEMO' });
    const option = 'Symbol,Description,Quantity,Price,Market Value,Security Type\nSPY 09/18/2026 700.00 P,PUT SPDR S&P 500 $700,2,12.50,2500,Option\n';
    await invoke('imports.positions', { fileName: 'demo-option.csv', contentBase64: b64(option), accountId: 'DEMO', asOf: before.asOf!, createSecurities: true, mode: 'update' });
    const after = await invoke('portfolio.get', { accountId: 'DEMO' });
    expect(after.positions).toHaveLength(before.positions.length + 1);
    const id = await invoke('proposals.create', { accountId: 'DEMO', engine: 'baseline' });
    const proposal = await invoke('proposals.get', { proposalId: typeof id === 'number' ? id : (id as { id: number }).id });
    expect(proposal.untouched?.holdings).toEqual([
      expect.objectContaining({ ticker: 'SPY260918P00700000', quantity: '2', reason: 'derivative', explanation: expect.stringContaining('an option') }),
    ]);
    expect(proposal.assets.map((a) => a.ticker)).not.toContain('SPY260918P00700000');
    expect(Number(proposal.untouched!.accountTotal)).toBeCloseTo(Number(proposal.totalValue) + Number(proposal.untouched!.value), 2);

    // Tuning searches θ on the universe proposals allocate across (one rule): the option stays out of both even with
    // a current price history of its own, which would have put a held security into tuning's universe before.
    const store = openDatabase(runtime.dbPath);
    onTestFinished(() => store.close());
    const securities = store.securities.list();
    const optionId = securities.find((s) => s.ticker === 'SPY260918P00700000')!.id;
    const spyId = securities.find((s) => s.ticker === 'SPY')!.id;
    store.transaction(() => store.prices.insertMany(store.prices.history(spyId).map((p, k) => ({ securityId: optionId, date: p.date, close: 10 + (k % 7) }))));
    const again = await invoke('proposals.create', { accountId: 'DEMO', engine: 'baseline' });
    expect(again.untouched?.holdings.map((h) => h.ticker)).toEqual(['SPY260918P00700000']);
    const tuned = tradableUniverse(store, 'DEMO', DEFAULT_PARAMETERS.lookbackDays, 'tune');
    expect(tuned.universe.map((s) => s.ticker)).toEqual(again.assets.map((a) => a.ticker));
    expect(tuned.asOf).toBe(again.asOf);
  });
});
