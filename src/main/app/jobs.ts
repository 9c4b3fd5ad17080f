import type { JobContext, JobHandlers } from '../jobs/protocol';
import { openDatabase, type Store } from '../store';
import type * as Backtest from './backtest';
import type * as Demo from './demo';
import type * as Imports from './imports';
import type * as Indicators from './indicators';
import type * as Proposals from './proposals';
import type * as Solve from './solve';
import type * as Tuning from './tuning';

// Each thread keeps its own connection per database file (WAL lets them read beside the writer).
const stores = new Map<string, Store>();
function storeFor(dbPath: string): Store {
  let store = stores.get(dbPath);
  if (!store) {
    store = openDatabase(dbPath, process.env.BALLAST_SQLITE_BINDING ? { nativeBinding: process.env.BALLAST_SQLITE_BINDING } : {});
    stores.set(dbPath, store);
  }
  return store;
}

export function closeJobStores(): void {
  for (const store of stores.values()) store.close();
  stores.clear();
}

/**
 * The module behind each job kind, loaded on first use (issue 10): the build splits them into chunks, so a worker
 * that runs an import compiles the file readers and never the engine (allocator, GP, BO, BNN), and the thread that
 * only dispatches (the CLI's main thread, the desktop main process) loads no job code through this table.
 */
const jobModules = {
  'demo.load': () => import('./demo'),
  'import.prices': () => import('./imports'),
  'import.preview': () => import('./imports'),
  'import.positions': () => import('./imports'),
  'import.indicators': () => import('./indicators'),
  'proposal.compute': () => import('./proposals'),
  'backtest.run': () => import('./backtest'),
  'tuning.prepare': () => import('./tuning'),
  'tuning.evaluate': () => import('./tuning'),
  'engine.solve': () => import('./solve'),
} as const;

/**
 * Starts loading the code of these job kinds now (a worker told what it will run, see prestartWorker); unknown kinds
 * are ignored, and a module that fails to load fails again, with its error, when its job runs.
 */
export function preloadJobModules(kinds: readonly string[] | undefined): void {
  for (const kind of kinds ?? []) {
    if (Object.hasOwn(jobModules, kind)) jobModules[kind as keyof typeof jobModules]().catch(() => undefined);
  }
}

/** Long-running use cases, run on the worker pool (or inline in unit tests) by kind. */
export const jobHandlers = {
  'demo.load': async (input: Parameters<typeof Demo.loadDemoJob>[1], ctx: JobContext) =>
    (await jobModules['demo.load']()).loadDemoJob(storeFor(ctx.dbPath), input, ctx),
  'import.prices': async (input: Parameters<typeof Imports.importPricesJob>[1], ctx: JobContext) =>
    (await jobModules['import.prices']()).importPricesJob(storeFor(ctx.dbPath), input, ctx),
  'import.preview': async (input: Parameters<typeof Imports.previewImportJob>[1], ctx: JobContext) =>
    (await jobModules['import.preview']()).previewImportJob(storeFor(ctx.dbPath), input, ctx),
  'import.positions': async (input: Parameters<typeof Imports.importPositionsJob>[1], ctx: JobContext) =>
    (await jobModules['import.positions']()).importPositionsJob(storeFor(ctx.dbPath), input, ctx),
  'import.indicators': async (input: Parameters<typeof Indicators.importIndicatorsJob>[1], ctx: JobContext) =>
    (await jobModules['import.indicators']()).importIndicatorsJob(storeFor(ctx.dbPath), input, ctx),
  'proposal.compute': async (input: Parameters<typeof Proposals.computeProposalJob>[1], ctx: JobContext) =>
    (await jobModules['proposal.compute']()).computeProposalJob(storeFor(ctx.dbPath), input, ctx),
  'backtest.run': async (input: Parameters<typeof Backtest.backtestJob>[1], ctx: JobContext) =>
    (await jobModules['backtest.run']()).backtestJob(storeFor(ctx.dbPath), input, ctx),
  'tuning.prepare': async (input: Parameters<typeof Tuning.prepareTuningJob>[1], ctx: JobContext) =>
    (await jobModules['tuning.prepare']()).prepareTuningJob(storeFor(ctx.dbPath), input, ctx),
  'tuning.evaluate': async (input: Parameters<typeof Tuning.evaluateTuningJob>[1], ctx: JobContext) =>
    (await jobModules['tuning.evaluate']()).evaluateTuningJob(storeFor(ctx.dbPath), input, ctx),
  'engine.solve': async (input: { kind: Solve.SolverKind; spec: unknown }, ctx: JobContext) =>
    (await jobModules['engine.solve']()).SOLVERS[input.kind](input.spec, {
      signal: ctx.signal,
      progress: (done: number, total: number) => ctx.progress('Evaluations', done, total),
    }),
} satisfies JobHandlers;
