import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ConnectionView } from '../../src/catalog/connection-view.js';
import { createTestRuntime, call, dataOf } from '../helpers/runtime.js';
import type { TestRuntime } from '../helpers/runtime.js';
import { createMysqlDatabase, randomName, withMysqlAdmin } from '../helpers/servers.js';
import type { TempDatabase } from '../helpers/servers.js';

const BASE = '/api/sync';
const SECRET = 'S3cret-Pässw0rd-🔑';

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('API: connections', () => {
  let t: TestRuntime;
  let db: TempDatabase;
  const user = randomName('dbf_u');

  const count = async (): Promise<number> => dataOf<ConnectionView[]>(await call(t.app, 'GET', `${BASE}/connections`)).length;

  before(async () => {
    t = await createTestRuntime();
    db = await createMysqlDatabase(`
      CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(50));
      INSERT INTO customers VALUES (1, 'Ada'), (2, 'Linus');
      CREATE VIEW customer_names AS SELECT name FROM customers;`);
    await withMysqlAdmin(async (conn) => {
      await conn.query(`CREATE USER '${user}'@'%' IDENTIFIED BY ?`, [SECRET]);
      await conn.query(`GRANT ALL ON \`${db.name}\`.* TO '${user}'@'%'`);
    });
  });

  after(async () => {
    await withMysqlAdmin((conn) => conn.query(`DROP USER IF EXISTS '${user}'@'%'`));
    await db.drop();
    await t.close();
  });

  it('creates a connection from a URL, tests it first, and never returns the password', async () => {
    const url = `mysql://${user}:${encodeURIComponent(SECRET)}@127.0.0.1:3306/${db.name}`;
    const created = await call(t.app, 'POST', `${BASE}/connections`, { name: 'shop', url });
    assert.equal(created.status, 201);
    const view = dataOf<ConnectionView>(created);
    assert.equal(view.has_password, true);
    assert.equal(view.engine, 'mysql');
    assert.equal(view.database, db.name);
    assert.ok(!('password' in view));
    assert.ok(!created.text.includes(SECRET) && !created.text.includes(encodeURIComponent(SECRET)));
    for (const path of ['/connections', `/connections/${view.id}`, '/connections/shop']) {
      const reply = await call(t.app, 'GET', `${BASE}${path}`);
      assert.equal(reply.status, 200);
      assert.ok(!reply.text.includes(SECRET), `${path} leaks the password`);
    }
  });

  it('stores the password encrypted: the store files do not contain it, the key file is 0600', () => {
    const files = readdirSync(t.home).filter((f) => f.startsWith('dbferry.db'));
    assert.ok(files.length > 0);
    for (const file of files) {
      const bytes = readFileSync(join(t.home, file));
      assert.equal(bytes.includes(Buffer.from(SECRET)), false, `${file} holds the password`);
      assert.equal(bytes.includes(Buffer.from(encodeURIComponent(SECRET))), false);
    }
    const keyFile = join(t.home, 'secret.key');
    assert.ok(existsSync(keyFile));
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
  });

  it('tests a saved connection truthfully: server version and latency', async () => {
    const reply = await call(t.app, 'POST', `${BASE}/connections/shop/test`);
    assert.equal(reply.status, 200);
    const result = dataOf<{ success: boolean; server_version: string; latency_ms: number }>(reply);
    assert.equal(result.success, true);
    assert.match(result.server_version, /MariaDB|^\d+\.\d+/);
    assert.equal(typeof result.latency_ms, 'number');
  });

  it('tests an unsaved connection and reports a wrong password as a failure', async () => {
    const good = await call(t.app, 'POST', `${BASE}/connections/test`, { url: `mysql://root@127.0.0.1:3306/${db.name}` });
    assert.equal(good.status, 200);
    const bad = await call(t.app, 'POST', `${BASE}/connections/test`, { engine: 'mysql', host: '127.0.0.1', port: 3306, username: user, password: 'not-it' });
    assert.equal(bad.status, 422);
    assert.equal(bad.body.success, false);
    assert.equal(bad.body.error?.code, 'DBF_CONN_AUTH');
    assert.ok(!bad.text.includes('not-it'));
  });

  it('browses databases and tables with row estimates and sizes', async () => {
    const dbs = dataOf<Array<{ name: string }>>(await call(t.app, 'GET', `${BASE}/connections/shop/databases`));
    assert.ok(dbs.some((d) => d.name === db.name));
    const tables = dataOf<Array<{ name: string; type: string; row_estimate: number | null; size_bytes: number | null }>>(
      await call(t.app, 'GET', `${BASE}/connections/shop/tables?database=${db.name}`),
    );
    const customers = tables.find((x) => x.name === 'customers');
    assert.equal(customers?.type, 'table');
    assert.equal(typeof customers?.row_estimate, 'number');
    assert.ok((customers?.size_bytes ?? 0) > 0);
    assert.equal(tables.find((x) => x.name === 'customer_names')?.type, 'view');
    const missing = await call(t.app, 'GET', `${BASE}/connections/shop/tables`);
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error?.code, 'DBF_INVALID_INPUT');
    const unknown = await call(t.app, 'GET', `${BASE}/connections/shop/tables?database=no_such_db_here`);
    assert.equal(unknown.status, 422);
    assert.equal(unknown.body.error?.code, 'DBF_CONN_UNKNOWN_DATABASE');
  });

  it('tests the edited connection, never a stale handle from before the edit', async () => {
    const port = await closedPort();
    const edited = await call(t.app, 'PUT', `${BASE}/connections/shop`, { name: 'shop', engine: 'mysql', host: '127.0.0.1', port, username: user, database: db.name, skip_test: true });
    assert.equal(edited.status, 200);
    assert.equal(dataOf<ConnectionView>(edited).has_password, true, 'an omitted password is kept');
    const failing = await call(t.app, 'POST', `${BASE}/connections/shop/test`);
    assert.equal(failing.status, 422);
    assert.equal(failing.body.error?.code, 'DBF_CONN_REFUSED');
    const back = await call(t.app, 'PUT', `${BASE}/connections/shop`, { name: 'shop', engine: 'mysql', host: '127.0.0.1', port: 3306, username: user, database: db.name });
    assert.equal(back.status, 200, back.text);
    assert.equal((await call(t.app, 'POST', `${BASE}/connections/shop/test`)).status, 200);
  });

  const badInputs: Array<[string, unknown, number, string]> = [
    ['malformed URL', { name: 'x1', url: 'mysql:/nohost' }, 400, 'DBF_INVALID_URL'],
    ['unknown engine', { name: 'x2', url: 'oracle://u@h:1521/db' }, 400, 'DBF_UNKNOWN_ENGINE'],
    ['unknown engine (fields)', { name: 'x3', engine: 'db2', host: 'h' }, 400, 'DBF_UNKNOWN_ENGINE'],
    ['port out of range', { name: 'x4', engine: 'mysql', host: '127.0.0.1', port: 70000 }, 400, 'DBF_INVALID_PORT'],
    ['port out of range (URL)', { name: 'x5', url: 'mysql://root@127.0.0.1:99999/db' }, 400, 'DBF_INVALID_PORT'],
    ['wrong password', { name: 'x6', url: `mysql://${user}:wrong@127.0.0.1:3306/` }, 422, 'DBF_CONN_AUTH'],
    ['unreachable host', { name: 'x7', url: 'mysql://root@nohost.invalid:3306/' }, 422, 'DBF_CONN_UNREACHABLE'],
    ['unknown database', { name: 'x8', url: 'mysql://root@127.0.0.1:3306/no_such_database_x' }, 422, 'DBF_CONN_UNKNOWN_DATABASE'],
    ['duplicate name', { name: 'shop', url: 'mysql://root@127.0.0.1:3306/' }, 409, 'DBF_DUPLICATE_NAME'],
    ['unknown field', { name: 'x9', url: 'mysql://root@127.0.0.1/', colour: 'red' }, 400, 'DBF_INVALID_INPUT'],
    ['wrongly typed field', { name: 'x10', engine: 'mysql', host: 42 }, 400, 'DBF_INVALID_INPUT'],
    ['SQL-looking name', { name: "x'; DROP TABLE connections; --", url: 'mysql://root@127.0.0.1/' }, 400, 'DBF_INVALID_INPUT'],
    ['extra-long name', { name: 'n'.repeat(300), url: 'mysql://root@127.0.0.1/' }, 400, 'DBF_INVALID_INPUT'],
  ];
  for (const [what, body, status, code] of badInputs) {
    it(`refuses ${what} with ${code} and writes nothing`, async () => {
      const before = await count();
      const reply = await call(t.app, 'POST', `${BASE}/connections`, body);
      assert.equal(reply.status, status, reply.text);
      assert.equal(reply.body.success, false);
      assert.equal(reply.body.error?.code, code);
      assert.ok((reply.body.error?.message ?? '').length > 0 && !(reply.body.error?.message ?? '').includes('\n'));
      assert.equal(await count(), before);
    });
  }

  it('answers invalid JSON with 400 and an oversized body with 413', async () => {
    const before = await count();
    const invalid = await t.app.inject({ method: 'POST', url: `${BASE}/connections`, headers: { 'content-type': 'application/json' }, payload: '{"name": "x", ' });
    assert.equal(invalid.statusCode, 400);
    assert.equal(invalid.json().error.code, 'DBF_INVALID_JSON');
    const huge = await t.app.inject({ method: 'POST', url: `${BASE}/connections`, headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ name: 'big', url: 'x'.repeat(3 * 1024 * 1024) }) });
    assert.equal(huge.statusCode, 413);
    assert.equal(huge.json().error.code, 'DBF_PAYLOAD_TOO_LARGE');
    assert.equal(await count(), before);
  });

  it('answers unknown ids with 404 and unknown API paths with a JSON 404', async () => {
    for (const [method, path] of [['GET', '/connections/nope'], ['PUT', '/connections/nope'], ['DELETE', '/connections/nope'], ['POST', '/connections/nope/test']] as const) {
      const reply = await call(t.app, method, `${BASE}${path}`, method === 'PUT' ? { name: 'nope', url: 'sqlite:/tmp/x.db' } : undefined);
      assert.equal(reply.status, 404, `${method} ${path}`);
      assert.equal(reply.body.error?.code, 'DBF_CONNECTION_NOT_FOUND');
    }
    const route = await t.app.inject({ method: 'GET', url: '/api/sync/no/such/route' });
    assert.equal(route.statusCode, 404);
    assert.match(String(route.headers['content-type']), /application\/json/);
    assert.equal(route.json().error.code, 'DBF_ROUTE_NOT_FOUND');
  });

  it('refuses to delete a connection a sync config uses, then deletes it once unused', async () => {
    const config = await call(t.app, 'POST', `${BASE}/configs`, {
      name: 'shop-copy',
      source_connection_id: 'shop',
      target_connection_id: 'shop',
      target_database: `${db.name}_copy`,
      tables: [{ source_table: 'customers' }],
    });
    assert.equal(config.status, 201, config.text);
    const refused = await call(t.app, 'DELETE', `${BASE}/connections/shop`);
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error?.code, 'DBF_CONNECTION_IN_USE');
    assert.equal((await call(t.app, 'DELETE', `${BASE}/configs/shop-copy`)).status, 200);
    assert.equal((await call(t.app, 'DELETE', `${BASE}/connections/shop`)).status, 200);
    assert.equal((await call(t.app, 'GET', `${BASE}/connections/shop`)).status, 404);
  });

  it('serves /health always, and /ready only while the store answers and a worker lives', async () => {
    const health = await call(t.app, 'GET', '/health');
    assert.equal(health.status, 200);
    assert.equal(dataOf<{ status: string }>(health).status, 'ok');
    const noWorker = await call(t.app, 'GET', '/ready');
    assert.equal(noWorker.status, 503);
    assert.equal(noWorker.body.error?.code, 'DBF_NO_WORKER');
    const runner = await t.runtime.startWorker();
    const ready = await call(t.app, 'GET', '/ready');
    assert.equal(ready.status, 200);
    assert.equal(dataOf<{ workers_alive: number }>(ready).workers_alive, 1);
    await runner.stop();
    assert.equal((await call(t.app, 'GET', '/ready')).status, 503, 'a stopped worker no longer counts');
  });
});
