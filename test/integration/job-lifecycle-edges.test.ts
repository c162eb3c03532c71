import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { Reaper } from '../../src/jobs/reaper.js';
import { leaseTiming } from '../../src/jobs/timing.js';
import { isPidAlive, newWorkerIdentity } from '../../src/jobs/worker-identity.js';
import { jobEvents, jobRow, jobTables, silentLogger, slowSpec, sleep, waitFor, waitForStatus } from '../helpers/job-fixtures.js';
import { createTestRuntime } from '../helpers/runtime.js';
import type { TestRuntime } from '../helpers/runtime.js';
import { createTempStore } from '../helpers/store-fixtures.js';
import type { TempStore } from '../helpers/store-fixtures.js';

/**
 * The lifecycle's edge cases of issue 3 on a real SQLite and a real PostgreSQL store: two processes
 * starting one config at the same moment, a NULL heartbeat, a job without tables, the maximum runtime,
 * and two runners of one process that must not take each other for dead at start-up.
 */

const LEASE = 3_000;
const CONTENDER = new URL('../helpers/start-config-process.ts', import.meta.url).pathname;
const ROOT = new URL('../../', import.meta.url).pathname;

interface Contender {
  go(): Promise<{ started?: string; refused?: string }>;
  close(): Promise<void>;
}

/** A separate process that has opened the store and starts CONFIG when told to (see start-config-process.ts). */
async function contender(store: string, home: string, config: string): Promise<Contender> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DBFERRY_')));
  const child = spawn(process.execPath, ['--import', 'tsx', CONTENDER, store, home, config], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<string> => {
    const line = await lines.next();
    if (line.done) throw new Error('the contender process ended early');
    return line.value;
  };
  assert.equal(await next(), 'ready');
  return {
    go: async () => {
      child.stdin.write('go\n');
      return JSON.parse(await next()) as { started?: string; refused?: string };
    },
    close: async () => {
      child.stdin.end();
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`job lifecycle edges (${dialect} store)`, () => {
    let temp: TempStore | null = null;
    let t: TestRuntime;
    let storeUrl: string;

    before(async () => {
      temp = dialect === 'postgres' ? await createTempStore('postgres') : null;
      t = await createTestRuntime({ ...(temp ? { store: temp.url } : {}), settings: { lease_ms: LEASE, allow_test_jobs: true } });
      storeUrl = temp?.url ?? `sqlite:${join(t.home, 'dbferry.db')}`;
      const source = join(t.home, 'source.db');
      const db = new SqliteDatabase(source);
      db.exec("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers VALUES (1, 'Ada');");
      db.close();
      new SqliteDatabase(join(t.home, 'target.db')).close();
      await t.runtime.connections.create({ name: 'src', url: `sqlite:${source}` });
      await t.runtime.connections.create({ name: 'dst', url: `sqlite:${join(t.home, 'target.db')}` });
      await t.runtime.configs.create({ name: 'nightly', source_connection_id: 'src', target_connection_id: 'dst', tables: [{ source_table: 'customers' }] });
    });
    after(async () => {
      await t.close();
      await temp?.cleanup();
    });

    it('two processes starting the same config at the same moment: exactly one job, the other is refused 409 (5 rounds)', async () => {
      const contenders = await Promise.all([contender(storeUrl, t.home, 'nightly'), contender(storeUrl, t.home, 'nightly')]);
      try {
        for (let round = 1; round <= 5; round += 1) {
          const answers = await Promise.all(contenders.map((c) => c.go()));
          const started = answers.flatMap((a) => (a.started ? [a.started] : []));
          assert.equal(started.length, 1, `round ${round}: ${JSON.stringify(answers)}`);
          assert.deepEqual(answers.flatMap((a) => (a.refused ? [a.refused] : [])), ['DBF_JOB_ALREADY_ACTIVE'], `round ${round}`);
          const active = await t.runtime.jobs.active();
          assert.deepEqual(active.map((j) => j.id), started, `round ${round}: one active job for the config`);
          await t.runtime.jobs.cancel(started[0] ?? '');
          assert.equal((await jobRow(t.runtime.store.db, started[0] ?? '')).status, 'cancelled');
        }
      } finally {
        await Promise.all(contenders.map((c) => c.close()));
      }
    });

    it('a running job whose heartbeat is NULL (and one with no timestamps but its creation) is still reaped', async () => {
      const db = t.runtime.store.db;
      const old = Date.now() - 10 * LEASE;
      const a = await t.runtime.jobs.startTest(slowSpec(100, 10, 10), 'cli');
      const b = await t.runtime.jobs.startTest(slowSpec(100, 10, 10, 't2'), 'cli');
      await db.updateTable('jobs').set({ status: 'running', worker_id: 'elsewhere/1/ab-1', lease_token: 'lost-a', heartbeat_at_ms: null, claimed_at_ms: old, started_at_ms: old }).where('id', '=', a.id).execute();
      await db.updateTable('jobs').set({ status: 'running', worker_id: 'elsewhere/1/ab-1', lease_token: 'lost-b', heartbeat_at_ms: null, claimed_at_ms: null, started_at_ms: null, created_at_ms: old }).where('id', '=', b.id).execute();
      const reaper = new Reaper({ store: t.runtime.jobStore, timing: leaseTiming(LEASE), now: Date.now, logger: silentLogger(), self: newWorkerIdentity(), isPidAlive });
      assert.deepEqual(await reaper.sweep(), { settled: 2 });
      for (const id of [a.id, b.id]) {
        const job = await jobRow(db, id);
        assert.deepEqual([job.status, job.attempt, job.worker_id, job.lease_token, job.reaped_count], ['pending', 2, null, null, 1]);
        assert.equal((await jobEvents(db, id, 'job:reaped')).length, 1);
        await t.runtime.jobs.cancel(id);
      }
    });

    it('a job with no tables completes', async () => {
      const runner = await t.runtime.startWorker({ concurrency: 1 });
      try {
        const { id } = await t.runtime.jobs.startTest({ tables: [] }, 'cli');
        const job = await waitForStatus(t.runtime.store.db, id, ['completed', 'failed', 'cancelled']);
        assert.deepEqual([job.status, job.error_code, job.processed_rows], ['completed', null, 0]);
        assert.deepEqual(await jobTables(t.runtime.store.db, id), []);
        assert.equal((await t.runtime.jobs.active()).length, 0);
      } finally {
        await runner.stop();
      }
    });

    it('a job that runs past its maximum runtime fails DBF_JOB_TIMEOUT at once, without a retry, while it still heartbeats', async () => {
      const runner = await t.runtime.startWorker({ concurrency: 1 });
      try {
        const { id } = await t.runtime.jobs.startTest(slowSpec(1_000_000, 10, 50), 'cli', { timeoutMs: 800 });
        const job = await waitForStatus(t.runtime.store.db, id, ['completed', 'failed', 'cancelled'], 10_000);
        assert.deepEqual([job.status, job.error_code, job.attempt], ['failed', 'DBF_JOB_TIMEOUT', 1]);
        const ran = (job.finished_at_ms ?? 0) - (job.started_at_ms ?? 0);
        assert.ok(ran >= 800 && ran < 800 + LEASE, `stopped ${ran} ms after it started`);
        assert.equal((await jobTables(t.runtime.store.db, id))[0]?.status, 'failed');
      } finally {
        await runner.stop();
      }
    });

    it('the reaper fails a job past its maximum runtime even when its (wedged) worker keeps the heartbeat fresh', async () => {
      const db = t.runtime.store.db;
      const { id } = await t.runtime.jobs.startTest(slowSpec(100, 10, 10), 'cli', { timeoutMs: 1_000 });
      const now = Date.now();
      await db.updateTable('jobs').set({ status: 'running', worker_id: 'elsewhere/1/ab-1', lease_token: 'wedged', heartbeat_at_ms: now, claimed_at_ms: now - 60_000, started_at_ms: now - 60_000 }).where('id', '=', id).execute();
      const reaper = new Reaper({ store: t.runtime.jobStore, timing: leaseTiming(LEASE), now: Date.now, logger: silentLogger(), self: newWorkerIdentity(), isPidAlive });
      assert.deepEqual(await reaper.sweep(), { settled: 1 });
      const job = await jobRow(db, id);
      assert.deepEqual([job.status, job.error_code, job.attempt], ['failed', 'DBF_JOB_TIMEOUT', 1]);
    });

    it("a second runner starting in the same process does not settle the first runner's job at boot", async () => {
      const db = t.runtime.store.db;
      const first = await t.runtime.startWorker({ concurrency: 1 });
      const second = await (async () => {
        const { id } = await t.runtime.jobs.startTest(slowSpec(1_000, 10, 30), 'cli');
        await waitForStatus(db, id, ['running']);
        const runner = await t.runtime.startWorker({ concurrency: 1 });
        return { id, runner };
      })();
      try {
        await sleep(200);
        const job = await jobRow(db, second.id);
        assert.deepEqual([job.status, job.attempt, job.worker_id, job.reaped_count], ['running', 1, first.workerId, 0]);
        await t.runtime.jobs.cancel(second.id);
        await waitFor('the cancel', async () => (await jobRow(db, second.id)).status === 'cancelled', 10_000);
      } finally {
        await second.runner.stop();
        await first.stop();
      }
    });
  });
}
