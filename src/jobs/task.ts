import type { JobLogLevel } from '../domain/job.js';
import type { JobRow, JobTableRow } from '../store/schema.js';
import type { ProgressTracker } from './progress-tracker.js';

/**
 * What a job runs. The lifecycle (claim, lease, heartbeat, finish, reap) does not depend on what a task
 * does: the runner hands it a context and turns what it reports into the job's final write. A task
 * reports per-table progress through `progress`, must stop promptly when `signal` aborts (cancel, lost
 * lease, timeout, shutdown), and throws only for job-level failures (a failed table is reported, not
 * thrown, so the other tables still run and are reported).
 */
export interface TaskContext {
  readonly job: JobRow;
  readonly tables: readonly JobTableRow[];
  readonly signal: AbortSignal;
  readonly progress: ProgressTracker;
  log(level: JobLogLevel, message: string, options?: { table?: string; data?: unknown }): void;
  /** Durable and fenced by the lease: a stale worker cannot overwrite a newer attempt's checkpoint. */
  saveCheckpoint(scopeKey: string, tableName: string, data: unknown): Promise<void>;
  loadCheckpoint(scopeKey: string): Promise<unknown>;
  now(): number;
}

export interface Task {
  readonly name: string;
  run(context: TaskContext): Promise<void>;
}
