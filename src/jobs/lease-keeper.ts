import { DbfError } from '../domain/errors.js';
import type { Logger } from '../logging/logger.js';
import { LeaseLostError } from './job-store.js';
import type { JobStore, LeaseHolder } from './job-store.js';
import type { ProgressReport } from './job-store.js';
import type { ProgressTracker } from './progress-tracker.js';

const PROGRESS_EVENT_MS = 2_000;
const HEARTBEAT_EVENT_MS = 30_000;
import { withTimeout } from './timing.js';
import type { LeaseTiming } from './timing.js';

/**
 * Keeps one running job's lease: every heartbeat renews it and carries the progress and queued events.
 * It aborts the job's work (through the AbortController it was given) when
 * - a renewal affects 0 rows (the lease is lost: someone settled or took the job),
 * - no renewal succeeded for lease/2 (self-fencing, before the reaper may hand the job to another), or
 * - the store says a cancel was requested.
 * A failed renewal is logged and retried at the next tick, never swallowed.
 */
export class LeaseKeeper {
  #timer: NodeJS.Timeout | null = null;
  #lastRenewal: number;
  #inFlight: Promise<void> = Promise.resolve();
  #stopped = false;
  #lastProgressEvent: number;
  #lastHeartbeatEvent: number;
  #lastProgress = '';

  constructor(
    private readonly deps: { store: JobStore; timing: LeaseTiming; now: () => number; logger: Logger },
    private readonly lease: LeaseHolder,
    private readonly tracker: ProgressTracker,
    private readonly controller: AbortController,
  ) {
    this.#lastRenewal = deps.now();
    this.#lastProgressEvent = this.#lastRenewal;
    this.#lastHeartbeatEvent = this.#lastRenewal;
  }

  start(): void {
    this.#schedule();
  }

  /** Stops renewing; waits for a heartbeat in flight so that it cannot land after the final write. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#inFlight;
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#inFlight = this.#beat().finally(() => this.#schedule());
    }, this.deps.timing.heartbeatMs);
  }

  async #beat(): Promise<void> {
    const { store, timing, now, logger } = this.deps;
    const snapshot = this.tracker.snapshot();
    this.#noteLiveness(snapshot);
    const events = this.tracker.drainEvents();
    try {
      const { cancelRequested } = await withTimeout(store.heartbeat(this.lease, now(), timing.leaseMs, snapshot, events), timing.storeCallMs, 'heartbeat');
      this.#lastRenewal = now();
      if (cancelRequested) this.#abort(new DbfError('DBF_JOB_CANCELLED', 'the job was cancelled'));
    } catch (error) {
      if (error instanceof LeaseLostError) {
        this.#abort(error);
        return;
      }
      this.tracker.requeue(events);
      const silentFor = now() - this.#lastRenewal;
      logger.warn({ err: error, job_id: this.lease.jobId, silent_for_ms: silentFor }, 'heartbeat failed');
      if (silentFor >= timing.selfFenceMs) {
        this.#abort(new DbfError('DBF_LEASE_LOST', `job ${this.lease.jobId}: no heartbeat reached the store for ${silentFor} ms; stopping before the lease runs out`, { cause: error }));
      }
    }
  }

  /**
   * Puts `job:progress` (when progress moved, at most every PROGRESS_EVENT_MS) and `job:heartbeat`
   * (every HEARTBEAT_EVENT_MS) into the event log at debug level: live readers (SSE, charts of rows/s)
   * get a steady pulse without one log row per heartbeat.
   */
  #noteLiveness(snapshot: ProgressReport): void {
    const at = this.deps.now();
    const rows = snapshot.tables.reduce((n, t) => n + t.processed_rows, 0);
    const bytes = snapshot.tables.reduce((n, t) => n + t.processed_bytes, 0);
    const signature = `${rows}/${bytes}/${snapshot.current_table ?? ''}`;
    if (signature !== this.#lastProgress && at - this.#lastProgressEvent >= PROGRESS_EVENT_MS) {
      this.#lastProgress = signature;
      this.#lastProgressEvent = at;
      this.tracker.event('job:progress', 'debug', `${rows} rows copied${snapshot.current_table ? `, now ${snapshot.current_table}` : ''}`, undefined, { processed_rows: rows, processed_bytes: bytes, current_table: snapshot.current_table });
    } else if (at - this.#lastHeartbeatEvent >= HEARTBEAT_EVENT_MS) {
      this.#lastHeartbeatEvent = at;
      this.tracker.event('job:heartbeat', 'debug', 'heartbeat', undefined, { processed_rows: rows });
    }
  }

  #abort(reason: DbfError): void {
    if (!this.controller.signal.aborted) this.controller.abort(reason);
  }
}
