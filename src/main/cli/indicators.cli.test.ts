import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobHandlers } from '../app/jobs';
import { InlineJobRunner } from '../jobs/inline';
import { createRuntime } from '../app/runtime';
import { main } from './main';

/* `ballast import-indicators` and `ballast indicators` in-process (see cli.test.ts), on their own database. */

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const mainDir = path.join(repoRoot, 'out', 'main');

interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

describe('ballast import-indicators / indicators', () => {
  let dir: string;
  let db: string;

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
  const ok = (run: Run): Run => {
    expect(run.status, `exit ${run.status}\n--- stdout ---\n${run.stdout}\n--- stderr ---\n${run.stderr}`).toBe(0);
    return run;
  };
  const file = (name: string, text: string) => {
    const at = path.join(dir, name);
    writeFileSync(at, text);
    return at;
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'ballast-cli-indicators-'));
    db = path.join(dir, 'ballast.db');
    // Read-only commands refuse a --db path with no database (issue 9): start from an empty one.
    await createRuntime({ dbPath: db, resourcesDir: path.join(__dirname, '..', '..', '..', 'resources'), workerFile: 'unused', jobs: new InlineJobRunner(jobHandlers) }).close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists nothing before the first import', async () => {
    expect(ok(await ballast('indicators')).stdout).toBe('No indicator series imported (ballast import-indicators <file>).\n');
    expect(JSON.parse(ok(await ballast('indicators', '--json')).stdout)).toEqual([]);
  });

  it('imports one series with --name, --role and --unit, and a wide file by its headers', async () => {
    const irx = file('irx.csv', 'Date,^IRX\n2020-03-25,-0.07\n2024-01-02,5.2\n');
    const run = ok(await ballast('import-indicators', irx, '--name', 'tbill-13w', '--role', 'cash-rate', '--unit', 'percent'));
    expect(run.stdout).toBe('Imported 1 indicator series from irx.csv (indicators-single):\n  TBILL-13W    2 observations 2020-03-25 → 2024-01-02, percent, cash rate (new series)\n');

    const macro = file('macro.csv', 'Date,VIX,TERM_SPREAD\n2024-01-02,13.2,-0.4\n2024-01-03,,-0.35\n');
    const json = JSON.parse(ok(await ballast('import-indicators', macro, '--json')).stdout) as { series: { name: string; rows: number; role: string }[] };
    expect(json.series.map((s) => [s.name, s.rows, s.role])).toEqual([
      ['VIX', 1, 'input'],
      ['TERM_SPREAD', 2, 'input'],
    ]);
    expect(ok(await ballast('import-indicators', macro)).stdout).toContain('VIX          1 observations 2024-01-02 → 2024-01-02, level, model input (already up to date)');

    const list = ok(await ballast('indicators')).stdout.split('\n');
    expect(list[0]).toMatch(/^NAME\s+UNIT\s+ROLE\s+FROM\s+TO\s+OBS\s+DESCRIPTION$/);
    expect(list.slice(1, 4).map((line) => line.split(/\s{2,}/).slice(0, 6))).toEqual([
      ['TBILL-13W', 'percent', 'cash rate', '2020-03-25', '2024-01-02', '2'],
      ['TERM_SPREAD', 'level', 'model input', '2024-01-02', '2024-01-03', '2'],
      ['VIX', 'level', 'model input', '2024-01-02', '2024-01-02', '1'],
    ]);
    const audit = JSON.parse(ok(await ballast('audit', '--json')).stdout) as { action: string }[];
    expect(audit.filter((e) => e.action === 'indicator.import')).toHaveLength(3);
  });

  it('a rejected file prints the report and exits 1; bad flag values are usage errors (exit 2)', async () => {
    const bad = file('bad.csv', 'Date,VIX\n2024-01-05,15\n2024-01-06,abc\n');
    const rejected = await ballast('import-indicators', bad);
    expect(rejected.status).toBe(1);
    expect(rejected.stderr).toMatch(/^error: bad\.csv: 1 problem, nothing imported — bad\.csv line 3, field VIX: /);
    expect(rejected.stderr).toMatch(/\n {2}error {3}line 3, field VIX: /);

    const good = file('vix.csv', 'date,value\n2024-01-05,15\n');
    for (const args of [['--role', 'rate'], ['--unit', 'bps'], ['--name', 'not a name!']]) {
      const run = await ballast('import-indicators', good, ...args);
      expect(run.status, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(new RegExp(`^error: ${args[0]} `));
    }
    expect((await ballast('import-indicators')).status).toBe(2);
    // A second cash rate is refused by the app: exit 1 with the reason.
    const sofr = await ballast('import-indicators', good, '--name', 'SOFR', '--role', 'cash-rate');
    expect(sofr.status).toBe(1);
    expect(sofr.stderr).toContain('TBILL-13W is already the cash rate');
    expect(JSON.parse(ok(await ballast('indicators', '--json')).stdout)).toHaveLength(3);
  });
});
