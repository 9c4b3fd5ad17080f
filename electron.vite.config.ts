import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { execSync } from 'node:child_process';
import { defineConfig } from 'electron-vite';
import type { Plugin } from 'vite';

function gitCommit(): string {
  try {
    return execSync('git rev-parse --short HEAD', { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return '';
  }
}

/**
 * Externals that are required on first use instead of when the chunk loads (issue 10). TensorFlow.js takes
 * ≈ 0.15–0.35 s to load, and the jobs chunk is shared by every job and by the CLI's main thread, so a plain
 * `require` at the top of the chunk made every command — and every worker — pay for it even when no BNN ran.
 * The engine only ever reads properties of the namespace inside functions (no top-level use, no `extends`), so
 * a proxy that requires the package on the first property read keeps the source's ordinary
 * `import * as tf from '@tensorflow/tfjs'`. The build fails if the pattern it rewrites ever changes shape.
 */
function lazyExternals(ids: readonly string[]): Plugin {
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  return {
    name: 'ballast-lazy-externals',
    renderChunk(code) {
      let out = code;
      for (const id of ids) {
        if (!out.includes(`require(${JSON.stringify(id)})`)) continue;
        const decl = new RegExp(`^let (\\w+) = require\\(${escape(JSON.stringify(id))}\\);\\n(?:\\1 = ((?:[\\w$]+\\.)?__toESM)\\(\\1\\);\\n)?`, 'm');
        const match = decl.exec(out);
        if (!match) throw new Error(`lazyExternals: cannot rewrite the require of ${id} (output shape changed)`);
        const name = match[1]!;
        const toEsm = match[2];
        const wrap = toEsm ? `${toEsm}(require(${JSON.stringify(id)}))` : `require(${JSON.stringify(id)})`;
        const lazy =
          `let ${name} = /* required on first use (electron.vite.config.ts, lazyExternals) */ (() => { let m; const load = () => (m ??= ${wrap}); ` +
          `return new Proxy({}, { get: (_, k) => load()[k], has: (_, k) => k in load(), ownKeys: () => Reflect.ownKeys(load()), ` +
          `getOwnPropertyDescriptor: (_, k) => { const d = Reflect.getOwnPropertyDescriptor(load(), k); return d && { ...d, configurable: true }; } }); })();\n`;
        out = out.slice(0, match.index) + lazy + out.slice(match.index + match[0].length);
      }
      return out === code ? null : { code: out, map: null };
    },
  };
}

// One build for every runtime: the Electron entry, the CLI and browser-mode host (plain Node), and the
// worker that runs long jobs all come out of the same main bundle, so tests and the desktop app
// exercise identical code. Runtime dependencies (better-sqlite3 & co.) stay external.
export default defineConfig({
  main: {
    define: { __BALLAST_COMMIT__: JSON.stringify(gitCommit()) },
    plugins: [lazyExternals(['@tensorflow/tfjs'])],
    build: {
      outDir: 'out/main',
      // zod is bundled rather than required: its package entry loads every locale (≈ 40 files, ≈ 60 ms in each
      // thread that starts — the CLI's and every worker's); bundled, only what the contract uses is compiled.
      externalizeDeps: { exclude: ['zod'] },
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'src/main/index.ts'),
          cli: resolve(__dirname, 'src/main/cli/bin.ts'),
          worker: resolve(__dirname, 'src/main/worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // A sandboxed preload can require only 'electron': bundle everything else (zod via the contract).
      externalizeDeps: false,
      rollupOptions: { input: { index: resolve(__dirname, 'src/preload/index.ts') } },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src/renderer'),
    build: {
      outDir: resolve(__dirname, 'out/renderer'),
      minify: true,
      // The chart chunk (ECharts core + bar chart) is ~500 kB minified and loads lazily.
      chunkSizeWarningLimit: 600,
      rollupOptions: { input: { index: resolve(__dirname, 'src/renderer/index.html') } },
    },
    plugins: [react()],
  },
});
