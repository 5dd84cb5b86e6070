/**
 * The job worker that runs inside `wikibot serve`: every tick the scheduler queues the syncs that are due, then the
 * worker claims due jobs one at a time and runs each with its kind's handler. Jobs left "running" by a process that
 * died go back to the queue at start. `runOnce` lets tests drive it without timers.
 */
import type { Job, JobStore } from '../../jobs/job-store.js';
import { enqueueDueSyncs } from '../../usecases/git-sync.js';
import type { Services } from '../../usecases/services.js';
import type { JobHandler } from './job-handler.js';
import { syncWikiJob } from './sync-wiki.js';

export interface WorkerOptions {
  /** Milliseconds between ticks when the queue is empty (default 1000). */
  pollMs?: number;
  handlers?: JobHandler[];
}

export class JobWorker {
  private readonly store: JobStore;
  private readonly handlers: Map<string, JobHandler>;
  private readonly pollMs: number;
  private timer: NodeJS.Timeout | null = null;
  private current: Promise<unknown> | null = null;
  private stopped = true;
  private closing = false;

  constructor(
    private readonly services: Services,
    options: WorkerOptions = {},
  ) {
    this.store = services.jobs;
    this.handlers = new Map((options.handlers ?? [syncWikiJob]).map((h) => [h.kind, h]));
    this.pollMs = options.pollMs ?? 1000;
  }

  /** Starts ticking; jobs a dead process left running are queued again. */
  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    this.closing = false;
    const requeued = await this.store.requeueRunning();
    if (requeued > 0) this.services.log.warn({ requeued }, 'jobs left running by a previous process were queued again');
    this.schedule(0);
  }

  /** Stops ticking and waits for the job in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.closing = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.current?.catch(() => undefined);
  }

  /** One tick: queue due syncs, then run every due job. Returns how many jobs ran. */
  async runOnce(now: Date = new Date()): Promise<number> {
    await enqueueDueSyncs(this.store, now, this.services.config.syncIntervalMs);
    let ran = 0;
    for (;;) {
      // Shutting down: the job in progress finishes, no new one starts.
      if (this.closing) break;
      const job = await this.store.claimNext(new Date(Math.max(now.getTime(), Date.now())).toISOString());
      if (!job) break;
      await this.runJob(job);
      ran++;
    }
    return ran;
  }

  private async runJob(job: Job): Promise<void> {
    const handler = this.handlers.get(job.kind);
    let error: string | null = null;
    try {
      if (!handler) throw new Error(`no handler for job kind "${job.kind}"`);
      await handler.run(this.services, job);
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
      this.services.log.error({ err, job: job.id, kind: job.kind }, 'job failed');
    }
    await this.store.finish(job.id, error, new Date().toISOString());
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      const tick = this.runOnce().catch((err: unknown) => this.services.log.error({ err }, 'job worker tick failed'));
      this.current = tick;
      void tick.finally(() => {
        this.current = null;
        this.schedule(this.pollMs);
      });
    }, delay);
    this.timer.unref();
  }
}
