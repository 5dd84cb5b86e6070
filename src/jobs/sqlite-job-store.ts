/**
 * The embedded job store: its own connection to the metadata database file (WAL, busy timeout), whose tables the
 * metadata store's migrations created. One store per Services, opened on first use and closed with the server.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Services } from '../usecases/services.js';
import type { JobStore } from './job-store.js';
import { KyselyJobStore, type JobsDatabase } from './kysely-job-store.js';

const BUSY_TIMEOUT_MS = 5000;

export class SqliteJobStore extends KyselyJobStore {
  /** Opens the metadata database at `file`; the metadata store must have migrated it already. */
  static open(file: string): SqliteJobStore {
    const sqlite = new Database(file);
    sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('foreign_keys = ON');
    return new SqliteJobStore(new Kysely<JobsDatabase>({ dialect: new SqliteDialect({ database: sqlite }) }));
  }
}

const stores = new WeakMap<Services, JobStore>();

/** The job store of these services (the metadata database under the data directory), opened once. */
export function jobStoreFor(services: Services): JobStore {
  let store = stores.get(services);
  if (!store) {
    store = SqliteJobStore.open(join(services.config.dataDir, 'meta.sqlite'));
    stores.set(services, store);
  }
  return store;
}

/** Closes the job store of these services, if one was opened. */
export async function closeJobStore(services: Services): Promise<void> {
  const store = stores.get(services);
  stores.delete(services);
  await store?.close();
}
