import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createTestRuntime } from '../helpers/runtime.js';
import type { TestRuntime } from '../helpers/runtime.js';
import { waitFor } from '../helpers/wait.js';

const JOBS = Number(process.env.DBFERRY_TEST_SOAK_JOBS ?? 1000);
const CONCURRENCY = 4;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapMiB = (): number => {
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
};
const rssMiB = (): number => process.memoryUsage().rss / 2 ** 20;
/** The process's peak RSS so far (getrusage maxrss, KiB on Linux). */
const peakRssMiB = (): number => process.resourceUsage().maxRSS / 1024;

/**
 * Soak: 1,000 short jobs through one worker with concurrency 4 on the default SQLite store. Every job
 * must complete exactly once (one `job:finished` event, attempt 1), the active list must be empty at
 * the end, and memory must stay flat (heap after GC at the end within a small margin of the heap after
 * the first fifth). The figures are printed as test diagnostics.
 */
describe(`soak: ${JOBS} short jobs, concurrency ${CONCURRENCY}`, () => {
  let t: TestRuntime;
  before(async () => {
    t = await createTestRuntime({ settings: { allow_test_jobs: true, lease_ms: 5000 } });
  });
  after(() => t.close());

  it('completes every job exactly once, leaves nothing active, keeps memory flat', async (context) => {
    const { jobs, store } = t.runtime;
    const rssStart = rssMiB();
    const peakStart = peakRssMiB();
    const started = performance.now();
    const ids: string[] = [];
    for (let i = 0; i < JOBS; i += 1) ids.push((await jobs.startTest({ tables: [{ name: 't', rows: 20 }], step_rows: 10, step_ms: 0 }, 'api')).id);
    await t.runtime.startWorker({ concurrency: CONCURRENCY });
    const doneCount = async (): Promise<number> => Number((await store.db.selectFrom('jobs').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'completed').executeTakeFirstOrThrow()).n);
    await waitFor(async () => (await doneCount()) >= JOBS / 5, 120_000, 'a fifth of the jobs');
    const heapEarly = heapMiB();
    const rssEarly = rssMiB();
    await waitFor(async () => (await doneCount()) === JOBS, 300_000, 'all jobs completed');
    const seconds = (performance.now() - started) / 1000;
    const heapEnd = heapMiB();
    const rssEnd = rssMiB();
    const peakEnd = peakRssMiB();

    const finishes = await store.db
      .selectFrom('job_events')
      .select(['job_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('type', '=', 'job:finished')
      .groupBy('job_id')
      .execute();
    assert.equal(finishes.length, JOBS);
    assert.ok(finishes.every((f) => Number(f.n) === 1), 'exactly one final write per job');
    const rows = await store.db.selectFrom('jobs').select(['id', 'status', 'attempt', 'processed_rows']).execute();
    assert.ok(rows.every((r) => r.status === 'completed' && r.attempt === 1 && r.processed_rows === 20));
    assert.deepEqual(new Set(rows.map((r) => r.id)), new Set(ids));
    assert.deepEqual(await jobs.active(), []);
    assert.equal((await store.db.selectFrom('job_locks').selectAll().execute()).length, 0);
    context.diagnostic(`${JOBS} jobs in ${seconds.toFixed(1)} s (${(JOBS / seconds).toFixed(0)} jobs/s); heap after GC ${heapEarly.toFixed(1)} → ${heapEnd.toFixed(1)} MiB; RSS start ${rssStart.toFixed(0)}, at 1/5 ${rssEarly.toFixed(0)}, end ${rssEnd.toFixed(0)} MiB; peak RSS ${peakStart.toFixed(0)} MiB at start, ${peakEnd.toFixed(0)} MiB at the end`);
    assert.ok(heapEnd - heapEarly < 25, `heap grew from ${heapEarly.toFixed(1)} to ${heapEnd.toFixed(1)} MiB`);
  });
});
