#!/usr/bin/env node
// `npm start`: the desktop app when an Electron binary (and a display) is available; otherwise the
// same UI in browser mode on 127.0.0.1, with the URL printed. Extra arguments (e.g. --db) pass through.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const args = process.argv.slice(2);

function run(cmd, cmdArgs) {
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit' });
  return r.status === 0;
}

if (!existsSync(path.join(root, 'out', 'main', 'cli.js')) && !run(process.execPath, [path.join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'])) {
  console.error('ballast: build failed.');
  process.exit(1);
}

function electronBinary() {
  try {
    const bin = require('electron'); // resolves to the binary path only when the binary was installed
    return typeof bin === 'string' && existsSync(bin) ? bin : null;
  } catch {
    return null;
  }
}

function whyNoDesktop() {
  if (process.env.BALLAST_BROWSER_MODE) return 'BALLAST_BROWSER_MODE is set';
  if (!electronBinary()) return 'no Electron binary on this machine (its download host was not reachable at install time)';
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return 'no display (DISPLAY is not set)';
  if (!existsSync(path.join(root, 'native', 'electron', 'better_sqlite3.node'))) {
    console.log('ballast: building better-sqlite3 for Electron (one time)…');
    if (!run(process.execPath, [path.join(root, 'scripts', 'build-electron-native.mjs')])) return 'better-sqlite3 could not be built for Electron';
  }
  return null;
}

const reason = whyNoDesktop();
const child = reason
  ? (console.log(`ballast: desktop app unavailable (${reason}); serving the same UI in browser mode.`),
    spawn(process.execPath, [path.join(root, 'out', 'main', 'cli.js'), 'serve', ...args], { cwd: root, stdio: 'inherit' }))
  : spawn(electronBinary(), [root, ...args], { cwd: root, stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code) => process.exit(code ?? 0));
