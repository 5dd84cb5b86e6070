// Background jobs: the store port and its Kysely implementation (on the metadata store's connection). The worker that
// runs them is a door and lives in src/adapters/jobs.
export type { Job, JobStatus, JobStore, NewSyncLink, SyncLink, SyncOutcome, SyncState } from './job-store.js';
export { KyselyJobStore } from './kysely-job-store.js';
