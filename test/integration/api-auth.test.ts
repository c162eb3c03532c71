import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { API_ROLES, roleAllows } from '../../src/domain/api-role.js';
import type { ApiRole } from '../../src/domain/api-role.js';
import { createTestRuntime } from '../helpers/runtime.js';
import type { TestRuntime } from '../helpers/runtime.js';
import { storeSnapshot } from '../helpers/store-snapshot.js';

const BASE = '/api/sync';
const TOKENS: Record<ApiRole, string> = {
  viewer: 'viewer-token-0123456789abcdef',
  operator: 'operator-token-0123456789abcdef',
  admin: 'admin-token-0123456789abcdef',
};

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
interface RouteCase {
  readonly method: Method;
  /** The route as the OpenAPI document names it. */
  readonly path: string;
  readonly role: ApiRole | 'public';
  /** A URL that reaches it (ids that do not exist: an allowed call answers 4xx, never writes). */
  readonly url?: string;
  /** Server-Sent Events: an allowed call is checked over a real socket (inject would wait forever). */
  readonly stream?: true;
}

/**
 * Who may call what: viewer reads (GET), operator also starts and cancels jobs, dry-runs, tests saved
 * connections and validates files; admin also manages connections and configs, imports, fixes
 * (doctor) and prunes history. This list is the contract; the test below checks it names every route
 * the server has.
 */
const ROUTES: readonly RouteCase[] = [
  { method: 'GET', path: '/health', role: 'public' },
  { method: 'GET', path: '/ready', role: 'public' },
  { method: 'GET', path: '/metrics', role: 'public' },
  { method: 'GET', path: '/connections', role: 'viewer' },
  { method: 'POST', path: '/connections', role: 'admin' },
  { method: 'POST', path: '/connections/test', role: 'admin' },
  { method: 'GET', path: '/connections/{id}', role: 'viewer' },
  { method: 'PUT', path: '/connections/{id}', role: 'admin' },
  { method: 'DELETE', path: '/connections/{id}', role: 'admin' },
  { method: 'POST', path: '/connections/{id}/test', role: 'operator' },
  { method: 'GET', path: '/connections/{id}/databases', role: 'viewer' },
  { method: 'GET', path: '/connections/{id}/tables', role: 'viewer', url: '/connections/nope/tables?database=shop' },
  { method: 'GET', path: '/configs', role: 'viewer' },
  { method: 'POST', path: '/configs', role: 'admin' },
  { method: 'GET', path: '/configs/{id}', role: 'viewer' },
  { method: 'PUT', path: '/configs/{id}', role: 'admin' },
  { method: 'DELETE', path: '/configs/{id}', role: 'admin' },
  { method: 'POST', path: '/configs/{id}/copy', role: 'admin' },
  { method: 'POST', path: '/configs/{id}/dry-run', role: 'operator' },
  { method: 'GET', path: '/configs/{id}/mappings', role: 'viewer' },
  { method: 'PUT', path: '/configs/{id}/mappings/reorder', role: 'admin' },
  { method: 'GET', path: '/jobs', role: 'viewer' },
  { method: 'POST', path: '/jobs', role: 'operator' },
  { method: 'GET', path: '/jobs/active', role: 'viewer' },
  { method: 'GET', path: '/jobs/history', role: 'viewer' },
  { method: 'DELETE', path: '/jobs/history', role: 'admin' },
  { method: 'GET', path: '/jobs/{id}', role: 'viewer' },
  { method: 'GET', path: '/jobs/{id}/progress', role: 'viewer' },
  { method: 'GET', path: '/jobs/{id}/logs', role: 'viewer' },
  { method: 'POST', path: '/jobs/{id}/cancel', role: 'operator' },
  { method: 'POST', path: '/jobs/{id}/stop', role: 'operator' },
  { method: 'GET', path: '/events', role: 'viewer', stream: true },
  { method: 'GET', path: '/jobs/progress/stream', role: 'viewer', stream: true },
  { method: 'GET', path: '/stats', role: 'viewer' },
  { method: 'GET', path: '/doctor', role: 'viewer' },
  { method: 'POST', path: '/doctor/fix', role: 'admin' },
  { method: 'GET', path: '/config/export', role: 'viewer' },
  { method: 'POST', path: '/config/import', role: 'admin' },
  { method: 'POST', path: '/config/validate', role: 'operator' },
];

const isServerPath = (path: string): boolean => ['/health', '/ready', '/metrics'].includes(path);
const urlOf = (r: RouteCase): string => (isServerPath(r.path) ? r.path : `${BASE}${r.url ?? r.path.replace('{id}', 'nope')}`);
const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

describe('API auth: tokens with roles', () => {
  let t: TestRuntime;

  const inject = (r: RouteCase, headers: Record<string, string>) =>
    t.app.inject({ method: r.method, url: urlOf(r), headers, ...(r.method === 'POST' || r.method === 'PUT' ? { payload: {} } : {}) });

  before(async () => {
    t = await createTestRuntime({
      settings: { 'server.tokens': JSON.stringify([{ token: TOKENS.viewer, role: 'viewer' }, { token: TOKENS.operator, role: 'operator' }]), api_token: TOKENS.admin },
    });
  });
  after(() => t.close());

  it('lists every route of the server here (a new route needs its role in this table)', async () => {
    const docs = (await t.app.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, Record<string, unknown>> };
    const served = Object.entries(docs.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(BASE, '')}`)).sort();
    assert.deepEqual(served, ROUTES.map((r) => `${r.method} ${r.path}`).sort());
  });

  it('answers every /api route without a token with 401 DBF_UNAUTHORIZED and a WWW-Authenticate header, and writes nothing', async () => {
    const before = await storeSnapshot(t.runtime.store.db);
    for (const r of ROUTES.filter((x) => x.role !== 'public')) {
      const reply = await inject(r, {});
      assert.equal(reply.statusCode, 401, `${r.method} ${r.path}`);
      assert.equal(reply.json().error.code, 'DBF_UNAUTHORIZED');
      assert.match(String(reply.headers['www-authenticate']), /^Bearer/);
    }
    assert.deepEqual(await storeSnapshot(t.runtime.store.db), before);
  });

  const wrong: Array<[string, Record<string, string>]> = [
    ['an unknown token', bearer('not-a-configured-token-at-all')],
    ['a configured token with one character changed', bearer(`${TOKENS.admin.slice(0, -1)}X`)],
    ['a prefix of a configured token', bearer(TOKENS.admin.slice(0, 20))],
    ['the token without the Bearer scheme', { authorization: TOKENS.admin }],
    ['Basic authentication', { authorization: `Basic ${Buffer.from(`admin:${TOKENS.admin}`).toString('base64')}` }],
    ['two tokens', { authorization: `Bearer ${TOKENS.admin} ${TOKENS.viewer}` }],
    ['an empty bearer', { authorization: 'Bearer ' }],
  ];
  for (const [what, headers] of wrong) {
    it(`answers ${what} with 401`, async () => {
      for (const r of ROUTES.filter((x) => x.role !== 'public' && x.method !== 'GET')) {
        const reply = await inject(r, headers);
        assert.equal(reply.statusCode, 401, `${r.method} ${r.path}`);
        assert.equal(reply.json().error.code, 'DBF_UNAUTHORIZED');
        const presented = (headers.authorization ?? '').split(/\s+/).slice(1).join(' ');
        if (presented.length > 0) assert.ok(!reply.body.includes(presented), 'the answer never repeats the token');
      }
    });
  }

  for (const role of API_ROLES) {
    it(`lets a ${role} token call exactly the routes its role allows (403 DBF_FORBIDDEN elsewhere), writing nothing`, async () => {
      const before = await storeSnapshot(t.runtime.store.db);
      for (const r of ROUTES) {
        if (r.stream) continue;
        const reply = await inject(r, bearer(TOKENS[role]));
        const allowed = r.role === 'public' || roleAllows(role, r.role);
        if (allowed) {
          assert.ok(![401, 403].includes(reply.statusCode), `${role} ${r.method} ${r.path}: ${reply.statusCode} ${reply.body.slice(0, 200)}`);
        } else {
          assert.equal(reply.statusCode, 403, `${role} ${r.method} ${r.path}`);
          const error = reply.json().error as { code: string; message: string };
          assert.equal(error.code, 'DBF_FORBIDDEN');
          assert.match(error.message, new RegExp(`a ${role} token may not ${r.method} .* needs the ${r.role} role`));
        }
      }
      // doctor/fix on a healthy store settles nothing; every other allowed call named an unknown id or had an empty body.
      assert.deepEqual(await storeSnapshot(t.runtime.store.db), before);
    });
  }

  it('accepts the scheme in any case and streams events to a viewer over a real socket', async () => {
    assert.equal((await t.app.inject({ method: 'GET', url: `${BASE}/jobs`, headers: { authorization: `bearer ${TOKENS.viewer}` } })).statusCode, 200);
    const origin = await t.app.listen({ host: '127.0.0.1', port: 0 });
    for (const r of ROUTES.filter((x) => x.stream)) {
      assert.equal((await fetch(`${origin}${urlOf(r)}`)).status, 401);
      const abort = new AbortController();
      const response = await fetch(`${origin}${urlOf(r)}`, { headers: bearer(TOKENS.viewer), signal: abort.signal });
      assert.equal(response.status, 200, r.path);
      assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
      abort.abort();
    }
  });

  it('leaves /health, /ready, /metrics and /docs open', async () => {
    for (const url of ['/health', '/metrics', '/docs/json', '/docs']) {
      const reply = await t.app.inject({ method: 'GET', url });
      assert.ok(reply.statusCode < 400, `${url}: ${reply.statusCode}`);
    }
    // Ready answers 503 (no worker runs here), but never 401.
    assert.equal((await t.app.inject({ method: 'GET', url: '/ready' })).statusCode, 503);
  });
});

describe('API auth: DBFERRY_API_TOKEN alone', () => {
  let t: TestRuntime;
  before(async () => {
    t = await createTestRuntime({ settings: { api_token: TOKENS.admin } });
  });
  after(() => t.close());

  it('is an admin token: it may manage connections; nothing else gets in', async () => {
    const create = await t.app.inject({ method: 'POST', url: `${BASE}/connections`, headers: bearer(TOKENS.admin), payload: { name: 'local', url: `sqlite:${t.home}/a.db`, skip_test: true } });
    assert.equal(create.statusCode, 201, create.body);
    assert.equal((await t.app.inject({ method: 'GET', url: `${BASE}/connections` })).statusCode, 401);
    assert.equal((await t.app.inject({ method: 'GET', url: `${BASE}/connections`, headers: bearer(TOKENS.viewer) })).statusCode, 401);
  });
});

describe('API auth: /metrics behind a token', () => {
  let t: TestRuntime;
  before(async () => {
    t = await createTestRuntime({ settings: { 'server.tokens': JSON.stringify([{ token: TOKENS.viewer, role: 'viewer' }]), 'server.metrics_require_token': true } });
  });
  after(() => t.close());

  it('needs any valid token when server.metrics_require_token is set; /health stays open', async () => {
    const open = await t.app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(open.statusCode, 401);
    assert.equal(open.json().error.code, 'DBF_UNAUTHORIZED');
    const scraped = await t.app.inject({ method: 'GET', url: '/metrics', headers: bearer(TOKENS.viewer) });
    assert.equal(scraped.statusCode, 200);
    assert.match(scraped.body, /dbferry_jobs_active/);
    assert.equal((await t.app.inject({ method: 'GET', url: '/health' })).statusCode, 200);
  });
});

describe('API without tokens', () => {
  let t: TestRuntime;
  before(async () => {
    t = await createTestRuntime();
  });
  after(() => t.close());

  it('is open (the server binds 127.0.0.1 by default), and ignores an Authorization header', async () => {
    assert.equal(t.runtime.settings.server.host, '127.0.0.1');
    assert.equal((await t.app.inject({ method: 'GET', url: `${BASE}/jobs` })).statusCode, 200);
    assert.equal((await t.app.inject({ method: 'GET', url: `${BASE}/jobs`, headers: bearer('whatever-token-given-here') })).statusCode, 200);
  });
});
