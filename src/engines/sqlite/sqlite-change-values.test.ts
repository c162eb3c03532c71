import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteHandle } from './sqlite-copy-connection.js';
import { columnDefinitions } from './sqlite-copy-sql.js';
import type { SqliteValue } from './sqlite-copy-sql.js';
import { decodeMark, encodeMark, markLiteral, overlapBound, parseMarkLiteral, sameValue } from './sqlite-change-values.js';
import { setByUpdateTrigger } from './sqlite-change-schema.js';

describe('SQLite incremental sync values', () => {
  it('marks are SQL literals (base64) that read back as the same value and storage class', () => {
    const values: SqliteValue[] = [5n, 5, -0, 0.1, 1e21, -1.5e-300, Infinity, -Infinity, 9223372036854775807n, -9223372036854775808n, '', "it's", 'nul\u0000 ✓', '2026-01-01 10:00:00', Buffer.from([0, 255]), Buffer.alloc(0), null];
    for (const value of values) {
      const back = parseMarkLiteral(markLiteral(value));
      assert.ok(sameValue(back, value), `${String(value)} → ${markLiteral(value)} → ${String(back)}`);
    }
    assert.equal(markLiteral(5), '5.0', 'a REAL never reads back as an INTEGER');
    const mark = encodeMark(['2026-01-01 10:00:00', 42n], [0, 1]);
    assert.deepEqual(mark.map((p) => Buffer.from(p, 'base64').toString('utf8')), ["'2026-01-01 10:00:00'", '42'], 'readable where a mark is shown');
    assert.deepEqual(decodeMark(mark, 2, 't'), ['2026-01-01 10:00:00', 42n]);
    assert.throws(() => decodeMark(mark, 3, 't'), /has 2 parts/);
    assert.throws(() => parseMarkLiteral('nonsense'), /not a SQLite value/);
  });

  it('the overlap bound keeps the mark\'s layout, fraction and offset; numbers are Julian days or Unix time', () => {
    const handle = new SqliteHandle(new Database(':memory:'), ':memory:');
    try {
      const bound = (mark: SqliteValue, seconds = 300): SqliteValue => overlapBound(handle, 'c', mark, seconds);
      assert.equal(bound('2026-01-01 10:00:00'), '2026-01-01 09:55:00');
      assert.equal(bound('2026-01-01T00:02:00.123456Z'), '2025-12-31T23:57:00.123456Z');
      assert.equal(bound('2026-03-01 13:20:00-08:00'), '2026-03-01 13:15:00-08:00', 'the clock shifted, not converted to UTC');
      assert.equal(bound('2026-01-01 10:00', 90), '2026-01-01 09:58', 'minutes only: floored, so never above the true bound');
      assert.equal(bound('2026-01-01'), '2025-12-31');
      assert.equal(bound(1767225600n), 1767225300n, 'Unix seconds');
      assert.equal(bound(1767225600000n), 1767225300000n, 'Unix milliseconds');
      assert.equal(bound(1767225600000000n), 1767225300000000n, 'Unix microseconds');
      assert.equal(bound(2461041.5, 86_400), 2461040.5, 'a Julian day number');
      assert.throws(() => bound('Jan 5 2026'), (e: { code?: string }) => e.code === 'DBF_NO_CURSOR');
      assert.throws(() => bound('2026-13-45 10:00:00'), (e: { code?: string }) => e.code === 'DBF_NO_CURSOR');
    } finally {
      handle.close();
    }
  });

  it('column definitions are read from the DDL as written', () => {
    const ddl = `CREATE TABLE "t" (id INTEGER PRIMARY KEY, "a b" TEXT NOT NULL DEFAULT 'x, y' COLLATE NOCASE,
      c NUMERIC(10, 2) CHECK (c > 0), -- a comment, with a comma
      [d] DATETIME, CONSTRAINT u UNIQUE (c), FOREIGN KEY (c) REFERENCES p (id)) WITHOUT ROWID`;
    assert.deepEqual(columnDefinitions(ddl).map((d) => [d.name, d.sql.replace(/\s+/g, ' ')]), [
      ['id', 'id INTEGER PRIMARY KEY'],
      ['a b', `"a b" TEXT NOT NULL DEFAULT 'x, y' COLLATE NOCASE`],
      ['c', 'c NUMERIC(10, 2) CHECK (c > 0)'],
      ['d', '[d] DATETIME'],
    ]);
  });

  it('an UPDATE trigger that sets a column marks it as set on update', () => {
    const touch = 'CREATE TRIGGER t_touch AFTER UPDATE ON t WHEN NEW.updated_at = OLD.updated_at BEGIN UPDATE t SET updated_at = CURRENT_TIMESTAMP WHERE id = NEW.id; END';
    assert.equal(setByUpdateTrigger([touch], 'updated_at'), true);
    assert.equal(setByUpdateTrigger([touch], 'UPDATED_AT'), true, 'names fold case');
    assert.equal(setByUpdateTrigger([touch], 'at'), false);
    assert.equal(setByUpdateTrigger(['CREATE TRIGGER g UPDATE OF a ON t BEGIN UPDATE t SET a = 1, "stamp" = datetime() WHERE id = NEW.id; END'], 'stamp'), true);
    assert.equal(setByUpdateTrigger(['CREATE TRIGGER g AFTER INSERT ON t BEGIN UPDATE t SET stamp = datetime() WHERE id = NEW.id; END'], 'stamp'), false, 'an INSERT trigger does not follow updates');
  });
});
