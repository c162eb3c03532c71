import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { syncOptionsSchema } from '../../src/catalog/sync-config-input.js';
import type { JobView } from '../../src/jobs/job-view.js';
import { createTestRuntime } from '../helpers/runtime.js';
import type { TestRuntime } from '../helpers/runtime.js';
import { createMysqlDatabase, MYSQL_URL, randomName, withMysqlAdmin } from '../helpers/servers.js';
import type { TempDatabase } from '../helpers/servers.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import type { TcpProxy } from '../helpers/tcp-proxy.js';
import { waitFor } from '../helpers/wait.js';

/**
 * The source's connections cut mid-stream by a real TCP proxy (every socket destroyed, new ones
 * refused for a second): the table is retried on fresh sessions from its checkpoint, within the same
 * attempt, and the copy completes exact (CHECKSUM TABLE) with the retry in the job's log.
 */

const ROWS = 300_000;

async function checksum(db: string, table: string): Promise<string> {
  return withMysqlAdmin(async (conn) => {
    const [rows] = await conn.query(`CHECKSUM TABLE \`${db}\`.\`${table}\` EXTENDED`);
    return String((rows as Array<{ Checksum: unknown }>)[0]?.Checksum);
  });
}

describe('a copy whose source connection is cut mid-stream', () => {
  let t: TestRuntime;
  let source: TempDatabase;
  let proxy: TcpProxy;
  const target = randomName('dbf_dst');

  before(async () => {
    source = await createMysqlDatabase(`
      CREATE TABLE big (id INT PRIMARY KEY, label VARCHAR(100) NOT NULL, x DOUBLE, pad VARCHAR(400)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
      INSERT INTO big SELECT seq, CONCAT('row ', seq, ' ✓'), seq / 3, REPEAT(CHAR(65 + seq % 26), 300) FROM seq_1_to_${ROWS};`);
    proxy = await startTcpProxy({ port: Number(new URL(MYSQL_URL).port || 3306) });
    t = await createTestRuntime({ settings: { lease_ms: 10_000 } });
  });

  after(async () => {
    await t.close();
    await proxy.close();
    await source.drop();
    await withMysqlAdmin((conn) => conn.query(`DROP DATABASE IF EXISTS \`${target}\``));
  });

  it('retries the table from its checkpoint on fresh sessions and completes exact, in the same attempt', async () => {
    const from = `mysql://root@127.0.0.1:${proxy.port}/${source.name}`;
    const { job } = await t.runtime.sync.startOneShot({ from, to: `${MYSQL_URL}/${target}`, options: syncOptionsSchema.parse({ batch_size: 1000, max_concurrency: 1 }) }, 'cli');
    await t.runtime.startWorker();
    // Rows are wide enough (about 100 MiB in all) that the stream is still running when the cut comes.
    await waitFor(async () => ((await t.runtime.jobs.get(job.id)).tables[0]?.processed_rows ?? 0) >= 30_000, 30_000, 'the copy to be under way');
    proxy.cut();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    proxy.restore();
    const done = await waitFor<JobView>(async () => {
      const view = await t.runtime.jobs.get(job.id);
      return view.status === 'completed' || view.status === 'failed' ? view : undefined;
    }, 60_000, 'the job to end');
    assert.equal(done.status, 'completed', JSON.stringify(done.tables[0]?.error));
    assert.equal(done.attempt, 1, 'retried inside the attempt, not reaped');
    assert.ok(proxy.refused > 0 || proxy.accepted > 2, 'the cut was felt');
    const logs = await t.runtime.jobs.logs(job.id, { level: 'warn' });
    assert.ok(logs.items.some((e) => /^big: .*retrying in \d+ ms from its checkpoint/.test(e.message)), 'the retry is in the log');
    const resumed = (await t.runtime.jobs.logs(job.id, {})).items.filter((e) => e.message.startsWith('resuming big after'));
    assert.equal(resumed.length, 1, 'the retry resumed from the checkpoint rather than starting over');
    assert.deepEqual([done.tables[0]?.processed_rows, done.tables[0]?.verified], [ROWS, true]);
    assert.equal(await checksum(target, 'big'), await checksum(source.name, 'big'));
  });
});
