import { setTimeout as sleep } from 'node:timers/promises';
import { availableParallelism } from 'node:os';
import { DbfError, toDbfError } from '../domain/errors.js';
import { copyEngineFor } from '../engines/copy-registry.js';
import type { CopyEngine, CopySource, CopyTable, CopyTarget, ObjectCopier } from '../engines/copy-ports.js';
import type { JobRow } from '../store/schema.js';
import type { Task, TaskContext } from '../jobs/task.js';
import type { SyncRequest, SyncTableRequest } from './sync-request.js';
import { TableCopier } from './table-copier.js';

export interface SyncTaskDeps {
  /** The job's stored spec resolved into connection specs (passwords opened in memory only). */
  readonly resolve: (job: JobRow) => Promise<SyncRequest>;
  readonly connectTimeoutMs: number;
  readonly now: () => number;
}

/** One source and one target session: a lane copies one table at a time. */
interface Lane {
  source: CopySource;
  target: CopyTarget;
}

interface PlannedTable {
  readonly mapping: SyncTableRequest;
  readonly table: CopyTable;
  readonly ddl: string;
}

/** Retries of a table after a transient error (lost connection, deadlock), resuming from its checkpoint. */
const TABLE_RETRIES = 3;

/**
 * Lanes copied at once when the config does not say: two. Measured here (performance.md), the target
 * server's CPU is the bottleneck; two tables in parallel was the big win on 2 cores, and more lanes
 * or PK-range chunks inside a table did not help. More cores allow more lanes, up to 4.
 */
export function defaultLanes(): number {
  return Math.max(2, Math.min(4, availableParallelism()));
}

/**
 * The `sync` task: what a job of a config or a one-shot sync runs. It describes the tables, in the
 * job's order (a config's sort_order; parents first for a one-shot sync), then copies them over lanes under the
 * concurrency limit, each table by a TableCopier. Tables that a previous attempt completed are
 * skipped; a failed table is reported and the others go on (the job then ends failed). A cancel
 * kills the server-side statements of every lane at once, so the job stops within seconds.
 */
export class SyncTask implements Task {
  readonly name = 'sync';

  constructor(private readonly deps: SyncTaskDeps) {}

  async run(context: TaskContext): Promise<void> {
    const request = await this.deps.resolve(context.job);
    const engine = copyEngineFor(request.source, request.target);
    const lanes: Lane[] = [];
    const interruptAll = (): void => {
      for (const lane of lanes) {
        for (const end of [lane.source, lane.target]) {
          end.interrupt().catch((error: unknown) => context.log('warn', `stopping a statement on cancel failed: ${toDbfError(error).message}`));
        }
      }
    };
    context.signal.addEventListener('abort', interruptAll, { once: true });
    try {
      const first = await this.#openLane(engine, request, (outcome, target) => {
        if (outcome === 'created') context.log('info', `created the target database (${target.describe()})`);
      });
      lanes.push(first);
      const planned = await this.#plan(first.source, request, context);
      const todo = planned.filter((p) => context.tables.find((t) => t.target_table === p.mapping.target_table)?.status !== 'completed');
      const wanted = Math.min(request.options.max_concurrency ?? defaultLanes(), Math.max(1, todo.length));
      while (lanes.length < wanted) {
        context.signal.throwIfAborted();
        lanes.push(await this.#openLane(engine, request));
      }
      const queue = [...todo];
      await Promise.all(lanes.map((lane) => this.#drain(engine, lane, queue, request, context)));
      if (request.options.objects) await copyObjects(engine, first, planned.map((p) => p.mapping), context);
    } finally {
      context.signal.removeEventListener('abort', interruptAll);
      await Promise.allSettled(lanes.flatMap((lane) => [lane.source.close(), lane.target.close()]));
    }
  }

  /** Opens a source and a target session, the target database created if missing (and selected). */
  async #openLane(engine: CopyEngine, request: SyncRequest, onDatabase?: (outcome: 'created' | 'exists', target: CopyTarget) => void): Promise<Lane> {
    const options = { timeoutMs: this.deps.connectTimeoutMs };
    const source = await engine.openSource(request.source, options);
    let target: CopyTarget | null = null;
    try {
      target = await engine.openTarget(request.target, source, options);
      const outcome = await target.ensureDatabase();
      onDatabase?.(outcome, target);
      return { source, target };
    } catch (error) {
      await Promise.allSettled([source.close(), target?.close()]);
      throw error;
    }
  }

  /** Describes every table (a missing one fails alone), in the order the job copies them. */
  async #plan(source: CopySource, request: SyncRequest, context: TaskContext): Promise<PlannedTable[]> {
    const planned: PlannedTable[] = [];
    for (const mapping of request.tables) {
      context.signal.throwIfAborted();
      const refusal = unsupported(mapping);
      if (refusal) {
        context.progress.tableFailed(mapping.target_table, { code: refusal.code, message: refusal.message });
        continue;
      }
      try {
        const table = await source.table(mapping.source_table);
        planned.push({ mapping, table, ddl: await source.createStatement(mapping.source_table) });
      } catch (error) {
        const failure = toDbfError(error);
        if (failure.code !== 'DBF_TABLE_NOT_FOUND') throw failure;
        context.progress.tableFailed(mapping.target_table, { code: failure.code, message: failure.message });
      }
    }
    return planned;
  }

  async #drain(engine: CopyEngine, lane: Lane, queue: PlannedTable[], request: SyncRequest, context: TaskContext): Promise<void> {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      context.signal.throwIfAborted();
      await this.#copyWithRetries(engine, lane, next, request, context);
    }
  }

  /**
   * One table, retried on transient errors (a lost connection, a deadlock, a lock wait timeout) on
   * fresh sessions with backoff, each try resuming from the table's checkpoint. Opening the fresh
   * sessions is part of the try: a server still unreachable costs one of the retries, not the job.
   */
  async #copyWithRetries(engine: CopyEngine, lane: Lane, planned: PlannedTable, request: SyncRequest, context: TaskContext): Promise<void> {
    const name = planned.mapping.target_table;
    context.progress.tableStarted(name, planned.table.rowEstimate);
    let reopen = false;
    for (let retry = 0; ; retry += 1) {
      try {
        if (reopen) {
          await Promise.allSettled([lane.source.close(), lane.target.close()]);
          Object.assign(lane, await this.#openLane(engine, request));
          reopen = false;
        }
        const limits = lane.target.batchLimits(planned.table);
        const copier = new TableCopier(
          {
            engine, source: lane.source, target: lane.target, task: context, options: request.options, now: this.deps.now,
            batchRows: Math.min(limits.rows, request.options.batch_size ?? limits.rows), batchBytes: limits.bytes,
          },
          planned.table, planned.mapping, planned.ddl,
        );
        const result = await copier.run();
        context.progress.tableProgress(name, result.rows, result.bytes);
        context.progress.tableCompleted(name, result.verified);
        return;
      } catch (error) {
        if (context.signal.aborted) throw context.signal.reason;
        const failure = toDbfError(error);
        if (!failure.spec.retryable || retry >= TABLE_RETRIES) {
          context.progress.tableFailed(name, { code: failure.code, message: failure.message });
          return;
        }
        const delay = 500 * 2 ** retry;
        context.log('warn', `${name}: ${failure.message}; retrying in ${delay} ms from its checkpoint (${retry + 1} of ${TABLE_RETRIES})`, { table: name });
        await sleep(delay, undefined, { signal: context.signal }).catch(() => {
          throw context.signal.reason;
        });
        reopen = true;
      }
    }
  }
}

/**
 * `--objects`: after every table is in place (so no trigger fires during the load), the source's views,
 * routines, triggers and events are created on the target. Skipped when a table failed (the objects
 * would point at tables that are not there); triggers of tables not in this copy are left out.
 */
async function copyObjects(engine: CopyEngine, lane: Lane, mappings: readonly SyncTableRequest[], context: TaskContext): Promise<void> {
  const failed = context.progress.snapshot().tables.filter((t) => t.status === 'failed').length;
  if (failed > 0) return context.log('warn', `objects not copied: ${failed} table${failed === 1 ? '' : 's'} failed`);
  const copier = objectCopierOf(engine, lane.source.describe());
  const copied = new Set(mappings.map((m) => m.source_table));
  const all = await copier.list(lane.source);
  const objects = all.filter((o) => o.table === null || copied.has(o.table));
  context.signal.throwIfAborted();
  await copier.create(lane.target, objects);
  const counts = new Map<string, number>();
  for (const o of objects) counts.set(o.kind, (counts.get(o.kind) ?? 0) + 1);
  const summary = [...counts].map(([kind, n]) => `${n} ${kind}${n === 1 ? '' : 's'}`).join(', ');
  context.log('info', `objects created: ${summary === '' ? 'none in the source' : summary}${objects.length < all.length ? ` (${all.length - objects.length} triggers of tables not copied left out)` : ''}`);
}

export function objectCopierOf(engine: CopyEngine, server: string): ObjectCopier {
  if (!engine.objects) throw new DbfError('DBF_NOT_IMPLEMENTED', `copying views, routines, triggers and events (--objects) from ${server} has not landed yet`);
  return engine.objects;
}

/** Table modes and options this copy engine does not do yet: the table fails with a clear error. */
function unsupported(mapping: SyncTableRequest): DbfError | null {
  if (mapping.mode === 'incremental') return new DbfError('DBF_NOT_IMPLEMENTED', `${mapping.target_table}: incremental sync has not landed yet (use sync_mode full)`);
  if (mapping.where_clause !== null) return new DbfError('DBF_NOT_IMPLEMENTED', `${mapping.target_table}: row filters (where_clause) in copies have not landed yet`);
  return null;
}
