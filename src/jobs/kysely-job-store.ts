/**
 * The job store's queries, written once with Kysely so SQLite and PostgreSQL share them (tables from migration
 * 0005_jobs_sync in meta/migrations.ts; they live in the metadata database, so the store runs on the metadata
 * store's own connection rather than opening a second one).
 */
import type { Generated, Kysely, Selectable } from 'kysely';
import type { KyselyMetaStore, MetaDatabase } from '../meta/index.js';
import type { Job, JobStatus, JobStore, NewSyncLink, SyncLink, SyncOutcome, SyncState } from './job-store.js';

export interface JobsTable {
  id: Generated<number>;
  kind: string;
  wiki_id: number | null;
  payload: string;
  status: JobStatus;
  run_at: string;
  attempts: number;
  last_error: string | null;
  created_at: string;
  finished_at: string | null;
}

export interface SyncLinksTable {
  wiki_id: number;
  url: string;
  username: string | null;
  secret: string | null;
  state: SyncState;
  last_result: string | null;
  our_head: string | null;
  their_head: string | null;
  message: string | null;
  last_run_at: string | null;
  next_run_at: string;
  created_at: string;
}

export interface JobsDatabase {
  jobs: JobsTable;
  sync_links: SyncLinksTable;
}

function toJob(r: Selectable<JobsTable>): Job {
  return {
    id: r.id,
    kind: r.kind,
    wikiId: r.wiki_id,
    payload: r.payload,
    status: r.status,
    runAt: r.run_at,
    attempts: r.attempts,
    lastError: r.last_error,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
  };
}

function toLink(r: Selectable<SyncLinksTable>): SyncLink {
  return {
    wikiId: r.wiki_id,
    url: r.url,
    username: r.username,
    secret: r.secret,
    state: r.state,
    lastResult: r.last_result,
    ourHead: r.our_head,
    theirHead: r.their_head,
    message: r.message,
    lastRunAt: r.last_run_at,
    nextRunAt: r.next_run_at,
    createdAt: r.created_at,
  };
}

export class KyselyJobStore implements JobStore {
  private constructor(private readonly db: Kysely<MetaDatabase & JobsDatabase>) {}

  /** The job store over `meta`'s connection, whatever its dialect; `meta.close()` ends both. */
  static over(meta: KyselyMetaStore): KyselyJobStore {
    return new KyselyJobStore(meta.connection.withTables<{ jobs: JobsTable; sync_links: SyncLinksTable }>());
  }

  async enqueue(kind: string, wikiId: number | null, payload = '{}', runAt?: string): Promise<Job> {
    const now = new Date().toISOString();
    const row = await this.db
      .insertInto('jobs')
      .values({ kind, wiki_id: wikiId, payload, status: 'queued', run_at: runAt ?? now, attempts: 0, last_error: null, created_at: now, finished_at: null })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toJob(row);
  }

  async claimNext(now: string): Promise<Job | null> {
    // Claimed by a conditional update, so two workers (two processes) never run the same job.
    for (let tries = 0; tries < 5; tries++) {
      const next = await this.db
        .selectFrom('jobs')
        .select('id')
        .where('status', '=', 'queued')
        .where('run_at', '<=', now)
        .orderBy('run_at')
        .orderBy('id')
        .limit(1)
        .executeTakeFirst();
      if (!next) return null;
      const row = await this.db
        .updateTable('jobs')
        .set((eb) => ({ status: 'running', attempts: eb('attempts', '+', 1) }))
        .where('id', '=', next.id)
        .where('status', '=', 'queued')
        .returningAll()
        .executeTakeFirst();
      if (row) return toJob(row);
    }
    return null;
  }

  async finish(id: number, error: string | null, at: string): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set({ status: error === null ? 'done' : 'failed', last_error: error, finished_at: at })
      .where('id', '=', id)
      .execute();
  }

  async getJob(id: number): Promise<Job | null> {
    const row = await this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toJob(row) : null;
  }

  async hasPending(kind: string, wikiId: number): Promise<boolean> {
    const row = await this.db
      .selectFrom('jobs')
      .select('id')
      .where('kind', '=', kind)
      .where('wiki_id', '=', wikiId)
      .where('status', 'in', ['queued', 'running'])
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  async requeueRunning(): Promise<number> {
    const result = await this.db.updateTable('jobs').set({ status: 'queued' }).where('status', '=', 'running').executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async putSyncLink(link: NewSyncLink): Promise<SyncLink> {
    const fresh = {
      url: link.url,
      username: link.username,
      secret: link.secret,
      state: 'never' as const,
      last_result: null,
      our_head: null,
      their_head: null,
      message: null,
      last_run_at: null,
      next_run_at: link.nextRunAt,
    };
    const row = await this.db
      .insertInto('sync_links')
      .values({ wiki_id: link.wikiId, created_at: new Date().toISOString(), ...fresh })
      .onConflict((oc) => oc.column('wiki_id').doUpdateSet(fresh))
      .returningAll()
      .executeTakeFirstOrThrow();
    return toLink(row);
  }

  async getSyncLink(wikiId: number): Promise<SyncLink | null> {
    const row = await this.db.selectFrom('sync_links').selectAll().where('wiki_id', '=', wikiId).executeTakeFirst();
    return row ? toLink(row) : null;
  }

  async deleteSyncLink(wikiId: number): Promise<boolean> {
    const result = await this.db.deleteFrom('sync_links').where('wiki_id', '=', wikiId).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async recordSync(wikiId: number, o: SyncOutcome): Promise<void> {
    await this.db
      .updateTable('sync_links')
      .set({
        state: o.state,
        last_result: o.lastResult,
        our_head: o.ourHead,
        their_head: o.theirHead,
        message: o.message,
        last_run_at: o.lastRunAt,
        next_run_at: o.nextRunAt,
      })
      .where('wiki_id', '=', wikiId)
      .execute();
  }

  async dueSyncLinks(now: string, limit: number): Promise<SyncLink[]> {
    const rows = await this.db.selectFrom('sync_links').selectAll().where('next_run_at', '<=', now).orderBy('next_run_at').limit(limit).execute();
    return rows.map(toLink);
  }

  async scheduleSync(wikiId: number, nextRunAt: string): Promise<void> {
    await this.db.updateTable('sync_links').set({ next_run_at: nextRunAt }).where('wiki_id', '=', wikiId).execute();
  }

  /** Nothing to release: the connection is the metadata store's, closed with it. */
  async close(): Promise<void> {}
}
