import type { ChunkResult, CopyTable, KeyPosition, ServerSideCopier } from '../copy-ports.js';
import { copyFailed } from './mysql-copy-connection.js';
import { asMysqlSource, asMysqlTable, encodeKey, RAW_ROWS, sourceConditions, whereOf } from './mysql-copy-source.js';
import { asMysqlTarget } from './mysql-copy-target.js';
import { quoteIdentBinary } from './mysql-sql.js';

/**
 * The same-server fast path: when source and target databases live on one server and the target's
 * user is the source's, rows never leave the server: each chunk is one `INSERT INTO shadow SELECT …
 * FROM source WHERE <key range>`, committed on its own, so a chunk is also a checkpoint. Measured here
 * (performance.md) the server's own INSERT … SELECT is the ceiling of a same-server clone; chunking
 * keeps checkpoints and progress, and the lanes copy tables in parallel.
 *
 * The cost of the path: the chunks are not read in one snapshot (each INSERT … SELECT reads the
 * latest committed rows, as the server does for any INSERT … SELECT), so a source written during the
 * copy may fail verification, which then says so. Values are the server's own: nothing is converted.
 */

export const mysqlServerCopier: ServerSideCopier = {
  sameServer(sourcePort, targetPort): boolean {
    const a = asMysqlSource(sourcePort).connections.target;
    const b = asMysqlTarget(targetPort).connections.target;
    const local = (host: string): string => (host === 'localhost' || host === '::1' ? '127.0.0.1' : host);
    return local(a.host) === local(b.host) && a.port === b.port && a.username === b.username;
  },

  async copyChunk(sourcePort, targetPort, copyTable: CopyTable, dest: string, after: KeyPosition | null, limit: number, until?: KeyPosition | null): Promise<ChunkResult> {
    const source = asMysqlSource(sourcePort);
    const target = asMysqlTarget(targetPort);
    const table = asMysqlTable(copyTable);
    const from = `${quoteIdentBinary(source.database)}.${quoteIdentBinary(table.name)}`;
    const columns = table.copied.map(quoteIdentBinary).join(', ');
    const keyed = table.primaryKey.length > 0;
    let high: KeyPosition | null = null;
    if (keyed) {
      const keys = table.primaryKey.map(quoteIdentBinary).join(', ');
      const where = whereOf(sourceConditions(table, after, until));
      try {
        const [found] = await source.connections.data.query({ sql: `SELECT ${keys} FROM ${from}${where} ORDER BY ${keys} LIMIT 1 OFFSET ${limit - 1}`, ...RAW_ROWS });
        const [row] = found as unknown as Array<ReadonlyArray<Buffer | null>>;
        high = row === undefined ? null : encodeKey(row, table.primaryKey.map((_, i) => i));
      } catch (error) {
        throw copyFailed(error, source.connections, `finding the next chunk of ${table.name}`);
      }
    }
    // The chunk ends at the probed key, or at the part's end when the part has fewer rows left.
    const where = whereOf(sourceConditions(table, after, high ?? until));
    const rows = await target.insertSelect(table, dest, `SELECT ${columns} FROM ${from}${where}`);
    return { rows, lastKey: high };
  },
};
