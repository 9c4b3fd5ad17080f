import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect, test } from '@playwright/test';
import { cliPath, makeTempDir, removeDir, repoRoot } from './support';

/*
 * Several writers on one database (issue 10), with the built CLI as separate processes: a second import
 * waits its turn (and says so) instead of failing with "database is locked"; the same file imported twice
 * at the same moment is imported once and reported as already imported the other time; and a process
 * killed (SIGKILL) at random points of its write leaves a consistent database with no half import.
 */

const WAITING = 'Waiting for another import to finish';

function cliEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.BALLAST_DB;
  return env;
}

function ballast(args: string[]) {
  const r = spawnSync(process.execPath, [cliPath, ...args], { cwd: repoRoot, env: cliEnv(), encoding: 'utf8', timeout: 180_000 });
  if (r.error) throw r.error;
  return r;
}

interface Started {
  child: ChildProcess;
  stderr: () => string;
  /** Resolves when stderr contains `text`. */
  saw(text: string): Promise<void>;
  done: Promise<{ status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

function start(args: string[]): Started {
  const child = spawn(process.execPath, [cliPath, ...args], { cwd: repoRoot, env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const watchers: { text: string; resolve: () => void }[] = [];
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => {
    stderr += c;
    for (const w of watchers.splice(0)) (stderr.includes(w.text) ? w.resolve : () => watchers.push(w))();
  });
  const done = new Promise<{ status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
  return {
    child,
    stderr: () => stderr,
    saw: (text) =>
      new Promise<void>((resolve, reject) => {
        if (stderr.includes(text)) return resolve();
        watchers.push({ text, resolve });
        void done.then(() => (stderr.includes(text) ? resolve() : reject(new Error(`exited without printing "${text}":\n${stderr}`))));
      }),
    done,
  };
}

function pricesCsv(file: string, tickers: string[], days: number, seed = 1): number {
  const lines = ['date,ticker,close,adj_close,volume'];
  let n = 0;
  for (let d = new Date(Date.UTC(2010, 0, 4)), k = 0; k < days; d.setUTCDate(d.getUTCDate() + 1)) {
    if (d.getUTCDay() === 0 || d.getUTCDay() === 6) continue;
    const date = d.toISOString().slice(0, 10);
    for (const [t, ticker] of tickers.entries()) {
      const close = (50 + ((k * 31 + t * 7 + seed) % 500) / 10).toFixed(2);
      lines.push(`${date},${ticker},${close},${close},${1000 + k}`);
      n++;
    }
    k++;
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
  return n;
}

function positionsCsv(file: string, accounts: number, securities: number, asOf: string): number {
  const lines = ['Account Number,Symbol,Description,Security Type,Quantity,Price,Market Value,Currency,As of'];
  for (let a = 0; a < accounts; a++) {
    for (let s = 0; s < securities; s++) {
      const quantity = 10 + ((a * 13 + s) % 97);
      const price = (20 + (s % 40) * 0.5).toFixed(2);
      lines.push(`KILL-${String(a).padStart(3, '0')},KS${s},Kill test security ${s},Equity,${quantity},${price},${(quantity * Number(price)).toFixed(2)},USD,${asOf}`);
    }
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
  return accounts * securities;
}

/** Holds the database's write lock from this process until released. */
function holdWriteLock(db: string): { release: () => void } {
  const conn = new Database(db);
  conn.exec('BEGIN IMMEDIATE');
  return {
    release: () => {
      if (conn.inTransaction) conn.exec('COMMIT');
      conn.close();
    },
  };
}

/** Everything a reader can check without Ballast: SQLite's own checks and that each import is whole. */
function checkConsistent(db: string, expectedRows: Map<string, number>): { imports: { fileName: string; kind: string; rows: number }[] } {
  const conn = new Database(db, { readonly: true });
  try {
    expect(conn.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(conn.pragma('foreign_key_check')).toEqual([]);
    const imports = conn.prepare('SELECT id, kind, file_name AS fileName, rows, status FROM imports ORDER BY id').all() as {
      id: number;
      kind: string;
      fileName: string;
      rows: number;
      status: string;
    }[];
    for (const imp of imports) {
      const written =
        imp.kind === 'prices'
          ? (conn.prepare('SELECT count(*) FROM prices WHERE import_id = ?').pluck().get(imp.id) as number)
          : (conn.prepare('SELECT count(*) FROM positions p JOIN position_snapshots s ON s.id = p.snapshot_id WHERE s.import_id = ?').pluck().get(imp.id) as number);
      expect(written, `rows written by import ${imp.id} (${imp.fileName})`).toBe(imp.rows);
      if (expectedRows.has(imp.fileName)) expect(imp.rows, imp.fileName).toBe(expectedRows.get(imp.fileName));
      const audited = conn.prepare("SELECT count(*) FROM audit_log WHERE entity = 'import' AND entity_id = ?").pluck().get(String(imp.id)) as number;
      expect(audited, `audit rows of import ${imp.id}`).toBeGreaterThan(0);
    }
    return { imports };
  } finally {
    conn.close();
  }
}

test.describe('several writers on one database', () => {
  let dir: string;
  let db: string;
  test.beforeEach(() => {
    dir = makeTempDir('writers');
    db = path.join(dir, 'writers.db');
    // A read-only command no longer creates a database at a new path: create it with a write (the default stale-price limit).
    expect(ballast(['strategy-settings', '--max-price-age', '3', '--db', db]).status).toBe(0);
  });
  test.afterEach(() => removeDir(dir));

  test('an import waits, saying so, while another process writes, then imports', async () => {
    const file = path.join(dir, 'prices-a.csv');
    const rows = pricesCsv(file, ['WA', 'WB'], 50);
    const lock = holdWriteLock(db);
    const second = start(['import-prices', file, '--db', db, '--json']);
    try {
      await second.saw(WAITING);
    } finally {
      lock.release();
    }
    const r = await second.done;
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'imported', rows });
    expect(r.stderr).not.toMatch(/locked/i);
  });

  test('two processes at once: different files both import; the same file imports once and is "already imported" the other time', async () => {
    const a = path.join(dir, 'prices-a.csv');
    const b = path.join(dir, 'prices-b.csv');
    const positions = path.join(dir, 'positions.csv');
    const rowsA = pricesCsv(a, ['PA', 'PB'], 80);
    const rowsB = pricesCsv(b, ['PC'], 60);
    const rowsP = positionsCsv(positions, 3, 20, '2026-08-03');

    // Both wait on a lock this test holds, so both are past the "already imported?" check before either
    // writes: the race the write transaction must settle.
    const lock = holdWriteLock(db);
    const runs = [
      start(['import-prices', a, '--db', db, '--json']),
      start(['import-prices', b, '--db', db, '--json']),
      start(['import-positions', positions, '--create-securities', '--db', db, '--json']),
      start(['import-positions', positions, '--create-securities', '--db', db, '--json']),
    ];
    try {
      await Promise.all(runs.map((r) => r.saw(WAITING)));
    } finally {
      lock.release();
    }
    const results = await Promise.all(runs.map((r) => r.done));
    for (const r of results) expect(r.status, r.stderr).toBe(0);
    const out = results.map((r) => JSON.parse(r.stdout) as { status: string; rows: number; importId: number });
    expect(out[0]).toMatchObject({ status: 'imported', rows: rowsA });
    expect(out[1]).toMatchObject({ status: 'imported', rows: rowsB });
    expect(out.slice(2).map((o) => o.status).sort()).toEqual(['already_imported', 'imported']);
    expect(out[2]!.importId).toBe(out[3]!.importId);
    expect(out[2]!.rows).toBe(rowsP);
    checkConsistent(db, new Map([['prices-a.csv', rowsA], ['prices-b.csv', rowsB], ['positions.csv', rowsP]]));

    // And without any help: the same file started twice at the same moment.
    const again = path.join(dir, 'prices-again.csv');
    pricesCsv(again, ['PD', 'PE'], 120, 7);
    const pair = await Promise.all([start(['import-prices', again, '--db', db, '--json']).done, start(['import-prices', again, '--db', db, '--json']).done]);
    for (const r of pair) expect(r.status, r.stderr).toBe(0);
    expect(pair.map((r) => (JSON.parse(r.stdout) as { status: string }).status).sort()).toEqual(['already_imported', 'imported']);
    expect(ballast(['audit', '--verify', '--db', db]).status).toBe(0);
  });

  test('kill -9 at random points of an import leaves the database consistent, with no half import', async () => {
    test.setTimeout(300_000);
    const prices = path.join(dir, 'kill-prices.csv');
    const positions = path.join(dir, 'kill-positions.csv');
    const expected = new Map([
      ['kill-prices.csv', pricesCsv(prices, ['KA', 'KB', 'KC', 'KD', 'KE', 'KF', 'KG', 'KH'], 2500)],
      ['kill-positions.csv', positionsCsv(positions, 40, 500, '2026-08-03')],
    ]);
    const jobs = [
      ['import-prices', prices],
      ['import-positions', positions, '--create-securities'],
    ];
    // How long each import takes here, so kills land anywhere from start-up to the commit.
    const probe = makeTempDir('writers-probe');
    const durations = jobs.map((args) => {
      const t0 = Date.now();
      expect(ballast([...args, '--db', path.join(probe, 'probe.db')]).status).toBe(0);
      return Date.now() - t0;
    });
    removeDir(probe);

    let seed = Number(process.env.BALLAST_KILL_SEED ?? Date.now() % 100_000);
    const random = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
    const log: string[] = [`seed ${seed}`];
    let killed = 0;
    for (let round = 0; round < 8; round++) {
      const which = round % jobs.length;
      const delay = Math.round(random() * durations[which]! * 1.1);
      const run = start([...jobs[which]!, '--db', db, '--json']);
      const timer = setTimeout(() => run.child.kill('SIGKILL'), delay);
      const r = await run.done;
      clearTimeout(timer);
      log.push(`${jobs[which]![0]} killed after ${delay} ms: ${r.signal ?? `exit ${r.status}`}`);
      if (r.signal === 'SIGKILL') killed++;
      else expect(r.status, `${log.join('\n')}\n${r.stderr}`).toBe(0);
      checkConsistent(db, expected);
      const verify = ballast(['audit', '--verify', '--db', db]);
      expect(verify.status, `${log.join('\n')}\n${verify.stdout}${verify.stderr}`).toBe(0);
    }
    expect(killed, log.join('\n')).toBeGreaterThan(0);
    // Whatever was interrupted, both files import in full afterwards (or already had).
    for (const args of jobs) {
      const r = ballast([...args, '--db', db, '--json']);
      expect(r.status, r.stderr).toBe(0);
      expect(['imported', 'already_imported']).toContain((JSON.parse(r.stdout) as { status: string }).status);
    }
    const { imports } = checkConsistent(db, expected);
    expect(imports.map((i) => i.fileName).sort()).toEqual(['kill-positions.csv', 'kill-prices.csv']);
  });

  test('kill -9 at random points of the demo load and of proposals leaves the database consistent', async () => {
    test.setTimeout(300_000);
    const probe = makeTempDir('writers-probe');
    const probeDb = path.join(probe, 'probe.db');
    const timedRun = (args: string[]) => {
      const t0 = Date.now();
      const r = ballast([...args, '--db', probeDb]);
      expect(r.status, r.stderr).toBe(0);
      return Date.now() - t0;
    };
    const demoMs = timedRun(['demo']);
    const proposeMs = timedRun(['propose', '--account', 'DEMO', '--engine', 'baseline']);
    removeDir(probe);

    let seed = Number(process.env.BALLAST_KILL_SEED ?? Date.now() % 100_000);
    const random = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
    const log: string[] = [`seed ${seed}`];
    const checks = () => {
      checkConsistent(db, new Map());
      const conn = new Database(db, { readonly: true });
      try {
        // A proposal is there with its trades and its audit row, or not at all.
        const orphans = conn
          .prepare(
            `SELECT p.id FROM proposals p WHERE NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.action = 'proposal.create' AND a.entity_id = CAST(p.id AS TEXT))`,
          )
          .all();
        expect(orphans, log.join('\n')).toEqual([]);
      } finally {
        conn.close();
      }
      const verify = ballast(['audit', '--verify', '--db', db]);
      expect(verify.status, `${log.join('\n')}\n${verify.stdout}${verify.stderr}`).toBe(0);
    };
    const killAt = async (args: string[], within: number) => {
      const delay = Math.round(random() * within * 1.1);
      const run = start([...args, '--db', db, '--json']);
      const timer = setTimeout(() => run.child.kill('SIGKILL'), delay);
      const r = await run.done;
      clearTimeout(timer);
      log.push(`${args[0]} killed after ${delay} ms: ${r.signal ?? `exit ${r.status}`}`);
      if (r.signal !== 'SIGKILL') expect(r.status, `${log.join('\n')}\n${r.stderr}`).toBe(0);
      checks();
    };
    for (let round = 0; round < 3; round++) await killAt(['demo'], demoMs);
    expect(ballast(['demo', '--db', db]).status).toBe(0);
    for (let round = 0; round < 3; round++) await killAt(['propose', '--account', 'DEMO', '--engine', 'baseline'], proposeMs);
    const r = ballast(['propose', '--account', 'DEMO', '--engine', 'baseline', '--db', db]);
    expect(r.status, r.stderr).toBe(0);
    checks();
  });
});
