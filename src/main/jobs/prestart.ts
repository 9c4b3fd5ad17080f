import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import type { WorkerData } from './protocol';

/** A worker thread with the shared cancel flag the job protocol reads (see pool.ts). */
export interface StartedWorker {
  worker: Worker;
  cancelFlag: Int32Array;
}

/**
 * A worker's young generation, in MB. Long jobs stream (an import reads a file of any size a chunk at a time),
 * so nearly everything they allocate dies young; V8's default nursery (tens of MB, and more promoted into an
 * old generation that is collected late) made a 2-million-row import peak at 230 MB where 8 MB keeps it under
 * 180 MB at the same speed (issue 10, `npm run bench -- import`).
 */
export const WORKER_YOUNG_GENERATION_MB = 8;

/**
 * A worker's old generation, in MB. Not a budget any job comes near (a 300 MB Flex or semt.002 import keeps
 * 12–15 MB live after each full GC), but V8 sizes its heap growth by this limit: at the default (≈ 4 GB here)
 * the old generation may grow to 4× what is live before the next full GC, below 2 GB the factor falls towards
 * 1.3–2. A 300 MB Flex import peaked at 206 MB with the default and at 160 MB with 1 GB, at the same speed
 * (issue 10, `node bench/structured-import.bench.mjs`).
 */
export const WORKER_OLD_GENERATION_MB = 1024;

/**
 * V8's allocation-site pretenuring off, for the whole process (V8 flags are per process), set before the first
 * worker starts. When most objects from one allocation site survive a young collection, V8 starts allocating that
 * site's objects in the old generation. An import's first records and batches of holdings do live that long, so
 * the sites that build every line (the CSV split, the holding) were pretenured, and every later line's garbage
 * then waited for a full collection: a 200,000-row positions preview ran 13 mark-compacts instead of 3–4, and
 * its scavenges took about twice as long. Measured on the built CLI with the flag, against without: 200,000 rows,
 * preview −9 % and import −6 % wall time (medians of alternated runs); 2,000,000 rows, preview 21.5 → 12.9 s and
 * import 43 → 28 s (one run each, loaded machine), peak RSS 158 → 173 MB and 178 → 181 MB; the BO's asks and a
 * backtest unchanged.
 */
const NO_PRETENURING = '--no-allocation-site-pretenuring';

/**
 * How far V8 lets the old generation grow past what the last full collection left live before the next one, in
 * percent (a factor of 1.1), set with the pretenuring flag above (same scope, same moment). V8 picks a factor of its
 * own otherwise, 1.3–2 at our old-generation limit (WORKER_OLD_GENERATION_MB): a file over 100,000 accounts keeps
 * ≈ 60–70 MB of statements live by its last line, and whether a full collection came just before that point decided
 * whether the import peaked at ≈ 187 or ≈ 216 MB. At 10 % it peaked at 169–175 MB in 4 alternated runs against
 * 187–216 MB without, the next day's preview and import of that file at 188–198 and 183–187 MB against 205–208 and
 * 197–203, with no change in time outside the machine's noise; the 100-account 200,000-row import (live heap small)
 * took 2.67–3.05 s against 2.67–3.22 s (6 pairs), prices 1.18–1.87 s against 1.17–1.95 s (8 pairs). Where much stays
 * live, full collections come more often: 1,000,000 accounts previewed in 32 s at 763 MB against 29 s at 832 MB (one
 * run each; issue 10).
 */
const HEAP_GROWING_PERCENT = 10;

/** Both flags above, once, before the first worker starts (V8 flags are per process). */
let heapFlagsSet = false;
function setHeapFlags(): void {
  if (heapFlagsSet) return;
  heapFlagsSet = true;
  setFlagsFromString(NO_PRETENURING);
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}

export function startWorker(workerFile: string, execArgv?: string[], preload?: readonly string[]): StartedWorker {
  setHeapFlags();
  const cancelFlag = new Int32Array(new SharedArrayBuffer(4));
  const workerData: WorkerData = { cancelFlag, ...(preload?.length ? { preload: [...preload] } : {}) };
  const worker = new Worker(workerFile, {
    ...(execArgv ? { execArgv } : {}),
    workerData,
    resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB, maxOldGenerationSizeMb: WORKER_OLD_GENERATION_MB },
  });
  return { worker, cancelFlag };
}

const spares = new Map<string, StartedWorker>();

/**
 * Starts one worker before the caller has loaded the rest of the app, so the thread compiles the jobs chunk
 * and opens its libraries while the main thread does the same (issue 10: a one-shot CLI command that runs a
 * job otherwise pays for the two start-ups one after the other). The first pool that needs a thread for the
 * same file adopts it; until then it does not keep the process alive. `preload` names the job kinds the caller is
 * about to run: job code loads per kind (app/jobs.ts), and the worker loads theirs at once instead of when the job
 * arrives, still beside the main thread's own start-up.
 */
export function prestartWorker(workerFile: string, preload?: readonly string[]): void {
  if (spares.has(workerFile)) return;
  const started = startWorker(workerFile, undefined, preload);
  started.worker.unref();
  // An error before adoption (a missing file) is reported again by the pool's own start; do not crash here.
  started.worker.once('error', () => spares.get(workerFile) === started && spares.delete(workerFile));
  spares.set(workerFile, started);
}

/** The prestarted worker for this file, if one is waiting (then it is the caller's). */
export function takePrestartedWorker(workerFile: string): StartedWorker | undefined {
  const started = spares.get(workerFile);
  if (!started) return undefined;
  spares.delete(workerFile);
  started.worker.ref();
  return started;
}

export async function discardPrestartedWorker(workerFile: string): Promise<void> {
  const started = spares.get(workerFile);
  spares.delete(workerFile);
  if (started) await started.worker.terminate();
}
