import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { JobStore, LeaseLostError } from '../../src/jobs/job-store.js';
import type { FinalReport, LeaseHolder } from '../../src/jobs/job-store.js';
import { Reaper } from '../../src/jobs/reaper.js';
import { checkpointKey } from '../../src/jobs/test-task.js';
import { leaseTiming } from '../../src/jobs/timing.js';
import type { Store, StoreDb } from '../../src/store/open-store.js';
import { checkpointRows, jobEvents, jobRow, jobTables, locksOf, silentLogger, sleep, slowSpec, waitFor, waitForStatus } from '../helpers/job-fixtures.js';
import { createTestRuntime } from '../helpers/runtime.js';
import type { TestRuntime } from '../helpers/runtime.js';
import { createTempStore, openMigratedStore } from '../helpers/store-fixtures.js';
import type { TempStore } from '../helpers/store-fixtures.js';
import { killAllWorkers, spawnWorker } from '../helpers/worker-process.js';
import type { WorkerProcess } from '../helpers/worker-process.js';

/**
 * Invariant 4 (fencing): a worker that wakes up after its lease was taken cannot write anything — not a
 * heartbeat, a checkpoint, events or its final state — and stops itself; the newer attempt is untouched.
 * With a real process (SIGSTOP/SIGCONT) on the SQLite store, and in-process with a back-dated lease on
 * SQLite and PostgreSQL.
 */

const LEASE = 2_000;

/**
 * SIGSTOPs a worker at a moment it holds no SQLite write lock (a process frozen inside a transaction would
 * freeze every writer of the store: that is SQLite, not the lifecycle). Verified with /proc and a probe.
 */
async function pauseOutsideTransaction(worker: WorkerProcess, file: string): Promise<void> {
  for (let i = 0; i < 100; i += 1) {
    worker.signal('SIGSTOP');
    await waitFor('the worker to stop', () => /^\d+ \(.*\) T/.test(readFileSync(`/proc/${worker.pid}/stat`, 'utf8')), 2_000, 2);
    const probe = new SqliteDatabase(file, { timeout: 0 });
    try {
      probe.exec('begin immediate');
      probe.exec('rollback');
      return;
    } catch {
      worker.signal('SIGCONT');
      await sleep(7);
    } finally {
      probe.close();
    }
  }
  throw new Error('could not pause the worker outside a transaction');
}

/** A log line of the stale worker saying it stopped work on `jobId` because its lease was lost. */
const stoppedLine = (worker: WorkerProcess, jobId: string) => worker.logs.find((l) => l.job_id === jobId && /lease was lost/.test(l.msg ?? ''));

async function snapshot(db: StoreDb, id: string): Promise<unknown> {
  const checkpoint = await db.selectFrom('checkpoints').selectAll().where('job_id', '=', id).execute();
  return { job: await jobRow(db, id), tables: await jobTables(db, id), checkpoint, events: await jobEvents(db, id), locks: await locksOf(db, id) };
}

describe('a stale worker process waking up (SIGSTOP past the lease, SIGCONT)', () => {
  let dir = '';
  let file = '';
  const runtimes: TestRuntime[] = [];
  const close = async (t: TestRuntime): Promise<void> => {
    runtimes.splice(runtimes.indexOf(t), 1);
    await t.close();
  };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'dbf-fault-stale-'));
    file = join(dir, 'store.db');
  });

  after(async () => {
    await killAllWorkers();
    for (const t of runtimes) await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A (a child) runs a job; it is frozen; an in-process worker B reaps it and runs attempt 2. */
  async function takeOver(name: string, rows: number, stepMs: number): Promise<{ t: TestRuntime; db: StoreDb; a: WorkerProcess; id: string; bId: string }> {
    const t = await createTestRuntime({ store: `sqlite:${file}`, settings: { lease_ms: LEASE, allow_test_jobs: true } });
    runtimes.push(t);
    const db = t.runtime.store.db;
    const a = await spawnWorker({ store: `sqlite:${file}`, home: dir, leaseMs: LEASE });
    const { id } = await t.runtime.jobs.startTest(slowSpec(rows, 100, stepMs), 'cli', { name });
    await waitFor('A to claim the job', async () => (await jobRow(db, id)).worker_id === a.workerId);
    await waitFor('A to checkpoint 300 rows', async () => (await checkpointRows(db, id, 't1')) >= 300);
    const b = await t.runtime.startWorker({ concurrency: 1 });
    await pauseOutsideTransaction(a, file);
    const atPause = await checkpointRows(db, id, 't1');
    await waitFor('B to run attempt 2', async () => {
      const row = await jobRow(db, id);
      return row.attempt === 2 && row.worker_id === b.workerId;
    }, LEASE * 3);
    assert.equal((await jobEvents(db, id, 'job:reaped')).length, 1);
    await waitFor('B to get past A\'s checkpoint', async () => (await checkpointRows(db, id, 't1')) >= atPause + 300);
    return { t, db, a, id, bId: b.workerId };
  }

  it('is refused while the new owner runs: attempt 2 is never overwritten, the stale process stops, the job completes once', async () => {
    const { t, db, a, id, bId } = await takeOver('stale-1', 4_000, 150);
    const owner = await jobRow(db, id);
    const samples: Array<{ status: string; attempt: number; worker: string | null; token: string | null; checkpoint: number; rows: number }> = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const row = await jobRow(db, id);
        const [table] = await jobTables(db, id);
        samples.push({ status: row.status, attempt: row.attempt, worker: row.worker_id, token: row.lease_token, checkpoint: await checkpointRows(db, id, 't1'), rows: table?.processed_rows ?? -1 });
        await sleep(5);
      }
    })();
    a.signal('SIGCONT');
    await waitFor('the stale worker to say it stopped', () => stoppedLine(a, id), 5_000);
    await sleep(300);
    sampling = false;
    await sampler;

    assert.ok(samples.length > 10);
    for (const [i, s] of samples.entries()) {
      assert.equal(s.attempt, 2);
      assert.equal(s.worker, bId);
      assert.equal(s.token, owner.lease_token, 'the lease token stays attempt 2\'s');
      const previous = samples[i - 1];
      if (previous) {
        assert.ok(s.checkpoint >= previous.checkpoint, `the checkpoint went back from ${previous.checkpoint} to ${s.checkpoint}`);
        assert.ok(s.rows >= previous.rows, `the table's rows went back from ${previous.rows} to ${s.rows}`);
      }
    }
    assert.ok(a.logs.every((l) => !/final write succeeded/.test(l.msg ?? '')));
    const final = await waitForStatus(db, id, ['completed', 'failed', 'cancelled'], 20_000);
    assert.deepEqual([final.status, final.attempt, final.worker_id, final.processed_rows], ['completed', 2, bId, 4_000]);
    assert.equal((await jobEvents(db, id, 'job:finished')).length, 1);
    assert.equal(a.child.exitCode, null, 'the stale process stopped its work, not itself');
    await a.stop();
    await close(t);
  });

  it('is refused after the new owner finished: the stored job is byte-for-byte what attempt 2 left', async () => {
    const { t, db, a, id } = await takeOver('stale-2', 1_200, 100);
    await waitForStatus(db, id, ['completed'], 20_000);
    const before = await snapshot(db, id);
    a.signal('SIGCONT');
    await waitFor('the stale worker to say it stopped', () => stoppedLine(a, id), 5_000);
    await sleep(300);
    assert.deepEqual(await snapshot(db, id), before);
    assert.equal((await jobEvents(db, id, 'job:finished')).length, 1);
    await a.stop();
    await close(t);
  });
});

const report = (status: FinalReport['status'], rows: number): FinalReport => ({
  status,
  error: status === 'failed' ? { code: 'DBF_TASK_FAILED', message: 'stale' } : null,
  current_table: null,
  tables: [{ target_table: 't1', status: status === 'completed' ? 'completed' : 'failed', total_rows: 1_000, processed_rows: rows, processed_bytes: rows * 100, started_at_ms: 1, finished_at_ms: 2 }],
});

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`a stale worker with a back-dated lease (${dialect} store, in-process)`, () => {
    let temp: TempStore;
    let s: Store;
    const now = (): number => Date.now();
    const reaper = (store: JobStore): Reaper =>
      new Reaper({ store, timing: leaseTiming(LEASE), now, logger: silentLogger(), self: { id: 'reaper-host/2/abcd-1', host: 'reaper-host', pid: 2, boot: 'abcd' }, isPidAlive: () => true });

    before(async () => {
      temp = await createTempStore(dialect);
      s = await openMigratedStore(temp.url);
    });
    after(async () => {
      await s.close();
      await temp.cleanup();
    });

    async function claimedByA(store: JobStore, maxAttempts: number): Promise<{ id: string; a: LeaseHolder }> {
      const tables = [{ source_table: 't1', target_table: 't1', mode: 'test', total_rows: 1_000 }];
      const id = await store.enqueue({ task: 'test', spec: slowSpec(1_000, 100, 10), configId: null, configName: null, trigger: 'cli', maxAttempts, timeoutMs: null, tables, locks: [`test:${Math.random()}`] }, now());
      const claimed = await store.claim('host-a/1/aaaa', ['test'], now(), LEASE);
      assert.equal(claimed?.job.id, id);
      const a = { jobId: id, token: claimed?.token ?? '' };
      await store.saveCheckpoint(a, checkpointKey(id, 't1'), 't1', { rows: 100 }, now());
      await s.db.updateTable('jobs').set({ heartbeat_at_ms: now() - 10 * LEASE, lease_expires_at_ms: now() - 9 * LEASE }).where('id', '=', id).execute();
      return { id, a };
    }

    it('every write of worker A is rejected with LeaseLostError once B holds attempt 2, and B\'s state is untouched', async () => {
      const store = new JobStore(s.db);
      const { id, a } = await claimedByA(store, 3);
      assert.deepEqual(await reaper(store).sweep(), { settled: 1 });
      const pending = await jobRow(s.db, id);
      assert.deepEqual([pending.status, pending.attempt, pending.lease_token, pending.worker_id], ['pending', 2, null, null]);
      const claimed = await store.claim('host-b/3/bbbb', ['test'], now(), LEASE);
      const b = { jobId: id, token: claimed?.token ?? '' };
      assert.notEqual(b.token, a.token);
      await store.saveCheckpoint(b, checkpointKey(id, 't1'), 't1', { rows: 300 }, now());
      await store.heartbeat(b, now(), LEASE, { current_table: 't1', tables: [{ ...report('completed', 300).tables[0]!, status: 'running', finished_at_ms: null }] }, []);
      const before = await snapshot(s.db, id);

      await assert.rejects(store.heartbeat(a, now(), LEASE, report('completed', 200), [{ type: 'job:log', level: 'info', message: 'stale', at_ms: now() }]), LeaseLostError);
      await assert.rejects(store.saveCheckpoint(a, checkpointKey(id, 't1'), 't1', { rows: 200 }, now()), LeaseLostError);
      await assert.rejects(store.appendEvents(a, [{ type: 'job:log', level: 'info', message: 'stale', at_ms: now() }], now()), LeaseLostError);
      await assert.rejects(store.finish(a, now(), report('completed', 200), []), LeaseLostError);
      await assert.rejects(store.finish(a, now(), report('failed', 200), []), LeaseLostError);
      assert.equal(await store.settleLost(id, a.token, now(), { code: 'DBF_WORKER_LOST', message: 'stale settle' }), null);
      assert.deepEqual(await snapshot(s.db, id), before, 'attempt 2 is exactly as B left it');
      assert.equal(await store.loadCheckpoint(checkpointKey(id, 't1')).then((c) => (c as { rows: number }).rows), 300);

      await store.finish(b, now(), report('completed', 1_000), []);
      await store.finish(b, now(), report('completed', 1_000), []); // its retry after a lost reply: idempotent
      await assert.rejects(store.finish(a, now(), report('completed', 200), []), LeaseLostError);
      const done = await jobRow(s.db, id);
      assert.deepEqual([done.status, done.attempt, done.processed_rows], ['completed', 2, 1_000]);
      assert.equal((await jobEvents(s.db, id, 'job:finished')).length, 1);
    });

    it('a stale worker cannot pass its final write off as done when the reaper settled its job (failed, or cancelled)', async () => {
      const store = new JobStore(s.db);
      const lost = await claimedByA(store, 1);
      const cancelled = await claimedByA(store, 3);
      assert.equal(await store.requestCancel(cancelled.id, now()), 'requested');
      assert.deepEqual(await reaper(store).sweep(), { settled: 2 });
      assert.equal((await jobRow(s.db, lost.id)).status, 'failed');
      assert.equal((await jobRow(s.db, lost.id)).error_code, 'DBF_WORKER_LOST');
      assert.equal((await jobRow(s.db, cancelled.id)).status, 'cancelled');
      const before = [await snapshot(s.db, lost.id), await snapshot(s.db, cancelled.id)];
      await assert.rejects(store.finish(lost.a, now(), report('failed', 500), []), LeaseLostError);
      await assert.rejects(store.finish(cancelled.a, now(), { ...report('failed', 500), status: 'cancelled', error: null }, []), LeaseLostError);
      await assert.rejects(store.heartbeat(lost.a, now(), LEASE, null, []), LeaseLostError);
      assert.deepEqual([await snapshot(s.db, lost.id), await snapshot(s.db, cancelled.id)], before);
    });
  });
}
