// Import benchmark through the built CLI (out/main/cli.js: worker pool, streamed files, one transaction
// per file), on generated synthetic files: a custodian positions CSV spread over many accounts and
// securities, and a long price-history CSV. Reports rows/second and the CLI process's peak RSS beside the
// physical reference — the sqlite3 command-line shell's `.import` of the same CSV into a plain table,
// which parses and writes but validates, matches and audits nothing.
//
//   npm run bench -- import [--json] [--rows N]
//
// Build first (`npx electron-vite build`). Needs Debian's `sqlite3` and GNU time (/usr/bin/time) for
// the reference and peak memory; without them those fields are null.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'out', 'main', 'cli.js');
const args = process.argv.slice(2);
const jsonOnly = args.includes('--json');
const rowsArg = args.indexOf('--rows');
const rows = rowsArg >= 0 ? Number(args[rowsArg + 1]) : 200_000;
if (!Number.isInteger(rows) || rows < 1000) {
  console.error('--rows must be a whole number ≥ 1000');
  process.exit(2);
}
if (!existsSync(cli)) {
  console.error(`${cli} is missing: run \`npx electron-vite build\` first.`);
  process.exit(2);
}
const log = (text) => {
  if (!jsonOnly) console.error(text);
};
const has = (command) => spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).status === 0;
const gnuTime = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
const sqlite3 = has('sqlite3') ? 'sqlite3' : null;

const ACCOUNTS = 100;
const SECURITIES = Math.max(10, Math.round(rows / ACCOUNTS));
const TICKERS = 200;

/** Positions: ACCOUNTS accounts each holding every security once, as a custodian's multi-account export. */
function writePositions(file) {
  const lines = ['Account Number,Symbol,Description,Security Type,Quantity,Price,Market Value,Currency,As of'];
  for (let i = 0; i < rows; i++) {
    const account = `BENCH-${String(i % ACCOUNTS).padStart(3, '0')}`;
    const security = Math.floor(i / ACCOUNTS);
    const quantity = 10 + (i % 997);
    const price = (20 + (security % 400) * 0.37).toFixed(2);
    lines.push(`${account},SYN${security},Synthetic Security ${security},Equity,${quantity},${price},${(quantity * Number(price)).toFixed(2)},USD,2026-08-03`);
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}

/** Prices, long layout: TICKERS tickers on consecutive weekdays. */
function writePrices(file) {
  const lines = ['date,ticker,close,adj_close,volume'];
  const days = Math.ceil(rows / TICKERS);
  const dates = [];
  for (let d = new Date(Date.UTC(2000, 0, 3)); dates.length < days; d.setUTCDate(d.getUTCDate() + 1)) {
    if (d.getUTCDay() !== 0 && d.getUTCDay() !== 6) dates.push(d.toISOString().slice(0, 10));
  }
  let n = 0;
  for (const date of dates) {
    for (let t = 0; t < TICKERS && n < rows; t++, n++) {
      const close = (50 + ((n * 7919) % 10_000) / 100).toFixed(2);
      lines.push(`${date},PX${t},${close},${close},${1000 + (n % 50_000)}`);
    }
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}

/** Runs a command, timing its wall clock; under GNU time when available, for the peak RSS. */
function timed(command, commandArgs, options = {}) {
  const argv = gnuTime ? ['-v', command, ...commandArgs] : commandArgs;
  const t0 = process.hrtime.bigint();
  const r = spawnSync(gnuTime ?? command, argv, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, ...options });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${command} ${commandArgs.join(' ')} failed (${r.status}):\n${r.stderr.slice(-3000)}`);
  const rss = gnuTime ? /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)?.[1] : undefined;
  return { ms, stdout: r.stdout, peakRssMb: rss ? Math.round(Number(rss) / 1024) : null };
}

function ballast(db, ...cliArgs) {
  const run = timed(process.execPath, [cli, ...cliArgs, '--db', db, '--json']);
  return { ...run, out: JSON.parse(run.stdout) };
}

function sqliteImport(csv, table) {
  if (!sqlite3) return null;
  const db = path.join(dir, `reference-${table}.db`);
  // Same durability class as Ballast's connection (WAL, synchronous NORMAL) so the comparison is fair.
  const script = `PRAGMA journal_mode=WAL;\nPRAGMA synchronous=NORMAL;\n.mode csv\n.import '${csv.replace(/'/g, "''")}' ${table}\n`;
  const run = timed(sqlite3, [db], { input: script });
  return { ms: Math.round(run.ms), rowsPerSecond: Math.round(rows / (run.ms / 1000)), peakRssMb: run.peakRssMb };
}

const perSecond = (ms) => Math.round(rows / (ms / 1000));
const dir = mkdtempSync(path.join(tmpdir(), 'ballast-import-bench-'));
try {
  const positionsCsv = path.join(dir, 'positions.csv');
  const pricesCsv = path.join(dir, 'prices.csv');
  log(`Generating ${rows} position rows (${ACCOUNTS} accounts × ${SECURITIES} securities) and ${rows} price rows (${TICKERS} tickers) in ${dir} …`);
  writePositions(positionsCsv);
  writePrices(pricesCsv);

  const db = path.join(dir, 'bench.db');
  log('Ballast: import-prices …');
  const prices = ballast(db, 'import-prices', pricesCsv);
  if (prices.out.rows !== rows) throw new Error(`import-prices wrote ${prices.out.rows} rows, expected ${rows}`);
  log('Ballast: preview-import (parse, validate, match; nothing written) …');
  const preview = timed(process.execPath, [cli, 'preview-import', positionsCsv, '--create-securities', '--db', db, '--json']);
  log('Ballast: import-positions …');
  const positions = ballast(db, 'import-positions', positionsCsv, '--create-securities');
  if (positions.out.rows !== rows) throw new Error(`import-positions wrote ${positions.out.rows} rows, expected ${rows}`);
  log('Ballast: re-import (recognised by SHA-256, nothing parsed) …');
  const again = ballast(db, 'import-positions', positionsCsv);
  if (again.out.status !== 'already_imported') throw new Error('re-import was not recognised');
  log('sqlite3 .import reference …');
  const referencePositions = sqliteImport(positionsCsv, 'positions');
  const referencePrices = sqliteImport(pricesCsv, 'prices');

  const result = {
    suite: 'import',
    node: process.version,
    date: new Date().toISOString(),
    rows,
    files: { positionsBytes: statSync(positionsCsv).size, pricesBytes: statSync(pricesCsv).size, accounts: ACCOUNTS, securities: SECURITIES, tickers: TICKERS },
    results: {
      positions: {
        ms: Math.round(positions.ms),
        rowsPerSecond: perSecond(positions.ms),
        peakRssMb: positions.peakRssMb,
        snapshots: positions.out.snapshots.length,
        securitiesCreated: positions.out.securitiesCreated,
        previewMs: Math.round(preview.ms),
        previewRowsPerSecond: perSecond(preview.ms),
        reimportMs: Math.round(again.ms),
      },
      prices: { ms: Math.round(prices.ms), rowsPerSecond: perSecond(prices.ms), peakRssMb: prices.peakRssMb },
      sqlite3Import: { positions: referencePositions, prices: referencePrices },
      ratio: {
        positionsVsSqlite3: referencePositions ? Number((positions.ms / referencePositions.ms).toFixed(1)) : null,
        pricesVsSqlite3: referencePrices ? Number((prices.ms / referencePrices.ms).toFixed(1)) : null,
      },
    },
    notes: [
      'Wall time of the whole CLI process: start, migrations, worker start, SHA-256, streamed parse and validation, security matching, one transaction, audit.',
      'sqlite3 .import parses the CSV and inserts TEXT cells into a plain table: no validation, matching, decimals, audit or all-or-nothing report.',
    ],
  };
  mkdirSync(path.join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(path.join(root, 'bench', 'results', 'import.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
