import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { StoreDb } from '../../src/store/open-store.js';
import { waitFor, waitForStatus } from '../helpers/job-fixtures.js';
import { createTestRuntime } from '../helpers/runtime.js';
import type { TestRuntime } from '../helpers/runtime.js';
import { createMysqlDatabase, mysqlWriterUrl, randomName, withMysqlAdmin } from '../helpers/servers.js';
import type { TempDatabase } from '../helpers/servers.js';
import { killAllWorkers, spawnWorker } from '../helpers/worker-process.js';

/**
 * An incremental run (MariaDB → MariaDB) whose worker is killed with -9 while it applies changes: the
 * mark it saved covers only committed batches, so the next attempt reads on from it (not from the
 * start) and the copy equals the source: no change lost, none applied twice in a way that shows.
 */

const ROWS = 200_000;
const TERMINAL = ['completed', 'failed', 'cancelled'];

async function checksum(db: string, table: string): Promise<string> {
  return withMysqlAdmin(async (conn) => {
    const [rows] = await conn.query(`CHECKSUM TABLE \`${db}\`.\`${table}\` EXTENDED`);
    return String((rows as Array<{ Checksum: unknown }>)[0]?.Checksum);
  });
}

async function markOf(db: StoreDb): Promise<string | null> {
  const row = await db.selectFrom('checkpoints').select('data').where('scope_key', 'like', 'sync:%:wide').executeTakeFirst();
  return row ? row.data : null;
}

describe('an incremental run whose worker is killed -9 mid-run', () => {
  let dir = '';
  let store = '';
  let t: TestRuntime;
  let source: TempDatabase;
  const target = randomName('dbf_inc_crash');

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dbf-inc-crash-'));
    store = `sqlite:${join(dir, 'store.db')}`;
    source = await createMysqlDatabase(`
      CREATE TABLE wide (id BIGINT PRIMARY KEY, pad VARCHAR(800) NOT NULL, updated_at DATETIME(3) NOT NULL, KEY (updated_at)) ENGINE=InnoDB DEFAULT CHARSET=latin1;
      INSERT INTO wide SELECT seq, REPEAT(CHAR(65 + seq % 26), 600), '2026-01-01' + INTERVAL seq SECOND FROM seq_1_to_${ROWS};`);
    t = await createTestRuntime({ store, settings: { lease_ms: 60_000 } });
    await t.runtime.connections.create({ name: 'src', url: source.url });
    await t.runtime.connections.create({ name: 'dst', url: await mysqlWriterUrl() });
    await t.runtime.configs.create({
      name: 'wide-inc', source_connection_id: 'src', target_connection_id: 'dst', source_database: source.name, target_database: target,
      options: { batch_size: 1000, overlap_seconds: 0 }, tables: [{ source_table: 'wide', sync_mode: 'incremental' }],
    });
    copyFileSync(join(t.home, 'secret.key'), join(dir, 'secret.key'));
  });

  after(async () => {
    await killAllWorkers();
    await t.close();
    await source.drop();
    await withMysqlAdmin((conn) => conn.query(`DROP DATABASE IF EXISTS \`${target}\``));
    rmSync(dir, { recursive: true, force: true });
  });

  it('resumes from the last saved mark as attempt 2 and the copy equals the source', async () => {
    const db = t.runtime.store.db;
    const worker = await spawnWorker({ store, home: dir, leaseMs: 60_000 });
    const first = await t.runtime.jobs.startConfig('wide-inc', 'cli');
    assert.equal((await waitForStatus(db, first.id, TERMINAL, 120_000)).status, 'completed');
    const initialMark = await markOf(db);
    assert.ok(initialMark !== null, 'the full first run recorded a mark');
    await worker.stop();

    // Every row changes: the next run has 200,000 rows to apply.
    await withMysqlAdmin((conn) => conn.query(`UPDATE \`${source.name}\`.wide SET pad = REPEAT(CHAR(97 + id % 26), 600), updated_at = '2026-06-01' + INTERVAL id SECOND`));
    const a = await spawnWorker({ store, home: dir, leaseMs: 60_000 });
    const job = await t.runtime.jobs.startConfig('wide-inc', 'cli');
    await waitFor('the incremental run to save a mark past the first one', async () => {
      const mark = await markOf(db);
      return mark !== null && mark !== initialMark;
    }, 30_000);
    await a.kill9();
    const atKill = (await t.runtime.jobs.get(job.id)).tables[0]?.processed_rows ?? 0;
    assert.ok(atKill < ROWS, `killed mid-run (${atKill} rows applied)`);

    const b = await spawnWorker({ store, home: dir, leaseMs: 60_000 });
    const final = await waitForStatus(db, job.id, TERMINAL, 120_000);
    assert.equal(final.status, 'completed', final.error_message ?? '');
    assert.equal(final.attempt, 2);
    const resumedRows = (await t.runtime.jobs.get(job.id)).tables[0]?.processed_rows ?? 0;
    assert.ok(resumedRows > 0 && resumedRows < ROWS, `attempt 2 read on from the mark (${resumedRows} rows), not from the start`);
    assert.equal(await checksum(target, 'wide'), await checksum(source.name, 'wide'), 'no change lost or doubled');
    await b.stop();
  });
});
