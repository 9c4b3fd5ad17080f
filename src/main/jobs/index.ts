export * from './protocol';
export { JobPool, type JobPoolOptions } from './pool';
export { InlineJobRunner } from './inline';
export { serveJobs } from './worker-runtime';
export { toApiError } from './errors';
