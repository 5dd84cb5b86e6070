// Background jobs: the store port, its Kysely implementation (on the metadata store's connection), the worker and the job kinds.
export type { Job, JobStatus, JobStore, NewSyncLink, SyncLink, SyncOutcome, SyncState } from './job-store.js';
export { KyselyJobStore } from './kysely-job-store.js';
export { syncWikiJob } from './sync-wiki.js';
export { JobWorker, type JobHandler, type WorkerOptions } from './worker.js';
