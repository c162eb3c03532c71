import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import type { JobView } from '../../src/jobs/job-view.js';
import { syncOptionsSchema } from '../../src/catalog/sync-config-input.js';
import { DbfError } from '../../src/domain/errors.js';
import type { SyncConfigView } from '../../src/catalog/sync-config-view.js';
import { createTestRuntime, call, dataOf } from '../helpers/runtime.js';
import type { TestRuntime } from '../helpers/runtime.js';
import { waitFor } from '../helpers/wait.js';

const BASE = '/api/sync';

describe('API: jobs of sync configs', () => {
  let t: TestRuntime;
  let nightly: SyncConfigView;

  const config = (name: string, target: string, extra: Record<string, unknown> = {}) => ({
    name, source_connection_id: 'src', target_connection_id: 'dst', tables: [{ source_table: 'customers', target_table: target }], ...extra,
  });

  before(async () => {
    t = await createTestRuntime({ settings: { lease_ms: 3000 } });
    const source = join(t.home, 'source.db');
    const db = new SqliteDatabase(source);
    db.exec('CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers VALUES (1, \'Ada\');');
    db.close();
    const target = join(t.home, 'target.db');
    new SqliteDatabase(target).close();
    assert.equal((await call(t.app, 'POST', `${BASE}/connections`, { name: 'src', url: `sqlite:${source}` })).status, 201);
    assert.equal((await call(t.app, 'POST', `${BASE}/connections`, { name: 'dst', url: `sqlite:${target}` })).status, 201);
    nightly = dataOf<SyncConfigView>(await call(t.app, 'POST', `${BASE}/configs`, config('nightly', 'customers')));
  });
  after(() => t.close());

  it('starts one job per config: a second start is 409 DBF_JOB_ALREADY_ACTIVE', async () => {
    const first = await call(t.app, 'POST', `${BASE}/jobs`, { config_id: nightly.id });
    assert.equal(first.status, 201, first.text);
    const job = dataOf<JobView>(first);
    assert.equal(job.config_id, nightly.id);
    assert.equal(job.config_name, 'nightly');
    assert.deepEqual(job.tables.map((x) => [x.source_table, x.target_table, x.mode]), [['customers', 'customers', 'full']]);
    const second = await call(t.app, 'POST', `${BASE}/jobs`, { config_id: 'nightly' });
    assert.equal(second.status, 409);
    assert.equal(second.body.error?.code, 'DBF_JOB_ALREADY_ACTIVE');
  });

  it('keeps one writer per target table across configs (409 DBF_TARGET_BUSY)', async () => {
    const other = dataOf<SyncConfigView>(await call(t.app, 'POST', `${BASE}/configs`, config('also-customers', 'customers')));
    const reply = await call(t.app, 'POST', `${BASE}/jobs`, { config_id: other.id });
    assert.equal(reply.status, 409);
    assert.equal(reply.body.error?.code, 'DBF_TARGET_BUSY');
    assert.match(reply.body.error?.message ?? '', /customers/);
  });

  it('keeps one writer per target table between a config job and a one-shot sync', async () => {
    const options = syncOptionsSchema.parse({});
    await assert.rejects(
      t.runtime.sync.startOneShot({ from: `sqlite:${join(t.home, 'source.db')}`, to: `sqlite:${join(t.home, 'target.db')}`, tables: ['customers'], options }, 'cli'),
      (error: unknown) => error instanceof DbfError && error.code === 'DBF_TARGET_BUSY',
    );
    assert.equal((await t.runtime.jobs.active()).length, 1, 'the refused sync left no job behind');
  });

  it('refuses to delete a config or its connections under an active job', async () => {
    const config = await call(t.app, 'DELETE', `${BASE}/configs/nightly`);
    assert.equal(config.status, 409);
    assert.equal(config.body.error?.code, 'DBF_SYNC_CONFIG_BUSY');
    assert.equal((await call(t.app, 'DELETE', `${BASE}/connections/src`)).status, 409);
  });

  it('runs the job on a worker: the table is copied and verified, and the config may run again', async () => {
    await t.runtime.startWorker();
    const [active] = dataOf<JobView[]>(await call(t.app, 'GET', `${BASE}/jobs/active`));
    assert.ok(active);
    const done = await waitFor(async () => {
      const view = dataOf<JobView>(await call(t.app, 'GET', `${BASE}/jobs/${active.id}`));
      return view.status === 'completed' || view.status === 'failed' ? view : undefined;
    });
    assert.equal(done.status, 'completed', JSON.stringify(done.error));
    assert.deepEqual([done.tables[0]?.status, done.tables[0]?.processed_rows, done.tables[0]?.verified], ['completed', 1, true]);
    const copy = new SqliteDatabase(join(t.home, 'target.db'), { readonly: true });
    assert.deepEqual(copy.prepare('SELECT id, name FROM customers').all(), [{ id: 1, name: 'Ada' }]);
    copy.close();
    assert.equal((await call(t.app, 'POST', `${BASE}/jobs`, { config_id: nightly.id })).status, 201, 'the config may run again once its job ended');
  });

  it('dry-run answers the plan and changes nothing; unknown configs are 404', async () => {
    const reply = await call(t.app, 'POST', `${BASE}/configs/nightly/dry-run`);
    assert.equal(reply.status, 200, reply.text);
    const plan = dataOf<{ tables: Array<{ source_table: string; action: string; row_estimate: number; chunking: string }> }>(reply);
    assert.deepEqual(plan.tables.map((x) => [x.source_table, x.action, x.row_estimate]), [['customers', 'replace', 1]]);
    assert.match(plan.tables[0]?.chunking ?? '', /keyset chunks over \(id\)/);
    assert.equal((await call(t.app, 'POST', `${BASE}/configs/nope/dry-run`)).status, 404);
  });

  it('refuses to start a disabled config', async () => {
    const disabled = dataOf<SyncConfigView>(await call(t.app, 'POST', `${BASE}/configs`, config('off', 'customers_off', { enabled: false })));
    const reply = await call(t.app, 'POST', `${BASE}/jobs`, { config_id: disabled.id });
    assert.equal(reply.status, 409);
    assert.equal(reply.body.error?.code, 'DBF_SYNC_CONFIG_DISABLED');
  });
});

describe('API: history retention', () => {
  it('prunes only finished jobs older than the given age, never active ones', async () => {
    const t = await createTestRuntime({ settings: { allow_test_jobs: true } });
    try {
      const { jobs, store } = t.runtime;
      const old = await jobs.startTest({ tables: [] }, 'api');
      await jobs.cancel(old.id);
      await store.db.updateTable('jobs').set({ finished_at_ms: Date.now() - 40 * 86_400_000 }).where('id', '=', old.id).execute();
      const recent = await jobs.startTest({ tables: [] }, 'api');
      await jobs.cancel(recent.id);
      const active = await jobs.startTest({ tables: [] }, 'api');
      const bad = await call(t.app, 'DELETE', `${BASE}/jobs/history?older_than_days=0`);
      assert.equal(bad.status, 400);
      const reply = await call(t.app, 'DELETE', `${BASE}/jobs/history?older_than_days=30`);
      assert.equal(reply.status, 200, reply.text);
      assert.equal(dataOf<{ deleted: number }>(reply).deleted, 1);
      assert.equal((await call(t.app, 'GET', `${BASE}/jobs/${old.id}`)).status, 404);
      assert.equal((await call(t.app, 'GET', `${BASE}/jobs/${recent.id}`)).status, 200);
      assert.equal(dataOf<JobView>(await call(t.app, 'GET', `${BASE}/jobs/${active.id}`)).status, 'pending');
      assert.equal((await store.db.selectFrom('job_events').select('id').where('job_id', '=', old.id).execute()).length, 0);
    } finally {
      await t.close();
    }
  });
});
