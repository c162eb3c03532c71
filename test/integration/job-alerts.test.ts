import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { AlertDispatcher, MAX_ALERT_ATTEMPTS } from '../../src/jobs/alert-dispatcher.js';
import type { AlertPayload } from '../../src/jobs/alert-dispatcher.js';
import { loadSettings } from '../../src/config/settings.js';
import { DbfError } from '../../src/domain/errors.js';
import { silentLogger, slowSpec, waitFor, waitForStatus } from '../helpers/job-fixtures.js';
import { createTestRuntime } from '../helpers/runtime.js';
import type { TestRuntime } from '../helpers/runtime.js';

/**
 * Invariant 8's webhook: reaped and failed jobs are announced to `alerts.webhook_url` from the outbox
 * written with the state change; failed posts are retried; several dispatchers deliver each alert once.
 * The receiver is a real HTTP server on 127.0.0.1.
 */

interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: AlertPayload;
}

async function startReceiver(): Promise<{ url: string; received: Received[]; failNext: (n: number) => void; close: () => Promise<void> }> {
  const received: Received[] = [];
  let failures = 0;
  const server: Server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    request.on('end', () => {
      if (failures > 0) {
        failures -= 1;
        response.writeHead(500).end('not now');
        return;
      }
      received.push({ headers: request.headers, body: JSON.parse(text) as AlertPayload });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    failNext: (n) => (failures = n),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('webhook alerts on reaped and failed jobs', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let t: TestRuntime;

  before(async () => {
    receiver = await startReceiver();
    t = await createTestRuntime({ settings: { lease_ms: 3_000, allow_test_jobs: true, 'alerts.webhook_url': receiver.url } });
  });
  after(async () => {
    await t.close();
    await receiver.close();
  });

  it('a failed job is announced once, with the job and its error code; a completed job is not', async () => {
    const runner = await t.runtime.startWorker({ concurrency: 2 });
    try {
      const failing = await t.runtime.jobs.startTest({ tables: [{ name: 'a', rows: 100, fail: true }], step_ms: 1 }, 'cli');
      const fine = await t.runtime.jobs.startTest(slowSpec(100, 50, 1), 'cli');
      await waitForStatus(t.runtime.store.db, fine.id, ['completed']);
      const alert = await waitFor('the alert', () => receiver.received.find((r) => r.body.job.id === failing.id));
      assert.equal(alert.body.event, 'job.failed');
      assert.equal(alert.body.code, 'DBF_TASK_FAILED');
      assert.deepEqual([alert.body.job.status, alert.body.job.error_code, alert.body.job.attempt], ['failed', 'DBF_TASK_FAILED', 1]);
      assert.equal(alert.headers['content-type'], 'application/json');
      assert.equal(alert.headers['x-dbferry-alert-id'], String(alert.body.alert_id));
      assert.match(alert.body.at, /^\d{4}-\d\d-\d\dT/);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      assert.equal(receiver.received.filter((r) => r.body.job.id === failing.id).length, 1, 'announced once');
      assert.equal(receiver.received.filter((r) => r.body.job.id === fine.id).length, 0, 'a completed job is not announced');
    } finally {
      await runner.stop();
    }
  });

  it("a job whose worker died is announced as reaped by the reaper's process, naming the lost worker's code", async () => {
    const db = t.runtime.store.db;
    const { id } = await t.runtime.jobs.startTest(slowSpec(100, 10, 10), 'cli');
    const old = Date.now() - 60_000;
    await db.updateTable('jobs').set({ status: 'running', worker_id: 'elsewhere/1/ab-1', lease_token: 'dead', heartbeat_at_ms: old, claimed_at_ms: old, started_at_ms: old }).where('id', '=', id).execute();
    const runner = await t.runtime.startWorker({ concurrency: 1 });
    try {
      const alert = await waitFor('the reaped alert', () => receiver.received.find((r) => r.body.job.id === id && r.body.event === 'job.reaped'));
      assert.equal(alert.body.code, 'DBF_WORKER_LOST');
      assert.match(alert.body.message, /no heartbeat from elsewhere\/1\/ab-1/);
      await waitForStatus(db, id, ['completed'], 10_000);
    } finally {
      await runner.stop();
    }
  });

  it('a webhook answering 500 gets the alert again with backoff until it takes it; one that never does is given up', async () => {
    // A store of its own without a webhook setting, so that only this test's fast-retrying dispatcher posts.
    const quiet = await createTestRuntime({ settings: { allow_test_jobs: true } });
    const db = quiet.runtime.store.db;
    const { id } = await quiet.runtime.jobs.startTest({ tables: [], fail_attempts: 1 }, 'cli');
    const dispatcher = new AlertDispatcher({ db, webhookUrl: receiver.url, now: Date.now, logger: silentLogger(), pollMs: 20, retryBaseMs: 20 });
    receiver.failNext(2);
    const runner = await quiet.runtime.startWorker({ concurrency: 1 });
    dispatcher.start();
    try {
      await waitFor('delivery after two failures', () => receiver.received.find((r) => r.body.job.id === id));
      const row = await waitFor('the delivery stamp', () => db.selectFrom('job_alerts').selectAll().where('job_id', '=', id).where('delivered_at_ms', 'is not', null).executeTakeFirst());
      assert.equal(row.attempts, 3);
      assert.equal(receiver.received.filter((r) => r.body.job.id === id).length, 1);

      receiver.failNext(1_000);
      const { id: never } = await quiet.runtime.jobs.startTest({ tables: [], fail_attempts: 1 }, 'cli');
      await waitForStatus(db, never, ['failed']);
      await waitFor('the last attempt', async () => (await db.selectFrom('job_alerts').select('attempts').where('job_id', '=', never).executeTakeFirstOrThrow()).attempts >= MAX_ALERT_ATTEMPTS, 10_000);
      const given = await db.selectFrom('job_alerts').selectAll().where('job_id', '=', never).executeTakeFirstOrThrow();
      assert.deepEqual([given.attempts, given.delivered_at_ms, given.last_error], [MAX_ALERT_ATTEMPTS, null, 'the webhook answered HTTP 500']);
    } finally {
      receiver.failNext(0);
      await dispatcher.stop();
      await runner.stop();
      await quiet.close();
    }
  });

  it('three dispatchers racing over 30 alerts deliver each exactly once', async () => {
    const db = t.runtime.store.db;
    const runner = await t.runtime.startWorker({ concurrency: 4 });
    const ids: string[] = [];
    try {
      for (let i = 0; i < 30; i += 1) ids.push((await t.runtime.jobs.startTest({ tables: [], fail_attempts: 1 }, 'cli')).id);
      for (const id of ids) await waitForStatus(db, id, ['failed']);
    } finally {
      await runner.stop();
    }
    const dispatchers = [0, 1, 2].map(() => new AlertDispatcher({ db, webhookUrl: receiver.url, now: Date.now, logger: silentLogger(), pollMs: 5 }));
    dispatchers.forEach((d) => d.start());
    try {
      await waitFor('all 30 alerts', () => ids.every((id) => receiver.received.some((r) => r.body.job.id === id)), 15_000);
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      await Promise.all(dispatchers.map((d) => d.stop()));
    }
    const perJob = ids.map((id) => receiver.received.filter((r) => r.body.job.id === id).length);
    assert.deepEqual(perJob, ids.map(() => 1));
  });

  it('refuses a webhook URL that is not http(s)', () => {
    assert.throws(
      () => loadSettings({ env: { DBFERRY_ALERTS_WEBHOOK_URL: 'ftp://example.com/x' }, cwd: t.home, flags: { home: t.home } }),
      (error: unknown) => error instanceof DbfError && error.code === 'DBF_CONFIG_INVALID' && /alerts\.webhook_url/.test(error.message),
    );
  });
});
