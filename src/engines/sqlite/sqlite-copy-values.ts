import { createHash } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type Database from 'better-sqlite3';
import { DbfError } from '../../domain/errors.js';
import type { CopyTable, KeyPosition, TableChecksum } from '../copy-ports.js';
import { mainTable, quoteIdent } from './sqlite-copy-sql.js';
import type { BoundSql, SqliteValue } from './sqlite-copy-sql.js';

/**
 * Values of the SQLite copy path: keys encoded for checkpoints and decoded back exactly, the checksum
 * both ends compute, and the labels of key ranges. Nothing is converted: a value's storage class is
 * part of what is copied and compared (INTEGER 5 and REAL 5.0 are two different values).
 */

/** Rows worked through between two turns of the event loop (SQLite calls are synchronous). */
export const ROWS_PER_TURN = 4096;

/** Gives timers and I/O (lease heartbeats, cancels) a turn during a long synchronous scan. */
export async function yieldTurn(): Promise<void> {
  await nextTurn();
}

export function isSqliteValue(value: unknown): value is SqliteValue {
  return value === null || typeof value === 'bigint' || typeof value === 'number' || typeof value === 'string' || Buffer.isBuffer(value);
}

/** A number as text that reads back as the same double, -0 included. */
function realText(value: number): string {
  return Object.is(value, -0) ? '-0' : String(value);
}

/** One key value, JSON-safe, with its storage class: `i:123`, `r:1.5`, `t:text`, `b:base64`, `n:`. */
export function encodeKeyValue(value: SqliteValue): string {
  if (value === null) return 'n:';
  if (typeof value === 'bigint') return `i:${value.toString()}`;
  if (typeof value === 'number') return `r:${realText(value)}`;
  if (typeof value === 'string') return `t:${value}`;
  return `b:${value.toString('base64')}`;
}

export function encodeKey(row: readonly unknown[], keyIndexes: readonly number[]): KeyPosition {
  return keyIndexes.map((i) => {
    const value = row[i] ?? null;
    if (!isSqliteValue(value)) throw new TypeError(`not a SQLite value in key column ${i}`);
    return encodeKeyValue(value);
  });
}

export function decodeKeyValue(part: string): SqliteValue {
  const tag = part.slice(0, 2);
  const body = part.slice(2);
  switch (tag) {
    case 'n:':
      if (body === '') return null;
      break;
    case 'i:':
      if (/^-?\d+$/.test(body)) return BigInt(body);
      break;
    case 'r:': {
      const value = Number(body);
      if (body !== '' && !Number.isNaN(value)) return value;
      break;
    }
    case 't:':
      return body;
    case 'b:':
      if (/^[A-Za-z0-9+/]*={0,2}$/.test(body)) return Buffer.from(body, 'base64');
      break;
    default:
      break;
  }
  throw new DbfError('DBF_COPY_FAILED', `the checkpoint key part ${JSON.stringify(part.slice(0, 40))} is not a SQLite key value`);
}

export function decodeKey(table: CopyTable, key: KeyPosition): SqliteValue[] {
  if (key.length !== table.primaryKey.length) {
    throw new DbfError('DBF_COPY_FAILED', `the checkpoint key of ${table.name} has ${key.length} parts, its primary key ${table.primaryKey.length} columns`);
  }
  return key.map(decodeKeyValue);
}

/** Positions of the primary key's columns within `copied`; empty when some key column is not copied. */
export function keyIndexes(table: CopyTable): number[] {
  const indexes = table.primaryKey.map((k) => table.copied.indexOf(k));
  return indexes.includes(-1) ? [] : indexes;
}

/** Approximate bytes of a value, for batch sizes and progress. */
export function valueBytes(value: unknown): number {
  if (value === null || value === undefined) return 1;
  if (typeof value === 'string') return value.length;
  if (Buffer.isBuffer(value)) return value.length;
  return 8;
}

/** A key value as a person reads it in a range: 42, 1.5, 'text', x'00ff', NULL. */
export function describeValue(value: SqliteValue): string {
  if (value === null) return 'NULL';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return realText(value);
  if (typeof value === 'string') {
    const text = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    return `'${text.replaceAll("'", "''")}'`;
  }
  const hex = value.subarray(0, 20).toString('hex');
  return `x'${hex}${value.length > 20 ? '…' : ''}'`;
}

/** Type tags of the checksum's serialisation (NULL, INTEGER, REAL, TEXT, BLOB). */
const TAG_NULL = 0x6e;
const TAG_INTEGER = 0x69;
const TAG_REAL = 0x72;
const TAG_TEXT = 0x74;
const TAG_BLOB = 0x62;
/** Columns per TEXT bitmask column of the checksum query (kept within 31 bits for JS bit operations). */
const MASK_BITS = 30;
/** Values longer than this go to the hash directly rather than through the row buffer. */
const INLINE_BYTES = 4096;

/**
 * The checksum's SELECT list: every copied column's value with TEXT as its stored bytes (CAST AS
 * BLOB, so that text the driver could not decode exactly still counts as stored), then bitmasks of
 * which columns held TEXT (to tell it from a BLOB of the same bytes). The other storage classes come
 * as they are: bigint, number, Buffer, null.
 */
function checksumColumns(table: CopyTable): string {
  const values = table.copied.map((c) => {
    const q = quoteIdent(c);
    return `iif(typeof(${q}) = 'text', CAST(${q} AS BLOB), ${q})`;
  });
  const masks: string[] = [];
  for (let from = 0; from < table.copied.length; from += MASK_BITS) {
    const bits = table.copied.slice(from, from + MASK_BITS).map((c, i) => `((typeof(${quoteIdent(c)}) = 'text') << ${i})`);
    masks.push(bits.join(' | '));
  }
  return [...values, ...masks].join(', ');
}

/**
 * Serialises rows canonically, per column a type tag and the value's bytes (8 for INTEGER and REAL,
 * a length and the bytes for TEXT and BLOB), so that two rows serialise alike iff they are equal.
 */
class RowSerializer {
  #buffer = Buffer.alloc(64 * 1024);
  #at = 0;

  constructor(
    private readonly width: number,
    private readonly sink: (bytes: Buffer) => void,
  ) {}

  row(row: readonly unknown[]): void {
    for (let i = 0; i < this.width; i += 1) {
      const value = row[i];
      const mask = Number(row[this.width + Math.floor(i / MASK_BITS)]);
      this.#room(13);
      if (value === null) {
        this.#buffer[this.#at++] = TAG_NULL;
      } else if (typeof value === 'bigint') {
        this.#buffer[this.#at++] = TAG_INTEGER;
        this.#at = this.#buffer.writeBigInt64BE(value, this.#at);
      } else if (typeof value === 'number') {
        this.#buffer[this.#at++] = TAG_REAL;
        this.#at = this.#buffer.writeDoubleBE(value, this.#at);
      } else if (Buffer.isBuffer(value)) {
        this.#buffer[this.#at++] = (mask >> i % MASK_BITS) & 1 ? TAG_TEXT : TAG_BLOB;
        this.#at = this.#buffer.writeUInt32BE(value.length, this.#at);
        if (value.length > INLINE_BYTES) {
          this.flush();
          this.sink(value);
        } else {
          this.#room(value.length);
          this.#at += value.copy(this.#buffer, this.#at);
        }
      } else {
        throw new TypeError(`unexpected ${typeof value} value in a checksum row`);
      }
    }
  }

  /** Hands the buffered bytes to the sink. */
  flush(): void {
    if (this.#at === 0) return;
    this.sink(this.#buffer.subarray(0, this.#at));
    this.#at = 0;
  }

  #room(bytes: number): void {
    if (this.#at + bytes > this.#buffer.length) this.flush();
  }
}

/**
 * Row count and a hash of the rows, computed in JS while iterating (with a turn of the event loop
 * every ROWS_PER_TURN rows; `check` throws when the work was interrupted):
 *
 * - a table with a primary key is read in key order (unique, so the order is the rows' own) and
 *   hashed as one MD5 stream: `ordered:<md5>`;
 * - a table without one is read in no particular order, so each row gets its own MD5 and the
 *   digests are summed in four 32-bit lanes: `rows:<sum>`. A sum rather than an XOR, because such a
 *   table may hold duplicates and {A, A, B} would XOR like {C, C, B}.
 */
export async function runChecksum(db: Database.Database, table: CopyTable, name: string, where: BoundSql | null, check: () => void): Promise<TableChecksum> {
  const ordered = keyIndexes(table).length > 0;
  const filter = where === null || where.sql === '' ? '' : ` WHERE ${where.sql}`;
  const order = ordered ? ` ORDER BY ${table.primaryKey.map(quoteIdent).join(', ')}` : '';
  const sql = `SELECT ${checksumColumns(table)} FROM ${mainTable(name)}${filter}${order}`;
  const iterator = db.prepare<unknown[], unknown[]>(sql).raw(true).safeIntegers(true).iterate(where?.params ?? []);
  const stream = createHash('md5');
  const lanes = new Uint32Array(4);
  let rowHash = createHash('md5');
  const serializer = new RowSerializer(table.copied.length, (bytes) => (ordered ? stream : rowHash).update(bytes));
  let rows = 0;
  try {
    for (let next = iterator.next(); next.done !== true; next = iterator.next()) {
      serializer.row(next.value);
      if (!ordered) {
        serializer.flush();
        const digest = rowHash.digest();
        for (let lane = 0; lane < 4; lane += 1) lanes[lane] = ((lanes[lane] ?? 0) + digest.readUInt32BE(lane * 4)) >>> 0;
        rowHash = createHash('md5');
      }
      rows += 1;
      if (rows % ROWS_PER_TURN === 0) {
        await yieldTurn();
        check();
      }
    }
  } finally {
    iterator.return?.();
  }
  if (ordered) {
    serializer.flush();
    return { rows, checksum: `ordered:${stream.digest('hex')}` };
  }
  return { rows, checksum: `rows:${Array.from(lanes, (lane) => lane.toString(16).padStart(8, '0')).join('')}` };
}
