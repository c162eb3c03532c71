import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkpointKeyOf } from '../../src/sync/table-copier.js';
import type { StoreDb } from '../../src/store/open-store.js';
import { jobEvents, jobRow, waitFor, waitForStatus } from '../helpers/job-fixtures.js';
import { createTestRuntime } from '../helpers/runtime.js';
import type { TestRuntime } from '../helpers/runtime.js';
import { createMysqlDatabase, mysqlWriterUrl, randomName, withMysqlAdmin } from '../helpers/servers.js';
import type { TempDatabase } from '../helpers/servers.js';
import { killAllWorkers, spawnWorker } from '../helpers/worker-process.js';

/**
 * A real copy (MariaDB → MariaDB) whose worker process is killed with -9 in the middle of a table:
 * the next attempt resumes from the last committed chunk (deleting what the target holds past it), in
 * the previous attempt's shadow table renamed to its own, and the copy is exact: no row lost or
 * doubled (CHECKSUM TABLE), no shadow table left behind. Then a cancel of a running copy: it stops
 * within seconds, drops its shadow, and the live table is exactly as before.
 */

const ROWS = 400_000;
/** Rows of 700 bytes: slow enough to copy that both parts are caught mid-way. */
const WIDE_ROWS = 300_000;
const TERMINAL = ['completed', 'failed', 'cancelled'];

async function checkpointOf(db: StoreDb, jobId: string, table: string): Promise<{ rows: number; shadow: string | null } | null> {
  const row = await db.selectFrom('checkpoints').select('data').where('scope_key', '=', checkpointKeyOf(jobId, table)).executeTakeFirst();
  return row ? (JSON.parse(row.data) as { rows: number; shadow: string | null }) : null;
}

async function tablesIn(db: string): Promise<string[]> {
  return withMysqlAdmin(async (conn) => {
    const [rows] = await conn.query('SELECT table_name AS n FROM information_schema.tables WHERE table_schema = ? ORDER BY table_name', [db]);
    return (rows as Array<{ n: string }>).map((r) => r.n);
  });
}

async function checksum(db: string, table: string): Promise<string> {
  return withMysqlAdmin(async (conn) => {
    const [rows] = await conn.query(`CHECKSUM TABLE \`${db}\`.\`${table}\` EXTENDED`);
    return String((rows as Array<{ Checksum: unknown }>)[0]?.Checksum);
  });
}

describe('a copy whose worker is killed -9 mid-table, and a cancelled copy', () => {
  let dir = '';
  let store = '';
  let t: TestRuntime;
  let source: TempDatabase;
  const target = randomName('dbf_dst');
  const splitTarget = randomName('dbf_dst_split');

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dbf-sync-crash-'));
    store = `sqlite:${join(dir, 'store.db')}`;
    source = await createMysqlDatabase(`
      CREATE TABLE big (id BIGINT PRIMARY KEY, label VARCHAR(200) NOT NULL, x DOUBLE, note TEXT) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
      INSERT INTO big SELECT seq, CONCAT('row ', seq, ' 😀 ', REPEAT('é', seq % 40)), seq / 7, IF(seq % 5 = 0, NULL, MD5(seq)) FROM seq_1_to_${ROWS};
      CREATE TABLE wide (id BIGINT PRIMARY KEY, pad VARCHAR(1000) NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=latin1;
      INSERT INTO wide SELECT seq, REPEAT(CHAR(65 + seq % 26), 700) FROM seq_1_to_${WIDE_ROWS};
      ANALYZE TABLE big, wide;`);
    t = await createTestRuntime({ store, settings: { lease_ms: 60_000 } });
    await t.runtime.connections.create({ name: 'src', url: source.url });
    // Another user than the source's: the copy streams through the worker (the path a crash can cut mid-batch).
    await t.runtime.connections.create({ name: 'dst', url: await mysqlWriterUrl() });
    await t.runtime.configs.create({
      name: 'big-copy', source_connection_id: 'src', target_connection_id: 'dst', source_database: source.name, target_database: target,
      options: { batch_size: 200, max_concurrency: 1 }, tables: [{ source_table: 'big' }],
    });
    await t.runtime.configs.create({
      name: 'big-split', source_connection_id: 'src', target_connection_id: 'dst', source_database: source.name, target_database: splitTarget,
      options: { batch_size: 200, max_concurrency: 2, split_min_rows: 1_000 }, tables: [{ source_table: 'wide' }],
    });
    // The worker processes open the sealed password with the same key (they share the store, not the home).
    copyFileSync(join(t.home, 'secret.key'), join(dir, 'secret.key'));
  });

  after(async () => {
    await killAllWorkers();
    await t.close();
    await source.drop();
    await withMysqlAdmin((conn) => conn.query(`DROP DATABASE IF EXISTS \`${target}\`; DROP DATABASE IF EXISTS \`${splitTarget}\``));
    rmSync(dir, { recursive: true, force: true });
  });

  it('resumes at the last committed chunk as attempt 2 and the copy is exact', async () => {
    const db = t.runtime.store.db;
    const a = await spawnWorker({ store, home: dir, leaseMs: 60_000 });
    const job = await t.runtime.jobs.startConfig('big-copy', 'cli');
    await waitFor('worker A to checkpoint 20,000 rows', async () => ((await checkpointOf(db, job.id, 'big'))?.rows ?? 0) >= 20_000, 30_000);
    await a.kill9();
    const atKill = await checkpointOf(db, job.id, 'big');
    assert.ok(atKill !== null && atKill.rows < ROWS, 'A died mid-table');
    assert.ok((await tablesIn(target)).includes(atKill.shadow ?? ''), 'the shadow of attempt 1 is left for the next attempt');

    // The same node starts a worker again: boot reconciliation settles A's job at once (the lease is 60 s).
    const b = await spawnWorker({ store, home: dir, leaseMs: 60_000 });
    const final = await waitForStatus(db, job.id, TERMINAL, 60_000);
    assert.equal(final.status, 'completed', final.error_message ?? '');
    assert.equal(final.attempt, 2);
    assert.equal(final.worker_id, b.workerId);
    const resumed = (await jobEvents(db, job.id, 'job:log')).map((e) => e.message).filter((m) => m.startsWith('resuming big'));
    assert.equal(resumed.length, 1, 'attempt 2 resumed once');
    assert.match(resumed[0] ?? '', new RegExp(`^resuming big after ${atKill.rows} rows \\(\\d+ uncheckpointed rows removed\\)$`));
    assert.deepEqual(await tablesIn(target), ['big'], 'the shadow was swapped in; none is left behind');
    assert.equal(await checksum(target, 'big'), await checksum(source.name, 'big'), 'no row lost or doubled');
    const table = (await t.runtime.jobs.get(job.id)).tables[0];
    assert.deepEqual([table?.status, table?.processed_rows, table?.verified], ['completed', ROWS, true]);
    await b.stop();
  });

  it('a cancelled copy stops within seconds, drops its shadow, and leaves the live table as it was', async () => {
    const db = t.runtime.store.db;
    await withMysqlAdmin((conn) => conn.query(`DELETE FROM \`${target}\`.big WHERE id > 1000`));
    const before = await checksum(target, 'big');
    const worker = await spawnWorker({ store, home: dir, leaseMs: 3_000 });
    const job = await t.runtime.jobs.startConfig('big-copy', 'cli');
    await waitFor('the copy to be under way', async () => ((await checkpointOf(db, job.id, 'big'))?.rows ?? 0) >= 2_000, 30_000);
    const cancelledAt = Date.now();
    await t.runtime.jobs.cancel(job.id);
    const final = await waitForStatus(db, job.id, TERMINAL, 15_000);
    assert.equal(final.status, 'cancelled');
    assert.ok(Date.now() - cancelledAt < 6_000, `stopped ${Date.now() - cancelledAt} ms after the cancel`);
    assert.equal((await jobRow(db, job.id)).status, 'cancelled');
    await waitFor('the shadow table to be dropped', async () => (await tablesIn(target)).length === 1, 5_000);
    assert.deepEqual(await tablesIn(target), ['big']);
    assert.equal(await checksum(target, 'big'), before, 'the live table is untouched');
    await worker.stop();
  });

  it('a table copied in two parts by two lanes resumes each part at its own checkpoint and is exact', async () => {
    const db = t.runtime.store.db;
    const partRows = async (jobId: string): Promise<number[]> => {
      const rows = await db.selectFrom('checkpoints').select(['scope_key', 'data']).where('scope_key', 'like', `${checkpointKeyOf(jobId, 'wide')}:part:%`).orderBy('scope_key').execute();
      return rows.map((r) => (JSON.parse(r.data) as { rows: number }).rows);
    };
    const a = await spawnWorker({ store, home: dir, leaseMs: 60_000 });
    const job = await t.runtime.jobs.startConfig('big-split', 'cli');
    await waitFor('both parts to checkpoint', async () => {
      const rows = await partRows(job.id);
      return rows.length === 2 && rows.every((n) => n >= 5_000);
    }, 30_000);
    await a.kill9();
    const atKill = await partRows(job.id);
    assert.ok(atKill.every((n) => n < WIDE_ROWS / 2), `A died inside both parts (${atKill.join(', ')})`);

    const b = await spawnWorker({ store, home: dir, leaseMs: 60_000 });
    const final = await waitForStatus(db, job.id, TERMINAL, 60_000);
    assert.equal(final.status, 'completed', final.error_message ?? '');
    assert.equal(final.attempt, 2);
    const logs = (await jobEvents(db, job.id, 'job:log')).map((e) => e.message);
    const resumed = logs.filter((m) => m.startsWith('resuming wide'));
    assert.deepEqual(resumed.map((m) => m.replace(/\(\d+ uncheckpointed/, '(N uncheckpointed')), [`resuming wide after ${atKill[0]! + atKill[1]!} rows (N uncheckpointed rows removed)`]);
    assert.equal(logs.filter((m) => m === 'wide: cut into 2 key ranges on id, copied at once').length, 2, 'both attempts copied in two parts');
    assert.deepEqual(await tablesIn(splitTarget), ['wide'], 'the shadow was swapped in; none is left behind');
    assert.equal(await checksum(splitTarget, 'wide'), await checksum(source.name, 'wide'), 'no row lost or doubled');
    const table = (await t.runtime.jobs.get(job.id)).tables[0];
    assert.deepEqual([table?.status, table?.processed_rows, table?.verified], ['completed', WIDE_ROWS, true]);
    await b.stop();
  });
});
