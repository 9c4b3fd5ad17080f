// Start-up benchmark through the built CLI (issue 10): how long a short command takes from a PM's point of
// view — process start, migrations check, worker start, the job and exit — beside a command that starts no
// worker at all. Runs are interleaved (hyperfine-like, a warm-up first) so load from other processes on the
// machine falls on both sides of the ratio alike.
//
//   npm run bench -- startup [--json] [--runs N] [--bayesian]
//
// `propose --engine baseline` is the risk-parity proposal (no forecast model, so no TensorFlow.js);
// `--bayesian` also times the default Bayesian proposal after training its model once (several minutes).
// Goal: `propose` wall time ≤ 2 × `proposals`.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtCli, progressLog, timed } from './timed.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = builtCli(root);
const args = process.argv.slice(2);
const jsonOnly = args.includes('--json');
const bayesian = args.includes('--bayesian');
const runsArg = args.indexOf('--runs');
const runs = runsArg >= 0 ? Number(args[runsArg + 1]) : 15;
if (!Number.isInteger(runs) || runs < 3) {
  console.error('--runs must be a whole number ≥ 3');
  process.exit(2);
}
const log = progressLog(jsonOnly);

const dir = mkdtempSync(path.join(tmpdir(), 'ballast-startup-bench-'));
const db = path.join(dir, 'demo.db');

function run(cliArgs) {
  const { ms, peakRssMb } = timed(process.execPath, [cli, ...cliArgs, '--db', db, '--json']);
  return { ms, peakRssMb };
}

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))];
function summary(samples) {
  const ms = samples.map((s) => s.ms).sort((a, b) => a - b);
  const mean = ms.reduce((a, b) => a + b, 0) / ms.length;
  const sd = Math.sqrt(ms.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, ms.length - 1));
  const rss = samples.map((s) => s.peakRssMb).filter((x) => x !== null);
  const round = (x) => Math.round(x * 10) / 10;
  return {
    runs: ms.length,
    medianMs: round(quantile(ms, 0.5)),
    minMs: round(ms[0]),
    meanMs: round(mean),
    sdMs: round(sd),
    p90Ms: round(quantile(ms, 0.9)),
    peakRssMb: rss.length ? Math.max(...rss) : null,
  };
}

/** Interleaves the commands run by run (warm-up first, not counted). */
function compare(commands) {
  for (const c of Object.values(commands)) run(c);
  const samples = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
  for (let i = 0; i < runs; i++) {
    const order = Object.keys(commands);
    if (i % 2) order.reverse();
    for (const k of order) samples[k].push(run(commands[k]));
  }
  return Object.fromEntries(Object.entries(samples).map(([k, s]) => [k, summary(s)]));
}

try {
  log(`Seeding the demo database in ${dir} …`);
  run(['demo']);
  const commands = {
    proposals: ['proposals'],
    proposeBaseline: ['propose', '--account', 'DEMO', '--engine', 'baseline'],
  };
  if (bayesian) {
    log('Training the Bayesian model once (first Bayesian proposal) …');
    const first = run(['propose', '--account', 'DEMO']);
    log(`  ${Math.round(first.ms / 1000)} s`);
    commands.proposeBayesian = ['propose', '--account', 'DEMO'];
  }
  log(`Timing ${Object.keys(commands).join(', ')} × ${runs}, interleaved …`);
  const results = compare(commands);
  const ratio = (k) => (results[k] ? Math.round((results[k].medianMs / results.proposals.medianMs) * 100) / 100 : null);
  const out = {
    suite: 'startup',
    node: process.version,
    date: new Date().toISOString(),
    results,
    ratio: {
      proposeBaselineVsProposals: ratio('proposeBaseline'),
      ...(bayesian ? { proposeBayesianVsProposals: ratio('proposeBayesian') } : {}),
      goal: '≤ 2',
    },
    notes: [
      'Wall time of the whole CLI process on the demo database (13 ETFs, 2004–2026); ratios are of medians.',
      '`proposals` opens the database and starts no worker; `propose` starts one worker thread and runs the proposal job on it.',
    ],
  };
  mkdirSync(path.join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(path.join(root, 'bench', 'results', 'startup.json'), `${JSON.stringify(out, null, 2)}\n`);
  console.log(JSON.stringify(out, null, 2));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
