import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { jobHandlers } from '../app/jobs';
import { InlineJobRunner } from '../jobs/inline';
import { main } from './main';

/** Issue 9: a command that only reads never creates an empty database at a mistyped --db path. */
describe('read-only commands on a --db path that does not exist', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ballast-readonly-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = async (...args: string[]) => {
    let stderr = '';
    const status = await main(args, path.join(__dirname, '..', '..', '..', 'out', 'main'), {
      stdout: { write: () => true },
      stderr: { write: (t: string) => (stderr += t) },
      jobs: new InlineJobRunner(jobHandlers),
    });
    return { status, stderr };
  };

  it.each([
    ['positions', '--account', 'DEMO'],
    ['proposals'],
    ['info'],
    ['audit', '--verify'],
    ['profiles', 'list'],
  ])('%s fails and creates nothing', async (...args) => {
    const missing = path.join(dir, `${args[0]}-missing.db`);
    const { status, stderr } = await run(...args, '--db', missing);
    expect(status).not.toBe(0);
    expect(stderr).toContain(`There is no database at ${missing}`);
    expect(existsSync(missing)).toBe(false);
  });

  it('a --db file that is not a database is named, as STORAGE, and nothing claims a write was undone', async () => {
    const junk = path.join(dir, 'junk.db');
    writeFileSync(junk, 'this is not a database, it is a note of 100 bytes or so, long enough for SQLite to read a header....');
    const { status, stderr } = await run('info', '--db', junk);
    expect(status).toBe(1);
    expect(stderr).toContain(`${junk} is not a Ballast database, or is damaged (restore it from a backup)`);
    expect(stderr).not.toContain('rolled back');
  });

  it('preview-import answers against an empty database and leaves no file behind', async () => {
    const missing = path.join(dir, 'preview-missing.db');
    const csv = path.join(dir, 'p.csv');
    writeFileSync(csv, 'Positions for account P-1 as of 2025-03-31\nSymbol,Quantity\nAAPL,1\n');
    let stdout = '';
    const status = await main(['preview-import', csv, '--create-securities', '--db', missing], path.join(__dirname, '..', '..', '..', 'out', 'main'), {
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: () => true },
      jobs: new InlineJobRunner(jobHandlers),
    });
    expect(status).toBe(0);
    expect(stdout).toContain('account P-1 as of 2025-03-31: 1 holdings — a new account: the import creates it');
    expect(existsSync(missing)).toBe(false);
  });
});
