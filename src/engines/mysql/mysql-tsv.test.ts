import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeTsv, tsvCapacity } from './mysql-tsv.js';

const encode = (rows: Array<Array<Buffer | null>>) => encodeTsv(rows, Buffer.alloc(tsvCapacity(rows)));

const b = (text: string | number[]) => (typeof text === 'string' ? Buffer.from(text, 'utf8') : Buffer.from(text));

test('fields are tab-separated, rows end in a newline, NULL is \\N and empty stays empty', () => {
  const rows = [[b('1'), null, b('')], [b('2'), b('x'), b('é😀')]];
  assert.equal(encode(rows).toString('utf8'), '1\t\\N\t\n2\tx\té😀\n');
});

test('backslash, tab, newline and NUL are escaped; every other byte passes as is', () => {
  const tricky = b([0x5c, 0x09, 0x0a, 0x00, 0x0d, 0x27, 0x22, 0xff, 0x1a, 0x4e]);
  const long = Buffer.concat([Buffer.alloc(60, 0x61), tricky]);
  const clean = Buffer.alloc(100, 0x62);
  const rows = [[tricky], [long], [clean]];
  const expected = Buffer.concat([
    b([0x5c, 0x5c, 0x5c, 0x09, 0x5c, 0x0a, 0x5c, 0x30, 0x0d, 0x27, 0x22, 0xff, 0x1a, 0x4e, 0x0a]),
    Buffer.alloc(60, 0x61), b([0x5c, 0x5c, 0x5c, 0x09, 0x5c, 0x0a, 0x5c, 0x30, 0x0d, 0x27, 0x22, 0xff, 0x1a, 0x4e, 0x0a]),
    clean, b([0x0a]),
  ]);
  assert.deepEqual(encode(rows), expected);
});

test('a value of only escaped bytes fits the buffer (worst case twice its size)', () => {
  const rows = [[Buffer.alloc(10_000, 0x00), Buffer.alloc(10_000, 0x5c)]];
  const out = encode(rows);
  assert.equal(out.length, 40_002);
});
