import Database from 'better-sqlite3';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TuningRunReport } from '../../shared/tuning';
import { QUICK_FORECAST, tuningRunContent } from '../app/testSupport';

/*
 * A tuning run killed with SIGKILL — a real `ballast tune` process on the worker pool, not a simulated failure —
 * resumes with `ballast tune --resume` and ends exactly like an uninterrupted run with the same seed. Runs the
 * built CLI (`npm run build` first; `npm test` builds before the unit tests).
 */

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const cli = path.join(repoRoot, 'out', 'main', 'cli.js');
const run = promisify(execFile);
const TUNE = ['tune', '--account', 'DEMO', '--budget', '16', '--batch', '2', '--seed', '9', '--folds', '3', '--no-warm-start', '--constraint', 'maxDrawdown<=0.3', '--json'];

describe('ballast tune, killed with SIGKILL and resumed', () => {
  let dir: string;
  let db: string;
  const ballast = async (...args: string[]) => (await run(process.execPath, [cli, ...args, '--db', db], { cwd: dir, maxBuffer: 64 * 1024 * 1024 })).stdout;

  beforeAll(async () => {
    if (!existsSync(cli)) throw new Error(`${cli} is missing: run "npm run build" before this test.`);
    dir = mkdtempSync(path.join(tmpdir(), 'ballast-tune-kill-'));
    db = path.join(dir, 'ballast.db');
    writeFileSync(path.join(dir, 'forecast.json'), JSON.stringify(QUICK_FORECAST));
    await ballast('demo');
    await ballast('strategy-settings', '--forecast', path.join(dir, 'forecast.json'));
  }, 120_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('resumes where the killed process stopped and ends with the uninterrupted run’s result', async () => {
    const reference = JSON.parse(await ballast(...TUNE)) as TuningRunReport;
    expect(reference.status).toBe('complete');
    expect(reference.evaluations).toHaveLength(16);

    const child = spawn(process.execPath, [cli, ...TUNE, '--db', db], { cwd: dir, stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    // Wait on state: kill once a few batches of the new run are committed.
    const reader = new Database(db, { readonly: true, fileMustExist: true });
    const runId = reference.runId + 1;
    const committed = () => reader.prepare('SELECT count(*) FROM tuning_observations WHERE run_id = ?').pluck().get(runId) as number;
    try {
      await new Promise<void>((resolve, reject) => {
        const poll = () => {
          if (child.exitCode !== null) return reject(new Error('ballast tune finished before it could be killed'));
          if (committed() >= 4) return resolve();
          setTimeout(poll, 25);
        };
        poll();
      });
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');
      const row = reader.prepare('SELECT status, owner_pid AS pid FROM tuning_runs WHERE id = ?').get(runId) as { status: string; pid: number };
      expect(row).toEqual({ status: 'running', pid: child.pid }); // nobody marked it: the process died
      expect(committed()).toBeGreaterThanOrEqual(4);
      expect(committed()).toBeLessThan(16);
    } finally {
      reader.close();
    }

    // Read back, the run whose process is gone is interrupted — not running forever — and says how to continue it.
    const interrupted = JSON.parse(await ballast('tuning-runs', '--json')) as { runId: number; status: string; evaluations: number }[];
    expect(interrupted.map((r) => [r.runId, r.status])).toEqual([
      [runId, 'interrupted'],
      [reference.runId, 'complete'],
    ]);
    expect(interrupted[0]!.evaluations).toBeGreaterThanOrEqual(4); // the batches committed before the kill
    const table = await ballast('tuning-runs');
    expect(table).toMatch(new RegExp(`^${runId}\\s+DEMO\\s+interrupted\\s`, 'm'));
    expect(table).toContain('`ballast tune --resume <run>` continues it');

    const resumed = JSON.parse(await ballast('tune', '--resume', String(runId), '--json')) as TuningRunReport;
    expect(resumed.runId).toBe(runId);
    expect(resumed.status).toBe('complete');
    expect(tuningRunContent(resumed)).toEqual(tuningRunContent(reference));

    const list = JSON.parse(await ballast('tuning-runs', '--json')) as { runId: number; status: string }[];
    expect(list.map((r) => [r.runId, r.status])).toEqual([
      [runId, 'complete'],
      [reference.runId, 'complete'],
    ]);
    const accepted = await ballast('accept-tuning', String(runId), '--by', 'A. Smith', '--reason', 'resumed run checked');
    expect(accepted).toMatch(new RegExp(`^Tuning run ${runId} accepted by A\\. Smith`));
  }, 300_000);
});
