import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import pino from 'pino';
import { openRuntime } from '../../src/composition.js';
import type { Runtime } from '../../src/composition.js';
import { loadSettings } from '../../src/config/settings.js';
import type { JobView } from '../../src/jobs/job-view.js';
import { dbferry, killChildren, spawnDbferry, spawnWorker, waitUntil } from '../helpers/cli.js';
import type { CliResult } from '../helpers/cli.js';

/** The job commands (issue 3) against a real SQLite store, in-process and across real processes. */

const ENV = { DBFERRY_ALLOW_TEST_JOBS: 'true', DBFERRY_LEASE_MS: '3000' };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const homes: string[] = [];

function newHome(): string {
  const home = mkdtempSync(join(tmpdir(), 'dbferry-cli-jobs-'));
  homes.push(home);
  return home;
}

const global = (home: string): string[] => ['--home', home, '--log-level', 'warn'];
const cli = (home: string, ...args: string[]): Promise<CliResult> => dbferry([...global(home), ...args], { cwd: home, env: ENV });
const data = <T>(result: CliResult): T => (JSON.parse(result.stdout) as { data: T }).data;
const show = async (home: string, id: string): Promise<JobView> => data<JobView>(await cli(home, 'jobs', 'show', id, '--json'));

/** Writes a test-task spec (tables with rows, optional failure) and answers its path. */
function spec(home: string, name: string, body: object): string {
  const file = join(home, `${name}.json`);
  writeFileSync(file, JSON.stringify(body));
  return file;
}
const QUICK = { tables: [{ name: 'a', rows: 300 }, { name: 'b', rows: 200 }], step_ms: 5 };
const FAILING = { tables: [{ name: 'a', rows: 100 }, { name: 'b', rows: 200, fail: true }], step_ms: 5 };
const LONG = { tables: [{ name: 'big', rows: 1_000_000 }], step_ms: 50 };

/** A runtime on the same store, for what no command does: claiming as a foreign worker, back-dating. */
async function storeOf(home: string): Promise<Runtime> {
  const settings = loadSettings({ env: {}, cwd: home, flags: { home, allow_test_jobs: true, lease_ms: 3000 } });
  return openRuntime(settings, pino({ level: 'silent' }));
}

async function started(home: string, file: string): Promise<string> {
  const result = await cli(home, 'jobs', 'start-test', file);
  assert.equal(result.exitCode, 0, result.stderr);
  const id = result.stdout.trim();
  assert.match(id, UUID);
  return id;
}

after(async () => {
  await killChildren();
  for (const home of homes) rmSync(home, { recursive: true, force: true });
});

describe('jobs CLI in one process', () => {
  const home = newHome();

  it('start-test --wait runs the job in this process and exits 0; jobs ls, show, logs and watch show it', async () => {
    const run = await cli(home, 'jobs', 'start-test', spec(home, 'quick', QUICK), '--wait');
    assert.equal(run.exitCode, 0, run.stderr);
    const [idLine, doneLine] = run.stdout.trim().split('\n');
    const id = idLine ?? '';
    assert.match(id, UUID);
    assert.match(doneLine ?? '', new RegExp(`^job ${id} completed in .+: 2/2 tables, 500 rows$`));
    assert.match(run.stderr, /no live worker shares this store: running job .* in this process/);
    assert.match((await cli(home, 'jobs', 'ls')).stdout, new RegExp(`^ID\\s+STATUS\\s+CONFIG\\s+ATTEMPT\\s+TABLES\\s+ROWS\\s+STARTED\\s+DURATION\\n${id}\\s+completed\\s+\\(test\\)\\s+1/3\\s+2/2\\s+500\\s`));
    const listed = await cli(home, 'jobs', 'ls', '--json');
    assert.deepEqual(JSON.parse(listed.stdout).meta, { total: 1, limit: 50, offset: 0 });
    const view = await show(home, id);
    assert.equal(view.status, 'completed');
    assert.notEqual(view.finished_at, null);
    assert.deepEqual(view.tables.map((t) => [t.target_table, t.status, t.processed_rows]), [['a', 'completed', 300], ['b', 'completed', 200]]);
    assert.match((await cli(home, 'jobs', 'show', id)).stdout, /status\s+completed\n[\s\S]*\nb\s+b\s+test\s+completed\s+200\/200/);
    const logs = (await cli(home, 'jobs', 'logs', id)).stdout;
    for (const line of [/ info  job:created\s+job created \(cli\)/, / info  job:claimed\s+claimed by /, / info  table:completed\s+\[a\] table a completed: 300 rows/, / info  job:finished\s+job completed\n$/]) assert.match(logs, line);
    assert.match((await cli(home, 'jobs', 'logs', id, '--level', 'warn')).stdout, /has no log lines at level warn or above/);
    assert.equal((await cli(home, 'jobs', 'logs', id, '--level', 'loud')).exitCode, 2);
    const watched = await cli(home, 'jobs', 'watch', id);
    assert.equal(watched.exitCode, 0, watched.stderr);
    assert.match(watched.stdout, new RegExp(`job ${id} completed; it left the active list\\n$`));
  });

  it('a job with a failing table: start-test --wait exits 1 with its error, show names the table, watch exits 1', async () => {
    const run = await cli(home, 'jobs', 'start-test', spec(home, 'failing', FAILING), '--wait', '--json');
    assert.equal(run.exitCode, 1);
    assert.match(run.stderr, /^error DBF_TASK_FAILED: 1 of 2 tables failed$/m);
    const body = JSON.parse(run.stdout) as { success: boolean; error: { code: string; details: { job: JobView } } };
    assert.equal(body.success, false);
    const id = body.error.details.job.id;
    const view = await show(home, id);
    assert.equal(view.status, 'failed');
    assert.deepEqual(view.tables.map((t) => [t.target_table, t.status, t.error?.code ?? null]), [['a', 'completed', null], ['b', 'failed', 'DBF_TASK_FAILED']]);
    assert.match((await cli(home, 'jobs', 'show', id)).stdout, /\nb\s+b\s+test\s+failed\s+100\/200 .* DBF_TASK_FAILED: injected failure in b\n/);
    const watched = await cli(home, 'jobs', 'watch', id);
    assert.equal(watched.exitCode, 1);
    assert.match(watched.stdout, /failed; it left the active list/);
    assert.match(watched.stderr, /^error DBF_TASK_FAILED: /);
  });

  it('jobs cancel of a pending job (no worker running) cancels it at once; a second cancel exits 2', async () => {
    const result = await cli(home, 'jobs', 'start-test', spec(home, 'long', LONG));
    assert.match(result.stderr, /warning: no live worker shares this store; job .* waits for `dbferry serve` or `dbferry worker`/);
    const id = result.stdout.trim();
    assert.match((await cli(home, 'jobs', 'ls', '--active')).stdout, new RegExp(`\\n${id}\\s+pending\\s`));
    const cancelled = await cli(home, 'jobs', 'cancel', id);
    assert.equal(cancelled.exitCode, 0, cancelled.stderr);
    assert.equal(cancelled.stdout, `job ${id} cancelled\n`);
    const view = await show(home, id);
    assert.equal(view.status, 'cancelled');
    assert.notEqual(view.finished_at, null);
    assert.deepEqual(view.tables.map((t) => t.status), ['cancelled']);
    assert.match((await cli(home, 'jobs', 'ls', '--active')).stdout, /^no active jobs\n$/);
    assert.equal(data<JobView[]>(await cli(home, 'jobs', 'ls', '--status', 'cancelled', '--json'))[0]?.id, id);
    const again = await cli(home, 'jobs', 'cancel', id, '--json');
    assert.equal(again.exitCode, 2);
    assert.match(again.stderr, /^error DBF_JOB_NOT_ACTIVE: .*already finished \(cancelled\)/);
    assert.equal(JSON.parse(again.stdout).error.code, 'DBF_JOB_NOT_ACTIVE');
    assert.equal((await cli(home, 'jobs', 'show', 'no-such-job')).exitCode, 2);
  });

  it('jobs prune deletes finished jobs older than N days only; a bad --older-than-days exits 2 and deletes nothing', async () => {
    const pruneHome = newHome();
    const old = await started(pruneHome, spec(pruneHome, 'long', LONG));
    assert.equal((await cli(pruneHome, 'jobs', 'cancel', old)).exitCode, 0);
    const active = await started(pruneHome, spec(pruneHome, 'long', LONG));
    const runtime = await storeOf(pruneHome);
    try {
      await runtime.store.db.updateTable('jobs').set({ finished_at_ms: Date.now() - 10 * 86_400_000 }).where('id', '=', old).execute();
    } finally {
      await runtime.close();
    }
    for (const bad of ['0', 'ten', '-3']) {
      const refused = await cli(pruneHome, 'jobs', 'prune', '--older-than-days', bad);
      assert.equal(refused.exitCode, 2, bad);
      assert.match(refused.stderr, /^error DBF_USAGE: --older-than-days must be an integer/);
    }
    assert.equal((await show(pruneHome, old)).status, 'cancelled', 'nothing deleted by a refused prune');
    const none = await cli(pruneHome, 'jobs', 'prune', '--older-than-days', '30', '--json');
    assert.equal(data<{ deleted: number }>(none).deleted, 0);
    const pruned = await cli(pruneHome, 'jobs', 'prune', '--older-than-days', '7');
    assert.equal(pruned.exitCode, 0, pruned.stderr);
    assert.match(pruned.stdout, /^deleted 1 finished job\(s\) that ended before \d{4}-/);
    assert.equal((await cli(pruneHome, 'jobs', 'show', old)).exitCode, 2);
    assert.equal((await show(pruneHome, active)).status, 'pending');
  });

  it('start-test is refused without allow_test_jobs, and for an invalid spec', async () => {
    const off = await dbferry([...global(home), 'jobs', 'start-test', spec(home, 'quick', QUICK)], { cwd: home, env: {} });
    assert.equal(off.exitCode, 2);
    assert.match(off.stderr, /^error DBF_INVALID_INPUT: test jobs are disabled/);
    const bad = await cli(home, 'jobs', 'start-test', spec(home, 'bad', { tables: [{ name: 'x' }] }));
    assert.equal(bad.exitCode, 2);
    assert.match(bad.stderr, /^error DBF_INVALID_INPUT: /);
  });

  it('stats --json counts what ran: totals by status, rows, bytes, error rate', async () => {
    const fresh = newHome();
    assert.equal((await cli(fresh, 'jobs', 'start-test', spec(fresh, 'quick', QUICK), '--wait')).exitCode, 0);
    assert.equal((await cli(fresh, 'jobs', 'start-test', spec(fresh, 'failing', FAILING), '--wait')).exitCode, 1);
    assert.equal((await cli(fresh, 'jobs', 'cancel', await started(fresh, spec(fresh, 'long', LONG)))).exitCode, 0);
    const stats = data<{ total_jobs: number; by_status: Record<string, number>; active_jobs: number; rows_copied: number; bytes_copied: number; error_rate: number; average_duration_ms: number | null; last_success_at: string | null; runs_per_hour: number[] }>(await cli(fresh, 'stats', '--json'));
    assert.equal(stats.total_jobs, 3);
    assert.deepEqual(stats.by_status, { pending: 0, running: 0, completed: 1, failed: 1, cancelled: 1 });
    assert.equal(stats.active_jobs, 0);
    assert.equal(stats.rows_copied, 500 + 200);
    assert.equal(stats.bytes_copied, (500 + 200) * 100);
    assert.equal(stats.error_rate, 0.5);
    assert.equal(typeof stats.average_duration_ms, 'number');
    assert.notEqual(stats.last_success_at, null);
    assert.equal(stats.runs_per_hour.reduce((a, b) => a + b, 0), 3);
    assert.match((await cli(fresh, 'stats')).stdout, /^jobs\s+3 in all: 0 pending, 0 running, 1 completed, 1 failed, 1 cancelled\n[\s\S]*rows copied\s+700 /);
  });

  it('doctor finds none normally; a back-dated heartbeat is a lease_expired zombie that doctor --fix settles', async () => {
    const fresh = newHome();
    assert.equal((await cli(fresh, 'jobs', 'start-test', spec(fresh, 'quick', QUICK), '--wait')).exitCode, 0);
    const clean = await cli(fresh, 'doctor');
    assert.equal(clean.exitCode, 0);
    assert.equal(clean.stdout, 'no zombies: every job keeps the lifecycle invariants\n');
    const id = await started(fresh, spec(fresh, 'long', LONG));
    const store = await storeOf(fresh);
    try {
      const claimed = await store.jobStore.claim('elsewhere.invalid/4242/deadbeef', ['test'], Date.now(), 3000);
      assert.equal(claimed?.job.id, id);
      await store.store.db.updateTable('jobs').set({ heartbeat_at_ms: Date.now() - 60_000 }).where('id', '=', id).execute();
    } finally {
      await store.close();
    }
    const found = await cli(fresh, 'doctor');
    assert.equal(found.exitCode, 1);
    assert.match(found.stdout, new RegExp(`\\n${id}\\s+running\\s+lease_expired\\s+running, but no heartbeat from elsewhere\\.invalid/4242/deadbeef for 6\\d s`));
    assert.deepEqual(data<{ zombies: Array<{ kind: string }> }>(await cli(fresh, 'doctor', '--json')).zombies.map((z) => z.kind), ['lease_expired']);
    const fixed = await cli(fresh, 'doctor', '--fix');
    assert.equal(fixed.exitCode, 0, fixed.stdout);
    assert.match(fixed.stdout, /^settled 1 zombie:\n[\s\S]*lease_expired[\s\S]*\nno zombies remain\n$/);
    assert.equal((await cli(fresh, 'doctor')).exitCode, 0);
    const view = await show(fresh, id);
    assert.deepEqual([view.status, view.attempt, view.reaped_count], ['pending', 2, 1]);
    assert.equal((await cli(fresh, 'jobs', 'cancel', id)).exitCode, 0);
  });

  it('jobs watch fails DBF_LIFECYCLE_UNSOUND for a finished job with a table left running; doctor --fix repairs it', async () => {
    const fresh = newHome();
    const run = await cli(fresh, 'jobs', 'start-test', spec(fresh, 'quick', QUICK), '--wait');
    const id = run.stdout.split('\n')[0] ?? '';
    const store = await storeOf(fresh);
    try {
      await store.store.db.updateTable('job_tables').set({ status: 'running' }).where('job_id', '=', id).where('target_table', '=', 'b').execute();
    } finally {
      await store.close();
    }
    const watched = await cli(fresh, 'jobs', 'watch', id);
    assert.equal(watched.exitCode, 1);
    assert.match(watched.stderr, /^error DBF_LIFECYCLE_UNSOUND: job .* is completed but its table b is still running\n$/);
    assert.match((await cli(fresh, 'doctor')).stdout, /unfinished_tables/);
    assert.equal((await cli(fresh, 'doctor', '--fix')).exitCode, 0);
    assert.equal((await cli(fresh, 'jobs', 'watch', id)).exitCode, 0);
  });

  it('run CONFIG starts a job for a saved config; with --wait it copies the table and exits 0', async () => {
    const fresh = newHome();
    const source = new Database(join(fresh, 'shop.db'));
    source.exec("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO items VALUES (1, 'a'), (2, 'b');");
    source.close();
    assert.equal((await cli(fresh, 'conn', 'add', 'src', `sqlite:${join(fresh, 'shop.db')}`)).exitCode, 0);
    assert.equal((await cli(fresh, 'conn', 'add', 'dst', `sqlite:${join(fresh, 'copy.db')}`, '--no-test')).exitCode, 0);
    writeFileSync(join(fresh, 'copy.yaml'), 'name: copy\nsource_connection_id: src\ntarget_connection_id: dst\ntables:\n  - source_table: items\n');
    assert.equal((await cli(fresh, 'config', 'create', 'copy.yaml')).exitCode, 0);
    const run = await cli(fresh, 'run', 'copy');
    assert.equal(run.exitCode, 0, run.stderr);
    const id = run.stdout.trim();
    assert.match(run.stderr, /no live worker shares this store/);
    const view = await show(fresh, id);
    assert.deepEqual([view.status, view.config_name, view.task, view.trigger, view.tables.map((t) => t.target_table)], ['pending', 'copy', 'sync', 'cli', ['items']]);
    const twice = await cli(fresh, 'run', 'copy');
    assert.equal(twice.exitCode, 2);
    assert.match(twice.stderr, /^error DBF_JOB_ALREADY_ACTIVE: /);
    assert.equal((await cli(fresh, 'jobs', 'cancel', id)).exitCode, 0);
    const waited = await cli(fresh, 'run', 'copy', '--wait');
    assert.equal(waited.exitCode, 0, waited.stderr);
    const done = await show(fresh, waited.stdout.split('\n')[0] ?? '');
    assert.deepEqual([done.status, done.tables[0]?.processed_rows, done.tables[0]?.verified], ['completed', 2, true]);
    const copy = new Database(join(fresh, 'copy.db'), { readonly: true });
    assert.deepEqual(copy.prepare('SELECT id, name FROM items ORDER BY id').all(), [{ id: 1, name: 'a' }, { id: 2, name: 'b' }]);
    copy.close();
    assert.equal((await cli(fresh, 'run', 'nope')).exitCode, 2);
  });
});

describe('jobs CLI across processes (a `dbferry worker` child)', () => {
  const home = newHome();
  let worker: Awaited<ReturnType<typeof spawnWorker>>;

  before(async () => {
    worker = await spawnWorker(global(home), ENV);
  });

  it('start-test --wait in another process is run by the live worker and exits 0', async () => {
    const waiter = spawnDbferry([...global(home), 'jobs', 'start-test', spec(home, 'quick', QUICK), '--wait'], ENV);
    assert.equal(await waiter.exited, 0, waiter.stderr());
    assert.doesNotMatch(waiter.stderr(), /in this process/);
    const view = await show(home, waiter.stdout().split('\n')[0] ?? '');
    assert.deepEqual([view.status, view.worker_id], ['completed', worker.workerId]);
  });

  it('jobs watch follows a job the worker runs and confirms it left the active list (text and NDJSON)', async () => {
    const slow = spec(home, 'slow', { tables: [{ name: 'a', rows: 600 }, { name: 'b', rows: 600 }], step_ms: 200 });
    const id = await started(home, slow);
    const watched = await cli(home, 'jobs', 'watch', id);
    assert.equal(watched.exitCode, 0, watched.stderr);
    assert.match(watched.stdout, /running {2}attempt 1\/3 {2}table [ab] .* rows\/s {2}heartbeat \d+ ms ago/);
    assert.match(watched.stdout, new RegExp(`completed {2}attempt 1/3 {2}tables 2/2 .*\\njob ${id} completed; it left the active list\\n$`));
    const second = await started(home, slow);
    const lines = (await cli(home, 'jobs', 'watch', second, '--json')).stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(lines.some((l) => l.type === 'progress' && l.status === 'running'));
    assert.deepEqual(lines.at(-1), { type: 'result', job_id: second, status: 'completed', finished_at: (await show(home, second)).finished_at, left_active_list: true, sound: true, problems: [], error: null });
  });

  it('jobs logs --follow prints lines as they come and stops after the job finished', async () => {
    const id = await started(home, spec(home, 'steps', { tables: [{ name: 'a', rows: 300 }], step_ms: 300 }));
    const follow = await cli(home, 'jobs', 'logs', id, '--follow', '--json');
    assert.equal(follow.exitCode, 0, follow.stderr);
    const types = follow.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { type: string }).type);
    assert.deepEqual([types[0], types.at(-1)], ['job:created', 'job:finished']);
    assert.ok(types.includes('table:completed'));
  });

  it('jobs cancel of a job running in the worker process ends it cancelled within a few seconds', async () => {
    const id = await started(home, spec(home, 'long', LONG));
    await waitUntil(async () => ((await show(home, id)).status === 'running' ? true : undefined), 10_000, 'the job to run');
    const asked = Date.now();
    const cancel = await cli(home, 'jobs', 'cancel', id);
    assert.equal(cancel.exitCode, 0, cancel.stderr);
    assert.equal(cancel.stdout, `cancel requested; the worker stops at its next heartbeat (job ${id})\n`);
    const view = await waitUntil(async () => ((await show(home, id)).status === 'cancelled' ? show(home, id) : undefined), 5_000, 'the job to end cancelled');
    assert.ok(Date.now() - asked < 5_000);
    assert.deepEqual(view.tables.map((t) => t.status), ['cancelled']);
    assert.equal((await cli(home, 'jobs', 'cancel', id)).exitCode, 2);
  });
});

describe('dbferry worker and signals', () => {
  it('SIGINT: exits 130 and its job goes back to pending as attempt 2; SIGTERM: exits 0 likewise', async () => {
    const home = newHome();
    const id = await started(home, spec(home, 'long', LONG));
    const first = await spawnWorker(global(home), ENV, ['--concurrency', '1']);
    await waitUntil(async () => ((await show(home, id)).worker_id === first.workerId ? true : undefined), 10_000, 'the first worker to claim the job');
    first.child.kill('SIGINT');
    assert.equal(await first.exited, 130);
    assert.match(first.stderr(), /SIGINT: worker .* stopping, handing 1 running job back to the queue\nerror DBF_INTERRUPTED: /);
    const back = await show(home, id);
    assert.deepEqual([back.status, back.attempt, back.worker_id], ['pending', 2, null]);
    const second = await spawnWorker(global(home), ENV);
    await waitUntil(async () => ((await show(home, id)).worker_id === second.workerId ? true : undefined), 10_000, 'the second worker to claim the job');
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0);
    const again = await show(home, id);
    assert.deepEqual([again.status, again.attempt], ['pending', 3]);
    assert.equal((await cli(home, 'jobs', 'cancel', id)).exitCode, 0);
    assert.equal((await cli(home, 'worker', '--concurrency', '0')).exitCode, 2);
  });
});
