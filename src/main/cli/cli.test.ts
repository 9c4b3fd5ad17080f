import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateFix44File } from '../io/fix44';
import { InlineJobRunner } from '../jobs/inline';
import { jobHandlers } from '../app/jobs';
import { createRuntime } from '../app/runtime';
import { main } from './main';

/*
 * The `ballast` command in-process: the same argument parsing, printing and exit codes as the built CLI,
 * with jobs run inline instead of on the worker pool (which needs the built out/main/worker.js; the
 * e2e suite covers that path). Steps share one database, so they run in order.
 */

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const mainDir = path.join(repoRoot, 'out', 'main'); // resources resolve to <repo>/resources from here
const fixture = (relative: string) => path.join(repoRoot, 'src', 'main', 'io', '__fixtures__', relative);

interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

describe('ballast CLI (in-process)', () => {
  let dir: string;
  let db: string;
  let proposalId: number;

  async function ballast(...args: string[]): Promise<Run> {
    let stdout = '';
    let stderr = '';
    const status = await main([...args, '--db', db], mainDir, {
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: (t: string) => (stderr += t) },
      jobs: new InlineJobRunner(jobHandlers),
    });
    return { status, stdout, stderr };
  }

  function ok(run: Run): Run {
    expect(run.status, `exit ${run.status}\n--- stdout ---\n${run.stdout}\n--- stderr ---\n${run.stderr}`).toBe(0);
    return run;
  }

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'ballast-cli-'));
    db = path.join(dir, 'ballast.db');
    // Read-only commands refuse a --db path with no database (issue 9): start from an empty one.
    await createRuntime({ dbPath: db, resourcesDir: path.join(__dirname, '..', '..', '..', 'resources'), workerFile: 'unused', jobs: new InlineJobRunner(jobHandlers) }).close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['csv/us-broker-synthetic.csv', 'XXXX-1234'],
    ['ofx/synthetic-brokerage-ofx1.ofx', 'SYN-10001'],
    ['ibkr-flex/synthetic-two-accounts.flex.xml', 'U9900002'],
    ['mt535/synthetic-two-page.mt535.fin', 'SYN-CUST-4711'],
    ['semt002/synthetic-custody.semt002.xml', 'SYN-SAFE-0042'],
  ])('import-positions %s', async (file, account) => {
    const preview = ok(await ballast('preview-import', fixture(file), '--create-securities'));
    expect(preview.stdout).toContain(`account ${account} as of `);
    expect(preview.stdout).toMatch(/\d+ rows, 0 rejected/);
    const run = ok(await ballast('import-positions', fixture(file), '--create-securities'));
    expect(run.stdout).toMatch(new RegExp(`^Imported \\d+ holdings from ${path.basename(file).replace(/\./g, '\\.')}`));
    expect(run.stdout).toContain(`account ${account} as of `);
    const again = ok(await ballast('import-positions', fixture(file), '--json'));
    expect(JSON.parse(again.stdout)).toMatchObject({ status: 'already_imported' });
  });

  it('positions --json carries every identifier with quantity, price, market value, currency and as-of', async () => {
    const run = ok(await ballast('positions', '--account', 'SYN-SAFE-0042', '--json'));
    const portfolio = JSON.parse(run.stdout) as { asOf: string; positions: Record<string, unknown>[] };
    expect(portfolio.asOf).toBe('2024-06-28');
    for (const p of portfolio.positions) {
      expect(Object.keys(p)).toEqual(expect.arrayContaining(['ticker', 'isin', 'cusip', 'sedol', 'description', 'quantity', 'price', 'marketValue', 'currency', 'asOf']));
      expect(p.asOf).toBe('2024-06-28');
    }
    expect(portfolio.positions.some((p) => typeof p.isin === 'string')).toBe(true);
    const text = ok(await ballast('positions', '--account', 'SYN-SAFE-0042'));
    expect(text.stdout).toContain('ISIN/CUSIP/SEDOL');
  });

  it('a rejected file prints the validation report and exits non-zero; --allow-partial imports the rest', async () => {
    const bad = path.join(dir, 'bad.csv');
    writeFileSync(bad, 'Account,Symbol,Quantity,Price,As of\nCLI-1,SPY,100,700,2026-08-03\nCLI-1,AGG,12x,97,2026-08-03\nCLI-1,GLD,5,300,2026-08-03\n');
    const rejected = await ballast('import-positions', bad, '--create-securities');
    expect(rejected.status).toBe(1);
    expect(rejected.stderr).toMatch(/^error: bad\.csv: 1 row rejected, nothing imported — line 3, field Quantity/);
    expect(rejected.stderr).toMatch(/\n {2}error {3}line 3, field Quantity: /);
    const preview = await ballast('preview-import', bad);
    expect(preview.status).toBe(1);
    expect(preview.stdout).toContain('would be REJECTED');

    const partial = ok(await ballast('import-positions', bad, '--create-securities', '--allow-partial'));
    expect(partial.stdout).toContain('1 row left out, as accepted with --allow-partial (audited):');
    expect(partial.stdout).toMatch(/line 3, field Quantity: /);
  });

  it('profiles, EMS profiles and FIX settings', async () => {
    ok(await ballast('profiles', 'save', fixture('csv/needs-profile-synthetic.profile.json')));
    expect(ok(await ballast('profiles')).stdout).toContain('used automatically for header port|secid');
    const run = ok(await ballast('import-positions', fixture('csv/needs-profile-synthetic.csv'), '--create-securities', '--json'));
    expect(JSON.parse(run.stdout)).toMatchObject({ accountId: 'PF-77', rows: 4 });
    expect(ok(await ballast('profiles', 'delete', 'Synthetic custodian (Port/Sec Id layout)')).stdout).toContain('Deleted');

    const ems = path.join(dir, 'ems.json');
    writeFileSync(ems, JSON.stringify({ name: 'Desk', columns: [{ field: 'side', header: 'B/S' }, { field: 'symbol', header: 'Sym' }, { field: 'quantity', header: 'Qty' }], delimiter: '\t' }));
    ok(await ballast('ems-profiles', 'save', ems));
    expect(ok(await ballast('ems-profiles')).stdout).toContain('Desk: B/S (side) <tab> Sym (symbol)');

    expect(ok(await ballast('fix-settings')).stdout).toContain('SenderCompID(49)  BALLAST');
    const set = ok(await ballast('fix-settings', '--sender', 'PM-DESK', '--target', 'BROKER', '--handl-inst', '1', '--tif', 'gtc', '--new-order-list', '--json'));
    expect(JSON.parse(set.stdout)).toEqual({ senderCompId: 'PM-DESK', targetCompId: 'BROKER', handlInst: '1', timeInForce: 'GTC', newOrderList: true });
    expect((await ballast('fix-settings', '--handl-inst', '7')).status).toBe(2);
  });

  it('export: FIX 4.4 and CSV basket; a second export needs --confirm-reexport', async () => {
    ok(await ballast('demo'));
    proposalId = (JSON.parse(ok(await ballast('propose', '--account', 'DEMO', '--engine', 'baseline', '--json')).stdout) as { id: number }).id;
    ok(await ballast('approve', String(proposalId), '--by', 'Alice PM'));
    const fix = path.join(dir, 'orders.fix');
    expect(ok(await ballast('export', String(proposalId), '--format', 'fix44', '--out', fix)).stdout).toContain('(FIX 4.4)');
    expect(validateFix44File(readFileSync(fix, 'latin1')).ok).toBe(true);
    expect(readFileSync(fix, 'latin1')).toContain('\x0149=PM-DESK\x01');

    const basket = path.join(dir, 'basket.tsv');
    const refused = await ballast('export', String(proposalId), '--format', 'csv', '--profile', 'Desk', '--out', basket);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/was exported on .*Run again with --confirm-reexport/);
    ok(await ballast('export', String(proposalId), '--format', 'csv', '--profile', 'Desk', '--out', basket, '--confirm-reexport'));
    expect(readFileSync(basket, 'utf8').split('\r\n')[0]).toBe('B/S\tSym\tQty');
    expect(ok(await ballast('audit', '--verify')).stdout).toMatch(/Audit chain verified/);
  });

  // Last: the synthetic price file adds dates the demo calendar does not have.
  it('import-prices and usage errors', async () => {
    const run = ok(await ballast('import-prices', fixture('csv/prices-wide-us-dates-synthetic.csv')));
    expect(run.stdout).toMatch(/^Imported \d+ prices from prices-wide-us-dates-synthetic\.csv/);
    expect((await ballast('import-positions', fixture('csv/us-broker-synthetic.csv'), '--format', 'xlsx')).status).toBe(2);
    expect((await ballast('import-positions')).status).toBe(2);
    const missing = await ballast('import-positions', path.join(dir, 'nope.csv'));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/Cannot read .*nope\.csv: it does not exist/);
  });
});
