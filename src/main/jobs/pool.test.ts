import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { JobPool } from './pool';
import { WORKER_OLD_GENERATION_MB } from './prestart';

// A plain-JS worker speaking the job protocol, so the pool's mechanics (queueing, progress, cancel
// through shared memory, crash recovery) are tested without the bundled app worker.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const flag = workerData.cancelFlag;
parentPort.on('message', (m) => {
  const aborted = () => Atomics.load(flag, 0) === m.jobId;
  if (m.kind === 'sum') {
    let s = 0;
    for (let i = 1; i <= m.input.n; i++) { s += i; if (i % 10 === 0) parentPort.postMessage({ type: 'progress', jobId: m.jobId, step: 'sum', current: i, total: m.input.n }); }
    parentPort.postMessage({ type: 'result', jobId: m.jobId, value: s });
  } else if (m.kind === 'spin') {
    const until = Date.now() + 10000;
    while (Date.now() < until) { if (aborted()) { parentPort.postMessage({ type: 'error', jobId: m.jobId, error: { code: 'CANCELLED', message: 'Cancelled.' } }); return; } }
    parentPort.postMessage({ type: 'result', jobId: m.jobId, value: 'finished' });
  } else if (m.kind === 'hang') {
    for (;;) {}
  } else if (m.kind === 'crash') {
    process.exit(3);
  } else if (m.kind === 'hog') {
    const kept = [];
    for (;;) kept.push(new Array(1e5).fill(kept.length));
  } else if (m.kind === 'heap') {
    parentPort.postMessage({ type: 'result', jobId: m.jobId, value: require('node:v8').getHeapStatistics().heap_size_limit });
  } else if (m.kind === 'fail') {
    parentPort.postMessage({ type: 'error', jobId: m.jobId, error: { code: 'NUMERICAL', message: 'bad matrix' } });
  }
});
parentPort.postMessage({ type: 'ready' });
`;

describe('JobPool', () => {
  let dir: string;
  let workerFile: string;
  let pool: JobPool | undefined;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'ballast-pool-'));
    workerFile = path.join(dir, 'worker.cjs');
    writeFileSync(workerFile, WORKER);
  });
  afterEach(async () => {
    await pool?.close();
    pool = undefined;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs jobs on worker threads, queues beyond the pool size and reports progress', async () => {
    pool = new JobPool({ workerFile, size: 2 });
    const progress: number[] = [];
    const results = await Promise.all([1, 2, 3, 4, 5].map((k) => pool!.run('sum', { n: 100 * k }, 'db', { onProgress: (p) => k === 1 && progress.push(p.current) })));
    expect(results).toEqual([5050, 20100, 45150, 80200, 125250]);
    expect(progress.at(-1)).toBe(100);
    expect(progress.length).toBeGreaterThan(1);
  });

  it('starts threads only when jobs need them and reuses them', async () => {
    pool = new JobPool({ workerFile, size: 2 });
    expect(pool.threads).toBe(0);
    await expect(pool.run('sum', { n: 3 }, 'db')).resolves.toBe(6);
    await expect(pool.run('sum', { n: 4 }, 'db')).resolves.toBe(10);
    expect(pool.threads).toBe(1);
    await Promise.all([pool.run('sum', { n: 5 }, 'db'), pool.run('sum', { n: 6 }, 'db'), pool.run('sum', { n: 7 }, 'db')]);
    expect(pool.threads).toBe(2);
  });

  it('starts workers with a bounded old generation, so V8 grows their heap in smaller steps (issue 10)', async () => {
    pool = new JobPool({ workerFile, size: 1 });
    const limitMb = ((await pool.run('heap', {}, 'db')) as number) / 2 ** 20;
    expect(limitMb).toBeGreaterThanOrEqual(WORKER_OLD_GENERATION_MB);
    expect(limitMb).toBeLessThan(WORKER_OLD_GENERATION_MB + 128);
  });

  it('cancels a CPU-bound job through shared memory', async () => {
    pool = new JobPool({ workerFile, size: 1 });
    const controller = new AbortController();
    const running = pool.run('spin', {}, 'db', { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(running).rejects.toMatchObject({ code: 'CANCELLED' });
    await expect(pool.run('sum', { n: 10 }, 'db')).resolves.toBe(55);
  });

  it('replaces a worker that ignores a cancel, and one that crashes', async () => {
    pool = new JobPool({ workerFile, size: 1, cancelGraceMs: 100 });
    const controller = new AbortController();
    const hung = pool.run('hang', {}, 'db', { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(hung).rejects.toMatchObject({ code: 'CANCELLED' });
    await expect(pool.run('crash', {}, 'db')).rejects.toMatchObject({ code: 'INTERNAL' });
    await expect(pool.run('sum', { n: 4 }, 'db')).resolves.toBe(10);
  });

  it('says so when a job runs out of the memory a worker may use, and goes on with a new worker', async () => {
    pool = new JobPool({ workerFile, size: 1 });
    await expect(pool.run('hog', {}, 'db')).rejects.toMatchObject({ code: 'INTERNAL', message: expect.stringContaining(`more than the ${WORKER_OLD_GENERATION_MB} MB of memory a job may use`) });
    await expect(pool.run('sum', { n: 4 }, 'db')).resolves.toBe(10);
  });

  it('passes typed errors through as data and cancels queued jobs without running them', async () => {
    pool = new JobPool({ workerFile, size: 1 });
    await expect(pool.run('fail', {}, 'db')).rejects.toMatchObject({ code: 'NUMERICAL', message: 'bad matrix' });
    const first = pool.run('sum', { n: 1000 }, 'db');
    const controller = new AbortController();
    const queued = pool.run('sum', { n: 10 }, 'db', { signal: controller.signal });
    controller.abort();
    await expect(queued).rejects.toMatchObject({ code: 'CANCELLED' });
    await expect(first).resolves.toBe(500500);
  });
});
