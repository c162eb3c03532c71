import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import type { ConnectionSpec } from '../../domain/connection-url.js';
import { DbfError } from '../../domain/errors.js';
import { InTurn } from '../in-turn.js';
import type { CopySource, CopyTable, CopyTarget, KeyPosition, TableChecksum } from '../copy-ports.js';
import { copyFailed, fileExists, filePath, openDatabase, SqliteHandle, variableLimit } from './sqlite-copy-connection.js';
import { SqliteCopySource } from './sqlite-copy-source.js';
import { afterKey, keyRange, mainTable, quoteIdent, rewriteCreateTable, rewriteOnTable } from './sqlite-copy-sql.js';
import type { SqliteValue } from './sqlite-copy-sql.js';
import { withoutTriggers } from './sqlite-triggers.js';
import { decodeKey, isSqliteValue, keyIndexes, runChecksum } from './sqlite-copy-values.js';

const ENCODINGS = new Set(['UTF-8', 'UTF-16le', 'UTF-16be']);

/**
 * The work queued on each target file in this process. Lanes copy tables at once, each over its own
 * connection; SQLite takes one writer at a time, and a writer cannot commit while another connection
 * holds a read open (rollback-journal mode). The calls are synchronous except a checksum, which spans
 * turns of the event loop: a write on another lane would then spin in the busy timeout, on the thread
 * the checksum needs to finish. So target work on one file runs in turn, in the order it was asked for.
 */
const fileQueues = new InTurn();

/**
 * The writing end of a SQLite copy: the file opened read-write, created (with its folder) by
 * ensureDatabase() only. Rows are written as the source read them, bound to prepared multi-row
 * INSERTs (a bigint binds as INTEGER, a number as REAL, a Buffer as BLOB), one transaction per batch.
 *
 * The connection runs with `foreign_keys = OFF` (SQLite's foreign keys are inline in CREATE TABLE, so
 * they come with the DDL and are not enforced while tables load in any order) and
 * `legacy_alter_table = ON`: a rename then neither rewrites other tables' foreign keys nor re-checks
 * views and triggers, which would fail on a view of the live table in the moment it is dropped.
 */
export class SqliteCopyTarget implements CopyTarget {
  #handle: SqliteHandle | null = null;
  #variables = 999;
  /** Full-size INSERTs per table, dropped on every DDL (a renamed or dropped table fails them). */
  readonly #inserts = new Map<string, Database.Statement<unknown[], unknown>>();

  constructor(
    readonly file: string,
    private readonly source: SqliteCopySource,
    private readonly timeoutMs: number,
  ) {}

  static async open(spec: ConnectionSpec, source: SqliteCopySource, options: { timeoutMs: number }): Promise<SqliteCopyTarget> {
    const target = new SqliteCopyTarget(filePath(spec, 'target'), source, options.timeoutMs);
    if (await fileExists(target.file)) target.#attach(false);
    return target;
  }

  describe(): string {
    return `SQLite ${this.source.version}`;
  }

  async databaseExists(): Promise<boolean> {
    return this.#handle !== null || (await fileExists(this.file));
  }

  async ensureDatabase(): Promise<'created' | 'exists'> {
    if (this.#handle !== null) return 'exists';
    if (await fileExists(this.file)) {
      this.#attach(false);
      return 'exists';
    }
    try {
      await mkdir(dirname(this.file), { recursive: true });
    } catch (error) {
      throw copyFailed(error, this.file, `creating the folder of the target file`);
    }
    this.#attach(true);
    return 'created';
  }

  async tableExists(name: string): Promise<boolean> {
    // Before ensureDatabase() a missing file holds no table (a dry run asks without creating it).
    if (this.#handle === null) return false;
    return this.#handle.all(`looking up table ${name}`, "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ? COLLATE NOCASE", [name]).length > 0;
  }

  async createTable(name: string, sourceDdl: string, sourceName: string): Promise<void> {
    const ddl = rewriteCreateTable(sourceDdl, sourceName, name);
    await this.#ddl(`creating ${name}`, (db) => db.exec(ddl));
  }

  /** Nothing is deferred by createTable: a shadow gets the source's indexes when it is swapped in. */
  completeTable(): Promise<void> {
    return Promise.resolve();
  }

  async dropTable(name: string): Promise<void> {
    await this.#ddl(`dropping ${name}`, (db) => db.exec(`DROP TABLE IF EXISTS ${mainTable(name)}`));
  }

  async renameTable(from: string, to: string): Promise<void> {
    await this.#ddl(`renaming ${from} to ${to}`, (db) => db.exec(`ALTER TABLE ${mainTable(from)} RENAME TO ${quoteIdent(to)}`));
  }

  async truncate(name: string): Promise<void> {
    await this.#write(`emptying ${name}`, (db) => db.transaction(() => withoutTriggers(db, name, () => db.prepare(`DELETE FROM ${mainTable(name)}`).run())).immediate());
  }

  async deleteAfter(table: CopyTable, name: string, after: KeyPosition | null, until?: KeyPosition | null): Promise<number> {
    if (until) throw new TypeError('the SQLite copy engine does not copy parts of a table');
    const where = after === null || keyIndexes(table).length === 0 ? null : afterKey(table.primaryKey, decodeKey(table, after));
    const sql = `DELETE FROM ${mainTable(name)}${where === null ? '' : ` WHERE ${where.sql}`}`;
    const result = await this.#write(`removing the rows after the checkpoint from ${name}`, (db) => db.transaction(() => withoutTriggers(db, name, () => db.prepare(sql).run(where?.params ?? []))).immediate());
    return result.changes;
  }

  /**
   * A batch is one transaction (a commit per batch is what costs on SQLite), made of INSERTs of as
   * many rows as the bound-parameter limit allows; the row and byte bounds keep a batch's memory small.
   */
  batchLimits(): { rows: number; bytes: number } {
    return { rows: 10_000, bytes: 8 * 1024 * 1024 };
  }

  /** Nothing to do: every batch is committed by writeRows in its own transaction. */
  flush(): Promise<void> {
    return Promise.resolve();
  }

  async writeRows(table: CopyTable, name: string, rows: ReadonlyArray<readonly unknown[]>): Promise<void> {
    if (rows.length === 0) return;
    const width = table.copied.length;
    const values: SqliteValue[] = [];
    for (const row of rows) {
      if (row.length !== width) throw new DbfError('DBF_COPY_FAILED', `writing ${name}: a row has ${row.length} values for ${width} columns`);
      for (const value of row) {
        if (!isSqliteValue(value)) throw new DbfError('DBF_COPY_FAILED', `writing ${name}: a value is not one SQLite stores (${typeof value})`);
        values.push(value);
      }
    }
    const perStatement = Math.max(1, Math.floor(this.#variables / width));
    const stored = await this.#write(`writing ${rows.length} ${rows.length === 1 ? 'row' : 'rows'} into ${name}`, (db) =>
      db
        .transaction(() =>
          withoutTriggers(db, name, () => {
            let changes = 0;
            for (let start = 0; start < rows.length; start += perStatement) {
              const count = Math.min(perStatement, rows.length - start);
              const statement = this.#insert(db, table, name, count, count === perStatement);
              changes += statement.run(values.slice(start * width, (start + count) * width)).changes;
            }
            return changes;
          }),
        )
        .immediate(),
    );
    if (stored !== rows.length) throw new DbfError('DBF_COPY_FAILED', `writing ${name}: the target stored ${stored} of ${rows.length} rows`);
  }

  /**
   * One transaction: the live table (if any) is dropped, the shadow renamed to its name, and the source
   * table's indexes and triggers created on it, with its AUTOINCREMENT counter. Readers see the old
   * table or the new one, never none or a half-filled one. Foreign keys need no step: they are inline
   * in the DDL the shadow was created with, and other tables' keys still name the live table.
   */
  async swapIn(shadow: string, live: string, _sourceDdl: string, sourceName: string): Promise<void> {
    const objects = this.source.schemaObjects(sourceName);
    const sequence = this.source.sequence(sourceName);
    await this.#ddl(`swapping ${shadow} in for ${live}`, (db) =>
      db
        .transaction(() => {
          if (db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ? COLLATE NOCASE").get([live]) !== undefined) {
            db.exec(`DROP TABLE ${mainTable(live)}`);
          }
          db.exec(`ALTER TABLE ${mainTable(shadow)} RENAME TO ${quoteIdent(live)}`);
          for (const object of objects) db.exec(rewriteOnTable(object.sql, sourceName, live));
          carrySequence(db, live, sequence);
        })
        .immediate(),
    );
  }

  /**
   * SQLite's foreign keys are inline in CREATE TABLE, so a table created directly (strategy truncate,
   * new table) has them already. What it lacks are the source's indexes, created here, before the load
   * (and its AUTOINCREMENT counter). Its triggers are not: the port has no step after the load to add
   * them in (a table that has them already, strategy truncate, keeps them, set aside while it is
   * emptied and loaded: see withoutTriggers).
   */
  async addForeignKeys(name: string, _sourceDdl: string, sourceName: string): Promise<void> {
    const indexes = this.source.schemaObjects(sourceName).filter((o) => o.type === 'index');
    const sequence = this.source.sequence(sourceName);
    await this.#ddl(`creating the indexes of ${name}`, (db) =>
      db
        .transaction(() => {
          for (const index of indexes) db.exec(rewriteOnTable(index.sql, sourceName, name));
          carrySequence(db, name, sequence);
        })
        .immediate(),
    );
  }

  /** Replaces the target's views by the given ones, in one transaction (a view reads its tables by name). */
  async createViews(views: ReadonlyArray<{ name: string; sql: string }>): Promise<void> {
    await this.#ddl('creating the views', (db) => {
      db.transaction(() => {
        for (const view of views) {
          db.exec(`DROP VIEW IF EXISTS ${quoteIdent(view.name)}`);
          db.exec(view.sql);
        }
      })();
    });
  }

  async checksum(table: CopyTable, name: string): Promise<TableChecksum> {
    return this.rangeChecksum(table, name, null, null);
  }

  rangeChecksum(table: CopyTable, name: string, low: SqliteValue[] | null, high: SqliteValue[] | null): Promise<TableChecksum> {
    const handle = this.#target();
    const what = `checksumming ${name} on the target`;
    const where = low === null && high === null ? null : keyRange(table.primaryKey, low, high);
    const check = handle.guard(what);
    // The scan keeps its statement (a read lock on the file) open across turns of the event loop:
    // writes of other lanes to the same file wait for it here rather than fail busy in SQLite.
    return fileQueues.run(this.file, async () => {
      try {
        return await runChecksum(handle.db, table, name, where, check);
      } catch (error) {
        throw copyFailed(error, this.file, what);
      }
    });
  }

  /**
   * Synchronous work on the target file in its turn (see fileQueues), for the change copier's upserts
   * and deletes; `ddl` also drops the cached INSERTs (a changed table fails them).
   */
  inTurn<T>(what: string, work: (db: Database.Database) => T, options: { ddl?: boolean } = {}): Promise<T> {
    return this.#write(what, (db) => {
      if (options.ddl === true) this.#inserts.clear();
      return work(db);
    });
  }

  /** Rows of a catalog query of the target (pragma_table_xinfo …) as records. */
  catalog(what: string, sql: string, params: readonly unknown[] = []): ReturnType<SqliteHandle['all']> {
    return this.#target().all(what, sql, params);
  }

  /** Most parameters one statement may bind on the target. */
  get maxVariables(): number {
    return this.#variables;
  }

  /** Ends a checksum suspended between turns; nothing else is ever in flight (see SqliteHandle). */
  async interrupt(): Promise<void> {
    this.#handle?.interrupt();
  }

  async close(): Promise<void> {
    this.#inserts.clear();
    this.#handle?.close();
  }

  #attach(create: boolean): void {
    const encoding = this.source.encoding;
    const db = openDatabase(this.file, { fileMustExist: !create, timeout: this.timeoutMs }, (opened) => {
      // Only a new, empty file takes an encoding: the same as the source's, so TEXT keeps its bytes.
      if (create && ENCODINGS.has(encoding)) opened.pragma(`encoding = '${encoding}'`);
      opened.pragma('foreign_keys = OFF');
      opened.pragma('legacy_alter_table = ON');
    });
    this.#handle = new SqliteHandle(db, this.file);
    this.#variables = variableLimit(this.#handle);
  }

  #target(): SqliteHandle {
    if (this.#handle === null) {
      throw new DbfError('DBF_COPY_FAILED', `the target sqlite file "${this.file}" does not exist yet (ensureDatabase creates it)`);
    }
    return this.#handle;
  }

  /** Writes run one at a time per file, and never while a checksum of the file is suspended. */
  #write<T>(what: string, work: (db: Database.Database) => T): Promise<T> {
    const handle = this.#target();
    return fileQueues.run(this.file, () => handle.run(what, work));
  }

  async #ddl(what: string, work: (db: Database.Database) => unknown): Promise<void> {
    await this.#write(what, (db) => {
      this.#inserts.clear();
      return work(db);
    });
  }

  #insert(db: Database.Database, table: CopyTable, name: string, rows: number, cache: boolean): Database.Statement<unknown[], unknown> {
    const key = `${name}\u0000${rows}`;
    const cached = cache ? this.#inserts.get(key) : undefined;
    if (cached !== undefined) return cached;
    const row = `(${table.copied.map(() => '?').join(',')})`;
    const sql = `INSERT INTO ${mainTable(name)} (${table.copied.map(quoteIdent).join(', ')}) VALUES ${Array.from({ length: rows }, () => row).join(',')}`;
    const statement = db.prepare<unknown[], unknown>(sql);
    if (cache) this.#inserts.set(key, statement);
    return statement;
  }
}

/** The ends of a copy as the SQLite engine opened them (the ports carry no engine type). */
export function asSqliteSource(source: CopySource): SqliteCopySource {
  if (!(source instanceof SqliteCopySource)) throw new TypeError('the source was not opened by the SQLite copy engine');
  return source;
}

export function asSqliteTarget(target: CopyTarget): SqliteCopyTarget {
  if (!(target instanceof SqliteCopyTarget)) throw new TypeError('the target was not opened by the SQLite copy engine');
  return target;
}

/** Raises the target's AUTOINCREMENT counter of `name` to the source's (never lowers it). */
function carrySequence(db: Database.Database, name: string, sequence: bigint | null): void {
  if (sequence === null) return;
  // sqlite_sequence exists once a table with AUTOINCREMENT does; the target's DDL may lack it.
  if (db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'sqlite_sequence'").get() === undefined) return;
  const current = db.prepare<unknown[], unknown>('SELECT seq FROM sqlite_sequence WHERE name = ?').pluck(true).safeIntegers(true).get([name]);
  if (current === undefined) db.prepare('INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)').run([name, sequence]);
  else if (typeof current !== 'bigint' || current < sequence) db.prepare('UPDATE sqlite_sequence SET seq = ? WHERE name = ?').run([sequence, name]);
}
