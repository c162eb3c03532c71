import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import { DbfError } from '../domain/errors.js';
import type { ErrorCode } from '../domain/errors.js';
import type { JobLogLevel, JobTrigger, TableStatus, TerminalStatus } from '../domain/job.js';
import type { StoreDb } from '../store/open-store.js';
import type { JobRow, JobTableRow, StoreSchema } from '../store/schema.js';
import { isUniqueViolation } from '../store/store-errors.js';

/**
 * The durable job lifecycle as SQL. Every transition is one guarded UPDATE (expected status and, for a
 * worker's writes, its lease token) with `now` passed in, run in a transaction with whatever must change
 * with it (per-table rows, locks, events). 0 rows affected on a worker's write means its lease is lost:
 * LeaseLostError, and the worker stops. Nothing here keeps state in memory.
 */

export interface NewJobTable {
  readonly source_table: string;
  readonly target_table: string;
  readonly mode: string;
  readonly total_rows?: number;
}

export interface EnqueueRequest {
  readonly task: string;
  readonly spec: unknown;
  readonly configId: string | null;
  readonly configName: string | null;
  readonly trigger: JobTrigger;
  readonly maxAttempts: number;
  readonly timeoutMs: number | null;
  readonly tables: readonly NewJobTable[];
  /** Keys only one active job may hold: `config:<id>`, `target:<where>`. */
  readonly locks: readonly string[];
}

export interface JobEventInput {
  readonly type: string;
  readonly level: JobLogLevel;
  readonly message: string;
  readonly table_name?: string | null;
  readonly data?: unknown;
  readonly at_ms: number;
}

export interface TableProgress {
  readonly target_table: string;
  readonly status: TableStatus;
  readonly total_rows: number;
  readonly processed_rows: number;
  readonly processed_bytes: number;
  readonly started_at_ms: number | null;
  readonly finished_at_ms: number | null;
  readonly verified?: boolean | null;
  readonly error?: { readonly code: string; readonly message: string } | null;
  /** The incremental cursor, once the copy chose it. */
  readonly cursor_column?: string | null;
}

export interface ProgressReport {
  readonly current_table: string | null;
  readonly tables: readonly TableProgress[];
}

export interface FinalReport extends ProgressReport {
  readonly status: TerminalStatus;
  readonly error: { readonly code: string; readonly message: string } | null;
}

export interface LeaseHolder {
  readonly jobId: string;
  readonly token: string;
}

export class LeaseLostError extends DbfError {
  constructor(jobId: string) {
    super('DBF_LEASE_LOST', `job ${jobId}: the lease is lost (another attempt or a settle owns the job now)`);
  }
}

type Trx = Transaction<StoreSchema>;

const sum = (tables: readonly TableProgress[], pick: (t: TableProgress) => number): number => tables.reduce((n, t) => n + pick(t), 0);

export class JobStore {
  constructor(private readonly db: StoreDb) {}

  /** Creates a pending job with its tables and locks; a taken lock answers 409. */
  async enqueue(request: EnqueueRequest, now: number): Promise<string> {
    const id = randomUUID();
    try {
      await this.db.transaction().execute(async (trx) => {
        for (const lock of request.locks) await trx.insertInto('job_locks').values({ lock_key: lock, job_id: id, created_at_ms: now }).execute();
        await trx
          .insertInto('jobs')
          .values({
            id, config_id: request.configId, config_name: request.configName, trigger: request.trigger, task: request.task,
            spec: JSON.stringify(request.spec ?? null), status: 'pending', attempt: 1, max_attempts: request.maxAttempts,
            worker_id: null, lease_token: null, lease_expires_at_ms: null, heartbeat_at_ms: null, claimed_at_ms: null,
            started_at_ms: null, finished_at_ms: null, cancel_requested_at_ms: null, timeout_ms: request.timeoutMs,
            total_tables: request.tables.length, completed_tables: 0, failed_tables: 0,
            total_rows: request.tables.reduce((n, t) => n + (t.total_rows ?? 0), 0), processed_rows: 0, processed_bytes: 0,
            current_table: null, progress: null, error_code: null, error_message: null, created_at_ms: now, updated_at_ms: now,
          })
          .execute();
        for (const [position, table] of request.tables.entries()) {
          await trx
            .insertInto('job_tables')
            .values({
              id: randomUUID(), job_id: id, position, source_table: table.source_table, target_table: table.target_table, mode: table.mode,
              status: 'pending', cursor_column: null, total_rows: table.total_rows ?? 0, processed_rows: 0, processed_bytes: 0,
              started_at_ms: null, finished_at_ms: null, verified: null, error_code: null, error_message: null,
            })
            .execute();
        }
        await insertEvents(trx, id, [{ type: 'job:created', level: 'info', message: `job created (${request.trigger})`, at_ms: now, data: { task: request.task } }]);
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw await this.lockConflict(request.locks, error);
      throw error;
    }
    return id;
  }

  /** Claims the oldest pending job this worker can run: a guarded UPDATE per candidate, first win keeps it. */
  async claim(workerId: string, tasks: readonly string[], now: number, leaseMs: number): Promise<{ job: JobRow; token: string } | null> {
    if (tasks.length === 0) return null;
    const candidates = await this.db
      .selectFrom('jobs')
      .select('id')
      .where('status', '=', 'pending')
      .where('task', 'in', [...tasks])
      .orderBy('created_at_ms')
      .orderBy('id')
      .limit(8)
      .execute();
    for (const { id } of candidates) {
      const token = randomUUID();
      const won = await this.db.transaction().execute(async (trx) => {
        const result = await trx
          .updateTable('jobs')
          .set((eb) => ({
            status: 'running', worker_id: workerId, lease_token: token, lease_expires_at_ms: now + leaseMs, claimed_at_ms: now,
            heartbeat_at_ms: now, started_at_ms: eb.fn.coalesce('started_at_ms', eb.val(now)), updated_at_ms: now,
          }))
          .where('id', '=', id)
          .where('status', '=', 'pending')
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) !== 1) return false;
        await insertEvents(trx, id, [{ type: 'job:claimed', level: 'info', message: `claimed by ${workerId}`, at_ms: now, data: { worker_id: workerId } }]);
        return true;
      });
      if (won) return { job: await this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow(), token };
    }
    return null;
  }

  /** Renews the lease, carries progress and buffered events; answers whether a cancel was requested. */
  async heartbeat(lease: LeaseHolder, now: number, leaseMs: number, progress: ProgressReport | null, events: readonly JobEventInput[]): Promise<{ cancelRequested: boolean }> {
    return this.db.transaction().execute(async (trx) => {
      const totals = progress
        ? { processed_rows: sum(progress.tables, (t) => t.processed_rows), processed_bytes: sum(progress.tables, (t) => t.processed_bytes), current_table: progress.current_table,
            completed_tables: progress.tables.filter((t) => t.status === 'completed').length, failed_tables: progress.tables.filter((t) => t.status === 'failed').length }
        : {};
      const result = await trx
        .updateTable('jobs')
        .set({ heartbeat_at_ms: now, lease_expires_at_ms: now + leaseMs, updated_at_ms: now, ...totals })
        .where('id', '=', lease.jobId)
        .where('status', '=', 'running')
        .where('lease_token', '=', lease.token)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) throw new LeaseLostError(lease.jobId);
      if (progress) await writeTableProgress(trx, lease.jobId, progress.tables);
      await insertEvents(trx, lease.jobId, events);
      const row = await trx.selectFrom('jobs').select('cancel_requested_at_ms').where('id', '=', lease.jobId).executeTakeFirstOrThrow();
      return { cancelRequested: row.cancel_requested_at_ms !== null };
    });
  }

  /** A checkpoint written under the lease: a stale worker cannot overwrite a newer attempt's. */
  async saveCheckpoint(lease: LeaseHolder, scopeKey: string, tableName: string, data: unknown, now: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await assertLease(trx, lease, now);
      const text = JSON.stringify(data);
      const updated = await trx.updateTable('checkpoints').set({ data: text, job_id: lease.jobId, table_name: tableName, updated_at_ms: now }).where('scope_key', '=', scopeKey).executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) {
        await trx.insertInto('checkpoints').values({ id: randomUUID(), scope_key: scopeKey, job_id: lease.jobId, table_name: tableName, data: text, updated_at_ms: now }).execute();
      }
    });
  }

  async loadCheckpoint(scopeKey: string): Promise<unknown> {
    const row = await this.db.selectFrom('checkpoints').select('data').where('scope_key', '=', scopeKey).executeTakeFirst();
    return row ? (JSON.parse(row.data) as unknown) : null;
  }

  /**
   * The terminal write: status, end time, counts, per-table results, locks released and events, in one
   * transaction. Idempotent for its owner: if a previous try committed (the reply was lost), it succeeds.
   */
  async finish(lease: LeaseHolder, now: number, report: FinalReport, events: readonly JobEventInput[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable('jobs')
        .set({
          status: report.status, finished_at_ms: now, updated_at_ms: now, lease_expires_at_ms: null, current_table: null,
          completed_tables: report.tables.filter((t) => t.status === 'completed').length,
          failed_tables: report.tables.filter((t) => t.status === 'failed').length,
          processed_rows: sum(report.tables, (t) => t.processed_rows), processed_bytes: sum(report.tables, (t) => t.processed_bytes),
          error_code: report.error?.code ?? null, error_message: report.error?.message ?? null,
        })
        .where('id', '=', lease.jobId)
        .where('status', '=', 'running')
        .where('lease_token', '=', lease.token)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) {
        const row = await trx.selectFrom('jobs').select(['status', 'lease_token']).where('id', '=', lease.jobId).executeTakeFirst();
        if (row?.lease_token === lease.token && row.status === report.status) return; // our earlier try committed
        throw new LeaseLostError(lease.jobId);
      }
      await writeTableProgress(trx, lease.jobId, report.tables);
      await closeUnfinishedTables(trx, lease.jobId, report.status, report.error, now);
      await trx.deleteFrom('job_locks').where('job_id', '=', lease.jobId).execute();
      await insertEvents(trx, lease.jobId, [
        ...events,
        // The final row count rides along: the last stretch of a job's rate chart ends here, not at its last heartbeat.
        { type: 'job:finished', level: report.status === 'completed' ? 'info' : report.status === 'failed' ? 'error' : 'warn', message: `job ${report.status}${report.error ? `: ${report.error.message}` : ''}`, at_ms: now, data: { status: report.status, error: report.error, processed_rows: sum(report.tables, (t) => t.processed_rows) } },
      ]);
    });
  }

  /** Cancel from anywhere: a pending job ends at once; a running one is flagged for its owner (or the reaper). */
  async requestCancel(jobId: string, now: number): Promise<'cancelled' | 'requested'> {
    return this.db.transaction().execute(async (trx) => {
      const job = await trx.selectFrom('jobs').select(['status', 'cancel_requested_at_ms']).where('id', '=', jobId).executeTakeFirst();
      if (!job) throw new DbfError('DBF_JOB_NOT_FOUND', `no job "${jobId}"`);
      const pending = await trx
        .updateTable('jobs')
        .set({ status: 'cancelled', cancel_requested_at_ms: now, finished_at_ms: now, updated_at_ms: now })
        .where('id', '=', jobId)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      if (Number(pending.numUpdatedRows) === 1) {
        await closeUnfinishedTables(trx, jobId, 'cancelled', null, now);
        await trx.deleteFrom('job_locks').where('job_id', '=', jobId).execute();
        await insertEvents(trx, jobId, [
          { type: 'job:cancel_requested', level: 'warn', message: 'cancel requested', at_ms: now },
          { type: 'job:finished', level: 'warn', message: 'job cancelled before it started', at_ms: now, data: { status: 'cancelled', error: null } },
        ]);
        return 'cancelled';
      }
      const running = await trx
        .updateTable('jobs')
        .set({ cancel_requested_at_ms: now, updated_at_ms: now })
        .where('id', '=', jobId)
        .where('status', '=', 'running')
        .where('cancel_requested_at_ms', 'is', null)
        .executeTakeFirst();
      if (Number(running.numUpdatedRows) === 1) {
        await insertEvents(trx, jobId, [{ type: 'job:cancel_requested', level: 'warn', message: 'cancel requested; the worker stops at its next heartbeat', at_ms: now }]);
        return 'requested';
      }
      if (job.status === 'running') return 'requested';
      throw new DbfError('DBF_JOB_NOT_ACTIVE', `job ${jobId} has already finished (${job.status})`);
    });
  }

  /**
   * Settles a running job whose worker is gone: back to pending as the next attempt while attempts
   * remain (checkpoints keep its progress), else failed with `code`; cancelled if a cancel was asked.
   * Guarded by the token the caller saw and, for the reaper, by the heartbeat still being stale.
   */
  async settleLost(jobId: string, seenToken: string | null, now: number, reason: { code: ErrorCode; message: string; staleBefore?: number; noRetry?: boolean }): Promise<'retried' | 'failed' | 'cancelled' | null> {
    return this.db.transaction().execute(async (trx) => {
      const job = await trx.selectFrom('jobs').selectAll().where('id', '=', jobId).executeTakeFirst();
      if (!job || job.status !== 'running' || job.lease_token !== seenToken) return null;
      const last = job.heartbeat_at_ms ?? job.started_at_ms ?? job.claimed_at_ms ?? job.created_at_ms;
      if (reason.staleBefore !== undefined && last >= reason.staleBefore) return null;
      const outcome = job.cancel_requested_at_ms !== null ? 'cancelled' : job.attempt < job.max_attempts && !reason.noRetry ? 'retried' : 'failed';
      let update = trx.updateTable('jobs').where('id', '=', jobId).where('status', '=', 'running');
      update = seenToken === null ? update.where('lease_token', 'is', null) : update.where('lease_token', '=', seenToken);
      if (reason.staleBefore !== undefined) {
        update = update.where((eb) => eb(eb.fn.coalesce('heartbeat_at_ms', 'started_at_ms', 'claimed_at_ms', 'created_at_ms'), '<', reason.staleBefore ?? 0));
      }
      const set =
        outcome === 'retried'
          ? { status: 'pending', attempt: job.attempt + 1, worker_id: null, lease_token: null, lease_expires_at_ms: null, heartbeat_at_ms: null, claimed_at_ms: null, current_table: null, reaped_count: job.reaped_count + 1, updated_at_ms: now }
          : // The token is cleared: `finish` reads "status as reported + my token" as its own earlier commit,
            // so a stale owner whose job a settle failed or cancelled must not find its token here.
            { status: outcome, finished_at_ms: now, lease_token: null, lease_expires_at_ms: null, current_table: null, reaped_count: job.reaped_count + 1, updated_at_ms: now,
              error_code: outcome === 'failed' ? reason.code : null, error_message: outcome === 'failed' ? reason.message : null };
      const result = await update.set(set).executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) return null;
      const events: JobEventInput[] = [{ type: 'job:reaped', level: 'warn', message: `${reason.message} (attempt ${job.attempt} of ${job.max_attempts})`, at_ms: now, data: { code: reason.code, worker_id: job.worker_id } }];
      if (outcome === 'retried') {
        await trx.updateTable('job_tables').set({ status: 'pending' }).where('job_id', '=', jobId).where('status', '=', 'running').execute();
        events.push({ type: 'job:retried', level: 'info', message: `retrying as attempt ${job.attempt + 1} from its checkpoints`, at_ms: now });
      } else {
        const error = outcome === 'failed' ? { code: reason.code, message: reason.message } : null;
        await closeUnfinishedTables(trx, jobId, outcome, error, now);
        await trx.deleteFrom('job_locks').where('job_id', '=', jobId).execute();
        events.push({ type: 'job:finished', level: outcome === 'failed' ? 'error' : 'warn', message: `job ${outcome}${error ? `: ${error.message}` : ''}`, at_ms: now, data: { status: outcome, error } });
      }
      await insertEvents(trx, jobId, events);
      return outcome;
    });
  }

  /** Running jobs whose last sign of life is older than the lease, and jobs past their runtime limit. */
  async findStale(now: number, leaseMs: number): Promise<Array<Pick<JobRow, 'id' | 'lease_token' | 'worker_id' | 'started_at_ms' | 'timeout_ms' | 'heartbeat_at_ms'> & { expired: boolean }>> {
    const rows = await this.db
      .selectFrom('jobs')
      .select(['id', 'lease_token', 'worker_id', 'started_at_ms', 'timeout_ms', 'heartbeat_at_ms', 'claimed_at_ms', 'created_at_ms'])
      .where('status', '=', 'running')
      .execute();
    return rows
      .map((r) => ({ ...r, expired: (r.heartbeat_at_ms ?? r.started_at_ms ?? r.claimed_at_ms ?? r.created_at_ms) < now - leaseMs }))
      .filter((r) => r.expired || (r.timeout_ms !== null && r.timeout_ms > 0 && r.started_at_ms !== null && r.started_at_ms + r.timeout_ms + leaseMs < now));
  }

  async jobTables(jobId: string): Promise<JobTableRow[]> {
    return this.db.selectFrom('job_tables').selectAll().where('job_id', '=', jobId).orderBy('position').execute();
  }

  async findRunning(): Promise<Array<Pick<JobRow, 'id' | 'lease_token' | 'worker_id'>>> {
    return this.db.selectFrom('jobs').select(['id', 'lease_token', 'worker_id']).where('status', '=', 'running').execute();
  }

  /** Appends events under the lease (a worker's log lines between heartbeats). */
  async appendEvents(lease: LeaseHolder, events: readonly JobEventInput[], now: number): Promise<void> {
    if (events.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      await assertLease(trx, lease, now);
      await insertEvents(trx, lease.jobId, events);
    });
  }

  private async lockConflict(locks: readonly string[], cause: unknown): Promise<DbfError> {
    const held = await this.db.selectFrom('job_locks').select(['lock_key', 'job_id']).where('lock_key', 'in', [...locks]).execute();
    const config = held.find((h) => h.lock_key.startsWith('config:'));
    if (config) return new DbfError('DBF_JOB_ALREADY_ACTIVE', `the sync config already has an active job (${config.job_id})`, { cause, details: { job_id: config.job_id } });
    const target = held[0];
    const where = target?.lock_key.replace(/^target:/, '') ?? 'a target table';
    return new DbfError('DBF_TARGET_BUSY', `active job ${target?.job_id ?? '?'} already writes ${where}`, { cause, details: { job_id: target?.job_id } });
  }
}

async function assertLease(trx: Trx, lease: LeaseHolder, now: number): Promise<void> {
  const result = await trx.updateTable('jobs').set({ updated_at_ms: now }).where('id', '=', lease.jobId).where('status', '=', 'running').where('lease_token', '=', lease.token).executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) throw new LeaseLostError(lease.jobId);
}

/**
 * Appends events; an event worth an alert (a reaped job, a failed job) also goes to the `job_alerts`
 * outbox in the same transaction, so the webhook learns of exactly the changes that committed.
 */
async function insertEvents(trx: Trx, jobId: string, events: readonly JobEventInput[]): Promise<void> {
  for (const e of events) {
    await trx
      .insertInto('job_events')
      .values({ job_id: jobId, at_ms: e.at_ms, level: e.level, type: e.type, table_name: e.table_name ?? null, message: e.message, data: e.data === undefined ? null : JSON.stringify(e.data) })
      .execute();
    const alert = alertOf(e);
    if (alert) await trx.insertInto('job_alerts').values({ job_id: jobId, kind: alert.kind, code: alert.code, message: e.message, created_at_ms: e.at_ms, next_attempt_at_ms: e.at_ms }).execute();
  }
}

function alertOf(e: JobEventInput): { kind: 'job.reaped' | 'job.failed'; code: string | null } | null {
  const data = (e.data ?? {}) as { code?: string; status?: string; error?: { code?: string } | null };
  if (e.type === 'job:reaped') return { kind: 'job.reaped', code: data.code ?? null };
  if (e.type === 'job:finished' && data.status === 'failed') return { kind: 'job.failed', code: data.error?.code ?? null };
  return null;
}

async function writeTableProgress(trx: Trx, jobId: string, tables: readonly TableProgress[]): Promise<void> {
  for (const t of tables) {
    await trx
      .updateTable('job_tables')
      .set({
        status: t.status, total_rows: t.total_rows, processed_rows: t.processed_rows, processed_bytes: t.processed_bytes,
        started_at_ms: t.started_at_ms, finished_at_ms: t.finished_at_ms,
        ...(t.verified === undefined ? {} : { verified: t.verified === null ? null : t.verified ? 1 : 0 }),
        ...(t.error === undefined ? {} : { error_code: t.error?.code ?? null, error_message: t.error?.message ?? null }),
        ...(t.cursor_column === undefined ? {} : { cursor_column: t.cursor_column }),
      })
      .where('job_id', '=', jobId)
      .where('target_table', '=', t.target_table)
      .execute();
  }
}

/** A finished job has no table left pending or running (a doctor invariant). */
async function closeUnfinishedTables(trx: Trx, jobId: string, status: TerminalStatus, error: { code: string; message: string } | null, now: number): Promise<void> {
  const tableStatus: TableStatus = status === 'cancelled' ? 'cancelled' : status === 'failed' ? 'failed' : 'skipped';
  await trx
    .updateTable('job_tables')
    .set({ status: tableStatus, finished_at_ms: now, error_code: error?.code ?? null, error_message: error?.message ?? null })
    .where('job_id', '=', jobId)
    .where('status', 'in', ['pending', 'running'])
    .execute();
}
