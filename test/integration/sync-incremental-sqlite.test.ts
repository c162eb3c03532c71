import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { syncOptionsSchema } from '../../src/catalog/sync-config-input.js';
import type { ConnectionSpec } from '../../src/domain/connection-url.js';
import { sqliteCopyEngine } from '../../src/engines/sqlite/sqlite-copy.js';
import type { SyncOptions } from '../../src/catalog/sync-config-input.js';
import type { JobView } from '../../src/jobs/job-view.js';
import type { OneShotInput } from '../../src/sync/sync-service.js';
import { createTestRuntime } from '../helpers/runtime.js';
import type { TestRuntime } from '../helpers/runtime.js';
import { waitFor } from '../helpers/wait.js';

/**
 * Incremental sync, SQLite → SQLite, on real files: the first run copies everything and records the
 * mark; later runs copy what changed since (inserts, updates), re-read an overlap window for late
 * commits, follow NULL cursors, keep a filtered subset a subset, apply an added column, refuse other
 * schema changes, and (with delete detection) delete what the source no longer has. Temporal cursors
 * are compared as stored: text in the mark's own layout and offset, numbers as Julian days or Unix
 * time. After every run the target equals the source (filtered), value for value and storage class
 * for storage class. The source's triggers are on the copy too and must not fire on its upserts.
 */

const dir = mkdtempSync(join(tmpdir(), 'dbferry-inc-sqlite-'));
const sourceFile = join(dir, 'source.db');
let targets = 0;

/** Statements on the source, as another application would run them. */
function exec(sql: string, params: unknown[] = []): void {
  const db = new Database(sourceFile);
  try {
    if (params.length === 0) db.exec(sql);
    else db.prepare(sql).run(...params);
  } finally {
    db.close();
  }
}

function one<T>(file: string, sql: string): T {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(sql).pluck(true).get() as T;
  } finally {
    db.close();
  }
}

/**
 * A digest of the rows `where` selects, in key order, every value with its storage class (typeof and
 * hex: 5, 5.0 and '5' differ), over the source's columns: equal on both sides iff the rows are.
 */
function digest(file: string, table: string, where = '1', order = 'id'): string {
  const source = new Database(sourceFile, { readonly: true });
  const columns = (source.prepare('SELECT name FROM pragma_table_info(?)').pluck(true).all(table) as string[]).map((c) => `"${c}"`);
  source.close();
  const db = new Database(file, { readonly: true });
  try {
    const value = columns.map((c) => `typeof(${c}) || ':' || hex(${c})`).join(" || '|' || ");
    const row = db.prepare(`SELECT count(*) AS n, group_concat(${value}, char(10) ORDER BY ${order}) AS rows FROM "${table}" WHERE ${where}`).get() as { n: number; rows: string | null };
    return `${row.n}:${createHash('md5').update(row.rows ?? '').digest('hex')}`;
  } finally {
    db.close();
  }
}

function sqliteSpec(database: string): ConnectionSpec {
  return { engine: 'sqlite', host: null, port: null, username: null, password: null, database, ssl: false };
}

describe('incremental sync, SQLite to SQLite', () => {
  let t: TestRuntime;

  before(async () => {
    const db = new Database(sourceFile);
    db.exec(`
      CREATE TABLE items (
        id INTEGER PRIMARY KEY, name TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'active', price REAL, extra, data BLOB,
        created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
        updated_at DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
      );
      CREATE INDEX items_updated ON items (updated_at);
      -- SQLite's ON UPDATE CURRENT_TIMESTAMP; on the copy it must not fire (the copy gets the source's value).
      CREATE TRIGGER items_touch AFTER UPDATE ON items WHEN NEW.updated_at = OLD.updated_at
        BEGIN UPDATE items SET updated_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = NEW.id; END;
      -- Names a table the copy does not have: fired on the copy, it would fail the upsert.
      CREATE TABLE audit (what TEXT);
      CREATE TRIGGER items_audit AFTER INSERT ON items BEGIN INSERT INTO audit VALUES ('item ' || NEW.id); END;
      WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 3000)
      INSERT INTO items (name, status, price, extra, data, updated_at)
        SELECT 'item ' || n || ' ✓', iif(n % 3 = 0, 'archived', 'active'), n / 4.0,
               CASE n % 3 WHEN 0 THEN n WHEN 1 THEN n + 0.5 ELSE 'x' || n END, CAST(printf('%08x', n) AS BLOB),
               strftime('%Y-%m-%d %H:%M:%f', '2020-01-01', '+' || n || ' seconds')
          FROM seq;`);
    db.close();
    t = await createTestRuntime({ settings: { lease_ms: 10_000 } });
    await t.runtime.startWorker();
  });

  after(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function newTarget(): string {
    targets += 1;
    return join(dir, `target-${targets}.db`);
  }

  async function sync(target: string, table: string, extra: Partial<SyncOptions> = {}, input: Partial<OneShotInput> = {}): Promise<JobView> {
    const options = syncOptionsSchema.parse({ batch_size: 100, ...extra });
    const { job } = await t.runtime.sync.startOneShot({ from: `sqlite:${sourceFile}`, to: `sqlite:${target}`, tables: [table], mode: 'incremental', options, ...input }, 'cli');
    return waitFor<JobView>(async () => {
      const v = await t.runtime.jobs.get(job.id);
      return ['completed', 'failed', 'cancelled'].includes(v.status) ? v : undefined;
    }, 60_000, 'the sync to end');
  }

  const plan = (target: string, table: string, extra: Partial<SyncOptions> = {}, input: Partial<OneShotInput> = {}) =>
    t.runtime.sync.planOneShot({ from: `sqlite:${sourceFile}`, to: `sqlite:${target}`, tables: [table], mode: 'incremental', options: syncOptionsSchema.parse(extra), ...input });

  const failure = (job: JobView): string => JSON.stringify(job.tables[0]?.error);

  test('the first run copies everything and records the mark; later runs copy only the changes', async () => {
    const target = newTarget();
    const first = await plan(target, 'items');
    assert.deepEqual(first.tables[0]?.cursor, { column: 'updated_at', how: 'detected', indexed: true });
    assert.match(first.tables[0]?.incremental ?? '', /^full copy \(no mark yet\)/);

    const initial = await sync(target, 'items');
    assert.equal(initial.status, 'completed', failure(initial));
    assert.deepEqual([initial.tables[0]?.processed_rows, initial.tables[0]?.verified, initial.tables[0]?.cursor_column], [3000, true, 'updated_at']);
    assert.equal(digest(target, 'items'), digest(sourceFile, 'items'));

    const next = await plan(target, 'items', { overlap_seconds: 0 });
    assert.equal(next.tables[0]?.action, 'apply changes');
    assert.equal(next.tables[0]?.incremental, "changes since '2020-01-01 00:50:00.000' (key 3000), upserted (overwrite)");

    // The touch trigger moves updated_at of the updated rows; the inserted ones get the clock's.
    exec("UPDATE items SET price = price + 1 WHERE id IN (7, 1500, 2999); INSERT INTO items (name) VALUES ('new one'), ('new two');");
    const second = await sync(target, 'items', { overlap_seconds: 0 });
    assert.equal(second.status, 'completed', failure(second));
    assert.equal(second.tables[0]?.processed_rows, 5, 'only the 3 updated and 2 inserted rows were read');
    assert.equal(digest(target, 'items'), digest(sourceFile, 'items'));
    assert.equal(one<number>(target, "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'items'"), 2, 'the copy keeps its triggers');

    // Nothing changed: nothing to copy (the mark row itself is strictly before what is read).
    const idle = await sync(target, 'items', { overlap_seconds: 0 });
    assert.equal(idle.tables[0]?.processed_rows, 0);
  });

  test('deletes: kept without --detect-deletes (and not verified), removed with it (and verified), ranges compared by key checksums', async () => {
    const target = newTarget();
    assert.equal((await sync(target, 'items')).status, 'completed');
    exec('DELETE FROM items WHERE id IN (3, 2000)');
    const without = await sync(target, 'items', { overlap_seconds: 0 });
    assert.equal(without.status, 'completed', failure(without));
    assert.equal(without.tables[0]?.verified, null, 'a copy that may keep deleted rows is not verified');
    assert.notEqual(digest(target, 'items'), digest(sourceFile, 'items'));
    const withDeletes = await sync(target, 'items', { overlap_seconds: 0, detect_deletes: true });
    assert.equal(withDeletes.status, 'completed', failure(withDeletes));
    assert.equal(withDeletes.tables[0]?.verified, true);
    assert.equal(digest(target, 'items'), digest(sourceFile, 'items'));
    const logs = (await t.runtime.jobs.logs(withDeletes.id, { limit: 100 })).items.map((e) => e.message);
    assert.ok(logs.some((m) => /^items: 2 rows deleted that the source no longer has \(1 of 1 key ranges differed\)$/.test(m)), logs.join('\n'));

    // A larger table: only the range that lost rows has its keys read.
    exec(`CREATE TABLE big (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT);
      WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 25000) INSERT INTO big (v) SELECT 'v' || n FROM seq;`);
    const bigTarget = newTarget();
    assert.equal((await plan(bigTarget, 'big')).tables[0]?.cursor?.column, 'id', 'the rowid key is the cursor of a table without a timestamp');
    assert.equal((await sync(bigTarget, 'big')).status, 'completed');
    exec('DELETE FROM big WHERE id BETWEEN 12000 AND 12010; INSERT INTO big (v) VALUES (\'new\')');
    const big = await sync(bigTarget, 'big', { detect_deletes: true });
    assert.equal(big.status, 'completed', failure(big));
    assert.deepEqual([big.tables[0]?.processed_rows, big.tables[0]?.verified], [1, true]);
    const bigLogs = (await t.runtime.jobs.logs(big.id, { limit: 100 })).items.map((e) => e.message);
    assert.ok(bigLogs.some((m) => /^big: 11 rows deleted that the source no longer has \(1 of 3 key ranges differed\)$/.test(m)), bigLogs.join('\n'));
    assert.equal(digest(bigTarget, 'big'), digest(sourceFile, 'big'));
  });

  test('a late commit below the mark: inside the overlap it is copied; older than the overlap it is missed, and verification says so', async () => {
    const target = newTarget();
    assert.equal((await sync(target, 'items')).status, 'completed');
    const writer = new Database(sourceFile);
    try {
      // A long transaction: its row carries a cursor value from before the next run's mark.
      writer.exec('BEGIN IMMEDIATE');
      writer.prepare("INSERT INTO items (name, updated_at) VALUES ('late', strftime('%Y-%m-%d %H:%M:%f', (SELECT max(updated_at) FROM items), '-60 seconds'))").run();
      const during = await sync(target, 'items');
      assert.equal(during.status, 'completed', failure(during));
      writer.exec('COMMIT');
    } finally {
      writer.close();
    }
    assert.notEqual(digest(target, 'items'), digest(sourceFile, 'items'), 'the late row was not committed during that run');
    const next = await sync(target, 'items');
    assert.equal(next.status, 'completed', failure(next));
    assert.equal(digest(target, 'items'), digest(sourceFile, 'items'), 'the late row arrived within the 300 s overlap');

    exec("INSERT INTO items (name, updated_at) VALUES ('too late', strftime('%Y-%m-%d %H:%M:%f', (SELECT max(updated_at) FROM items), '-400 seconds'))");
    const missed = await sync(target, 'items');
    assert.equal(missed.status, 'completed', failure(missed));
    assert.notEqual(digest(target, 'items'), digest(sourceFile, 'items'), 'a row 400 s below the mark is outside the 300 s overlap');
    const verified = await sync(target, 'items', { detect_deletes: true });
    assert.equal(verified.status, 'failed');
    assert.equal(verified.tables[0]?.error?.code, 'DBF_VERIFY_MISMATCH');
    const repaired = await sync(target, 'items', {}, { mode: 'full' });
    assert.equal(repaired.status, 'completed', failure(repaired));
    assert.equal(digest(target, 'items'), digest(sourceFile, 'items'), 'a full copy repairs it');
  });

  test('equal cursor values across batch boundaries: every changed row arrives, none twice', async () => {
    const target = newTarget();
    assert.equal((await sync(target, 'items')).status, 'completed');
    // 'now' is one value for the whole statement: 450 rows share one cursor value, over 8 batches of 64.
    exec("UPDATE items SET status = 'active', updated_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id BETWEEN 100 AND 549");
    const run = await sync(target, 'items', { overlap_seconds: 0, batch_size: 64 });
    assert.equal(run.status, 'completed', failure(run));
    assert.equal(run.tables[0]?.processed_rows, 450);
    assert.equal(digest(target, 'items'), digest(sourceFile, 'items'));
  });

  test('rows with a NULL cursor are copied, and their changes arrive on every run', async () => {
    exec(`CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT, changed TIMESTAMP NULL); CREATE INDEX notes_changed ON notes (changed);
      WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 400)
      INSERT INTO notes SELECT n, 'note ' || n, iif(n % 4 = 0, NULL, datetime('2020-02-01', '+' || n || ' minutes')) FROM seq;`);
    const target = newTarget();
    const input = { cursors: { notes: 'changed' } };
    assert.equal((await sync(target, 'notes', {}, input)).status, 'completed');
    exec("UPDATE notes SET body = 'edited without a cursor' WHERE id IN (4, 8)");
    const run = await sync(target, 'notes', { overlap_seconds: 0 }, input);
    assert.equal(run.status, 'completed', failure(run));
    assert.equal(run.tables[0]?.cursor_column, 'changed');
    assert.equal(run.tables[0]?.processed_rows, 100, 'the 100 NULL-cursor rows are read every run');
    assert.equal(digest(target, 'notes'), digest(sourceFile, 'notes'));
  });

  test('time zones and formats: values compared as stored, the overlap computed in the mark\'s own layout and offset', async () => {
    exec(`CREATE TABLE events (
        id INTEGER PRIMARY KEY, v INTEGER,
        utc_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, local_at DATETIME, stamp_ms TIMESTAMP
      );
      CREATE INDEX events_utc ON events (utc_at); CREATE INDEX events_local ON events (local_at); CREATE INDEX events_ms ON events (stamp_ms);
      WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 200)
      INSERT INTO events SELECT n, n, datetime('now', '-' || (1000 - n) || ' minutes'),
        strftime('%Y-%m-%d %H:%M:%S', '2026-03-01 10:00:00', '+' || n || ' minutes') || '-08:00',
        1772359200000 + n * 60000 FROM seq;`);

    // UTC text (CURRENT_TIMESTAMP): the usual case, the instant in one layout.
    const utc = newTarget();
    const byUtc = { cursors: { events: 'utc_at' } };
    assert.equal((await sync(utc, 'events', {}, byUtc)).status, 'completed');
    exec("UPDATE events SET v = -1, utc_at = CURRENT_TIMESTAMP WHERE id = 77; INSERT INTO events (id, v, utc_at) VALUES (201, 1, datetime((SELECT max(utc_at) FROM events), '-100 seconds'))");
    assert.equal((await sync(utc, 'events', {}, byUtc)).status, 'completed');
    assert.equal(digest(utc, 'events'), digest(sourceFile, 'events'));

    // A fixed offset west of UTC: the window is 300 s of that clock. (A bound converted to UTC,
    // '2026-03-02 …', would sort above every row and miss the late one.)
    const local = newTarget();
    const byLocal = { cursors: { events: 'local_at' } };
    assert.equal((await sync(local, 'events', {}, byLocal)).status, 'completed');
    exec("INSERT INTO events (id, v, local_at) VALUES (202, 2, '2026-03-01 13:18:00-08:00')"); // the mark is 13:20:00-08:00
    const late = await sync(local, 'events', {}, byLocal);
    assert.equal(late.status, 'completed', failure(late));
    assert.equal(one<number>(local, 'SELECT count(*) FROM events WHERE id = 202'), 1, 'the late row in the same offset arrived');
    assert.equal(digest(local, 'events'), digest(sourceFile, 'events'));

    // Mixed offsets: a writer at -10:00 stores a later instant as an earlier clock text. dbferry does
    // not convert (that would make every comparison a function of the column, with no index): the row
    // sorts below the window and is missed, and verification with detect_deletes reports it.
    exec("INSERT INTO events (id, v, local_at) VALUES (203, 3, '2026-03-01 11:30:00-10:00')");
    const mixed = await sync(local, 'events', {}, byLocal);
    assert.equal(mixed.status, 'completed', failure(mixed));
    assert.equal(one<number>(local, 'SELECT count(*) FROM events WHERE id = 203'), 0, 'a row written in another offset is compared as text');
    const checked = await sync(local, 'events', { detect_deletes: true }, byLocal);
    assert.equal(checked.tables[0]?.error?.code, 'DBF_VERIFY_MISMATCH');

    // Unix milliseconds (an ORM's integer DateTime): the window is 300,000 of them.
    const ms = newTarget();
    const byMs = { cursors: { events: 'stamp_ms' } };
    assert.equal((await sync(ms, 'events', {}, byMs)).status, 'completed');
    const mark = one<number>(sourceFile, 'SELECT max(stamp_ms) FROM events');
    exec('INSERT INTO events (id, v, stamp_ms) VALUES (204, 4, ?), (205, 5, ?)', [mark - 60_000, mark - 400_000]);
    assert.equal((await sync(ms, 'events', {}, byMs)).status, 'completed');
    assert.equal(one<number>(ms, 'SELECT count(*) FROM events WHERE id = 204'), 1, '60 s below the mark: inside the overlap');
    assert.equal(one<number>(ms, 'SELECT count(*) FROM events WHERE id = 205'), 0, '400 s below the mark: outside it');
  });

  test('a filter keeps the copy the subset, as updates move rows in and out of it', async () => {
    const target = newTarget();
    const input = { filters: { items: "status = 'active'" } };
    const first = await sync(target, 'items', {}, input);
    assert.equal(first.status, 'completed', failure(first));
    assert.equal(first.tables[0]?.verified, true);
    assert.equal(digest(target, 'items'), digest(sourceFile, 'items', "status = 'active'"));
    const archived = one<number>(sourceFile, "SELECT min(id) FROM items WHERE status = 'archived'");
    exec(`UPDATE items SET status = 'archived' WHERE id IN (1, 2);
      UPDATE items SET status = 'active' WHERE id IN (${archived}, ${archived + 3});
      UPDATE items SET price = 99 WHERE id = 10;`);
    const run = await sync(target, 'items', { overlap_seconds: 0, detect_deletes: true }, input);
    assert.equal(run.status, 'completed', failure(run));
    assert.equal(run.tables[0]?.verified, true);
    assert.equal(digest(target, 'items'), digest(sourceFile, 'items', "status = 'active'"));
    assert.equal(one<number>(target, "SELECT count(*) FROM items WHERE status <> 'active'"), 0, 'rows moved out of the subset were deleted from the copy');
    // Moved out again without delete detection: the change read alone keeps the subset.
    exec(`UPDATE items SET status = 'archived' WHERE id = ${archived}`);
    const out = await sync(target, 'items', { overlap_seconds: 0 }, input);
    assert.equal(out.status, 'completed', failure(out));
    assert.equal(digest(target, 'items'), digest(sourceFile, 'items', "status = 'active'"));

    const bad = await plan(target, 'items', {}, { filters: { items: 'no_such_column = 1' } });
    assert.equal(bad.tables[0]?.problem?.code, 'DBF_INVALID_FILTER');
    await assert.rejects(sync(target, 'items', {}, { filters: { items: '1; DROP TABLE items' } }), (e: { code?: string }) => e.code === 'DBF_INVALID_FILTER');
  });

  test('a full copy with a filter holds exactly the subset, verified', async () => {
    const target = newTarget();
    const job = await sync(target, 'items', {}, { mode: 'full', filters: { items: "status = 'archived' AND price > 100" } });
    assert.equal(job.status, 'completed', failure(job));
    assert.equal(job.tables[0]?.verified, true);
    const expected = one<number>(sourceFile, "SELECT count(*) FROM items WHERE status = 'archived' AND price > 100");
    assert.ok(expected > 0 && expected < one<number>(sourceFile, 'SELECT count(*) FROM items'));
    assert.equal(job.tables[0]?.processed_rows, expected);
    assert.equal(digest(target, 'items'), digest(sourceFile, 'items', "status = 'archived' AND price > 100"));

    // Checksums and verification's drill-down compare the source's subset with the copy, range by range.
    const filter = "status = 'archived' AND price > 100";
    const source = await sqliteCopyEngine.openSource(sqliteSpec(sourceFile), { timeoutMs: 2000 });
    const copyEnd = await sqliteCopyEngine.openTarget(sqliteSpec(target), source, { timeoutMs: 2000 });
    try {
      const table = { ...(await source.table('items')), filter };
      assert.deepEqual(await source.checksum(table), await copyEnd.checksum(table, 'items'), 'the filter applies on the source side only');
      assert.deepEqual(await sqliteCopyEngine.differingRanges(source, copyEnd, table, 'items'), []);
      const copy = new Database(target);
      copy.prepare('DELETE FROM items WHERE id = (SELECT max(id) FROM items)').run();
      copy.close();
      const first = one<number>(sourceFile, `SELECT min(id) FROM items WHERE ${filter}`);
      // One range of fewer than 10,000 keys: the last one, open to the end.
      assert.deepEqual(await sqliteCopyEngine.differingRanges(source, copyEnd, table, 'items'), [{ range: `id ${first} … end`, sourceRows: expected, targetRows: expected - 1 }]);
    } finally {
      await copyEnd.close();
      await source.close();
    }
  });

  test('conflict_resolution: error fails on a target row that differs, skip keeps it, overwrite replaces it', async () => {
    const target = newTarget();
    assert.equal((await sync(target, 'items')).status, 'completed');
    const copy = new Database(target);
    copy.exec("UPDATE items SET name = 'edited on the copy' WHERE id = 42");
    copy.close();
    exec('UPDATE items SET price = 7 WHERE id = 42');
    const failed = await sync(target, 'items', { overlap_seconds: 0, conflict_resolution: 'error' });
    assert.equal(failed.status, 'failed');
    assert.equal(failed.tables[0]?.error?.code, 'DBF_SYNC_CONFLICT');
    assert.match(failed.tables[0]?.error?.message ?? '', /keys 42\)/);
    const skipped = await sync(target, 'items', { overlap_seconds: 0, conflict_resolution: 'skip' });
    assert.equal(skipped.status, 'completed', failure(skipped));
    const row = new Database(target, { readonly: true });
    assert.deepEqual(row.prepare('SELECT name, price FROM items WHERE id = 42').get(), { name: 'edited on the copy', price: 10.5 });
    row.close();
    exec('UPDATE items SET price = 8 WHERE id = 42');
    assert.equal((await sync(target, 'items', { overlap_seconds: 0 })).status, 'completed');
    assert.equal(digest(target, 'items'), digest(sourceFile, 'items'));
    // The overlap re-reads rows the copy already holds (42 among them): identical rows are no conflict.
    const again = await sync(target, 'items', { conflict_resolution: 'error' });
    assert.equal(again.status, 'completed', failure(again));
    assert.ok((again.tables[0]?.processed_rows ?? 0) >= 1, 'the overlap re-read rows already copied');
    assert.equal(digest(target, 'items'), digest(sourceFile, 'items'));
  });

  test('an added nullable column is applied with its definition; a dropped column stops the table with a hint to copy it in full', async () => {
    exec(`CREATE TABLE shapes (id INTEGER PRIMARY KEY, label TEXT, modified_at DATETIME NOT NULL DEFAULT '2020-01-01 00:00:00');
      CREATE INDEX shapes_modified ON shapes (modified_at);
      WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 50) INSERT INTO shapes (label) SELECT 's' || n FROM seq;`);
    const target = newTarget();
    assert.equal((await sync(target, 'shapes')).status, 'completed');
    exec("ALTER TABLE shapes ADD COLUMN colour TEXT COLLATE NOCASE DEFAULT 'none'; UPDATE shapes SET colour = 'Red', modified_at = '2021-01-01' WHERE id = 5");
    const added = await sync(target, 'shapes', { overlap_seconds: 0 });
    assert.equal(added.status, 'completed', failure(added));
    assert.equal(digest(target, 'shapes'), digest(sourceFile, 'shapes'));
    const ddl = one<string>(target, "SELECT sql FROM sqlite_schema WHERE name = 'shapes'");
    assert.match(ddl, /colour TEXT COLLATE NOCASE DEFAULT 'none'/, 'the source definition, collation and default included');
    assert.equal(one<number>(target, "SELECT count(*) FROM shapes WHERE colour = 'RED'"), 1, 'NOCASE applies on the copy');

    exec('ALTER TABLE shapes DROP COLUMN label');
    const dropped = await sync(target, 'shapes', { overlap_seconds: 0 });
    assert.equal(dropped.status, 'failed');
    assert.equal(dropped.tables[0]?.error?.code, 'DBF_SCHEMA_CHANGED');
    assert.match(dropped.tables[0]?.error?.message ?? '', /label was dropped.*run a full copy/);
    const full = await sync(target, 'shapes', {}, { mode: 'full' });
    assert.equal(full.status, 'completed', failure(full));
    assert.equal(digest(target, 'shapes'), digest(sourceFile, 'shapes'));
  });

  test('a retyped column, or one added NOT NULL without a default, stops the table and leaves the copy and its mark as they were', async () => {
    exec(`CREATE TABLE gauges (id INTEGER PRIMARY KEY, reading INTEGER, modified_at DATETIME NOT NULL DEFAULT '2020-01-01 00:00:00');
      CREATE INDEX gauges_modified ON gauges (modified_at);
      WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 40) INSERT INTO gauges (reading) SELECT n FROM seq;`);
    const target = newTarget();
    assert.equal((await sync(target, 'gauges')).status, 'completed');
    const before = digest(target, 'gauges');
    // SQLite cannot retype a column in place: the table is rebuilt, as its documentation prescribes.
    exec(`BEGIN; CREATE TABLE gauges_new (id INTEGER PRIMARY KEY, reading REAL, modified_at DATETIME NOT NULL DEFAULT '2020-01-01 00:00:00');
      INSERT INTO gauges_new SELECT * FROM gauges; DROP TABLE gauges; ALTER TABLE gauges_new RENAME TO gauges;
      CREATE INDEX gauges_modified ON gauges (modified_at); UPDATE gauges SET reading = 2.5, modified_at = '2021-01-01' WHERE id = 3; COMMIT;`);
    const retyped = await sync(target, 'gauges', { overlap_seconds: 0 });
    assert.equal(retyped.status, 'failed');
    assert.equal(retyped.tables[0]?.error?.code, 'DBF_SCHEMA_CHANGED');
    assert.match(retyped.tables[0]?.error?.message ?? '', /reading changed from INTEGER to REAL.*run a full copy/);
    assert.equal(digest(target, 'gauges'), before, 'nothing written to the copy');
    // Back to INTEGER, with a NOT NULL column that has no default (which ALTER TABLE cannot add in SQLite).
    exec(`BEGIN; CREATE TABLE gauges_new (id INTEGER PRIMARY KEY, reading INTEGER, modified_at DATETIME NOT NULL DEFAULT '2020-01-01 00:00:00', site TEXT NOT NULL);
      INSERT INTO gauges_new SELECT id, reading, modified_at, 'x' FROM gauges; DROP TABLE gauges; ALTER TABLE gauges_new RENAME TO gauges;
      CREATE INDEX gauges_modified ON gauges (modified_at); COMMIT;`);
    const notNull = await sync(target, 'gauges', { overlap_seconds: 0 });
    assert.equal(notNull.status, 'failed');
    assert.equal(notNull.tables[0]?.error?.code, 'DBF_SCHEMA_CHANGED');
    assert.match(notNull.tables[0]?.error?.message ?? '', /site was added NOT NULL without a default/);
    exec(`BEGIN; CREATE TABLE gauges_new (id INTEGER PRIMARY KEY, reading INTEGER, modified_at DATETIME NOT NULL DEFAULT '2020-01-01 00:00:00');
      INSERT INTO gauges_new SELECT id, reading, modified_at FROM gauges; DROP TABLE gauges; ALTER TABLE gauges_new RENAME TO gauges;
      CREATE INDEX gauges_modified ON gauges (modified_at); COMMIT;`);
    assert.equal(digest(target, 'gauges'), before, 'nothing written to the copy');
    const resumed = await sync(target, 'gauges', { overlap_seconds: 0 });
    assert.equal(resumed.status, 'completed', failure(resumed));
    assert.equal(resumed.tables[0]?.processed_rows, 1, 'the failed runs left the mark where it was: only the changed row is read');
    assert.equal(digest(target, 'gauges'), digest(sourceFile, 'gauges'));
  });

  test('cursor detection: a column a trigger sets on update comes first; a table without one, or a cursor that is not one, fails with DBF_NO_CURSOR', async () => {
    exec(`CREATE TABLE docs (id INTEGER PRIMARY KEY, body TEXT, created_at DATETIME, stamp TIMESTAMP);
      CREATE TRIGGER docs_stamp AFTER UPDATE OF body ON docs BEGIN UPDATE docs SET "stamp" = CURRENT_TIMESTAMP WHERE id = NEW.id; END;
      CREATE TABLE plain (code TEXT PRIMARY KEY, v INTEGER); INSERT INTO plain VALUES ('a', 1);`);
    const target = newTarget();
    assert.deepEqual((await plan(target, 'docs')).tables[0]?.cursor, { column: 'stamp', how: 'detected', indexed: false });
    const none = await plan(target, 'plain');
    assert.equal(none.tables[0]?.problem?.code, 'DBF_NO_CURSOR');
    assert.match(none.tables[0]?.problem?.message ?? '', /--cursor plain:COLUMN/);
    const wrong = await plan(target, 'items', {}, { cursors: { items: 'name' } });
    assert.equal(wrong.tables[0]?.problem?.code, 'DBF_NO_CURSOR');
    assert.match(wrong.tables[0]?.problem?.message ?? '', /it could follow: id, created_at, updated_at/);
  });

  test('a key holding a NULL (a rowid table\'s TEXT PRIMARY KEY allows one) is upserted and deleted by IS, never doubled', async () => {
    exec(`CREATE TABLE codes (code TEXT PRIMARY KEY, v INTEGER, updated_at DATETIME NOT NULL);
      INSERT INTO codes VALUES (NULL, 0, '2020-05-01 00:00:00'), ('a', 1, '2020-05-01 00:00:01'), ('b', 2, '2020-05-01 00:00:02');`);
    const target = newTarget();
    assert.equal((await sync(target, 'codes')).status, 'completed');
    exec("UPDATE codes SET v = 10, updated_at = '2020-05-02 00:00:00' WHERE code IS NULL; UPDATE codes SET v = 11, updated_at = '2020-05-02 00:00:01' WHERE code = 'a'");
    const run = await sync(target, 'codes', { overlap_seconds: 0 });
    assert.equal(run.status, 'completed', failure(run));
    assert.equal(run.tables[0]?.processed_rows, 2);
    assert.equal(one<number>(target, 'SELECT count(*) FROM codes WHERE code IS NULL'), 1, 'one row with the NULL key, not two');
    assert.equal(digest(target, 'codes', '1', 'code'), digest(sourceFile, 'codes', '1', 'code'));
    const again = await sync(target, 'codes', { conflict_resolution: 'error' });
    assert.equal(again.status, 'completed', failure(again));
    exec('DELETE FROM codes WHERE code IS NULL');
    const deletes = await sync(target, 'codes', { overlap_seconds: 0, detect_deletes: true });
    assert.equal(deletes.status, 'completed', failure(deletes));
    assert.equal(deletes.tables[0]?.verified, true);
    assert.equal(digest(target, 'codes', '1', 'code'), digest(sourceFile, 'codes', '1', 'code'));
  });
});
