import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import type { Logger } from '../../src/logging/logger.js';
import type { StoreDb } from '../../src/store/open-store.js';
import type { JobEventRow, JobRow, JobTableRow } from '../../src/store/schema.js';
import { checkpointKey } from '../../src/jobs/test-task.js';
import type { TestJobSpec } from '../../src/jobs/test-task.js';

/**
 * Small tools for the job lifecycle's fault tests: polling with a deadline (never a fixed long
 * sleep), reading a job's row, tables, events and checkpoint straight from the store, and loggers
 * that are silent or capture their lines.
 */

export { sleep };

/** Polls `probe` every `intervalMs` until it answers something truthy; fails naming `what` at the deadline. */
export async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs = 10_000, intervalMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
    }
    await sleep(intervalMs);
  }
}

export async function jobRow(db: StoreDb, id: string): Promise<JobRow> {
  return db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

export async function jobTables(db: StoreDb, id: string): Promise<JobTableRow[]> {
  return db.selectFrom('job_tables').selectAll().where('job_id', '=', id).orderBy('position').execute();
}

export async function jobEvents(db: StoreDb, id: string, type?: string): Promise<JobEventRow[]> {
  let query = db.selectFrom('job_events').selectAll().where('job_id', '=', id);
  if (type !== undefined) query = query.where('type', '=', type);
  return query.orderBy('id').execute();
}

/** Rows done according to the test task's checkpoint for one table (0 when none was written). */
export async function checkpointRows(db: StoreDb, id: string, table: string): Promise<number> {
  const row = await db.selectFrom('checkpoints').select('data').where('scope_key', '=', checkpointKey(id, table)).executeTakeFirst();
  return row ? Number((JSON.parse(row.data) as { rows?: number }).rows ?? 0) : 0;
}

export async function locksOf(db: StoreDb, id: string): Promise<string[]> {
  return (await db.selectFrom('job_locks').select('lock_key').where('job_id', '=', id).execute()).map((l) => l.lock_key);
}

/** Waits until the job's stored status is one of `statuses`, and answers its row. */
export async function waitForStatus(db: StoreDb, id: string, statuses: readonly string[], timeoutMs = 15_000): Promise<JobRow> {
  return waitFor(`job ${id} to be ${statuses.join('|')}`, async () => {
    const row = await jobRow(db, id);
    return statuses.includes(row.status) ? row : null;
  }, timeoutMs);
}

/** "resuming T at row N" lines the test task logs when an attempt starts from a checkpoint: N per line. */
export async function resumedAt(db: StoreDb, id: string): Promise<number[]> {
  const logs = await jobEvents(db, id, 'job:log');
  return logs.flatMap((e) => {
    const match = /^resuming \S+ at row (\d+)$/.exec(e.message);
    return match?.[1] === undefined ? [] : [Number(match[1])];
  });
}

/** One table of `rows` rows in steps of `stepRows` taking `stepMs` each. */
export function slowSpec(rows: number, stepRows: number, stepMs: number, table = 't1'): TestJobSpec {
  return { tables: [{ name: table, rows, fail: false }], step_rows: stepRows, step_ms: stepMs, fail_attempts: 0 };
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

export interface CapturedLog {
  readonly level: number;
  readonly msg: string;
  readonly [key: string]: unknown;
}

/** A logger whose JSON lines land in `lines` (debug and above). */
export function capturingLogger(): { logger: Logger; lines: CapturedLog[] } {
  const lines: CapturedLog[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString('utf8').split('\n')) {
        if (text.trim() !== '') lines.push(JSON.parse(text) as CapturedLog);
      }
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}
