import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { TempDatabase } from '../helpers/servers.js';
import { withMysqlAdmin } from '../helpers/servers.js';
import { launchBrowser, openPage, screenshot } from './browser.js';
import type { TestPage } from './browser.js';
import { ensureDashboardBuilt } from './dashboard-build.js';
import { apiData, createShop, targetDatabase, writerAccount } from './fixtures.js';
import { startServe } from './serve-process.js';
import type { ServeProcess } from './serve-process.js';

interface ConfigView {
  readonly id: string;
  readonly options: { batch_size: number | null; max_concurrency: number | null; overlap_seconds: number; detect_deletes: boolean };
  readonly tables: Array<{ id: string; source_table: string; target_table: string; sync_mode: string; cursor_column: string | null; where_clause: string | null; sort_order: number }>;
}

const mappingOrder = (page: Page): Promise<string[]> => page.locator('li.mapping').evaluateAll((items) => items.map((li) => li.getAttribute('data-mapping') ?? ''));

/** Drags a mapping row by its handle onto another row (real mouse events: HTML drag and drop). */
async function drag(page: Page, from: string, onto: string): Promise<void> {
  await page.locator(`li.mapping[data-mapping="${from}"] .drag-handle`).dragTo(page.locator(`li.mapping[data-mapping="${onto}"]`));
}

/** Sync configs in the dashboard: the editor, a dry run, and a job started from it, followed live to history. */
describe('dashboard: sync configs and a live job', () => {
  let server: ServeProcess;
  let browser: Browser;
  let shop: TempDatabase;
  let t: TestPage;
  const target = targetDatabase();
  let configId = '';

  before(async () => {
    ensureDashboardBuilt();
    server = await startServe();
    browser = await launchBrowser();
    shop = await createShop(400_000);
    const writer = await writerAccount();
    await apiData(server.origin, 'POST', '/connections', { name: 'maria-prod', engine: 'mysql', host: '127.0.0.1', port: 3306, username: 'root', database: shop.name });
    // The target as another account: the copy then goes through batches (the client path), which a batch size of 5 slows enough to watch.
    await apiData(server.origin, 'POST', '/connections', { name: 'maria-dev', engine: 'mysql', host: '127.0.0.1', port: 3306, username: writer.user, password: writer.password });
    // Tall enough that a dragged row and its drop target are both on screen (Chromium ends a drag that scrolls the page).
    t = await openPage(browser, server.origin, { viewport: { width: 1280, height: 1500 } });
  });
  after(async () => {
    await t?.close();
    await browser?.close();
    await server?.stop();
    await shop?.drop();
    await target.drop();
  });

  it('creates a config with the table picker (search, select all), per-table target and filter, drag to reorder, options', async () => {
    const { page } = t;
    await page.goto('/configs');
    await page.getByText('No sync config yet').waitFor();
    await page.getByRole('link', { name: 'New sync config' }).click();
    await page.waitForURL('**/configs/new');
    await page.locator('input[name=name]').fill('shop-to-dev');
    await page.locator('select[name=source_connection_id]').selectOption({ label: 'maria-prod (mysql)' });
    await page.locator('select[name=source_database] option', { hasText: shop.name }).waitFor({ state: 'attached' });
    await page.locator('select[name=source_database]').selectOption(shop.name);
    await page.locator('select[name=target_connection_id]').selectOption({ label: 'maria-dev (mysql)' });
    await page.locator('input[name=target_database]').fill(target.name);
    await page.locator('.picker-item[data-table="products"]').waitFor();

    await page.getByLabel('Search tables').fill('ord');
    assert.deepEqual(await page.locator('.picker-item').evaluateAll((xs) => xs.map((x) => x.getAttribute('data-table'))), ['orders']);
    await page.locator('input[name=select_all]').check();
    await page.getByLabel('Search tables').fill('');
    await page.locator('input[name=select_all]').check();
    assert.deepEqual(await mappingOrder(page), ['orders', 'customers', 'events', 'products']);

    await page.locator('li.mapping[data-mapping="customers"] input[name=target_table]').fill('customers_copy');
    await page.locator('li.mapping[data-mapping="orders"] input[name=where_clause]').fill('total > 10');
    assert.equal(await page.locator('li.mapping[data-mapping="orders"] input[name=cursor_column]').isEnabled(), false, 'a full copy has no cursor');
    await page.locator('li.mapping[data-mapping="orders"] select[name=sync_mode]').selectOption('incremental');
    await page.locator('li.mapping[data-mapping="orders"] input[name=cursor_column]').fill('updated_at');
    await drag(page, 'products', 'orders');
    assert.deepEqual(await mappingOrder(page), ['products', 'orders', 'customers', 'events']);

    await page.locator('input[name=batch_size]').fill('5');
    await page.locator('input[name=max_concurrency]').fill('1');
    await page.locator('input[name=overlap_seconds]').fill('60');
    await page.locator('input[name=detect_deletes]').check();
    await screenshot(page, 'configs-01-editor');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved.').waitFor();
    await page.waitForURL(/\/configs\/[0-9a-f-]{36}$/);
    configId = page.url().split('/').pop() ?? '';

    const config = await apiData<ConfigView>(server.origin, 'GET', `/configs/${configId}`);
    const tables = [...config.tables].sort((a, b) => a.sort_order - b.sort_order);
    assert.deepEqual(tables.map((m) => [m.source_table, m.target_table, m.sync_mode, m.cursor_column, m.where_clause]), [
      ['products', 'products', 'full', null, null],
      ['orders', 'orders', 'incremental', 'updated_at', 'total > 10'],
      ['customers', 'customers_copy', 'full', null, null],
      ['events', 'events', 'full', null, null],
    ]);
    assert.deepEqual([config.options.batch_size, config.options.max_concurrency, config.options.overlap_seconds, config.options.detect_deletes], [5, 1, 60, true]);
  });

  it('stores a new order of a saved config at once (the reorder route)', async () => {
    const { page } = t;
    await drag(page, 'events', 'products');
    await page.getByText('New table order saved.').waitFor();
    const mappings = await apiData<Array<{ source_table: string }>>(server.origin, 'GET', `/configs/${configId}/mappings`);
    assert.deepEqual(mappings.map((m) => m.source_table), ['events', 'products', 'orders', 'customers']);
    assert.match(await page.locator('.sticky-actions').innerText(), /All changes saved/);
  });

  it('shows the API’s refusal of a filter that is not a filter, and saves nothing', async () => {
    const { page } = t;
    await page.locator('li.mapping[data-mapping="orders"] input[name=where_clause]').fill('total > 10; DROP TABLE orders');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    const error = page.locator('form.config-form .notice-error');
    await error.waitFor();
    assert.match(await error.innerText(), /DBF_\w+/);
    const config = await apiData<ConfigView>(server.origin, 'GET', `/configs/${configId}`);
    assert.equal(config.tables.find((m) => m.source_table === 'orders')?.where_clause, 'total > 10');
    await page.locator('li.mapping[data-mapping="orders"] input[name=where_clause]').fill('total > 10');
    assert.match(await page.locator('.sticky-actions').innerText(), /All changes saved/);
  });

  it('previews the plan of the next job (dry run)', async () => {
    const { page } = t;
    await page.getByRole('button', { name: 'Preview (dry run)' }).click();
    const dialog = page.getByRole('dialog', { name: /Dry run/ });
    await dialog.locator('tr[data-plan-table]').first().waitFor();
    assert.deepEqual(await dialog.locator('tr[data-plan-table]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-plan-table'))), ['events', 'products', 'orders', 'customers_copy']);
    assert.match(await dialog.locator('tr[data-plan-table="orders"]').innerText(), /WHERE total > 10.*incremental.*incremental on updated_at \(configured, not indexed\): full copy \(no mark yet\)/s);
    assert.match(await dialog.innerText(), /will be created/);
    await screenshot(page, 'configs-02-dry-run');
    await dialog.getByRole('button', { name: 'Close' }).click();
  });

  it('starts a job and follows it live (per-table progress, rate, heartbeat) until it lands in history', async () => {
    const { page } = t;
    const overview = await openPage(browser, server.origin);
    try {
      await overview.page.goto('/');
      await overview.page.locator('.live[data-live="live"]').waitFor();
      await page.getByRole('button', { name: 'Start job' }).click();
      await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
      const jobId = page.url().split('/').pop() ?? '';

      // The overview, open in another tab, shows the new job without a reload: the event stream drives it.
      const card = overview.page.locator(`.job-card[data-job-id="${jobId}"]`);
      await card.waitFor();
      await card.locator('li.table-progress[data-table="events"]').waitFor();

      const seen = new Set<string>();
      const deadline = Date.now() + 120_000;
      let midRunShot = false;
      while (Date.now() < deadline) {
        const status = await page.locator('section.job-page').getAttribute('data-status');
        const rows = await page.locator('dd[data-fact="Rows"]').innerText();
        seen.add(rows);
        if (!midRunShot && status === 'running' && /^[1-9][\d,]* \//.test(rows)) {
          midRunShot = true;
          await screenshot(page, 'jobs-01-running');
          // The other tab follows too: its card's row count leaves 0 without a reload.
          await card.locator('[data-metric="rows"]', { hasText: /^[1-9]/ }).waitFor();
          await screenshot(overview.page, 'overview-02-active-job');
          assert.match(await card.locator('[data-metric="rate"]').innerText(), /rows\/s/);
          assert.match(await card.locator('[data-metric="heartbeat"]').innerText(), /ago|just now/);
        }
        if (status !== 'pending' && status !== 'running') break;
        await page.waitForTimeout(300);
      }
      assert.equal(await page.locator('section.job-page').getAttribute('data-status'), 'completed', await page.locator('section.job-page').innerText());
      assert.ok(midRunShot, 'the job page showed the job running with rows copied');
      assert.ok(seen.size >= 3, `the row count moved on the open page without a reload: ${[...seen].join(' | ')}`);
      await page.locator('tr[data-table="customers_copy"][data-status="completed"]').waitFor();
      // The total is the server's estimate (InnoDB statistics); the copied count is exact.
      assert.match(await page.locator('tr[data-table="events"]').innerText(), /400,000 \/ [\d,]+.*✓ checksums equal/s);
      assert.match(await page.locator('tr[data-table="orders"]').innerText(), /cursor updated_at/, 'an incremental table names the cursor it followed');
      await page.locator('figure[data-chart="Rows per second"] path.line').waitFor();
      await page.locator('.log-line[data-type="job:finished"]').waitFor();
      await screenshot(page, 'jobs-02-completed');

      // It leaves the active list on the overview, and the history lists it.
      await card.waitFor({ state: 'detached', timeout: 10_000 });
      await page.getByRole('link', { name: 'History' }).click();
      await page.locator(`tr[data-job-id="${jobId}"][data-status="completed"]`).waitFor();
      await screenshot(page, 'history-01-completed');
      assert.deepEqual(overview.problems, []);
    } finally {
      await overview.close();
    }
    const counts = await withMysqlAdmin(async (c) => {
      const [rows] = await c.query(`SELECT (SELECT COUNT(*) FROM \`${target.name}\`.customers_copy) AS customers, (SELECT COUNT(*) FROM \`${target.name}\`.orders) AS orders, (SELECT COUNT(*) FROM \`${shop.name}\`.orders WHERE total > 10) AS filtered, (SELECT COUNT(*) FROM \`${target.name}\`.events) AS events`);
      return (rows as Array<{ customers: number; orders: number; filtered: number; events: number }>)[0];
    });
    assert.ok(Number(counts?.filtered) > 0 && Number(counts?.filtered) < 2000);
    assert.deepEqual([Number(counts?.customers), Number(counts?.orders), Number(counts?.events)], [500, Number(counts?.filtered), 400_000], 'the filter and the target name were applied');
    assert.deepEqual(t.problems, []);
  });

  it('copies a config under a new name and opens the copy', async () => {
    const { page } = t;
    await page.goto('/configs');
    await page.locator('[data-config="shop-to-dev"]').getByRole('button', { name: 'Copy' }).click();
    const dialog = page.getByRole('dialog', { name: 'Copy shop-to-dev' });
    await dialog.locator('input[name=copy_name]').fill('shop-to-dev nightly');
    await dialog.getByRole('button', { name: 'Copy', exact: true }).click();
    await page.waitForURL((url) => /\/configs\/[0-9a-f-]{36}$/.test(url.pathname) && !url.pathname.endsWith(configId));
    await page.getByRole('heading', { name: 'Sync config shop-to-dev nightly' }).waitFor();
    assert.deepEqual(await mappingOrder(page), ['events', 'products', 'orders', 'customers']);
    assert.equal(await page.locator('li.mapping[data-mapping="customers"] input[name=target_table]').inputValue(), 'customers_copy');
    const names = (await apiData<Array<{ name: string }>>(server.origin, 'GET', '/configs')).map((c) => c.name);
    assert.deepEqual(names, ['shop-to-dev', 'shop-to-dev nightly']);
    assert.deepEqual(t.problems, []);
  });
});
