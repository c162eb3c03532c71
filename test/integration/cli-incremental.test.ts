import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { JobView } from '../../src/jobs/job-view.js';
import type { SyncPlan } from '../../src/sync/sync-planner.js';
import { dbferry } from '../helpers/cli.js';
import { createMysqlDatabase, MYSQL_URL, mysqlWriterUrl, randomName, withMysqlAdmin } from '../helpers/servers.js';
import type { TempDatabase } from '../helpers/servers.js';

/**
 * Incremental sync as a user drives it, through the CLI: `sync --mode incremental` with `--cursor`,
 * `--overlap`, `--where` and `--detect-deletes` (the plan names the cursor; repeating the command reads
 * only what changed, even with other credentials for the same ends, since the mark is kept by server,
 * database and table, not by user or password), and a saved config whose table is incremental, run
 * as jobs with `dbferry run --wait`. After each run the copy equals the source (filtered) by CHECKSUM.
 */

async function checksum(db: string, table: string, where = '1'): Promise<string> {
  return withMysqlAdmin(async (conn) => {
    const [rows] = await conn.query(`SELECT COUNT(*) AS n, BIT_XOR(CRC32(CONCAT_WS('|', id, name, status, price, updated_at))) AS x FROM \`${db}\`.\`${table}\` WHERE ${where}`);
    const [r] = rows as Array<{ n: unknown; x: unknown }>;
    return `${String(r?.n)}:${String(r?.x)}`;
  });
}

describe('dbferry sync --mode incremental and incremental configs, through the CLI', () => {
  let home: string;
  let source: TempDatabase;
  let writerUrl = '';
  const targets: string[] = [];
  const run = (args: string[]) => dbferry(['--home', home, '--log-level', 'silent', ...args], { cwd: home });
  const target = (): string => {
    const name = randomName('dbf_cli_inc');
    targets.push(name);
    return name;
  };
  const resultOf = (stdout: string): JobView => {
    const last = stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; data?: JobView }).find((line) => line.type === 'result');
    assert.ok(last?.data, `a result line in:\n${stdout}`);
    return last.data;
  };
  const exec = (sql: string): Promise<unknown> => withMysqlAdmin((conn) => conn.query(`USE \`${source.name}\`; ${sql}`));

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'dbferry-cli-inc-'));
    source = await createMysqlDatabase(`
      CREATE TABLE items (id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(40) NOT NULL, status VARCHAR(10) NOT NULL,
        price DECIMAL(10,2) NOT NULL, updated_at DATETIME(3) NOT NULL, created_at DATETIME NOT NULL DEFAULT '2026-01-01', KEY (updated_at));
      INSERT INTO items (name, status, price, updated_at) SELECT CONCAT('item ', seq), IF(seq % 4 = 0, 'archived', 'active'), seq / 8, '2026-03-01' + INTERVAL seq SECOND FROM seq_1_to_2000;`);
    writerUrl = await mysqlWriterUrl();
  });

  after(async () => {
    await source.drop();
    await withMysqlAdmin(async (conn) => {
      for (const name of targets) await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
    });
    rmSync(home, { recursive: true, force: true });
  });

  test('sync: the plan names the cursor; the same command then reads only the changes, with other credentials too; deletes go with --detect-deletes', async () => {
    const dst = target();
    const flags = ['--tables', 'items', '--mode', 'incremental', '--cursor', 'items:updated_at', '--overlap', '0'];
    const planned = await run(['--json', 'sync', '--from', source.url, '--to', `${writerUrl}/${dst}`, ...flags, '--dry-run']);
    assert.equal(planned.exitCode, 0, planned.stderr);
    const plan = (JSON.parse(planned.stdout) as { data: SyncPlan }).data;
    assert.deepEqual(plan.tables[0]?.cursor, { column: 'updated_at', how: 'configured', indexed: true });
    assert.match(plan.tables[0]?.incremental ?? '', /^full copy \(no mark yet\)/);
    const human = await run(['sync', '--from', source.url, '--to', `${writerUrl}/${dst}`, ...flags, '--dry-run']);
    assert.match(human.stdout, /incremental on updated_at \(configured\): full copy/);

    const first = await run(['--json', 'sync', '--from', source.url, '--to', `${writerUrl}/${dst}`, ...flags]);
    assert.equal(first.exitCode, 0, first.stderr);
    const firstJob = resultOf(first.stdout);
    assert.deepEqual([firstJob.tables[0]?.processed_rows, firstJob.tables[0]?.cursor_column, firstJob.tables[0]?.verified], [2000, 'updated_at', true]);
    assert.equal(await checksum(dst, 'items'), await checksum(source.name, 'items'));

    await exec(`UPDATE items SET price = price + 1, updated_at = '2026-06-01' + INTERVAL id SECOND WHERE id IN (5, 900, 1999);
      INSERT INTO items (name, status, price, updated_at) VALUES ('new', 'active', 1, '2026-06-02');
      DELETE FROM items WHERE id IN (10, 1500);`);
    // The same ends as another user (root instead of the writer): the mark is found all the same.
    const next = await run(['--json', 'sync', '--from', source.url, '--to', `${MYSQL_URL}/${dst}`, ...flags]);
    assert.equal(next.exitCode, 0, next.stderr);
    const nextJob = resultOf(next.stdout);
    assert.equal(nextJob.tables[0]?.processed_rows, 4, 'the 3 updated and 1 inserted rows, nothing else');
    assert.equal(nextJob.tables[0]?.verified, null, 'without delete detection the copy may hold deleted rows, so it is not verified');
    assert.notEqual(await checksum(dst, 'items'), await checksum(source.name, 'items'), 'the 2 deleted rows are still in the copy');

    const deletes = await run(['sync', '--from', source.url, '--to', `${writerUrl}/${dst}`, ...flags, '--detect-deletes']);
    assert.equal(deletes.exitCode, 0, deletes.stderr);
    assert.match(deletes.stdout, /completed in .*verified/);
    assert.equal(await checksum(dst, 'items'), await checksum(source.name, 'items'));
    const logs = await run(['jobs', 'logs', (JSON.parse((await run(['--json', 'jobs', 'ls', '--limit', '1'])).stdout) as { data: JobView[] }).data[0]?.id ?? '']);
    assert.match(logs.stdout, /items: 0 changed rows copied .*2 deleted/);
  });

  test('a config whose table is incremental, with a cursor and a filter, runs as jobs: the first copies the subset, the next only what changed', async () => {
    const dst = target();
    const name = randomName('inc');
    assert.equal((await run(['conn', 'add', `${name}_src`, source.url])).exitCode, 0);
    const added = await run(['conn', 'add', `${name}_dst`, writerUrl]);
    assert.equal(added.exitCode, 0, added.stderr);
    const file = join(home, `${name}.yaml`);
    writeFileSync(file, [
      `name: ${name}`,
      `source_connection_id: ${name}_src`,
      `target_connection_id: ${name}_dst`,
      `source_database: ${source.name}`,
      `target_database: ${dst}`,
      'options: { overlap_seconds: 0, detect_deletes: true }',
      'tables:',
      '  - source_table: items',
      '    sync_mode: incremental',
      '    cursor_column: updated_at',
      `    where_clause: "status = 'active'"`,
      '',
    ].join('\n'));
    const created = await run(['config', 'create', file]);
    assert.equal(created.exitCode, 0, created.stderr);
    const latestJob = async (): Promise<JobView> => {
      const listed = JSON.parse((await run(['--json', 'jobs', 'ls', '--limit', '1'])).stdout) as { data: JobView[] };
      return JSON.parse((await run(['--json', 'jobs', 'show', listed.data[0]?.id ?? ''])).stdout).data as JobView;
    };

    const first = await run(['run', name, '--wait']);
    assert.equal(first.exitCode, 0, first.stderr);
    const firstJob = await latestJob();
    assert.equal(firstJob.config_name, name);
    assert.equal(firstJob.tables[0]?.cursor_column, 'updated_at');
    assert.equal(await checksum(dst, 'items'), await checksum(source.name, 'items', "status = 'active'"));

    // One row leaves the subset, one joins it, one changes inside it, one is deleted.
    await exec(`UPDATE items SET status = 'archived', updated_at = '2026-07-01 00:00:01' WHERE id = 1;
      UPDATE items SET status = 'active', updated_at = '2026-07-01 00:00:02' WHERE id = 4;
      UPDATE items SET price = 0, updated_at = '2026-07-01 00:00:03' WHERE id = 2;
      DELETE FROM items WHERE id = 3;`);
    const second = await run(['run', name, '--wait']);
    assert.equal(second.exitCode, 0, second.stderr);
    const secondJob = await latestJob();
    assert.notEqual(secondJob.id, firstJob.id);
    assert.equal(secondJob.tables[0]?.processed_rows, 2, 'the two rows now in the subset were copied, nothing else');
    const logs = await run(['jobs', 'logs', secondJob.id]);
    assert.match(logs.stdout, /items: 1 row deleted that the source no longer has/);
    assert.match(logs.stdout, /items: 2 changed rows copied since .*, 2 deleted;/, 'the row that left the subset and the deleted one');
    assert.equal(secondJob.tables[0]?.verified, true);
    assert.equal(await checksum(dst, 'items'), await checksum(source.name, 'items', "status = 'active'"));
  });
});
