/**
 * Rows as the tab-separated text `LOAD DATA … CHARACTER SET binary FIELDS TERMINATED BY '\t'
 * ESCAPED BY '\\' LINES TERMINATED BY '\n'` reads back byte for byte (performance.md, LOAD DATA
 * traps): a field's bytes with `\`, tab, newline and NUL escaped, `\N` for NULL. Bytes are copied
 * straight into one output buffer, never through JS strings, which is what keeps the client's CPU
 * and garbage low. Only byte-wise safe for charsets where those bytes never occur inside a
 * multi-byte character (utf8, latin1, binary); the copy's connections use binary throughout.
 */

const BACKSLASH = 0x5c;
const TAB = 0x09;
const NEWLINE = 0x0a;
const NUL = 0x00;

/** Upper bound of the encoded size of a batch: every byte escaped, plus separators and `\N`s. */
export function tsvCapacity(rows: ReadonlyArray<readonly unknown[]>): number {
  let total = 16;
  for (const row of rows) {
    for (const value of row) total += Buffer.isBuffer(value) ? value.length * 2 + 1 : 3;
  }
  return total;
}

function needsEscape(value: Buffer): boolean {
  return value.indexOf(BACKSLASH) !== -1 || value.indexOf(TAB) !== -1 || value.indexOf(NEWLINE) !== -1 || value.indexOf(NUL) !== -1;
}

/** Writes one field at `at`; answers the next position. */
function writeField(out: Buffer, at: number, value: Buffer): number {
  // Short values: one pass in JS is cheaper than four native scans.
  if (value.length > 48 && !needsEscape(value)) return at + value.copy(out, at);
  let pos = at;
  for (let i = 0; i < value.length; i += 1) {
    const byte = value[i] as number;
    if (byte === BACKSLASH || byte === TAB || byte === NEWLINE) {
      out[pos++] = BACKSLASH;
      out[pos++] = byte;
    } else if (byte === NUL) {
      out[pos++] = BACKSLASH;
      out[pos++] = 0x30; // '0'
    } else {
      out[pos++] = byte;
    }
  }
  return pos;
}

/**
 * The batch as TSV, written into `out` (at least `tsvCapacity(rows)` bytes); answers the used part.
 * A writer passes the same buffer for all its batches (one in flight at a time), so a clone does not
 * allocate megabytes of external memory per batch.
 */
export function encodeTsv(rows: ReadonlyArray<readonly unknown[]>, out: Buffer): Buffer {
  let pos = 0;
  for (const row of rows) {
    for (let i = 0; i < row.length; i += 1) {
      if (i > 0) out[pos++] = TAB;
      const value = row[i];
      if (value === null || value === undefined) {
        out[pos++] = BACKSLASH;
        out[pos++] = 0x4e; // 'N'
      } else {
        pos = writeField(out, pos, value as Buffer);
      }
    }
    out[pos++] = NEWLINE;
  }
  return out.subarray(0, pos);
}
