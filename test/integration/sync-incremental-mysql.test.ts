import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { syncOptionsSchema } from '../../src/catalog/sync-config-input.js';
import type { SyncOptions } from '../../src/catalog/sync-config-input.js';
import type { JobView } from '../../src/jobs/job-view.js';
import type { OneShotInput } from '../../src/sync/sync-service.js';
import { createTestRuntime } from '../helpers/runtime.js';
import type { TestRuntime } from '../helpers/runtime.js';
import { createMysqlDatabase, MYSQL_URL, mysqlWriterUrl, randomName, withMysqlAdmin } from '../helpers/servers.js';
import type { TempDatabase } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';

/**
 * Incremental sync, MariaDB → MariaDB: the first run copies everything and records the mark; later
 * runs copy what changed since (inserts, updates), re-read an overlap window for late commits,
 * follow NULL cursors, keep a filtered subset a subset, apply an added column, refuse other schema
 * changes, and (with delete detection) delete what the source no longer has. After every run the
 * target equals the source (filtered) row for row.
 */

/**
 * A digest of the rows that `where` selects: the count and the XOR of a 128-bit MD5 of every row's
 * values as hex (NULL apart from ''). Equal on both sides iff the rows are (rows are unique by key);
 * no GROUP_CONCAT, whose length limit would cut a large table's digest short.
 */
async function digest(db: string, table: string, where = '1'): Promise<string> {
  return withMysqlAdmin(async (conn) => {
    const [cols] = await conn.query('SELECT column_name AS c FROM information_schema.columns WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position', [db, table]);
    const row = `MD5(CONCAT_WS('|', ${(cols as Array<{ c: string }>).map((r) => `IFNULL(HEX(\`${r.c}\`), 'N')`).join(', ')}))`;
    const half = (from: number): string => `BIT_XOR(CAST(CONV(SUBSTRING(${row}, ${from}, 16), 16, 10) AS UNSIGNED))`;
    const [rows] = await conn.query(`SELECT COUNT(*) AS n, ${half(1)} AS h1, ${half(17)} AS h2 FROM \`${db}\`.\`${table}\` WHERE ${where}`);
    const [r] = rows as Array<{ n: number; h1: string; h2: string }>;
    return `${r?.n}:${r?.h1}:${r?.h2}`;
  });
}

let sourceDb = '';
/** Statements on the admin connection, in the source database (the SEQUENCE tables need one). */
async function exec(sql: string): Promise<void> {
  await withMysqlAdmin((conn) => conn.query(`USE \`${sourceDb}\`; ${sql}`));
}

describe('incremental sync, MySQL to MySQL', () => {
  let t: TestRuntime;
  let source: TempDatabase;
  let writerUrl = '';
  const targets: string[] = [];

  before(async () => {
    source = await createMysqlDatabase(`
      CREATE TABLE items (
        id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(50) NOT NULL, status VARCHAR(10) NOT NULL DEFAULT 'active',
        price DECIMAL(10,2), updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3), KEY (updated_at)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
      INSERT INTO items (name, status, price, updated_at) SELECT CONCAT('item ', seq, ' ✓'), IF(seq % 3 = 0, 'archived', 'active'), seq / 4, '2026-01-01 00:00:00.000' + INTERVAL seq SECOND FROM seq_1_to_3000;`);
    sourceDb = source.name;
    writerUrl = await mysqlWriterUrl();
    t = await createTestRuntime({ settings: { lease_ms: 10_000 } });
    await t.runtime.startWorker();
  });

  after(async () => {
    await t.close();
    await source.drop();
    await withMysqlAdmin(async (conn) => {
      for (const db of targets) await conn.query(`DROP DATABASE IF EXISTS \`${db}\``);
    });
  });

  function newTarget(): string {
    const name = randomName('dbf_inc');
    targets.push(name);
    return name;
  }

  async function sync(target: string, table: string, extra: Partial<SyncOptions> = {}, input: Partial<OneShotInput> = {}): Promise<JobView> {
    const options = syncOptionsSchema.parse({ batch_size: 100, ...extra });
    const { job } = await t.runtime.sync.startOneShot({ from: source.url, to: `${writerUrl}/${target}`, tables: [table], mode: 'incremental', options, ...input }, 'cli');
    return waitFor<JobView>(async () => {
      const v = await t.runtime.jobs.get(job.id);
      return ['completed', 'failed', 'cancelled'].includes(v.status) ? v : undefined;
    }, 60_000, 'the sync to end');
  }

  const plan = (target: string, table: string, extra: Partial<SyncOptions> = {}, input: Partial<OneShotInput> = {}) =>
    t.runtime.sync.planOneShot({ from: source.url, to: `${writerUrl}/${target}`, tables: [table], mode: 'incremental', options: syncOptionsSchema.parse(extra), ...input });

  test('the first run copies everything and records the mark; later runs copy only the changes', async () => {
    const target = newTarget();
    const first = await plan(target, 'items');
    assert.deepEqual(first.tables[0]?.cursor, { column: 'updated_at', how: 'detected', indexed: true });
    assert.match(first.tables[0]?.incremental ?? '', /^full copy \(no mark yet\)/);

    const initial = await sync(target, 'items');
    assert.equal(initial.status, 'completed', JSON.stringify(initial.tables[0]?.error));
    assert.deepEqual([initial.tables[0]?.processed_rows, initial.tables[0]?.verified, initial.tables[0]?.cursor_column], [3000, true, 'updated_at']);
    assert.equal(await digest(target, 'items'), await digest(source.name, 'items'));

    const next = await plan(target, 'items', { overlap_seconds: 0 });
    assert.equal(next.tables[0]?.action, 'apply changes');
    assert.match(next.tables[0]?.incremental ?? '', /^changes since 2026-01-01 00:50:00\.000 \(key 3000\), upserted \(overwrite\)$/);

    await exec(`UPDATE \`${source.name}\`.items SET price = price + 1 WHERE id IN (7, 1500, 2999);
      INSERT INTO \`${source.name}\`.items (name) VALUES ('new one'), ('new two');`);
    const second = await sync(target, 'items', { overlap_seconds: 0 });
    assert.equal(second.status, 'completed', JSON.stringify(second.tables[0]?.error));
    assert.equal(second.tables[0]?.processed_rows, 5, 'only the 3 updated and 2 inserted rows were read');
    assert.equal(await digest(target, 'items'), await digest(source.name, 'items'));

    // Nothing changed: nothing to copy (the mark row itself is strictly before what is read).
    const idle = await sync(target, 'items', { overlap_seconds: 0 });
    assert.equal(idle.tables[0]?.processed_rows, 0);
  });

  test('deletes: kept without --detect-deletes (and not verified), removed with it (and verified)', async () => {
    const target = newTarget();
    await sync(target, 'items');
    await exec(`DELETE FROM \`${source.name}\`.items WHERE id IN (3, 2000)`);
    const without = await sync(target, 'items', { overlap_seconds: 0 });
    assert.equal(without.status, 'completed');
    assert.equal(without.tables[0]?.verified, null, 'a copy that may keep deleted rows is not verified');
    assert.notEqual(await digest(target, 'items'), await digest(source.name, 'items'));
    const withDeletes = await sync(target, 'items', { overlap_seconds: 0, detect_deletes: true });
    assert.equal(withDeletes.status, 'completed', JSON.stringify(withDeletes.tables[0]?.error));
    assert.equal(withDeletes.tables[0]?.verified, true);
    assert.equal(await digest(target, 'items'), await digest(source.name, 'items'));
    const logs = (await t.runtime.jobs.logs(withDeletes.id, { limit: 100 })).items.map((e) => e.message);
    assert.ok(logs.some((m) => /^items: 2 rows deleted that the source no longer has \(1 of 1 key ranges differed\)$/.test(m)), logs.join('\n'));
  });

  test('deletes over many keys: integer keys compared in buckets (drilled into where they differ), other keys in ranges, a filter applied', async () => {
    // 40,000 dense keys and 10,000 sparse ones: the first cut puts the dense keys in one bucket, which is cut again.
    await exec(`CREATE TABLE big (id BIGINT PRIMARY KEY, v INT NOT NULL, updated_at DATETIME(3) NOT NULL, KEY (v));
      INSERT INTO big SELECT seq, seq % 7, '2026-01-01' + INTERVAL seq SECOND FROM seq_1_to_40000;
      INSERT INTO big SELECT 1000000 + seq * 100000, seq % 7, '2026-02-01' + INTERVAL seq SECOND FROM seq_1_to_10000;
      CREATE TABLE pairs (a INT NOT NULL, b VARCHAR(10) NOT NULL, updated_at DATETIME(3) NOT NULL, PRIMARY KEY (a, b));
      INSERT INTO pairs SELECT seq DIV 3, CONCAT('b', seq % 3), '2026-01-01' + INTERVAL seq SECOND FROM seq_1_to_12000;
      CREATE TABLE wide (id BIGINT PRIMARY KEY, updated_at DATETIME(3) NOT NULL);
      INSERT INTO wide SELECT -9000000000000000000 + CAST(seq AS SIGNED), '2026-01-01' + INTERVAL seq SECOND FROM seq_1_to_6000;
      INSERT INTO wide SELECT 9000000000000000000 - CAST(seq AS SIGNED), '2026-02-01' + INTERVAL seq SECOND FROM seq_1_to_6000;`);
    const deletedLog = async (job: JobView, table: string): Promise<string> =>
      (await t.runtime.jobs.logs(job.id, { limit: 100 })).items.map((e) => e.message).find((m) => m.startsWith(`${table}: `) && m.includes('rows deleted')) ?? '';

    const whole = newTarget();
    const filtered = newTarget();
    const where = { filters: { big: 'v <> 3' } };
    for (const table of ['big', 'pairs', 'wide']) assert.equal((await sync(whole, table)).status, 'completed');
    assert.equal((await sync(filtered, 'big', {}, where)).status, 'completed');
    await exec(`DELETE FROM big WHERE id IN (5, 20001, 39999, 1500000);
      DELETE FROM pairs WHERE (a, b) IN ((1, 'b1'), (3999, 'b0'));
      DELETE FROM wide WHERE id IN (-8999999999999999999, 8999999999999999000);`);

    const big = await sync(whole, 'big', { overlap_seconds: 0, detect_deletes: true });
    assert.equal(big.status, 'completed', JSON.stringify(big.tables[0]?.error));
    assert.equal(big.tables[0]?.verified, true);
    assert.equal(await digest(whole, 'big'), await digest(source.name, 'big'));
    const bigLog = await deletedLog(big, 'big');
    const [, deleted, differing, ranges] = /^big: (\d+) rows deleted that the source no longer has \((\d+) of (\d+) key ranges differed\)$/.exec(bigLog) ?? [];
    assert.equal(deleted, '4', bigLog);
    assert.ok(Number(ranges) > 6 && Number(differing) < Number(ranges), `buckets were drilled into, not all read: ${bigLog}`);

    const subset = await sync(filtered, 'big', { overlap_seconds: 0, detect_deletes: true }, where);
    assert.equal(subset.status, 'completed', JSON.stringify(subset.tables[0]?.error));
    assert.equal(subset.tables[0]?.verified, true);
    assert.equal(await digest(filtered, 'big'), await digest(source.name, 'big', 'v <> 3'));
    // Of the four deleted rows, 20001 (v = 2), 5 (v = 5), 39999 (v = 0) and 1500000 (v = 5) were all in the subset.
    assert.match(await deletedLog(subset, 'big'), /^big: 4 rows deleted/);

    for (const table of ['pairs', 'wide']) {
      const job = await sync(whole, table, { overlap_seconds: 0, detect_deletes: true });
      assert.equal(job.status, 'completed', JSON.stringify(job.tables[0]?.error));
      assert.equal(job.tables[0]?.verified, true);
      assert.match(await deletedLog(job, table), new RegExp(`^${table}: 2 rows deleted that the source no longer has \\(\\d of 2 key ranges differed\\)$`));
    }
  });

  test('a row committed late with a cursor value below the mark is picked up by the overlap window', async () => {
    const target = newTarget();
    await sync(target, 'items');
    await withMysqlAdmin(async (late) => {
      // A long transaction: its row carries a cursor value from before the next run's mark.
      await late.query('START TRANSACTION');
      await late.query(`INSERT INTO \`${source.name}\`.items (name, updated_at) VALUES ('late', NOW(3) - INTERVAL 60 SECOND)`);
      await exec(`UPDATE \`${source.name}\`.items SET price = 1 WHERE id = 10`);
      const during = await sync(target, 'items');
      assert.equal(during.status, 'completed');
      await late.query('COMMIT');
    });
    assert.notEqual(await digest(target, 'items'), await digest(source.name, 'items'), 'the late row was not committed during that run');
    const next = await sync(target, 'items');
    assert.equal(next.status, 'completed');
    assert.equal(await digest(target, 'items'), await digest(source.name, 'items'), 'the late row arrived');
    const logged = (await t.runtime.jobs.logs(next.id, { limit: 100 })).items.map((e) => e.message).find((m) => m.includes('changed rows copied')) ?? '';
    assert.match(logged, /^items: \d+ changed rows copied since .* \(with the rows the 300 s overlap re-read\), 0 deleted;/, 'the count says it holds re-read rows');
  });

  test('equal cursor values across batch boundaries: every changed row arrives, none twice', async () => {
    const target = newTarget();
    await sync(target, 'items');
    await exec(`UPDATE \`${source.name}\`.items SET status = 'active', updated_at = NOW(3) WHERE id BETWEEN 100 AND 549`);
    const run = await sync(target, 'items', { overlap_seconds: 0, batch_size: 64 });
    assert.equal(run.status, 'completed');
    assert.equal(run.tables[0]?.processed_rows, 450);
    assert.equal(await digest(target, 'items'), await digest(source.name, 'items'));
  });

  test('batches are written by two target sessions at once, but by one for a table with another unique key or a concurrency of 1', async () => {
    const sessionsOf = async (job: JobView, table: string): Promise<string> =>
      (await t.runtime.jobs.logs(job.id, { limit: 100 })).items.map((e) => e.message).find((m) => m.startsWith(`${table}: `) && m.includes('changed rows copied')) ?? '';
    await exec(`CREATE TABLE spread (id INT PRIMARY KEY, price DECIMAL(10,2) NOT NULL, updated_at DATETIME(3) NOT NULL, KEY (updated_at));
      INSERT INTO spread SELECT seq, seq / 4, '2026-01-01' + INTERVAL seq SECOND FROM seq_1_to_3000;`);
    const target = newTarget();
    await sync(target, 'spread');
    await exec(`UPDATE \`${source.name}\`.spread SET price = price + 3, updated_at = NOW(3) WHERE id % 5 = 2`);
    const run = await sync(target, 'spread', { overlap_seconds: 0, batch_size: 50 });
    assert.equal(run.status, 'completed', JSON.stringify(run.tables[0]?.error));
    assert.equal(run.tables[0]?.processed_rows, 600);
    assert.match(await sessionsOf(run, 'spread'), /: 600 changed rows copied .*; written by 2 sessions$/);
    assert.equal(await digest(target, 'spread'), await digest(source.name, 'spread'));

    await exec(`UPDATE \`${source.name}\`.spread SET price = price + 1, updated_at = NOW(3) + INTERVAL 1 SECOND WHERE id % 5 = 3`);
    const serial = await sync(target, 'spread', { overlap_seconds: 0, batch_size: 50, max_concurrency: 1 });
    assert.match(await sessionsOf(serial, 'spread'), /: 600 changed rows copied .*; written by 1 session$/);
    assert.equal(await digest(target, 'spread'), await digest(source.name, 'spread'));

    // A unique code: rows may swap codes between batches, so the batches are applied in order.
    await exec(`CREATE TABLE coded (id INT PRIMARY KEY, code VARCHAR(20) NOT NULL, updated_at DATETIME(3) NOT NULL, UNIQUE KEY (code), KEY (updated_at));
      INSERT INTO coded SELECT seq, CONCAT('c', seq), '2026-01-01' + INTERVAL seq SECOND FROM seq_1_to_500;`);
    await sync(target, 'coded');
    await exec(`UPDATE \`${source.name}\`.coded SET code = CONCAT('x', id), updated_at = NOW(3) WHERE id <= 300;
      UPDATE \`${source.name}\`.coded SET code = 'c1', updated_at = NOW(3) + INTERVAL 1 SECOND WHERE id = 400;`);
    const coded = await sync(target, 'coded', { overlap_seconds: 0, batch_size: 50 });
    assert.equal(coded.status, 'completed', JSON.stringify(coded.tables[0]?.error));
    assert.match(await sessionsOf(coded, 'coded'), /: 301 changed rows copied .*; written by 1 session$/);
    assert.equal(await digest(target, 'coded'), await digest(source.name, 'coded'));
  });

  test('another unique key: a new row taking the value an existing row gives up in the same batch is inserted, not merged into that row', async () => {
    await exec(`CREATE TABLE tagged (id INT PRIMARY KEY, tag VARCHAR(20) NOT NULL, note VARCHAR(20), updated_at DATETIME(3) NOT NULL, UNIQUE KEY (tag), KEY (updated_at));
      INSERT INTO tagged SELECT seq, CONCAT('t', seq), 'old', '2026-01-01' + INTERVAL seq SECOND FROM seq_10_to_200;`);
    const target = newTarget();
    await sync(target, 'tagged');
    // Row 5 is new and takes t150, which row 150 gives up: key order puts the new row first.
    await exec(`UPDATE \`${source.name}\`.tagged SET tag = 'moved', note = 'gave up t150', updated_at = NOW(3) WHERE id = 150;
      INSERT INTO \`${source.name}\`.tagged VALUES (5, 't150', 'new', NOW(3));`);
    const run = await sync(target, 'tagged', { overlap_seconds: 0 });
    assert.equal(run.status, 'completed', JSON.stringify(run.tables[0]?.error));
    assert.equal(await digest(target, 'tagged'), await digest(source.name, 'tagged'));

    // skip keeps the target's rows and still inserts the new ones.
    await exec(`UPDATE \`${source.name}\`.tagged SET tag = 'moved again', updated_at = NOW(3) + INTERVAL 1 SECOND WHERE id = 160;
      INSERT INTO \`${source.name}\`.tagged VALUES (6, 't160', 'new', NOW(3) + INTERVAL 1 SECOND);`);
    const skipped = await sync(target, 'tagged', { overlap_seconds: 0, conflict_resolution: 'skip' });
    assert.equal(skipped.status, 'failed', 'row 6 takes t160, which the kept target row 160 still holds');
    assert.equal(skipped.tables[0]?.error?.code, 'DBF_COPY_FAILED');
    assert.match(skipped.tables[0]?.error?.message ?? '', /Duplicate entry 't160'/);
  });

  test('rows with a NULL cursor are copied, and their changes arrive on every run', async () => {
    await exec(`CREATE TABLE \`${source.name}\`.notes (id BIGINT PRIMARY KEY, body TEXT, changed TIMESTAMP(6) NULL, KEY (changed)) ENGINE=InnoDB;
      INSERT INTO \`${source.name}\`.notes SELECT seq, CONCAT('note ', seq), IF(seq % 4 = 0, NULL, '2026-02-01 00:00:00' + INTERVAL seq MINUTE) FROM seq_1_to_400;`);
    const target = newTarget();
    const input = { cursors: { notes: 'changed' } };
    assert.equal((await sync(target, 'notes', {}, input)).status, 'completed');
    await exec(`UPDATE \`${source.name}\`.notes SET body = 'edited without a cursor' WHERE id IN (4, 8)`);
    const run = await sync(target, 'notes', { overlap_seconds: 0 }, input);
    assert.equal(run.status, 'completed', JSON.stringify(run.tables[0]?.error));
    assert.equal(run.tables[0]?.cursor_column, 'changed');
    assert.equal(run.tables[0]?.processed_rows, 100, 'the 100 NULL-cursor rows are read every run');
    assert.equal(await digest(target, 'notes'), await digest(source.name, 'notes'));
  });

  test('a TIMESTAMP cursor written from sessions in other time zones is followed by the instant', async () => {
    await exec(`CREATE TABLE \`${source.name}\`.events (id INT PRIMARY KEY, v INT, ts TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3), KEY (ts)) ENGINE=InnoDB;
      INSERT INTO \`${source.name}\`.events (id, v) SELECT seq, seq FROM seq_1_to_200;`);
    const target = newTarget();
    assert.equal((await sync(target, 'events')).status, 'completed');
    await new Promise((resolve) => setTimeout(resolve, 20));
    // A writer far west of UTC: its local clock reads 8 hours earlier, the instant it stores is the same.
    await exec(`SET time_zone = '-08:00'; UPDATE \`${source.name}\`.events SET v = -1 WHERE id = 77; SET time_zone = '+09:00'; UPDATE \`${source.name}\`.events SET v = -2 WHERE id = 78;`);
    const run = await sync(target, 'events', { overlap_seconds: 0 });
    assert.equal(run.tables[0]?.processed_rows, 2);
    assert.equal(await digest(target, 'events'), await digest(source.name, 'events'));
  });

  test('TIMESTAMP vs DATETIME: a TIMESTAMP cursor follows the instant from writers in any zone; a DATETIME one the wall clock as written, so a writer in another zone is missed and verification says so', async () => {
    const zone = process.env['TZ'];
    // dbferry's own clock zone plays no part: marks are the server's values, never converted in Node.
    process.env['TZ'] = 'Pacific/Chatham';
    try {
      await exec(`CREATE TABLE clocks (id INT PRIMARY KEY, v INT NOT NULL, dt DATETIME(3) NOT NULL, ts TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), KEY (dt), KEY (ts));
        SET time_zone = '+00:00';
        INSERT INTO clocks SELECT seq, seq, UTC_TIMESTAMP(3) - INTERVAL 1 DAY + INTERVAL seq SECOND, UTC_TIMESTAMP(3) - INTERVAL 1 DAY + INTERVAL seq SECOND FROM seq_1_to_300;`);
      const byDatetime = newTarget();
      const byTimestamp = newTarget();
      const dt = { cursors: { clocks: 'dt' } };
      const ts = { cursors: { clocks: 'ts' } };
      assert.equal((await sync(byDatetime, 'clocks', {}, dt)).status, 'completed');
      assert.equal((await sync(byTimestamp, 'clocks', {}, ts)).status, 'completed');

      // A writer east of UTC: its wall clock (the DATETIME) reads 9 hours ahead; the instant (the TIMESTAMP) is the same.
      await exec("SET time_zone = '+09:00'; UPDATE clocks SET v = -1, dt = NOW(3), ts = NOW(3) WHERE id = 10");
      for (const [target, input] of [[byDatetime, dt], [byTimestamp, ts]] as const) {
        const run = await sync(target, 'clocks', {}, input);
        assert.equal(run.status, 'completed', JSON.stringify(run.tables[0]?.error));
        assert.equal(await digest(target, 'clocks'), await digest(source.name, 'clocks'));
      }

      // Then a writer west of UTC: its wall clock reads 8 hours behind, 17 hours below the DATETIME mark.
      await exec("SET time_zone = '-08:00'; UPDATE clocks SET v = -2, dt = NOW(3), ts = NOW(3) WHERE id = 20");
      const instant = await sync(byTimestamp, 'clocks', {}, ts);
      assert.equal(instant.tables[0]?.processed_rows, 2, 'the row just written, and the one the overlap re-read');
      assert.equal(await digest(byTimestamp, 'clocks'), await digest(source.name, 'clocks'), 'TIMESTAMP: the change arrived');
      const wallClock = await sync(byDatetime, 'clocks', {}, dt);
      assert.equal(wallClock.status, 'completed');
      assert.notEqual(await digest(byDatetime, 'clocks'), await digest(source.name, 'clocks'), 'DATETIME: the row sorts 17 h below the mark, beyond the overlap');
      const verified = await sync(byDatetime, 'clocks', { detect_deletes: true }, dt);
      assert.equal(verified.status, 'failed');
      assert.equal(verified.tables[0]?.error?.code, 'DBF_VERIFY_MISMATCH');
    } finally {
      if (zone === undefined) delete process.env['TZ'];
      else process.env['TZ'] = zone;
    }
  });

  test('a filter keeps the copy the subset, as updates move rows in and out of it', async () => {
    const target = newTarget();
    const input = { filters: { items: "status = 'active'" } };
    const first = await sync(target, 'items', {}, input);
    assert.equal(first.status, 'completed', JSON.stringify(first.tables[0]?.error));
    assert.equal(await digest(target, 'items'), await digest(source.name, 'items', "status = 'active'"));
    await exec(`UPDATE \`${source.name}\`.items SET status = 'archived' WHERE id IN (1, 2);
      UPDATE \`${source.name}\`.items SET status = 'active' WHERE id IN (3, 6);
      UPDATE \`${source.name}\`.items SET price = 99 WHERE id = 9;`);
    const run = await sync(target, 'items', { overlap_seconds: 0, detect_deletes: true }, input);
    assert.equal(run.status, 'completed', JSON.stringify(run.tables[0]?.error));
    assert.equal(run.tables[0]?.verified, true);
    assert.equal(await digest(target, 'items'), await digest(source.name, 'items', "status = 'active'"));
    const bad = await t.runtime.sync.planOneShot({ from: source.url, to: `${writerUrl}/${target}`, tables: ['items'], mode: 'incremental', options: syncOptionsSchema.parse({}), filters: { items: 'no_such_column = 1' } });
    assert.equal(bad.tables[0]?.problem?.code, 'DBF_INVALID_FILTER');
    // A stored function may write, and the same-server path runs the filter inside INSERT … SELECT.
    await exec('CREATE FUNCTION plus_one(x INT) RETURNS INT DETERMINISTIC RETURN x + 1');
    const calling = await t.runtime.sync.planOneShot({ from: source.url, to: `${writerUrl}/${target}`, tables: ['items'], mode: 'incremental', options: syncOptionsSchema.parse({}), filters: { items: 'plus_one(id) > 5' } });
    assert.equal(calling.tables[0]?.problem?.code, 'DBF_INVALID_FILTER');
    assert.match(calling.tables[0]?.problem?.message ?? '', /calls the stored function .*\.plus_one/);
    await assert.rejects(sync(target, 'items', {}, { filters: { items: '1; DROP TABLE items' } }), (e: { code?: string }) => e.code === 'DBF_INVALID_FILTER');
  });

  test('conflict_resolution: error fails on a target row that differs, skip keeps it, overwrite replaces it', async () => {
    const target = newTarget();
    await sync(target, 'items');
    await exec(`UPDATE \`${target}\`.items SET name = 'edited on the copy' WHERE id = 42; UPDATE \`${source.name}\`.items SET price = 7 WHERE id = 42`);
    const failed = await sync(target, 'items', { overlap_seconds: 0, conflict_resolution: 'error' });
    assert.equal(failed.status, 'failed');
    assert.equal(failed.tables[0]?.error?.code, 'DBF_SYNC_CONFLICT');
    assert.match(failed.tables[0]?.error?.message ?? '', /keys 42/);
    const skipped = await sync(target, 'items', { overlap_seconds: 0, conflict_resolution: 'skip' });
    assert.equal(skipped.status, 'completed', JSON.stringify(skipped.tables[0]?.error));
    const [row] = await withMysqlAdmin(async (conn) => (await conn.query(`SELECT name, price FROM \`${target}\`.items WHERE id = 42`))[0] as Array<{ name: string; price: string }>);
    assert.deepEqual([row?.name, row?.price], ['edited on the copy', '10.50']);
    await exec(`UPDATE \`${source.name}\`.items SET price = 8 WHERE id = 42`);
    assert.equal((await sync(target, 'items', { overlap_seconds: 0 })).status, 'completed');
    assert.equal(await digest(target, 'items'), await digest(source.name, 'items'));
  });

  test('an added nullable column is applied; a dropped column stops the table with a hint to copy it in full', async () => {
    await exec(`CREATE TABLE \`${source.name}\`.shapes (id INT PRIMARY KEY AUTO_INCREMENT, label VARCHAR(20), modified_at DATETIME NOT NULL DEFAULT '2026-01-01 00:00:00', KEY (modified_at)) ENGINE=InnoDB;
      INSERT INTO \`${source.name}\`.shapes (label) SELECT CONCAT('s', seq) FROM seq_1_to_50;`);
    const target = newTarget();
    assert.equal((await sync(target, 'shapes')).status, 'completed');
    await exec(`ALTER TABLE \`${source.name}\`.shapes ADD COLUMN colour VARCHAR(10) NULL AFTER label; UPDATE \`${source.name}\`.shapes SET colour = 'red', modified_at = '2027-01-01' WHERE id = 5`);
    const added = await sync(target, 'shapes', { overlap_seconds: 0 });
    assert.equal(added.status, 'completed', JSON.stringify(added.tables[0]?.error));
    assert.equal(await digest(target, 'shapes'), await digest(source.name, 'shapes'));
    await exec(`ALTER TABLE \`${source.name}\`.shapes DROP COLUMN label`);
    const dropped = await sync(target, 'shapes', { overlap_seconds: 0 });
    assert.equal(dropped.status, 'failed');
    assert.equal(dropped.tables[0]?.error?.code, 'DBF_SCHEMA_CHANGED');
    assert.match(dropped.tables[0]?.error?.message ?? '', /label was dropped.*run a full copy/);
    const full = await t.runtime.sync.startOneShot({ from: source.url, to: `${writerUrl}/${target}`, tables: ['shapes'], mode: 'full', options: syncOptionsSchema.parse({}) }, 'cli');
    await waitFor(async () => (await t.runtime.jobs.get(full.job.id)).status === 'completed' || undefined, 30_000, 'the full copy');
    assert.equal(await digest(target, 'shapes'), await digest(source.name, 'shapes'));
  });

  test('a retyped column, or one added NOT NULL without a default, stops the table and leaves the copy and its mark as they were', async () => {
    await exec(`CREATE TABLE gauges (id INT PRIMARY KEY AUTO_INCREMENT, reading SMALLINT, modified_at DATETIME NOT NULL DEFAULT '2026-01-01 00:00:00', KEY (modified_at)) ENGINE=InnoDB;
      INSERT INTO gauges (reading) SELECT seq FROM seq_1_to_40;`);
    const target = newTarget();
    assert.equal((await sync(target, 'gauges')).status, 'completed');
    const before = await digest(target, 'gauges');
    await exec(`ALTER TABLE gauges MODIFY reading INT; UPDATE gauges SET reading = 100000, modified_at = '2027-01-01' WHERE id = 3`);
    const retyped = await sync(target, 'gauges', { overlap_seconds: 0 });
    assert.equal(retyped.status, 'failed');
    assert.equal(retyped.tables[0]?.error?.code, 'DBF_SCHEMA_CHANGED');
    assert.match(retyped.tables[0]?.error?.message ?? '', /reading changed from smallint(\(\d+\))? to int(\(\d+\))?.*run a full copy/);
    assert.equal(await digest(target, 'gauges'), before, 'nothing written to the copy');
    await exec(`UPDATE gauges SET reading = 7 WHERE id = 3; ALTER TABLE gauges MODIFY reading SMALLINT;
      ALTER TABLE gauges ADD COLUMN site VARCHAR(10) NOT NULL`);
    const notNull = await sync(target, 'gauges', { overlap_seconds: 0 });
    assert.equal(notNull.status, 'failed');
    assert.equal(notNull.tables[0]?.error?.code, 'DBF_SCHEMA_CHANGED');
    assert.match(notNull.tables[0]?.error?.message ?? '', /site was added NOT NULL without a default/);
    await exec('ALTER TABLE gauges DROP COLUMN site');
    assert.equal(await digest(target, 'gauges'), before, 'nothing written to the copy');
    const resumed = await sync(target, 'gauges', { overlap_seconds: 0 });
    assert.equal(resumed.status, 'completed', JSON.stringify(resumed.tables[0]?.error));
    assert.equal(resumed.tables[0]?.processed_rows, 1, 'the failed runs left the mark where it was: only the changed row is read');
    assert.equal(await digest(target, 'gauges'), await digest(source.name, 'gauges'));
  });

  test('a table without a cursor, or a cursor that is not one, fails with DBF_NO_CURSOR', async () => {
    await exec(`CREATE TABLE \`${source.name}\`.plain (code VARCHAR(5) PRIMARY KEY, v INT) ENGINE=InnoDB; INSERT INTO \`${source.name}\`.plain VALUES ('a', 1)`);
    const target = newTarget();
    const none = await plan(target, 'plain');
    assert.equal(none.tables[0]?.problem?.code, 'DBF_NO_CURSOR');
    assert.match(none.tables[0]?.problem?.message ?? '', /--cursor plain:COLUMN/);
    const wrong = await plan(target, 'items', {}, { cursors: { items: 'name' } });
    assert.equal(wrong.tables[0]?.problem?.code, 'DBF_NO_CURSOR');
    assert.match(wrong.tables[0]?.problem?.message ?? '', /it could follow: id, updated_at/);
    void MYSQL_URL;
  });
});
