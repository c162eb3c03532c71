import { Readable } from 'node:stream';
import type { ConnectionSpec } from '../../domain/connection-url.js';
import { DbfError } from '../../domain/errors.js';
import type { CopyTable, CopyTarget, KeyPosition, TableChecksum } from '../copy-ports.js';
import { asRows, toNumber, toText } from '../rows.js';
import { closeCopyConnections, copyFailed, killQueries, openCopyConnections } from './mysql-copy-connection.js';
import type { CopyConnections } from './mysql-copy-connection.js';
import { asMysqlTable, checksumSql, keyCondition, runChecksum } from './mysql-copy-source.js';
import type { MysqlCopyTable } from './mysql-copy-source.js';
import type { MysqlCopySource } from './mysql-copy-source.js';
import { quoteIdent, quoteIdentBinary, rewriteCreateTable } from './mysql-sql.js';
import { encodeTsv, tsvCapacity } from './mysql-tsv.js';

/**
 * The writing end of a MySQL copy. Rows arrive as the source server's bytes and leave as multi-row
 * INSERTs on a binary connection; a batch the server accepted with warnings (a value it truncated or
 * converted) fails the table, because the copy would no longer be exact.
 */
/** The tail of each target database's DDL queue in this process (see `#ddl`). */
const DDL_QUEUES = new Map<string, Promise<void>>();

export class MysqlCopyTarget implements CopyTarget {
  /** The TSV buffer reused by every batch of this target (one LOAD in flight at a time). */
  #scratch = Buffer.alloc(0);
  constructor(
    private readonly spec: ConnectionSpec,
    readonly database: string,
    readonly connections: CopyConnections,
    private readonly source: MysqlCopySource,
    private readonly timeoutMs: number,
    private readonly version: string,
    /** Largest statement the server takes (`@@max_allowed_packet`). */
    readonly maxPacket: number,
  ) {}

  static async open(spec: ConnectionSpec, source: MysqlCopySource, options: { timeoutMs: number }): Promise<MysqlCopyTarget> {
    if (!spec.database) throw new DbfError('DBF_INVALID_INPUT', 'the target URL names no database: add /DATABASE to it');
    const connections = await openCopyConnections(spec, options.timeoutMs);
    try {
      const [rows] = await connections.meta.query('SELECT VERSION() AS v, @@max_allowed_packet AS packet');
      const [row] = asRows(rows);
      return new MysqlCopyTarget(spec, spec.database, connections, source, options.timeoutMs, toText(row?.['v']), toNumber(row?.['packet']) ?? 4 * 1024 * 1024);
    } catch (error) {
      await closeCopyConnections(connections);
      throw copyFailed(error, connections, 'opening the target');
    }
  }

  describe(): string {
    return `MySQL ${this.version}`;
  }

  async databaseExists(): Promise<boolean> {
    const found = await this.#meta('looking up the target database', 'SELECT COUNT(*) AS n FROM information_schema.schemata WHERE schema_name = ?', [this.database]);
    return toNumber(found[0]?.['n']) === 1;
  }

  async ensureDatabase(): Promise<'created' | 'exists'> {
    if (!(await this.databaseExists())) {
      const { charset, collation } = await this.source.databaseCharset();
      await this.#meta('creating the target database', `CREATE DATABASE IF NOT EXISTS ${quoteIdent(this.database)} CHARACTER SET ${charset} COLLATE ${collation}`);
      await this.#meta('using the target database', `USE ${quoteIdent(this.database)}`);
      return 'created';
    }
    // Foreign keys added later name their parent tables without a database: they resolve here.
    await this.#meta('using the target database', `USE ${quoteIdent(this.database)}`);
    return 'exists';
  }

  async tableExists(name: string): Promise<boolean> {
    const rows = await this.#meta('looking up a target table', 'SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = ? AND table_name = ?', [this.database, name]);
    return toNumber(rows[0]?.['n']) === 1;
  }

  async createTable(name: string, sourceDdl: string, sourceName: string): Promise<void> {
    const { ddl } = rewriteCreateTable(sourceDdl, sourceName, name);
    await this.#ddl(`creating ${name}`, ddl.replace(/^CREATE TABLE /, `CREATE TABLE ${quoteIdent(this.database)}.`));
  }

  async dropTable(name: string): Promise<void> {
    await this.#ddl(`dropping ${name}`, `DROP TABLE IF EXISTS ${this.#qualified(name)}`);
  }

  async renameTable(from: string, to: string): Promise<void> {
    await this.#ddl(`renaming ${from} to ${to}`, `RENAME TABLE ${this.#qualified(from)} TO ${this.#qualified(to)}`);
  }

  async truncate(name: string): Promise<void> {
    await this.#ddl(`truncating ${name}`, `TRUNCATE TABLE ${this.#qualified(name)}`);
  }

  async deleteAfter(copyTable: CopyTable, name: string, after: KeyPosition | null): Promise<number> {
    const table = asMysqlTable(copyTable);
    const where = after === null || table.primaryKey.length === 0 ? '' : ` WHERE ${keyCondition(table, after)}`;
    try {
      const [result] = await this.connections.data.query(`DELETE FROM ${this.#qualifiedBinary(name)}${where}`);
      return Number((result as { affectedRows?: number }).affectedRows ?? 0);
    } catch (error) {
      throw copyFailed(error, this.connections, `removing rows after the checkpoint from ${name}`);
    }
  }

  /**
   * Batches of at most 5,000 rows and 1 MiB of values. Measured here (302k-row bench dataset): 10,000
   * rows / 2 MiB took the same time with 250–270 MiB peak RSS, 5,000 / 1 MiB 185–195 MiB, 2,000 / 1 MiB
   * 155 MiB but more statements; the rows of a batch (one Buffer per value) are what fills the heap.
   * A batch also stays under a third of max_allowed_packet.
   */
  batchLimits(): { rows: number; bytes: number } {
    return { rows: 5_000, bytes: Math.max(64 * 1024, Math.min(1024 * 1024, Math.floor(this.maxPacket / 3))) };
  }

  /**
   * One batch by `LOAD DATA LOCAL INFILE` from memory: the server parses no SQL text for it, and the
   * client writes the values' bytes into one buffer (mysql-tsv.ts). LOAD DATA behaves like IGNORE
   * (a duplicate key is skipped, a conversion is a warning), so the batch must report exactly its
   * rows stored and no warning that changed a value; anything else fails the table.
   */
  async writeRows(copyTable: CopyTable, name: string, rows: ReadonlyArray<readonly unknown[]>): Promise<void> {
    if (rows.length === 0) return;
    const table = asMysqlTable(copyTable);
    const capacity = tsvCapacity(rows);
    if (this.#scratch.length < capacity) this.#scratch = Buffer.allocUnsafeSlow(capacity);
    const data = encodeTsv(rows, this.#scratch);
    const sql = `LOAD DATA LOCAL INFILE 'dbferry-batch' INTO TABLE ${this.#qualifiedBinary(name)} CHARACTER SET binary FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (${table.copied.map(quoteIdentBinary).join(',')})`;
    let result: { affectedRows?: number; warningStatus?: number };
    try {
      [result] = (await this.connections.data.query({ sql, infileStreamFactory: () => Readable.from([data]) })) as unknown as [{ affectedRows?: number; warningStatus?: number }];
    } catch (error) {
      throw copyFailed(error, this.connections, `writing ${rows.length} rows into ${name}`);
    }
    const warnings = result.warningStatus ?? 0;
    if (warnings > 0) await this.#refuseChangedValues(table, name, rows, warnings);
    if (result.affectedRows !== rows.length) {
      throw new DbfError('DBF_COPY_FAILED', `writing ${name}: the target stored ${result.affectedRows ?? 0} of ${rows.length} rows (a duplicate key, or a value it could not take)`);
    }
  }

  /**
   * `INSERT INTO name (columns) <select>` run by the server (the same-server fast path); answers the
   * rows it stored. Warnings are refused as for a batch, except an ENUM's error value, which a
   * server-side copy cannot tell apart from the row (the target column has the source's definition).
   */
  async insertSelect(table: MysqlCopyTable, name: string, select: string): Promise<number> {
    let result: { affectedRows?: number; warningStatus?: number };
    try {
      [result] = (await this.connections.data.query(`INSERT INTO ${this.#qualifiedBinary(name)} (${table.copied.map(quoteIdentBinary).join(',')}) ${select}`)) as unknown as [{ affectedRows?: number; warningStatus?: number }];
    } catch (error) {
      throw copyFailed(error, this.connections, `copying rows into ${name} on the server`);
    }
    const warnings = result.warningStatus ?? 0;
    if (warnings > 0) await this.#refuseChangedValues(table, name, null, warnings);
    return Number(result.affectedRows ?? 0);
  }

  async swapIn(shadow: string, live: string, sourceDdl: string, sourceName: string): Promise<void> {
    const exists = await this.tableExists(live);
    if (!exists) {
      await this.#ddl(`renaming ${shadow} to ${live}`, `RENAME TABLE ${this.#qualified(shadow)} TO ${this.#qualified(live)}`);
    } else if (await this.#isReferencedByOthers(live)) {
      // InnoDB moves other tables' foreign keys along with a renamed parent (they would point at the
      // old table), so a referenced table is replaced by dropping it and renaming the shadow into its
      // name (foreign key checks are off in this session): the children's keys then resolve to the
      // new table. Not atomic: readers may miss the table for the moment between the two statements.
      await this.#ddl(`dropping the old ${live}`, `DROP TABLE ${this.#qualified(live)}`);
      await this.#ddl(`renaming ${shadow} to ${live}`, `RENAME TABLE ${this.#qualified(shadow)} TO ${this.#qualified(live)}`);
    } else {
      const old = `${shadow}_old`.slice(0, 64);
      await this.#ddl(`swapping ${shadow} in for ${live}`, `RENAME TABLE ${this.#qualified(live)} TO ${this.#qualified(old)}, ${this.#qualified(shadow)} TO ${this.#qualified(live)}`);
      await this.#ddl(`dropping the old ${live}`, `DROP TABLE ${this.#qualified(old)}`);
    }
    await this.addForeignKeys(live, sourceDdl, sourceName);
  }

  async addForeignKeys(name: string, sourceDdl: string, sourceName: string): Promise<void> {
    const { foreignKeys } = rewriteCreateTable(sourceDdl, sourceName, name);
    if (foreignKeys.length === 0) return;
    // With foreign_key_checks=0 the server adds them without validating or copying the table.
    await this.#ddl(`adding the foreign keys of ${name}`, `ALTER TABLE ${this.#qualified(name)} ${foreignKeys.map((fk) => `ADD ${fk}`).join(', ')}`);
  }

  async checksum(copyTable: CopyTable, name: string): Promise<TableChecksum> {
    const table = asMysqlTable(copyTable);
    try {
      return await runChecksum(this.connections.data, checksumSql(table, this.#qualifiedBinary(name)));
    } catch (error) {
      throw copyFailed(error, this.connections, `checksumming ${name} on the target`);
    }
  }

  async interrupt(): Promise<void> {
    await killQueries(this.spec, this.connections, this.timeoutMs);
  }

  async close(): Promise<void> {
    await closeCopyConnections(this.connections);
  }

  /**
   * Fails the batch unless every warning is one that changes no value: the server computing a
   * generated column (it did the same on the source), or an ENUM's error value '' (index 0, which a
   * non-strict source can hold and which can only be written with a 1265 warning, yet is stored as
   * the same index 0). Anything else means a value was truncated or converted.
   */
  async #refuseChangedValues(table: MysqlCopyTable, name: string, rows: ReadonlyArray<readonly unknown[]> | null, count: number): Promise<void> {
    const [list] = await this.connections.data.query('SHOW WARNINGS');
    const warnings = asRows(list).map((w) => ({ code: toNumber(w['Code']), message: Buffer.isBuffer(w['Message']) ? w['Message'].toString('utf8') : toText(w['Message']) }));
    const generated = new Set(table.columns.filter((c) => c.generated).map((c) => c.name));
    const explained = (w: { code: number | null; message: string }): boolean => {
      const column = /for column '((?:[^']|'')+)'/.exec(w.message)?.[1]?.replaceAll("''", "'");
      if (column === undefined) return false;
      if (generated.has(column)) return true;
      const index = table.copied.indexOf(column);
      return w.code === 1265 && table.types[index] === 'enum' && (rows === null || rows.some((row) => Buffer.isBuffer(row[index]) && row[index].length === 0));
    };
    const unexplained = warnings.filter((w) => !explained(w));
    if (unexplained.length === 0 && warnings.length >= count) return;
    const text = (unexplained.length > 0 ? unexplained : warnings).slice(0, 3).map((w) => w.message).join('; ');
    throw new DbfError('DBF_COPY_FAILED', `the target changed values while writing ${name}, so the copy would not be exact: ${text}`);
  }

  async #isReferencedByOthers(name: string): Promise<boolean> {
    const rows = await this.#meta(
      `looking up foreign keys that point at ${name}`,
      'SELECT COUNT(*) AS n FROM information_schema.referential_constraints WHERE constraint_schema = ? AND referenced_table_name = ? AND table_name <> ?',
      [this.database, name, name],
    );
    return (toNumber(rows[0]?.['n']) ?? 0) > 0;
  }

  /**
   * DDL on the target, one statement at a time per target database in this process. Why: MariaDB
   * 10.11 hung for good (threads "Waiting on cond", unkillable, until a restart) when two lanes
   * dropped tables with foreign keys between them at once (Sakila's store and staff, seen here).
   * DDL is short, so lanes only wait for each other's DDL, never for each other's rows.
   */
  async #ddl(what: string, sql: string): Promise<void> {
    const key = `${this.connections.target.host}:${this.connections.target.port}/${this.database}`;
    const previous = DDL_QUEUES.get(key) ?? Promise.resolve();
    const mine = previous.then(() => this.#meta(what, sql));
    // The queue goes on after a failed statement; the failure itself reaches the caller through `mine`.
    const settled = mine.then(() => undefined, () => undefined);
    DDL_QUEUES.set(key, settled);
    try {
      await mine;
    } finally {
      if (DDL_QUEUES.get(key) === settled) DDL_QUEUES.delete(key);
    }
  }

  #qualified(name: string): string {
    return `${quoteIdent(this.database)}.${quoteIdent(name)}`;
  }

  #qualifiedBinary(name: string): string {
    return `${quoteIdentBinary(this.database)}.${quoteIdentBinary(name)}`;
  }

  async #meta(what: string, sql: string, params: readonly string[] = []): Promise<ReturnType<typeof asRows>> {
    try {
      const [rows] = await this.connections.meta.query(sql, [...params]);
      return Array.isArray(rows) ? asRows(rows) : [];
    } catch (error) {
      throw copyFailed(error, this.connections, what);
    }
  }
}
