import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DASHBOARD_DIR } from '../../src/api/routes/dashboard-routes.js';
import { createTestRuntime } from '../helpers/runtime.js';
import type { TestRuntime } from '../helpers/runtime.js';
import { ensureDashboardBuilt } from './dashboard-build.js';

/** What `dbferry serve` answers outside the API: the built dashboard, its SPA fallback, and never HTML for /api. */
describe('dashboard routes', () => {
  let t: TestRuntime;
  before(async () => {
    ensureDashboardBuilt();
    t = await createTestRuntime();
  });
  after(() => t.close());

  const get = (url: string) => t.app.inject({ method: 'GET', url });

  it('serves index.html at / and, as the SPA fallback, at any page path; revalidated, never cached long', async () => {
    for (const url of ['/', '/jobs/4f1c', '/configs/new', '/connections?x=1']) {
      const reply = await get(url);
      assert.equal(reply.statusCode, 200, url);
      assert.match(reply.headers['content-type'] as string, /^text\/html/, url);
      assert.match(reply.body, /<div id="app"><\/div>/);
      assert.equal(reply.headers['cache-control'], 'no-cache', url);
    }
  });

  it('has no inline script: the page loads one module file (a CSP without unsafe-inline holds)', async () => {
    const html = (await get('/')).body;
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    assert.equal(scripts.length, 1);
    assert.match(scripts[0]?.[1] ?? '', /type="module".*src="\/assets\/index-[\w-]+\.js"/);
    assert.equal(scripts[0]?.[2]?.trim(), '');
    assert.doesNotMatch(html, /\son\w+=|style=/, 'no inline handlers or styles');
  });

  it('serves the hashed assets with a year of immutable caching', async () => {
    const script = readdirSync(join(DASHBOARD_DIR, 'assets')).find((f) => f.endsWith('.js'));
    const reply = await get(`/assets/${script ?? ''}`);
    assert.equal(reply.statusCode, 200);
    assert.match(reply.headers['content-type'] as string, /javascript/);
    assert.match(reply.headers['cache-control'] as string, /max-age=31536000.*immutable/);
  });

  it('answers unknown API paths, missing files and path tricks with the JSON 404, not the page', async () => {
    for (const url of ['/api/sync/nope', '/api', '/API/sync/x', '/api/other/thing', '/assets/gone-1234.js', '/favicon.png', '/..%2f..%2fpackage.json', '/assets/..%2f..%2f..%2fpackage.json']) {
      const reply = await get(url);
      assert.equal(reply.statusCode, 404, url);
      assert.match(reply.headers['content-type'] as string, /application\/json/, url);
      assert.equal(reply.json().error.code, 'DBF_ROUTE_NOT_FOUND', url);
    }
    assert.equal((await t.app.inject({ method: 'POST', url: '/jobs/abc' })).statusCode, 404, 'only GET and HEAD fall back to the page');
  });
});
