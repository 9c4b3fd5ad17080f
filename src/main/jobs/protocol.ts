import type { ApiError } from '../../shared/errors';

/**
 * The job protocol between the app layer and whatever runs the job (a worker thread today; an
 * Electron utilityProcess could speak the same messages). Everything in it is structured-clonable.
 */
export type ToWorker = { type: 'start'; jobId: number; kind: string; input: unknown; dbPath: string };

/** Passed as workerData: `cancelFlag[0] === jobId` means that job is cancelled (see pool.ts). */
export interface WorkerData {
  cancelFlag: Int32Array;
  /** Job kinds whose code the worker loads as soon as it starts, before any job arrives (see prestartWorker). */
  preload?: string[];
}

export type FromWorker =
  | { type: 'ready' }
  | { type: 'progress'; jobId: number; step: string; current: number; total: number }
  | { type: 'result'; jobId: number; value: unknown }
  | { type: 'error'; jobId: number; error: ApiError };

export interface JobProgress {
  step: string;
  current: number;
  total: number;
}

/** What a job implementation receives. `signal.aborted` is checked by loops between iterations. */
export interface JobContext {
  dbPath: string;
  signal: { readonly aborted: boolean };
  progress(step: string, current: number, total: number): void;
}

export type JobHandler = (input: never, ctx: JobContext) => unknown;
export type JobHandlers = Record<string, JobHandler>;

export interface RunOptions {
  onProgress?: (p: JobProgress) => void;
  signal?: AbortSignal;
}

/** Runs jobs by kind; the pool is the production implementation, `InlineJobRunner` the test one. */
export interface JobRunner {
  /** How many jobs can run side by side (the pool's size; 1 on the calling thread). */
  readonly concurrency: number;
  run(kind: string, input: unknown, dbPath: string, opts?: RunOptions): Promise<unknown>;
  close(): Promise<void>;
}

/** Limits progress messages to one per `intervalMs` (plus the final one) so a tight loop cannot flood IPC. */
export function throttleProgress(send: (p: JobProgress) => void, intervalMs = 50): (step: string, current: number, total: number) => void {
  let last = 0;
  let lastStep = '';
  return (step, current, total) => {
    const now = Date.now();
    if (step !== lastStep || current >= total || now - last >= intervalMs) {
      last = now;
      lastStep = step;
      send({ step, current, total });
    }
  };
}
