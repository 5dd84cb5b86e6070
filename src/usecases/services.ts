/**
 * The stores and settings every use case works with, opened once per process from the configuration.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.js';
import { GitRepoStore } from '../git/index.js';
import type { RepoStore } from '../git/repo-store.js';
import type { IndexStore } from '../index/index-store.js';
import { SqliteIndexStore } from '../index/index.js';
import type { JobStore } from '../jobs/job-store.js';
import { KyselyJobStore } from '../jobs/kysely-job-store.js';
import type { MetaStore } from '../meta/meta-store.js';
import { SmtpMailer, type Mailer } from './mailer.js';
import { SqliteMetaStore } from '../meta/index.js';
import { WikiRuntimes } from './runtime.js';

/** Where use cases report what went wrong in the background (a pino-compatible subset). */
export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface Services {
  config: Config;
  meta: MetaStore;
  repos: RepoStore;
  indexes: IndexStore;
  /** Background jobs and external-sync links, on the metadata store's connection (their tables live there). */
  jobs: JobStore;
  runtimes: WikiRuntimes;
  /** Sends verification and reset mail; null when WIKIBOT_SMTP_URL is not set. */
  mailer: Mailer | null;
  /** Replaced by the server's logger once it exists. */
  log: Logger;
}

const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/** Opens the stores under `config.dataDir`: `meta.sqlite` (metadata and jobs), `repos/` and `index/`. */
export async function openServices(config: Config, log: Logger = silentLogger): Promise<Services> {
  mkdirSync(join(config.dataDir, 'repos'), { recursive: true });
  mkdirSync(join(config.dataDir, 'index'), { recursive: true });
  const meta = await SqliteMetaStore.open(join(config.dataDir, 'meta.sqlite'));
  const jobs = KyselyJobStore.over(meta);
  const repos = new GitRepoStore({
    root: join(config.dataDir, 'repos'),
    maxProcesses: config.gitProcesses,
    blobCacheBytes: config.pageCacheMb * 1024 * 1024,
    idleMs: config.gitIdleMs,
  });
  const indexes = new SqliteIndexStore({ root: join(config.dataDir, 'index'), maxOpen: config.openIndexes });
  const mailer =
    config.smtpUrl !== null && config.smtpFrom !== null ? new SmtpMailer(config.smtpUrl, config.smtpFrom) : null;
  return { config, meta, repos, indexes, jobs, runtimes: new WikiRuntimes(), mailer, log };
}

export async function closeServices(services: Services): Promise<void> {
  await services.repos.close();
  services.indexes.close();
  await services.jobs.close();
  await services.meta.close();
  services.mailer?.close();
}
