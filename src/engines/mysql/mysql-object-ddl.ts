import type { ObjectKind } from '../copy-ports.js';
import { quoteIdent } from './mysql-sql.js';

/**
 * Rewriting the source's SHOW CREATE statements of views, routines, triggers and events for the
 * target database. Why a lexer and not a regex over the text: the source database's name may appear
 * inside string literals, comments or user variables, which must stay as they are; only identifier
 * qualifiers (`src`.`t`, src.t) name the database.
 */

/** What lexing needs of the sql_mode a statement was written (or printed) in. */
export interface SqlDialect {
  /** ANSI_QUOTES: "x" is an identifier, not a string. */
  readonly ansiQuotes: boolean;
  /** Unless NO_BACKSLASH_ESCAPES, a backslash escapes the next character of a string. */
  readonly backslashEscapes: boolean;
}

export function dialectOf(sqlMode: string): SqlDialect {
  const modes = new Set(sqlMode.toUpperCase().split(',').map((m) => m.trim()));
  return { ansiQuotes: modes.has('ANSI_QUOTES') || modes.has('ANSI'), backslashEscapes: !modes.has('NO_BACKSLASH_ESCAPES') };
}

interface NameToken {
  readonly kind: 'name';
  readonly start: number;
  readonly end: number;
  /** The identifier, unquoted. */
  readonly name: string;
  readonly quoted: boolean;
}

type Token = NameToken | { readonly kind: 'dot' | 'other'; readonly start: number; readonly end: number };

const WORD_CHAR = /[0-9A-Za-z_$\u0080-\uffff]/;
const SPACE = /\s/;

/** The index just past a quoted run starting at `start` (doubled quotes, and backslashes if asked, escape). */
function closeQuoted(sql: string, start: number, quote: string, backslash: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (backslash && c === '\\') i += 2;
    else if (c === quote && sql[i + 1] === quote) i += 2;
    else if (c === quote) return i + 1;
    else i += 1;
  }
  return sql.length;
}

/** `@var`, `@@session.var`, `@'quoted'`: variables, whose names may contain dots, never name a database. */
function closeVariable(sql: string, start: number, dialect: SqlDialect): number {
  let i = start;
  while (sql[i] === '@') i += 1;
  const c = sql[i] ?? '';
  if (c === '`' || c === "'" || c === '"') return closeQuoted(sql, i, c, c !== '`' && dialect.backslashEscapes);
  while (i < sql.length && (WORD_CHAR.test(sql[i] ?? '') || sql[i] === '.')) i += 1;
  return i;
}

/** Identifiers, dots and everything else significant; whitespace and comments are left out. */
function lex(sql: string, dialect: SqlDialect): Token[] {
  const tokens: Token[] = [];
  let executableComments = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i] ?? '';
    const next = sql[i + 1] ?? '';
    if (SPACE.test(c)) {
      i += 1;
    } else if (c === '#' || (c === '-' && next === '-' && /^[\s\x00-\x1f]?$/.test(sql[i + 2] ?? ''))) {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end + 1;
    } else if (c === '/' && next === '*') {
      // `/*!50001 … */` and `/*M! … */` are code the server runs: only their markers are skipped.
      const executable = /^\/\*M?!\d*/.exec(sql.slice(i, i + 12));
      if (executable) {
        executableComments += 1;
        i += executable[0].length;
      } else {
        const end = sql.indexOf('*/', i + 2);
        i = end < 0 ? sql.length : end + 2;
      }
    } else if (c === '*' && next === '/' && executableComments > 0) {
      executableComments -= 1;
      i += 2;
    } else if (c === '`' || (c === '"' && dialect.ansiQuotes)) {
      const end = closeQuoted(sql, i, c, false);
      tokens.push({ kind: 'name', start: i, end, name: sql.slice(i + 1, end - 1).replaceAll(c + c, c), quoted: true });
      i = end;
    } else if (c === "'" || c === '"') {
      const end = closeQuoted(sql, i, c, dialect.backslashEscapes);
      tokens.push({ kind: 'other', start: i, end });
      i = end;
    } else if (c === '@') {
      const end = closeVariable(sql, i, dialect);
      tokens.push({ kind: 'other', start: i, end });
      i = end;
    } else if (c === '.') {
      tokens.push({ kind: 'dot', start: i, end: i + 1 });
      i += 1;
    } else if (WORD_CHAR.test(c)) {
      let end = i + 1;
      while (end < sql.length && WORD_CHAR.test(sql[end] ?? '')) end += 1;
      tokens.push({ kind: 'name', start: i, end, name: sql.slice(i, end), quoted: false });
      i = end;
    } else {
      tokens.push({ kind: 'other', start: i, end: i + 1 });
      i += 1;
    }
  }
  return tokens;
}

/**
 * Positions of the tokens that qualify a name with `database` (`db`.x, db.x; in `x.db.y` it is a
 * table, not a database). A bare word of digits only is a number, never an identifier.
 */
function qualifierIndexes(tokens: readonly Token[], database: string): number[] {
  const found: number[] = [];
  tokens.forEach((token, i) => {
    if (token.kind !== 'name' || token.name !== database) return;
    if (!token.quoted && /^\d+$/.test(token.name)) return;
    if (tokens[i + 1]?.kind === 'dot' && tokens[i - 1]?.kind !== 'dot') found.push(i);
  });
  return found;
}

/** Every identifier qualifier naming `from` now names `to` (backquoted); nothing else changes. */
export function retargetDatabase(sql: string, from: string, to: string, dialect: SqlDialect): string {
  const tokens = lex(sql, dialect);
  let out = '';
  let copied = 0;
  for (const i of qualifierIndexes(tokens, from)) {
    const token = tokens[i];
    if (token === undefined) continue;
    out += sql.slice(copied, token.start) + quoteIdent(to);
    copied = token.end;
  }
  return out + sql.slice(copied);
}

/** The names that `database`.X qualifies in the statement (for a view: the tables and views it reads). */
export function qualifiedNames(sql: string, database: string, dialect: SqlDialect): Set<string> {
  const tokens = lex(sql, dialect);
  const names = new Set<string>();
  for (const i of qualifierIndexes(tokens, database)) {
    const name = tokens[i + 2];
    if (name?.kind === 'name') names.add(name.name);
  }
  return names;
}

// An account part or identifier as SHOW CREATE prints it (or as a trigger's original statement has it).
const ACCOUNT = "(?:`(?:[^`]|``)*`|'(?:[^'\\\\]|''|\\\\.)*'|\"(?:[^\"]|\"\")*\"|[\\w$.%-]+)";
const IDENT = '(?:`(?:[^`]|``)+`|"(?:[^"]|"")+"|[\\w$\\u0080-\\uffff]+)';
const QUALIFIED = `${IDENT}(?:\\s*\\.\\s*${IDENT})?`;
const DEFINER = new RegExp(
  `^(\\s*CREATE\\s+(?:OR\\s+REPLACE\\s+)?(?:ALGORITHM\\s*=\\s*\\w+\\s+)?)DEFINER\\s*=\\s*(?:CURRENT_(?:USER|ROLE)(?:\\s*\\(\\s*\\))?|${ACCOUNT}(?:\\s*@\\s*${ACCOUNT})?)\\s+`,
  'i',
);
const TRIGGER_ORDER = new RegExp(
  `^(\\s*CREATE\\s+(?:OR\\s+REPLACE\\s+)?TRIGGER\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?${QUALIFIED}\\s+(?:BEFORE|AFTER)\\s+(?:INSERT|UPDATE|DELETE)(?:\\s+OR\\s+(?:INSERT|UPDATE|DELETE))*\\s+ON\\s+${QUALIFIED}\\s+FOR\\s+EACH\\s+ROW\\s+)(?:FOLLOWS|PRECEDES)\\s+${IDENT}\\s+`,
  'i',
);

/** The statement without its `DEFINER=…` clause, so that the account creating it becomes the definer. */
export function stripDefiner(sql: string): string {
  return sql.replace(DEFINER, '$1');
}

/**
 * A trigger's statement without `FOLLOWS|PRECEDES other`: triggers are created in ACTION_ORDER, each
 * appended last, which rebuilds the order; a PRECEDES would name a trigger not created yet.
 */
export function stripTriggerOrder(sql: string): string {
  return sql.replace(TRIGGER_ORDER, '$1');
}

export interface ObjectStatement {
  readonly kind: ObjectKind;
  readonly ddl: string;
}

/** The source's statement as the target runs it: no definer, no trigger order, the target database's name. */
export function targetStatement(object: ObjectStatement, from: string, to: string, sqlMode: string): string {
  const own = stripDefiner(object.ddl);
  const sql = object.kind === 'trigger' ? stripTriggerOrder(own) : own;
  return retargetDatabase(sql, from, to, dialectOf(sqlMode));
}

/**
 * The character_set_client to create an object with. The statement travels as UTF-8 (the utf8mb4
 * connection), so the object's own client charset is used when those bytes mean the same in it (a
 * UTF-8 charset, or a pure-ASCII statement: every client charset is ASCII-compatible); otherwise
 * utf8mb4, which keeps every character, and only the recorded client charset differs.
 */
export function clientCharset(objectCharset: string, ddl: string): string {
  return /^utf8/i.test(objectCharset) || /^[\x00-\x7f]*$/.test(ddl) ? objectCharset : 'utf8mb4';
}

/**
 * Views in an order the target can create them in: each after the views it reads (`db`.`v`, as SHOW
 * CREATE VIEW prints every table it reads when the session has no default database), ties by name.
 * MariaDB has no information_schema.VIEW_TABLE_USAGE, hence the definitions are read.
 */
export function orderViews<T extends { readonly name: string; readonly ddl: string }>(views: readonly T[], database: string, dialect: SqlDialect): T[] {
  const byName = new Map(views.map((v) => [v.name, v]));
  const sorted = [...views].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const ordered: T[] = [];
  const seen = new Set<string>();
  const visit = (view: T): void => {
    // Seen: placed already, or on the current path (a cycle, which the server would not have allowed).
    if (seen.has(view.name)) return;
    seen.add(view.name);
    const reads = [...qualifiedNames(view.ddl, database, dialect)].filter((n) => n !== view.name).sort();
    for (const name of reads) {
      const read = byName.get(name);
      if (read !== undefined) visit(read);
    }
    ordered.push(view);
  };
  sorted.forEach(visit);
  return ordered;
}
