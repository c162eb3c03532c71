import type { Logger } from '../logging/logger.js';
import { LeaseLostError } from './job-store.js';
import type { FinalReport, JobEventInput, JobStore, LeaseHolder } from './job-store.js';
import { sleep, withTimeout } from './timing.js';
import type { LeaseTiming } from './timing.js';

export interface FinishOptions {
  readonly store: JobStore;
  readonly timing: LeaseTiming;
  readonly now: () => number;
  readonly logger: Logger;
  /** Give up after this long; the reaper settles the job if this process cannot. */
  readonly maxWaitMs: number;
}

/**
 * Invariant 2: the final write is never skipped. It runs with its own timeout per try (never the job's
 * possibly aborted signal) and is retried with capped exponential backoff while the store fails.
 * Answers true when the job is terminal in the store, false when the lease was lost (another attempt
 * or a settle owns the job) or the store stayed unavailable for `maxWaitMs`.
 */
export async function finishWithRetry(options: FinishOptions, lease: LeaseHolder, report: FinalReport, events: readonly JobEventInput[]): Promise<boolean> {
  const { store, timing, now, logger, maxWaitMs } = options;
  const started = now();
  let delay = 100;
  for (let attempt = 1; ; attempt += 1) {
    try {
      await withTimeout(store.finish(lease, now(), report, events), timing.storeCallMs, 'the final write');
      if (attempt > 1) logger.info({ job_id: lease.jobId, attempt }, 'final write succeeded after retries');
      return true;
    } catch (error) {
      if (error instanceof LeaseLostError) {
        logger.warn({ job_id: lease.jobId }, 'final write refused: the lease was lost, another attempt owns the job');
        return false;
      }
      if (now() - started >= maxWaitMs) {
        logger.error({ err: error, job_id: lease.jobId, attempt }, 'final write failed for too long; the reaper will settle the job');
        return false;
      }
      logger.warn({ err: error, job_id: lease.jobId, attempt, retry_in_ms: delay }, 'final write failed; retrying');
      await sleep(delay);
      delay = Math.min(delay * 2, 5_000);
    }
  }
}
