import { jobHandlers } from './app/jobs';
import { serveJobs } from './jobs/worker-runtime';

// Worker-thread entry (out/main/worker.js): the app's job handlers behind the job protocol.
serveJobs(jobHandlers);
