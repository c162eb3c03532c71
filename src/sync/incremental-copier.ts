import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import type { SyncOptions } from '../catalog/sync-config-input.js';
import type { ConnectionSpec } from '../domain/connection-url.js';
import { DbfError, toDbfError } from '../domain/errors.js';
import type { ChangeBatch, ChangeCopier, ChangeMark, CopyTable, CopyTarget, CursorCandidate } from '../engines/copy-ports.js';
import type { TaskContext } from '../jobs/task.js';
import { applyInOrder } from './ordered-writers.js';
import { readAhead } from './read-ahead.js';
import type { SyncTableRequest } from './sync-request.js';
import type { CopyLane, Interruptible, TableCopyResult } from './table-copier.js';

/**
 * An incremental run of one table that has a mark (its first run is a full copy that records the
 * mark: see SyncTask). Inside one snapshot of the source: the changes since the mark are read in
 * (cursor, key) order and upserted in batches; with `detect_deletes`, keys gone from the source are
 * deleted; then, if the copy should now equal the source (deletes detected), it is verified.
 *
 * The mark is the newest (cursor, key) position copied, taken from the rows, never from a clock. It is
 * saved in the store after the target committed the batch that reached it, so it never runs ahead of
 * the data; a run killed between the two re-reads that batch, and since every write is an upsert by
 * primary key (or a delete) that leaves the same rows, nothing is lost or doubled. Each run starts
 * `overlap` seconds below a temporal mark, so a row committed late with an older cursor value (a long
 * transaction) is still picked up. The same re-reading is why `conflict_resolution: error` fails only
 * on a row whose values differ from the target's, not on one it already holds.
 */

/** The mark of a table between runs (a checkpoint under the scope key). */
export interface IncrementalState {
  readonly cursor: string;
  readonly mark: ChangeMark | null;
  /** When the mark was saved (informative; never used to decide what to read). */
  readonly saved_at: string;
}

export function isIncrementalState(value: unknown): value is IncrementalState {
  return typeof value === 'object' && value !== null && 'cursor' in value && 'mark' in value;
}

/**
 * Where a table's mark is kept: by source, target and table, never by job (passwords and user names
 * left out), so the next run of the same command, or of a config with the same ends, continues from
 * it. The filter is part of it: another filter means another subset, which starts with a full copy.
 */
export function markScopeKey(source: ConnectionSpec, target: ConnectionSpec, mapping: Pick<SyncTableRequest, 'source_table' | 'target_table' | 'where_clause'>): string {
  const end = (spec: ConnectionSpec): unknown[] => (spec.engine === 'sqlite' ? ['sqlite', resolve(spec.database ?? '')] : [spec.engine === 'mariadb' ? 'mysql' : spec.engine, spec.host, spec.port, spec.database]);
  const identity = JSON.stringify([end(source), mapping.source_table, end(target), mapping.target_table, mapping.where_clause]);
  return `sync:${createHash('sha256').update(identity).digest('hex').slice(0, 32)}:${mapping.target_table}`;
}

export interface IncrementalContext {
  readonly changes: ChangeCopier;
  readonly task: Pick<TaskContext, 'progress' | 'log' | 'saveCheckpoint' | 'signal'>;
  readonly options: SyncOptions;
  readonly overlapSeconds: number;
  readonly detectDeletes: boolean;
  readonly now: () => number;
  /**
   * Target sessions that apply batches at once, the lane's own included (1: one after another). More
   * are opened only once batches queue up, and only if the engine allows it for the table.
   */
  readonly writers: number;
  readonly openWriter: () => Promise<CopyTarget>;
  /** Sessions a cancel interrupts besides the lanes': the extra writers are added while they are open. */
  readonly extraSessions: Set<Interruptible>;
}

export interface IncrementalResult extends TableCopyResult {
  readonly deleted: number;
  readonly mark: ChangeMark | null;
}

/**
 * Changed rows per batch, unless the options' batch_size says fewer. A batch of changes is a
 * transaction of its own on the target (staged, upserted, committed), so it is larger than a full
 * copy's batch (2,000 rows on MySQL, streamed into one load); the engine cuts its writes to the
 * server's limits inside it. Bounded by bytes too, for tables of wide rows.
 */
const CHANGE_BATCH_ROWS = 10_000;
const CHANGE_BATCH_BYTES = 8 * 1024 * 1024;
/**
 * The first batch of a run holds this many rows, each next one twice as many up to the batch size:
 * the target starts writing after 1,000 rows read instead of 10,000 (measured here, the first full
 * batch took 0.1 s to read while the target waited).
 */
const FIRST_BATCH_ROWS = 1_000;

/** Marks are saved at most this often during a run (each is a store write; a crash re-reads at most that much). */
const SAVE_EVERY_MS = 1_000;

export class IncrementalCopier {
  /** The newest position committed so far: a retry of the run reads on from it (less its overlap). */
  #mark: ChangeMark | null;

  constructor(
    private readonly ctx: IncrementalContext,
    private readonly table: CopyTable,
    private readonly mapping: SyncTableRequest,
    private readonly ddl: string,
    private readonly cursor: CursorCandidate,
    private readonly scope: string,
    private readonly state: IncrementalState,
  ) {
    this.#mark = state.mark;
  }

  async run(lane: CopyLane): Promise<IncrementalResult> {
    const { changes, task, options, now } = this.ctx;
    const live = this.mapping.target_table;
    await this.#applySchemaChanges(lane);
    let mark = this.#mark;
    let rows = 0;
    let bytes = 0;
    let deleted = 0;
    let lastSaved = now();
    let unsaved = false;
    const save = async (): Promise<void> => {
      await task.saveCheckpoint(this.scope, live, { cursor: this.cursor.column, mark, saved_at: new Date(now()).toISOString() } satisfies IncrementalState);
      this.#mark = mark;
      lastSaved = now();
      unsaved = false;
    };
    const extra: CopyTarget[] = [];
    // The target readies itself (its staging table) while the source reads the first batch. A failure
    // matters to the batches, which await it and fail with it; a run with nothing to write needs no
    // staging table. It is awaited before the run ends, so none of its statements outlives the run.
    const prepared = changes.prepareApply?.(lane.target, this.table, live) ?? Promise.resolve({ concurrent: false });
    const preparing = prepared.then(
      () => undefined,
      (error: unknown) => task.log('debug', `${live}: readying the target for changes: ${toDbfError(error).message}`, { table: live }),
    );
    await lane.source.beginRead().catch(async (error: unknown) => {
      await preparing;
      throw error;
    });
    try {
      const batchRows = options.batch_size ?? CHANGE_BATCH_ROWS;
      // Read one batch ahead: the next changes come from the source while the target writes these.
      const read = readAhead(changes.readChanges(lane.source, this.table, {
        cursor: this.cursor, since: this.#mark, overlapSeconds: this.ctx.overlapSeconds, after: null,
        batchRows, firstBatchRows: Math.min(FIRST_BATCH_ROWS, batchRows), batchBytes: CHANGE_BATCH_BYTES, signal: task.signal,
      }));
      await applyInOrder(read, {
        first: lane.target,
        most: this.ctx.writers,
        open: () => this.#openWriter(prepared, extra),
        apply: async (target, batch: ChangeBatch) => {
          task.signal.throwIfAborted();
          if (target === lane.target) await prepared;
          return changes.applyChanges(target, this.table, live, batch, options.conflict_resolution);
        },
        committed: async (batch, applied) => {
          rows += applied.written;
          deleted += applied.deleted;
          bytes += batch.bytes;
          task.progress.tableProgress(live, rows, bytes);
          if (batch.mark !== null) {
            mark = batch.mark;
            unsaved = true;
          }
          if (unsaved && now() - lastSaved >= SAVE_EVERY_MS) await save();
        },
        alsoFailed: (error) => task.log('warn', `${live}: besides the failure that stops this run: ${toDbfError(error).message}`, { table: live }),
      });
      if (unsaved || this.state.mark === null) await save();
      if (this.ctx.detectDeletes) {
        const gone = await changes.deleteGone(lane.source, lane.target, this.table, live, task.signal);
        deleted += gone.deleted;
        task.log('info', `${live}: ${gone.deleted} ${gone.deleted === 1 ? 'row' : 'rows'} deleted that the source no longer has (${gone.differing} of ${gone.ranges} key ranges differed)`, { table: live });
      }
      const verified = await this.#verify(lane);
      const sessions = 1 + extra.length;
      // The overlap window re-reads rows already copied (the price of not missing late commits): the
      // count says so rather than passing them off as changes.
      const reread = this.state.mark !== null && this.cursor.kind === 'temporal' && this.ctx.overlapSeconds > 0 ? ` (with the rows the ${this.ctx.overlapSeconds} s overlap re-read)` : '';
      task.log('info', `${live}: ${rows} changed ${rows === 1 ? 'row' : 'rows'} copied since ${describeMark(this.state.mark)}${reread}, ${deleted} deleted; mark now ${describeMark(mark)}; written by ${sessions} session${sessions === 1 ? '' : 's'}`, { table: live, data: { cursor: this.cursor.column, rows, deleted, sessions } });
      return { rows, bytes, verified, deleted, mark };
    } catch (error) {
      await lane.target.flush().catch((flushError: unknown) => task.log('debug', `ending the load after a failure: ${toDbfError(flushError).message}`, { table: live }));
      throw error;
    } finally {
      await preparing;
      await lane.source.endRead().catch((endError: unknown) => task.log('debug', `ending the source read: ${toDbfError(endError).message}`, { table: live }));
      await Promise.all(extra.map((writer) => this.#closeWriter(writer)));
    }
  }

  /** Closes an extra writer (its staging table goes with the session); a cancel no longer reaches it. */
  async #closeWriter(writer: CopyTarget): Promise<void> {
    const live = this.mapping.target_table;
    this.ctx.extraSessions.delete(writer);
    await writer.close().catch((closeError: unknown) => this.ctx.task.log('debug', `closing a writer of ${live}: ${toDbfError(closeError).message}`, { table: live }));
  }

  /**
   * Another target session for the batches, readied like the lane's; null when the engine applies
   * this table's batches one at a time, or when it cannot be opened (the run goes on with the lane's).
   */
  async #openWriter(prepared: Promise<{ readonly concurrent: boolean }>, extra: CopyTarget[]): Promise<CopyTarget | null> {
    const { changes, task } = this.ctx;
    const live = this.mapping.target_table;
    if (!(await prepared).concurrent || !changes.prepareApply) return null;
    let writer: CopyTarget | null = null;
    try {
      writer = await this.ctx.openWriter();
      extra.push(writer);
      this.ctx.extraSessions.add(writer);
      await changes.prepareApply(writer, this.table, live);
      return writer;
    } catch (error) {
      if (writer !== null) {
        extra.splice(extra.indexOf(writer), 1);
        await this.#closeWriter(writer);
      }
      if (task.signal.aborted) throw task.signal.reason;
      task.log('info', `${live}: another session to write changes could not be readied (${toDbfError(error).message}); going on with those open`, { table: live });
      return null;
    }
  }

  /**
   * An added column that old rows hold as NULL or its default on both sides is added to the target;
   * any other change (a dropped or retyped column) would make upserts wrong, so it stops the table.
   */
  async #applySchemaChanges(lane: CopyLane): Promise<void> {
    const { changes, task } = this.ctx;
    const live = this.mapping.target_table;
    const diff = await changes.schemaDiff(lane.source, lane.target, this.table, live);
    const problems = [
      ...diff.added.filter((a) => !a.addable).map((a) => `${a.column} was added NOT NULL without a default`),
      ...diff.dropped.map((c) => `${c} was dropped`),
      ...diff.changed.map((c) => `${c.column} changed from ${c.target} to ${c.source}`),
    ];
    if (problems.length > 0) {
      throw new DbfError('DBF_SCHEMA_CHANGED', `${this.mapping.source_table} changed on the source (${problems.join('; ')}): run a full copy of it (--mode full, or the table's sync_mode full) and incremental runs continue from there`);
    }
    if (diff.added.length === 0) return;
    await changes.addColumns(lane.target, live, this.ddl, this.mapping.source_table, diff.added.map((a) => a.column));
    task.log('info', `${live}: added the source's new column${diff.added.length === 1 ? '' : 's'} ${diff.added.map((a) => a.column).join(', ')}`, { table: live });
  }

  /**
   * Without delete detection the copy keeps rows the source deleted, so it is not expected to equal
   * the source and is not verified (null). With it, the source's checksum (same snapshot as the read)
   * must equal the copy's.
   */
  async #verify(lane: CopyLane): Promise<boolean | null> {
    if (!this.ctx.options.verify) return null;
    if (!this.ctx.detectDeletes) return null;
    const expected = await lane.source.checksum(this.table);
    const actual = await lane.target.checksum(this.table, this.mapping.target_table);
    if (expected.rows === actual.rows && expected.checksum === actual.checksum) return true;
    throw new DbfError('DBF_VERIFY_MISMATCH', `${this.mapping.target_table}: after the incremental run the copy differs from the source (source ${expected.rows} rows, copy ${actual.rows}): a row changed without its ${this.cursor.column} changing, or committed later than the overlap; a full copy repairs it`);
  }
}

/** The mark as a person reads it: the cursor value and the key. */
export function describeMark(mark: ChangeMark | null): string {
  if (mark === null) return 'the start';
  const [cursor, ...key] = mark.map((part) => Buffer.from(part, 'base64').toString('utf8'));
  return `${cursor ?? ''} (key ${key.join(', ')})`;
}
