import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestRuntime } from '../helpers/runtime.js';
import type { TestRuntime } from '../helpers/runtime.js';

const BASE = '/api/sync';
/** Valid values of the required query parameters. */
const SAMPLE_QUERY: Record<string, string> = { database: 'shop', older_than_days: '30' };

interface Operation {
  readonly summary?: string;
  readonly tags?: string[];
  readonly security?: Array<Record<string, string[]>>;
  readonly parameters?: Array<{ in: string; name: string; required?: boolean; schema: Record<string, unknown> }>;
  readonly requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
}
interface OpenApi {
  readonly openapi: string;
  readonly info: { title: string; version: string };
  readonly components: { securitySchemes: Record<string, { type: string; scheme: string }> };
  readonly paths: Record<string, Record<string, Operation>>;
}

const operations = (doc: OpenApi): Array<{ method: string; path: string; op: Operation }> =>
  Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), path, op })));

describe('API: OpenAPI at /docs', () => {
  let t: TestRuntime;
  let doc: OpenApi;
  before(async () => {
    t = await createTestRuntime();
    const reply = await t.app.inject({ method: 'GET', url: '/docs/json' });
    assert.equal(reply.statusCode, 200);
    doc = reply.json() as OpenApi;
  });
  after(() => t.close());

  it('is OpenAPI 3.1 with a bearer scheme, and names every route with a summary and a tag', () => {
    assert.equal(doc.openapi, '3.1.0');
    assert.equal(doc.info.title, 'dbferry API');
    assert.deepEqual(doc.components.securitySchemes.bearer, { type: 'http', scheme: 'bearer' });
    const ops = operations(doc);
    assert.ok(ops.length >= 39, `${ops.length} operations`);
    for (const { method, path, op } of ops) {
      assert.ok(op.summary && op.tags?.length === 1, `${method} ${path} has a summary and a tag`);
      assert.deepEqual(op.security, path.startsWith(BASE) ? [{ bearer: [] }] : [], `${method} ${path} security`);
    }
    assert.ok(!JSON.stringify(doc).includes('"$schema"'));
  });

  it('declares path parameters, query strings and JSON bodies from the same schemas that validate them', () => {
    for (const { method, path, op } of operations(doc)) {
      for (const name of [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1])) {
        const param = op.parameters?.find((p) => p.in === 'path' && p.name === name);
        assert.ok(param?.required, `${method} ${path} declares its path parameter ${name}`);
        assert.equal(param.schema.maxLength, 128);
      }
    }
    const withBody = operations(doc).filter((o) => o.op.requestBody).map((o) => `${o.method} ${o.path.replace(BASE, '')}`);
    assert.deepEqual(withBody.sort(), [
      'POST /config/import', 'POST /config/validate', 'POST /configs', 'POST /configs/{id}/copy', 'POST /connections', 'POST /connections/test', 'POST /jobs',
      'PUT /configs/{id}', 'PUT /configs/{id}/mappings/reorder', 'PUT /connections/{id}',
    ]);
    for (const { op } of operations(doc).filter((o) => o.op.requestBody)) assert.ok(op.requestBody?.content['application/json']?.schema);
    const jobs = doc.paths[`${BASE}/jobs`]?.get;
    assert.deepEqual(jobs?.parameters?.map((p) => p.name), ['status', 'config_id', 'limit', 'offset']);
    const config = doc.paths[`${BASE}/configs`]?.post?.requestBody?.content['application/json']?.schema as { required: string[]; properties: Record<string, { maxLength?: number }>; additionalProperties: boolean };
    assert.deepEqual(config.required, ['name', 'source_connection_id', 'target_connection_id', 'tables']);
    assert.equal(config.properties.name?.maxLength, 128);
    assert.equal(config.additionalProperties, false);
    const tables = doc.paths[`${BASE}/connections/{id}/tables`]?.get?.parameters?.find((p) => p.name === 'database');
    assert.equal(tables?.required, true);
  });

  it('validates exactly what it documents: every route refuses an undocumented query parameter', async () => {
    // Bodies are validated before query strings, so the routes that need one are left out here.
    for (const { method, path, op } of operations(doc).filter((o) => !o.op.requestBody)) {
      const documented = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
      assert.ok(!documented.includes('undocumented'));
      const required = (op.parameters ?? []).filter((p) => p.in === 'query' && p.required).map((p) => `${p.name}=${SAMPLE_QUERY[p.name] ?? 'x'}&`);
      const url = `${path.replace(/\{id\}/g, 'nope')}?${required.join('')}undocumented=1`;
      const reply = await t.app.inject({ method: method as 'GET', url });
      assert.equal(reply.statusCode, 400, `${method} ${url}: ${reply.body.slice(0, 200)}`);
      assert.equal(reply.json().error.message, 'unknown field "undocumented"');
    }
  });

  it('serves Swagger UI at /docs from its own files', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/docs' });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    const scripts = [...page.body.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1] ?? '');
    assert.ok(scripts.length >= 2);
    for (const src of scripts) {
      assert.ok(!/^https?:/.test(src), `${src} is served from here`);
      assert.equal((await t.app.inject({ method: 'GET', url: src.startsWith('/') ? src : `/docs/${src.replace(/^\.\//, '')}` })).statusCode, 200, src);
    }
    assert.doesNotMatch(page.body, /<script>(?!\s*<\/script>)/, 'no inline script');
  });
});

describe('API: security headers and CORS', () => {
  describe('by default', () => {
    let t: TestRuntime;
    before(async () => {
      t = await createTestRuntime();
    });
    after(() => t.close());

    it('sends a strict CSP and the other security headers on every kind of answer', async () => {
      for (const url of ['/health', `${BASE}/jobs`, `${BASE}/no/such/route`, `${BASE}/jobs?limit=-1`, '/docs']) {
        const reply = await t.app.inject({ method: 'GET', url });
        const csp = String(reply.headers['content-security-policy']);
        assert.match(csp, /(^|;)default-src 'self'(;|$)/, url);
        assert.match(csp, /(^|;)script-src 'self'(;|$)/, `${url}: scripts only from this origin, none inline`);
        assert.match(csp, /(^|;)object-src 'none'(;|$)/);
        assert.match(csp, /(^|;)frame-ancestors 'none'(;|$)/);
        assert.doesNotMatch(csp, /upgrade-insecure-requests/);
        assert.equal(reply.headers['x-content-type-options'], 'nosniff');
        assert.equal(reply.headers['x-frame-options'], 'DENY');
        assert.equal(reply.headers['strict-transport-security'], undefined, 'HSTS is for whatever terminates TLS');
        assert.equal(reply.headers['referrer-policy'], 'no-referrer');
      }
    });

    it('answers no CORS: no Access-Control headers, and a preflight is a JSON 404', async () => {
      const reply = await t.app.inject({ method: 'GET', url: `${BASE}/jobs`, headers: { origin: 'https://elsewhere.example' } });
      assert.equal(reply.statusCode, 200);
      assert.equal(reply.headers['access-control-allow-origin'], undefined);
      const preflight = await t.app.inject({ method: 'OPTIONS', url: `${BASE}/jobs`, headers: { origin: 'https://elsewhere.example', 'access-control-request-method': 'POST' } });
      assert.equal(preflight.statusCode, 404);
      assert.equal(preflight.headers['access-control-allow-origin'], undefined);
      assert.equal(preflight.json().error.code, 'DBF_ROUTE_NOT_FOUND');
    });
  });

  describe('with server.cors_origins and tokens', () => {
    const DASH = 'https://dash.example:8443';
    const TOKEN = 'viewer-token-0123456789abcdef';
    let t: TestRuntime;
    before(async () => {
      t = await createTestRuntime({ settings: { 'server.cors_origins': DASH, 'server.tokens': JSON.stringify([{ token: TOKEN, role: 'viewer' }]) } });
    });
    after(() => t.close());

    it('allows exactly the configured origin, preflights included (before any token check)', async () => {
      const allowed = await t.app.inject({ method: 'GET', url: `${BASE}/jobs`, headers: { origin: DASH, authorization: `Bearer ${TOKEN}` } });
      assert.equal(allowed.statusCode, 200);
      assert.equal(allowed.headers['access-control-allow-origin'], DASH);
      const other = await t.app.inject({ method: 'GET', url: `${BASE}/jobs`, headers: { origin: 'https://evil.example', authorization: `Bearer ${TOKEN}` } });
      assert.equal(other.headers['access-control-allow-origin'], undefined);
      const preflight = await t.app.inject({ method: 'OPTIONS', url: `${BASE}/jobs`, headers: { origin: DASH, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } });
      assert.equal(preflight.statusCode, 204);
      assert.equal(preflight.headers['access-control-allow-origin'], DASH);
      assert.match(String(preflight.headers['access-control-allow-headers']), /authorization/);
      assert.equal(preflight.headers['access-control-allow-credentials'], undefined);
      const refused = await t.app.inject({ method: 'OPTIONS', url: `${BASE}/jobs`, headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
      assert.equal(refused.headers['access-control-allow-origin'], undefined);
    });

    it('sends the CORS and security headers on the event stream too (its reply is hijacked)', async () => {
      const origin = await t.app.listen({ host: '127.0.0.1', port: 0 });
      const abort = new AbortController();
      const response = await fetch(`${origin}${BASE}/events`, { headers: { origin: DASH, authorization: `Bearer ${TOKEN}` }, signal: abort.signal });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('access-control-allow-origin'), DASH);
      assert.match(response.headers.get('content-security-policy') ?? '', /default-src 'self'/);
      assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
      abort.abort();
    });
  });
});
