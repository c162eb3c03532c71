import type { ConnectionSpec } from '../../domain/connection-url.js';
import { DbfError } from '../../domain/errors.js';
import { checkRowFilter } from '../../domain/row-filter.js';
import type { CopySource, CopyTable, ReadOptions, RowBatch, TableChecksum } from '../copy-ports.js';
import { batchRowsAt, byName, toNumber, toText } from '../rows.js';
import { copyFailed, fileExists, filePath, hasCompileOption, openDatabase, sqliteVersion, SqliteHandle } from './sqlite-copy-connection.js';
import { afterKey, keyRange, mainTable, quoteIdent, sameName, whereClause, withFilter } from './sqlite-copy-sql.js';
import type { SqliteValue } from './sqlite-copy-sql.js';
import { decodeKey, encodeKey, isSqliteValue, keyIndexes, ROWS_PER_TURN, runChecksum, valueBytes, yieldTurn } from './sqlite-copy-values.js';

/** An index or trigger of a source table, as sqlite_schema holds it. */
export interface SchemaObject {
  readonly type: 'index' | 'trigger';
  readonly name: string;
  readonly sql: string;
}

/** A cut of the key order (verification drill-down): rows after `low` up to `high`, null ends open. */
export interface KeyRange {
  readonly low: SqliteValue[] | null;
  readonly high: SqliteValue[] | null;
  /** The source's first and last key in the range (null when the source has no row in it). */
  readonly first: SqliteValue[] | null;
  readonly last: SqliteValue[] | null;
}

/** A statement being iterated by readRows: ended (with why) when the read is cut short. */
interface Cursor {
  readonly iterator: IterableIterator<unknown[]>;
  ended: string | null;
}

/** Names starting with "sqlite_" (any case) are SQLite's own tables. */
function isInternal(name: string): boolean {
  return name.slice(0, 7).toLowerCase() === 'sqlite_';
}

/**
 * The reading end of a SQLite copy: the file opened read-only (a mistyped path is never created, the
 * user's file never written). Rows are read with raw arrays and safe integers, so every value keeps
 * its storage class: INTEGER as bigint, REAL as number, TEXT as string, BLOB as Buffer, NULL as null.
 *
 * A table's row filter (CopyTable.filter) is part of every read: rows, checksums, key ranges.
 *
 * One consistent read is a read transaction (BEGIN, then a first read, which is what takes the
 * snapshot in WAL mode). In rollback-journal mode that read holds a SHARED lock: writers of the source
 * wait (and fail with SQLITE_BUSY after their timeout) until endRead().
 */
export class SqliteCopySource implements CopySource {
  readonly #cursors = new Set<Cursor>();

  constructor(
    readonly handle: SqliteHandle,
    readonly version: string,
    /** `PRAGMA encoding` (UTF-8, UTF-16le, UTF-16be): a created target gets the same. */
    readonly encoding: string,
    private readonly dbstat: boolean,
  ) {}

  static async open(spec: ConnectionSpec, options: { timeoutMs: number }): Promise<SqliteCopySource> {
    const file = filePath(spec, 'source');
    if (!(await fileExists(file))) throw new DbfError('DBF_CONN_UNKNOWN_DATABASE', `sqlite file "${file}" does not exist`);
    const handle = new SqliteHandle(openDatabase(file, { readonly: true, fileMustExist: true, timeout: options.timeoutMs }), file);
    try {
      const encoding = toText(handle.all('reading the text encoding', 'SELECT encoding FROM pragma_encoding')[0]?.['encoding']);
      return new SqliteCopySource(handle, sqliteVersion(handle), encoding, hasCompileOption(handle, 'ENABLE_DBSTAT_VTAB'));
    } catch (error) {
      handle.close();
      throw error;
    }
  }

  get file(): string {
    return this.handle.file;
  }

  describe(): string {
    return `SQLite ${this.version}`;
  }

  /** Ordinary tables: views, virtual tables, their shadow tables and SQLite's own tables left out. */
  async listTables(): Promise<string[]> {
    const rows = this.handle.all('listing tables', "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table'");
    const names = rows.map((r) => toText(r['name'])).filter((n) => !isInternal(n));
    return names.map((name) => ({ name })).sort(byName).map((t) => t.name);
  }

  async table(requested: string): Promise<CopyTable> {
    const { name, withoutRowid } = this.#lookup(requested);
    const columns = this.handle
      .all(`describing table ${name}`, "SELECT name, hidden FROM pragma_table_xinfo(?, 'main') ORDER BY cid", [name])
      // hidden 2 and 3: generated columns (VIRTUAL, STORED), recomputed by the target.
      .map((c) => ({ name: toText(c['name']), generated: toNumber(c['hidden']) === 2 || toNumber(c['hidden']) === 3 }));
    const copied = columns.filter((c) => !c.generated).map((c) => c.name);
    const keyColumns = this.handle.all(
      `reading the primary key of ${name}`,
      "SELECT name, upper(type) AS type, \"notnull\" AS nn FROM pragma_table_info(?, 'main') WHERE pk > 0 ORDER BY pk",
      [name],
    );
    let primaryKey = keyColumns.map((k) => toText(k['name']));
    if (primaryKey.some((k) => !copied.includes(k))) primaryKey = [];
    if (primaryKey.length > 0 && this.#duplicateNullKeys(name, withoutRowid, keyColumns)) primaryKey = [];
    const tables = this.handle.all('listing tables', "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table'").map((r) => toText(r['name']));
    const references = new Set<string>();
    for (const row of this.handle.all(`reading the foreign keys of ${name}`, `SELECT DISTINCT "table" AS ref FROM pragma_foreign_key_list(?, 'main')`, [name])) {
      const ref = toText(row['ref']);
      // Foreign keys name their parent as written, in any case: the parent's own spelling is kept.
      const parent = tables.find((t) => sameName(t, ref)) ?? ref;
      if (!sameName(parent, name)) references.add(parent);
    }
    const [count] = this.handle.all(`counting the rows of ${name}`, `SELECT count(*) AS n FROM ${mainTable(name)}`);
    return {
      name,
      columns,
      copied,
      primaryKey,
      references: [...references].sort(),
      rowEstimate: toNumber(count?.['n']) ?? 0,
      filter: null,
      sizeBytes: this.#sizeBytes(name),
    };
  }

  /** The filter compiled against the table (EXPLAIN prepares it without reading a row). */
  async checkFilter(table: CopyTable, filter: string): Promise<void> {
    checkRowFilter(filter);
    try {
      this.handle.all(`checking the filter of ${table.name}`, `EXPLAIN SELECT 1 FROM ${mainTable(table.name)} WHERE (${filter})`);
    } catch (error) {
      throw new DbfError('DBF_INVALID_FILTER', `the filter of ${table.name} is not a valid condition on it: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  async createStatement(requested: string): Promise<string> {
    const { name } = this.#lookup(requested);
    const [row] = this.handle.all(`reading the DDL of ${name}`, "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?", [name]);
    return toText(row?.['sql']);
  }

  /** The table's indexes (those with SQL: not the automatic ones of UNIQUE and PRIMARY KEY) and triggers. */
  schemaObjects(name: string): SchemaObject[] {
    return this.handle
      .all(
        `reading the indexes and triggers of ${name}`,
        "SELECT type, name, sql FROM sqlite_schema WHERE type IN ('index', 'trigger') AND tbl_name = ? COLLATE NOCASE AND sql IS NOT NULL ORDER BY rowid",
        [name],
      )
      .map((r) => ({ type: toText(r['type']) === 'index' ? 'index' : 'trigger', name: toText(r['name']), sql: toText(r['sql']) }));
  }

  /** The database's views with their CREATE statements, in creation order (a view after the views it reads). */
  views(): Array<{ name: string; sql: string }> {
    return this.handle
      .all('reading the views', "SELECT name, sql FROM sqlite_schema WHERE type = 'view' AND sql IS NOT NULL ORDER BY rowid")
      .map((r) => ({ name: toText(r['name']), sql: toText(r['sql']) }));
  }

  /** The AUTOINCREMENT counter of the table (sqlite_sequence), null when it has none. */
  sequence(name: string): bigint | null {
    return this.handle.run(`reading the AUTOINCREMENT counter of ${name}`, (db) => {
      if (db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'sqlite_sequence'").get() === undefined) return null;
      const value = db.prepare<unknown[], unknown>('SELECT seq FROM sqlite_sequence WHERE name = ? COLLATE NOCASE').pluck(true).safeIntegers(true).get([name]);
      return typeof value === 'bigint' ? value : null;
    });
  }

  async beginRead(): Promise<void> {
    this.#endCursors('a new consistent read began');
    this.handle.run('starting a consistent read', (db) => {
      if (db.inTransaction) db.exec('COMMIT');
      db.exec('BEGIN');
      // A deferred transaction takes its snapshot (and its SHARED lock) at its first read.
      db.prepare('SELECT count(*) FROM sqlite_schema').get();
    });
  }

  async endRead(): Promise<void> {
    this.#endCursors('the consistent read ended');
    if (!this.handle.closed) {
      this.handle.run('ending the consistent read', (db) => {
        if (db.inTransaction) db.exec('COMMIT');
      });
    }
  }

  async *readRows(table: CopyTable, options: ReadOptions): AsyncIterable<RowBatch> {
    // The SQLite engine has no TableSplitter, so no part (an `until`) is ever asked of it.
    if (options.until) throw new TypeError('the SQLite copy engine does not read parts of a table');
    const indexes = keyIndexes(table);
    const after = indexes.length > 0 && options.after !== null ? afterKey(table.primaryKey, decodeKey(table, options.after)) : null;
    const where = withFilter(table.filter, after);
    const order = indexes.length > 0 ? ` ORDER BY ${table.primaryKey.map(quoteIdent).join(', ')}` : '';
    const sql = `SELECT ${table.copied.map(quoteIdent).join(', ')} FROM ${mainTable(table.name)}${whereClause(where)}${order}`;
    for await (const batch of this.streamRows(`reading ${table.name}`, sql, where?.params ?? [], options)) {
      const last = batch.rows[batch.rows.length - 1];
      if (last !== undefined) yield { rows: batch.rows, bytes: batch.bytes, lastKey: indexes.length > 0 ? encodeKey(last, indexes) : null };
    }
  }

  /**
   * A statement's rows in batches of `batchRows` rows or `batchBytes` bytes, with a turn of the event
   * loop between batches: the next batch is read only when the consumer asks for it, and a cancel,
   * interrupt() or endRead() in between ends the read with DBF_COPY_FAILED (never a silent short read).
   */
  async *streamRows(what: string, sql: string, params: readonly SqliteValue[], options: Pick<ReadOptions, 'batchRows' | 'batchBytes' | 'firstBatchRows' | 'signal'>): AsyncIterable<{ rows: unknown[][]; bytes: number }> {
    const check = this.handle.guard(what);
    const maxBytes = Math.max(1, options.batchBytes);
    options.signal.throwIfAborted();
    const iterator = this.handle.run(what, (db) => db.prepare<unknown[], unknown[]>(sql).raw(true).safeIntegers(true).iterate([...params]));
    const cursor: Cursor = { iterator, ended: null };
    this.#cursors.add(cursor);
    const stopped = (reason: string): DbfError => new DbfError('DBF_COPY_FAILED', `${what} on sqlite file "${this.file}" stopped: ${reason}`);
    try {
      for (let batch = 0; ; batch += 1) {
        const maxRows = batchRowsAt(options, batch);
        const rows: unknown[][] = [];
        let bytes = 0;
        const done = this.handle.run(what, () => {
          while (rows.length < maxRows && bytes < maxBytes) {
            const next = iterator.next();
            if (next.done === true) return true;
            rows.push(next.value);
            for (const value of next.value) bytes += valueBytes(value);
          }
          return false;
        });
        if (cursor.ended !== null) throw stopped(cursor.ended);
        if (rows.length > 0) yield { rows, bytes };
        if (done) return;
        // Between batches: a turn for timers and I/O, then cancel, interrupt and endRead are honoured.
        await yieldTurn();
        options.signal.throwIfAborted();
        check();
        if (cursor.ended !== null) throw stopped(cursor.ended);
      }
    } finally {
      iterator.return?.();
      this.#cursors.delete(cursor);
    }
  }

  async checksum(table: CopyTable): Promise<TableChecksum> {
    return this.rangeChecksum(table, null, null);
  }

  /** Count and checksum of the rows (the filter's) after `low` up to `high` (every row when both are null). */
  async rangeChecksum(table: CopyTable, low: SqliteValue[] | null, high: SqliteValue[] | null): Promise<TableChecksum> {
    const what = `checksumming ${table.name} on the source`;
    const where = withFilter(table.filter, low === null && high === null ? null : keyRange(table.primaryKey, low, high));
    try {
      return await runChecksum(this.handle.db, table, table.name, where, this.handle.guard(what));
    } catch (error) {
      throw copyFailed(error, this.file, what);
    }
  }

  /** The key order (of the filter's rows) cut every `rows` rows, read from the source's keys (one pass over the key). */
  async keyRanges(table: CopyTable, rows: number): Promise<KeyRange[]> {
    const what = `reading the keys of ${table.name}`;
    const check = this.handle.guard(what);
    const columns = table.primaryKey.map(quoteIdent).join(', ');
    const ranges: KeyRange[] = [];
    let low: SqliteValue[] | null = null;
    let first: SqliteValue[] | null = null;
    let last: SqliteValue[] | null = null;
    let seen = 0;
    try {
      const where = whereClause(withFilter(table.filter, null));
      const iterator = this.handle.db.prepare<unknown[], unknown[]>(`SELECT ${columns} FROM ${mainTable(table.name)}${where} ORDER BY ${columns}`).raw(true).safeIntegers(true).iterate();
      try {
        for (let next = iterator.next(); next.done !== true; next = iterator.next()) {
          const key = next.value.map((v) => (isSqliteValue(v) ? v : null));
          first ??= key;
          last = key;
          seen += 1;
          if (seen % rows === 0) {
            ranges.push({ low, high: key, first, last });
            low = key;
            first = null;
          }
          if (seen % ROWS_PER_TURN === 0) {
            await yieldTurn();
            check();
          }
        }
      } finally {
        iterator.return?.();
      }
    } catch (error) {
      throw copyFailed(error, this.file, what);
    }
    // The last range is open: it also holds whatever the target has after the source's last key.
    ranges.push({ low, high: null, first, last: first === null ? null : last });
    return ranges;
  }

  /** interrupt() cannot stop a synchronous call; it ends suspended reads (see SqliteHandle). */
  async interrupt(): Promise<void> {
    this.handle.interrupt();
    this.#endCursors('the read was interrupted');
  }

  async close(): Promise<void> {
    this.#endCursors('the source was closed');
    this.handle.close();
  }

  #lookup(requested: string): { name: string; withoutRowid: boolean } {
    const [row] = this.handle.all(`looking up table ${requested}`, "SELECT name, type, wr FROM pragma_table_list WHERE schema = 'main' AND name = ? COLLATE NOCASE", [requested]);
    const name = row === undefined ? null : toText(row['name']);
    if (name === null || isInternal(name)) {
      throw new DbfError('DBF_TABLE_NOT_FOUND', `table "${requested}" does not exist in sqlite file "${this.file}"`);
    }
    const type = toText(row?.['type']);
    if (type !== 'table') {
      const kind = type === 'virtual' ? 'a virtual table' : type === 'shadow' ? 'the shadow table of a virtual table' : 'a view';
      throw new DbfError('DBF_TABLE_NOT_FOUND', `"${name}" in sqlite file "${this.file}" is ${kind}, not a table that can be copied`);
    }
    return { name, withoutRowid: toNumber(row?.['wr']) === 1 };
  }

  /**
   * Whether two rows share a key with NULLs in it. A rowid table's PRIMARY KEY (other than INTEGER
   * PRIMARY KEY, the rowid itself) takes NULLs, which are distinct to its uniqueness: such rows cannot
   * be told apart by keyset reads, so the table is then copied whole. One NULL key is fine (NULL sorts
   * first, and the keyset conditions handle it). WITHOUT ROWID tables refuse NULL keys.
   */
  #duplicateNullKeys(name: string, withoutRowid: boolean, keyColumns: ReadonlyArray<Readonly<Record<string, unknown>>>): boolean {
    if (withoutRowid) return false;
    if (keyColumns.length === 1 && keyColumns[0]?.['type'] === 'INTEGER') return false;
    const nullable = keyColumns.filter((k) => toNumber(k['nn']) === 0).map((k) => `${quoteIdent(toText(k['name']))} IS NULL`);
    if (nullable.length === 0) return false;
    const key = keyColumns.map((k) => quoteIdent(toText(k['name']))).join(', ');
    const rows = this.handle.all(
      `looking for NULL keys in ${name}`,
      `SELECT 1 FROM ${mainTable(name)} WHERE ${nullable.join(' OR ')} GROUP BY ${key} HAVING count(*) > 1 LIMIT 1`,
    );
    return rows.length > 0;
  }

  /** Bytes of the table and its indexes, from dbstat; 0 when this SQLite lacks it. */
  #sizeBytes(name: string): number {
    if (!this.dbstat) return 0;
    const objects = this.handle.all(`measuring ${name}`, 'SELECT name FROM sqlite_schema WHERE tbl_name = ? AND rootpage > 0', [name]);
    let total = 0;
    for (const object of objects) {
      const [row] = this.handle.all(`measuring ${name}`, "SELECT pgsize FROM dbstat('main', 1) WHERE name = ?", [toText(object['name'])]);
      total += toNumber(row?.['pgsize']) ?? 0;
    }
    return total;
  }

  #endCursors(reason: string): void {
    for (const cursor of this.#cursors) {
      cursor.ended = reason;
      cursor.iterator.return?.();
    }
    this.#cursors.clear();
  }
}
