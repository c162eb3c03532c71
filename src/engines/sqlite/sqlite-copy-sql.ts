import { DbfError } from '../../domain/errors.js';

/**
 * SQL text of the SQLite copy path: identifiers, the DDL rewrite for a shadow table, and keyset
 * conditions over raw key values. Values are always bound as parameters, never inlined, so they keep
 * their storage class (a bigint binds as INTEGER, a number as REAL, a Buffer as BLOB).
 */

/** A stored value as better-sqlite3 hands it over with safeIntegers: INTEGER, REAL, TEXT, BLOB, NULL. */
export type SqliteValue = bigint | number | string | Buffer | null;

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** `main."name"`: a temp table of the same name must never be the one read or written. */
export function mainTable(name: string): string {
  return `main.${quoteIdent(name)}`;
}

/** SQLite folds identifiers in ASCII only ("Ä" and "ä" are two names). */
export function sameName(a: string, b: string): boolean {
  return a.replace(/[A-Z]/g, (c) => c.toLowerCase()) === b.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

interface Token {
  readonly kind: 'word' | 'name' | 'punct';
  /** A word as written, a quoted name dequoted, a punctuation character. */
  readonly value: string;
  readonly start: number;
  readonly end: number;
}

const WORD_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;
const CLOSING: Record<string, string> = { '"': '"', '`': '`', "'": "'", '[': ']' };

/** The tokens of a statement's head (comments and blanks skipped); enough to find the names in it. */
function* tokens(sql: string): Generator<Token> {
  let i = 0;
  while (i < sql.length) {
    const c = sql[i] ?? '';
    if (/\s/.test(c)) {
      i += 1;
    } else if (sql.startsWith('--', i)) {
      const eol = sql.indexOf('\n', i);
      i = eol < 0 ? sql.length : eol + 1;
    } else if (sql.startsWith('/*', i)) {
      const close = sql.indexOf('*/', i + 2);
      i = close < 0 ? sql.length : close + 2;
    } else if (c in CLOSING) {
      const close = CLOSING[c] ?? c;
      let value = '';
      let j = i + 1;
      for (;;) {
        const at = sql.indexOf(close, j);
        if (at < 0) throw new TypeError(`unterminated quoted name in: ${sql.slice(i, i + 60)}`);
        value += sql.slice(j, at);
        // "a""b" is a doubled quote inside the name; [..] has no escape.
        if (close !== ']' && sql[at + 1] === close) {
          value += close;
          j = at + 2;
        } else {
          j = at + 1;
          break;
        }
      }
      yield { kind: 'name', value, start: i, end: j };
      i = j;
    } else if (WORD_CHAR.test(c)) {
      let j = i + 1;
      while (j < sql.length && WORD_CHAR.test(sql[j] ?? '')) j += 1;
      yield { kind: 'word', value: sql.slice(i, j), start: i, end: j };
      i = j;
    } else {
      yield { kind: 'punct', value: c, start: i, end: i + 1 };
      i += 1;
    }
  }
}

function isWord(token: Token | undefined, ...words: string[]): boolean {
  return token?.kind === 'word' && words.some((w) => sameName(token.value, w));
}

/** A possibly schema-qualified object name at `tokens[at]`: its name and the span it covers. */
function objectName(list: readonly Token[], at: number): { name: string; start: number; end: number; next: number } | null {
  const first = list[at];
  if (first === undefined || first.kind === 'punct') return null;
  const dot = list[at + 1];
  const second = list[at + 2];
  if (dot?.kind === 'punct' && dot.value === '.' && second !== undefined && second.kind !== 'punct') {
    return { name: second.value, start: first.start, end: second.end, next: at + 3 };
  }
  return { name: first.value, start: first.start, end: first.end, next: at + 1 };
}

function headTokens(sql: string, limit: number): Token[] {
  const list: Token[] = [];
  for (const token of tokens(sql)) {
    list.push(token);
    if (list.length >= limit) break;
  }
  return list;
}

/**
 * The source's CREATE TABLE (sqlite_schema.sql) for another table name: `CREATE TABLE "name"` and the
 * rest verbatim (columns, constraints with their inline foreign keys, WITHOUT ROWID, STRICT). TEMP,
 * IF NOT EXISTS and a schema qualifier are dropped: the shadow must be a new table of the main
 * database. The name is double-quoted, which is also how SQLite writes it when the table is renamed.
 */
export function rewriteCreateTable(ddl: string, sourceName: string, targetName: string): string {
  const list = headTokens(ddl, 12);
  let at = 0;
  const fail = (): never => {
    throw new DbfError('DBF_COPY_FAILED', `unexpected DDL for table ${sourceName}: ${ddl.slice(0, 80).replace(/\s+/g, ' ')}`);
  };
  if (!isWord(list[at], 'CREATE')) fail();
  at += 1;
  if (isWord(list[at], 'TEMP', 'TEMPORARY')) at += 1;
  if (!isWord(list[at], 'TABLE')) fail();
  at += 1;
  if (isWord(list[at], 'IF') && isWord(list[at + 1], 'NOT') && isWord(list[at + 2], 'EXISTS')) at += 3;
  const name = objectName(list, at) ?? fail();
  if (!sameName(name.name, sourceName)) {
    throw new DbfError('DBF_COPY_FAILED', `the DDL given for table ${sourceName} creates table ${name.name}`);
  }
  return `CREATE TABLE ${quoteIdent(targetName)}${ddl.slice(name.end)}`;
}

/**
 * An index's or trigger's CREATE statement for a table of another name: the table after the first ON
 * (`CREATE INDEX i ON t (…)`, `CREATE TRIGGER g AFTER INSERT ON t …`) is replaced. A trigger body that
 * names the table itself is left as it is.
 */
export function rewriteOnTable(sql: string, sourceName: string, targetName: string): string {
  if (sourceName === targetName) return sql;
  const list = headTokens(sql, 400);
  const on = list.findIndex((t) => isWord(t, 'ON'));
  const table = on < 0 ? null : objectName(list, on + 1);
  if (table === null || !sameName(table.name, sourceName)) {
    throw new DbfError('DBF_COPY_FAILED', `cannot find table ${sourceName} in: ${sql.slice(0, 80).replace(/\s+/g, ' ')}`);
  }
  return `${sql.slice(0, table.start)}${quoteIdent(targetName)}${sql.slice(table.end)}`;
}

export interface BoundSql {
  readonly sql: string;
  readonly params: SqliteValue[];
}

/**
 * Rows strictly after `key` in the order of `columns`, in the expanded form
 * `a > ? OR (a = ? AND b > ?)`, led by the redundant `a >= ?` that lets SQLite start the index range
 * at the key instead of filtering from the first row. NULL sorts first in SQLite, so a NULL key part
 * becomes `IS NULL` / `IS NOT NULL` (a rowid table's PRIMARY KEY may hold NULLs).
 */
export function afterKey(columns: readonly string[], key: readonly SqliteValue[]): BoundSql {
  const params: SqliteValue[] = [];
  const terms: string[] = [];
  for (let i = 0; i < columns.length; i += 1) {
    const parts: string[] = [];
    for (let j = 0; j < i; j += 1) {
      const value = key[j] ?? null;
      if (value === null) parts.push(`${quoteIdent(columns[j] ?? '')} IS NULL`);
      else {
        parts.push(`${quoteIdent(columns[j] ?? '')} = ?`);
        params.push(value);
      }
    }
    const value = key[i] ?? null;
    if (value === null) parts.push(`${quoteIdent(columns[i] ?? '')} IS NOT NULL`);
    else {
      parts.push(`${quoteIdent(columns[i] ?? '')} > ?`);
      params.push(value);
    }
    terms.push(`(${parts.join(' AND ')})`);
  }
  const expanded = terms.join(' OR ');
  const lead = key[0] ?? null;
  if (columns.length > 1 && lead !== null) return { sql: `${quoteIdent(columns[0] ?? '')} >= ? AND (${expanded})`, params: [lead, ...params] };
  return { sql: expanded, params };
}

/**
 * Rows after `low` (exclusive) up to `high` (inclusive); null ends are open. "Up to" is "not after",
 * with an unknown (a NULL compared) taken as false, and a redundant `a <= ?` bounding the index range
 * when no row with a NULL leading key can belong to the range.
 */
export function keyRange(columns: readonly string[], low: readonly SqliteValue[] | null, high: readonly SqliteValue[] | null): BoundSql {
  const parts: string[] = [];
  const params: SqliteValue[] = [];
  if (low !== null) {
    const after = afterKey(columns, low);
    parts.push(`(${after.sql})`);
    params.push(...after.params);
  }
  if (high !== null) {
    const after = afterKey(columns, high);
    const lowLead = low?.[0] ?? null;
    const highLead = high[0] ?? null;
    if (lowLead !== null && highLead !== null) {
      parts.push(`${quoteIdent(columns[0] ?? '')} <= ?`);
      params.push(highLead);
    }
    parts.push(`NOT COALESCE((${after.sql}), 0)`);
    params.push(...after.params);
  }
  return { sql: parts.join(' AND '), params };
}

/**
 * A condition of the source with the table's row filter (a vetted where_clause) in front, so every
 * read of the source takes only the rows the filter selects. null: no condition at all.
 */
export function withFilter(filter: string | null, where: BoundSql | null): BoundSql | null {
  const range = where === null || where.sql === '' ? null : where;
  if (filter === null) return range;
  if (range === null) return { sql: `(${filter})`, params: [] };
  return { sql: `(${filter}) AND (${range.sql})`, params: range.params };
}

/** ` WHERE …` of a condition, or nothing. */
export function whereClause(where: BoundSql | null): string {
  return where === null ? '' : ` WHERE ${where.sql}`;
}

const TABLE_CONSTRAINTS = ['CONSTRAINT', 'PRIMARY', 'UNIQUE', 'CHECK', 'FOREIGN'];

/**
 * The column definitions of a CREATE TABLE as written (`"c" TEXT NOT NULL DEFAULT 'x' COLLATE NOCASE`),
 * in order: the text between the top-level commas of its column list, table constraints left out.
 */
export function columnDefinitions(ddl: string): Array<{ name: string; sql: string }> {
  const definitions: Array<{ name: string; sql: string }> = [];
  let depth = 0;
  // The first token of the definition being read: its name (a comment before it is left out).
  let first: Token | null = null;
  const push = (end: number): void => {
    if (first !== null && !(first.kind === 'word' && TABLE_CONSTRAINTS.some((w) => sameName(w, first?.value ?? '')))) {
      definitions.push({ name: first.value, sql: ddl.slice(first.start, end).trim() });
    }
    first = null;
  };
  for (const token of tokens(ddl)) {
    const punct = token.kind === 'punct' ? token.value : null;
    if (punct === '(') {
      depth += 1;
      if (depth === 1) continue;
    } else if (punct === ')') {
      depth -= 1;
      if (depth === 0) {
        push(token.start);
        break;
      }
    } else if (punct === ',' && depth === 1) {
      push(token.start);
      continue;
    }
    if (depth === 1 && first === null) first = token;
  }
  return definitions;
}
