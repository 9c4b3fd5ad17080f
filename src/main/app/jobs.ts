import type { JobContext, JobHandlers } from '../jobs/protocol';
import { openDatabase, type Store } from '../store';
import { loadDemoJob } from './demo';
import { importPositionsJob, importPricesJob, previewImportJob } from './imports';
import { importIndicatorsJob } from './indicators';
import { backtestJob } from './backtest';
import { computeProposalJob } from './proposals';
import { SOLVERS, type SolverKind } from './solve';
import { evaluateTuningJob, prepareTuningJob } from './tuning';

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

/** Long-running use cases, run on the worker pool (or inline in unit tests) by kind. */
export const jobHandlers = {
  'demo.load': (input: Parameters<typeof loadDemoJob>[1], ctx: JobContext) => loadDemoJob(storeFor(ctx.dbPath), input, ctx),
  'import.prices': (input: Parameters<typeof importPricesJob>[1], ctx: JobContext) => importPricesJob(storeFor(ctx.dbPath), input, ctx),
  'import.preview': (input: Parameters<typeof previewImportJob>[1], ctx: JobContext) => previewImportJob(storeFor(ctx.dbPath), input, ctx),
  'import.positions': (input: Parameters<typeof importPositionsJob>[1], ctx: JobContext) => importPositionsJob(storeFor(ctx.dbPath), input, ctx),
  'import.indicators': (input: Parameters<typeof importIndicatorsJob>[1], ctx: JobContext) => importIndicatorsJob(storeFor(ctx.dbPath), input, ctx),
  'proposal.compute': (input: Parameters<typeof computeProposalJob>[1], ctx: JobContext) => computeProposalJob(storeFor(ctx.dbPath), input, ctx),
  'backtest.run': (input: Parameters<typeof backtestJob>[1], ctx: JobContext) => backtestJob(storeFor(ctx.dbPath), input, ctx),
  'tuning.prepare': (input: Parameters<typeof prepareTuningJob>[1], ctx: JobContext) => prepareTuningJob(storeFor(ctx.dbPath), input, ctx),
  'tuning.evaluate': (input: Parameters<typeof evaluateTuningJob>[1], ctx: JobContext) => evaluateTuningJob(storeFor(ctx.dbPath), input, ctx),
  'engine.solve': (input: { kind: SolverKind; spec: unknown }, ctx: JobContext) =>
    SOLVERS[input.kind](input.spec, { signal: ctx.signal, progress: (done: number, total: number) => ctx.progress('Evaluations', done, total) }),
} satisfies JobHandlers;
