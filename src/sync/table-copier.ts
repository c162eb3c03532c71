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
 * After every batch the target has committed, the last key copied is saved as the table's checkpoint
 * (fenced by the job's lease). A resumed attempt deletes whatever the target holds after that key (a
 * batch written but not checkpointed) and reads on from it: no row is lost or doubled. The shadow
 * table's name carries the attempt; a resuming attempt renames the previous attempt's shadow to its own
 * name first, so a stale worker of the old attempt can no longer write into it (fencing at the target).
 */

export interface TableCheckpoint {
  readonly shadow: string | null;
  readonly after: KeyPosition | null;
  readonly rows: number;
  readonly bytes: number;
}

export interface TableCopyContext {
  readonly engine: CopyEngine;
  readonly source: CopySource;
  readonly target: CopyTarget;
  readonly task: Pick<TaskContext, 'job' | 'progress' | 'log' | 'saveCheckpoint' | 'loadCheckpoint' | 'signal'>;
  readonly options: SyncOptions;
  /** Batch limits from the target (max_allowed_packet, placeholders). */
  readonly batchRows: number;
  readonly batchBytes: number;
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

export function checkpointKeyOf(jobId: string, targetTable: string): string {
  return `job:${jobId}:table:${targetTable}`;
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

/** Whether a failure leaves the shadow for the next attempt: the job is not over, it moves on. */
function keepsShadowFor(error: DbfError): boolean {
  // Lease lost: another attempt owns the job (and will rename the shadow); shutdown: the job goes back
  // to the queue and resumes; a transient error: retried from the checkpoint.
  return error.code === 'DBF_LEASE_LOST' || error.code === 'DBF_WORKER_LOST' || error.spec.retryable;
}

export class TableCopier {
  constructor(
    private readonly ctx: TableCopyContext,
    private readonly table: CopyTable,
    private readonly mapping: SyncTableRequest,
    private readonly sourceDdl: string,
  ) {}

  async run(): Promise<TableCopyResult> {
    const { task, target, options } = this.ctx;
    const live = this.mapping.target_table;
    const key = checkpointKeyOf(task.job.id, live);
    const saved = await task.loadCheckpoint(key);
    const checkpoint = isCheckpoint(saved) ? saved : null;
    const swap = options.strategy === 'swap';
    let dest: string;
    let resumed: TableCheckpoint | null = null;
    if (swap) {
      dest = shadowName(live, task.job.id, task.job.attempt);
      resumed = await this.#prepareShadow(dest, checkpoint);
    } else {
      dest = live;
      resumed = await this.#prepareInPlace(live, checkpoint);
    }
    try {
      const loaded = await this.#load(dest, key, swap ? dest : null, resumed);
      if (swap) await target.completeTable(dest, this.sourceDdl, this.table.name);
      const verified = options.verify ? await this.#verify(dest) : null;
      if (!options.verify) await this.ctx.source.endRead();
      if (swap) await target.swapIn(dest, live, this.sourceDdl, this.table.name);
      return { ...loaded, verified };
    } catch (error) {
      // An open load holds the table: end it before anything else touches the target (its rows past
      // the checkpoint are removed on resume, or go with the shadow).
      await this.ctx.target.flush().catch((flushError: unknown) => {
        this.ctx.task.log('debug', `ending the load after a failure: ${toDbfError(flushError).message}`, { table: this.mapping.target_table });
      });
      await this.ctx.source.endRead().catch((endError: unknown) => {
        // The read is abandoned with the failure below; its own error only adds noise, so it goes to debug.
        this.ctx.task.log('debug', `ending the source read after a failure: ${toDbfError(endError).message}`, { table: this.mapping.target_table });
      });
      const failure = this.#abortReason() ?? toDbfError(error);
      if (swap && !keepsShadowFor(failure)) await this.#dropQuietly(dest);
      throw failure;
    }
  }

  /** The shadow to load: the previous attempt's, renamed to ours, when its checkpoint can resume; else a fresh one. */
  async #prepareShadow(shadow: string, checkpoint: TableCheckpoint | null): Promise<TableCheckpoint | null> {
    const { target, task } = this.ctx;
    if (checkpoint?.shadow && checkpoint.after !== null && (await target.tableExists(checkpoint.shadow))) {
      if (checkpoint.shadow !== shadow) await target.renameTable(checkpoint.shadow, shadow);
      const removed = await target.deleteAfter(this.table, shadow, checkpoint.after);
      task.log('info', `resuming ${this.mapping.target_table} after ${checkpoint.rows} rows (${removed} uncheckpointed rows removed)`, { table: this.mapping.target_table });
      return checkpoint;
    }
    if (checkpoint?.shadow && checkpoint.shadow !== shadow) await target.dropTable(checkpoint.shadow);
    await target.dropTable(shadow);
    await target.createTable(shadow, this.sourceDdl, this.table.name, { deferIndexes: true });
    return null;
  }

  async #prepareInPlace(live: string, checkpoint: TableCheckpoint | null): Promise<TableCheckpoint | null> {
    const { target, task } = this.ctx;
    if (!(await target.tableExists(live))) {
      await target.createTable(live, this.sourceDdl, this.table.name);
      await target.addForeignKeys(live, this.sourceDdl, this.table.name);
      return null;
    }
    if (checkpoint !== null && checkpoint.after !== null) {
      const removed = await target.deleteAfter(this.table, live, checkpoint.after);
      task.log('info', `resuming ${live} after ${checkpoint.rows} rows (${removed} uncheckpointed rows removed)`, { table: live });
      return checkpoint;
    }
    await target.truncate(live);
    return null;
  }

  async #load(dest: string, key: string, shadow: string | null, resumed: TableCheckpoint | null): Promise<{ rows: number; bytes: number }> {
    const { source, target, task } = this.ctx;
    const live = this.mapping.target_table;
    const done = { rows: resumed?.rows ?? 0, bytes: resumed?.bytes ?? 0 };
    const save = (after: KeyPosition | null): Promise<void> => task.saveCheckpoint(key, live, { shadow, after, rows: done.rows, bytes: done.bytes } satisfies TableCheckpoint);
    await source.beginRead();
    const server = this.ctx.engine.serverSide;
    if (server?.sameServer(source, target)) await this.#loadOnServer(server, dest, resumed?.after ?? null, done, save);
    else await this.#loadThroughClient(dest, resumed?.after ?? null, done, save);
    return done;
  }

  /** Rows stream from the source and are written in batches; a checkpoint at most every second. */
  async #loadThroughClient(dest: string, after: KeyPosition | null, done: { rows: number; bytes: number }, save: (after: KeyPosition | null) => Promise<void>): Promise<void> {
    const { source, target, task, batchRows, batchBytes, now } = this.ctx;
    const live = this.mapping.target_table;
    let lastSaved = now();
    let pendingKey: KeyPosition | null = null;
    // Batches stream into the target (which may pipe several into one statement); a checkpoint is
    // saved only after `flush` made them durable. for-await ends the read (the reader releases its
    // session) when this loop breaks or throws.
    for await (const batch of source.readRows(this.table, { after, batchRows, batchBytes, signal: task.signal })) {
      task.signal.throwIfAborted();
      await target.writeRows(this.table, dest, batch.rows);
      done.rows += batch.rows.length;
      done.bytes += batch.bytes;
      task.progress.tableProgress(live, done.rows, done.bytes);
      pendingKey = batch.lastKey;
      if (batch.lastKey !== null && now() - lastSaved >= CHECKPOINT_EVERY_MS) {
        await target.flush();
        await save(batch.lastKey);
        lastSaved = now();
        pendingKey = null;
      }
    }
    await target.flush();
    if (pendingKey !== null) await save(pendingKey);
  }

  /**
   * The same-server fast path: the server copies each chunk itself (`INSERT … SELECT` over a key
   * range), and each committed chunk is a checkpoint. Bytes are estimated from the table's average row.
   */
  async #loadOnServer(server: ServerSideCopier, dest: string, from: KeyPosition | null, done: { rows: number; bytes: number }, save: (after: KeyPosition | null) => Promise<void>): Promise<void> {
    const { source, target, task } = this.ctx;
    const averageRow = this.table.rowEstimate > 0 ? this.table.sizeBytes / this.table.rowEstimate : 0;
    for (let after = from; ; ) {
      task.signal.throwIfAborted();
      const chunk = await server.copyChunk(source, target, this.table, dest, after, Math.min(SERVER_CHUNK_ROWS, this.ctx.options.batch_size ?? SERVER_CHUNK_ROWS));
      done.rows += chunk.rows;
      done.bytes = Math.round(done.rows * averageRow);
      task.progress.tableProgress(this.mapping.target_table, done.rows, done.bytes);
      if (chunk.lastKey === null) return;
      after = chunk.lastKey;
      await save(after);
    }
  }

  /** Row count and checksum of the source (inside the read's snapshot) against the loaded table. */
  async #verify(dest: string): Promise<boolean> {
    const { source, target, engine } = this.ctx;
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

  #abortReason(): DbfError | null {
    const { signal } = this.ctx.task;
    return signal.aborted ? toDbfError(signal.reason) : null;
  }

  async #dropQuietly(name: string): Promise<void> {
    try {
      await this.ctx.target.dropTable(name);
    } catch (error) {
      this.ctx.task.log('warn', `could not drop the shadow table ${name}: ${toDbfError(error).message}`, { table: this.mapping.target_table });
    }
  }
}
