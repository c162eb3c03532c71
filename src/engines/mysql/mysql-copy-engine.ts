import type { ConnectionSpec } from '../../domain/connection-url.js';
import type { CopyEngine, CopyTable, DifferingRange } from '../copy-ports.js';
import { asMysqlSource, asMysqlTable, checksumSql, encodeKey, keyRangeConditions, MysqlCopySource, RAW_ROWS, runChecksum, sourceConditions, whereOf } from './mysql-copy-source.js';
import type { MysqlCopyTable } from './mysql-copy-source.js';
import { asMysqlTarget, MysqlCopyTarget } from './mysql-copy-target.js';
import { mysqlServerCopier } from './mysql-server-copy.js';
import { mysqlObjectCopier } from './mysql-objects.js';
import { mysqlTableSplitter } from './mysql-table-split.js';
import { mysqlChangeCopier } from './mysql-change-copier.js';
import { quoteIdentBinary } from './mysql-sql.js';

/** Rows per range when drilling down into a table whose checksums differ. */
const RANGE_ROWS = 10_000;
/** Ranges reported at most: enough to act on, bounded for a table that differs everywhere. */
const MAX_RANGES = 20;

/** `id 1 … 10000` from the raw key bytes of a range's ends. */
function describeRange(table: MysqlCopyTable, low: readonly string[] | null, high: readonly string[] | null): string {
  const text = (key: readonly string[] | null, edge: string): string =>
    key === null ? edge : key.map((part) => Buffer.from(part, 'base64').toString('utf8')).join(', ');
  return `${table.primaryKey.join(', ')} ${text(low, 'start')} … ${text(high, 'end')}`;
}

/**
 * MySQL/MariaDB → MySQL/MariaDB. Verification drill-down: the source's key order is cut every
 * RANGE_ROWS keys (keyset, so each boundary costs one index range read), and each range's count and
 * checksum are compared with the same SQL on both sides.
 */
export const mysqlCopyEngine: CopyEngine = {
  openSource: (spec: ConnectionSpec, options) => MysqlCopySource.open(spec, options),
  openTarget: (spec: ConnectionSpec, source, options) => MysqlCopyTarget.open(spec, asMysqlSource(source), options),
  objects: mysqlObjectCopier,
  serverSide: mysqlServerCopier,
  split: mysqlTableSplitter,
  rowFilters: true,
  changes: mysqlChangeCopier,

  async differingRanges(sourcePort, targetPort, copyTable: CopyTable, targetName): Promise<DifferingRange[]> {
    const source = asMysqlSource(sourcePort);
    const target = asMysqlTarget(targetPort);
    const table = asMysqlTable(copyTable);
    const sourceName = `${quoteIdentBinary(source.database)}.${quoteIdentBinary(table.name)}`;
    const targetQualified = `${quoteIdentBinary(target.database)}.${quoteIdentBinary(targetName)}`;
    const both = (conditions: readonly string[]): string => conditions.map((c) => `(${c})`).join(' AND ');
    if (table.primaryKey.length === 0) {
      const [s, t] = [await runChecksum(source.connections.data, checksumSql(table, sourceName, both(sourceConditions(table, null, null)))), await runChecksum(target.connections.data, checksumSql(table, targetQualified))];
      return s.checksum === t.checksum && s.rows === t.rows ? [] : [{ range: 'whole table (no primary key)', sourceRows: s.rows, targetRows: t.rows }];
    }
    const keyColumns = table.primaryKey.map(quoteIdentBinary).join(', ');
    const differing: DifferingRange[] = [];
    let low: readonly string[] | null = null;
    for (;;) {
      const [boundary] = await source.connections.data.query({
        sql: `SELECT ${keyColumns} FROM ${sourceName}${whereOf(sourceConditions(table, low, null))} ORDER BY ${keyColumns} LIMIT 1 OFFSET ${RANGE_ROWS - 1}`,
        ...RAW_ROWS,
      });
      const [row] = boundary as unknown as Array<ReadonlyArray<Buffer | null>>;
      const high = row ? encodeKey(row, table.primaryKey.map((_, i) => i)) : null;
      const s = await runChecksum(source.connections.data, checksumSql(table, sourceName, both(sourceConditions(table, low, high))));
      const t = await runChecksum(target.connections.data, checksumSql(table, targetQualified, both(keyRangeConditions(table, low, high))));
      if (s.checksum !== t.checksum || s.rows !== t.rows) {
        differing.push({ range: describeRange(table, low, high), sourceRows: s.rows, targetRows: t.rows });
        if (differing.length >= MAX_RANGES) return differing;
      }
      if (high === null) return differing;
      low = high;
    }
  },
};
