import { DbfError } from '../../domain/errors.js';
import type { CopyTable, CursorCandidate, SchemaDiff } from '../copy-ports.js';
import { toNumber, toText } from '../rows.js';
import type { Row } from '../rows.js';
import type { SqliteHandle } from './sqlite-copy-connection.js';
import { columnDefinitions, mainTable, sameName } from './sqlite-copy-sql.js';
import type { SqliteCopyTarget } from './sqlite-copy-target.js';

/**
 * What SQLite incremental sync reads of a table's schema: the columns it can follow, how the target's
 * columns differ from the source's, and the source's definitions of added columns.
 *
 * SQLite has no date type: a column is temporal by its declared type (DATE, DATETIME, TIMESTAMP…,
 * NUMERIC affinity), which is also how ORMs declare them. STRICT tables cannot declare those, so they
 * offer only their integer key. A growing integer is the single INTEGER-affinity primary key; it is
 * auto-increment when it is the rowid (INTEGER PRIMARY KEY, with or without AUTOINCREMENT): SQLite
 * then gives a new row max(rowid) + 1. (Without AUTOINCREMENT the id of a deleted newest row can be
 * handed out again, below a mark already past it; detect_deletes' verification reports such a row.)
 */

/** Declared types of a temporal cursor, by their first word: DATETIME(3), TIMESTAMP WITH TIME ZONE … */
const TEMPORAL = /^(DATE|DATETIME|TIMESTAMP|TIMESTAMPTZ)\b/i;

const XINFO = "SELECT name, type, \"notnull\" AS nn, dflt_value AS dflt, hidden FROM pragma_table_xinfo(?, 'main') ORDER BY cid";

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Whether an UPDATE trigger of the table sets the column (`… AFTER UPDATE ON t BEGIN UPDATE t SET
 * updated_at = CURRENT_TIMESTAMP …`): SQLite's stand-in for ON UPDATE CURRENT_TIMESTAMP, and so the
 * surest sign of a change cursor. A reading of the trigger's text, not of its logic: it ranks
 * candidates, it does not prove every update sets the column.
 */
export function setByUpdateTrigger(triggers: readonly string[], column: string): boolean {
  const name = escapeRegExp(column);
  const quoted = escapeRegExp(column.replaceAll('"', '""'));
  const assigned = new RegExp(`(?:^|,)\\s*(?:"${quoted}"|\`${name}\`|\\[${name}\\]|${name}(?![\\w$]))\\s*=`, 'i');
  return triggers.some((sql) => {
    const begin = sql.search(/\bBEGIN\b/i);
    if (begin < 0 || !/\bUPDATE\b(?:\s+OF\b[\s\S]*?)?\s+ON\b/i.test(sql.slice(0, begin))) return false;
    return [...sql.slice(begin).matchAll(/\bSET\b([\s\S]*?)(?=\bWHERE\b|\bFROM\b|;|\bEND\b)/gi)].some((set) => assigned.test(set[1] ?? ''));
  });
}

export function cursorCandidates(handle: SqliteHandle, table: CopyTable): CursorCandidate[] {
  const name = table.name;
  const columns = handle.all(`describing the columns of ${name}`, XINFO, [name]);
  const [listed] = handle.all(`looking up table ${name}`, "SELECT wr FROM pragma_table_list WHERE schema = 'main' AND name = ?", [name]);
  const withoutRowid = toNumber(listed?.['wr']) === 1;
  // An index serves the cursor when it starts with it (a partial index does not serve every row).
  const indexed = new Set(
    handle
      .all(`reading the indexes of ${name}`, "SELECT ii.name AS name FROM pragma_index_list(?, 'main') il JOIN pragma_index_info(il.name, 'main') ii WHERE ii.seqno = 0 AND il.partial = 0 AND ii.name IS NOT NULL", [name])
      .map((r) => toText(r['name'])),
  );
  const triggers = handle
    .all(`reading the triggers of ${name}`, "SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = ? COLLATE NOCASE AND sql IS NOT NULL", [name])
    .map((r) => toText(r['sql']));
  const onlyKey = table.primaryKey.length === 1 ? table.primaryKey[0] : undefined;
  return columns.flatMap((c): CursorCandidate[] => {
    const column = toText(c['name']);
    const type = toText(c['type']).trim();
    if (!table.copied.includes(column)) return [];
    const isPrimaryKey = column === onlyKey;
    const rowid = isPrimaryKey && !withoutRowid && type.toUpperCase() === 'INTEGER';
    const kind = TEMPORAL.test(type) ? 'temporal' : isPrimaryKey && /INT/i.test(type) ? 'integer' : null;
    if (kind === null) return [];
    // A rowid never is NULL, nor a WITHOUT ROWID table's key; other key columns of rowid tables may be.
    const notNull = toNumber(c['nn']) === 1 || rowid || (withoutRowid && table.primaryKey.includes(column));
    return [{
      column,
      kind,
      indexed: indexed.has(column) || rowid || (withoutRowid && table.primaryKey[0] === column),
      autoIncrement: kind === 'integer' && rowid,
      isPrimaryKey,
      nullable: !notNull,
      setOnUpdate: kind === 'temporal' && setByUpdateTrigger(triggers, column),
    }];
  });
}

interface ColumnShape {
  readonly type: string;
  readonly notNull: boolean;
  /** Old rows hold NULL, the default, or a computed value: adding the column keeps them equal. */
  readonly addable: boolean;
}

function shapes(rows: readonly Row[]): Map<string, ColumnShape> {
  return new Map(rows.map((r) => {
    const notNull = toNumber(r['nn']) === 1;
    const generated = toNumber(r['hidden']) === 2 || toNumber(r['hidden']) === 3;
    const type = toText(r['type']).trim().replace(/\s+/g, ' ').toUpperCase();
    return [toText(r['name']), { type, notNull, addable: !notNull || r['dflt'] !== null || generated }];
  }));
}

/** The source's and the target's columns compared by name: declared type and NOT NULL. */
export function schemaDiff(source: SqliteHandle, target: SqliteCopyTarget, table: CopyTable, name: string): SchemaDiff {
  const from = shapes(source.all(`describing the columns of ${table.name}`, XINFO, [table.name]));
  const to = shapes(target.catalog(`describing the columns of ${name} on the target`, XINFO, [name]));
  const show = (c: ColumnShape): string => `${c.type === '' ? '(no type)' : c.type}${c.notNull ? ' NOT NULL' : ''}`;
  return {
    added: [...from].filter(([column]) => !to.has(column)).map(([column, c]) => ({ column, addable: c.addable })),
    dropped: [...to.keys()].filter((column) => !from.has(column)),
    changed: [...from].flatMap(([column, c]) => {
      const t = to.get(column);
      if (t === undefined || (t.type === c.type && t.notNull === c.notNull)) return [];
      return [{ column, source: show(c), target: show(t) }];
    }),
  };
}

/**
 * Adds the columns to the target as the source's DDL defines them (type, NOT NULL, DEFAULT, COLLATE,
 * CHECK, REFERENCES as written), in one transaction. What ALTER TABLE ADD COLUMN cannot add (a
 * non-constant default, UNIQUE, a STORED generated column) stops the table with DBF_SCHEMA_CHANGED.
 */
export async function addColumns(target: SqliteCopyTarget, name: string, sourceDdl: string, sourceName: string, columns: readonly string[]): Promise<void> {
  const definitions = columnDefinitions(sourceDdl);
  const statements = columns.map((column) => {
    const definition = definitions.find((d) => sameName(d.name, column));
    if (definition === undefined) throw new DbfError('DBF_SCHEMA_CHANGED', `${sourceName}: the definition of the new column ${column} is not in the source's DDL`);
    return `ALTER TABLE ${mainTable(name)} ADD COLUMN ${definition.sql}`;
  });
  try {
    await target.inTurn(`adding ${columns.join(', ')} to ${name}`, (db) => db.transaction(() => statements.forEach((sql) => db.exec(sql))).immediate(), { ddl: true });
  } catch (error) {
    // A lock (DBF_CONN_FAILED) is retried as it is; SQLite refusing the column is the schema's problem.
    if (!(error instanceof DbfError) || error.code !== 'DBF_COPY_FAILED') throw error;
    throw new DbfError('DBF_SCHEMA_CHANGED', `${sourceName}: the new column${columns.length === 1 ? '' : 's'} ${columns.join(', ')} cannot be added to ${name} (${error.message}): run a full copy of it (--mode full, or the table's sync_mode full) and incremental runs continue from there`, { cause: error });
  }
}
