import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type { StoreDb } from '../../src/store/open-store.js';
import { waitFor, waitForStatus } from '../helpers/job-fixtures.js';
import { createTestRuntime } from '../helpers/runtime.js';
import type { TestRuntime } from '../helpers/runtime.js';
import { killAllWorkers, spawnWorker } from '../helpers/worker-process.js';

/**
 * An incremental run (SQLite → SQLite) whose worker is killed with -9 while it applies changes: the
 * target file is left with a half-written transaction (SQLite rolls it back when the file is next
 * opened), and the mark saved in the store covers only committed batches, so the next attempt reads on
 * from it (not from the start) and the copy equals the source: no change lost, none applied twice.
 */

const ROWS = 300_000;
const TERMINAL = ['completed', 'failed', 'cancelled'];

/** Every row, with its storage classes, hashed in key order: equal iff the tables are. */
function checksum(file: string): string {
  const db = new Database(file, { readonly: true });
  try {
    const hash = createHash('md5');
    for (const row of db.prepare('SELECT id, typeof(pad), pad, typeof(updated_at), updated_at FROM wide ORDER BY id').raw(true).iterate()) hash.update(`${JSON.stringify(row)}\n`);
    return hash.digest('hex');
  } finally {
    db.close();
  }
}

async function markOf(db: StoreDb): Promise<string | null> {
  const row = await db.selectFrom('checkpoints').select('data').where('scope_key', 'like', 'sync:%:wide').executeTakeFirst();
  return row ? row.data : null;
}

describe('an incremental SQLite run whose worker is killed -9 mid-run', () => {
  let dir = '';
  let store = '';
  let sourceFile = '';
  let targetFile = '';
  let t: TestRuntime;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dbf-inc-crash-sqlite-'));
    store = `sqlite:${join(dir, 'store.db')}`;
    sourceFile = join(dir, 'source.db');
    targetFile = join(dir, 'target.db');
    const source = new Database(sourceFile);
    source.exec(`CREATE TABLE wide (id INTEGER PRIMARY KEY, pad TEXT NOT NULL, updated_at DATETIME NOT NULL);
      CREATE INDEX wide_updated ON wide (updated_at);
      WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ${ROWS})
      INSERT INTO wide SELECT n, printf('%.300c', char(65 + n % 26)), strftime('%Y-%m-%d %H:%M:%f', '2026-01-01', '+' || n || ' seconds') FROM seq;`);
    source.close();
    new Database(targetFile).close();
    t = await createTestRuntime({ store, settings: { lease_ms: 60_000 } });
    await t.runtime.connections.create({ name: 'src', url: `sqlite:${sourceFile}` });
    await t.runtime.connections.create({ name: 'dst', url: `sqlite:${targetFile}` });
    await t.runtime.configs.create({
      name: 'wide-inc', source_connection_id: 'src', target_connection_id: 'dst',
      options: { batch_size: 1000, overlap_seconds: 0 }, tables: [{ source_table: 'wide', sync_mode: 'incremental' }],
    });
  });

  after(async () => {
    await killAllWorkers();
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('resumes from the last saved mark as attempt 2 and the copy equals the source', async (ctx) => {
    const db = t.runtime.store.db;
    const worker = await spawnWorker({ store, home: dir, leaseMs: 60_000 });
    const first = await t.runtime.jobs.startConfig('wide-inc', 'cli');
    assert.equal((await waitForStatus(db, first.id, TERMINAL, 120_000)).status, 'completed');
    const initialMark = await markOf(db);
    assert.ok(initialMark !== null, 'the full first run recorded a mark');
    await worker.stop();

    // Every row changes: the next run has every row to apply.
    const source = new Database(sourceFile);
    source.exec("UPDATE wide SET pad = printf('%.300c', char(97 + id % 26)), updated_at = strftime('%Y-%m-%d %H:%M:%f', '2026-06-01', '+' || id || ' seconds')");
    source.close();
    const a = await spawnWorker({ store, home: dir, leaseMs: 60_000 });
    const job = await t.runtime.jobs.startConfig('wide-inc', 'cli');
    await waitFor('the incremental run to save a mark past the first one', async () => {
      const mark = await markOf(db);
      return mark !== null && mark !== initialMark;
    }, 60_000);
    await a.kill9();
    const atKill = (await t.runtime.jobs.get(job.id)).tables[0]?.processed_rows ?? 0;
    assert.ok(atKill < ROWS, `killed mid-run (${atKill} rows applied)`);

    const b = await spawnWorker({ store, home: dir, leaseMs: 60_000 });
    const final = await waitForStatus(db, job.id, TERMINAL, 120_000);
    assert.equal(final.status, 'completed', final.error_message ?? '');
    assert.equal(final.attempt, 2);
    const resumedRows = (await t.runtime.jobs.get(job.id)).tables[0]?.processed_rows ?? 0;
    assert.ok(resumedRows > 0 && resumedRows < ROWS, `attempt 2 read on from the mark (${resumedRows} rows), not from the start`);
    ctx.diagnostic(`killed after ${atKill} rows applied; attempt 2 applied ${resumedRows}`);
    assert.equal(checksum(targetFile), checksum(sourceFile), 'no change lost or doubled');
    await b.stop();
  });
});
