import type { CopySource, CopyTable, KeyPosition, TableSplitter } from '../copy-ports.js';
import { errorField } from '../classify-connect-error.js';
import { copyFailed } from './mysql-copy-connection.js';
import { asMysqlSource, asMysqlTable } from './mysql-copy-source.js';
import { quoteIdentBinary } from './mysql-sql.js';

/**
 * Parts of one MySQL table (see TableSplitter): cut on the first primary-key column when it is an
 * integer, evenly between its MIN and MAX (two index dives, no scan; mydumper cuts the same way). A key
 * space with gaps gives unequal parts, which costs balance, never correctness: every key falls in
 * exactly one part. Other key types are not cut.
 */

const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint']);
/**
 * Below this many values of the first key column per part, the table is not cut (a composite key may
 * hold many rows per value: the table's size already decided that cutting pays).
 */
const MIN_KEYS_PER_PART = 100;
/**
 * How long writers of the table may be held while the readers line up (seconds). A writer already in
 * a transaction on the table holds us up: we give up after this long and copy the table whole, rather
 * than queue the application's writes behind our lock.
 */
const LINE_UP_LOCK_SECONDS = 1;
/** Lock refusals that mean "copy it whole": no LOCK TABLES privilege (1044, 1142, 1227), lock timeout (1205). */
const CANNOT_LOCK = new Set([1044, 1142, 1227, 1205]);

export const mysqlTableSplitter: TableSplitter = {
  async splitPoints(sourcePort: CopySource, copyTable: CopyTable, parts: number): Promise<KeyPosition[]> {
    const source = asMysqlSource(sourcePort);
    const table = asMysqlTable(copyTable);
    const first = table.primaryKey[0];
    const type = table.types[table.keyIndexes[0] ?? -1] ?? '';
    if (parts < 2 || first === undefined || !INTEGER_TYPES.has(type)) return [];
    const column = quoteIdentBinary(first);
    let rows: unknown;
    try {
      [rows] = await source.connections.meta.query({
        sql: `SELECT CAST(MIN(${column}) AS CHAR) AS lo, CAST(MAX(${column}) AS CHAR) AS hi FROM ${quoteIdentBinary(source.database)}.${quoteIdentBinary(table.name)}`,
        rowsAsArray: true,
      });
    } catch (error) {
      throw copyFailed(error, source.connections, `finding where to cut ${table.name}`);
    }
    const [row] = rows as Array<[string | null, string | null]>;
    if (!row || row[0] === null || row[1] === null) return [];
    const low = BigInt(row[0]);
    const span = BigInt(row[1]) - low + 1n;
    if (span < BigInt(parts * MIN_KEYS_PER_PART)) return [];
    // Part i ends at low + span*(i+1)/parts - 1: the last part takes what is left up to MAX and beyond.
    return Array.from({ length: parts - 1 }, (_, i) => [Buffer.from(String(low + (span * BigInt(i + 1)) / BigInt(parts) - 1n), 'latin1').toString('base64')]);
  },

  async beginSharedRead(readerPorts: readonly CopySource[], copyTable: CopyTable): Promise<boolean> {
    const readers = readerPorts.map(asMysqlSource);
    const table = asMysqlTable(copyTable);
    const [first] = readers;
    if (first === undefined) return false;
    const lock = first.connections.meta;
    try {
      await lock.query(`SET SESSION lock_wait_timeout = ${LINE_UP_LOCK_SECONDS}`);
      await lock.query(`LOCK TABLES ${quoteIdentBinary(first.database)}.${quoteIdentBinary(table.name)} READ`);
    } catch (error) {
      await lock.query('SET SESSION lock_wait_timeout = 600');
      const errno = errorField(error, 'errno');
      if (typeof errno === 'number' && CANNOT_LOCK.has(errno)) return false;
      throw copyFailed(error, first.connections, `locking ${table.name} to line up its readers`);
    }
    // While the lock holds no write to the table can commit, so every snapshot started now sees the same rows.
    const started: typeof readers = [];
    try {
      for (const reader of readers) {
        await reader.beginRead();
        started.push(reader);
      }
      return true;
    } catch (error) {
      await Promise.allSettled(started.map((reader) => reader.endRead()));
      throw error;
    } finally {
      try {
        await lock.query('UNLOCK TABLES');
        await lock.query('SET SESSION lock_wait_timeout = 600');
      } catch (error) {
        // A lock that cannot be released holds the application's writers: the session is closed instead.
        lock.destroy();
        throw copyFailed(error, first.connections, `unlocking ${table.name}`);
      }
    }
  },
};
