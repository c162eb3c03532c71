import type { Readable } from 'node:stream';
import type { Connection } from 'mysql2/promise';
import type { ConnectionSpec } from '../../domain/connection-url.js';
import { DbfError } from '../../domain/errors.js';
import type { CopySource, CopyTable, KeyPosition, ReadOptions, RowBatch, TableChecksum } from '../copy-ports.js';
import { asRows, batchRowsAt, toNumber, toText } from '../rows.js';
import { closeCopyConnections, copyFailed, killQueries, openCopyConnections } from './mysql-copy-connection.js';
import { checkMysqlFilter } from './mysql-filter-check.js';
import type { CopyConnections } from './mysql-copy-connection.js';
import { afterKeyCondition, keyLiteral, quoteIdent, quoteIdentBinary } from './mysql-sql.js';

/** Resolves when the stream has rows to read, ended or failed, or the signal aborted. */
function readable(stream: Readable, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      for (const event of ['readable', 'end', 'error', 'close']) stream.off(event, done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    for (const event of ['readable', 'end', 'error', 'close']) stream.on(event, done);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** A MySQL table with what its SQL needs beyond the port's view: column data types. */
export interface MysqlCopyTable extends CopyTable {
  readonly database: string;
  /** information_schema DATA_TYPE of every copied column, in `copied` order. */
  readonly types: readonly string[];
  /** Positions of the primary key's columns within `copied`. */
  readonly keyIndexes: readonly number[];
}

export type RawRow = ReadonlyArray<Buffer | null>;

/**
 * Query options that hand every value back as the server's bytes (text protocol), NULL as null:
 * with `typeCast: false` mysql2 decodes nothing (no per-field callback either, which cost CPU).
 */
export const RAW_ROWS = { rowsAsArray: true, typeCast: false } as const;

export function asMysqlTable(table: CopyTable): MysqlCopyTable {
  if (!('types' in table)) throw new TypeError(`table ${table.name} was not described by the MySQL engine`);
  return table as MysqlCopyTable;
}

export function encodeKey(row: RawRow, keyIndexes: readonly number[]): KeyPosition {
  return keyIndexes.map((i) => (row[i] ?? Buffer.alloc(0)).toString('base64'));
}

/** Rows after `key` in key order; a prefix of the key compares on its columns only. */
export function keyCondition(table: MysqlCopyTable, key: KeyPosition): string {
  const width = Math.min(key.length, table.primaryKey.length);
  const literals = table.keyIndexes.slice(0, width).map((index, i) => keyLiteral(Buffer.from(key[i] ?? '', 'base64'), table.types[index] ?? ''));
  return afterKeyCondition(table.primaryKey.slice(0, width), literals);
}

/** The conditions of the keys after `after` up to `until` inclusive (none for a table without a key). */
export function keyRangeConditions(table: MysqlCopyTable, after: KeyPosition | null | undefined, until: KeyPosition | null | undefined): string[] {
  if (table.primaryKey.length === 0) return [];
  return [after ? keyCondition(table, after) : null, until ? `NOT (${keyCondition(table, until)})` : null].filter((c) => c !== null);
}

/** The same on the source, where the table's row filter applies too (as latin1 code points of its UTF-8, for the binary session). */
export function sourceConditions(table: MysqlCopyTable, after: KeyPosition | null | undefined, until: KeyPosition | null | undefined): string[] {
  const range = keyRangeConditions(table, after, until);
  return table.filter === null ? range : [...range, Buffer.from(table.filter, 'utf8').toString('latin1')];
}

/** ` WHERE (a) AND (b)`, or '' without conditions. */
export function whereOf(conditions: readonly string[]): string {
  return conditions.length === 0 ? '' : ` WHERE ${conditions.map((c) => `(${c})`).join(' AND ')}`;
}

/** The WHERE clause (with its keyword, or '') of the keys after `after` up to `until` inclusive, on the target. */
export function keyRangeWhere(table: MysqlCopyTable, after: KeyPosition | null | undefined, until: KeyPosition | null | undefined): string {
  return whereOf(keyRangeConditions(table, after, until));
}

/**
 * The checksum both ends compute with the same SQL (so it compares equal across servers of one
 * engine): row count, and the XOR of a 128-bit MD5 per row over every copied column as bytes, with a
 * NULL map so that NULL and '' differ. Unlike CHECKSUM TABLE it runs inside the reader's snapshot, so
 * it describes exactly the rows that were copied, even while the source is being written.
 */
export function checksumSql(table: MysqlCopyTable, qualifiedName: string, where = ''): string {
  const columns = table.copied.map((c, i) => `CAST(${selectExpression(c, table.types[i] ?? '')} AS BINARY)`);
  const nulls = table.copied.map((c) => `ISNULL(${quoteIdentBinary(c)})`);
  const row = `MD5(CONCAT_WS(_binary'#', ${[...columns, `CONCAT(${nulls.join(', ')})`].join(', ')}))`;
  return `SELECT COUNT(*) AS n,
    COALESCE(BIT_XOR(CAST(CONV(SUBSTRING(${row}, 1, 16), 16, 10) AS UNSIGNED)), 0) AS h1,
    COALESCE(BIT_XOR(CAST(CONV(SUBSTRING(${row}, 17, 16), 16, 10) AS UNSIGNED)), 0) AS h2
    FROM ${qualifiedName}${where === '' ? '' : ` WHERE ${where}`}`;
}

/**
 * A column as it is read. FLOAT is read as its exact DOUBLE value: MariaDB prints a FLOAT with 6
 * significant digits (16777216 reads as 16777200), so its text would change the value; the double
 * holds the float exactly and converts back to the same float on insert.
 */
export function selectExpression(column: string, dataType: string): string {
  return dataType === 'float' ? `CAST(${quoteIdentBinary(column)} AS DOUBLE)` : quoteIdentBinary(column);
}

export async function runChecksum(conn: Connection, sql: string): Promise<TableChecksum> {
  const [result] = await conn.query({ sql, rowsAsArray: true });
  const [row] = result as unknown as Array<[unknown, unknown, unknown]>;
  return { rows: toNumber(row?.[0]) ?? 0, checksum: `${String(row?.[1] ?? 0)}:${String(row?.[2] ?? 0)}` };
}

export class MysqlCopySource implements CopySource {
  #reading = false;

  constructor(
    private readonly spec: ConnectionSpec,
    readonly database: string,
    readonly connections: CopyConnections,
    private readonly timeoutMs: number,
    private readonly version: string,
  ) {}

  static async open(spec: ConnectionSpec, options: { timeoutMs: number }): Promise<MysqlCopySource> {
    if (!spec.database) throw new DbfError('DBF_INVALID_INPUT', 'the source URL names no database: add /DATABASE to it');
    const connections = await openCopyConnections(spec, options.timeoutMs);
    try {
      const [rows] = await connections.meta.query('SELECT VERSION() AS v, (SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = ?) AS found', [spec.database]);
      const [row] = asRows(rows);
      if (toNumber(row?.['found']) !== 1) throw new DbfError('DBF_CONN_UNKNOWN_DATABASE', `database "${spec.database}" does not exist on the source`);
      return new MysqlCopySource(spec, spec.database, connections, options.timeoutMs, toText(row?.['v']));
    } catch (error) {
      await closeCopyConnections(connections);
      throw copyFailed(error, connections, 'opening the source');
    }
  }

  describe(): string {
    return `MySQL ${this.version}`;
  }

  /** The database's default character set and collation, for creating the target database like it. */
  async databaseCharset(): Promise<{ charset: string; collation: string }> {
    const rows = await this.#meta('reading the database charset', 'SELECT default_character_set_name AS cs, default_collation_name AS co FROM information_schema.schemata WHERE schema_name = ?', [this.database]);
    return { charset: toText(rows[0]?.['cs']), collation: toText(rows[0]?.['co']) };
  }

  async listTables(): Promise<string[]> {
    const rows = await this.#meta(
      'listing tables',
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = ? AND table_type IN ('BASE TABLE', 'SYSTEM VERSIONED') ORDER BY table_name",
      [this.database],
    );
    return rows.map((r) => toText(r['name']));
  }

  async table(name: string): Promise<MysqlCopyTable> {
    const columns = await this.#meta(
      `describing table ${name}`,
      `SELECT column_name AS name, data_type AS type, COALESCE(generation_expression, '') AS gen, column_key AS ckey
         FROM information_schema.columns WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position`,
      [this.database, name],
    );
    if (columns.length === 0) throw new DbfError('DBF_TABLE_NOT_FOUND', `table "${name}" does not exist in the source database "${this.database}"`);
    const keyRows = await this.#meta(
      `reading the primary key of ${name}`,
      `SELECT column_name AS name FROM information_schema.key_column_usage
        WHERE table_schema = ? AND table_name = ? AND constraint_name = 'PRIMARY' ORDER BY ordinal_position`,
      [this.database, name],
    );
    const refs = await this.#meta(
      `reading the foreign keys of ${name}`,
      `SELECT DISTINCT referenced_table_name AS ref FROM information_schema.referential_constraints
        WHERE constraint_schema = ? AND table_name = ? AND unique_constraint_schema = constraint_schema`,
      [this.database, name],
    );
    const stats = await this.#meta(
      `reading the size of ${name}`,
      'SELECT table_rows AS n, data_length + index_length AS bytes FROM information_schema.tables WHERE table_schema = ? AND table_name = ?',
      [this.database, name],
    );
    const all = columns.map((c) => ({ name: toText(c['name']), type: toText(c['type']).toLowerCase(), generated: toText(c['gen']) !== '' }));
    const copied = all.filter((c) => !c.generated);
    const copiedNames = copied.map((c) => c.name);
    let primaryKey = keyRows.map((k) => toText(k['name']));
    // A key column that is generated is not carried by the rows: such a table is copied whole.
    if (primaryKey.some((k) => !copiedNames.includes(k))) primaryKey = [];
    return {
      name,
      database: this.database,
      columns: all.map((c) => ({ name: c.name, generated: c.generated })),
      copied: copiedNames,
      types: copied.map((c) => c.type),
      primaryKey,
      keyIndexes: primaryKey.map((k) => copiedNames.indexOf(k)),
      references: refs.map((r) => toText(r['ref'])).filter((r) => r !== name),
      rowEstimate: toNumber(stats[0]?.['n']) ?? 0,
      sizeBytes: toNumber(stats[0]?.['bytes']) ?? 0,
      filter: null,
    };
  }

  /** The filter planned by the server against the table (EXPLAIN reads no row): a bad one names the server's reason. */
  async checkFilter(copyTable: CopyTable, filter: string): Promise<void> {
    const serverFailure = (error: unknown, what: string): Error => copyFailed(error, this.connections, what);
    await checkMysqlFilter({ conn: this.connections.meta, password: this.connections.target.password, serverFailure }, this.database, copyTable.name, filter);
  }

  async createStatement(name: string): Promise<string> {
    const rows = await this.#meta(`reading the DDL of ${name}`, `SHOW CREATE TABLE ${quoteIdent(this.database)}.${quoteIdent(name)}`);
    return toText(rows[0]?.['Create Table']);
  }

  async beginRead(): Promise<void> {
    await this.#data('starting a consistent read', 'SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    await this.#data('starting a consistent read', 'START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
    this.#reading = true;
  }

  async endRead(): Promise<void> {
    if (!this.#reading) return;
    this.#reading = false;
    await this.#data('ending the consistent read', 'COMMIT');
  }

  async *readRows(copyTable: CopyTable, options: ReadOptions): AsyncIterable<RowBatch> {
    const table = asMysqlTable(copyTable);
    const columns = table.copied.map((c, i) => selectExpression(c, table.types[i] ?? '')).join(', ');
    const where = whereOf(sourceConditions(table, options.after, options.until));
    const order = table.primaryKey.length > 0 ? ` ORDER BY ${table.primaryKey.map(quoteIdentBinary).join(', ')}` : '';
    const keyed = table.primaryKey.length > 0;
    for await (const { rows, bytes } of this.streamRows(`SELECT ${columns} FROM ${this.#qualified(table.name)}${where}${order}`, options, `reading ${table.name}`)) {
      const last = rows[rows.length - 1];
      yield { rows, bytes, lastKey: keyed && last !== undefined ? encodeKey(last, table.keyIndexes) : null };
    }
  }

  /**
   * Streams a query's rows as raw bytes in batches cut by rows and bytes, with backpressure. Rows are
   * taken from the stream's buffer synchronously, a batch at a time: awaiting every row of an async
   * iterator cost a promise per row. The buffer holds at most highWaterMark rows; past that mysql2
   * pauses the socket, so memory stays bounded whatever the table size.
   */
  async *streamRows(sql: string, options: Pick<ReadOptions, 'batchRows' | 'batchBytes' | 'firstBatchRows' | 'signal'>, what: string): AsyncIterable<{ rows: RawRow[]; bytes: number }> {
    const stream = this.connections.dataStream.query({ sql, ...RAW_ROWS }).stream({ highWaterMark: 256 });
    // A streamed query has no callback, so mysql2 reports a dropped connection only on the connection
    // ('error'), never on the stream: without this the read would wait for rows forever.
    const onLost = (error: unknown): void => {
      stream.destroy(error instanceof Error ? error : new Error('the connection to the source was lost'));
    };
    this.connections.dataStream.once('error', onLost);
    let rows: RawRow[] = [];
    let bytes = 0;
    let batches = 0;
    let limit = batchRowsAt(options, 0);
    try {
      for (;;) {
        for (let row = stream.read() as RawRow | null; row !== null; row = stream.read() as RawRow | null) {
          rows.push(row);
          for (const v of row) bytes += v === null ? 1 : v.length + 3;
          if (rows.length >= limit || bytes >= options.batchBytes) {
            yield { rows, bytes };
            rows = [];
            bytes = 0;
            batches += 1;
            limit = batchRowsAt(options, batches);
          }
        }
        if (stream.errored) throw stream.errored;
        if (stream.readableEnded) break;
        options.signal.throwIfAborted();
        if (stream.destroyed) throw new Error('the read of the source was stopped');
        await readable(stream, options.signal);
      }
      if (rows.length > 0) yield { rows, bytes };
    } catch (error) {
      if (options.signal.aborted) throw options.signal.reason;
      throw copyFailed(error, this.connections, what);
    } finally {
      this.connections.dataStream.off('error', onLost);
      if (!stream.readableEnded && !stream.destroyed) await this.#abandon(stream, options.signal.aborted);
    }
  }

  /**
   * The read stopped before the end (a cancel, or the consumer's write failed): the rest of the result
   * must not hold the session, or the next statement on it (the read's COMMIT, a DROP) would wait
   * behind a paused result forever. The query is killed (a cancel has already sent its KILL QUERY) and
   * the stream set flowing with no reader, so the server's remaining packets drain into nothing and the
   * session is free again. (Destroying the stream would not do: mysql2 pauses the socket again on every
   * row a destroyed stream refuses.)
   */
  async #abandon(stream: Readable, killed: boolean): Promise<void> {
    stream.on('error', () => undefined /* the killed query's own error: expected, nothing to report */);
    stream.resume();
    if (!killed) await this.interrupt();
  }

  async checksum(copyTable: CopyTable): Promise<TableChecksum> {
    const table = asMysqlTable(copyTable);
    try {
      return await runChecksum(this.connections.data, checksumSql(table, this.#qualified(table.name), sourceConditions(table, null, null).map((c) => `(${c})`).join(' AND ')));
    } catch (error) {
      throw copyFailed(error, this.connections, `checksumming ${table.name} on the source`);
    }
  }

  async interrupt(): Promise<void> {
    await killQueries(this.spec, this.connections, this.timeoutMs);
  }

  async close(): Promise<void> {
    await closeCopyConnections(this.connections);
  }

  #qualified(name: string): string {
    return `${quoteIdentBinary(this.database)}.${quoteIdentBinary(name)}`;
  }

  async #meta(what: string, sql: string, params: readonly string[] = []): Promise<ReturnType<typeof asRows>> {
    try {
      const [rows] = await this.connections.meta.query(sql, [...params]);
      return asRows(rows);
    } catch (error) {
      throw copyFailed(error, this.connections, what);
    }
  }

  async #data(what: string, sql: string): Promise<void> {
    try {
      await this.connections.data.query(sql);
    } catch (error) {
      throw copyFailed(error, this.connections, what);
    }
  }
}

/** The MySQL source behind a port (the engine's own methods need its sessions). */
export function asMysqlSource(source: CopySource): MysqlCopySource {
  if (!(source instanceof MysqlCopySource)) throw new TypeError('the source was not opened by the MySQL copy engine');
  return source;
}
