// Lint, and above all the layer arrows of ARCHITECTURE.md: each folder may import only the folders
// below it. A violation is an error, so CI fails on it.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'crypto', 'child_process', 'worker_threads', 'http', 'url'];

/** Restrict imports: `folders` are path fragments forbidden from this layer, `extra` more patterns. */
function layer(files, forbidden, message) {
  return {
    files,
    rules: {
      'no-restricted-imports': ['error', { patterns: forbidden.map((group) => ({ group: [group], message })) }],
    },
  };
}

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'release/**', 'native/**', 'node_modules/**', 'test-results/**', 'playwright-report/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      eqeqeq: ['error', 'smart'],
      'no-console': 'off',
    },
  },
  {
    files: ['scripts/**/*.{js,mjs,cjs}', 'packages/*/*.{js,cjs}', 'bench/**/*.{js,mjs}'],
    languageOptions: { globals: { ...globals.node } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  layer(['src/shared/**'], ['**/main/**', '**/renderer/**', '**/preload/**', 'electron', ...nodeBuiltins, 'react', 'echarts'],
    'src/shared is the contract: pure TypeScript, no electron, no node:*, no DOM, nothing of ours but shared.'),
  layer(['src/main/engine/**'], ['**/store/**', '**/io/**', '**/app/**', '**/jobs/**', '**/host/**', '**/cli/**', '**/renderer/**', '**/preload/**', 'electron', 'better-sqlite3', 'node:fs', 'fs'],
    'the engine is numbers only: it imports nothing of ours but src/shared, and no database, fs or electron.'),
  layer(['src/main/store/**'], ['**/engine/**', '**/io/**', '**/app/**', '**/jobs/**', '**/host/**', '**/cli/**', '**/renderer/**', '**/preload/**', 'electron'],
    'the store knows SQLite and src/shared only.'),
  layer(['src/main/io/**'], ['**/engine/**', '**/store/**', '**/app/**', '**/jobs/**', '**/host/**', '**/cli/**', '**/renderer/**', '**/preload/**', 'electron', 'better-sqlite3', 'node:fs', 'fs'],
    'io parses and writes bytes/strings; the app layer owns files and transactions.'),
  layer(['src/main/app/**', 'src/main/jobs/**'], ['**/host/**', '**/cli/**', '**/renderer/**', '**/preload/**', '**/main/index', 'electron'],
    'the app layer never imports electron or a transport; transports import the app.'),
  layer(['src/main/host/**', 'src/main/cli/**'], ['**/renderer/**', '**/preload/**', '**/main/index', 'electron'],
    'host and CLI run under plain Node: they reach the app layer, never electron.'),
  layer(['src/preload/**'], ['**/main/**', '**/renderer/**', ...nodeBuiltins],
    'the preload knows the contract and electron only.'),
  layer(['src/renderer/**'], ['**/main/**', '**/preload/**', 'electron', ...nodeBuiltins],
    'the renderer talks to main only through the contract client (src/renderer/src/api.ts).'),
  layer(['e2e/**'], ['**/src/main/**'], 'e2e drives the built app through its UI and CLI, not its internals.'),
);
