#!/usr/bin/env node
// Electron's own postinstall (which downloads its binary) is denied in package.json `allowScripts`
// so that `npm ci` succeeds on machines that cannot reach Electron's download host. This step tries
// the same download with a time limit and never fails the install: without the binary, `npm start`
// serves the identical UI in browser mode and the Electron e2e specs skip with that reason.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const TIMEOUT_MS = Number(process.env.BALLAST_ELECTRON_FETCH_TIMEOUT_MS ?? 90_000);

function electronDir() {
  try {
    return path.dirname(require.resolve('electron/package.json'));
  } catch {
    return null;
  }
}

const dir = electronDir();
if (!dir) {
  console.log('ballast: electron is not installed (production install?); desktop shell unavailable, browser mode works.');
  process.exit(0);
}
if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
  console.log('ballast: ELECTRON_SKIP_BINARY_DOWNLOAD is set; not fetching the Electron binary.');
  process.exit(0);
}
if (existsSync(path.join(dir, 'path.txt')) && existsSync(path.join(dir, 'dist'))) {
  process.exit(0);
}

const child = spawn(process.execPath, [path.join(dir, 'install.js')], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
let output = '';
child.stdout.on('data', (d) => (output += d));
child.stderr.on('data', (d) => (output += d));
const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
child.on('exit', (code, signal) => {
  clearTimeout(timer);
  if (code === 0) {
    console.log('ballast: Electron binary installed; `npm start` opens the desktop app.');
  } else {
    const reason = signal ? `timed out after ${TIMEOUT_MS / 1000}s` : (output.trim().split('\n').find((l) => /error|ENOTFOUND|ECONN|EAI_AGAIN|getaddrinfo|403|404/i.test(l)) ?? `exit code ${code}`).trim();
    console.log(`ballast: Electron binary not available (${reason.slice(0, 160)}); \`npm start\` will serve the UI in browser mode instead.`);
  }
  process.exit(0);
});
