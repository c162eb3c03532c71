import type { ConnectionSpec } from '../domain/connection-url.js';

/**
 * What the copy engine (src/sync/) asks of a database engine to clone tables. Copies are between two
 * databases of one engine (MySQL/MariaDB → MySQL/MariaDB, SQLite → SQLite), so one CopyEngine per
 * engine serves both ends; sync/ holds the plan, the order, checkpoints, verification and progress,
 * and never looks at SQL.
 *
 * Values travel as the engine hands them over, never decoded into JS types: MySQL's text-protocol
 * bytes (performance.md: decoding DOUBLE, JSON or dates is what corrupted copies, and costs most of
 * the client CPU), SQLite's stored values. A row is therefore an opaque `readonly unknown[]` in the
 * order of `CopyTable.copied`; only the engine that read it writes it.
 */

export interface CopyColumn {
  readonly name: string;
  /** Generated columns are recomputed by the target, never inserted. */
  readonly generated: boolean;
}

export interface CopyTable {
  readonly name: string;
  /** Every column in table order. */
  readonly columns: readonly CopyColumn[];
  /** The columns a row carries: all but the generated ones. */
  readonly copied: readonly string[];
  /** Primary key columns in key order; empty when the table has none (then it is copied whole). */
  readonly primaryKey: readonly string[];
  /** Tables of the same database this one's foreign keys point at (itself excluded). */
  readonly references: readonly string[];
  readonly rowEstimate: number;
  readonly sizeBytes: number;
  /**
   * A row filter (a mapping's where_clause, in the source's SQL, checked by domain/row-filter.ts): every
   * read of the source (rows, checksums, key ranges) takes only the rows it selects, and the target
   * holds that subset. null: every row. The engine describes tables without one; the task adds it.
   */
  readonly filter: string | null;
}

/**
 * A position in a table's primary-key order, JSON-safe for checkpoints (the engine encodes its raw
 * key values, e.g. as base64). Rows strictly after it are still to copy. It may be a prefix of the key
 * (fewer values than key columns): a part's bound on the first key column (see TableSplitter).
 */
export type KeyPosition = readonly string[];

export interface RowBatch {
  readonly rows: ReadonlyArray<readonly unknown[]>;
  /** Approximate size of the batch's values in bytes (what progress reports and batches are cut by). */
  readonly bytes: number;
  /** The key of the batch's last row; null for a table without a primary key. */
  readonly lastKey: KeyPosition | null;
}

export interface ReadOptions {
  /** Copy rows after this key (resume); null from the start. */
  readonly after: KeyPosition | null;
  /** Stop after this key (the end of a part of a split table, inclusive); null or absent: to the end. */
  readonly until?: KeyPosition | null;
  /** A batch is cut at this many rows … */
  readonly batchRows: number;
  /** … or at this many bytes, whichever comes first. */
  readonly batchBytes: number;
  /**
   * The first batch is cut at this many rows, each next one at twice the one before, up to batchRows:
   * the writer starts on a small batch instead of waiting for a full one. Absent: batchRows throughout.
   */
  readonly firstBatchRows?: number;
  readonly signal: AbortSignal;
}

export interface TableChecksum {
  readonly rows: number;
  /** Equal on both sides iff the rows are equal (engine-defined, compared as text). */
  readonly checksum: string;
}

/** A range of the key order whose rows differ between source and target. */
export interface DifferingRange {
  /** Human-readable, e.g. `id 1001 … 2000`. */
  readonly range: string;
  readonly sourceRows: number;
  readonly targetRows: number;
}

export type ObjectKind = 'view' | 'function' | 'procedure' | 'trigger' | 'event';

/** A database object other than a table, copied with `--objects` (options.objects). */
export interface DatabaseObject {
  readonly kind: ObjectKind;
  readonly name: string;
  /** For a trigger, the table it belongs to; null otherwise. */
  readonly table: string | null;
  /** The source's own statement (SHOW CREATE …), as the target will run it after the engine's rewrite. */
  readonly ddl: string;
}

export interface CopySource {
  /** `SELECT VERSION()` and friends, for the plan. */
  describe(): string;
  /** Base tables of the database (views left out), sorted by name. */
  listTables(): Promise<string[]>;
  table(name: string): Promise<CopyTable>;
  /** The table's DDL as the engine prints it (`SHOW CREATE TABLE`, sqlite_schema.sql). */
  createStatement(name: string): Promise<string>;
  /**
   * Asks the source whether a row filter is a valid condition on the table (MySQL: EXPLAIN), without
   * reading rows; a bad one is DBF_INVALID_FILTER with the server's reason.
   */
  checkFilter(table: CopyTable, filter: string): Promise<void>;
  /**
   * Starts one consistent read (a snapshot): the rows and the checksum of a table are read inside one,
   * so they describe the same instant even while the source is being written.
   */
  beginRead(): Promise<void>;
  endRead(): Promise<void>;
  /**
   * Streams the table's rows in primary-key order (whole, in one consistent read, without one), with
   * backpressure: the next batch is read only when the consumer asks for it.
   */
  readRows(table: CopyTable, options: ReadOptions): AsyncIterable<RowBatch>;
  checksum(table: CopyTable): Promise<TableChecksum>;
  /** Stops this session's statement in flight (cancel): KILL QUERY on a server. */
  interrupt(): Promise<void>;
  close(): Promise<void>;
}

export interface CopyTarget {
  describe(): string;
  /** Whether the target database exists (a dry run asks without creating it). */
  databaseExists(): Promise<boolean>;
  /** Creates the target database when missing, with the source's charset and collation. */
  ensureDatabase(): Promise<'created' | 'exists'>;
  tableExists(name: string): Promise<boolean>;
  /**
   * Creates `name` from the source's DDL of `sourceName`, rewritten for the target (name, and no
   * foreign keys: they are added by `swapIn`, once the live table's constraint names are free).
   */
  createTable(name: string, sourceDdl: string, sourceName: string, options?: { deferIndexes?: boolean }): Promise<void>;
  /**
   * Adds what `createTable` with `deferIndexes` left out for a faster load (secondary indexes), so the
   * table then has the source's DDL. Idempotent: adds only what is missing (a resumed load calls it too).
   */
  completeTable(name: string, sourceDdl: string, sourceName: string): Promise<void>;
  dropTable(name: string): Promise<void>;
  /** Renames a table (a resuming attempt takes over the previous attempt's shadow table). */
  renameTable(from: string, to: string): Promise<void>;
  /** Empties a table (strategy truncate). */
  truncate(name: string): Promise<void>;
  /**
   * Deletes the rows after `after` (a resumed load re-copies them, so none is doubled), up to `until`
   * inclusive when given (a part of a split table leaves the other parts' rows alone).
   */
  deleteAfter(table: CopyTable, name: string, after: KeyPosition | null, until?: KeyPosition | null): Promise<number>;
  /**
   * The largest batch `writeRows` takes for this table, by rows and by bytes of values (from the
   * server's limits: max_allowed_packet, bound-parameter limits); a configured batch_size may only lower it.
   */
  batchLimits(table: CopyTable): { readonly rows: number; readonly bytes: number };
  /** Inserts one batch into `name`; fails when the server changed or dropped a value (warnings). */
  writeRows(table: CopyTable, name: string, rows: ReadonlyArray<readonly unknown[]>): Promise<void>;
  /**
   * Makes every row written so far durable (committed), and reports a failure of any of them. A target
   * may stream several batches into one statement, so a batch counts as written only after `flush`:
   * checkpoints are saved after it. Also ends an open load after a failure elsewhere (the session is
   * then free for the next statement).
   */
  flush(): Promise<void>;
  /**
   * Puts `shadow` in the place of `live` (atomically where the engine can), with the source DDL's
   * foreign keys, and drops what was live.
   */
  swapIn(shadow: string, live: string, sourceDdl: string, sourceName: string): Promise<void>;
  /** Adds the source DDL's foreign keys to a table created without them (strategy truncate, new table). */
  addForeignKeys(name: string, sourceDdl: string, sourceName: string): Promise<void>;
  checksum(table: CopyTable, name: string): Promise<TableChecksum>;
  interrupt(): Promise<void>;
  close(): Promise<void>;
}

export interface CopyEngine {
  /** Opens the source database for a consistent read. */
  openSource(spec: ConnectionSpec, options: { timeoutMs: number }): Promise<CopySource>;
  /** Opens the target database (created by ensureDatabase if missing). `source` supplies charset and collation. */
  openTarget(spec: ConnectionSpec, source: CopySource, options: { timeoutMs: number }): Promise<CopyTarget>;
  /** Compares key ranges of one table on both sides; called when checksums differ, to name where. */
  differingRanges(source: CopySource, target: CopyTarget, table: CopyTable, targetName: string): Promise<DifferingRange[]>;
  /** Views, routines, triggers and events (`--objects`): a capability, absent where an engine has none yet. */
  readonly objects?: ObjectCopier;
  /** Copies between two databases of one server done by the server itself: absent where an engine cannot. */
  readonly serverSide?: ServerSideCopier;
  /** Cutting one table into parts copied by several lanes at once: absent where an engine cannot. */
  readonly split?: TableSplitter;
  /** Whether the engine applies `CopyTable.filter` to every read of the source (row filters). */
  readonly rowFilters: boolean;
  /** Incremental sync (changes since a mark, upserts, deletes): absent where an engine has none yet. */
  readonly changes?: ChangeCopier;
}

/**
 * Parallel copy within a table. A large table is cut into key ranges ("parts") on its first primary-key
 * column, and the lanes copy the parts at once into the same target table. So that the parts still
 * describe one instant of the source, their readers start their consistent reads together, lined up
 * by a short lock on the table (what mydumper does for the whole server).
 */
export interface TableSplitter {
  /**
   * Where to cut `table` into `parts` ranges of about equal size: the inclusive upper bounds of every
   * part but the last, as key prefixes in key order. Empty when the table cannot or need not be cut.
   */
  splitPoints(source: CopySource, table: CopyTable, parts: number): Promise<KeyPosition[]>;
  /**
   * Starts a consistent read on every reader at one instant of `table` (`beginRead` of each, while
   * writes to the table are held for a moment). Answers false, with nothing started, when the
   * source does not allow it (no privilege to lock, or the lock was not granted within a second):
   * the table is then copied whole.
   */
  beginSharedRead(readers: readonly CopySource[], table: CopyTable): Promise<boolean>;
}

export interface ChunkResult {
  readonly rows: number;
  /** The chunk's last key (where the next chunk starts); null when the chunk reached the table's end. */
  readonly lastKey: KeyPosition | null;
}

export interface ServerSideCopier {
  /** Whether the target session can read the source database on its own server (same server and user). */
  sameServer(source: CopySource, target: CopyTarget): boolean;
  /**
   * Copies the next `limit` rows after `after` (in key order; the whole table when it has no primary
   * key), up to `until` inclusive when given, into `dest` with one statement the server runs itself;
   * committed when it returns.
   */
  copyChunk(source: CopySource, target: CopyTarget, table: CopyTable, dest: string, after: KeyPosition | null, limit: number, until?: KeyPosition | null): Promise<ChunkResult>;
}

export interface ObjectCopier {
  /**
   * The source database's views, routines, triggers and events, in an order the target can create
   * them in (a view after the views and functions it reads; triggers and events last).
   */
  list(source: CopySource): Promise<DatabaseObject[]>;
  /**
   * Creates them on the target in that order, replacing objects of the same name, rewritten for the
   * target database (a reference to the source database by name points at the target database).
   */
  create(target: CopyTarget, objects: readonly DatabaseObject[]): Promise<void>;
}

/** A column an incremental sync can follow: one whose value grows whenever a row is written. */
export interface CursorCandidate {
  readonly column: string;
  /** temporal: DATETIME/TIMESTAMP/DATE (the overlap window applies); integer: a growing number, such as an auto-increment key. */
  readonly kind: 'temporal' | 'integer';
  /** Whether an index starts with it (without one, every run sorts the table). */
  readonly indexed: boolean;
  readonly autoIncrement: boolean;
  /** Whether it is the table's whole primary key (the key then is the cursor: no tie-breaker needed). */
  readonly isPrimaryKey: boolean;
  /** Rows with a NULL cursor cannot be followed: every run reads them again. */
  readonly nullable: boolean;
  /** Whether the server sets it on every update (`ON UPDATE CURRENT_TIMESTAMP`): the surest sign of a change cursor. */
  readonly setOnUpdate: boolean;
}

/**
 * A position in (cursor, primary key) order, encoded like KeyPosition: the cursor's value, then the
 * key's. The mark of a table is the position of the newest row copied: taken from the data, never
 * from a clock.
 */
export type ChangeMark = readonly string[];

export interface ChangeReadOptions {
  readonly cursor: CursorCandidate;
  /** Rows after the table's mark (for a temporal cursor, from `overlapSeconds` before its value on); null: every row. */
  readonly since: ChangeMark | null;
  readonly overlapSeconds: number;
  /** Resuming inside this run: rows strictly after this position. */
  readonly after: ChangeMark | null;
  readonly batchRows: number;
  readonly batchBytes: number;
  /** As in ReadOptions: a small first batch, doubling up to batchRows. */
  readonly firstBatchRows?: number;
  readonly signal: AbortSignal;
}

export interface ChangeBatch {
  /** Changed rows the filter selects (or all, without a filter), in `CopyTable.copied` order: upserted. */
  readonly rows: ReadonlyArray<readonly unknown[]>;
  /** Keys of changed rows the filter no longer selects: deleted from the target, so it stays the subset. */
  readonly gone: readonly KeyPosition[];
  readonly bytes: number;
  /** The position of the batch's last row; null for rows whose cursor is NULL (read first, every run). */
  readonly mark: ChangeMark | null;
}

/** How a changed row meets a target row of the same key: overwrite it, keep it, or fail if they differ. */
export type ConflictResolution = 'overwrite' | 'skip' | 'error';

export interface SchemaDiff {
  /** Source columns the target table lacks; `addable` when nullable or with a default (old rows stay equal). */
  readonly added: ReadonlyArray<{ readonly column: string; readonly addable: boolean }>;
  readonly dropped: readonly string[];
  readonly changed: ReadonlyArray<{ readonly column: string; readonly source: string; readonly target: string }>;
}

/**
 * Incremental sync: changes since a mark, applied as upserts by primary key. Writes are idempotent
 * (re-applying a batch leaves the same rows), which is what makes a resumed or overlapping read safe.
 */
export interface ChangeCopier {
  /** The table's columns that can be a cursor, best first (the task picks by name among them). */
  cursorCandidates(source: CopySource, table: CopyTable): Promise<CursorCandidate[]>;
  /** The newest position of the table (its filter applied); null when no row has a cursor value. */
  newestMark(source: CopySource, table: CopyTable, cursor: CursorCandidate): Promise<ChangeMark | null>;
  /** Rows whose cursor is NULL first (they cannot be followed, so every run re-reads them), then the changed rows in (cursor, key) order. */
  readChanges(source: CopySource, table: CopyTable, options: ChangeReadOptions): AsyncIterable<ChangeBatch>;
  /**
   * Readies a target session to apply changes to `name` (a staging table, say) before the first batch
   * arrives, so that work overlaps the first read. Answers whether batches of one run may be applied
   * on several sessions at once: they hold disjoint keys, so only another unique key of the target
   * table (whose values rows may swap between batches) makes their order matter. Absent: applyChanges
   * readies the session itself, and batches are applied one at a time.
   */
  prepareApply?(target: CopyTarget, table: CopyTable, name: string): Promise<{ readonly concurrent: boolean }>;
  /** Upserts the batch's rows into `name` and deletes its `gone` keys, in one transaction; answers the rows written and deleted. */
  applyChanges(target: CopyTarget, table: CopyTable, name: string, batch: ChangeBatch, conflict: ConflictResolution): Promise<{ written: number; deleted: number }>;
  /** How the target table's columns differ from the source's. */
  schemaDiff(source: CopySource, target: CopyTarget, table: CopyTable, name: string): Promise<SchemaDiff>;
  /** Adds source columns to the target table, with the source DDL's definitions. */
  addColumns(target: CopyTarget, name: string, sourceDdl: string, sourceName: string, columns: readonly string[]): Promise<void>;
  /**
   * Deletes from `name` the keys the source (its filter applied) no longer has: key ranges compared by
   * count and checksum of their keys on both sides, keys read only where a range differs. Answers the
   * rows deleted and how many keys were compared.
   */
  deleteGone(source: CopySource, target: CopyTarget, table: CopyTable, name: string, signal: AbortSignal): Promise<{ deleted: number; ranges: number; differing: number }>;
}
