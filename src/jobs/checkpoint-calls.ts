import type { Logger } from '../logging/logger.js';
import { isStoreUnavailable } from '../store/store-errors.js';
import { LeaseLostError } from './job-store.js';
import { withTimeout } from './timing.js';
import type { LeaseTiming } from './timing.js';

/**
 * A task's checkpoint read or write, retried while the metadata store is unavailable. A short outage
 * (a restarted store, a dropped connection) must not fail a job that has done nothing wrong: the call
 * waits it out with backoff. The job's own signal bounds the wait: the lease keeper aborts it once the
 * lease could not be renewed for lease/2, so a long outage ends as a fenced worker and a reaped job
 * (resumed from the last checkpoint that was committed), never as a write that lands after another
 * attempt took over. A lost lease or any other error is not retried.
 */
export async function checkpointCall<T>(
  call: () => Promise<T>,
  what: string,
  deps: { readonly timing: LeaseTiming; readonly logger: Logger; readonly signal: AbortSignal; readonly jobId: string },
): Promise<T> {
  let delay = 50;
  for (let attempt = 1; ; attempt += 1) {
    deps.signal.throwIfAborted();
    try {
      return await withTimeout(call(), deps.timing.storeCallMs, what);
    } catch (error) {
      if (error instanceof LeaseLostError || !isStoreUnavailable(error) || deps.signal.aborted) throw error;
      deps.logger.warn({ err: error, job_id: deps.jobId, attempt, retry_in_ms: delay }, `${what} failed; retrying`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, delay);
        function done(): void {
          clearTimeout(timer);
          deps.signal.removeEventListener('abort', done);
          resolve();
        }
        deps.signal.addEventListener('abort', done, { once: true });
      });
      delay = Math.min(delay * 2, 1_000);
    }
  }
}
