import { workerData } from 'node:worker_threads';
import { jobHandlers, preloadJobModules } from './app/jobs';
import type { WorkerData } from './jobs/protocol';
import { serveJobs } from './jobs/worker-runtime';

// Worker-thread entry (out/main/worker.js): the app's job handlers behind the job protocol, and the code of the
// jobs it was started for loading at once.
serveJobs(jobHandlers);
preloadJobModules((workerData as WorkerData | null)?.preload);
