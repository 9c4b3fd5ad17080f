import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { EXPORT_HEADER, QUICK_FORECAST_CONFIG, cliPath, makeTempDir, readExportCsv, removeDir, repoRoot, sha256File } from './support';

/*
 * The built CLI (out/main/cli.js) as a PM's script would use it: real worker pool, real files, exit
 * codes and stderr. No browser. Steps share one database, so they run in order.
 */

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function ballast(args: string[]): Run {
  const r = spawnSync(process.execPath, [cliPath, ...args], { cwd: repoRoot, env: cliEnv(), encoding: 'utf8', timeout: 180_000, maxBuffer: 256 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The same, without blocking: independent checks run side by side. */
function ballastAsync(args: string[], command: string = process.execPath, prefix: string[] = [cliPath]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...prefix, ...args], { cwd: repoRoot, env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

function cliEnv(): NodeJS.ProcessEnv {
  // A stray BALLAST_DB must not redirect a command that forgot --db to someone's real database.
  const env = { ...process.env };
  delete env.BALLAST_DB;
  return env;
}

function ok(run: Run): Run {
  expect(run.status, `exit ${run.status}\n--- stdout ---\n${run.stdout}\n--- stderr ---\n${run.stderr}`).toBe(0);
  return run;
}

interface ProposalJson {
  id: number;
  status: string;
  engine: string;
  assets: { ticker: string; targetWeight: number; riskContribution: number }[];
  cash: { targetWeight: number };
  trades: { side: string; ticker: string; quantity: string }[];
}

test.describe.configure({ mode: 'serial' });

test.describe('ballast CLI', () => {
  let dir: string;
  let db: string;
  let proposal: ProposalJson;

  test.beforeAll(() => {
    expect(existsSync(cliPath), `${cliPath} missing: run \`npx electron-vite build\` first`).toBe(true);
    dir = makeTempDir('cli');
    db = path.join(dir, 'ballast.db');
  });

  test.afterAll(() => removeDir(dir));

  test('demo seeds the database', () => {
    const first = ok(ballast(['demo', '--db', db]));
    expect(first.stdout).toContain('Demo data loaded');
    expect(first.stdout).toContain('account DEMO');
  });

  test('a reader that goes away (`| head`) ends the command quietly, with its own status', async () => {
    // Megabytes of JSON: the reader takes the first chunk and closes its end, so the CLI's next writes fail with EPIPE.
    const child = spawn(process.execPath, [cliPath, 'backtest', '--strategy', 'erc', '--db', db, '--json'], { cwd: repoRoot, env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let first = '';
    child.stdout.setEncoding('utf8').once('data', (c: string) => {
      first = c;
      child.stdout.destroy();
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const status = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(first).toMatch(/^\{/);
    expect(stderr).not.toMatch(/EPIPE|Unhandled/);
    expect(status).toBe(0);
  });

  test('propose --json prints a risk-parity proposal', () => {
    proposal = JSON.parse(ok(ballast(['propose', '--db', db, '--account', 'DEMO', '--engine', 'baseline', '--json'])).stdout) as ProposalJson;
    expect(proposal.status).toBe('pending');
    expect(proposal.engine).toBe('risk-parity-baseline');
    const total = proposal.assets.reduce((s, a) => s + a.targetWeight, 0) + proposal.cash.targetWeight;
    expect(Math.abs(total - 1)).toBeLessThan(1e-9);
    const rc = proposal.assets.map((a) => a.riskContribution);
    expect(Math.max(...rc) / Math.min(...rc) - 1).toBeLessThan(1e-6);
    expect(proposal.trades.length).toBeGreaterThan(0);
  });

  test('approve, then export a CSV trade list', () => {
    const approved = ok(ballast(['approve', String(proposal.id), '--by', 'Alice Example', '--comment', 'Within risk limits', '--db', db]));
    expect(approved.stdout).toContain(`Proposal ${proposal.id} is now approved.`);

    const out = path.join(dir, 'exports', 'trades.csv');
    const exported = JSON.parse(ok(ballast(['export', String(proposal.id), '--format', 'csv', '--out', out, '--db', db, '--json'])).stdout) as {
      path: string;
      sha256: string;
      rows: number;
    };
    expect(exported.path).toBe(out);
    expect(existsSync(out)).toBe(true);
    expect(readFileSync(out, 'utf8')).toMatch(/^(\uFEFF)?account,side,symbol/);
    const csv = readExportCsv(out);
    expect(csv.header).toEqual(EXPORT_HEADER);
    expect(csv.records).toHaveLength(proposal.trades.length);
    expect(csv.records).toHaveLength(exported.rows);
    for (const r of csv.records) {
      expect(r.account).toBe('DEMO');
      expect(['BUY', 'SELL']).toContain(r.side);
      expect(Number(r.quantity)).toBeGreaterThan(0);
    }
    expect(sha256File(out)).toBe(exported.sha256);

    // Never overwrites: a second export to the same file fails and leaves it as it was.
    const before = readFileSync(out);
    const again = ballast(['export', String(proposal.id), '--format', 'csv', '--out', out, '--db', db]);
    expect(again.status).not.toBe(0);
    expect(again.stderr).toContain('already exists');
    expect(readFileSync(out).equals(before)).toBe(true);
  });

  test('audit --verify exits 0', () => {
    const r = ok(ballast(['audit', '--verify', '--db', db]));
    expect(r.stdout).toMatch(/Audit chain verified: \d+ rows/);
  });

  test('a bad positions file is rejected naming line 3 and quantity, and changes nothing', () => {
    const auditRows = () => (JSON.parse(ok(ballast(['audit', '--json', '--limit', '10000', '--db', db])).stdout) as unknown[]).length;
    const rowsBefore = auditRows();

    const bad = path.join(dir, 'bad.csv');
    writeFileSync(bad, 'symbol,quantity\nSPY,100\nQQQ,12x\nCASH,1000\n');
    const r = ballast(['import-positions', bad, '--account', 'DEMO', '--db', db]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('line 3');
    expect(r.stderr).toContain('quantity');
    expect(r.stderr).toContain('bad.csv');

    expect(auditRows()).toBe(rowsBefore);
  });

  test('usage and input errors: exit codes and messages', async () => {
    const [unknown, badFlag, noId, none, rejectNoComment, missing] = await Promise.all([
      ballastAsync(['frobnicate', '--db', db]),
      ballastAsync(['info', '--no-such-flag']),
      ballastAsync(['approve', 'abc', '--by', 'X', '--db', db]),
      ballastAsync([]),
      ballastAsync(['reject', String(proposal.id), '--by', 'Bob', '--db', db]),
      ballastAsync(['show', '999999', '--db', db, '--json']),
    ]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('Unknown command "frobnicate"');

    expect(badFlag.status).toBe(2);
    expect(badFlag.stderr).toContain('Usage: ballast');

    expect(noId.status).toBe(2);
    expect(noId.stderr).toContain('not a proposal id');

    expect(none.status).toBe(2);
    expect(none.stdout).toContain('Usage: ballast');

    expect(rejectNoComment.status).not.toBe(0);
    expect(rejectNoComment.stderr).toMatch(/reject needs --comment/);

    // With --json, errors are a Result on stderr.
    expect(missing.status).toBe(1);
    expect(JSON.parse(missing.stderr)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  test('npx ballast --help works through the workspace package', async () => {
    const bin = path.join(repoRoot, 'node_modules', '.bin', process.platform === 'win32' ? 'ballast.cmd' : 'ballast');
    expect(existsSync(bin), `${bin} missing: the workspace package packages/ballast-cli is not linked`).toBe(true);
    const r = await ballastAsync(['--no-install', 'ballast', '--help'], process.platform === 'win32' ? 'npx.cmd' : 'npx', []);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('Usage: ballast <command>');
    expect(r.stdout).toContain('propose --account <id>');
  });
});

test.describe('ballast CLI: custodial files and EMS exports', () => {
  const FIXTURES = path.join(repoRoot, 'src', 'main', 'io', '__fixtures__');
  const files = [
    ['csv', 'csv/us-broker-synthetic.csv'],
    ['ofx', 'ofx/synthetic-brokerage-ofx1.ofx'],
    ['ofx', 'ofx/synthetic-quicken.qfx'],
    ['ibkr-flex', 'ibkr-flex/synthetic-two-accounts.flex.xml'],
    ['mt535', 'mt535/synthetic-two-page.mt535.fin'],
    ['semt002', 'semt002/synthetic-custody-apphdr.semt002.xml'],
  ] as const;
  let dir: string;
  let db: string;

  test.beforeAll(() => {
    dir = makeTempDir('cli-custody');
    db = path.join(dir, 'ballast.db');
  });
  test.afterAll(() => removeDir(dir));

  const auditCount = () => (JSON.parse(ok(ballast(['audit', '--json', '--limit', '10000', '--db', db])).stdout) as unknown[]).length;

  test('every holdings format imports its fixture; the same file again changes nothing', () => {
    for (const [format, file] of files) {
      const full = path.join(FIXTURES, file);
      const result = JSON.parse(ok(ballast(['import-positions', full, '--create-securities', '--db', db, '--json'])).stdout) as {
        format: string;
        status: string;
        snapshots: { accountId: string; positions: number }[];
      };
      expect(result.format, file).toBe(format);
      expect(result.status).toBe('imported');
      expect(result.snapshots.length).toBeGreaterThan(0);
      for (const snapshot of result.snapshots) {
        const shown = JSON.parse(ok(ballast(['positions', '--account', snapshot.accountId, '--db', db, '--json'])).stdout) as {
          positions: { ticker: string; isin: string | null; quantity: string; currency: string; asOf: string }[];
        };
        expect(shown.positions, `${file} ${snapshot.accountId}`).toHaveLength(snapshot.positions);
        for (const p of shown.positions) expect(Number(p.quantity)).not.toBeNaN();
      }
      const rows = auditCount();
      const again = ok(ballast(['import-positions', full, '--create-securities', '--db', db]));
      expect(again.stdout).toContain('already imported');
      expect(auditCount()).toBe(rows);
    }
    expect(ok(ballast(['audit', '--verify', '--db', db])).stdout).toMatch(/Audit chain verified/);
  });

  test('a corrupted file is rejected naming line and field and changes nothing; --allow-partial is explicit and audited', () => {
    const bad = path.join(dir, 'corrupted.mt535.fin');
    const text = readFileSync(path.join(FIXTURES, 'mt535', 'synthetic-two-page.mt535.fin'), 'latin1');
    const line = text.split('\n').findIndex((l) => l.startsWith(':93B::AGGR//UNIT/2500,')) + 1;
    writeFileSync(bad, text.replace(':93B::AGGR//UNIT/2500,', ':93B::AGGR//UNIT/25X0,'), 'latin1');
    const rows = auditCount();
    const refused = ballast(['import-positions', bad, '--create-securities', '--account', 'SYN-CUST-4711', '--db', db]);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain(`line ${line}`);
    expect(refused.stderr).toContain(':93B::AGGR');
    expect(auditCount()).toBe(rows);

    // The account holds the holding this file now leaves out: --update keeps it as it was (issue 9).
    const partial = JSON.parse(ok(ballast(['import-positions', bad, '--create-securities', '--allow-partial', '--update', '--db', db, '--json'])).stdout) as {
      excluded: number;
    };
    expect(partial.excluded).toBe(1);
    const audit = JSON.parse(ok(ballast(['audit', '--json', '--limit', '5', '--db', db])).stdout) as { action: string }[];
    expect(audit.map((a) => a.action)).toContain('import.partial');
  });

  test('FIX 4.4 export of an approved proposal; a second export needs --confirm-reexport and keeps the ClOrdIDs', () => {
    ok(ballast(['demo', '--db', db]));
    const proposal = JSON.parse(ok(ballast(['propose', '--db', db, '--account', 'DEMO', '--engine', 'baseline', '--json'])).stdout) as ProposalJson;
    ok(ballast(['approve', String(proposal.id), '--by', 'Alice Example', '--db', db]));
    const first = path.join(dir, 'orders-1.fix');
    ok(ballast(['export', String(proposal.id), '--format', 'fix44', '--out', first, '--db', db]));
    const clOrdIds = (file: string) =>
      readFileSync(file, 'latin1')
        .split('\n')
        .filter((l) => l.includes('\x0135=D\x01'))
        .map((l) => l.split('\x01').find((f) => f.startsWith('11='))?.slice(3));
    const lines = readFileSync(first, 'latin1').split('\n').filter((l) => l !== '');
    for (const l of lines) {
      expect(l.startsWith('8=FIX.4.4\x01')).toBe(true);
      expect(l.split('\x01').at(-2)).toMatch(/^10=\d{3}$/);
    }
    expect(clOrdIds(first)).toHaveLength(proposal.trades.length);

    const second = path.join(dir, 'orders-2.fix');
    const refused = ballast(['export', String(proposal.id), '--format', 'fix44', '--out', second, '--db', db]);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('--confirm-reexport');
    expect(existsSync(second)).toBe(false);
    ok(ballast(['export', String(proposal.id), '--format', 'fix44', '--out', second, '--confirm-reexport', '--db', db]));
    expect(clOrdIds(second)).toEqual(clOrdIds(first));
  });
});

test.describe('ballast solve: engine self-checks from JSON specs', () => {
  let dir: string;
  test.beforeAll(() => (dir = makeTempDir('cli-solve')));
  test.afterAll(() => removeDir(dir));

  const solve = (kind: string, spec: unknown) => {
    const file = path.join(dir, `${kind}-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify(spec));
    return ballastAsync(['solve', kind, '--in', file, '--db', path.join(dir, 'solve.db')]);
  };

  test('gp with fixed hyperparameters matches the closed-form posterior', async () => {
    // One training point: mean = k(x*,x)/(k(x,x)+σn²)·y and latent variance = σf² − k(x*,x)²/(k(x,x)+σn²).
    const run = ok(await solve('gp', { X: [[0]], y: [2], Xtest: [[0.5]], kernel: 'rbf', hyperparameters: { lengthscales: [1], signalVariance: 1, noiseVariance: 0.25 } }));
    const out = JSON.parse(run.stdout) as { mean: number[]; variance: number[]; lml: number };
    const k = Math.exp(-0.125);
    expect(out.mean[0]).toBeCloseTo((k / 1.25) * 2, 12);
    expect(out.variance[0]).toBeCloseTo(1 - (k * k) / 1.25, 12);
    // log N(2 | 0, 1.25)
    expect(out.lml).toBeCloseTo(-0.5 * (4 / 1.25) - 0.5 * Math.log(1.25) - 0.5 * Math.log(2 * Math.PI), 12);
  });

  test('bo returns its evaluations and the best of them, deterministically per seed', async () => {
    const spec = { objective: 'branin', budget: 12, seed: 3 };
    const [a, b] = await Promise.all([solve('bo', spec), solve('bo', spec)]);
    const first = JSON.parse(ok(a).stdout) as { best: { value: number }; evaluations: { x: number[]; value: number }[] };
    expect(first.evaluations).toHaveLength(12);
    expect(first.best.value).toBe(Math.min(...first.evaluations.map((e) => e.value)));
    expect(JSON.parse(ok(b).stdout)).toEqual(first);
  });

  test('bnn reports the backend and a predictive distribution per test input', async () => {
    const X = Array.from({ length: 24 }, (_, i) => [i / 24]);
    const run = ok(await solve('bnn', { train: { X, y: X.map(([x]) => 2 * x!) }, test: { X: [[0.5], [4]] }, levels: [0.5, 0.9], seed: 11, config: { epochs: 40 } }));
    const out = JSON.parse(run.stdout) as { backend: string; mean: number[]; epistemicVariance: number[]; aleatoricVariance: number[]; intervals: { level: number; lower: number[]; upper: number[] }[] };
    expect(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']).toContain(out.backend);
    expect(out.mean).toHaveLength(2);
    expect(out.intervals.map((i) => i.level)).toEqual([0.5, 0.9]);
    for (const i of [0, 1]) expect(out.intervals[1]!.upper[i]! - out.intervals[1]!.lower[i]!).toBeGreaterThan(out.intervals[0]!.upper[i]! - out.intervals[0]!.lower[i]!);
  });

  test('a bad spec is refused with the field named and a non-zero exit', async () => {
    const run = await solve('gp', { X: [[0], [1]], y: [1], Xtest: [[0]], kernel: 'rbf' });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/y/);
    const unknown = ballast(['solve', 'svm', '--in', 'x.json']);
    expect(unknown.status).toBe(2);
  });
});

test.describe('ballast CLI: the Bayesian strategy', () => {
  let dir: string;
  let db: string;

  test.beforeAll(() => {
    dir = makeTempDir('cli-strategy');
    db = path.join(dir, 'ballast.db');
    ok(ballast(['demo', '--db', db]));
    // The small forecast model, as a PM would set it: seconds instead of minutes on 22 years of demo history.
    ok(ballast(['strategy-settings', '--db', db, '--forecast', QUICK_FORECAST_CONFIG]));
  });

  test.afterAll(() => removeDir(dir));

  test('propose --json: forecasts, confidence, breaker and attribution, from a stored model run', () => {
    const p = JSON.parse(ok(ballast(['propose', '--db', db, '--account', 'DEMO', '--json'])).stdout) as {
      engine: string;
      modelRun: { id: number; horizonDays: number };
      assets: { ticker: string; targetWeight: number; currentWeight: number; forecast: { mean: number; lower90: number; upper90: number } }[];
      confidence: { probabilityBeatsCurrent: number };
      breaker: { state: string; reason: string };
      attribution: { assets: { change: number; contributions: Record<string, number> }[] };
    };
    expect(p.engine).toBe('bayesian');
    expect(p.modelRun.horizonDays).toBe(21);
    for (const a of p.assets) expect(a.forecast.lower90).toBeLessThan(a.forecast.upper90);
    expect(['NORMAL', 'CAUTION', 'DE_RISKED']).toContain(p.breaker.state);
    for (const row of p.attribution.assets) {
      expect(Object.values(row.contributions).reduce((s, x) => s + x, 0)).toBeCloseTo(row.change, 10);
    }
    const text = ok(ballast(['show', '1', '--db', db])).stdout;
    expect(text).toContain('Circuit breaker:');
    expect(text).toContain('probability the target beats keeping current weights');
    expect(text).toContain('Why each weight changes');
  });

  test('backtest --json: the strategy beside every baseline, stress windows, coverage and breaker', () => {
    const r = JSON.parse(ok(ballast(['backtest', '--db', db, '--to', '2023-12-29', '--json'])).stdout) as {
      strategy: string;
      to: string;
      tickers: string[];
      metrics: Record<string, number>;
      baselines: Record<string, { metrics: Record<string, number> }>;
      stress: { name: string; maxDrawdown: Record<string, number> }[];
      forecasts: { count: number; coverage: Record<string, number> };
      breaker: { timeInState: Record<string, number>; events: unknown[] };
      daily: { date: string; equity: number; cashWeight: number; breaker: string }[];
      rebalances: { date: string; weights: Record<string, number>; turnover: number; cost: number }[];
    };
    expect(r.strategy).toBe('bayesian');
    expect(r.to <= '2023-12-29').toBe(true);
    expect(r.tickers).toHaveLength(13);
    expect(Object.keys(r.metrics).sort()).toEqual(['cagr', 'calmar', 'costDrag', 'maxDrawdown', 'sharpe', 'sortino', 'turnover', 'volatility']);
    expect(Object.keys(r.baselines)).toEqual(expect.arrayContaining(['erc', 'equal', 'inverse-vol', 'min-variance', '60-40', 'bayesian-no-breaker', 'bayesian-no-uncertainty-penalty']));
    expect(r.stress.length).toBeGreaterThanOrEqual(3);
    expect(r.forecasts.count).toBeGreaterThan(0);
    expect(r.daily.every((d) => d.equity > 0 && d.cashWeight >= 0)).toBe(true);
    const text = ok(ballast(['backtest', '--db', db, '--to', '2023-12-29', '--strategy', 'erc'])).stdout;
    expect(text).toContain('Backtest of erc');
  });

  test('bad flag values are usage errors (exit 2), not crashes', () => {
    for (const args of [
      ['backtest', '--cost-bps', 'abc'],
      ['backtest', '--from', '2020-13-45'],
      ['backtest', '--strategy', 'magic'],
      ['propose', '--account', 'DEMO', '--engine', 'quantum'],
      ['propose', '--account', 'DEMO', '--override-breaker', 'PANIC', '--reason', 'x', '--by', 'y'],
      ['propose', '--account', 'DEMO', '--override-breaker', 'CAUTION', '--by', 'y'],
    ]) {
      const r = ballast([...args, '--db', db]);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^error: /);
    }
  });
});
