import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { leaseTiming } from '../../src/jobs/timing.js';
import { checkpointRows, jobEvents, jobRow, jobTables, locksOf, resumedAt, slowSpec, waitFor, waitForStatus } from '../helpers/job-fixtures.js';
import { createTestRuntime } from '../helpers/runtime.js';
import type { TestRuntime } from '../helpers/runtime.js';
import { killAllWorkers, spawnWorker } from '../helpers/worker-process.js';

/**
 * Invariant 3 with real processes: a worker process killed with SIGKILL in the middle of a job. The job
 * is settled within lease + reaper interval by another worker process (or at once when the same node
 * starts again: boot reconciliation), resumed from its checkpoint as attempt 2, completed exactly once.
 * SQLite file store shared by every process.
 */

const TERMINAL = ['completed', 'failed', 'cancelled'];

describe('a worker process killed with -9 in the middle of a job', () => {
  let dir = '';
  let store = '';
  const runtimes: TestRuntime[] = [];
  const open = async (leaseMs: number): Promise<TestRuntime> => {
    const t = await createTestRuntime({ store, settings: { lease_ms: leaseMs, allow_test_jobs: true } });
    runtimes.push(t);
    return t;
  };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'dbf-fault-crash-'));
    store = `sqlite:${join(dir, 'store.db')}`;
  });

  after(async () => {
    await killAllWorkers();
    for (const t of runtimes) await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is reaped by another worker within lease + reaper interval, resumes at its checkpoint as attempt 2 and completes once', async () => {
    const LEASE = 2_000;
    const timing = leaseTiming(LEASE);
    const t = await open(LEASE);
    const db = t.runtime.store.db;
    const a = await spawnWorker({ store, home: dir, leaseMs: LEASE });
    const job = await t.runtime.jobs.startTest(slowSpec(3_000, 100, 100), 'cli', { name: 'crash-1' });
    await waitFor('worker A to claim the job', async () => (await jobRow(db, job.id)).worker_id === a.workerId);
    // The second worker starts while A is alive: its boot reconciliation must leave A's job alone.
    const b = await spawnWorker({ store, home: dir, leaseMs: LEASE });
    assert.equal((await jobRow(db, job.id)).worker_id, a.workerId, 'a live worker keeps its job when another process starts');
    await waitFor('a checkpoint of at least 500 rows', async () => (await checkpointRows(db, job.id, 't1')) >= 500);

    const killedAt = Date.now();
    await a.kill9();
    const atKill = await checkpointRows(db, job.id, 't1');
    assert.equal((await jobRow(db, job.id)).status, 'running', 'nothing settles the job the moment its worker dies');

    const bound = LEASE + timing.reapMs * 1.2 + 1_000; // lease + one reaper period (with its jitter) + slack
    const reaped = await waitFor('the job to be reaped', async () => (await jobEvents(db, job.id, 'job:reaped'))[0], bound + 2_000);
    assert.ok(reaped.at_ms - killedAt <= bound, `settled ${reaped.at_ms - killedAt} ms after the kill; bound ${bound} ms`);
    assert.ok(reaped.at_ms - killedAt >= LEASE - timing.heartbeatMs, `not reaped before the lease ran out (${reaped.at_ms - killedAt} ms)`);

    const final = await waitForStatus(db, job.id, TERMINAL, 20_000);
    assert.equal(final.status, 'completed');
    assert.equal(final.attempt, 2);
    assert.equal(final.worker_id, b.workerId);
    assert.equal(final.reaped_count, 1);
    assert.equal(final.processed_rows, 3_000);
    assert.ok(atKill > 0 && atKill < 3_000, `A died mid-job (checkpoint ${atKill})`);
    assert.deepEqual(await resumedAt(db, job.id), [atKill], 'attempt 2 resumed exactly at the checkpoint A left');
    assert.equal((await jobEvents(db, job.id, 'job:finished')).length, 1, 'exactly one job:finished');
    assert.equal((await jobEvents(db, job.id, 'job:retried')).length, 1);
    assert.deepEqual((await jobEvents(db, job.id, 'job:claimed')).map((e) => JSON.parse(e.data ?? '{}') as { worker_id: string }).map((d) => d.worker_id), [a.workerId, b.workerId]);
    const [table] = await jobTables(db, job.id);
    assert.equal(table?.status, 'completed');
    assert.equal(table?.processed_rows, 3_000);
    assert.deepEqual(await locksOf(db, job.id), [], 'the lock is released');
    assert.equal((await t.runtime.jobs.active()).length, 0, 'nothing is left active');
    await b.stop();
  });

  it('the same node restarting settles the dead worker\'s job at its start, long before the lease, and runs it as attempt 2', async () => {
    const LEASE = 60_000; // only boot reconciliation can settle the job in time
    const t = await open(LEASE);
    const db = t.runtime.store.db;
    const a = await spawnWorker({ store, home: dir, leaseMs: LEASE });
    const job = await t.runtime.jobs.startTest(slowSpec(2_000, 100, 100), 'cli', { name: 'crash-2' });
    await waitFor('worker A to claim the job', async () => (await jobRow(db, job.id)).worker_id === a.workerId);
    await waitFor('a checkpoint of at least 300 rows', async () => (await checkpointRows(db, job.id, 't1')) >= 300);

    const killedAt = Date.now();
    await a.kill9();
    const atKill = await checkpointRows(db, job.id, 't1');
    const restartedAt = Date.now();
    const b = await spawnWorker({ store, home: dir, leaseMs: LEASE });

    const reaped = (await jobEvents(db, job.id, 'job:reaped'))[0];
    assert.ok(reaped, 'settled by the time the new worker is ready');
    assert.ok(reaped.at_ms >= restartedAt && reaped.at_ms <= b.readyAt, 'settled during the new process\'s start-up');
    assert.match(reaped.message, /found at start-up/);
    assert.ok(reaped.at_ms - killedAt < LEASE / 4, `settled ${reaped.at_ms - killedAt} ms after the kill, not after the ${LEASE} ms lease`);

    const final = await waitForStatus(db, job.id, TERMINAL, 20_000);
    assert.equal(final.status, 'completed');
    assert.equal(final.attempt, 2);
    assert.equal(final.worker_id, b.workerId);
    assert.equal(final.processed_rows, 2_000);
    assert.ok(atKill > 0);
    assert.deepEqual(await resumedAt(db, job.id), [atKill]);
    assert.equal((await jobEvents(db, job.id, 'job:finished')).length, 1);
    assert.equal((await t.runtime.jobs.active()).length, 0);
    await b.stop();
  });
});
