/**
 * SQL text for the MySQL/MariaDB copy path, built from raw bytes. Why strings of latin1 code points:
 * the writer connection uses the `binary` character set, so mysql2 encodes the statement with
 * Buffer's 'latin1' (one byte per code point) and every byte reaches the server untouched; a value's
 * bytes are taken by the server as the column's own charset (utf8mb4, latin1, binary …), exactly as
 * the reader (also `binary`, so nothing converts on the way out) received them.
 */

export function quoteIdent(name: string): string {
  return `\`${name.replaceAll('`', '``')}\``;
}

/** An identifier as latin1 code points of its UTF-8 bytes (for statements sent on a binary connection). */
export function quoteIdentBinary(name: string): string {
  return Buffer.from(quoteIdent(name), 'utf8').toString('latin1');
}

const ESCAPES: Record<string, string> = { '\0': '\\0', '\n': '\\n', '\r': '\\r', '\x1a': '\\Z', "'": "\\'", '\\': '\\\\' };
const NEEDS_ESCAPE = /[\0\n\r\x1a'\\]/;
const ESCAPE_ALL = /[\0\n\r\x1a'\\]/g;

/** A quoted string literal of raw bytes (backslash escapes; the session must not set NO_BACKSLASH_ESCAPES). */
export function bytesLiteral(value: Buffer): string {
  const text = value.toString('latin1');
  return `'${NEEDS_ESCAPE.test(text) ? text.replace(ESCAPE_ALL, (c) => ESCAPES[c] ?? c) : text}'`;
}

/** A BIT value (raw bytes, big-endian) as a hex literal: a quoted string would be read as a number's text. */
export function bitLiteral(value: Buffer): string {
  return value.length === 0 ? "b''" : `x'${value.toString('hex')}'`;
}

/** Column types whose text is a number: compared unquoted, so a BIGINT key is never compared as a double. */
export const NUMERIC_TYPES = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint', 'decimal', 'numeric', 'float', 'double', 'real', 'year']);

/** A key value in a WHERE clause: numbers unquoted (validated), everything else as bytes. */
export function keyLiteral(value: Buffer, dataType: string): string {
  if (NUMERIC_TYPES.has(dataType)) {
    const text = value.toString('latin1');
    if (!/^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(text)) throw new TypeError(`not a number: ${JSON.stringify(text)}`);
    return text;
  }
  if (dataType === 'bit') return bitLiteral(value);
  return bytesLiteral(value);
}

/**
 * Rows strictly after `key` in the order of `columns`, in the expanded form
 * `a > ? OR (a = ? AND b > ?)`: MariaDB does not turn a row comparison `(a, b) > (?, ?)` into an
 * index range (performance.md, trap 7), so that form would scan from the start for every page.
 */
export function afterKeyCondition(columns: readonly string[], literals: readonly string[]): string {
  const terms: string[] = [];
  for (let i = 0; i < columns.length; i += 1) {
    const equal = columns.slice(0, i).map((c, j) => `${quoteIdentBinary(c)} = ${literals[j] ?? ''}`);
    terms.push([...equal, `${quoteIdentBinary(columns[i] ?? '')} > ${literals[i] ?? ''}`].join(' AND '));
  }
  return terms.map((t) => `(${t})`).join(' OR ');
}

/**
 * The source's `SHOW CREATE TABLE`, rewritten for the target: another table name, no AUTO_INCREMENT
 * counter, and without its FOREIGN KEY constraints (InnoDB constraint names are unique per database,
 * so a shadow table cannot carry the live table's names; they are added when the shadow is swapped in).
 * With `deferKeys`, plain secondary keys are taken out too, to be added once the rows are in.
 * Answers the DDL and the clauses that were taken out.
 */
export function rewriteCreateTable(ddl: string, sourceName: string, targetName: string, options: { deferKeys?: boolean } = {}): { ddl: string; foreignKeys: string[]; deferredKeys: string[] } {
  const header = `CREATE TABLE ${quoteIdent(sourceName)} (`;
  if (!ddl.startsWith(header)) throw new TypeError(`unexpected SHOW CREATE TABLE for ${sourceName}: ${ddl.slice(0, 80)}`);
  const lines = ddl.slice(header.length).split('\n');
  const foreignKeys: string[] = [];
  const deferredKeys: string[] = [];
  const kept: string[] = [];
  // Plain secondary keys can be built after the load (a sorted build, cheaper than maintaining them row
  // by row). Not when the table has FULLTEXT or SPATIAL keys: SHOW CREATE TABLE lists keys in creation
  // order, and adding plain keys after those would change it.
  const defer = options.deferKeys === true && !lines.some((l) => /^\s*(FULLTEXT|SPATIAL) KEY /.test(l));
  for (const line of lines) {
    const trimmed = line.trim().replace(/,$/, '');
    if (/^CONSTRAINT `(?:[^`]|``)+` FOREIGN KEY /.test(trimmed)) foreignKeys.push(trimmed);
    else if (defer && /^KEY `(?:[^`]|``)+` \(/.test(trimmed)) deferredKeys.push(trimmed);
    else kept.push(line);
  }
  // The line before the closing ")" must not end with a comma once constraints were taken out.
  const closing = kept.findIndex((l) => l.startsWith(')'));
  if (closing > 0) kept[closing - 1] = (kept[closing - 1] ?? '').replace(/,$/, '');
  const body = kept.join('\n').replace(/ AUTO_INCREMENT=\d+/, '');
  return { ddl: `CREATE TABLE ${quoteIdent(targetName)} (${body}`, foreignKeys, deferredKeys };
}
