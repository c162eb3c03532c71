import { createHash } from 'node:crypto';
import { DbfError, toDbfError } from '../domain/errors.js';
import type { CopyEngine, CopySource, CopyTable, CopyTarget, KeyPosition, ServerSideCopier } from '../engines/copy-ports.js';
import type { SyncOptions } from '../catalog/sync-config-input.js';
import type { TaskContext } from '../jobs/task.js';
import type { SyncTableRequest } from './sync-request.js';

/**
 * Copies one table in full mode, as a checkpointed, verifiable unit:
 *
 * - strategy `swap`: rows go into a shadow table created from the source's DDL; after the load (and
 *   verification) the shadow is swapped in for the live table. A failure or a cancel drops the shadow,
 *   so the live table is never touched by a copy that did not finish.
 * - strategy `truncate`: an existing target keeps its own DDL and is emptied and reloaded in place.
 *
 * A table is loaded as one or more parts: a large table (at least `split_min_rows`) is cut into key
 * ranges on its first primary-key column, one per lane, and the lanes load the parts at once into the
 * same target table (the copier is shared by them). The parts' readers start their snapshots together
 * (TableSplitter.beginSharedRead), so the copy is still of one instant of the source. The lane that
 * loads the last part builds the deferred keys, verifies and swaps.
 *
 * After every batch the target has committed, the part's last key copied is saved as its checkpoint
 * (fenced by the job's lease). A resumed or retried part deletes whatever the target holds after that
 * key within the part (a batch written but not checkpointed) and reads on from it: no row is lost or
 * doubled. The shadow table's name carries the attempt; a resuming attempt renames the previous
 * attempt's shadow to its own name first, so a stale worker of the old attempt can no longer write
 * into it (fencing at the target).
 */

/** The table's checkpoint. `bounds` (a split table): the parts' ends, whose own checkpoints hold their progress. */
export interface TableCheckpoint {
  readonly shadow: string | null;
  readonly after: KeyPosition | null;
  readonly rows: number;
  readonly bytes: number;
  readonly bounds?: readonly KeyPosition[];
}

interface PartCheckpoint {
  readonly after: KeyPosition | null;
  readonly rows: number;
  readonly bytes: number;
  readonly done: boolean;
}

/** A key range of the table: rows after `low` (null: from the start) up to `high` inclusive (null: to the end). */
export interface TablePart {
  readonly index: number;
  readonly low: KeyPosition | null;
  readonly high: KeyPosition | null;
}

/** What a part's loader works with: the lane's sessions (its source reads an unsplit table). */
export interface CopyLane {
  readonly source: CopySource;
  readonly target: CopyTarget;
}

/** A session beyond the lanes' (a part's reader, a second writer of changes): a cancel interrupts it. */
export type Interruptible = Pick<CopySource, 'interrupt' | 'close'>;

export interface TableCopyContext {
  readonly engine: CopyEngine;
  readonly task: Pick<TaskContext, 'job' | 'progress' | 'log' | 'saveCheckpoint' | 'loadCheckpoint' | 'signal'>;
  readonly options: SyncOptions;
  /** How many parts a table of at least `split_min_rows` rows is cut into (the lanes); 1: never cut. */
  readonly parts: number;
  /** Opens one more source session: the readers of a split table's parts. */
  readonly openReader: () => Promise<CopySource>;
  /** Sessions in use by this table beyond the lanes', so that a cancel interrupts them too. */
  readonly extraSessions: Set<Interruptible>;
  readonly now: () => number;
}

export interface TableCopyResult {
  readonly rows: number;
  readonly bytes: number;
  readonly verified: boolean | null;
}

/** Rows per server-side chunk (a configured batch_size lowers it): about a quarter of a second of the server's copying here. */
const SERVER_CHUNK_ROWS = 50_000;
/** Checkpoints are written at most this often (each one is a fenced store write). */
const CHECKPOINT_EVERY_MS = 1_000;
/** Longest table name MySQL takes; shadow names are cut to it. */
const MAX_NAME = 64;
/** `split_min_rows` when the options do not say. */
export const DEFAULT_SPLIT_MIN_ROWS = 100_000;

export function checkpointKeyOf(jobId: string, targetTable: string): string {
  return `job:${jobId}:table:${targetTable}`;
}

function partKeyOf(tableKey: string, index: number): string {
  return `${tableKey}:part:${index}`;
}

/** `_dbf_<table>_<job>_<attempt>`, unique per job and attempt, within 64 characters. */
export function shadowName(table: string, jobId: string, attempt: number): string {
  const suffix = `_${jobId.replaceAll('-', '').slice(0, 8)}_${attempt}`;
  const room = MAX_NAME - '_dbf_'.length - suffix.length;
  const head = table.length <= room ? table : `${table.slice(0, room - 9)}_${createHash('sha1').update(table).digest('hex').slice(0, 8)}`;
  return `_dbf_${head}${suffix}`;
}

function isCheckpoint(value: unknown): value is TableCheckpoint {
  return typeof value === 'object' && value !== null && 'rows' in value && 'after' in value;
}

function isPartCheckpoint(value: unknown): value is PartCheckpoint {
  return typeof value === 'object' && value !== null && 'done' in value && 'after' in value;
}

/** Whether a failure leaves the shadow for the next attempt: the job is not over, it moves on. */
function keepsShadowFor(error: DbfError): boolean {
  // Lease lost: another attempt owns the job (and will rename the shadow); shutdown: the job goes back
  // to the queue and resumes; a transient error: retried from the checkpoint.
  return error.code === 'DBF_LEASE_LOST' || error.code === 'DBF_WORKER_LOST' || error.spec.retryable;
}

/**
 * One part's progress in this process. `after`, `rows` and `bytes` are what the target has made
 * durable (flushed); `pending*` what was written since, for progress only. `started`: rows may be in
 * the target past `after`.
 */
interface PartState {
  readonly part: TablePart;
  after: KeyPosition | null;
  rows: number;
  bytes: number;
  pendingRows: number;
  pendingBytes: number;
  done: boolean;
  started: boolean;
  /** Its own reader (a split table), or null: the lane's source reads it. */
  reader: CopySource | null;
}

interface Prepared {
  readonly dest: string;
  readonly shadow: string | null;
  readonly parts: PartState[];
  readonly split: boolean;
}

export class TableCopier {
  readonly #key: string;
  #prepared: Prepared | null = null;
  /** The shadow table this attempt created or took over, as soon as it exists (a failure drops it). */
  #shadow: string | null = null;
  /** Set by the part that completed the table, so that only one lane finishes it. */
  #finishClaimed = false;
  #cleaned = false;
  #running = 0;
  #failure: DbfError | null = null;
  /** Stops the other parts when one fails for good. */
  readonly #stop = new AbortController();
  readonly signal: AbortSignal;

  constructor(
    private readonly ctx: TableCopyContext,
    readonly table: CopyTable,
    readonly mapping: SyncTableRequest,
    private readonly sourceDdl: string,
  ) {
    this.#key = checkpointKeyOf(ctx.task.job.id, mapping.target_table);
    this.signal = AbortSignal.any([ctx.task.signal, this.#stop.signal]);
  }

  get failed(): boolean {
    return this.#failure !== null;
  }

  /** Rows and bytes in the target so far, over every part. */
  get #done(): { rows: number; bytes: number } {
    const parts = this.#prepared?.parts ?? [];
    return { rows: parts.reduce((n, p) => n + p.rows, 0), bytes: parts.reduce((n, p) => n + p.bytes, 0) };
  }

  /** `#done` with what is written but not yet flushed: what progress shows. */
  get #written(): { rows: number; bytes: number } {
    const parts = this.#prepared?.parts ?? [];
    const done = this.#done;
    return { rows: done.rows + parts.reduce((n, p) => n + p.pendingRows, 0), bytes: done.bytes + parts.reduce((n, p) => n + p.pendingBytes, 0) };
  }

  /**
   * Readies the target table (a fresh shadow, the previous attempt's taken over, or the live table
   * emptied), decides the parts, and answers those still to load. Retried on a fresh lane after a
   * transient failure, it starts over.
   */
  async prepare(lane: CopyLane): Promise<TablePart[]> {
    await this.#releaseReaders();
    const { task, options } = this.ctx;
    const saved = await task.loadCheckpoint(this.#key);
    const checkpoint = isCheckpoint(saved) ? saved : null;
    const live = this.mapping.target_table;
    const swap = options.strategy === 'swap';
    const dest = swap ? shadowName(live, task.job.id, task.job.attempt) : live;
    if (swap) this.#shadow = dest;
    const resumable = swap
      ? await this.#takeOverShadow(lane.target, dest, checkpoint)
      : await this.#prepareInPlace(lane.target, live, checkpoint);
    const parts = resumable && checkpoint ? await this.#resumedParts(checkpoint) : await this.#freshParts(lane.source);
    this.#prepared = { dest, shadow: swap ? dest : null, parts, split: parts.length > 1 };
    if (this.#prepared.split && !(resumable && checkpoint?.bounds)) {
      await task.saveCheckpoint(this.#key, live, { shadow: this.#prepared.shadow, after: null, rows: 0, bytes: 0, bounds: parts.slice(0, -1).map((p) => p.part.high ?? []) } satisfies TableCheckpoint);
    }
    if (resumable) {
      // What a previous attempt wrote past its parts' checkpoints goes before anything is read again.
      let removed = 0;
      for (const state of parts.filter((p) => !p.done)) {
        removed += await lane.target.deleteAfter(this.table, dest, state.after ?? state.part.low, state.part.high);
        state.started = false;
      }
      task.log('info', `resuming ${live} after ${this.#done.rows} rows (${removed} uncheckpointed rows removed)`, { table: live });
    }
    if (this.#prepared.split) {
      await this.#lineUpReaders(parts.filter((p) => !p.done), lane);
      task.log('info', `${live}: cut into ${parts.length} key ranges on ${this.table.primaryKey[0] ?? ''}, copied at once`, { table: live });
    }
    const { rows, bytes } = this.#done;
    task.progress.tableProgress(live, rows, bytes);
    return parts.filter((p) => !p.done).map((p) => p.part);
  }

  /**
   * Loads one part on `lane`; answers true when it was the last part outstanding (the caller then
   * calls `finish` on the same lane). A retry of a part resumes from its last checkpoint.
   */
  async loadPart(part: TablePart, lane: CopyLane): Promise<boolean> {
    const prepared = this.#requirePrepared();
    const state = prepared.parts[part.index];
    if (state === undefined) throw new TypeError(`${this.mapping.target_table} has no part ${part.index}`);
    this.#running += 1;
    try {
      this.signal.throwIfAborted();
      if (state.started) {
        // A retry: what the failed try wrote past the part's checkpoint goes first.
        const removed = await lane.target.deleteAfter(this.table, prepared.dest, state.after ?? state.part.low, state.part.high);
        const which = prepared.split ? ` (part ${part.index + 1} of ${prepared.parts.length})` : '';
        this.ctx.task.log('info', `resuming ${this.mapping.target_table}${which} after ${state.rows} rows (${removed} uncheckpointed rows removed)`, { table: this.mapping.target_table });
      }
      state.started = true;
      const server = this.ctx.engine.serverSide;
      if (server?.sameServer(lane.source, lane.target)) await this.#loadOnServer(server, state, lane);
      else await this.#loadThroughClient(state, lane);
      state.done = true;
      await this.#savePart(state);
      if (prepared.split) this.ctx.task.log('info', `${this.mapping.target_table}: part ${part.index + 1} of ${prepared.parts.length} copied (${state.rows} rows)`, { table: this.mapping.target_table });
      if (this.#finishClaimed || !prepared.parts.every((p) => p.done)) return false;
      this.#finishClaimed = true;
      return true;
    } catch (error) {
      await this.#endAfterFailure(state, lane);
      throw this.#abortReason() ?? toDbfError(error);
    } finally {
      this.#running -= 1;
    }
  }

  /** After the last part: the deferred keys, verification, the swap. */
  async finish(lane: CopyLane): Promise<TableCopyResult> {
    const prepared = this.#requirePrepared();
    const { target, source } = lane;
    const { options } = this.ctx;
    const reader = prepared.parts[0]?.reader ?? source;
    this.#running += 1;
    try {
      if (prepared.shadow) await target.completeTable(prepared.shadow, this.sourceDdl, this.table.name);
      const verified = options.verify ? await this.#verify(reader, target, prepared.dest) : null;
      await this.#releaseReaders();
      if (!options.verify) await source.endRead();
      if (prepared.shadow) await target.swapIn(prepared.shadow, this.mapping.target_table, this.sourceDdl, this.table.name);
      return { ...this.#done, verified };
    } catch (error) {
      await this.#endAfterFailure(null, lane);
      // A retry verifies on a fresh session (the failure may be the reader's connection).
      const first = prepared.parts[0];
      if (first?.reader) await this.#closeReader(first);
      throw this.#abortReason() ?? toDbfError(error);
    } finally {
      this.#running -= 1;
    }
  }

  /**
   * The table failed for good (or the job stopped): the other parts stop, and once none is running
   * the readers are closed and the shadow is dropped (unless the next attempt resumes it). Answers the
   * table's first failure to the call that did the cleanup (so it is reported once), else null.
   */
  async abandon(error: DbfError, lane: CopyLane): Promise<DbfError | null> {
    if (this.#failure === null) {
      this.#failure = error;
      this.#stop.abort(error);
    }
    if (this.#running > 0 || this.#cleaned) return null;
    this.#cleaned = true;
    await this.#releaseReaders();
    const shadow = this.#shadow;
    if (shadow !== null && !keepsShadowFor(this.#failure)) await this.#dropQuietly(lane.target, shadow);
    return this.#failure;
  }

  /** The shadow to load: the previous attempt's, renamed to ours, when its checkpoint can resume; else a fresh one. */
  async #takeOverShadow(target: CopyTarget, shadow: string, checkpoint: TableCheckpoint | null): Promise<boolean> {
    const resumable = checkpoint?.shadow && (checkpoint.after !== null || checkpoint.bounds !== undefined) && (await target.tableExists(checkpoint.shadow));
    if (checkpoint?.shadow && resumable) {
      if (checkpoint.shadow !== shadow) await target.renameTable(checkpoint.shadow, shadow);
      return true;
    }
    if (checkpoint?.shadow && checkpoint.shadow !== shadow) await target.dropTable(checkpoint.shadow);
    await target.dropTable(shadow);
    await target.createTable(shadow, this.sourceDdl, this.table.name, { deferIndexes: true });
    return false;
  }

  async #prepareInPlace(target: CopyTarget, live: string, checkpoint: TableCheckpoint | null): Promise<boolean> {
    if (!(await target.tableExists(live))) {
      await target.createTable(live, this.sourceDdl, this.table.name);
      await target.addForeignKeys(live, this.sourceDdl, this.table.name);
      return false;
    }
    if (checkpoint !== null && (checkpoint.after !== null || checkpoint.bounds !== undefined)) return true;
    await target.truncate(live);
    return false;
  }

  /** The parts of a checkpointed table, as far as their checkpoints go. */
  async #resumedParts(checkpoint: TableCheckpoint): Promise<PartState[]> {
    if (checkpoint.bounds === undefined) {
      return [newPartState({ index: 0, low: null, high: null }, { after: checkpoint.after, rows: checkpoint.rows, bytes: checkpoint.bytes, done: false }, true)];
    }
    const parts = partsOf(checkpoint.bounds);
    const states: PartState[] = [];
    for (const part of parts) {
      const saved = await this.ctx.task.loadCheckpoint(partKeyOf(this.#key, part.index));
      const cp = isPartCheckpoint(saved) ? saved : null;
      states.push(newPartState(part, cp, true));
    }
    return states;
  }

  /** A fresh load: cut into parts when the table is large and the engine can, else one part. */
  async #freshParts(source: CopySource): Promise<PartState[]> {
    const { engine, parts, options } = this.ctx;
    const cuttable = parts > 1 && this.table.primaryKey.length > 0 && this.table.rowEstimate >= (options.split_min_rows ?? DEFAULT_SPLIT_MIN_ROWS);
    const bounds = cuttable && engine.split ? await engine.split.splitPoints(source, this.table, parts) : [];
    return partsOf(bounds).map((part) => newPartState(part, null, false));
  }

  /**
   * Opens a reader per part and starts their snapshots together. Not needed on the same-server path
   * (the server reads the rows itself, chunk by chunk). When the source cannot line them up (no lock
   * privilege, or a writer holding the table), each part reads in its own snapshot, and says so.
   */
  async #lineUpReaders(parts: PartState[], lane: CopyLane): Promise<void> {
    if (this.ctx.engine.serverSide?.sameServer(lane.source, lane.target)) return;
    for (const state of parts) {
      state.reader = await this.ctx.openReader();
      this.ctx.extraSessions.add(state.reader);
    }
    const readers = parts.map((p) => p.reader).filter((r) => r !== null);
    const lined = (await this.ctx.engine.split?.beginSharedRead(readers, this.table)) ?? false;
    if (lined) return;
    for (const reader of readers) await reader.beginRead();
    this.ctx.task.log('warn', `${this.mapping.target_table}: its ${parts.length} parts read in separate snapshots (the source did not allow a short LOCK TABLES … READ to line them up); a source written meanwhile fails verification`, { table: this.mapping.target_table });
  }

  /** Rows stream from the source and are written in batches; a checkpoint at most every second. */
  async #loadThroughClient(state: PartState, lane: CopyLane): Promise<void> {
    const { now } = this.ctx;
    const { target } = lane;
    const dest = this.#requirePrepared().dest;
    const reader = await this.#readerOf(state, lane);
    const limits = target.batchLimits(this.table);
    const batchRows = Math.min(limits.rows, this.ctx.options.batch_size ?? limits.rows);
    let lastSaved = now();
    let pendingKey: KeyPosition | null = null;
    // Batches stream into the target (which may pipe several into one statement); a checkpoint is
    // saved only after `flush` made them durable. for-await ends the read (the reader releases its
    // session) when this loop breaks or throws.
    const rows = reader.readRows(this.table, { after: state.after ?? state.part.low, until: state.part.high, batchRows, batchBytes: limits.bytes, signal: this.signal });
    for await (const batch of rows) {
      this.signal.throwIfAborted();
      await target.writeRows(this.table, dest, batch.rows);
      state.pendingRows += batch.rows.length;
      state.pendingBytes += batch.bytes;
      this.#reportProgress();
      pendingKey = batch.lastKey ?? pendingKey;
      if (pendingKey !== null && now() - lastSaved >= CHECKPOINT_EVERY_MS) {
        await target.flush();
        settle(state, pendingKey);
        await this.#savePart(state);
        lastSaved = now();
        pendingKey = null;
      }
    }
    await target.flush();
    settle(state, pendingKey);
    if (state.reader !== null && state.part.index !== 0) await this.#closeReader(state);
  }

  /**
   * The same-server fast path: the server copies each chunk itself (`INSERT … SELECT` over a key
   * range), and each committed chunk is a checkpoint. Bytes are estimated from the table's average row.
   */
  async #loadOnServer(server: ServerSideCopier, state: PartState, lane: CopyLane): Promise<void> {
    const { source, target } = lane;
    const dest = this.#requirePrepared().dest;
    const averageRow = this.table.rowEstimate > 0 ? this.table.sizeBytes / this.table.rowEstimate : 0;
    const limit = Math.min(SERVER_CHUNK_ROWS, this.ctx.options.batch_size ?? SERVER_CHUNK_ROWS);
    for (;;) {
      this.signal.throwIfAborted();
      const chunk = await server.copyChunk(source, target, this.table, dest, state.after ?? state.part.low, limit, state.part.high);
      state.rows += chunk.rows;
      state.bytes = Math.round(state.rows * averageRow);
      this.#reportProgress();
      if (chunk.lastKey === null) return;
      state.after = chunk.lastKey;
      await this.#savePart(state);
    }
  }

  /** The part's reader: its own (a split table; reopened, in a snapshot of its own, after a failure) or the lane's source. */
  async #readerOf(state: PartState, lane: CopyLane): Promise<CopySource> {
    if (!this.#requirePrepared().split) {
      await lane.source.beginRead();
      return lane.source;
    }
    if (state.reader === null) {
      state.reader = await this.ctx.openReader();
      this.ctx.extraSessions.add(state.reader);
      await state.reader.beginRead();
    }
    return state.reader;
  }

  /** An unsplit table keeps the table's checkpoint shape; a part has a checkpoint of its own. */
  async #savePart(state: PartState): Promise<void> {
    const prepared = this.#requirePrepared();
    const live = this.mapping.target_table;
    if (!prepared.split) {
      if (state.after === null && !state.done) return;
      await this.ctx.task.saveCheckpoint(this.#key, live, { shadow: prepared.shadow, after: state.after, rows: state.rows, bytes: state.bytes } satisfies TableCheckpoint);
      return;
    }
    await this.ctx.task.saveCheckpoint(partKeyOf(this.#key, state.part.index), live, { after: state.after, rows: state.rows, bytes: state.bytes, done: state.done } satisfies PartCheckpoint);
  }

  #reportProgress(): void {
    const { rows, bytes } = this.#written;
    this.ctx.task.progress.tableProgress(this.mapping.target_table, rows, bytes);
  }

  /** Row count and checksum of the source (inside the read's snapshot) against the loaded table. */
  async #verify(source: CopySource, target: CopyTarget, dest: string): Promise<boolean> {
    const { engine } = this.ctx;
    const expected = await source.checksum(this.table);
    await source.endRead();
    const actual = await target.checksum(this.table, dest);
    if (expected.rows === actual.rows && expected.checksum === actual.checksum) return true;
    const ranges = await engine.differingRanges(source, target, this.table, dest);
    const where = ranges.length === 0 ? 'no single key range differs (the source changed during verification?)' : ranges.map((r) => `${r.range} (source ${r.sourceRows} rows, copy ${r.targetRows})`).join('; ');
    throw new DbfError(
      'DBF_VERIFY_MISMATCH',
      `${this.mapping.target_table}: the copy differs from the source (source ${expected.rows} rows, copy ${actual.rows}); differing key ranges: ${where}`,
      { details: { ranges } },
    );
  }

  /**
   * An open load holds the table: it is ended before anything else touches the target (its rows past
   * the checkpoint are removed on resume, or go with the shadow); the part's read is abandoned.
   */
  async #endAfterFailure(state: PartState | null, lane: CopyLane): Promise<void> {
    const table = this.mapping.target_table;
    await lane.target.flush().catch((error: unknown) => {
      this.ctx.task.log('debug', `ending the load after a failure: ${toDbfError(error).message}`, { table });
    });
    await lane.source.endRead().catch((error: unknown) => {
      // The read is abandoned with the failure; its own error only adds noise, so it goes to debug.
      this.ctx.task.log('debug', `ending the source read after a failure: ${toDbfError(error).message}`, { table });
    });
    if (state !== null) {
      // What was written since the last flush is not known to be in the target: a retry re-copies it.
      state.pendingRows = 0;
      state.pendingBytes = 0;
      if (state.reader) await this.#closeReader(state);
    }
  }

  async #closeReader(state: PartState): Promise<void> {
    const reader = state.reader;
    if (reader === null) return;
    state.reader = null;
    this.ctx.extraSessions.delete(reader);
    await reader.close().catch((error: unknown) => {
      this.ctx.task.log('debug', `closing a part's reader: ${toDbfError(error).message}`, { table: this.mapping.target_table });
    });
  }

  async #releaseReaders(): Promise<void> {
    for (const state of this.#prepared?.parts ?? []) await this.#closeReader(state);
  }

  #requirePrepared(): Prepared {
    if (this.#prepared === null) throw new TypeError(`${this.mapping.target_table} was not prepared`);
    return this.#prepared;
  }

  #abortReason(): DbfError | null {
    return this.signal.aborted ? toDbfError(this.signal.reason) : null;
  }

  async #dropQuietly(target: CopyTarget, name: string): Promise<void> {
    try {
      await target.dropTable(name);
    } catch (error) {
      this.ctx.task.log('warn', `could not drop the shadow table ${name}: ${toDbfError(error).message}`, { table: this.mapping.target_table });
    }
  }
}

function newPartState(part: TablePart, saved: PartCheckpoint | null, started: boolean): PartState {
  return { part, after: saved?.after ?? null, rows: saved?.rows ?? 0, bytes: saved?.bytes ?? 0, pendingRows: 0, pendingBytes: 0, done: saved?.done ?? false, started, reader: null };
}

/** The rows written since the last flush are durable now: they count, and the part resumes after `key`. */
function settle(state: PartState, key: KeyPosition | null): void {
  state.rows += state.pendingRows;
  state.bytes += state.pendingBytes;
  state.pendingRows = 0;
  state.pendingBytes = 0;
  if (key !== null) state.after = key;
}

/** Parts from their ends: part i runs from the end of part i-1 (exclusive) to bounds[i] (inclusive). */
function partsOf(bounds: readonly KeyPosition[]): TablePart[] {
  return [...bounds, null].map((high, index) => ({ index, low: index === 0 ? null : (bounds[index - 1] ?? null), high }));
}
