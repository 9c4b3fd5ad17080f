import { parentPort, workerData } from 'node:worker_threads';
import { toApiError } from './errors';
import { throttleProgress, type FromWorker, type JobHandlers, type ToWorker, type WorkerData } from './protocol';

/** Worker side of the protocol: one job at a time; cancellation is read from shared memory. */
export function serveJobs(handlers: JobHandlers): void {
  const port = parentPort;
  if (!port) throw new Error('serveJobs must run inside a worker thread');
  const { cancelFlag } = workerData as WorkerData;
  const post = (msg: FromWorker) => port.postMessage(msg);

  port.on('message', async (msg: ToWorker) => {
    const { jobId, kind, input, dbPath } = msg;
    const signal = {
      get aborted() {
        return Atomics.load(cancelFlag, 0) === jobId;
      },
    };
    const progress = throttleProgress((p) => post({ type: 'progress', jobId, ...p }));
    try {
      const handler = handlers[kind];
      if (!handler) throw new Error(`no job handler for "${kind}"`);
      const value = await (handler as (i: unknown, c: unknown) => unknown)(input, { dbPath, signal, progress });
      post({ type: 'result', jobId, value });
    } catch (err) {
      post({ type: 'error', jobId, error: toApiError(err, dbPath) });
    }
  });
  post({ type: 'ready' });
}
