// End-to-end proposal benchmark through the built CLI: demo load and proposal wall time, including
// process start, migrations, worker start and the SQLite reads — what a PM waits for.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'out', 'main', 'cli.js');
const dir = mkdtempSync(path.join(tmpdir(), 'ballast-bench-'));
const db = path.join(dir, 'bench.db');
const run = (args) => {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [cli, ...args, '--db', db, '--json'], { encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
  return { ms, out: JSON.parse(r.stdout) };
};
try {
  const demo = run(['demo']);
  const samples = [];
  let last;
  for (let i = 0; i < 7; i++) {
    last = run(['propose', '--account', 'DEMO']);
    samples.push(last.ms);
  }
  samples.sort((a, b) => a - b);
  const out = {
    suite: 'proposal',
    node: process.version,
    date: new Date().toISOString(),
    results: {
      demoLoadMs: demo.ms,
      prices: demo.out.prices,
      proposeCliMedianMs: samples[3],
      proposeCliMinMs: samples[0],
      assets: last.out.assets.length,
      trades: last.out.trades.length,
      riskContributionSpread: last.out.diagnostics.riskContributionSpread,
      iterations: last.out.diagnostics.iterations,
    },
  };
  mkdirSync(path.join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(path.join(root, 'bench', 'results', 'proposal.json'), JSON.stringify(out, null, 2));
  console.log(JSON.stringify(out, null, 2));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
