import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type { ConnectionSpec } from '../../src/domain/connection-url.js';
import type { CopySource, CopyTable, CopyTarget, KeyPosition } from '../../src/engines/copy-ports.js';
import { rewriteCreateTable, rewriteOnTable } from '../../src/engines/sqlite/sqlite-copy-sql.js';
import type { SqliteValue } from '../../src/engines/sqlite/sqlite-copy-sql.js';
import { decodeKeyValue, encodeKeyValue } from '../../src/engines/sqlite/sqlite-copy-values.js';
import { sqliteCopyEngine } from '../../src/engines/sqlite/sqlite-copy.js';
import { rejection } from '../helpers/assertions.js';

/**
 * The SQLite copy engine on real files in a temp directory, driven the way the table copier drives
 * it: shadow tables loaded in small batches, a load stopped halfway and resumed from its checkpoint
 * (after the shadow was taken over under a new name), swapped in; then every value and its storage
 * class, the checksums and sqlite_schema are compared with the source.
 */

const OPTIONS = { timeoutMs: 2000 };
const q = (name: string): string => `"${name.replaceAll('"', '""')}"`;

function sqlite(database: string): ConnectionSpec {
  return { engine: 'sqlite', host: null, port: null, username: null, password: null, database, ssl: false };
}

/** Every value whose storage class or bytes a careless copy changes. */
const TRICKY: SqliteValue[] = [
  5n,
  5,
  -0,
  0,
  0n,
  9223372036854775807n,
  -9223372036854775808n,
  9223372036854775806n,
  2n ** 53n + 1n,
  0.1,
  1e308,
  -1.5e-300,
  Number.MAX_SAFE_INTEGER + 2,
  Infinity,
  -Infinity,
  'emoji 😀 and ✓',
  'nul\u0000inside',
  '\u0000',
  '',
  ' ',
  'x'.repeat(100_000),
  Buffer.from([0, 0, 1, 0]),
  Buffer.alloc(0),
  Buffer.from([0xff, 0xfe, 0x00]),
  Buffer.alloc(70_000, 7),
  null,
];

function buildSource(file: string): void {
  const db = new Database(file);
  db.exec(`
    CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
    CREATE TABLE child (
      id INTEGER PRIMARY KEY,
      parent_id INTEGER REFERENCES parent(id) ON DELETE CASCADE,
      label TEXT
    );
    CREATE INDEX child_parent ON child (parent_id);
    CREATE UNIQUE INDEX child_label ON child (label) WHERE label IS NOT NULL;
    CREATE TRIGGER child_touch AFTER UPDATE OF label ON child
      BEGIN UPDATE parent SET name = name WHERE id = NEW.parent_id; END;
    CREATE TABLE "values" (id INTEGER PRIMARY KEY AUTOINCREMENT, v, r REAL, note TEXT);
    CREATE TABLE pairs (a TEXT, b INTEGER, payload BLOB, PRIMARY KEY (a, b)) WITHOUT ROWID;
    CREATE TABLE loose (x, y TEXT);
    CREATE TABLE gen (
      id INTEGER PRIMARY KEY,
      price REAL,
      qty INTEGER,
      total REAL GENERATED ALWAYS AS (price * qty) STORED,
      name TEXT,
      shout TEXT AS (upper(name)) VIRTUAL
    );
    CREATE TABLE "odd""name" ("x y" INTEGER PRIMARY KEY, [z] TEXT);
    CREATE TABLE nullkey (k TEXT PRIMARY KEY, v);
    CREATE TABLE dupnull (k TEXT PRIMARY KEY, v);
    CREATE VIEW parent_names AS SELECT name FROM parent;
    CREATE VIRTUAL TABLE docs USING fts5(body);
    INSERT INTO docs VALUES ('not copied');`);
  const insertParent = db.prepare('INSERT INTO parent VALUES (?, ?)');
  for (let i = 1; i <= 10; i += 1) insertParent.run(BigInt(i), `parent ${i}`);
  const insertChild = db.prepare('INSERT INTO child VALUES (?, ?, ?)');
  for (let i = 1; i <= 30; i += 1) insertChild.run(BigInt(i), BigInt((i % 10) + 1), i % 4 === 0 ? null : `label ${i}`);
  const insertValue = db.prepare('INSERT INTO "values" (v, r, note) VALUES (?, ?, ?)');
  for (const [i, value] of TRICKY.entries()) insertValue.run(value, typeof value === 'number' ? value : i, `tricky ${i}`);
  for (let i = 0; i < 40; i += 1) insertValue.run(BigInt(i) * 1_000_000_007n, i + 0.5, i % 3 === 0 ? null : `filler ${i}`);
  // The AUTOINCREMENT counter is ahead of the rows: a copy must not hand out these ids again.
  db.exec('INSERT INTO "values" (id, v) VALUES (1000, 1); DELETE FROM "values" WHERE id = 1000;');
  const insertPair = db.prepare('INSERT INTO pairs VALUES (?, ?, ?)');
  for (const a of ['', 'a', 'B', 'b', 'é', '😀']) for (const b of [-3n, 0n, 7n, 9223372036854775807n]) insertPair.run(a, b, Buffer.from(`${a}${b}`));
  const insertLoose = db.prepare('INSERT INTO loose VALUES (?, ?)');
  for (let i = 0; i < 20; i += 1) insertLoose.run(i % 5 === 0 ? 5 : BigInt(i % 3), i % 2 === 0 ? 'same' : null);
  const insertGen = db.prepare('INSERT INTO gen (id, price, qty, name) VALUES (?, ?, ?, ?)');
  for (let i = 1; i <= 15; i += 1) insertGen.run(BigInt(i), i * 1.25, BigInt(i), `item ${i}`);
  db.prepare('INSERT INTO "odd""name" VALUES (?, ?)').run(1n, 'odd');
  const insertNullKey = db.prepare('INSERT INTO nullkey VALUES (?, ?)');
  for (const k of [null, 'a', 'b', 'c']) insertNullKey.run(k, k ?? 'null key');
  const insertDupNull = db.prepare('INSERT INTO dupnull VALUES (?, ?)');
  for (const k of [null, null, 'a']) insertDupNull.run(k, 1n);
  db.exec('CREATE TABLE big (id INTEGER PRIMARY KEY, payload BLOB, n INTEGER)');
  const insertBig = db.prepare('INSERT INTO big VALUES (?, ?, ?)');
  db.transaction(() => {
    for (let i = 1; i <= 25_000; i += 1) insertBig.run(BigInt(i), Buffer.from([i % 256, 0, (i >> 8) % 256]), BigInt(i * 3));
  })();
  db.close();
}

/** Every row as SQL sees it (storage class, literal, bytes) and as the driver reads it. */
function dump(file: string, table: string): { sql: unknown[]; raw: unknown[] } {
  const db = new Database(file, { readonly: true });
  try {
    const columns = db.prepare<unknown[], { name: string }>(`SELECT name FROM pragma_table_xinfo(?)`).all(table).map((c) => q(c.name));
    const order = columns.map((c) => `typeof(${c}), ${c}`).join(', ');
    const sql = db
      .prepare<unknown[], unknown[]>(`SELECT ${columns.map((c) => `typeof(${c}), quote(${c}), hex(${c})`).join(', ')} FROM main.${q(table)} ORDER BY ${order}`)
      .raw(true)
      .all();
    const raw = db.prepare<unknown[], unknown[]>(`SELECT ${columns.join(', ')} FROM main.${q(table)} ORDER BY ${order}`).raw(true).safeIntegers(true).all();
    return { sql, raw };
  } finally {
    db.close();
  }
}

interface SchemaEntry {
  type: string;
  name: string;
  tbl_name: string;
  sql: string | null;
}

function schemaOf(file: string, table: string): SchemaEntry[] {
  const db = new Database(file, { readonly: true });
  try {
    return db
      .prepare<unknown[], SchemaEntry>('SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE tbl_name = ? ORDER BY type, name')
      .all(table);
  } finally {
    db.close();
  }
}

function withTarget<T>(file: string, work: (db: Database.Database) => T): T {
  const db = new Database(file);
  try {
    return work(db);
  } finally {
    db.close();
  }
}

describe('SQLite copy engine', () => {
  let dir = '';
  let sourceFile = '';
  let targetFile = '';
  let source: CopySource;
  let target: CopyTarget;
  const signal = new AbortController().signal;

  /**
   * One table, as the copier does it with strategy swap: a shadow loaded in batches of 7; stopped
   * after three batches with only two checkpointed; resumed by a "new attempt" that takes the shadow
   * over, deletes what came after the checkpoint and reads on from it; verified; swapped in.
   */
  async function copyTable(name: string, batchRows = 7): Promise<CopyTable> {
    const table = await source.table(name);
    const ddl = await source.createStatement(name);
    const shadow = `_dbf_${name}_attempt_1`;
    await target.dropTable(shadow);
    await target.createTable(shadow, ddl, name);
    await source.beginRead();
    let checkpoint: KeyPosition | null = null;
    let batches = 0;
    let written = 0;
    for await (const batch of source.readRows(table, { after: null, batchRows, batchBytes: 1 << 30, signal })) {
      await target.writeRows(table, shadow, batch.rows);
      written += batch.rows.length;
      batches += 1;
      if (batches <= 2) checkpoint = batch.lastKey;
      if (batches === 3) break;
    }
    await source.endRead();

    const resumed = `_dbf_${name}_attempt_2`;
    await target.renameTable(shadow, resumed);
    const removed = await target.deleteAfter(table, resumed, checkpoint);
    const afterCheckpoint = table.primaryKey.length > 0 && checkpoint !== null ? Math.min(written, 2 * batchRows) : 0;
    assert.equal(removed, written - afterCheckpoint, `${name}: rows removed after the checkpoint`);
    await source.beginRead();
    for await (const batch of source.readRows(table, { after: checkpoint, batchRows, batchBytes: 1 << 30, signal })) {
      await target.writeRows(table, resumed, batch.rows);
    }
    const expected = await source.checksum(table);
    await source.endRead();
    assert.deepEqual(await target.checksum(table, resumed), expected, `${name}: checksum of the loaded shadow`);
    assert.equal(expected.rows, table.rowEstimate);
    await target.swapIn(resumed, name, ddl, name);
    assert.equal(await target.tableExists(resumed), false);
    return table;
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dbf-sqlite-copy-'));
    sourceFile = join(dir, 'source.db');
    targetFile = join(dir, 'out', 'nested', 'copy.db');
    buildSource(sourceFile);
    source = await sqliteCopyEngine.openSource(sqlite(sourceFile), OPTIONS);
    target = await sqliteCopyEngine.openTarget(sqlite(targetFile), source, OPTIONS);
  });

  after(async () => {
    await target.close();
    await source.close();
    await target.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('describes the library version', () => {
    assert.match(source.describe(), /^SQLite \d+\.\d+\.\d+$/);
    assert.equal(target.describe(), source.describe());
  });

  it('lists base tables only: no view, virtual table, shadow table of one, or sqlite_ table', async () => {
    assert.deepEqual(await source.listTables(), ['big', 'child', 'dupnull', 'gen', 'loose', 'nullkey', 'odd"name', 'pairs', 'parent', 'values']);
  });

  it('describes tables: columns, generated ones, primary keys, references, exact counts and sizes', async () => {
    const gen = await source.table('gen');
    assert.deepEqual(gen.columns, [
      { name: 'id', generated: false },
      { name: 'price', generated: false },
      { name: 'qty', generated: false },
      { name: 'total', generated: true },
      { name: 'name', generated: false },
      { name: 'shout', generated: true },
    ]);
    assert.deepEqual(gen.copied, ['id', 'price', 'qty', 'name']);
    assert.deepEqual(gen.primaryKey, ['id']);
    assert.equal(gen.rowEstimate, 15);
    assert.ok(gen.sizeBytes > 0);
    const pairs = await source.table('pairs');
    assert.deepEqual(pairs.primaryKey, ['a', 'b']);
    assert.equal(pairs.rowEstimate, 24);
    assert.deepEqual((await source.table('loose')).primaryKey, []);
    assert.deepEqual((await source.table('nullkey')).primaryKey, ['k']);
    // Two rows keyed NULL cannot be told apart by a keyset: copied whole.
    assert.deepEqual((await source.table('dupnull')).primaryKey, []);
    const child = await source.table('child');
    assert.deepEqual(child.references, ['parent']);
    assert.deepEqual((await source.table('parent')).references, []);
    assert.equal((await source.table('CHILD')).name, 'child');
  });

  it('fails on an unknown table, a view and a virtual table with DBF_TABLE_NOT_FOUND', async () => {
    const unknown = await rejection(() => source.table('nope'));
    assert.equal(unknown.code, 'DBF_TABLE_NOT_FOUND');
    assert.match(unknown.message, /table "nope" does not exist in sqlite file ".*source\.db"/);
    assert.equal((await rejection(() => source.table('parent_names'))).code, 'DBF_TABLE_NOT_FOUND');
    assert.equal((await rejection(() => source.table('docs'))).code, 'DBF_TABLE_NOT_FOUND');
    assert.equal((await rejection(() => source.table('docs_content'))).code, 'DBF_TABLE_NOT_FOUND');
    assert.equal((await rejection(() => source.table('sqlite_sequence'))).code, 'DBF_TABLE_NOT_FOUND');
    assert.equal((await rejection(() => source.createStatement('nope'))).code, 'DBF_TABLE_NOT_FOUND');
  });

  it('fails on a missing source file with DBF_CONN_UNKNOWN_DATABASE naming the path', async () => {
    const missing = join(dir, 'no', 'such.db');
    const error = await rejection(() => sqliteCopyEngine.openSource(sqlite(missing), OPTIONS));
    assert.equal(error.code, 'DBF_CONN_UNKNOWN_DATABASE');
    assert.equal(error.message, `sqlite file "${missing}" does not exist`);
    await assert.rejects(stat(missing), { code: 'ENOENT' });
  });

  it('fails on a source file that is not a database with DBF_CONN_FAILED', async () => {
    const junk = join(dir, 'junk.db');
    await writeFile(junk, 'this is not a database, just some text that is long enough to be read as a header '.repeat(10));
    const error = await rejection(() => sqliteCopyEngine.openSource(sqlite(junk), OPTIONS));
    assert.equal(error.code, 'DBF_CONN_FAILED');
    assert.match(error.message, /it is not a SQLite database/);
  });

  it('creates the target file and its folder only in ensureDatabase', async () => {
    assert.equal(await target.databaseExists(), false);
    assert.equal(await target.tableExists('parent'), false);
    await assert.rejects(stat(targetFile), { code: 'ENOENT' });
    assert.equal(await target.ensureDatabase(), 'created');
    assert.ok((await stat(targetFile)).isFile());
    assert.equal(await target.databaseExists(), true);
    assert.equal(await target.ensureDatabase(), 'exists');
  });

  it('copies every table with values, storage classes, checksums and schema intact, across a resume', async () => {
    const names = ['parent', 'child', 'values', 'pairs', 'loose', 'gen', 'odd"name', 'nullkey', 'dupnull'];
    for (const name of names) await copyTable(name);
    await copyTable('big', 1000);
    for (const name of [...names, 'big']) {
      assert.deepEqual(dump(targetFile, name), dump(sourceFile, name), `${name}: rows`);
      const table = await source.table(name);
      assert.deepEqual(await target.checksum(table, name), await source.checksum(table), `${name}: checksum`);
      const sourceSchema = schemaOf(sourceFile, name);
      // SQLite writes a renamed table's name double-quoted; everything after it is the source's text.
      const expected = sourceSchema.map((e) => (e.type === 'table' ? { ...e, sql: rewriteCreateTable(e.sql ?? '', name, name) } : e));
      assert.deepEqual(schemaOf(targetFile, name), expected, `${name}: sqlite_schema`);
    }
    assert.equal(schemaOf(targetFile, 'parent').find((e) => e.type === 'table')?.sql, 'CREATE TABLE "parent" (id INTEGER PRIMARY KEY, name TEXT NOT NULL)');
    const childSchema = schemaOf(targetFile, 'child');
    assert.deepEqual(
      childSchema.filter((e) => e.type !== 'table').map((e) => e.name),
      ['child_label', 'child_parent', 'child_touch'],
    );
    // The AUTOINCREMENT counter came along: the next id is not one the source already handed out.
    withTarget(targetFile, (db) => {
      assert.equal(db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'values'").pluck().get(), 1000);
    });
  });

  it('keeps a child table pointing at its parent when the parent is swapped again', async () => {
    withTarget(targetFile, (db) => db.exec('CREATE VIEW target_view AS SELECT count(*) AS n FROM parent'));
    await copyTable('parent');
    withTarget(targetFile, (db) => {
      const sql = db.prepare("SELECT sql FROM sqlite_schema WHERE name = 'child'").pluck().get();
      assert.match(String(sql), /REFERENCES parent\(id\)/);
      assert.deepEqual(db.prepare("SELECT DISTINCT \"table\" FROM pragma_foreign_key_list('child')").pluck().all(), ['parent']);
      assert.deepEqual(db.prepare('PRAGMA foreign_key_check').all(), []);
      assert.equal(db.prepare('SELECT n FROM target_view').pluck().get(), 10);
    });
  });

  it('tells values apart by storage class and bytes in the checksum, and names the differing range', async () => {
    const values = await source.table('values');
    const pristine = await source.checksum(values);
    withTarget(targetFile, (db) => {
      const changed = db.prepare("UPDATE \"values\" SET v = CAST(v AS REAL) WHERE typeof(v) = 'integer' AND v = 5").run().changes;
      assert.equal(changed, 1);
      assert.equal(db.prepare("SELECT count(*) FROM \"values\" WHERE typeof(v) = 'real' AND v = 5").pluck().get(), 2);
    });
    const retyped = await target.checksum(values, 'values');
    assert.equal(retyped.rows, pristine.rows);
    assert.notEqual(retyped.checksum, pristine.checksum);
    assert.deepEqual(await sqliteCopyEngine.differingRanges(source, target, values, 'values'), [{ range: 'id 1 … end', sourceRows: pristine.rows, targetRows: pristine.rows }]);
    withTarget(targetFile, (db) => db.prepare("UPDATE \"values\" SET v = 5 WHERE id = 1").run());
    assert.deepEqual(await target.checksum(values, 'values'), pristine);

    withTarget(targetFile, (db) => db.prepare("UPDATE \"values\" SET v = x'00000100' WHERE v = x'00000100'").run());
    assert.deepEqual(await target.checksum(values, 'values'), pristine);
    withTarget(targetFile, (db) => db.prepare("UPDATE \"values\" SET v = x'00000101' WHERE v = x'00000100'").run());
    assert.notEqual((await target.checksum(values, 'values')).checksum, pristine.checksum);

    const big = await source.table('big');
    assert.deepEqual(await sqliteCopyEngine.differingRanges(source, target, big, 'big'), []);
    withTarget(targetFile, (db) => {
      db.prepare('UPDATE big SET payload = ? WHERE id = 15000').run(Buffer.from([0, 0, 1]));
      db.prepare('DELETE FROM big WHERE id = 24000').run();
      db.prepare('INSERT INTO big VALUES (30000, NULL, 1)').run();
      db.prepare('INSERT INTO big VALUES (30001, NULL, 1)').run();
    });
    assert.deepEqual(await sqliteCopyEngine.differingRanges(source, target, big, 'big'), [
      { range: 'id 10001 … 20000', sourceRows: 10_000, targetRows: 10_000 },
      { range: 'id 20001 … end', sourceRows: 5000, targetRows: 5001 },
    ]);

    const pairs = await source.table('pairs');
    withTarget(targetFile, (db) => db.prepare("UPDATE pairs SET payload = NULL WHERE a = 'b' AND b = 0").run());
    assert.deepEqual(await sqliteCopyEngine.differingRanges(source, target, pairs, 'pairs'), [{ range: "a, b '', -3 … end", sourceRows: 24, targetRows: 24 }]);

    const loose = await source.table('loose');
    // Duplicates matter: two copies of one row are not the same as none.
    withTarget(targetFile, (db) => db.exec("INSERT INTO loose VALUES (5, 'same'), (5, 'same')"));
    const [s, t] = [await source.checksum(loose), await target.checksum(loose, 'loose')];
    assert.equal(t.rows, s.rows + 2);
    withTarget(targetFile, (db) => db.exec("DELETE FROM loose WHERE rowid IN (SELECT rowid FROM loose ORDER BY rowid DESC LIMIT 2)"));
    assert.deepEqual(await target.checksum(loose, 'loose'), s);
    withTarget(targetFile, (db) => db.exec("UPDATE loose SET y = 'other' WHERE rowid = 1"));
    assert.deepEqual(await sqliteCopyEngine.differingRanges(source, target, loose, 'loose'), [{ range: 'whole table (no primary key)', sourceRows: 20, targetRows: 20 }]);
  });

  it('reads through NULL keys in key order and resumes after one', async () => {
    const table = await source.table('nullkey');
    const keys: Array<KeyPosition | null> = [];
    const rows: unknown[] = [];
    for await (const batch of source.readRows(table, { after: null, batchRows: 1, batchBytes: 1 << 20, signal })) {
      keys.push(batch.lastKey);
      rows.push(...batch.rows);
    }
    assert.deepEqual(keys, [['n:'], ['t:a'], ['t:b'], ['t:c']]);
    assert.deepEqual(rows, [[null, 'null key'], ['a', 'a'], ['b', 'b'], ['c', 'c']]);
    const rest: unknown[] = [];
    for await (const batch of source.readRows(table, { after: ['n:'], batchRows: 2, batchBytes: 1 << 20, signal })) rest.push(...batch.rows);
    assert.deepEqual(rest, rows.slice(1));
  });

  it('cuts batches by bytes as well as rows', async () => {
    const table = await source.table('values');
    const sizes: number[] = [];
    for await (const batch of source.readRows(table, { after: null, batchRows: 1000, batchBytes: 60_000, signal })) {
      sizes.push(batch.rows.length);
      assert.ok(batch.bytes > 0);
    }
    assert.ok(sizes.length > 1);
    assert.equal(sizes.reduce((a, b) => a + b, 0), table.rowEstimate);
  });

  it('stops a read on abort and on interrupt, and stays usable afterwards', async () => {
    const table = await source.table('big');
    const controller = new AbortController();
    const reason = new Error('cancelled by test');
    const aborted = source.readRows(table, { after: null, batchRows: 100, batchBytes: 1 << 20, signal: controller.signal })[Symbol.asyncIterator]();
    assert.equal((await aborted.next()).done, false);
    controller.abort(reason);
    await assert.rejects(aborted.next(), (error) => error === reason);

    const interrupted = source.readRows(table, { after: null, batchRows: 100, batchBytes: 1 << 20, signal })[Symbol.asyncIterator]();
    assert.equal((await interrupted.next()).done, false);
    await source.interrupt();
    const error = await rejection(() => interrupted.next());
    assert.equal(error.code, 'DBF_COPY_FAILED');
    assert.match(error.message, /interrupted/);
    assert.equal((await source.checksum(table)).rows, 25_000);

    // endRead ends a read left unfinished: it fails rather than ending early as if complete.
    await source.beginRead();
    const abandoned = source.readRows(table, { after: null, batchRows: 100, batchBytes: 1 << 20, signal })[Symbol.asyncIterator]();
    assert.equal((await abandoned.next()).done, false);
    await source.endRead();
    assert.equal((await rejection(() => abandoned.next())).code, 'DBF_COPY_FAILED');
  });

  it('turns driver errors into one-line DbfErrors naming the work and the file', async () => {
    const table = await source.table('parent');
    const error = await rejection(() => target.writeRows(table, 'no_such_table', [[1n, 'x']]));
    assert.equal(error.code, 'DBF_COPY_FAILED');
    assert.match(error.message, /^writing 1 row into no_such_table failed on sqlite file ".*copy\.db": no such table: main\.no_such_table$/);
    const duplicate = await rejection(() => target.writeRows(table, 'parent', [[1n, 'again']]));
    assert.equal(duplicate.code, 'DBF_COPY_FAILED');
    assert.match(duplicate.message, /UNIQUE constraint failed/);
  });

  it('reports a lock held by another connection as DBF_CONN_FAILED (retryable)', async () => {
    const locked = await sqliteCopyEngine.openTarget(sqlite(targetFile), source, { timeoutMs: 50 });
    const other = new Database(targetFile);
    try {
      other.exec('BEGIN EXCLUSIVE');
      const error = await rejection(() => locked.truncate('loose'));
      assert.equal(error.code, 'DBF_CONN_FAILED');
      assert.ok(error.spec.retryable);
      other.exec('ROLLBACK');
    } finally {
      other.close();
      await locked.close();
    }
  });

  it('queues writes of another lane on the same file behind a checksum in progress', async () => {
    const [a, b] = [await sqliteCopyEngine.openTarget(sqlite(targetFile), source, { timeoutMs: 50 }), await sqliteCopyEngine.openTarget(sqlite(targetFile), source, { timeoutMs: 50 })];
    try {
      const big = await source.table('big');
      const parent = await source.table('parent');
      // The checksum holds a read open across turns of the event loop; in rollback-journal mode a
      // commit on the other connection would wait for it in the busy timeout and fail.
      const sum = a.checksum(big, 'big');
      const write = b.writeRows(parent, 'parent', [[100n, 'lane b']]);
      const [checksum] = await Promise.all([sum, write]);
      assert.equal(checksum.rows, withTarget(targetFile, (db) => db.prepare('SELECT count(*) FROM big').pluck().get()));
      assert.equal(await b.deleteAfter(parent, 'parent', ['i:99']), 1);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('creates a table directly with the source indexes but not its triggers (strategy truncate, new table)', async () => {
    const directFile = join(dir, 'direct.db');
    const direct = await sqliteCopyEngine.openTarget(sqlite(directFile), source, OPTIONS);
    try {
      assert.equal(await direct.ensureDatabase(), 'created');
      const table = await source.table('child');
      const ddl = await source.createStatement('child');
      await direct.createTable('child', ddl, 'child');
      await direct.addForeignKeys('child', ddl, 'child');
      for await (const batch of source.readRows(table, { after: null, batchRows: 7, batchBytes: 1 << 20, signal })) await direct.writeRows(table, 'child', batch.rows);
      assert.deepEqual(await direct.checksum(table, 'child'), await source.checksum(table));
      const expected = schemaOf(sourceFile, 'child')
        .filter((e) => e.type !== 'trigger')
        .map((e) => (e.type === 'table' ? { ...e, sql: 'CREATE TABLE "child" (' + (e.sql ?? '').slice('CREATE TABLE child ('.length) } : e));
      assert.deepEqual(schemaOf(directFile, 'child'), expected);
      await direct.truncate('child');
      assert.equal((await direct.checksum(table, 'child')).rows, 0);
      await direct.dropTable('child');
      assert.equal(await direct.tableExists('child'), false);
    } finally {
      await direct.close();
    }
  });

  it("sets a live table's own triggers aside while strategy truncate empties and reloads it, and keeps them", async () => {
    const liveFile = join(dir, 'live-triggers.db');
    const live = await sqliteCopyEngine.openTarget(sqlite(liveFile), source, OPTIONS);
    try {
      await live.ensureDatabase();
      const table = await source.table('child');
      const ddl = await source.createStatement('child');
      await live.createTable('child', ddl, 'child');
      // The copy's own triggers, as a user of the copy would have them: each records what it saw.
      withTarget(liveFile, (db) =>
        db.exec(`
          PRAGMA foreign_keys = OFF; -- child's parent table is not copied into this file
          CREATE TABLE audit (what TEXT);
          CREATE TRIGGER child_added AFTER INSERT ON child BEGIN INSERT INTO audit VALUES ('insert ' || NEW.id); END;
          CREATE TRIGGER child_removed AFTER DELETE ON child BEGIN INSERT INTO audit VALUES ('delete ' || OLD.id); END;
          INSERT INTO child VALUES (999, 1, 'there before the copy');
          DELETE FROM audit;
        `),
      );
      const load = async (after: KeyPosition | null): Promise<KeyPosition | null> => {
        let last: KeyPosition | null = null;
        for await (const batch of source.readRows(table, { after, batchRows: 7, batchBytes: 1 << 20, signal })) {
          await live.writeRows(table, 'child', batch.rows);
          last = batch.lastKey;
          if (after === null && last !== null) break;
        }
        return last;
      };
      await live.truncate('child');
      const checkpoint = await load(null);
      // A resume: the rows after the checkpoint go, and the rest is read on from it.
      await live.deleteAfter(table, 'child', checkpoint);
      await load(checkpoint);
      assert.deepEqual(await live.checksum(table, 'child'), await source.checksum(table));
      withTarget(liveFile, (db) => {
        assert.deepEqual(db.prepare('SELECT what FROM audit').all(), [], 'no trigger fired during the copy');
        const triggers = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'child' ORDER BY name").all();
        assert.deepEqual(triggers, [{ name: 'child_added' }, { name: 'child_removed' }]);
        db.pragma('foreign_keys = OFF');
        db.exec("INSERT INTO child VALUES (1000, 1, 'after the copy')");
        assert.deepEqual(db.prepare('SELECT what FROM audit').all(), [{ what: 'insert 1000' }], 'the triggers work again afterwards');
      });
    } finally {
      await live.close();
    }
  });

  it('gives a created target the source text encoding', async () => {
    const utf16 = join(dir, 'utf16.db');
    withTarget(utf16, (db) => {
      db.pragma("encoding = 'UTF-16le'");
      db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT)');
      db.prepare('INSERT INTO t VALUES (?, ?), (?, ?)').run([1n, 'héllo 😀', 2n, 'nul\u0000x']);
    });
    const from = await sqliteCopyEngine.openSource(sqlite(utf16), OPTIONS);
    const copyFile = join(dir, 'utf16-copy.db');
    const to = await sqliteCopyEngine.openTarget(sqlite(copyFile), from, OPTIONS);
    try {
      assert.equal(await to.ensureDatabase(), 'created');
      const table = await from.table('t');
      await to.createTable('t', await from.createStatement('t'), 't');
      for await (const batch of from.readRows(table, { after: null, batchRows: 7, batchBytes: 1 << 20, signal })) await to.writeRows(table, 't', batch.rows);
      assert.deepEqual(await to.checksum(table, 't'), await from.checksum(table));
      withTarget(copyFile, (db) => assert.equal(db.pragma('encoding', { simple: true }), 'UTF-16le'));
    } finally {
      await to.close();
      await from.close();
    }
  });
});

describe('SQLite copy SQL and keys', () => {
  it('rewrites the table name of CREATE TABLE in its every form', () => {
    const forms: Array<[string, string]> = [
      ['CREATE TABLE t (a)', 'CREATE TABLE "new" (a)'],
      ['CREATE TABLE t(a)', 'CREATE TABLE "new"(a)'],
      ['create temp table if not exists main."t" (a) WITHOUT ROWID', 'CREATE TABLE "new" (a) WITHOUT ROWID'],
      ['CREATE TABLE IF NOT EXISTS T (a, b)', 'CREATE TABLE "new" (a, b)'],
      ['CREATE TABLE [t] (a)', 'CREATE TABLE "new" (a)'],
      ['CREATE TABLE `t` (a)', 'CREATE TABLE "new" (a)'],
      ["CREATE TABLE 't' (a)", 'CREATE TABLE "new" (a)'],
      ['CREATE /* c */ TABLE -- x\n "t" (a)', 'CREATE TABLE "new" (a)'],
    ];
    for (const [ddl, expected] of forms) assert.equal(rewriteCreateTable(ddl, 't', 'new'), expected, ddl);
    assert.equal(rewriteCreateTable('CREATE TABLE "a""b" (x)', 'a"b', 'c"d'), 'CREATE TABLE "c""d" (x)');
    assert.throws(() => rewriteCreateTable('CREATE TABLE other (a)', 't', 'new'), { code: 'DBF_COPY_FAILED' });
    assert.throws(() => rewriteCreateTable('CREATE VIEW t AS SELECT 1', 't', 'new'), { code: 'DBF_COPY_FAILED' });
  });

  it('rewrites the table of an index or a trigger', () => {
    assert.equal(rewriteOnTable('CREATE INDEX i ON t (a)', 't', 'u'), 'CREATE INDEX i ON "u" (a)');
    assert.equal(rewriteOnTable('CREATE UNIQUE INDEX "on" ON [t](a) WHERE a > 0', 't', 'u'), 'CREATE UNIQUE INDEX "on" ON "u"(a) WHERE a > 0');
    assert.equal(
      rewriteOnTable('CREATE TRIGGER g AFTER UPDATE OF a, b ON t BEGIN SELECT 1; END', 't', 'u'),
      'CREATE TRIGGER g AFTER UPDATE OF a, b ON "u" BEGIN SELECT 1; END',
    );
    assert.equal(rewriteOnTable('CREATE INDEX i ON t (a)', 't', 't'), 'CREATE INDEX i ON t (a)');
  });

  it('encodes key values with their storage class and decodes them exactly', () => {
    for (const value of TRICKY) {
      const encoded = encodeKeyValue(value);
      assert.equal(JSON.parse(JSON.stringify(encoded)), encoded);
      assert.deepEqual(decodeKeyValue(encoded), value);
      if (typeof value === 'number') assert.ok(Object.is(decodeKeyValue(encoded), value), encoded);
    }
    assert.equal(encodeKeyValue(123n), 'i:123');
    assert.equal(encodeKeyValue(5), 'r:5');
    assert.equal(encodeKeyValue(-0), 'r:-0');
    assert.equal(encodeKeyValue('t:x'), 't:t:x');
    assert.equal(encodeKeyValue(null), 'n:');
    assert.notDeepEqual(decodeKeyValue('i:5'), decodeKeyValue('r:5'));
    assert.throws(() => decodeKeyValue('x:1'), { code: 'DBF_COPY_FAILED' });
    assert.throws(() => decodeKeyValue('i:1.5'), { code: 'DBF_COPY_FAILED' });
  });
});
