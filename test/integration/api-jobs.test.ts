import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { JobView } from '../../src/jobs/job-view.js';
import type { JobEventView } from '../../src/jobs/job-service.js';
import type { JobStats } from '../../src/jobs/job-stats.js';
import type { Zombie } from '../../src/jobs/doctor.js';
import { createTestRuntime, call, dataOf } from '../helpers/runtime.js';
import type { TestRuntime } from '../helpers/runtime.js';
import { createMysqlDatabase, createPostgresDatabase } from '../helpers/servers.js';
import type { TempDatabase } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';

const BASE = '/api/sync';
const quick = (name: string, rows = 200) => ({ test: { tables: [{ name, rows }], step_rows: 50, step_ms: 5 } });
const slow = { test: { tables: [{ name: 'slow', rows: 1_000_000 }], step_rows: 10, step_ms: 50 } };

for (const dialect of ['sqlite', 'postgres', 'mysql'] as const) describe(`API: jobs (${dialect} store)`, () => {
  let t: TestRuntime;
  let storeDb: TempDatabase | null = null;

  const job = async (id: string): Promise<JobView> => dataOf<JobView>(await call(t.app, 'GET', `${BASE}/jobs/${id}`));
  const until = (id: string, status: string) => waitFor(async () => ((await job(id)).status === status ? job(id) : undefined), 10_000, `job ${id} ${status}`);

  before(async () => {
    storeDb = dialect === 'postgres' ? await createPostgresDatabase() : dialect === 'mysql' ? await createMysqlDatabase() : null;
    t = await createTestRuntime({ ...(storeDb ? { store: storeDb.url } : {}), settings: { allow_test_jobs: true, lease_ms: 3000 } });
  });
  after(async () => {
    await t.close();
    await storeDb?.drop();
  });

  it('creates a pending job (201) that no worker runs until one starts', async () => {
    const created = await call(t.app, 'POST', `${BASE}/jobs`, quick('first'));
    assert.equal(created.status, 201, created.text);
    const view = dataOf<JobView>(created);
    assert.equal(view.status, 'pending');
    assert.equal(view.trigger, 'api');
    assert.equal(view.attempt, 1);
    assert.deepEqual(view.tables.map((x) => [x.target_table, x.status, x.total_rows]), [['first', 'pending', 200]]);
    const active = await call(t.app, 'GET', `${BASE}/jobs/active`);
    assert.deepEqual(dataOf<Array<JobView & { job_id: string }>>(active).map((j) => [j.job_id, j.status]), [[view.id, 'pending']]);
    await t.runtime.startWorker({ concurrency: 2 });
    const done = await until(view.id, 'completed');
    assert.equal(done.processed_rows, 200);
    assert.equal(done.progress_percent, 100);
    assert.equal(done.completed_tables, 1);
    assert.equal(done.error, null);
    assert.ok(done.finished_at && done.started_at && done.duration_ms !== null);
    assert.equal(dataOf<JobView[]>(await call(t.app, 'GET', `${BASE}/jobs/active`)).length, 0, 'a finished job never reads as active');
  });

  it('reports a job with a failed table as failed, naming the table, with the other tables still reported', async () => {
    const created = dataOf<JobView>(await call(t.app, 'POST', `${BASE}/jobs`, { test: { tables: [{ name: 'ok', rows: 100 }, { name: 'bad', rows: 100, fail: true }], step_rows: 50, step_ms: 1 } }));
    const failed = await until(created.id, 'failed');
    assert.equal(failed.error?.code, 'DBF_TASK_FAILED');
    assert.deepEqual(failed.tables.map((x) => [x.target_table, x.status]), [['ok', 'completed'], ['bad', 'failed']]);
    assert.equal(failed.tables[1]?.error?.message, 'injected failure in bad');
  });

  it('serves logs oldest first, filtered by level and paged', async () => {
    const [finished] = dataOf<JobView[]>(await call(t.app, 'GET', `${BASE}/jobs?status=failed`));
    assert.ok(finished);
    const all = dataOf<JobEventView[]>(await call(t.app, 'GET', `${BASE}/jobs/${finished.id}/logs`));
    assert.deepEqual(all.map((e) => e.type), ['job:created', 'job:claimed', 'table:started', 'table:completed', 'table:started', 'table:failed', 'job:finished']);
    const errors = dataOf<JobEventView[]>(await call(t.app, 'GET', `${BASE}/jobs/${finished.id}/logs?level=error`));
    assert.deepEqual(errors.map((e) => e.type), ['table:failed', 'job:finished']);
    const page = await call(t.app, 'GET', `${BASE}/jobs/${finished.id}/logs?limit=2&offset=1`);
    assert.deepEqual(dataOf<JobEventView[]>(page).map((e) => e.type), ['job:claimed', 'table:started']);
    assert.equal(page.body.meta?.total, 7);
  });

  it('lists jobs with filters and paging, and history of finished jobs only', async () => {
    const list = await call(t.app, 'GET', `${BASE}/jobs?limit=1`);
    assert.equal(dataOf<JobView[]>(list).length, 1);
    assert.equal(list.body.meta?.total, 2);
    assert.equal(dataOf<JobView[]>(await call(t.app, 'GET', `${BASE}/jobs?status=completed`)).length, 1);
    const history = await call(t.app, 'GET', `${BASE}/jobs/history`);
    assert.deepEqual(dataOf<JobView[]>(history).map((j) => j.status).sort(), ['completed', 'failed']);
    for (const bad of ['limit=-1', 'limit=abc', 'offset=-5', 'status=zombie', 'colour=red', 'limit=100000']) {
      const reply = await call(t.app, 'GET', `${BASE}/jobs?${bad}`);
      assert.equal(reply.status, 400, bad);
      assert.equal(reply.body.error?.code, 'DBF_INVALID_INPUT');
    }
  });

  it('cancels a running job from the API: 202, then cancelled within a few seconds', async () => {
    const created = dataOf<JobView>(await call(t.app, 'POST', `${BASE}/jobs`, slow));
    await until(created.id, 'running');
    const reply = await call(t.app, 'POST', `${BASE}/jobs/${created.id}/cancel`);
    assert.equal(reply.status, 202);
    assert.equal(dataOf<{ outcome: string }>(reply).outcome, 'requested');
    const cancelled = await until(created.id, 'cancelled');
    assert.equal(cancelled.tables[0]?.status, 'cancelled');
    const again = await call(t.app, 'POST', `${BASE}/jobs/${created.id}/stop`);
    assert.equal(again.status, 409);
    assert.equal(again.body.error?.code, 'DBF_JOB_NOT_ACTIVE');
    assert.equal((await call(t.app, 'POST', `${BASE}/jobs/no-such-job/cancel`)).status, 404);
  });

  it('refuses a second job holding the same lock (409) until the first ends', async () => {
    const runner = t.runtime;
    const first = await call(t.app, 'POST', `${BASE}/jobs`, { ...slow, name: 'exclusive' });
    assert.equal(first.status, 201);
    const second = await call(t.app, 'POST', `${BASE}/jobs`, { ...slow, name: 'exclusive' });
    assert.equal(second.status, 409);
    const id = dataOf<JobView>(first).id;
    await runner.jobs.cancel(id);
    await until(id, 'cancelled');
    const third = await call(t.app, 'POST', `${BASE}/jobs`, { ...quick('again'), name: 'exclusive' });
    assert.equal(third.status, 201, 'the lock is released with the final write');
    await until(dataOf<JobView>(third).id, 'completed');
  });

  it('answers bad job requests with 4xx and a DBF_ code', async () => {
    const cases: Array<[unknown, number, string]> = [
      [{}, 400, 'DBF_INVALID_INPUT'],
      [{ config_id: 'no-such-config' }, 404, 'DBF_SYNC_CONFIG_NOT_FOUND'],
      [{ test: { tables: 'x' } }, 400, 'DBF_INVALID_INPUT'],
      [{ config_id: 'a', test: {} }, 400, 'DBF_INVALID_INPUT'],
    ];
    for (const [body, status, code] of cases) {
      const reply = await call(t.app, 'POST', `${BASE}/jobs`, body);
      assert.equal(reply.status, status, JSON.stringify(body));
      assert.equal(reply.body.error?.code, code);
    }
    assert.equal((await call(t.app, 'GET', `${BASE}/jobs/nope`)).body.error?.code, 'DBF_JOB_NOT_FOUND');
  });

  it('computes stats from the store', async () => {
    const stats = dataOf<JobStats>(await call(t.app, 'GET', `${BASE}/stats`));
    const listed = dataOf<JobView[]>(await call(t.app, 'GET', `${BASE}/jobs?limit=500`));
    assert.equal(stats.total_jobs, listed.length);
    assert.equal(stats.by_status.completed, listed.filter((j) => j.status === 'completed').length);
    assert.equal(stats.by_status.failed, 1);
    assert.equal(stats.active_jobs, 0);
    assert.equal(stats.rows_copied, listed.reduce((n, j) => n + j.processed_rows, 0));
    assert.equal(stats.runs_per_hour.length, 24);
    assert.equal(stats.runs_per_hour.reduce((a, b) => a + b, 0), listed.length);
    assert.ok(stats.average_duration_ms !== null && stats.last_success_at !== null);
    assert.equal(stats.error_rate, Math.round((1 / (1 + (stats.by_status.completed ?? 0))) * 10_000) / 10_000);
  });

  it('doctor finds no zombies normally, reports a job with an expired lease with its reason, and fixes it', async () => {
    assert.deepEqual(dataOf<{ zombies: Zombie[] }>(await call(t.app, 'GET', `${BASE}/doctor`)).zombies, []);
    const id = await t.runtime.jobStore.enqueue({ task: 'elsewhere', spec: null, configId: null, configName: null, trigger: 'api', maxAttempts: 1, timeoutMs: null, tables: [], locks: [] }, Date.now() - 60_000);
    const claimed = await t.runtime.jobStore.claim('ghost/1/dead', ['elsewhere'], Date.now() - 60_000, 3000);
    assert.equal(claimed?.job.id, id);
    const zombies = dataOf<{ zombies: Zombie[] }>(await call(t.app, 'GET', `${BASE}/doctor`)).zombies;
    assert.deepEqual(zombies.map((z) => [z.job_id, z.kind]), [[id, 'lease_expired']]);
    assert.match(zombies[0]?.reason ?? '', /no heartbeat from ghost\/1\/dead for \d+ s/);
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    assert.match(metrics.body, /^dbferry_jobs_zombie 1$/m);
    assert.match(metrics.body, /^dbferry_jobs_active 1$/m);
    const fixed = dataOf<{ fixed: Zombie[]; remaining: Zombie[] }>(await call(t.app, 'POST', `${BASE}/doctor/fix`));
    assert.equal(fixed.fixed.length, 1);
    assert.deepEqual(fixed.remaining, []);
    const settled = await job(id);
    assert.equal(settled.status, 'failed');
    assert.equal(settled.error?.code, 'DBF_WORKER_LOST');
    const after = await t.app.inject({ method: 'GET', url: '/metrics' });
    assert.match(after.body, /^dbferry_jobs_zombie 0$/m);
    assert.match(after.body, /^dbferry_jobs_active 0$/m);
    assert.match(after.body, /^dbferry_jobs_reaped_total 1$/m);
  });
});
