import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchBrowser, openPage, screenshot } from './browser.js';
import { ensureDashboardBuilt } from './dashboard-build.js';
import { api } from './fixtures.js';
import { startServe } from './serve-process.js';
import type { ServeProcess } from './serve-process.js';

const TOKEN = 'browser-test-token-0123456789';

/** With `DBFERRY_API_TOKEN` set, the dashboard asks for the token on the API's 401 and sends it as a bearer token. */
describe('dashboard: API token', () => {
  let server: ServeProcess;
  let browser: Browser;

  before(async () => {
    ensureDashboardBuilt();
    server = await startServe({ DBFERRY_API_TOKEN: TOKEN });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('serves the dashboard itself without a token, while the API answers 401', async () => {
    const page = await fetch(`${server.origin}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.equal((await api(server.origin, 'GET', '/stats')).status, 401);
  });

  it('asks for the token, refuses a wrong one, then loads every page with the right one', async () => {
    const t = await openPage(browser, server.origin);
    try {
      const { page } = t;
      await page.goto('/');
      const dialog = page.getByRole('dialog', { name: 'API token required' });
      await dialog.waitFor();
      assert.equal(await page.locator('.live').getAttribute('data-live'), 'unauthorized');
      await screenshot(page, 'auth-01-token-dialog');
      await dialog.locator('input[name=token]').fill('not-the-token-at-all');
      await dialog.getByRole('button', { name: 'Use token' }).click();
      await dialog.getByText('The server refused the token this tab had.').waitFor();

      await dialog.locator('input[name=token]').fill(TOKEN);
      await dialog.getByRole('button', { name: 'Use token' }).click();
      await dialog.waitFor({ state: 'detached' });
      await page.locator('[data-stat="Active jobs"]').waitFor();
      await page.locator('.live[data-live="live"]').waitFor();
      assert.equal(await page.evaluate('sessionStorage.getItem("dbferry.api_token")'), TOKEN);

      // A reload keeps the token for this tab; other pages load with it too.
      await page.reload();
      await page.locator('[data-stat="Active jobs"]').waitFor();
      await page.getByRole('link', { name: 'Connections' }).click();
      await page.getByText('No connection yet').waitFor();
      assert.equal(await dialog.count(), 0);
      await screenshot(page, 'auth-02-signed-in');
      assert.deepEqual(t.problems, []);
    } finally {
      await t.close();
    }
  });
});
