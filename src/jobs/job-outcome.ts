import { toDbfError } from '../domain/errors.js';
import type { DbfError } from '../domain/errors.js';
import type { TerminalStatus } from '../domain/job.js';
import type { ProgressReport } from './job-store.js';

export interface JobOutcome {
  readonly status: TerminalStatus;
  readonly error: { readonly code: string; readonly message: string } | null;
}

const brief = (error: DbfError): { code: string; message: string } => ({ code: error.code, message: error.message });

/**
 * How an attempt ends (invariant 7: a job with any failed table is failed, never completed):
 * cancelled when a cancel stopped it; failed when it was aborted (timeout), its task threw, a table
 * failed, or the task returned with tables unfinished; completed otherwise.
 */
export function outcomeOf(abortReason: DbfError | null, taskError: unknown, progress: ProgressReport): JobOutcome {
  if (abortReason?.code === 'DBF_JOB_CANCELLED') return { status: 'cancelled', error: null };
  if (abortReason) return { status: 'failed', error: brief(abortReason) };
  if (taskError !== null) return { status: 'failed', error: brief(toDbfError(taskError)) };
  const total = progress.tables.length;
  const unfinished = progress.tables.filter((t) => t.status === 'pending' || t.status === 'running').length;
  if (unfinished > 0) return { status: 'failed', error: { code: 'DBF_TASK_FAILED', message: `the task ended with ${unfinished} of ${total} tables not finished` } };
  const failed = progress.tables.filter((t) => t.status === 'failed').length;
  if (failed > 0) return { status: 'failed', error: { code: 'DBF_TASK_FAILED', message: `${failed} of ${total} tables failed` } };
  return { status: 'completed', error: null };
}
