import type { Logger } from '../logging/logger.js';
import type { JobStore } from './job-store.js';
import type { LeaseTiming } from './timing.js';
import { isOwnerGone } from './worker-identity.js';
import type { WorkerIdentity } from './worker-identity.js';

export interface ReaperDeps {
  readonly store: JobStore;
  readonly timing: LeaseTiming;
  readonly now: () => number;
  readonly logger: Logger;
  readonly self: WorkerIdentity;
  readonly isPidAlive: (pid: number) => boolean;
}

export interface SweepReport {
  readonly settled: number;
}

/**
 * Settles running jobs whose worker is gone (invariant 3). Runs in every process that runs workers,
 * every lease/2 with ±20% jitter so that many workers do not sweep in step. A job is stale when
 * COALESCE(heartbeat, started, claimed, created) is older than the lease — a NULL heartbeat is still
 * reaped — or when it ran past its `timeout_ms` (failed with DBF_JOB_TIMEOUT, no retry). Each settle
 * is the store's guarded transition, so a job that heartbeats in the meantime is left alone.
 */
export class Reaper {
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<unknown> = Promise.resolve();
  #stopped = false;

  constructor(private readonly deps: ReaperDeps) {}

  /**
   * Boot reconciliation: running jobs owned by an earlier process of this host that is no longer alive
   * are settled now, without waiting for their lease to run out.
   */
  async reconcileBoot(): Promise<SweepReport> {
    const { store, now, self, isPidAlive, logger } = this.deps;
    let settled = 0;
    for (const job of await store.findRunning()) {
      if (!isOwnerGone(job.worker_id, self, isPidAlive)) continue;
      const outcome = await store.settleLost(job.id, job.lease_token, now(), { code: 'DBF_WORKER_LOST', message: `worker ${job.worker_id} is gone (found at start-up of ${self.id})` });
      if (outcome) {
        settled += 1;
        logger.warn({ job_id: job.id, outcome, previous_worker: job.worker_id }, 'boot reconciliation settled a job of a dead worker');
      }
    }
    return { settled };
  }

  async sweep(): Promise<SweepReport> {
    const { store, now, timing, logger } = this.deps;
    const at = now();
    let settled = 0;
    for (const job of await store.findStale(at, timing.leaseMs)) {
      const outcome = job.expired
        ? await store.settleLost(job.id, job.lease_token, at, { code: 'DBF_WORKER_LOST', message: `no heartbeat from ${job.worker_id ?? 'its worker'} for longer than the lease (${timing.leaseMs} ms)`, staleBefore: at - timing.leaseMs })
        : await store.settleLost(job.id, job.lease_token, at, { code: 'DBF_JOB_TIMEOUT', message: `the job ran longer than its limit of ${job.timeout_ms ?? 0} ms`, noRetry: true });
      if (outcome) {
        settled += 1;
        logger.warn({ job_id: job.id, outcome, worker_id: job.worker_id }, 'reaper settled a job');
      }
    }
    return { settled };
  }

  start(): void {
    this.#stopped = false;
    this.#schedule();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running;
  }

  #schedule(): void {
    if (this.#stopped) return;
    const jitter = 1 + (Math.random() * 0.4 - 0.2);
    this.#timer = setTimeout(() => {
      this.#running = this.sweep()
        .catch((error: unknown) => this.deps.logger.warn({ err: error }, 'reaper sweep failed; it runs again next period'))
        .finally(() => this.#schedule());
    }, Math.round(this.deps.timing.reapMs * jitter));
  }
}
