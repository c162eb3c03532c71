/**
 * Job states and the rules between them (product.md, "The job lifecycle invariants"). Pure: the store
 * enforces these with guarded statements; this file names them once.
 *
 *   pending ──claim──▶ running ──finish──▶ completed | failed | cancelled
 *      │                  │ reap (lease expired, attempts left) ──▶ pending (attempt + 1)
 *      └─cancel─▶ cancelled └ reap (no attempts left) ──▶ failed (DBF_WORKER_LOST)
 *
 * A job is active iff its stored status is pending or running (invariant 1).
 */
export const JOB_STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const ACTIVE_STATUSES = ['pending', 'running'] as const satisfies readonly JobStatus[];
export const TERMINAL_STATUSES = ['completed', 'failed', 'cancelled'] as const satisfies readonly JobStatus[];
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];

export function isActive(status: string): boolean {
  return (ACTIVE_STATUSES as readonly string[]).includes(status);
}

export function isTerminal(status: string): status is TerminalStatus {
  return (TERMINAL_STATUSES as readonly string[]).includes(status);
}

export const JOB_TRIGGERS = ['manual', 'schedule', 'cli', 'api'] as const;
export type JobTrigger = (typeof JOB_TRIGGERS)[number];

export const TABLE_STATUSES = ['pending', 'running', 'completed', 'failed', 'skipped', 'cancelled'] as const;
export type TableStatus = (typeof TABLE_STATUSES)[number];

/** Event types of the append-only job log (`noun:verb`). */
export const JOB_EVENT_TYPES = [
  'job:created',
  'job:claimed',
  'job:progress',
  'job:heartbeat',
  'job:cancel_requested',
  'job:reaped',
  'job:retried',
  'job:finished',
  'job:log',
  'table:started',
  'table:completed',
  'table:failed',
] as const;
export type JobEventType = (typeof JOB_EVENT_TYPES)[number];

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type JobLogLevel = (typeof LOG_LEVELS)[number];
