import { z } from 'zod';
import type { ConnectionService } from '../catalog/connection-service.js';
import { iso } from '../catalog/connection-view.js';
import type { SyncConfigService } from '../catalog/sync-config-service.js';
import { DbfError } from '../domain/errors.js';
import { atDatabase, targetTableKey } from '../engines/copy-registry.js';
import { ACTIVE_STATUSES, JOB_STATUSES, LOG_LEVELS, TERMINAL_STATUSES } from '../domain/job.js';
import type { JobTrigger } from '../domain/job.js';
import { parseInput, wholeNumber } from '../domain/validation.js';
import type { StoreDb } from '../store/open-store.js';
import type { JobEventRow, JobRow } from '../store/schema.js';
import type { JobStore } from './job-store.js';
import { toJobView } from './job-view.js';
import type { JobView } from './job-view.js';
import { TEST_TASK, testJobSpecSchema } from './test-task.js';

export interface JobServiceDeps {
  readonly db: StoreDb;
  readonly store: JobStore;
  readonly configs: SyncConfigService;
  readonly connections: ConnectionService;
  readonly now: () => number;
  readonly maxAttempts: number;
  readonly jobTimeoutMs: number;
  readonly allowTestJobs: boolean;
  /** Called after a job is enqueued (wakes a runner in this process, if any). */
  readonly onEnqueued?: () => void;
}

export interface JobEventView {
  readonly id: number;
  readonly job_id: string;
  readonly at: string;
  readonly level: string;
  readonly type: string;
  readonly table_name: string | null;
  readonly message: string;
  readonly data: unknown;
}

export interface Page<T> {
  readonly items: T[];
  readonly total: number;
  readonly limit: number;
  readonly offset: number;
}

const paging = {
  limit: wholeNumber(1, 500).default(50),
  offset: wholeNumber(0, 1_000_000_000).default(0),
};
export const jobListQuery = z.object({ status: z.enum(JOB_STATUSES).optional(), config_id: z.string().max(128).optional(), ...paging }).strict();
export const jobHistoryQuery = z.object({ config_id: z.string().max(128).optional(), ...paging }).strict();
export const jobLogsQuery = z.object({ level: z.enum(LOG_LEVELS).optional(), after_id: wholeNumber(0, Number.MAX_SAFE_INTEGER).optional(), ...paging, limit: wholeNumber(1, 1000).default(200) }).strict();
export const jobPruneQuery = z.object({ older_than_days: wholeNumber(1, 36_500) }).strict();
const levelRank = (level: string): number => LOG_LEVELS.indexOf(level as (typeof LOG_LEVELS)[number]);

export function toEventView(row: JobEventRow): JobEventView {
  return { id: row.id, job_id: row.job_id, at: iso(row.at_ms) ?? '', level: row.level, type: row.type, table_name: row.table_name, message: row.message, data: row.data === null ? null : (JSON.parse(row.data) as unknown) };
}

/**
 * What the API and CLI do with jobs: start (for a config, or a test job), read (one, lists, active,
 * history, logs, events) and cancel. Every read goes to the store: the active list is the query
 * `status IN (pending, running)`, nothing else (invariant 1).
 */
export class JobService {
  constructor(private readonly deps: JobServiceDeps) {}

  /** Starts a job for a saved config: 409 if the config (or one of its target tables) already has one. */
  async startConfig(ref: string, trigger: JobTrigger): Promise<JobView> {
    const config = await this.deps.configs.get(ref);
    if (!config.enabled) throw new DbfError('DBF_SYNC_CONFIG_DISABLED', `sync config "${config.name}" is disabled: enable it to run it`);
    const target = atDatabase(await this.deps.connections.resolveSpec(config.target_connection_id), config.target_database ?? config.source_database);
    const tables = config.tables.filter((t) => t.enabled).map((t) => ({ source_table: t.source_table, target_table: t.target_table, mode: t.sync_mode }));
    const id = await this.deps.store.enqueue(
      {
        task: 'sync', spec: { config }, configId: config.id, configName: config.name, trigger, maxAttempts: this.deps.maxAttempts,
        timeoutMs: this.deps.jobTimeoutMs > 0 ? this.deps.jobTimeoutMs : null, tables,
        locks: [`config:${config.id}`, ...tables.map((t) => targetTableKey(target, t.target_table))],
      },
      this.deps.now(),
    );
    this.deps.onEnqueued?.();
    return this.get(id);
  }

  /** A job of the built-in test task (only with `allow_test_jobs`). */
  async startTest(body: unknown, trigger: JobTrigger, options: { name?: string; maxAttempts?: number; timeoutMs?: number | null } = {}): Promise<JobView> {
    if (!this.deps.allowTestJobs) throw new DbfError('DBF_INVALID_INPUT', 'test jobs are disabled: set allow_test_jobs (DBFERRY_ALLOW_TEST_JOBS=true) to run them');
    const spec = parseInput(testJobSpecSchema, body, 'DBF_INVALID_INPUT', 'test job');
    const name = options.name ?? null;
    const id = await this.deps.store.enqueue(
      {
        task: TEST_TASK, spec, configId: null, configName: name, trigger, maxAttempts: options.maxAttempts ?? this.deps.maxAttempts,
        timeoutMs: options.timeoutMs === undefined ? (this.deps.jobTimeoutMs > 0 ? this.deps.jobTimeoutMs : null) : options.timeoutMs,
        tables: spec.tables.map((t) => ({ source_table: t.name, target_table: t.name, mode: 'test', total_rows: t.rows })),
        locks: name === null ? [] : [`test:${name}`],
      },
      this.deps.now(),
    );
    this.deps.onEnqueued?.();
    return this.get(id);
  }

  async get(id: string): Promise<JobView> {
    const row = await this.deps.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new DbfError('DBF_JOB_NOT_FOUND', `no job "${id}"`);
    return this.#view(row);
  }

  async list(query: unknown): Promise<Page<JobView>> {
    const q = parseInput(jobListQuery, query ?? {});
    let select = this.deps.db.selectFrom('jobs');
    if (q.status) select = select.where('status', '=', q.status);
    if (q.config_id) select = select.where('config_id', '=', q.config_id);
    const total = await select.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const rows = await select.selectAll().orderBy('created_at_ms', 'desc').orderBy('id').limit(q.limit).offset(q.offset).execute();
    return { items: await this.#views(rows), total: Number(total.n), limit: q.limit, offset: q.offset };
  }

  /** Exactly the jobs whose stored status is pending or running. */
  async active(): Promise<JobView[]> {
    const rows = await this.deps.db.selectFrom('jobs').selectAll().where('status', 'in', [...ACTIVE_STATUSES]).orderBy('created_at_ms').execute();
    return this.#views(rows);
  }

  async history(query: unknown): Promise<Page<JobView>> {
    const q = parseInput(jobHistoryQuery, query ?? {});
    let select = this.deps.db.selectFrom('jobs').where('status', 'in', [...TERMINAL_STATUSES]);
    if (q.config_id) select = select.where('config_id', '=', q.config_id);
    const total = await select.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const rows = await select.selectAll().orderBy('finished_at_ms', 'desc').orderBy('id').limit(q.limit).offset(q.offset).execute();
    return { items: await this.#views(rows), total: Number(total.n), limit: q.limit, offset: q.offset };
  }

  /** A job's log, oldest first; `level` keeps that level and above; `after_id` follows a live log. */
  async logs(id: string, query: unknown): Promise<Page<JobEventView>> {
    await this.get(id);
    const q = parseInput(jobLogsQuery, query ?? {});
    let select = this.deps.db.selectFrom('job_events').where('job_id', '=', id);
    if (q.level) select = select.where('level', 'in', LOG_LEVELS.filter((l) => levelRank(l) >= levelRank(q.level ?? 'debug')));
    if (q.after_id !== undefined) select = select.where('id', '>', q.after_id);
    const total = await select.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const rows = await select.selectAll().orderBy('id').limit(q.limit).offset(q.offset).execute();
    return { items: rows.map(toEventView), total: Number(total.n), limit: q.limit, offset: q.offset };
  }

  /** Events of every job after an id (the SSE stream's source), oldest first. */
  async eventsAfter(afterId: number, limit = 500): Promise<JobEventView[]> {
    const rows = await this.deps.db.selectFrom('job_events').selectAll().where('id', '>', afterId).orderBy('id').limit(limit).execute();
    return rows.map(toEventView);
  }

  async lastEventId(): Promise<number> {
    const row = await this.deps.db.selectFrom('job_events').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst();
    return Number(row?.id ?? 0);
  }

  async cancel(id: string): Promise<{ outcome: 'cancelled' | 'requested'; job: JobView }> {
    const outcome = await this.deps.store.requestCancel(id, this.deps.now());
    return { outcome, job: await this.get(id) };
  }

  /**
   * The explicit retention policy: deletes finished jobs (with their tables, events and job-scoped
   * checkpoints) that ended more than `older_than_days` ago. Active jobs are never touched; nothing
   * else ever deletes history.
   */
  async prune(query: unknown): Promise<{ deleted: number; before: string }> {
    const { older_than_days } = parseInput(jobPruneQuery, query ?? {});
    const cutoff = this.deps.now() - older_than_days * 86_400_000;
    const deleted = await this.deps.db.transaction().execute(async (trx) => {
      const old = await trx.selectFrom('jobs').select('id').where('status', 'in', [...TERMINAL_STATUSES]).where('finished_at_ms', '<', cutoff).execute();
      const ids = old.map((r) => r.id);
      for (let i = 0; i < ids.length; i += 500) {
        const batch = ids.slice(i, i + 500);
        await trx.deleteFrom('job_events').where('job_id', 'in', batch).execute();
        await trx.deleteFrom('job_alerts').where('job_id', 'in', batch).execute();
        await trx.deleteFrom('job_tables').where('job_id', 'in', batch).execute();
        await trx.deleteFrom('checkpoints').where('job_id', 'in', batch).where('scope_key', 'like', 'job:%').execute();
        await trx.deleteFrom('jobs').where('id', 'in', batch).execute();
      }
      return ids.length;
    });
    return { deleted, before: iso(cutoff) ?? '' };
  }

  async #view(row: JobRow): Promise<JobView> {
    return toJobView(row, await this.deps.store.jobTables(row.id), this.deps.now());
  }

  async #views(rows: JobRow[]): Promise<JobView[]> {
    if (rows.length === 0) return [];
    const tables = await this.deps.db.selectFrom('job_tables').selectAll().where('job_id', 'in', rows.map((r) => r.id)).orderBy('position').execute();
    const now = this.deps.now();
    return rows.map((row) => toJobView(row, tables.filter((t) => t.job_id === row.id), now));
  }
}
