import type Database from 'better-sqlite3';
import { DbfError } from '../../domain/errors.js';
import type { ConflictResolution, CopyTable, KeyPosition } from '../copy-ports.js';
import { mainTable, quoteIdent } from './sqlite-copy-sql.js';
import type { SqliteValue } from './sqlite-copy-sql.js';
import { decodeKey, describeValue, isSqliteValue, keyIndexes } from './sqlite-copy-values.js';
import { sameValue } from './sqlite-change-values.js';

/**
 * The target side of SQLite incremental sync: upserts by primary key, conflict checks and deletes by
 * key, run by the change copier inside one transaction of the target file. Values are bound as the
 * source stored them (as writeRows does), so every value keeps its bytes and storage class.
 */

/** `a IS ? AND b IS ?`: matches a key on its index, a NULL key part too (which `=` never matches). */
function keyMatch(table: CopyTable): string {
  return table.primaryKey.map((c) => `${quoteIdent(c)} IS ?`).join(' AND ');
}

/** The batch's values checked and flattened, row after row. */
export function checkedRows(table: CopyTable, name: string, rows: ReadonlyArray<readonly unknown[]>): SqliteValue[][] {
  const width = table.copied.length;
  return rows.map((row) => {
    if (row.length !== width) throw new DbfError('DBF_COPY_FAILED', `writing ${name}: a row has ${row.length} values for ${width} columns`);
    return row.map((value) => {
      if (!isSqliteValue(value)) throw new DbfError('DBF_COPY_FAILED', `writing ${name}: a value is not one SQLite stores (${typeof value})`);
      return value;
    });
  });
}

/** conflict_resolution error: an incoming row whose key the target holds with other values fails the batch. */
export function refuseDifferingRows(db: Database.Database, table: CopyTable, name: string, rows: readonly SqliteValue[][]): void {
  const indexes = keyIndexes(table);
  const lookup = db.prepare<unknown[], unknown[]>(`SELECT ${table.copied.map(quoteIdent).join(', ')} FROM ${mainTable(name)} WHERE ${keyMatch(table)}`).raw(true).safeIntegers(true);
  const differing: string[] = [];
  for (const row of rows) {
    const held = lookup.get(indexes.map((i) => row[i] ?? null));
    if (held === undefined || row.every((value, i) => sameValue(value, held[i]))) continue;
    differing.push(indexes.map((i) => describeValue(row[i] ?? null)).join(', '));
    if (differing.length >= 5) break;
  }
  if (differing.length === 0) return;
  throw new DbfError('DBF_SYNC_CONFLICT', `${name}: changed rows differ from the rows the target holds (keys ${differing.join('; ')}); conflict_resolution is error, so nothing of this batch was written`);
}

/**
 * Upserts by primary key: multi-row `INSERT … ON CONFLICT (key) DO UPDATE SET c = excluded.c`
 * (overwrite) or `DO NOTHING` (skip; error, whose differing rows were refused before). Never
 * `INSERT OR REPLACE`: it deletes the old row first. A key holding a NULL (a rowid table's PRIMARY KEY
 * allows one) never conflicts, so such a row is matched with IS and updated or inserted on its own.
 */
export function upsertRows(db: Database.Database, table: CopyTable, name: string, rows: readonly SqliteValue[][], conflict: ConflictResolution, maxVariables: number): void {
  const indexes = keyIndexes(table);
  const withNullKey = (row: readonly SqliteValue[]): boolean => indexes.some((i) => row[i] === null);
  const keyed = rows.filter((row) => !withNullKey(row));
  const keys = new Set(table.primaryKey);
  const others = table.copied.filter((c) => !keys.has(c));
  const overwrite = conflict === 'overwrite' && others.length > 0;
  const action = overwrite ? `DO UPDATE SET ${others.map((c) => `${quoteIdent(c)} = excluded.${quoteIdent(c)}`).join(', ')}` : 'DO NOTHING';
  const width = table.copied.length;
  const perStatement = Math.max(1, Math.floor(maxVariables / width));
  const statements = new Map<number, Database.Statement<unknown[], unknown>>();
  const statement = (count: number): Database.Statement<unknown[], unknown> => {
    const known = statements.get(count);
    if (known !== undefined) return known;
    const values = Array.from({ length: count }, () => `(${table.copied.map(() => '?').join(',')})`).join(',');
    const prepared = db.prepare<unknown[], unknown>(`INSERT INTO ${mainTable(name)} (${table.copied.map(quoteIdent).join(', ')}) VALUES ${values} ON CONFLICT (${table.primaryKey.map(quoteIdent).join(', ')}) ${action}`);
    statements.set(count, prepared);
    return prepared;
  };
  for (let start = 0; start < keyed.length; start += perStatement) {
    const chunk = keyed.slice(start, start + perStatement);
    statement(chunk.length).run(chunk.flat());
  }
  const nullKeyed = rows.filter(withNullKey);
  if (nullKeyed.length > 0) upsertOneByOne(db, table, name, nullKeyed, overwrite ? others : null);
}

/** Rows whose key holds a NULL: updated where the target has the key (overwrite), inserted where not. */
function upsertOneByOne(db: Database.Database, table: CopyTable, name: string, rows: readonly SqliteValue[][], overwrite: readonly string[] | null): void {
  const indexes = keyIndexes(table);
  const exists = db.prepare<unknown[], unknown>(`SELECT 1 FROM ${mainTable(name)} WHERE ${keyMatch(table)}`).pluck(true);
  const insert = db.prepare<unknown[], unknown>(`INSERT INTO ${mainTable(name)} (${table.copied.map(quoteIdent).join(', ')}) VALUES (${table.copied.map(() => '?').join(',')})`);
  const columns = overwrite ?? [];
  const update = columns.length === 0 ? null : db.prepare<unknown[], unknown>(`UPDATE ${mainTable(name)} SET ${columns.map((c) => `${quoteIdent(c)} = ?`).join(', ')} WHERE ${keyMatch(table)}`);
  const at = columns.map((c) => table.copied.indexOf(c));
  for (const row of rows) {
    const key = indexes.map((i) => row[i] ?? null);
    if (exists.get(key) === undefined) insert.run(row);
    else update?.run([...at.map((i) => row[i] ?? null), ...key]);
  }
}

/** Deletes the given keys from `name`; answers how many rows went. */
export function deleteKeys(db: Database.Database, table: CopyTable, name: string, keys: readonly KeyPosition[]): number {
  if (keys.length === 0) return 0;
  const remove = db.prepare<unknown[], unknown>(`DELETE FROM ${mainTable(name)} WHERE ${keyMatch(table)}`);
  let deleted = 0;
  for (const key of keys) deleted += remove.run(decodeKey(table, key)).changes;
  return deleted;
}
