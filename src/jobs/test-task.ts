import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { DbfError } from '../domain/errors.js';
import { parseInput } from '../domain/validation.js';
import type { Task, TaskContext } from './task.js';

/**
 * The built-in test task: "copies" fake tables in steps, with progress, a checkpoint per step, and
 * failures on demand. The lifecycle's tests (and demos of it) run jobs with this task, so that they do
 * not depend on what a real copy does. Enabled only with `allow_test_jobs`.
 */
export const testJobSpecSchema = z
  .object({
    tables: z.array(z.object({ name: z.string().min(1).max(64), rows: z.number().int().min(0).max(1e9), fail: z.boolean().default(false) }).strict()).max(1000),
    /** Rows per step; each step is one checkpoint. */
    step_rows: z.number().int().min(1).default(100),
    /** Time per step. */
    step_ms: z.number().int().min(0).max(60_000).default(10),
    /** Attempts up to this number throw at their start (a job-level failure). */
    fail_attempts: z.number().int().min(0).default(0),
  })
  .strict();
export type TestJobSpec = z.infer<typeof testJobSpecSchema>;

export const TEST_TASK = 'test';

export function checkpointKey(jobId: string, table: string): string {
  return `job:${jobId}:${table}`;
}

export const testTask: Task = {
  name: TEST_TASK,
  async run(context: TaskContext): Promise<void> {
    const spec = parseInput(testJobSpecSchema, JSON.parse(context.job.spec), 'DBF_INVALID_INPUT', 'test job');
    if (context.job.attempt <= spec.fail_attempts) {
      throw new DbfError('DBF_TASK_FAILED', `injected failure at attempt ${context.job.attempt}`);
    }
    for (const table of spec.tables) {
      const row = context.tables.find((t) => t.target_table === table.name);
      if (row?.status === 'completed') continue;
      const checkpoint = (await context.loadCheckpoint(checkpointKey(context.job.id, table.name))) as { rows?: number } | null;
      let done = checkpoint?.rows ?? 0;
      context.progress.tableStarted(table.name, table.rows);
      if (done > 0) context.log('info', `resuming ${table.name} at row ${done}`, { table: table.name });
      while (done < table.rows) {
        context.signal.throwIfAborted();
        await sleep(spec.step_ms, undefined, { signal: context.signal }).catch((error: unknown) => {
          throw context.signal.aborted ? context.signal.reason : error;
        });
        done = Math.min(table.rows, done + spec.step_rows);
        context.progress.tableProgress(table.name, done, done * 100);
        await context.saveCheckpoint(checkpointKey(context.job.id, table.name), table.name, { rows: done });
        if (table.fail && done >= table.rows / 2) break;
      }
      if (table.fail) context.progress.tableFailed(table.name, { code: 'DBF_TASK_FAILED', message: `injected failure in ${table.name}` });
      else context.progress.tableCompleted(table.name, true);
    }
  },
};
