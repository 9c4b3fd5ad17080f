import type { Worker } from 'node:worker_threads';
import { BallastError, type ApiError } from '../../shared/errors';
import { WORKER_OLD_GENERATION_MB, discardPrestartedWorker, startWorker, takePrestartedWorker } from './prestart';
import type { FromWorker, JobRunner, RunOptions, ToWorker } from './protocol';

interface PendingJob {
  jobId: number;
  kind: string;
  input: unknown;
  dbPath: string;
  opts: RunOptions;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

interface Slot {
  worker: Worker;
  /** Shared with the worker: holds the id of a job to cancel, read synchronously by the job's loops. */
  cancelFlag: Int32Array;
  job: PendingJob | null;
  cancelTimer: NodeJS.Timeout | null;
}

export interface JobPoolOptions {
  workerFile: string;
  size?: number;
  execArgv?: string[];
  /** After a cancel, a worker that has not stopped within this time is terminated and replaced. */
  cancelGraceMs?: number;
}

/**
 * A pool of up to `size` worker threads running one job each at a time, queued FIFO. A worker that crashes
 * or ignores a cancel is replaced; its job fails with a typed error instead of taking the app down.
 */
export class JobPool implements JobRunner {
  private readonly slots: Slot[] = [];
  private readonly queue: PendingJob[] = [];
  private nextJobId = 1;
  private closed = false;

  constructor(private readonly options: JobPoolOptions) {}

  /** Jobs that can run side by side: the pool's size. */
  get concurrency(): number {
    return Math.max(1, this.options.size ?? 2);
  }

  /** Worker threads started so far (they start on demand; see `pump`). */
  get threads(): number {
    return this.slots.length;
  }

  run(kind: string, input: unknown, dbPath: string, opts: RunOptions = {}): Promise<unknown> {
    if (this.closed) return Promise.reject(new BallastError('INTERNAL', 'The job pool is closed.'));
    if (opts.signal?.aborted) return Promise.reject(new BallastError('CANCELLED', 'Cancelled before it started.'));
    return new Promise((resolve, reject) => {
      const job: PendingJob = { jobId: this.nextJobId++, kind, input, dbPath, opts, resolve, reject };
      opts.signal?.addEventListener('abort', () => this.cancel(job), { once: true });
      this.queue.push(job);
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new BallastError('CANCELLED', 'The application is shutting down.'));
    await Promise.all([...this.slots.map((s) => s.worker.terminate()), discardPrestartedWorker(this.options.workerFile)]);
  }

  private spawn(): Slot {
    const { worker, cancelFlag } = (this.options.execArgv ? undefined : takePrestartedWorker(this.options.workerFile)) ?? startWorker(this.options.workerFile, this.options.execArgv);
    const slot: Slot = { worker, cancelFlag, job: null, cancelTimer: null };
    worker.on('message', (msg: FromWorker) => this.onMessage(slot, msg));
    worker.on('error', (err) => this.onCrash(slot, err));
    worker.on('exit', (code) => {
      if (!this.closed && code !== 0) this.onCrash(slot, new Error(`worker exited with code ${code}`));
    });
    return slot;
  }

  /**
   * Threads start on demand and stay for reuse: a command that runs no job starts none, one that runs a
   * single job starts one (each thread compiles the jobs chunk and opens its own connection, so an unused
   * second thread is pure start-up cost), and up to `size` run side by side when jobs overlap.
   */
  private pump(): void {
    const idle = this.slots.filter((s) => !s.job).length;
    const wanted = Math.min(this.queue.length - idle, this.concurrency - this.slots.length);
    for (let i = 0; i < wanted; i++) this.slots.push(this.spawn());
    for (const slot of this.slots) {
      if (slot.job || this.queue.length === 0) continue;
      const job = this.queue.shift()!;
      slot.job = job;
      const msg: ToWorker = { type: 'start', jobId: job.jobId, kind: job.kind, input: job.input, dbPath: job.dbPath };
      slot.worker.postMessage(msg);
    }
  }

  private cancel(job: PendingJob): void {
    const queued = this.queue.indexOf(job);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      job.reject(new BallastError('CANCELLED', 'Cancelled.'));
      return;
    }
    const slot = this.slots.find((s) => s.job === job);
    if (!slot) return;
    // CPU-bound jobs do not return to their event loop, so the cancel travels through shared memory.
    Atomics.store(slot.cancelFlag, 0, job.jobId);
    slot.cancelTimer = setTimeout(() => this.replace(slot, new BallastError('CANCELLED', 'Cancelled (the worker was stopped).')), this.options.cancelGraceMs ?? 5000);
  }

  private onMessage(slot: Slot, msg: FromWorker): void {
    const job = slot.job;
    if (msg.type === 'ready' || !job || msg.jobId !== job.jobId) return;
    if (msg.type === 'progress') {
      job.opts.onProgress?.({ step: msg.step, current: msg.current, total: msg.total });
      return;
    }
    this.finish(slot);
    if (msg.type === 'result') job.resolve(msg.value);
    else job.reject(fromApiError(msg.error));
    this.pump();
  }

  private finish(slot: Slot): void {
    if (slot.cancelTimer) clearTimeout(slot.cancelTimer);
    slot.cancelTimer = null;
    slot.job = null;
  }

  private onCrash(slot: Slot, err: Error): void {
    if (this.closed) return;
    this.replace(slot, crashError(err));
  }

  private replace(slot: Slot, reason: BallastError): void {
    const job = slot.job;
    this.finish(slot);
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    slot.worker.removeAllListeners();
    void slot.worker.terminate();
    this.slots[index] = this.spawn();
    job?.reject(reason);
    this.pump();
  }
}

export function fromApiError(error: ApiError): BallastError {
  return new BallastError(error.code, error.message, error.details);
}

/**
 * What a job's caller is told when its worker thread dies. Running out of the worker's memory (its old generation is
 * capped, see prestart.ts) is said as such: the thread is replaced, and a write the job had not committed was rolled
 * back with its connection.
 */
function crashError(err: Error): BallastError {
  if ((err as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return new BallastError(
      'INTERNAL',
      `A background job needed more than the ${WORKER_OLD_GENERATION_MB} MB of memory a job may use and was stopped; nothing it had not yet committed was kept.`,
    );
  }
  return new BallastError('INTERNAL', `A background job failed unexpectedly: ${err.message}`);
}
