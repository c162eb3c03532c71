import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import type { TempDatabase } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';
import { launchBrowser, openPage, screenshot } from './browser.js';
import type { TestPage } from './browser.js';
import { ensureDashboardBuilt } from './dashboard-build.js';
import { apiData, createShop, sqliteFile, targetDatabase, writerAccount } from './fixtures.js';
import { startServe } from './serve-process.js';
import type { ServeProcess } from './serve-process.js';

interface JobView {
  readonly id: string;
  readonly status: string;
}

/** Monitoring in the dashboard: the overview, cancel, failures, history, charts, doctor, a phone screen. */
describe('dashboard: monitoring jobs', () => {
  let server: ServeProcess;
  let browser: Browser;
  let shop: TempDatabase;
  let t: TestPage;
  const slowTarget = targetDatabase();
  const smallTarget = targetDatabase();
  const ids: Record<string, string> = {};
  let notesFile = '';

  const finished = async (jobId: string): Promise<JobView> =>
    waitFor(async () => {
      const job = await apiData<JobView>(server.origin, 'GET', `/jobs/${jobId}`);
      return job.status !== 'pending' && job.status !== 'running' ? job : undefined;
    }, 60_000, `job ${jobId} to finish`);

  before(async () => {
    ensureDashboardBuilt();
    server = await startServe();
    browser = await launchBrowser();
    shop = await createShop(600_000);
    const writer = await writerAccount();
    const post = (path: string, body: unknown) => apiData<{ id: string }>(server.origin, 'POST', path, body);
    await post('/connections', { name: 'maria-prod', url: `mysql://root@127.0.0.1:3306/${shop.name}` });
    await post('/connections', { name: 'maria-dev', engine: 'mysql', host: '127.0.0.1', username: writer.user, password: writer.password });
    notesFile = sqliteFile(server.home, 'notes.db', 10);
    await post('/connections', { name: 'notes-src', url: `sqlite:${notesFile}` });
    await post('/connections', { name: 'notes-dst', url: `sqlite:${sqliteFile(server.home, 'notes-copy.db')}` });
    const slow = { tables: [{ source_table: 'events' }], options: { batch_size: 5, max_concurrency: 1 } };
    ids.slow = (await post('/configs', { name: 'events-slow', source_connection_id: 'maria-prod', target_connection_id: 'maria-dev', target_database: slowTarget.name, ...slow })).id;
    ids.small = (await post('/configs', { name: 'small', source_connection_id: 'maria-prod', target_connection_id: 'maria-dev', target_database: smallTarget.name, tables: [{ source_table: 'customers' }, { source_table: 'products' }] })).id;
    ids.notes = (await post('/configs', { name: 'notes-broken', source_connection_id: 'notes-src', target_connection_id: 'notes-dst', tables: [{ source_table: 'notes' }] })).id;
    t = await openPage(browser, server.origin);
  });
  after(async () => {
    await t?.close();
    await browser?.close();
    await server?.stop();
    await shop?.drop();
    await slowTarget.drop();
    await smallTarget.drop();
  });

  it('opens on an empty overview: stat cards, no active job, empty charts', async () => {
    const { page } = t;
    await page.goto('/');
    await page.locator('.live[data-live="live"]').waitFor();
    await page.getByText('No job is running').waitFor();
    assert.equal(await page.locator('[data-stat="Active jobs"] .stat-value').innerText(), '0');
    await page.getByText('No completed job in the last 30 days.').waitFor();
    await screenshot(page, 'overview-01-empty');
  });

  it('cancels a running job from its card on the overview; its config cannot be deleted meanwhile', async () => {
    const { page } = t;
    await page.goto('/configs');
    await page.locator('[data-config="events-slow"]').getByRole('button', { name: 'Start job' }).click();
    await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
    const jobId = page.url().split('/').pop() ?? '';

    await page.goto('/configs');
    await page.locator('[data-config="events-slow"]').getByRole('button', { name: 'Delete' }).click();
    const refused = page.locator('[data-config="events-slow"] .notice-error');
    await refused.waitFor();
    assert.match(await refused.innerText(), /DBF_SYNC_CONFIG_BUSY.*active job/s);
    await screenshot(page, 'configs-03-delete-refused');

    await page.getByRole('link', { name: 'Overview' }).click();
    const card = page.locator(`.job-card[data-job-id="${jobId}"]`);
    await card.locator('[data-metric="rows"]', { hasText: /^[1-9]/ }).waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('[data-stat="Active jobs"] .stat-value').innerText(), '1');
    await screenshot(page, 'overview-03-running');
    await card.getByRole('button', { name: 'Cancel' }).click();
    await card.waitFor({ state: 'detached', timeout: 30_000 });
    assert.equal((await finished(jobId)).status, 'cancelled');
    await page.getByText('No job is running').waitFor();

    await page.goto(`/jobs/${jobId}`);
    await page.locator('section.job-page[data-status="cancelled"]').waitFor();
    await page.locator('.log-line[data-type="job:cancel_requested"]').waitFor();
    await screenshot(page, 'jobs-03-cancelled');
  });

  it('shows a failed job’s error, here a source file that is gone, on its page', async () => {
    const { page } = t;
    rmSync(notesFile);
    const job = await apiData<JobView>(server.origin, 'POST', '/jobs', { config_id: ids.notes });
    await page.goto(`/jobs/${job.id}`);
    await page.locator('section.job-page[data-status="failed"]').waitFor({ timeout: 30_000 });
    const error = page.locator('section.job-page > .notice-error').last();
    assert.match(await error.innerText(), /The job failed:.*DBF_\w+/s);
    assert.match(await page.locator('tr[data-table="notes"]').innerText(), /failed/);
    await screenshot(page, 'jobs-04-failed');
  });

  it('filters the history by status and config, and pages through it', async () => {
    const { page } = t;
    for (let i = 0; i < 3; i += 1) await finished((await apiData<JobView>(server.origin, 'POST', '/jobs', { config_id: ids.small })).id);
    await page.goto('/jobs');
    const rows = page.locator('table.history tbody tr');
    await waitFor(async () => (await rows.count()) === 5, 10_000, 'five finished jobs');
    await page.locator('select[name=status]').selectOption('failed');
    await page.waitForURL(/status=failed/);
    await waitFor(async () => (await rows.count()) === 1, 10_000, 'one failed job');
    assert.match(await rows.first().innerText(), /notes-broken.*failed.*DBF_/s);
    await page.locator('select[name=status]').selectOption('finished');
    await page.locator('select[name=config_id]').selectOption({ label: 'small' });
    await waitFor(async () => (await rows.count()) === 3 && (await page.locator('tr[data-status="completed"]').count()) === 3, 10_000, 'three jobs of "small"');
    await screenshot(page, 'history-02-filtered');

    await page.goto('/jobs?limit=2');
    await page.locator('.pager-text', { hasText: '1–2 of 5' }).waitFor();
    await page.getByRole('button', { name: 'Older →' }).click();
    await page.locator('.pager-text', { hasText: '3–4 of 5' }).waitFor();
    await page.getByRole('button', { name: 'Older →' }).click();
    await page.locator('.pager-text', { hasText: '5–5 of 5' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Older →' }).isDisabled(), true);
  });

  it('draws jobs per day and their durations over 30 days, and the stat cards count them', async () => {
    const { page } = t;
    await page.goto('/');
    const perDay = page.locator('figure[data-chart="Jobs per day (30 days)"]');
    for (const kind of ['completed', 'failed', 'cancelled']) await perDay.locator(`rect.seg-${kind}`).last().waitFor();
    assert.match((await perDay.locator('g.bar title').last().textContent()) ?? '', /3 completed, 1 failed, 1 cancelled/);
    await page.locator('figure[data-chart="Average duration of completed jobs per day (30 days)"] rect.seg-duration').last().waitFor();
    assert.equal(await page.locator('[data-stat="Completed"] .stat-value').innerText(), '3');
    assert.equal(await page.locator('[data-stat="Failed"] .stat-value').innerText(), '1');
    await screenshot(page, 'overview-04-history');
  });

  it('lists no zombie on the doctor page', async () => {
    const { page } = t;
    await page.getByRole('link', { name: 'Doctor' }).click();
    await page.locator('.doctor-clean').waitFor();
    await screenshot(page, 'doctor-01-clean');
    assert.deepEqual(t.problems, []);
  });

  it('fits a phone screen: no sideways scrolling, the menu folds', async () => {
    const phone = await openPage(browser, server.origin, { viewport: { width: 390, height: 844 } });
    try {
      const { page } = phone;
      const jobs = await apiData<JobView[]>(server.origin, 'GET', '/jobs?status=completed&limit=1');
      const pages = [
        ['/', 'overview', 'figure[data-chart]'],
        ['/jobs', 'history', 'table.history'],
        [`/jobs/${jobs[0]?.id ?? ''}`, 'job', '.log-line'],
        ['/connections', 'connections', 'table.connections'],
      ] as const;
      for (const [path, name, content] of pages) {
        await page.goto(path);
        await page.locator(content).first().waitFor();
        const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
        assert.equal(overflow, 0, `the ${name} page scrolls sideways on a phone`);
        await screenshot(page, `phone-${name}`);
      }
      await page.getByRole('button', { name: 'Menu' }).click();
      await page.getByRole('link', { name: 'Doctor' }).click();
      await page.locator('.doctor-clean').waitFor();
      assert.deepEqual(phone.problems, []);
    } finally {
      await phone.close();
    }
  });
});
