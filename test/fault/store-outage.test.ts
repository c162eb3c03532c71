import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DbfError } from '../../src/domain/errors.js';
import { JobStore } from '../../src/jobs/job-store.js';
import type { FinalReport, JobEventInput, LeaseHolder } from '../../src/jobs/job-store.js';
import type { JobService } from '../../src/jobs/job-service.js';
import { Reaper } from '../../src/jobs/reaper.js';
import { Runner } from '../../src/jobs/runner.js';
import { testTask } from '../../src/jobs/test-task.js';
import { leaseTiming } from '../../src/jobs/timing.js';
import { isPidAlive, newWorkerIdentity } from '../../src/jobs/worker-identity.js';
import { WorkerRegistry } from '../../src/jobs/worker-registry.js';
import type { Logger } from '../../src/logging/logger.js';
import type { Store, StoreDb } from '../../src/store/open-store.js';
import { capturingLogger, checkpointRows, jobEvents, jobRow, resumedAt, sleep, slowSpec, waitFor, waitForStatus } from '../helpers/job-fixtures.js';
import type { CapturedLog } from '../helpers/job-fixtures.js';
import { createTestRuntime } from '../helpers/runtime.js';
import type { TestRuntime } from '../helpers/runtime.js';
import { createTempStore, openStoreUrl } from '../helpers/store-fixtures.js';
import type { TempStore } from '../helpers/store-fixtures.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import type { TcpProxy } from '../helpers/tcp-proxy.js';

/**
 * The origin case (invariant 2): the store fails when a job finishes. The final write is retried until the
 * store answers, the job ends terminal exactly once, it never reads as finished while the write fails,
 * and never as active once it is terminal. With an injected failure (a JobStore whose `finish` throws)
 * on SQLite, and with a real outage: a PostgreSQL store behind a TCP proxy that is cut.
 */

const TERMINAL = ['completed', 'failed', 'cancelled'];

/** A Runner assembled like composition.ts does, on the JobStore given (which may inject failures). */
async function startRunner(db: StoreDb, store: JobStore, leaseMs: number, logger: Logger): Promise<Runner> {
  const timing = leaseTiming(leaseMs);
  const identity = newWorkerIdentity();
  const now = (): number => Date.now();
  const reaper = new Reaper({ store, timing, now, logger, self: identity, isPidAlive });
  const runner = new Runner({ store, workers: new WorkerRegistry(db), reaper, tasks: new Map([[testTask.name, testTask]]), identity, timing, concurrency: 1, now, logger });
  await runner.start();
  return runner;
}

/** Samples what readers see of a job (its status, and whether the active list holds it) until stopped. */
function watch(jobs: JobService, id: string): { stop: () => Promise<Array<{ status: string; active: boolean }>> } {
  const samples: Array<{ status: string; active: boolean }> = [];
  let on = true;
  const loop = (async () => {
    while (on) {
      try {
        // Two reads are not one snapshot: a sample whose status changed between them straddles the
        // final write and says nothing, so it is dropped.
        const before = (await jobs.get(id)).status;
        const active = (await jobs.active()).some((j) => j.id === id);
        const after = (await jobs.get(id)).status;
        if (before === after) samples.push({ status: after, active });
      } catch {
        // the observer reads the store directly; it is not the one cut
      }
      await sleep(20);
    }
  })();
  return {
    stop: async () => {
      on = false;
      await loop;
      return samples;
    },
  };
}

/** Once a reader saw the job terminal it never saw it active again, and it was active until then. */
function assertSoundLifecycle(samples: Array<{ status: string; active: boolean }>): void {
  const firstTerminal = samples.findIndex((s) => TERMINAL.includes(s.status));
  assert.ok(firstTerminal > 0, 'the job was seen running, then terminal');
  for (const [i, s] of samples.entries()) {
    if (i < firstTerminal) assert.ok(s.active && !TERMINAL.includes(s.status), `sample ${i}: ${JSON.stringify(s)} before the end`);
    else assert.ok(TERMINAL.includes(s.status) && !s.active, `sample ${i}: ${JSON.stringify(s)} after the job finished`);
  }
}

const messages = (lines: CapturedLog[], pattern: RegExp): CapturedLog[] => lines.filter((l) => pattern.test(l.msg));

class FailingFinish extends JobStore {
  calls = 0;
  /** What readers saw of the job each time the final write failed. */
  readonly seen: Array<{ status: string; active: boolean }> = [];
  constructor(db: StoreDb, private failures: number, private readonly mode: 'before' | 'after', private readonly jobs: JobService) {
    super(db);
  }

  override async finish(lease: LeaseHolder, now: number, report: FinalReport, events: readonly JobEventInput[]): Promise<void> {
    this.calls += 1;
    if (this.failures <= 0) return super.finish(lease, now, report, events);
    this.failures -= 1;
    if (this.mode === 'after') await super.finish(lease, now, report, events); // committed, but the reply is lost
    else this.seen.push({ status: (await this.jobs.get(lease.jobId)).status, active: (await this.jobs.active()).some((j) => j.id === lease.jobId) });
    throw new DbfError('DBF_STORE_UNAVAILABLE', 'injected: the metadata store is unavailable');
  }
}

describe('the final write fails (injected, SQLite store)', () => {
  let t: TestRuntime;
  before(async () => {
    t = await createTestRuntime({ settings: { lease_ms: 3_000, allow_test_jobs: true } });
  });
  after(() => t.close());

  for (const mode of ['before', 'after'] as const) {
    it(`3 failures ${mode === 'before' ? 'before the write' : 'after a committed write (reply lost)'}: terminal once the store answers, one job:finished, never active after`, async () => {
      const db = t.runtime.store.db;
      const store = new FailingFinish(db, 3, mode, t.runtime.jobs);
      const { logger, lines } = capturingLogger();
      const { id } = await t.runtime.jobs.startTest(slowSpec(500, 100, 50), 'cli');
      const watcher = watch(t.runtime.jobs, id);
      const runner = await startRunner(db, store, 3_000, logger);
      try {
        await waitForStatus(db, id, TERMINAL, 10_000);
        await sleep(300);
      } finally {
        await runner.stop();
      }
      const samples = await watcher.stop();
      const job = await jobRow(db, id);
      assert.deepEqual([job.status, job.attempt, job.processed_rows, job.reaped_count], ['completed', 1, 500, 0]);
      assert.equal(store.calls, 4, 'three failed tries and one that landed');
      assert.equal(messages(lines, /^final write failed; retrying$/).length, 3);
      assert.equal(messages(lines, /^final write succeeded after retries$/).length, 1);
      if (mode === 'before') assert.deepEqual(store.seen, Array(3).fill({ status: 'running', active: true }), 'not shown finished while the write failed');
      assert.equal((await jobEvents(db, id, 'job:finished')).length, 1);
      assert.equal((await t.runtime.jobs.active()).length, 0);
      assertSoundLifecycle(samples);
    });
  }
});

describe('a real store outage (PostgreSQL store behind a TCP proxy that is cut)', () => {
  let temp: TempStore;
  let proxy: TcpProxy;
  let observer: TestRuntime; // reads the store directly, not through the proxy
  let proxied = '';
  const stores: Store[] = [];
  const runtimes: TestRuntime[] = [];

  before(async () => {
    temp = await createTempStore('postgres');
    observer = await createTestRuntime({ store: temp.url, settings: { allow_test_jobs: true } });
    proxy = await startTcpProxy();
    proxied = temp.url.replace('127.0.0.1:5432', `127.0.0.1:${proxy.port}`);
    assert.notEqual(proxied, temp.url);
  });
  after(async () => {
    proxy.restore();
    for (const t of runtimes) await t.close();
    for (const s of stores) await s.close();
    await observer.close();
    await proxy.close();
    await temp.cleanup();
  });

  it('cut at the final write, restored 2.5 s later: the write is retried and the job completes once, never active after', async () => {
    const LEASE = 8_000; // the outage stays well inside the lease: attempt 1 must finish it
    const s = openStoreUrl(proxied);
    stores.push(s);
    const { logger, lines } = capturingLogger();
    let cutAt = 0;
    let restoredAt = 0;
    class CutAtFinish extends JobStore {
      override async finish(lease: LeaseHolder, now: number, report: FinalReport, events: readonly JobEventInput[]): Promise<void> {
        if (cutAt === 0) {
          cutAt = Date.now();
          proxy.cut();
          setTimeout(() => {
            restoredAt = Date.now();
            proxy.restore();
          }, 2_500);
        }
        return super.finish(lease, now, report, events);
      }
    }
    const db = observer.runtime.store.db;
    const { id } = await observer.runtime.jobs.startTest(slowSpec(500, 100, 50), 'cli');
    const watcher = watch(observer.runtime.jobs, id);
    const runner = await startRunner(s.db, new CutAtFinish(s.db), LEASE, logger);
    try {
      const job = await waitForStatus(db, id, TERMINAL, 20_000);
      assert.ok(cutAt > 0 && restoredAt > 0 && (job.finished_at_ms ?? 0) >= restoredAt, 'finished after the store came back');
      await sleep(300);
    } finally {
      await runner.stop();
    }
    const samples = await watcher.stop();
    const job = await jobRow(db, id);
    assert.deepEqual([job.status, job.attempt, job.processed_rows, job.reaped_count], ['completed', 1, 500, 0]);
    assert.ok(messages(lines, /^final write failed; retrying$/).length >= 2, 'the final write failed during the outage and was retried');
    assert.equal(messages(lines, /^final write succeeded after retries$/).length, 1);
    assert.ok(samples.some((x) => x.status === 'running' && x.active), 'seen running during the outage');
    assert.equal((await jobEvents(db, id, 'job:finished')).length, 1);
    assertSoundLifecycle(samples);
  });

  for (const { outageMs, leaseMs, attempt } of [
    { outageMs: 1_000, leaseMs: 6_000, attempt: 1 }, // shorter than lease/2: the worker rides it out
    { outageMs: 4_000, leaseMs: 3_000, attempt: 2 }, // longer than the lease: the worker fences itself, the job is reaped
  ]) {
    it(`cut just before the last step for ${outageMs} ms (lease ${leaseMs} ms): completed by attempt ${attempt}, exactly once`, async () => {
      const t = await createTestRuntime({ store: proxied, settings: { lease_ms: leaseMs, allow_test_jobs: true } });
      runtimes.push(t);
      const db = observer.runtime.store.db;
      const { id } = await observer.runtime.jobs.startTest(slowSpec(1_000, 100, 300), 'cli');
      const watcher = watch(observer.runtime.jobs, id);
      const runner = await t.runtime.startWorker({ concurrency: 1 });
      await waitFor('the checkpoint before the last step', async () => (await checkpointRows(db, id, 't1')) >= 900, 15_000, 5);
      proxy.cut();
      await sleep(outageMs);
      proxy.restore();
      const job = await waitForStatus(db, id, TERMINAL, 20_000);
      await sleep(300);
      const samples = await watcher.stop();
      await runner.stop();
      assert.deepEqual([job.status, job.attempt, job.processed_rows], ['completed', attempt, 1_000]);
      assert.equal((await jobEvents(db, id, 'job:finished')).length, 1);
      assert.equal((await jobEvents(db, id, 'job:reaped')).length, attempt - 1);
      if (attempt === 2) assert.deepEqual(await resumedAt(db, id), [900], 'attempt 2 resumed at the last checkpoint');
      assertSoundLifecycle(samples);
    });
  }
});
