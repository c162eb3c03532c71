import { DbfError } from '../../domain/errors.js';
import type { ChangeMark } from '../copy-ports.js';
import type { SqliteHandle } from './sqlite-copy-connection.js';
import type { SqliteValue } from './sqlite-copy-sql.js';
import { isSqliteValue } from './sqlite-copy-values.js';

/**
 * Values of SQLite incremental sync: marks, the overlap window's lower bound, and value equality.
 *
 * A mark part is the base64 of the value as a SQL literal (`3000`, `1.5`, `'2026-01-01 10:00:00'`,
 * `X'00ff'`, `NULL`): exact (it keeps the storage class: 5 and 5.0 and '5' are three values), and
 * readable where the generic code shows a mark (describeMark decodes base64 as text).
 */

/** A REAL as a literal that reads back as the same double and never as an INTEGER. */
function realLiteral(value: number): string {
  if (value === Infinity) return '9.0e+999';
  if (value === -Infinity) return '-9.0e+999';
  const text = Object.is(value, -0) ? '-0.0' : String(value);
  return /[.e]/.test(text) ? text : `${text}.0`;
}

export function markLiteral(value: SqliteValue): string {
  if (value === null) return 'NULL';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return realLiteral(value);
  if (typeof value === 'string') return `'${value.replaceAll("'", "''")}'`;
  return `X'${value.toString('hex')}'`;
}

export function parseMarkLiteral(literal: string): SqliteValue {
  if (literal === 'NULL') return null;
  if (/^-?\d+$/.test(literal)) return BigInt(literal);
  const text = /^'([\s\S]*)'$/.exec(literal);
  if (text) return (text[1] ?? '').replaceAll("''", "'");
  const blob = /^X'((?:[0-9a-f]{2})*)'$/i.exec(literal);
  if (blob) return Buffer.from(blob[1] ?? '', 'hex');
  if (/^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(literal)) return Number(literal);
  throw new DbfError('DBF_COPY_FAILED', `the saved mark part ${JSON.stringify(literal.slice(0, 40))} is not a SQLite value`);
}

/** The (cursor, key…) values of a row as a mark. */
export function encodeMark(row: readonly unknown[], indexes: readonly number[]): ChangeMark {
  return indexes.map((i) => {
    const value = row[i] ?? null;
    if (!isSqliteValue(value)) throw new TypeError(`not a SQLite value in column ${i}`);
    return Buffer.from(markLiteral(value), 'utf8').toString('base64');
  });
}

export function decodeMark(mark: ChangeMark, parts: number, table: string): SqliteValue[] {
  if (mark.length !== parts) throw new DbfError('DBF_COPY_FAILED', `the saved mark of ${table} has ${mark.length} parts, its cursor and key ${parts}`);
  return mark.map((part) => parseMarkLiteral(Buffer.from(part, 'base64').toString('utf8')));
}

/** Whether two stored values are the same value of the same storage class (5 and 5.0 differ). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (Buffer.isBuffer(a) || Buffer.isBuffer(b)) return Buffer.isBuffer(a) && Buffer.isBuffer(b) && a.equals(b);
  return Object.is(a, b);
}

/**
 * A text timestamp SQLite's date functions read: date, optional time (`T` or blank), optional
 * seconds, fraction and zone suffix (`Z`, `+02:00`, `-0800`).
 */
const TEXT_TIME = /^(\d{4}-\d{2}-\d{2})(?:([T ])(\d{2}:\d{2})(:\d{2})?(\.\d+)?)?(\s*(?:[Zz]|[+-]\d{2}(?::?\d{2})?))?$/;

/** SQLite's own `'auto'` rule for a number: a Julian day number up to here, else Unix time. */
const JULIAN_MAX = 5373484.5;
/** Largest Unix time in seconds SQLite's date functions take (9999-12-31 23:59:59). */
const UNIX_SECONDS_MAX = 253402300799;

/**
 * The lower bound of a run's read: the mark's cursor value less the overlap, in the same format, so
 * the comparison stays on the raw column (index-friendly) and in the column's own order:
 *
 * - text: shifted by SQLite's strftime in the mark's own layout, with its fraction and zone suffix
 *   kept as written (the clock is shifted, not converted to UTC: rows written in the mark's offset
 *   compare correctly, which a UTC bound would break for offsets west of UTC);
 * - a number: read as SQLite's date functions read it with 'auto' (a Julian day below 5373484.5,
 *   else Unix seconds), extended to Unix milliseconds and then microseconds beyond the seconds range.
 */
export function overlapBound(handle: SqliteHandle, column: string, mark: SqliteValue, seconds: number): SqliteValue {
  if (typeof mark === 'bigint' || typeof mark === 'number') return numericBound(mark, seconds);
  const match = typeof mark === 'string' ? TEXT_TIME.exec(mark) : null;
  if (match === null) {
    throw new DbfError('DBF_NO_CURSOR', `the newest ${column} copied (${typeof mark === 'string' ? JSON.stringify(mark.slice(0, 40)) : 'a BLOB'}) is neither a date SQLite reads (YYYY-MM-DD HH:MM:SS…) nor a number, so the overlap window cannot be computed: set overlap_seconds to 0 or follow another column`);
  }
  const [, date = '', sep = ' ', hm, ss, fraction = '', suffix = ''] = match;
  const format = hm === undefined ? '%Y-%m-%d' : `%Y-%m-%d${sep}%H:%M${ss === undefined ? '' : ':%S'}`;
  const naive = hm === undefined ? date : `${date} ${hm}${ss ?? ''}`;
  const [shifted] = handle.run(`computing the overlap below ${column}`, (db) =>
    db.prepare<unknown[], unknown>('SELECT strftime(?, ?, ?)').pluck(true).all([format, naive, `-${seconds} seconds`]),
  );
  if (typeof shifted !== 'string') throw new DbfError('DBF_NO_CURSOR', `the newest ${column} copied (${JSON.stringify(mark)}) is not a valid date, so the overlap window cannot be computed`);
  return `${shifted}${fraction}${suffix}`;
}

function numericBound(mark: bigint | number, seconds: number): bigint | number {
  const value = Number(mark);
  if (value >= 0 && value < JULIAN_MAX) return value - seconds / 86_400;
  const magnitude = Math.abs(value);
  const perSecond = magnitude <= UNIX_SECONDS_MAX ? 1 : magnitude <= UNIX_SECONDS_MAX * 1000 ? 1000 : 1_000_000;
  return typeof mark === 'bigint' ? mark - BigInt(Math.ceil(seconds * perSecond)) : mark - seconds * perSecond;
}
