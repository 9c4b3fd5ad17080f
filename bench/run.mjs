#!/usr/bin/env node
// `npm run bench -- <suite> [--json]`: runs one benchmark suite (or all) and prints its JSON.
// Speed and quality targets live here, never as timed assertions in tests.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const suites = {
  engine: ['--import', 'tsx', path.join(root, 'bench', 'engine.bench.ts')],
  proposal: [path.join(root, 'bench', 'proposal.bench.mjs')],
};
const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const chosen = args.length ? args : Object.keys(suites);
let failed = false;
for (const name of chosen) {
  const argv = suites[name];
  if (!argv) {
    console.error(`unknown suite "${name}"; suites: ${Object.keys(suites).join(', ')}`);
    process.exit(2);
  }
  const r = spawnSync(process.execPath, argv, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
