import { setTimeout as sleep } from 'node:timers/promises';
import { availableParallelism } from 'node:os';
import { DbfError, toDbfError } from '../domain/errors.js';
import { copyEngineFor } from '../engines/copy-registry.js';
import type { CopyEngine, CopySource, CopyTable, CopyTarget, CursorCandidate, ObjectCopier } from '../engines/copy-ports.js';
import type { JobRow } from '../store/schema.js';
import type { SyncOptions } from '../catalog/sync-config-input.js';
import type { Task, TaskContext } from '../jobs/task.js';
import type { SyncRequest, SyncTableRequest } from './sync-request.js';
import { DEFAULT_SPLIT_MIN_ROWS, TableCopier } from './table-copier.js';
import { WorkQueue } from './work-queue.js';
import { changesOf, PREFLIGHT_CODES, preflightTable } from './table-preflight.js';
import { describeMark, IncrementalCopier, isIncrementalState, markScopeKey } from './incremental-copier.js';
import type { IncrementalState } from './incremental-copier.js';
import type { Interruptible, TablePart } from './table-copier.js';

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
  /** Described by the engine, with the mapping's row filter. */
  readonly table: CopyTable;
  readonly ddl: string;
  /** An incremental table's cursor (configured or detected). */
  readonly cursor: CursorCandidate | null;
  /** An incremental table's stored mark for that cursor: its run applies changes (if the target table is there). */
  readonly state: IncrementalState | null;
  /** What is stored under the table's mark key, whatever it is (to say why there is no mark). */
  readonly saved: unknown;
}

/** What a table step's retries need of the copier (full or incremental). */
interface TableStep {
  readonly mapping: SyncTableRequest;
  readonly failed: boolean;
  abandon(error: DbfError, lane: Lane): Promise<DbfError | null>;
}

/** What a lane takes next: a table to start, or a part of a started table (taken first). */
type Work = { readonly kind: 'table'; readonly planned: PlannedTable } | { readonly kind: 'part'; readonly copier: TableCopier; readonly part: TablePart };

/** What the lanes of one run share. */
interface RunState {
  readonly engine: CopyEngine;
  readonly request: SyncRequest;
  readonly context: TaskContext;
  readonly work: WorkQueue<Work>;
  readonly lanes: number;
  /** Sessions beyond the lanes' (split tables' readers, extra writers of changes), interrupted with the lanes on cancel. */
  readonly extraSessions: Set<Interruptible>;
  /** What a table's first (full) incremental run records once it is in place: its mark. */
  readonly onCompleted: WeakMap<TableCopier, () => Promise<void>>;
}

/** Retries of a table after a transient error (lost connection, deadlock), resuming from its checkpoint. */
const TABLE_RETRIES = 3;

/**
 * Lanes copied at once when the config does not say: two. Measured here (performance.md), the target
 * server's CPU is the bottleneck; two lanes in parallel was the big win on 2 cores, and a third lane
 * made a clone slower (21.4 s vs 17.4 s on the benchmark). More cores allow more lanes, up to 4.
 * Large tables are cut into one part per lane (see TableCopier), so the lanes end together.
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
    const extraSessions = new Set<Interruptible>();
    const interruptAll = (): void => {
      for (const end of [...lanes.flatMap((lane) => [lane.source, lane.target]), ...extraSessions]) {
        end.interrupt().catch((error: unknown) => context.log('warn', `stopping a statement on cancel failed: ${toDbfError(error).message}`));
      }
    };
    context.signal.addEventListener('abort', interruptAll, { once: true });
    try {
      const first = await this.#openLane(engine, request, (outcome, target) => {
        if (outcome === 'created') context.log('info', `created the target database (${target.describe()})`);
      });
      lanes.push(first);
      const planned = await this.#plan(engine, first.source, request, context);
      const todo = planned.filter((p) => context.tables.find((t) => t.target_table === p.mapping.target_table)?.status !== 'completed');
      const wanted = lanesFor(engine, todo, request);
      while (lanes.length < wanted) {
        context.signal.throwIfAborted();
        lanes.push(await this.#openLane(engine, request));
      }
      const run: RunState = { engine, request, context, work: new WorkQueue<Work>(todo.map((p) => ({ kind: 'table', planned: p }))), lanes: lanes.length, extraSessions, onCompleted: new WeakMap() };
      await Promise.all(lanes.map((lane) => this.#drain(lane, run)));
      if (request.options.objects) await copyObjects(engine, first, planned.map((p) => p.mapping), context);
    } finally {
      context.signal.removeEventListener('abort', interruptAll);
      await Promise.allSettled([...lanes.flatMap((lane) => [lane.source.close(), lane.target.close()]), ...[...extraSessions].map((s) => s.close())]);
    }
  }

  /** Opens a source and a target session, the target database created if missing (and selected). */
  async #openLane(engine: CopyEngine, request: SyncRequest, onDatabase?: (outcome: 'created' | 'exists', target: CopyTarget) => void): Promise<Lane> {
    const source = await engine.openSource(request.source, { timeoutMs: this.deps.connectTimeoutMs });
    try {
      return { source, target: await this.#openTarget(engine, request, source, onDatabase) };
    } catch (error) {
      return closeAndThrow(source, error);
    }
  }

  /** A target session in the target database (created if missing): a lane's, or a second writer of an incremental table. */
  async #openTarget(engine: CopyEngine, request: SyncRequest, source: CopySource, onDatabase?: (outcome: 'created' | 'exists', target: CopyTarget) => void): Promise<CopyTarget> {
    const target = await engine.openTarget(request.target, source, { timeoutMs: this.deps.connectTimeoutMs });
    try {
      onDatabase?.(await target.ensureDatabase(), target);
      return target;
    } catch (error) {
      return closeAndThrow(target, error);
    }
  }

  /**
   * Describes every table, in the order the job copies them, with its row filter and (incremental) its
   * cursor. A table that cannot be copied (missing, no cursor, a capability the engine lacks) fails
   * alone; the others go on.
   */
  async #plan(engine: CopyEngine, source: CopySource, request: SyncRequest, context: TaskContext): Promise<PlannedTable[]> {
    const planned: PlannedTable[] = [];
    for (const mapping of request.tables) {
      context.signal.throwIfAborted();
      try {
        const { table, cursor: chosen } = await preflightTable(engine, source, mapping);
        const cursor = chosen?.cursor ?? null;
        if (chosen !== null && cursor !== null) {
          context.progress.tableCursor(mapping.target_table, cursor.column);
          if (chosen.how === 'detected') context.log('info', `${mapping.target_table}: following ${cursor.column} (detected${cursor.indexed ? '' : '; it has no index, so every run sorts the table'})`, { table: mapping.target_table });
        }
        const saved = cursor === null ? undefined : await context.loadCheckpoint(markScopeKey(request.source, request.target, mapping));
        const state = cursor !== null && isIncrementalState(saved) && saved.cursor === cursor.column ? saved : null;
        planned.push({ mapping, table, ddl: await source.createStatement(mapping.source_table), cursor, state, saved });
      } catch (error) {
        const failure = toDbfError(error);
        if (!PREFLIGHT_CODES.includes(failure.code)) throw failure;
        context.progress.tableFailed(mapping.target_table, { code: failure.code, message: failure.message });
      }
    }
    return planned;
  }

  async #drain(lane: Lane, run: RunState): Promise<void> {
    for (let next = await run.work.take(run.context.signal); next !== undefined; next = await run.work.take(run.context.signal)) {
      try {
        if (next.kind === 'table') await this.#startTable(lane, next.planned, run);
        else await this.#copyPart(lane, next.copier, next.part, run);
      } finally {
        run.work.release();
      }
    }
  }

  /** Prepares a table on this lane; its first part is copied here, the others go to the front of the work. */
  async #startTable(lane: Lane, planned: PlannedTable, run: RunState): Promise<void> {
    const { engine, request, context } = run;
    context.progress.tableStarted(planned.mapping.target_table, planned.table.rowEstimate);
    let afterFull: (() => Promise<void>) | null = null;
    if (planned.cursor !== null) {
      const started = await this.#startIncremental(lane, planned, planned.cursor, run);
      if (started === 'done') return;
      afterFull = started;
    }
    const copier = new TableCopier(
      {
        engine, task: context, options: request.options, parts: run.lanes, extraSessions: run.extraSessions, now: this.deps.now,
        openReader: () => engine.openSource(request.source, { timeoutMs: this.deps.connectTimeoutMs }),
      },
      planned.table, planned.mapping, planned.ddl,
    );
    if (afterFull !== null) run.onCompleted.set(copier, afterFull);
    const parts = await this.#withRetries(lane, copier, run, () => copier.prepare(lane));
    if (parts === undefined) return;
    const [first, ...others] = parts;
    run.work.pushFront(others.map((part): Work => ({ kind: 'part', copier, part })));
    if (first === undefined) await this.#finish(lane, copier, run);
    else await this.#copyPart(lane, copier, first, run);
  }

  /**
   * An incremental table with a mark (and its target table in place) copies its changes here; one
   * without is copied in full first, and answers what records its mark afterwards: the newest
   * position read before the copy (rows newer than it are copied again by the next run, harmlessly).
   */
  async #startIncremental(lane: Lane, planned: PlannedTable, cursor: CursorCandidate, run: RunState): Promise<'done' | (() => Promise<void>)> {
    const { engine, request, context } = run;
    const { mapping, state, saved } = planned;
    const changes = changesOf(engine, mapping);
    const scope = markScopeKey(request.source, request.target, mapping);
    if (state !== null && (await lane.target.tableExists(mapping.target_table))) {
      const copier = new IncrementalCopier(
        {
          changes, task: context, options: request.options, overlapSeconds: request.options.overlap_seconds, detectDeletes: request.options.detect_deletes, now: this.deps.now,
          writers: changeWriters(request.options, run.lanes), extraSessions: run.extraSessions,
          openWriter: () => this.#openTarget(engine, request, lane.source),
        },
        planned.table, mapping, planned.ddl, cursor, scope, state,
      );
      const result = await this.#withRetries(lane, stepWithoutCleanup(mapping), run, () => copier.run(lane));
      if (result !== undefined) {
        context.progress.tableProgress(mapping.target_table, result.rows, result.bytes);
        context.progress.tableCompleted(mapping.target_table, result.verified);
      }
      return 'done';
    }
    const mark = await this.#withRetries(lane, stepWithoutCleanup(mapping), run, () => changes.newestMark(lane.source, planned.table, cursor));
    context.log('info', `${mapping.target_table}: no mark yet${saved !== undefined && saved !== null && state === null ? ' for this cursor' : ''}: copying it in full, then following ${cursor.column} from ${describeMark(mark ?? null)}`, { table: mapping.target_table });
    return () => context.saveCheckpoint(scope, mapping.target_table, { cursor: cursor.column, mark: mark ?? null, saved_at: new Date(this.deps.now()).toISOString() });
  }

  async #copyPart(lane: Lane, copier: TableCopier, part: TablePart, run: RunState): Promise<void> {
    if (copier.failed) return;
    const last = await this.#withRetries(lane, copier, run, () => copier.loadPart(part, lane));
    if (last === true) await this.#finish(lane, copier, run);
  }

  async #finish(lane: Lane, copier: TableCopier, run: RunState): Promise<void> {
    const result = await this.#withRetries(lane, copier, run, () => copier.finish(lane));
    if (result === undefined) return;
    // Outside the retries: the table is swapped in, so a failure here costs only the mark (the next
    // run copies the table in full again), never a second swap.
    await run.onCompleted.get(copier)?.().catch((error: unknown) => {
      run.context.log('warn', `${copier.mapping.target_table}: its mark could not be saved (${toDbfError(error).message}); the next incremental run copies it in full again`, { table: copier.mapping.target_table });
    });
    const name = copier.mapping.target_table;
    run.context.progress.tableProgress(name, result.rows, result.bytes);
    run.context.progress.tableCompleted(name, result.verified);
  }

  /**
   * One step of a table (prepare, a part, finish), retried on transient errors (a lost connection, a
   * deadlock, a lock wait timeout) on fresh sessions with backoff, each try resuming from the
   * checkpoint. Opening the fresh sessions is part of the try: a server still unreachable costs one of
   * the retries, not the job. Answers undefined when the table failed (reported once, by the last of
   * its parts to stop).
   */
  async #withRetries<T>(lane: Lane, copier: TableStep, run: RunState, step: () => Promise<T>): Promise<T | undefined> {
    const { engine, request, context } = run;
    const name = copier.mapping.target_table;
    let reopen = false;
    for (let retry = 0; ; retry += 1) {
      try {
        if (reopen) {
          await Promise.allSettled([lane.source.close(), lane.target.close()]);
          Object.assign(lane, await this.#openLane(engine, request));
          reopen = false;
        }
        return await step();
      } catch (error) {
        if (context.signal.aborted) {
          await copier.abandon(toDbfError(context.signal.reason), lane);
          throw context.signal.reason;
        }
        const failure = toDbfError(error);
        if (copier.failed || !failure.spec.retryable || retry >= TABLE_RETRIES) {
          const reported = await copier.abandon(failure, lane);
          if (reported) context.progress.tableFailed(name, { code: reported.code, message: reported.message });
          return undefined;
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
 * Closes a session that failed while it was being set up and throws that failure; if closing it fails
 * too, the failure's message says so (its code stays the first failure's).
 */
async function closeAndThrow(session: { close(): Promise<void> }, error: unknown): Promise<never> {
  try {
    await session.close();
  } catch (closeError) {
    const failure = toDbfError(error);
    throw new DbfError(failure.code, `${failure.message} (and closing the session: ${toDbfError(closeError).message})`, { cause: error });
  }
  throw error;
}

/**
 * Lanes to open: the configured or default concurrency, but no more than there is work for: one per
 * table, unless a table is large enough to be cut into parts (one per lane). A table with a mark
 * applies its changes rather than being copied in parts, so it needs one lane. (If its target table
 * turns out to be missing, it is copied in full on that one lane.)
 */
function lanesFor(engine: CopyEngine, todo: readonly PlannedTable[], request: SyncRequest): number {
  return lanesForTables(engine, todo.map((p) => ({ table: p.table, appliesChanges: p.state !== null })), request.options);
}

/** Target sessions one incremental table applies its batches on: measured here on 2 cores, two. */
const MAX_CHANGE_WRITERS = 2;

/**
 * Writers of an incremental table: the concurrency the lanes leave unused (one table on one lane of
 * a concurrency of 2 gets 2), at most MAX_CHANGE_WRITERS. The target server is the bottleneck of an
 * incremental run (upserts into a large table); two sessions upsert at once on its two cores.
 */
function changeWriters(options: SyncOptions, lanes: number): number {
  const budget = options.max_concurrency ?? defaultLanes();
  return Math.max(1, Math.min(MAX_CHANGE_WRITERS, Math.floor(budget / Math.max(1, lanes))));
}

/**
 * The lanes of a copy of `tables` (the plan shows the same number). A table that applies its changes
 * (an incremental table with a mark) is never cut into parts, whatever its size.
 */
export function lanesForTables(engine: CopyEngine, tables: ReadonlyArray<{ readonly table: Pick<CopyTable, 'primaryKey' | 'rowEstimate'>; readonly appliesChanges: boolean }>, options: SyncOptions): number {
  const most = options.max_concurrency ?? defaultLanes();
  return tables.some((t) => !t.appliesChanges && mayBeSplit(engine, t.table, options)) ? most : Math.min(most, Math.max(1, tables.length));
}

/** Whether a table is large enough to be cut into parts (the engine decides whether its key allows it). */
export function mayBeSplit(engine: CopyEngine, table: Pick<CopyTable, 'primaryKey' | 'rowEstimate'>, options: SyncOptions): boolean {
  return engine.split !== undefined && table.primaryKey.length > 0 && table.rowEstimate >= (options.split_min_rows ?? DEFAULT_SPLIT_MIN_ROWS);
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

/** A step that leaves nothing to clean up on failure (an incremental run writes only upserts): its failure is reported as it is. */
function stepWithoutCleanup(mapping: SyncTableRequest): TableStep {
  return { mapping, failed: false, abandon: async (error) => error };
}
