import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestRuntime } from '../helpers/runtime.js';
import type { TestRuntime } from '../helpers/runtime.js';
import { waitFor } from '../helpers/wait.js';

interface SseEvent {
  readonly id: number;
  readonly type: string;
  readonly data: { job_id: string; type: string };
}

/** Reads SSE events from a live server until `enough` says stop (or the deadline passes). */
async function readEvents(url: string, headers: Record<string, string>, enough: (events: SseEvent[]) => boolean, timeoutMs = 10_000): Promise<{ events: SseEvent[]; raw: string }> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  const response = await fetch(url, { headers, signal: abort.signal });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
  const events: SseEvent[] = [];
  let raw = '';
  const reader = response.body?.getReader();
  assert.ok(reader);
  const decoder = new TextDecoder();
  try {
    while (!enough(events)) {
      const { value, done } = await reader.read();
      if (done) break;
      raw += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = raw.indexOf('\n\n')) >= 0) {
        const block = raw.slice(0, end);
        raw = raw.slice(end + 2);
        const id = /^id: (\d+)$/m.exec(block)?.[1];
        const type = /^event: (.+)$/m.exec(block)?.[1];
        const data = /^data: (.+)$/m.exec(block)?.[1];
        if (id && type && data) events.push({ id: Number(id), type, data: JSON.parse(data) as SseEvent['data'] });
      }
    }
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
  return { events, raw };
}

describe('API: live events (SSE)', () => {
  let t: TestRuntime;
  let base: string;

  before(async () => {
    t = await createTestRuntime({ settings: { allow_test_jobs: true, lease_ms: 3000 } });
    await t.runtime.startWorker();
    base = `${await t.app.listen({ host: '127.0.0.1', port: 0 })}/api/sync`;
  });
  after(() => t.close());

  it('streams every event of a job as it happens, in order, from both stream paths', async () => {
    const stream = readEvents(`${base}/events`, {}, (events) => events.some((e) => e.type === 'job:finished'));
    const legacy = readEvents(`${base}/jobs/progress/stream`, {}, (events) => events.some((e) => e.type === 'job:finished'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const job = await t.runtime.jobs.startTest({ tables: [{ name: 'a', rows: 100 }], step_rows: 50, step_ms: 20 }, 'api');
    for (const { events } of [await stream, await legacy]) {
      const mine = events.filter((e) => e.data.job_id === job.id);
      assert.deepEqual(mine.map((e) => e.type), ['job:created', 'job:claimed', 'table:started', 'table:completed', 'job:finished']);
      assert.deepEqual(mine.map((e) => e.id), [...mine.map((e) => e.id)].sort((a, b) => a - b), 'ids increase');
    }
  });

  it('resumes after Last-Event-ID without losing or repeating events, and filters by job', async () => {
    const job = await t.runtime.jobs.startTest({ tables: [{ name: 'b', rows: 100 }], step_rows: 50, step_ms: 5 }, 'api');
    await waitFor(async () => (await t.runtime.jobs.get(job.id)).status === 'completed', 10_000, 'job completed');
    const done = await t.runtime.jobs.logs(job.id, {});
    assert.equal(done.items.at(-1)?.type, 'job:finished');
    const firstId = done.items[0]?.id ?? 0;
    const { events } = await readEvents(`${base}/events?job_id=${job.id}`, { 'last-event-id': String(firstId) }, (e) => e.some((x) => x.type === 'job:finished'));
    assert.deepEqual(events.map((e) => e.id), done.items.slice(1).map((e) => e.id));
    assert.ok(events.every((e) => e.data.job_id === job.id));
  });

  it('streams progress events (debug level) while a job runs longer than the progress interval', async () => {
    const job = await t.runtime.jobs.startTest({ tables: [{ name: 'long', rows: 3500 }], step_rows: 50, step_ms: 50 }, 'api');
    const { events } = await readEvents(`${base}/events?job_id=${job.id}`, {}, (e) => e.some((x) => x.type === 'job:finished'), 20_000);
    const progress = events.filter((e) => e.type === 'job:progress').map((e) => (e.data as unknown as { data: { processed_rows: number } }).data.processed_rows);
    assert.ok(progress.length >= 1, 'at least one progress event in a 3.5 s job');
    assert.deepEqual(progress, [...progress].sort((a, b) => a - b), 'progress only grows');
    assert.ok(progress.every((rows) => rows > 0 && rows <= 3500));
  });
});
