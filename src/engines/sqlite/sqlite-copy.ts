import type { CopyEngine, CopyTable, DatabaseObject, DifferingRange, ObjectCopier } from '../copy-ports.js';
import { SqliteCopySource } from './sqlite-copy-source.js';
import type { KeyRange } from './sqlite-copy-source.js';
import { asSqliteSource as asSource, asSqliteTarget as asTarget, SqliteCopyTarget } from './sqlite-copy-target.js';
import { sqliteChangeCopier } from './sqlite-change-copier.js';
import type { SqliteValue } from './sqlite-copy-sql.js';
import { describeValue } from './sqlite-copy-values.js';

export { SqliteCopySource } from './sqlite-copy-source.js';
export { SqliteCopyTarget } from './sqlite-copy-target.js';

/** Rows per range when drilling down into a table whose checksums differ. */
export const RANGE_ROWS = 10_000;
/** Ranges reported at most: enough to act on, bounded for a table that differs everywhere. */
const MAX_RANGES = 20;

/** `id 1 … 10000`: the source's first and last key of the range; the last range runs to the end. */
function describeRange(table: CopyTable, range: KeyRange): string {
  const key = (values: readonly SqliteValue[]): string => values.map(describeValue).join(', ');
  const columns = table.primaryKey.join(', ');
  const end = range.high === null ? 'end' : key(range.last ?? range.high);
  if (range.first !== null) return `${columns} ${key(range.first)} … ${end}`;
  return range.low === null ? `${columns} start … end` : `${columns} after ${key(range.low)}`;
}

/**
 * `--objects` on SQLite: its views (a SQLite file has no routines or events; a table's triggers and
 * indexes already come with the table when it is swapped in). Views are created after every table is in
 * place, in the source's creation order, which SQLite requires to be a valid dependency order.
 */
const sqliteObjectCopier: ObjectCopier = {
  list: (source) => Promise.resolve(asSource(source).views().map((v): DatabaseObject => ({ kind: 'view', name: v.name, table: null, ddl: v.sql }))),
  create: (target, objects) => asTarget(target).createViews(objects.map((o) => ({ name: o.name, sql: o.ddl }))),
};

/**
 * SQLite → SQLite. Row filters apply to every read of the source (sqlite-copy-source); incremental
 * sync is sqlite-change-copier. Verification drill-down: one pass over the source's key (the filter's
 * rows) cuts the key order every RANGE_ROWS rows; each range's count and checksum are then compared on
 * both sides, computed the same way (see runChecksum), over a keyset range the primary key's index serves.
 */
export const sqliteCopyEngine: CopyEngine = {
  objects: sqliteObjectCopier,
  rowFilters: true,
  changes: sqliteChangeCopier,
  openSource: (spec, options) => SqliteCopySource.open(spec, options),
  openTarget: (spec, source, options) => SqliteCopyTarget.open(spec, asSource(source), options),

  async differingRanges(sourcePort, targetPort, table, targetName): Promise<DifferingRange[]> {
    const source = asSource(sourcePort);
    const target = asTarget(targetPort);
    if (table.primaryKey.length === 0) {
      const s = await source.checksum(table);
      const t = await target.checksum(table, targetName);
      return s.rows === t.rows && s.checksum === t.checksum ? [] : [{ range: 'whole table (no primary key)', sourceRows: s.rows, targetRows: t.rows }];
    }
    const differing: DifferingRange[] = [];
    for (const range of await source.keyRanges(table, RANGE_ROWS)) {
      const s = await source.rangeChecksum(table, range.low, range.high);
      const t = await target.rangeChecksum(table, targetName, range.low, range.high);
      if (s.rows !== t.rows || s.checksum !== t.checksum) {
        differing.push({ range: describeRange(table, range), sourceRows: s.rows, targetRows: t.rows });
        if (differing.length >= MAX_RANGES) break;
      }
    }
    return differing;
  },
};
