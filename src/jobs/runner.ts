import { DbfError, toDbfError } from '../domain/errors.js';
import type { Logger } from '../logging/logger.js';
import type { JobRow } from '../store/schema.js';
import { checkpointCall } from './checkpoint-calls.js';
import { finishWithRetry } from './finisher.js';
import { outcomeOf } from './job-outcome.js';
import type { JobStore, LeaseHolder } from './job-store.js';
import { LeaseKeeper } from './lease-keeper.js';
import { ProgressTracker } from './progress-tracker.js';
import type { Reaper } from './reaper.js';
import type { Task, TaskContext } from './task.js';
import { withTimeout } from './timing.js';
import type { LeaseTiming } from './timing.js';
import type { WorkerIdentity } from './worker-identity.js';
import type { WorkerRegistry } from './worker-registry.js';

export interface RunnerDeps {
  readonly store: JobStore;
  readonly workers: WorkerRegistry;
  readonly reaper: Reaper;
  readonly tasks: ReadonlyMap<string, Task>;
  readonly identity: WorkerIdentity;
  readonly timing: LeaseTiming;
  /** Jobs this process runs at once (`max_concurrency`). */
  readonly concurrency: number;
  readonly now: () => number;
  readonly logger: Logger;
  /** How often an idle runner looks for pending jobs. */
  readonly pollMs?: number;
  /** How long the final write is retried before the reaper is left to settle the job. */
  readonly finishMaxWaitMs?: number;
}

interface Execution {
  readonly controller: AbortController;
  readonly done: Promise<void>;
}

const SHUTDOWN = 'worker shutting down';

/**
 * The embedded queue: claims pending jobs from the store with a guarded UPDATE, at most `concurrency`
 * at once, runs each job's task under a LeaseKeeper, and always makes the final write through the
 * finisher. The map of executions holds abort handles only; what is active is always read from the
 * store (invariant 1). Boot reconciliation runs before the first claim; the reaper runs alongside.
 */
export class Runner {
  readonly #executions = new Map<string, Execution>();
  #timer: NodeJS.Timeout | null = null;
  #workerTimer: NodeJS.Timeout | null = null;
  #stopped = true;
  #claiming: Promise<void> = Promise.resolve();
  readonly #settledListeners = new Set<(jobId: string) => void>();

  constructor(private readonly deps: RunnerDeps) {}

  get workerId(): string {
    return this.deps.identity.id;
  }

  async start(): Promise<void> {
    const { workers, identity, concurrency, now, reaper, logger } = this.deps;
    this.#stopped = false;
    await workers.register(identity, concurrency, now());
    const { settled } = await reaper.reconcileBoot();
    if (settled > 0) logger.warn({ settled }, 'settled jobs left running by a dead process of this host');
    reaper.start();
    this.#beatWorker();
    this.wake();
  }

  /**
   * Stops claiming, asks running jobs to stop, and hands them back to the queue as their next attempt
   * (they resume from their checkpoints elsewhere or after a restart), then deregisters the worker.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#workerTimer) clearTimeout(this.#workerTimer);
    await this.#claiming;
    for (const execution of this.#executions.values()) {
      execution.controller.abort(new DbfError('DBF_WORKER_LOST', SHUTDOWN));
    }
    await Promise.allSettled([...this.#executions.values()].map((e) => e.done));
    await this.deps.reaper.stop();
    await this.deps.workers.stop(this.deps.identity.id, this.deps.now());
  }

  /** Looks for work now (after a job finished, or when a job was just enqueued in this process). */
  wake(): void {
    if (this.#stopped) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#claiming = this.#claimAvailable().finally(() => {
        if (!this.#stopped) this.#timer = setTimeout(() => this.wake(), this.deps.pollMs ?? 250);
      });
    }, 0);
  }

  /**
   * Calls `listener` with a job's id each time this runner is done with one (its final write made, or
   * left to the reaper): a follower in the same process (`dbferry sync`) then reads the job at once
   * instead of at its next poll. A hint only: what the job became is always read from the store.
   */
  onJobSettled(listener: (jobId: string) => void): () => void {
    this.#settledListeners.add(listener);
    return () => this.#settledListeners.delete(listener);
  }

  /** Number of jobs running in this process (for tests and metrics; never a statement of what is active). */
  get running(): number {
    return this.#executions.size;
  }

  async #claimAvailable(): Promise<void> {
    const { store, identity, tasks, timing, now, logger, concurrency } = this.deps;
    try {
      while (!this.#stopped && this.#executions.size < concurrency) {
        const claimed = await withTimeout(store.claim(identity.id, [...tasks.keys()], now(), timing.leaseMs), timing.storeCallMs, 'claim');
        if (!claimed) return;
        this.#launch(claimed.job, claimed.token);
      }
    } catch (error) {
      logger.warn({ err: error }, 'claiming jobs failed; trying again shortly');
    }
  }

  #launch(job: JobRow, token: string): void {
    const controller = new AbortController();
    const done = this.#execute(job, { jobId: job.id, token }, controller)
      .catch((error: unknown) => this.deps.logger.error({ err: error, job_id: job.id }, 'job execution failed unexpectedly; the reaper will settle it'))
      .finally(() => {
        this.#executions.delete(job.id);
        for (const listener of this.#settledListeners) listener(job.id);
        this.wake();
      });
    this.#executions.set(job.id, { controller, done });
  }

  async #execute(job: JobRow, lease: LeaseHolder, controller: AbortController): Promise<void> {
    const { store, tasks, timing, now, logger } = this.deps;
    const task = tasks.get(job.task);
    const tables = await store.jobTables(job.id);
    const tracker = new ProgressTracker(tables, now);
    const keeper = new LeaseKeeper({ store, timing, now, logger }, lease, tracker, controller);
    const timeout = this.#armTimeout(job, controller);
    keeper.start();
    let taskError: unknown = null;
    try {
      if (!task) throw new DbfError('DBF_INTERNAL', `no task "${job.task}" in this worker`);
      await task.run(this.#context(job, tables, lease, tracker, controller.signal));
    } catch (error) {
      taskError = error;
    } finally {
      if (timeout) clearTimeout(timeout);
      await keeper.stop();
    }

    const reason = controller.signal.aborted ? toDbfError(controller.signal.reason) : null;
    if (reason?.code === 'DBF_LEASE_LOST') {
      logger.warn({ job_id: job.id }, 'stopped work on a job whose lease was lost; its new owner decides its fate');
      return;
    }
    if (reason?.code === 'DBF_WORKER_LOST' && reason.message === SHUTDOWN) {
      await store.settleLost(job.id, lease.token, now(), { code: 'DBF_WORKER_LOST', message: `worker ${this.deps.identity.id} shut down` });
      return;
    }
    const snapshot = tracker.snapshot();
    const outcome = outcomeOf(reason, taskError, snapshot);
    await finishWithRetry(
      { store, timing, now, logger, maxWaitMs: this.deps.finishMaxWaitMs ?? timing.leaseMs * 20 },
      lease,
      { ...snapshot, ...outcome },
      tracker.drainEvents(),
    );
  }

  #armTimeout(job: JobRow, controller: AbortController): NodeJS.Timeout | null {
    if (job.timeout_ms === null || job.timeout_ms <= 0) return null;
    const remaining = (job.started_at_ms ?? this.deps.now()) + job.timeout_ms - this.deps.now();
    return setTimeout(() => {
      if (!controller.signal.aborted) controller.abort(new DbfError('DBF_JOB_TIMEOUT', `the job ran longer than its limit of ${job.timeout_ms ?? 0} ms`));
    }, Math.max(0, remaining));
  }

  #context(job: JobRow, tables: TaskContext['tables'], lease: LeaseHolder, tracker: ProgressTracker, signal: AbortSignal): TaskContext {
    const { store, timing, now, logger } = this.deps;
    const retry = { timing, logger, signal, jobId: job.id };
    return {
      job,
      tables,
      signal,
      progress: tracker,
      now,
      log: (level, message, options = {}) => tracker.event('job:log', level, message, options.table, options.data),
      saveCheckpoint: (scopeKey, tableName, data) => checkpointCall(() => store.saveCheckpoint(lease, scopeKey, tableName, data, now()), 'checkpoint write', retry),
      loadCheckpoint: (scopeKey) => checkpointCall(() => store.loadCheckpoint(scopeKey), 'checkpoint read', retry),
    };
  }

  #beatWorker(): void {
    if (this.#stopped) return;
    this.#workerTimer = setTimeout(() => {
      this.deps.workers
        .beat(this.deps.identity.id, this.deps.now())
        .catch((error: unknown) => this.deps.logger.warn({ err: error }, 'worker heartbeat failed'))
        .finally(() => this.#beatWorker());
    }, this.deps.timing.heartbeatMs * 3);
  }
}
