import { mkdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import type { AppInfo, MethodInput, MethodOutput, PushEvent } from '../../shared/api';
import { BallastError } from '../../shared/errors';
import { JobPool } from '../jobs/pool';
import type { JobRunner } from '../jobs/protocol';
import { openDatabase } from '../store';
import { afterEveryHandler, AuditCheckpoint, checkpointFileFor, type AnchorKey } from './anchors';
import { auditHandlers } from './audit';
import type { AppContext } from './context';
import { readDemoManifest } from './demo-manifest';
import { Dispatcher, lazyHandlers, type CallContext, type HandlerTable } from './dispatch';
import { exportHandlers } from './exports';
import { closeJobStores } from './jobs';
import { importHandlers } from './import-handlers';
import { exportsDirFor } from './paths';
import { portfolioHandlers } from './portfolio';
import { proposalHandlers } from './proposal-records';
import { APP_VERSION, computeBackendLabel } from './version';

export interface RuntimeOptions {
  dbPath: string;
  resourcesDir: string;
  /** Built worker entry (out/main/worker.js); ignored when `jobs` is given. */
  workerFile: string;
  /** Tests pass an InlineJobRunner; production uses the worker pool. */
  jobs?: JobRunner;
  /** Worker threads; default `$BALLAST_WORKERS`, else 2. */
  poolSize?: number;
  /** Signs audit anchors; the desktop app passes a key kept in the OS keychain, other hosts have none. */
  anchorKey?: AnchorKey | null;
}

export interface Runtime {
  dbPath: string;
  dispatcher: Dispatcher;
  subscribe(listener: (event: PushEvent) => void): () => void;
  close(): Promise<void>;
}

/** `$BALLAST_WORKERS` (1–32 worker threads) when set, else 2: enough to overlap a backtest with another. */
export function poolSizeFromEnvironment(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.BALLAST_WORKERS;
  if (raw === undefined || raw.trim() === '') return 2;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 32) throw new BallastError('BAD_INPUT', `BALLAST_WORKERS must be a whole number of worker threads from 1 to 32, not "${raw}".`);
  return n;
}

function currentUser(): string {
  try {
    return userInfo().username || 'local';
  } catch {
    return 'local';
  }
}

/**
 * The composition root shared by the Electron shell, browser mode and the CLI: one store connection
 * for short calls, a worker pool for long ones, one handler table behind one dispatcher.
 */
export function createRuntime(options: RuntimeOptions): Runtime {
  mkdirSync(path.dirname(options.dbPath), { recursive: true });
  // Opening here applies migrations once, before any worker opens its own connection.
  const store = openDatabase(options.dbPath, process.env.BALLAST_SQLITE_BINDING ? { nativeBinding: process.env.BALLAST_SQLITE_BINDING } : {});
  const listeners = new Set<(event: PushEvent) => void>();
  const emit = (event: PushEvent) => {
    for (const l of listeners) l(event);
  };
  const jobs = options.jobs ?? new JobPool({ workerFile: options.workerFile, size: options.poolSize ?? poolSizeFromEnvironment() });
  const ctx: AppContext = {
    store,
    jobs,
    dbPath: options.dbPath,
    resourcesDir: options.resourcesDir,
    exportsDir: exportsDirFor(options.dbPath),
    actor: currentUser(),
    emit,
  };
  // The checkpoint file beside the database copies every audit entry's hash as it is written (app/anchors.ts).
  const checkpoint = options.dbPath === ':memory:' ? null : new AuditCheckpoint(checkpointFileFor(options.dbPath), options.anchorKey ?? null);
  ctx.anchors = { key: options.anchorKey ?? null, checkpoint };
  checkpoint?.sync(store);
  const info = async (): Promise<AppInfo> => ({
    name: 'Ballast',
    version: APP_VERSION,
    dbPath: options.dbPath,
    schemaVersion: store.schemaVersion,
    computeBackend: await computeBackendLabel(),
    hasData: store.accounts.list().length > 0 || store.prices.any(),
    demoAccountId: readDemoManifest(options.resourcesDir).accountId,
    exportsDir: ctx.exportsDir,
  });
  const handlers = {
    'app.info': info,
    ...portfolioHandlers(ctx),
    ...importHandlers(ctx),
    ...proposalHandlers(ctx),
    ...exportHandlers(ctx),
    ...auditHandlers(ctx),
    // Loaded on first use (issue 10): the demo's and indicators' handlers sit in their job modules (file readers), and
    // tuning drives the optimiser on this thread (engine code) — a command that calls none of them never loads them.
    ...lazyHandlers(['demo.load'], async () => (await import('./demo')).demoHandlers(ctx)),
    ...lazyHandlers(['indicators.import', 'indicators.list'], async () => (await import('./indicators')).indicatorHandlers(ctx)),
    ...lazyHandlers(['tuning.run', 'tuning.list', 'tuning.get', 'tuning.accept', 'tuning.surrogate'], async () => (await import('./tuning')).tuningHandlers(ctx)),
    'backtest.run': async (input: MethodInput<'backtest.run'>, call: CallContext) =>
      (await jobs.run('backtest.run', input, options.dbPath, { signal: call.signal, onProgress: call.progress })) as MethodOutput<'backtest.run'>,
    'engine.solve': async (input: { kind: 'gp' | 'bo' | 'bnn'; spec?: unknown }, call: CallContext) =>
      (await jobs.run('engine.solve', input, options.dbPath, { signal: call.signal, onProgress: call.progress })) as Record<string, unknown>,
  } satisfies HandlerTable;
  const dispatcher = new Dispatcher(checkpoint ? afterEveryHandler(handlers, () => checkpoint.sync(store)) : handlers, emit, options.dbPath);
  return {
    dbPath: options.dbPath,
    dispatcher,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      await jobs.close();
      closeJobStores();
      checkpoint?.sync(store);
      store.close();
    },
  };
}
