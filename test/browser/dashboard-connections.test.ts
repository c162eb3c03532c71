import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import type { TempDatabase } from '../helpers/servers.js';
import { launchBrowser, openPage, screenshot } from './browser.js';
import type { TestPage } from './browser.js';
import { ensureDashboardBuilt } from './dashboard-build.js';
import { api, apiData, createShop, sqliteFile } from './fixtures.js';
import { startServe } from './serve-process.js';
import type { ServeProcess } from './serve-process.js';

/** Connections in the dashboard of a real `dbferry serve`: add, test, edit, browse, delete, failures. */
describe('dashboard: connections', () => {
  let server: ServeProcess;
  let browser: Browser;
  let shop: TempDatabase;
  let t: TestPage;

  before(async () => {
    ensureDashboardBuilt();
    // One at a time, so that after() can release whatever did start if a later step fails.
    server = await startServe();
    browser = await launchBrowser();
    shop = await createShop(10);
    t = await openPage(browser, server.origin);
  });
  after(async () => {
    await t?.close();
    await browser?.close();
    await server?.stop();
    await shop?.drop();
  });

  const form = () => t.page.locator('form.connection-form');
  const row = (name: string) => t.page.locator(`tr[data-connection="${name}"]`);

  it('adds a MariaDB connection through the form, after a true test with its latency', async () => {
    const { page } = t;
    await page.goto('/connections');
    await page.getByText('No connection yet').waitFor();
    await page.locator('.live[data-live="live"]').waitFor();
    await page.getByRole('button', { name: 'Add connection' }).click();
    await form().locator('input[name=name]').fill('maria-prod');
    await form().locator('input[name=host]').fill('127.0.0.1');
    await form().locator('input[name=port]').fill('3306');
    await form().locator('input[name=username]').fill('root');
    await form().locator('input[name=database]').fill(shop.name);
    await form().getByRole('button', { name: 'Test' }).click();
    await form().locator('.test-ok').waitFor();
    assert.match(await form().locator('.test-ok').innerText(), /Connected in [\d.]+ ms — .*MariaDB/i);
    await screenshot(page, 'connections-01-form-tested');
    await form().getByRole('button', { name: 'Add connection' }).click();
    await row('maria-prod').waitFor();
    assert.equal(await form().count(), 0, 'the dialog closes once saved');
    const saved = await apiData<Array<{ name: string; host: string; database: string }>>(server.origin, 'GET', '/connections');
    assert.deepEqual(saved.map((c) => [c.name, c.host, c.database]), [['maria-prod', '127.0.0.1', shop.name]]);
  });

  it('adds SQLite files as connections', async () => {
    const { page } = t;
    for (const [name, file] of [
      ['notes-src', sqliteFile(server.home, 'notes.db', 25)],
      ['notes-dst', sqliteFile(server.home, 'notes-copy.db')],
    ] as const) {
      await page.getByRole('button', { name: 'Add connection' }).click();
      await form().locator('input[name=name]').fill(name);
      await form().locator('select[name=engine]').selectOption('sqlite');
      await form().locator('input[name=database]').fill(file);
      await form().getByRole('button', { name: 'Add connection' }).click();
      await row(name).waitFor();
    }
    assert.match(await row('notes-src').innerText(), /sqlite.*notes\.db/s);
  });

  it('tests a saved connection from its row: OK with the latency', async () => {
    await row('maria-prod').getByRole('button', { name: 'Test' }).click();
    const result = t.page.locator('tr[data-result-for="maria-prod"] .test-ok');
    await result.waitFor();
    assert.match(await result.innerText(), /OK in [\d.]+ ms/);
  });

  it('shows why a failing connection fails, and does not save it unless asked', async () => {
    const { page } = t;
    await page.getByRole('button', { name: 'Add connection' }).click();
    await form().locator('input[name=name]').fill('maria-down');
    await form().locator('input[name=host]').fill('127.0.0.1');
    await form().locator('input[name=port]').fill('1');
    await form().locator('input[name=username]').fill('root');
    await form().getByRole('button', { name: 'Test' }).click();
    const error = form().locator('.notice-error');
    await error.waitFor();
    assert.match(await error.innerText(), /DBF_CONN_REFUSED/);
    await form().getByRole('button', { name: 'Add connection' }).click();
    await form().locator('.notice-error', { hasText: 'DBF_CONN_REFUSED' }).waitFor();
    await screenshot(page, 'connections-02-refused');
    assert.equal((await apiData<unknown[]>(server.origin, 'GET', '/connections')).length, 3, 'a connection that fails its test is not saved');
    await form().locator('input[name=skip_test]').check();
    await form().getByRole('button', { name: 'Add connection' }).click();
    await row('maria-down').waitFor();
    await row('maria-down').getByRole('button', { name: 'Test' }).click();
    const rowError = page.locator('tr[data-result-for="maria-down"] .notice-error');
    await rowError.waitFor();
    assert.match(await rowError.innerText(), /DBF_CONN_REFUSED.*127\.0\.0\.1:1/s);
  });

  it('edits a connection: the stored password is kept unless changed', async () => {
    const { page } = t;
    await row('maria-down').getByRole('button', { name: 'Edit' }).click();
    assert.equal(await form().locator('input[name=port]').inputValue(), '1');
    await form().locator('input[name=port]').fill('3306');
    await form().getByRole('button', { name: 'Test' }).click();
    await form().locator('.test-ok').waitFor();
    await form().getByRole('button', { name: 'Save changes' }).click();
    await page.locator('tr[data-connection="maria-down"] td', { hasText: '127.0.0.1:3306' }).waitFor();
  });

  it('browses databases and tables with their sizes', async () => {
    const { page } = t;
    await row('maria-prod').getByRole('button', { name: 'Browse' }).click();
    const dialog = page.getByRole('dialog', { name: 'Browse maria-prod' });
    await dialog.locator(`button[data-database="${shop.name}"]`).waitFor();
    await dialog.locator('tr[data-table="orders"]').waitFor();
    const orders = await dialog.locator('tr[data-table="orders"]').innerText();
    assert.match(orders, /orders\s+table\s+[\d,]+\s+[\d.]+ (B|KiB|MiB)/);
    assert.deepEqual(await dialog.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-table'))), ['customers', 'events', 'orders', 'products']);
    await screenshot(page, 'connections-03-browse');
    await dialog.getByRole('button', { name: 'Close' }).click();
  });

  it('refuses to delete a connection that a sync config uses, with the API’s reason; deletes an unused one', async () => {
    const { page } = t;
    await apiData(server.origin, 'POST', '/configs', { name: 'notes-copy', source_connection_id: 'notes-src', target_connection_id: 'notes-dst', tables: [{ source_table: 'notes' }] });
    await row('notes-src').getByRole('button', { name: 'Delete' }).click();
    const refused = page.locator('tr[data-result-for="notes-src"] .notice-error');
    await refused.waitFor();
    assert.match(await refused.innerText(), /Not deleted:.*DBF_CONNECTION_IN_USE.*notes-copy/s);
    await screenshot(page, 'connections-04-delete-refused');
    await row('maria-down').getByRole('button', { name: 'Delete' }).click();
    await row('maria-down').waitFor({ state: 'detached' });
    const names = (await apiData<Array<{ name: string }>>(server.origin, 'GET', '/connections')).map((c) => c.name).sort();
    assert.deepEqual(names, ['maria-prod', 'notes-dst', 'notes-src']);
    assert.equal((await api(server.origin, 'GET', '/connections/maria-down')).status, 404);
    assert.deepEqual(t.problems, []);
  });
});
