#!/usr/bin/env node
// Builds a second copy of better-sqlite3 against Electron's ABI into native/electron/, leaving the
// Node build in node_modules untouched so `npm test`, the CLI and browser mode keep working. The
// Electron main process loads it through better-sqlite3's `nativeBinding` option.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, copyFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const electronVersion = require('electron/package.json').version;
const source = path.dirname(require.resolve('better-sqlite3/package.json'));
const work = path.join(root, 'native', 'build-electron');
const target = path.join(root, 'native', 'electron', 'better_sqlite3.node');

rmSync(work, { recursive: true, force: true });
mkdirSync(path.dirname(target), { recursive: true });
cpSync(source, work, { recursive: true, filter: (p) => !p.includes(`${path.sep}build${path.sep}`) && !p.endsWith(`${path.sep}build`) });

const nodeGyp = require.resolve('node-gyp/bin/node-gyp.js');
const r = spawnSync(
  process.execPath,
  [nodeGyp, 'rebuild', '--release', '--runtime=electron', `--target=${electronVersion}`, '--dist-url=https://electronjs.org/headers'],
  { cwd: work, stdio: 'inherit', env: { ...process.env, npm_config_nodedir: '' } },
);
const built = path.join(work, 'build', 'Release', 'better_sqlite3.node');
if (r.status !== 0 || !existsSync(built)) {
  console.error(`ballast: could not build better-sqlite3 for Electron ${electronVersion} (Electron's headers must be downloadable).`);
  process.exit(1);
}
copyFileSync(built, target);
rmSync(work, { recursive: true, force: true });
console.log(`ballast: wrote ${path.relative(root, target)} for Electron ${electronVersion}.`);
