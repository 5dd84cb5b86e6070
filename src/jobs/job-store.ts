/**
 * The job port: a persistent queue of background jobs (claimed one at a time by the worker, retried by the
 * scheduler rather than by the queue) and each wiki's link to an external git remote, whose schedule the scheduler
 * reads. Async so a PostgreSQL implementation can stand beside the SQLite one.
 */

export type JobStatus = 'queued' | 'running' | 'done' | 'failed';

export interface Job {
  id: number;
  /** Which handler runs it, e.g. `sync-wiki`. */
  kind: string;
  wikiId: number | null;
  /** JSON text, the handler's own input. */
  payload: string;
  status: JobStatus;
  /** Not before this time (ISO 8601). */
  runAt: string;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  finishedAt: string | null;
}

export type SyncState = 'never' | 'ok' | 'needs_attention' | 'error';

export interface SyncLink {
  wikiId: number;
  url: string;
  username: string | null;
  /** The sealed token (AES-256-GCM); never leaves the server. */
  secret: string | null;
  state: SyncState;
  /** What the last run did: up_to_date, pulled, pushed, diverged, refused, failed. */
  lastResult: string | null;
  ourHead: string | null;
  theirHead: string | null;
  /** What the owner should know (and do) after the last run. */
  message: string | null;
  lastRunAt: string | null;
  nextRunAt: string;
  createdAt: string;
}

export interface NewSyncLink {
  wikiId: number;
  url: string;
  username: string | null;
  secret: string | null;
  nextRunAt: string;
}

export interface SyncOutcome {
  state: SyncState;
  lastResult: string;
  ourHead: string | null;
  theirHead: string | null;
  message: string;
  lastRunAt: string;
  nextRunAt: string;
}

export interface JobStore {
  enqueue(kind: string, wikiId: number | null, payload?: string, runAt?: string): Promise<Job>;
  /** Marks the oldest queued job due at `now` as running and returns it; null when none is due. */
  claimNext(now: string): Promise<Job | null>;
  /** Done (error null) or failed with the error's text. */
  finish(id: number, error: string | null, at: string): Promise<void>;
  getJob(id: number): Promise<Job | null>;
  /** Whether a job of this kind for this wiki is queued or running. */
  hasPending(kind: string, wikiId: number): Promise<boolean>;
  /** Jobs left running by a process that stopped go back to the queue. */
  requeueRunning(): Promise<number>;

  /** Creates or replaces the wiki's link; its status starts over ("never"). */
  putSyncLink(link: NewSyncLink): Promise<SyncLink>;
  getSyncLink(wikiId: number): Promise<SyncLink | null>;
  deleteSyncLink(wikiId: number): Promise<boolean>;
  recordSync(wikiId: number, outcome: SyncOutcome): Promise<void>;
  /** Links whose next run is due at `now`, soonest first. */
  dueSyncLinks(now: string, limit: number): Promise<SyncLink[]>;
  /** Moves a link's next run (the scheduler, when it enqueues one). */
  scheduleSync(wikiId: number, nextRunAt: string): Promise<void>;

  close(): Promise<void>;
}
