import { BallastError } from '../../shared/errors';
import { throttleProgress, type JobHandlers, type JobRunner, type RunOptions } from './protocol';
import { toApiError } from './errors';

/**
 * Runs the same job handlers on the calling thread, with the same structured-clone boundary and error
 * mapping as the worker pool. Used by unit tests (which run TypeScript sources, not the built worker);
 * the pool itself is covered by its own tests and by the e2e suite against the built app.
 */
export class InlineJobRunner implements JobRunner {
  /**
   * `concurrency` is what callers are told the runner can do side by side (jobs still run one at a time here): tests
   * set it above 1 to drive the code paths that split work for a pool.
   */
  constructor(
    private readonly handlers: JobHandlers,
    readonly concurrency = 1,
  ) {}

  async run(kind: string, input: unknown, dbPath: string, opts: RunOptions = {}): Promise<unknown> {
    const handler = this.handlers[kind];
    if (!handler) throw new BallastError('INTERNAL', `No job handler for "${kind}".`);
    const signal = { aborted: opts.signal?.aborted ?? false };
    opts.signal?.addEventListener('abort', () => (signal.aborted = true), { once: true });
    const progress = throttleProgress((p) => opts.onProgress?.(p));
    try {
      const value = await (handler as (i: unknown, c: unknown) => unknown)(structuredClone(input), { dbPath, signal, progress });
      return structuredClone(value);
    } catch (err) {
      const api = toApiError(err, dbPath);
      throw new BallastError(api.code, api.message, api.details);
    }
  }

  async close(): Promise<void> {}
}
