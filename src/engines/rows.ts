/**
 * Narrowing for driver results. Why: drivers type rows loosely (mysql2 and pg as `any`-ish records,
 * better-sqlite3 as `unknown`) and return 64-bit integers and DECIMAL/NUMERIC sums as strings or
 * bigints. Every adapter reads rows through these helpers so what leaves engines/ is checked and numeric.
 */

export type Row = Readonly<Record<string, unknown>>;

export function asRow(value: unknown): Row {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`expected a result row, got ${value === null ? 'null' : typeof value}`);
  }
  return value as Row;
}

export function asRows(value: unknown): Row[] {
  if (!Array.isArray(value)) throw new TypeError('expected a list of result rows');
  return value.map(asRow);
}

/**
 * The row limit of a read's batch number `index` (0 first): `firstBatchRows` doubling up to
 * `batchRows`, or `batchRows` throughout (see ReadOptions).
 */
export function batchRowsAt(options: { readonly batchRows: number; readonly firstBatchRows?: number | undefined }, index: number): number {
  const most = Math.max(1, options.batchRows);
  if (options.firstBatchRows === undefined) return most;
  return Math.min(most, Math.max(1, options.firstBatchRows) * 2 ** Math.min(index, 30));
}

/** A number from a driver value (number, bigint, numeric string); null for SQL NULL or junk. */
export function toNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : null;
  }
  return null;
}

/** Text from a driver value; MySQL may hand back identifiers as Buffers under binary collations. */
export function toText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  throw new TypeError(`expected text in a result row, got ${value === null ? 'null' : typeof value}`);
}

/** Sorts by name in code-unit order, the same on every engine whatever its collation. */
export function byName<T extends { readonly name: string }>(a: T, b: T): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
