import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { syncOptionsSchema } from '../../src/catalog/sync-config-input.js';
import type { JobView } from '../../src/jobs/job-view.js';
import { MysqlCopySource } from '../../src/engines/mysql/mysql-copy-source.js';
import { mysqlTableSplitter } from '../../src/engines/mysql/mysql-table-split.js';
import { parseConnectionUrl } from '../../src/domain/connection-url.js';
import { createTestRuntime } from '../helpers/runtime.js';
import type { TestRuntime } from '../helpers/runtime.js';
import { createMysqlDatabase, MYSQL_URL, mysqlWriterUrl, randomName, withMysqlAdmin } from '../helpers/servers.js';
import type { TempDatabase } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';

/**
 * Parallel copy within a table (MariaDB → MariaDB through the client path): a large table is cut into
 * key ranges that the lanes copy at once. The copy is exact; the parts read one instant of the source
 * even while it is being written (the readers' snapshots are lined up by a short table lock), and a
 * source user without the LOCK TABLES privilege still gets an exact copy, with a warning.
 */

const ROWS = 60_000;

async function checksum(db: string, table: string): Promise<string> {
  return withMysqlAdmin(async (conn) => {
    const [rows] = await conn.query(`CHECKSUM TABLE \`${db}\`.\`${table}\` EXTENDED`);
    return String((rows as Array<{ Checksum: unknown }>)[0]?.Checksum);
  });
}

async function tablesIn(db: string): Promise<string[]> {
  return withMysqlAdmin(async (conn) => {
    const [rows] = await conn.query('SELECT table_name AS n FROM information_schema.tables WHERE table_schema = ? ORDER BY table_name', [db]);
    return (rows as Array<{ n: string }>).map((r) => r.n);
  });
}

describe('a large table is copied in parts by several lanes at once', () => {
  let t: TestRuntime;
  let source: TempDatabase;
  let writerUrl = '';
  const targets: string[] = [];
  const options = syncOptionsSchema.parse({ max_concurrency: 2, split_min_rows: 1_000, batch_size: 500 });

  before(async () => {
    source = await createMysqlDatabase(`
      CREATE TABLE big (id BIGINT UNSIGNED PRIMARY KEY, label VARCHAR(100) NOT NULL, x DOUBLE, KEY by_label (label)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
      INSERT INTO big SELECT seq * 3, CONCAT('row ', seq, ' ✓'), seq / 7 FROM seq_1_to_${ROWS};
      CREATE TABLE readings (device INT NOT NULL, ts BIGINT NOT NULL, v DOUBLE, PRIMARY KEY (device, ts)) ENGINE=InnoDB;
      INSERT INTO readings SELECT seq % 500, seq, seq * 1.5 FROM seq_1_to_${ROWS};
      CREATE TABLE small (id INT PRIMARY KEY, v INT) ENGINE=InnoDB;
      INSERT INTO small SELECT seq, seq FROM seq_1_to_100;
      ANALYZE TABLE big, readings, small;`);
    // Another user than the target's root: the rows stream through dbferry (the path that reads in parts).
    writerUrl = await mysqlWriterUrl();
    t = await createTestRuntime({ settings: { lease_ms: 10_000 } });
    await t.runtime.startWorker();
  });

  after(async () => {
    await t.close();
    await source.drop();
    await withMysqlAdmin(async (conn) => {
      for (const db of targets) await conn.query(`DROP DATABASE IF EXISTS \`${db}\``);
      await conn.query("DROP USER IF EXISTS 'dbf_nolock'@'127.0.0.1'");
    });
  });

  async function copy(from: string, extra: Partial<typeof options> = {}): Promise<{ view: JobView; target: string; logs: string[] }> {
    const target = randomName('dbf_split');
    targets.push(target);
    const { job } = await t.runtime.sync.startOneShot({ from, to: `${writerUrl}/${target}`, options: { ...options, ...extra } }, 'cli');
    const view = await waitFor<JobView>(async () => {
      const v = await t.runtime.jobs.get(job.id);
      return v.status === 'completed' || v.status === 'failed' || v.status === 'cancelled' ? v : undefined;
    }, 60_000, 'the copy to end');
    const logs = (await t.runtime.jobs.logs(job.id, { limit: 500 })).items.map((e) => e.message);
    return { view, target, logs };
  }

  test('the plan shows the parts, and the copy is exact, verified, with no shadow left', async () => {
    const plan = await t.runtime.sync.planOneShot({ from: source.url, to: `${writerUrl}/${randomName('dbf_plan')}`, options });
    const parts = Object.fromEntries(plan.tables.map((p) => [p.source_table, p.parts]));
    assert.deepEqual(parts, { big: 2, readings: 2, small: 1 });
    assert.equal(plan.lanes, 2);

    const { view, target, logs } = await copy(source.url);
    assert.equal(view.status, 'completed', JSON.stringify(view.tables.map((x) => x.error)));
    assert.ok(logs.includes('big: cut into 2 key ranges on id, copied at once'), logs.join('\n'));
    assert.ok(logs.includes('readings: cut into 2 key ranges on device, copied at once'));
    assert.equal(logs.filter((m) => /^big: part \d of 2 copied/.test(m)).length, 2);
    for (const table of ['big', 'readings', 'small']) assert.equal(await checksum(target, table), await checksum(source.name, table), table);
    assert.deepEqual(view.tables.map((x) => [x.source_table, x.processed_rows, x.verified]).sort(), [['big', ROWS, true], ['readings', ROWS, true], ['small', 100, true]]);
    assert.deepEqual(await tablesIn(target), ['big', 'readings', 'small']);
    // The deferred secondary key was built once, after both parts.
    const [ddl] = await withMysqlAdmin(async (conn) => (await conn.query(`SHOW CREATE TABLE \`${target}\`.big`))[0] as Array<Record<string, string>>);
    assert.match(ddl?.['Create Table'] ?? '', /KEY `by_label` \(`label`\)/);
  });

  test('a source written during the copy still verifies: the parts read one instant', async () => {
    let writing = true;
    let writes = 0;
    const writer = withMysqlAdmin(async (conn) => {
      // Changes in both halves of the key space, committed one by one for the whole copy.
      for (let i = 0; writing; i += 1) {
        await conn.query(`UPDATE \`${source.name}\`.big SET label = CONCAT('changed ', ?) WHERE id IN (?, ?)`, [i, 3 * (1 + (i % 1000)), 3 * (ROWS - (i % 1000))]);
        await conn.query(`INSERT INTO \`${source.name}\`.big VALUES (?, 'new', 0)`, [3 * ROWS + 1 + i]);
        writes += 2;
      }
    });
    try {
      const { view } = await copy(source.url, { batch_size: 100 });
      assert.equal(view.status, 'completed', JSON.stringify(view.tables.map((x) => x.error)));
      assert.ok(view.tables.every((x) => x.verified === true));
    } finally {
      writing = false;
      await writer;
    }
    assert.ok(writes > 20, `the source was written during the copy (${writes} statements)`);
  });

  test('the readers of the parts start their snapshots at one instant while rows are being inserted', async () => {
    const spec = parseConnectionUrl(`${MYSQL_URL}/${source.name}`);
    const readers = await Promise.all([1, 2, 3].map(() => MysqlCopySource.open(spec, { timeoutMs: 5_000 })));
    let writing = true;
    const writer = withMysqlAdmin(async (conn) => {
      for (let i = 0; writing; i += 1) await conn.query(`INSERT INTO \`${source.name}\`.small VALUES (?, 0)`, [1_000 + i]);
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 100));
      for (let round = 0; round < 5; round += 1) {
        const table = await readers[0]!.table('small');
        assert.equal(await mysqlTableSplitter.beginSharedRead(readers, table), true);
        const counts = await Promise.all(readers.map(async (r) => (await r.checksum(table)).rows));
        await Promise.all(readers.map((r) => r.endRead()));
        assert.equal(new Set(counts).size, 1, `every reader sees the same rows: ${counts.join(', ')}`);
      }
    } finally {
      writing = false;
      await writer;
      await Promise.all(readers.map((r) => r.close()));
      await withMysqlAdmin((conn) => conn.query(`DELETE FROM \`${source.name}\`.small WHERE id > 100`));
    }
  });

  test('a source user without LOCK TABLES still gets an exact copy, each part in its own snapshot, and is told', async () => {
    await withMysqlAdmin(async (conn) => {
      await conn.query("CREATE USER IF NOT EXISTS 'dbf_nolock'@'127.0.0.1' IDENTIFIED BY 'nolock-secret'");
      await conn.query(`GRANT SELECT, SHOW VIEW ON \`${source.name}\`.* TO 'dbf_nolock'@'127.0.0.1'`);
    });
    const from = `mysql://dbf_nolock:nolock-secret@${new URL(MYSQL_URL).host}/${source.name}`;
    const { view, target, logs } = await copy(from);
    assert.equal(view.status, 'completed', JSON.stringify(view.tables.map((x) => x.error)));
    assert.ok(logs.some((m) => m.startsWith('big: its 2 parts read in separate snapshots')), logs.join('\n'));
    for (const table of ['big', 'readings', 'small']) assert.equal(await checksum(target, table), await checksum(source.name, table), table);
  });
});
