import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobHandlers } from '../app/jobs';
import { InlineJobRunner } from '../jobs/inline';
import { main } from './main';

/*
 * Issue 11 from the command line: a bad flag value is a usage error (exit 2, plain words) rather than
 * "Unexpected error … NaN", and `audit --verify` reports a log cut at its end, which the chain alone
 * called verified.
 */

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const mainDir = path.join(repoRoot, 'out', 'main');

describe('ballast CLI: usage errors and the anchored audit check', () => {
  let dir: string;
  let db: string;

  async function ballast(...args: string[]) {
    let stdout = '';
    let stderr = '';
    const status = await main([...args, '--db', db], mainDir, {
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: (t: string) => (stderr += t) },
      jobs: new InlineJobRunner(jobHandlers),
    });
    return { status, stdout, stderr };
  }

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'ballast-cli-usage-'));
    db = path.join(dir, 'ballast.db');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    [['serve', '--port', 'abc'], /--port must be a whole number from 0 to 65535 .*"abc"/],
    [['serve', '--port', '70000'], /--port must be a whole number/],
    [['serve', '--port=-1'], /--port must be a whole number/],
    [['serve', '--port', '80.5'], /--port must be a whole number/],
    [['audit', '--limit', 'abc'], /--limit must be a whole number, not "abc"/],
    [['audit', '--limit', '0'], /--limit must be from 1 to 10000/],
    [['positions', '--account', 'DEMO', '--as-of', '2024-13-45'], /--as-of must be a date YYYY-MM-DD/],
    [['preview-import', 'x.csv', '--as-of', 'yesterday'], /--as-of must be a date YYYY-MM-DD/],
  ])('%j → usage error, exit 2', async (args, message) => {
    const run = await ballast(...args);
    expect(run.status, run.stderr).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/Unexpected error|NaN/);
  });

  it('audit --verify names the anchors it checked, and reports a deleted last entry that the chain alone misses', async () => {
    const profile = (name: string) => {
      const file = path.join(dir, `${name}.json`);
      writeFileSync(file, JSON.stringify({ name, columns: [{ field: 'side', header: 'S' }, { field: 'symbol', header: 'T' }, { field: 'quantity', header: 'Q' }] }));
      return file;
    };
    for (const name of ['Desk A', 'Desk B', 'Desk C']) expect((await ballast('ems-profiles', 'save', profile(name))).status).toBe(0);
    const clean = await ballast('audit', '--verify');
    expect(clean.status, clean.stderr).toBe(0);
    expect(clean.stdout).toMatch(/Audit chain verified: 3 rows, no edits detected; it agrees with 3 anchors \(checkpoint file .*: 3 entries\)/);

    const raw = new Database(db);
    raw.exec('DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE id = 3;');
    raw.close();
    const cut = await ballast('audit', '--verify');
    expect(cut.status).toBe(1);
    expect(cut.stderr).toMatch(/Audit chain broken at row 3: The audit log ends at entry 2, but the checkpoint file .* saw 3 entries: entry 3 is missing/);
  });
});
