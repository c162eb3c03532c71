import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Job, JobEvent } from '../../web/src/api/types.js';
import { dailySeries } from '../../web/src/lib/daily-series.js';
import { rateSeries } from '../../web/src/lib/rate-series.js';
import { SseParser } from '../../web/src/live/sse-parser.js';
import type { SseMessage } from '../../web/src/live/sse-parser.js';

/** The dashboard's pure parts, without a browser: the event-stream parser and the 30-day series. */
describe('dashboard logic', () => {
  it('parses Server-Sent Events split at any byte, skipping comments and taking retry', () => {
    const stream = 'retry: 2000\n: connected at event 4\n\nid: 5\nevent: job:progress\ndata: {"a":1}\n\n: ping\n\r\nid: 6\r\ndata: line one\r\ndata: line two\r\n\r\n';
    for (const size of [1, 2, 7, stream.length]) {
      const messages: SseMessage[] = [];
      const retries: number[] = [];
      const parser = new SseParser((m) => messages.push(m), (ms) => retries.push(ms));
      for (let i = 0; i < stream.length; i += size) parser.feed(stream.slice(i, i + size));
      assert.deepEqual(retries, [2000]);
      assert.deepEqual(messages, [
        { id: '5', event: 'job:progress', data: '{"a":1}' },
        { id: '6', event: 'message', data: 'line one\nline two' },
      ], `chunks of ${size}`);
    }
  });

  it('turns pulse events into rows per second, the final count of job:finished included, a resumed count never negative', () => {
    const at = (s: number): string => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
    const e = (type: string, s: number, data: unknown): JobEvent => ({ id: s, job_id: 'j', at: at(s), level: 'info', type, table_name: null, message: '', data });
    const points = rateSeries([
      e('job:claimed', 0, null),
      e('job:progress', 2, { processed_rows: 2000 }),
      e('table:started', 3, { processed_rows: 99_999 }),
      e('job:heartbeat', 4, { processed_rows: 1000 }),
      e('job:finished', 5, { status: 'completed', error: null, processed_rows: 4000 }),
      e('job:finished', 6, { status: 'failed', error: null }),
    ]);
    assert.deepEqual(points.map((p) => p.v), [1000, 0, 3000]);
  });

  it('groups finished jobs by local day over 30 days, averaging only completed runs', () => {
    const now = new Date(2026, 5, 30, 12).getTime();
    const at = (daysAgo: number): string => new Date(now - daysAgo * 86_400_000).toISOString();
    const job = (status: Job['status'], daysAgo: number, ms: number): Job => ({ status, finished_at: at(daysAgo), started_at: at(daysAgo), duration_ms: ms }) as Job;
    const days = dailySeries([job('completed', 0, 1000), job('completed', 0, 3000), job('failed', 0, 99_000), job('cancelled', 2, 10), job('completed', 45, 5)], now);
    assert.equal(days.length, 30);
    assert.deepEqual(days.at(-1), { day: '2026-06-30', completed: 2, failed: 1, cancelled: 0, avgMs: 2000, maxMs: 3000 });
    assert.deepEqual(days.at(-3), { day: '2026-06-28', completed: 0, failed: 0, cancelled: 1, avgMs: null, maxMs: null });
    assert.equal(days.reduce((n, d) => n + d.completed + d.failed + d.cancelled, 0), 4, 'the job of 45 days ago is outside the window');
  });
});
