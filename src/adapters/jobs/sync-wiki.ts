/**
 * Job kind `sync-wiki`: one external-sync run of a wiki. The outcome (pulled, pushed, diverged, failed) is the
 * link's status; the job itself fails only when the run could not even start.
 */
import type { Job } from '../../jobs/job-store.js';
import { SYNC_JOB, syncWiki } from '../../usecases/git-sync.js';
import type { Services } from '../../usecases/services.js';
import type { JobHandler } from './job-handler.js';

export const syncWikiJob: JobHandler = {
  kind: SYNC_JOB,
  async run(services: Services, job: Job): Promise<void> {
    if (job.wikiId === null) throw new Error('sync-wiki job without a wiki');
    // The link may have been removed since the job was queued: nothing to do then.
    if (!(await services.jobs.getSyncLink(job.wikiId))) return;
    await syncWiki(services, job.wikiId);
  },
};
