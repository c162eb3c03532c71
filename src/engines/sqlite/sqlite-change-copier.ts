import type Database from 'better-sqlite3';
import { DbfError } from '../../domain/errors.js';
import type { ChangeBatch, ChangeCopier, ChangeMark, ChangeReadOptions, CopyTable, CursorCandidate, KeyPosition } from '../copy-ports.js';
import type { SqliteCopySource } from './sqlite-copy-source.js';
import { afterKey, keyRange, mainTable, quoteIdent, whereClause, withFilter } from './sqlite-copy-sql.js';
import type { BoundSql, SqliteValue } from './sqlite-copy-sql.js';
import { asSqliteSource, asSqliteTarget } from './sqlite-copy-target.js';
import { encodeKey, keyIndexes } from './sqlite-copy-values.js';
import { decodeMark, encodeMark, overlapBound } from './sqlite-change-values.js';
import { addColumns, cursorCandidates, schemaDiff } from './sqlite-change-schema.js';
import { checkedRows, deleteKeys, refuseDifferingRows, upsertRows } from './sqlite-change-writes.js';
import { withoutTriggers } from './sqlite-triggers.js';

/**
 * Incremental sync on SQLite (see ChangeCopier).
 *
 * Reading: one `SELECT … ORDER BY cursor, key` from the mark on, inside the reader's consistent read,
 * in batches (sqlite-copy-source's streamRows: cancel and endRead end it). The comparison is on the raw
 * column, so an index on the cursor serves it. With a row filter, changed rows are read unfiltered and
 * carry whether the filter selects them: a row an update moved out of the subset is deleted from the copy.
 *
 * Temporal values are compared as SQLite compares them: as stored. SQLite has no zone-aware type, so
 * text timestamps follow the instant only when every row is written in one layout and one offset
 * (CURRENT_TIMESTAMP's UTC text being the usual); the overlap window is computed in the mark's own
 * layout and offset (see overlapBound). A column mixing offsets, layouts, or text and numbers does not
 * order by instant; rows that sort below the window are missed, and detect_deletes' verification says so.
 *
 * Writing: a batch is one IMMEDIATE transaction on the target file, in the file's turn: upserts by key
 * (`INSERT … ON CONFLICT DO UPDATE`), then the filtered-out keys deleted, with the table's triggers
 * out of the way (see withoutTriggers).
 */

/** Keys per range when comparing key sets for deletes; ranges that differ have their keys read. */
const DELETE_RANGE_KEYS = 10_000;

/** The (cursor, key) columns and their positions in `copied`. */
function positionOf(table: CopyTable, cursor: CursorCandidate): { columns: string[]; indexes: number[] } {
  const index = table.copied.indexOf(cursor.column);
  if (index < 0) throw new DbfError('DBF_NO_CURSOR', `${table.name}: the cursor ${cursor.column} is not a stored column of the table`);
  const keys = keyIndexes(table);
  if (keys.length === 0) throw new DbfError('DBF_NO_CURSOR', `${table.name} has no primary key: an incremental sync upserts by key, so copy it in full mode`);
  return { columns: [cursor.column, ...table.primaryKey], indexes: [index, ...keys] };
}

/** The rows a run reads (NULL cursors aside): after the mark, or from the overlap below a temporal one. */
function changedSince(source: SqliteCopySource, table: CopyTable, columns: readonly string[], options: ChangeReadOptions): BoundSql {
  const { cursor } = options;
  const parts = [`${quoteIdent(cursor.column)} IS NOT NULL`];
  const params: SqliteValue[] = [];
  const add = (condition: BoundSql): void => {
    parts.push(`(${condition.sql})`);
    params.push(...condition.params);
  };
  if (options.since !== null) {
    const since = decodeMark(options.since, columns.length, table.name);
    if (cursor.kind === 'temporal' && options.overlapSeconds > 0) {
      add({ sql: `${quoteIdent(cursor.column)} >= ?`, params: [overlapBound(source.handle, cursor.column, since[0] ?? null, Math.floor(options.overlapSeconds))] });
    } else {
      add(afterKey(columns, since));
    }
  }
  if (options.after !== null) add(afterKey(columns, decodeMark(options.after, columns.length, table.name)));
  return { sql: parts.join(' AND '), params };
}

/** Splits read rows into those the filter selects (upserted) and the keys of those it does not (deleted). */
function splitByFilter(table: CopyTable, rows: readonly unknown[][]): { rows: unknown[][]; gone: KeyPosition[] } {
  if (table.filter === null) return { rows: [...rows], gone: [] };
  const width = table.copied.length;
  const indexes = keyIndexes(table);
  const kept: unknown[][] = [];
  const gone: KeyPosition[] = [];
  for (const row of rows) {
    if (row[width] === 1n) kept.push(row.slice(0, width));
    else gone.push(encodeKey(row, indexes));
  }
  return { rows: kept, gone };
}

/** Every row of a statement, raw, with its storage classes (bigint INTEGERs). */
function readAll(db: Database.Database, sql: string, params: readonly SqliteValue[]): unknown[][] {
  return db.prepare<unknown[], unknown[]>(sql).raw(true).safeIntegers(true).all([...params]);
}

/** The keys of `name` in a range of the key order (on the source, with its filter applied), as KeyPositions. */
function keysIn(db: Database.Database, table: CopyTable, filter: string | null, name: string, low: SqliteValue[] | null, high: SqliteValue[] | null): KeyPosition[] {
  const columns = table.primaryKey.map(quoteIdent).join(', ');
  const where = withFilter(filter, keyRange(table.primaryKey, low, high));
  const indexes = table.primaryKey.map((_, i) => i);
  return readAll(db, `SELECT ${columns} FROM ${mainTable(name)}${whereClause(where)}`, where?.params ?? []).map((row) => encodeKey(row, indexes));
}

export const sqliteChangeCopier: ChangeCopier = {
  async cursorCandidates(source, table) {
    return cursorCandidates(asSqliteSource(source).handle, table);
  },

  async newestMark(sourcePort, table, cursor): Promise<ChangeMark | null> {
    const source = asSqliteSource(sourcePort);
    const { columns } = positionOf(table, cursor);
    const where = withFilter(table.filter, { sql: `${quoteIdent(cursor.column)} IS NOT NULL`, params: [] });
    const order = columns.map((c) => `${quoteIdent(c)} DESC`).join(', ');
    const sql = `SELECT ${columns.map(quoteIdent).join(', ')} FROM ${mainTable(table.name)}${whereClause(where)} ORDER BY ${order} LIMIT 1`;
    const [row] = source.handle.run(`reading the newest ${cursor.column} of ${table.name}`, (db) => readAll(db, sql, where?.params ?? []));
    return row === undefined ? null : encodeMark(row, columns.map((_, i) => i));
  },

  async *readChanges(sourcePort, table, options): AsyncIterable<ChangeBatch> {
    const source = asSqliteSource(sourcePort);
    const { cursor } = options;
    const { columns, indexes } = positionOf(table, cursor);
    const flag = table.filter === null ? [] : [`CASE WHEN (${table.filter}) THEN 1 ELSE 0 END`];
    const select = `SELECT ${[...table.copied.map(quoteIdent), ...flag].join(', ')} FROM ${mainTable(table.name)}`;
    const c = quoteIdent(cursor.column);
    // Rows without a cursor value cannot be followed: every run reads them again (upserts are idempotent).
    if (cursor.nullable && options.after === null) {
      const sql = `${select} WHERE ${c} IS NULL ORDER BY ${table.primaryKey.map(quoteIdent).join(', ')}`;
      for await (const batch of source.streamRows(`reading the rows of ${table.name} without a ${cursor.column}`, sql, [], options)) {
        yield { ...splitByFilter(table, batch.rows), bytes: batch.bytes, mark: null };
      }
    }
    const where = changedSince(source, table, columns, options);
    const sql = `${select} WHERE ${where.sql} ORDER BY ${columns.map(quoteIdent).join(', ')}`;
    for await (const batch of source.streamRows(`reading the changes of ${table.name}`, sql, where.params, options)) {
      const last = batch.rows[batch.rows.length - 1];
      yield { ...splitByFilter(table, batch.rows), bytes: batch.bytes, mark: last === undefined ? null : encodeMark(last, indexes) };
    }
  },

  async applyChanges(targetPort, table, name, batch, conflict): Promise<{ written: number; deleted: number }> {
    const target = asSqliteTarget(targetPort);
    const rows = checkedRows(table, name, batch.rows);
    if (rows.length === 0 && batch.gone.length === 0) return { written: 0, deleted: 0 };
    const deleted = await target.inTurn(`applying ${rows.length} changed rows to ${name}`, (db) =>
      db
        .transaction(() =>
          withoutTriggers(db, name, () => {
            if (conflict === 'error') refuseDifferingRows(db, table, name, rows);
            upsertRows(db, table, name, rows, conflict, target.maxVariables);
            return deleteKeys(db, table, name, batch.gone);
          }),
        )
        .immediate(),
    );
    return { written: rows.length, deleted };
  },

  async schemaDiff(source, target, table, name) {
    return schemaDiff(asSqliteSource(source).handle, asSqliteTarget(target), table, name);
  },

  async addColumns(target, name, sourceDdl, sourceName, columns) {
    await addColumns(asSqliteTarget(target), name, sourceDdl, sourceName, columns);
  },

  async deleteGone(sourcePort, targetPort, table, name, signal): Promise<{ deleted: number; ranges: number; differing: number }> {
    const source = asSqliteSource(sourcePort);
    const target = asSqliteTarget(targetPort);
    if (keyIndexes(table).length === 0) throw new DbfError('DBF_NO_CURSOR', `${table.name}: deletes can only be detected on a table with a primary key`);
    // The key set's checksum: the table checksum over the key columns only (on the source, of the filter's rows).
    const keysOnly: CopyTable = { ...table, copied: table.primaryKey };
    const ranges = await source.keyRanges(table, DELETE_RANGE_KEYS);
    let deleted = 0;
    let differing = 0;
    for (const { low, high } of ranges) {
      signal.throwIfAborted();
      const s = await source.rangeChecksum(keysOnly, low, high);
      const t = await target.rangeChecksum(keysOnly, name, low, high);
      if (s.rows === t.rows && s.checksum === t.checksum) continue;
      differing += 1;
      const kept = new Set(source.handle.run(`reading the keys of ${table.name}`, (db) => keysIn(db, table, table.filter, table.name, low, high)).map((k) => JSON.stringify(k)));
      const gone = await target.inTurn(`reading the keys of ${name} on the target`, (db) => keysIn(db, table, null, name, low, high).filter((k) => !kept.has(JSON.stringify(k))));
      // A range may differ only by rows the copy lacks (the verification reports those): nothing to delete.
      if (gone.length === 0) continue;
      deleted += await target.inTurn(`deleting from ${name} the rows gone from the source`, (db) =>
        db.transaction(() => withoutTriggers(db, name, () => deleteKeys(db, keysOnly, name, gone))).immediate(),
      );
    }
    return { deleted, ranges: ranges.length, differing };
  },
};
