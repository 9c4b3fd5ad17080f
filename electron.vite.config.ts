import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { execSync } from 'node:child_process';
import { defineConfig } from 'electron-vite';

function gitCommit(): string {
  try {
    return execSync('git rev-parse --short HEAD', { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return '';
  }
}

// One build for every runtime: the Electron entry, the CLI and browser-mode host (plain Node), and the
// worker that runs long jobs all come out of the same main bundle, so tests and the desktop app
// exercise identical code. Runtime dependencies (better-sqlite3 & co.) stay external.
export default defineConfig({
  main: {
    define: { __BALLAST_COMMIT__: JSON.stringify(gitCommit()) },
    build: {
      outDir: 'out/main',
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
