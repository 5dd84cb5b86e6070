// The job worker (a door like the other adapters: it runs use cases) and its job kinds; the store is in src/jobs.
export type { JobHandler } from './job-handler.js';
export { syncWikiJob } from './sync-wiki.js';
export { JobWorker, type WorkerOptions } from './worker.js';
