/**
 * What a job kind provides to the worker: its kind name and how to run one job of it. A file of its own so the worker
 * and the handlers can both import it without importing each other.
 */
import type { Job } from '../../jobs/job-store.js';
import type { Services } from '../../usecases/services.js';

export interface JobHandler {
  kind: string;
  run(services: Services, job: Job): Promise<void>;
}
