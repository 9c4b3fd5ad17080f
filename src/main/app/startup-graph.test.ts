import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// Issue 10: the thread that dispatches (the CLI's main thread, the desktop main process, browser mode) loads no job
// code at start — job modules are imported per kind on the worker (app/jobs.ts) and the handler groups that live in
// job modules load on first call (lazyHandlers). A static import added to the wrong file would quietly bring the
// engine or the file readers back into every command's start-up; this walks the sources' static imports to catch it.

const mainDir = path.resolve(__dirname, '..');

/** Relative modules a file imports statically (value imports and re-exports; `import type` and `import()` load nothing at start). */
function staticImports(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  const specifiers: string[] = [];
  const pattern = /^(?:import|export)\s+(?!type\b)(?:[^;'"]*?\sfrom\s+)?'(\.[^']+)'/gm;
  for (const match of source.matchAll(pattern)) specifiers.push(match[1]!);
  return specifiers.flatMap((spec) => {
    const base = path.resolve(path.dirname(file), spec);
    const found = [`${base}.ts`, path.join(base, 'index.ts')].find((candidate) => existsSync(candidate));
    return found ? [found] : [];
  });
}

function reachable(entry: string): Set<string> {
  const seen = new Set<string>();
  const stack = [entry];
  while (stack.length > 0) {
    const file = stack.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    stack.push(...staticImports(file));
  }
  return seen;
}

const JOB_MODULES = ['app/imports.ts', 'app/holdings-import.ts', 'app/proposals.ts', 'app/tuning.ts', 'app/backtest.ts', 'app/demo.ts', 'app/indicators.ts', 'app/solve.ts', 'app/forecasts.ts', 'io/custodian-csv.ts', 'io/prices-csv.ts', 'io/detect.ts'];

describe('start-up import graph (issue 10)', () => {
  it('finds the static imports it is meant to find', () => {
    // The walk itself: the worker entry reaches the store statically, and the job modules only through import().
    const worker = reachable(path.join(mainDir, 'worker.ts'));
    expect(worker.has(path.join(mainDir, 'store', 'index.ts'))).toBe(true);
    expect(worker.has(path.join(mainDir, 'app', 'imports.ts'))).toBe(false);
    expect(reachable(path.join(mainDir, 'app', 'imports.ts')).has(path.join(mainDir, 'io', 'custodian-csv.ts'))).toBe(true);
  });

  for (const entry of ['cli/bin.ts', 'cli/main.ts', 'app/runtime.ts', 'index.ts']) {
    it(`${entry} loads neither the engine nor a job module at start`, () => {
      const files = [...reachable(path.join(mainDir, entry))].map((f) => path.relative(mainDir, f).split(path.sep).join('/'));
      expect(files.filter((f) => f.startsWith('engine/'))).toEqual([]);
      expect(files.filter((f) => JOB_MODULES.includes(f))).toEqual([]);
    });
  }
});
