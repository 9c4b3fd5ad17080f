#!/usr/bin/env node
// `npm run bench -- [suite …] [--json] [suite options]`: runs benchmark suites and prints their JSON.
// A suite is bench/<name>.bench.ts (run with tsx) or bench/<name>.bench.mjs; options after the suite
// names pass through. Speed and quality targets live here, never as timed assertions in tests.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const benchDir = path.join(root, 'bench');
const suites = Object.fromEntries(
  readdirSync(benchDir)
    .map((f) => /^(.+)\.bench\.(ts|mjs)$/.exec(f))
    .filter(Boolean)
    .map((m) => [m[1], path.join(benchDir, m[0])]),
);
const args = process.argv.slice(2);
const names = args.filter((a) => !a.startsWith('-') && a in suites);
const unknown = args.filter((a) => !a.startsWith('-') && !(a in suites) && !args[args.indexOf(a) - 1]?.startsWith('--'));
if (unknown.length) {
  console.error(`unknown suite(s) ${unknown.join(', ')}; suites: ${Object.keys(suites).sort().join(', ')}`);
  process.exit(2);
}
const passThrough = args.filter((a) => !names.includes(a));
let failed = false;
for (const name of names.length ? names : Object.keys(suites).sort()) {
  const file = suites[name];
  const argv = file.endsWith('.ts') ? ['--import', 'tsx', file, ...passThrough] : [file, ...passThrough];
  if (!existsSync(file)) continue;
  const r = spawnSync(process.execPath, argv, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
