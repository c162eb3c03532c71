import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { syncOptionsSchema } from '../../src/catalog/sync-config-input.js';
import type { SyncConfigView, TableMappingView } from '../../src/catalog/sync-config-view.js';
import { createTestRuntime, call, dataOf } from '../helpers/runtime.js';
import type { TestRuntime } from '../helpers/runtime.js';
import { createMysqlDatabase, createPostgresDatabase } from '../helpers/servers.js';
import type { TempDatabase } from '../helpers/servers.js';

const BASE = '/api/sync';

describe('API: sync configs', () => {
  let t: TestRuntime;
  let source: TempDatabase;
  let pgSource: TempDatabase;

  const counts = async (): Promise<[number, number]> => {
    const db = t.runtime.store.db;
    const configs = await db.selectFrom('sync_configs').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const mappings = await db.selectFrom('table_mappings').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return [Number(configs.n), Number(mappings.n)];
  };

  const valid = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
    name: 'nightly',
    source_connection_id: 'maria',
    target_connection_id: 'maria',
    source_database: source.name,
    target_database: `${source.name}_copy`,
    tables: [{ source_table: 'customers' }, { source_table: 'orders', target_table: 'orders_copy', sync_mode: 'incremental', cursor_column: 'updated_at', where_clause: "status = 'paid'" }],
    ...overrides,
  });

  before(async () => {
    t = await createTestRuntime();
    source = await createMysqlDatabase(`
      CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(50));
      CREATE TABLE orders (id INT PRIMARY KEY, status VARCHAR(10), updated_at DATETIME);
      CREATE TABLE products (id INT PRIMARY KEY);
      CREATE FUNCTION bump_total(x INT) RETURNS INT DETERMINISTIC RETURN x + 1;`);
    pgSource = await createPostgresDatabase('CREATE TABLE items (id int PRIMARY KEY); CREATE SCHEMA sales; CREATE TABLE sales.orders (id int PRIMARY KEY);');
    assert.equal((await call(t.app, 'POST', `${BASE}/connections`, { name: 'maria', url: 'mysql://root@127.0.0.1:3306/' })).status, 201);
    assert.equal((await call(t.app, 'POST', `${BASE}/connections`, { name: 'pg', url: pgSource.url })).status, 201);
  });

  after(async () => {
    await source.drop();
    await pgSource.drop();
    await t.close();
  });

  it('creates a config on one connection with two databases, filling in defaults', async () => {
    const reply = await call(t.app, 'POST', `${BASE}/configs`, valid());
    assert.equal(reply.status, 201, reply.text);
    const config = dataOf<SyncConfigView>(reply);
    assert.equal(config.source_connection_name, 'maria');
    assert.equal(config.target_connection_name, 'maria');
    assert.equal(config.sync_mode, 'full');
    assert.equal(config.enabled, true);
    assert.deepEqual(config.options, syncOptionsSchema.parse({}));
    assert.equal(config.options.strategy, 'swap');
    assert.equal(config.options.verify, true);
    assert.deepEqual(
      config.tables.map((m) => [m.source_table, m.target_table, m.sync_mode, m.enabled, m.sort_order]),
      [['customers', 'customers', 'full', true, 0], ['orders', 'orders_copy', 'incremental', true, 1]],
    );
    assert.equal(config.tables[1]?.where_clause, "status = 'paid'");
    const byName = dataOf<SyncConfigView>(await call(t.app, 'GET', `${BASE}/configs/nightly`));
    assert.equal(byName.id, config.id);
    const list = await call(t.app, 'GET', `${BASE}/configs`);
    assert.equal(list.body.meta?.total, 1);
  });

  it('keeps mapping identities on update (GET → edit → PUT round trip)', async () => {
    const before = dataOf<SyncConfigView>(await call(t.app, 'GET', `${BASE}/configs/nightly`));
    const [customers, orders] = before.tables;
    const edited = {
      ...before,
      options: { ...before.options, batch_size: 500 },
      // sort_order, when given, decides the order (list order otherwise).
      tables: [{ ...orders, target_table: 'customers', sort_order: 0 }, { ...customers, target_table: 'customers_v2', enabled: false, sort_order: 1 }, { source_table: 'products', sort_order: 2 }],
    };
    const reply = await call(t.app, 'PUT', `${BASE}/configs/${before.id}`, edited);
    assert.equal(reply.status, 200, reply.text);
    const after = dataOf<SyncConfigView>(reply);
    assert.equal(after.options.batch_size, 500);
    assert.equal(after.tables[0]?.id, orders?.id, 'orders keeps its id although it moved and took another target name');
    assert.equal(after.tables[0]?.target_table, 'customers');
    assert.equal(after.tables[1]?.id, customers?.id);
    assert.equal(after.tables[1]?.enabled, false);
    assert.equal(after.tables[2]?.source_table, 'products');
    assert.ok(after.tables[2]?.id && ![orders?.id, customers?.id].includes(after.tables[2].id));
    assert.equal(after.created_at, before.created_at);
  });

  it('reorders mappings and refuses a partial or foreign order', async () => {
    const mappings = dataOf<TableMappingView[]>(await call(t.app, 'GET', `${BASE}/configs/nightly/mappings`));
    const reversed = mappings.map((m) => m.id).reverse();
    const reply = await call(t.app, 'PUT', `${BASE}/configs/nightly/mappings/reorder`, { mapping_ids: reversed });
    assert.equal(reply.status, 200, reply.text);
    assert.deepEqual(dataOf<TableMappingView[]>(reply).map((m) => m.id), reversed);
    const partial = await call(t.app, 'PUT', `${BASE}/configs/nightly/mappings/reorder`, { mapping_ids: reversed.slice(1) });
    assert.equal(partial.status, 400);
    const foreign = await call(t.app, 'PUT', `${BASE}/configs/nightly/mappings/reorder`, { mapping_ids: [randomUUID()] });
    assert.equal(foreign.status, 400);
    assert.deepEqual(dataOf<TableMappingView[]>(await call(t.app, 'GET', `${BASE}/configs/nightly/mappings`)).map((m) => m.id), reversed);
  });

  it('accepts a PostgreSQL source with schema-qualified tables', async () => {
    const reply = await call(t.app, 'POST', `${BASE}/configs`, {
      name: 'pg-to-maria',
      source_connection_id: 'pg',
      target_connection_id: 'maria',
      target_database: `${source.name}_pg`,
      tables: [{ source_table: 'items' }, { source_table: 'sales.orders', target_table: 'sales_orders' }],
    });
    assert.equal(reply.status, 201, reply.text);
    assert.equal(dataOf<SyncConfigView>(reply).source_database, pgSource.name);
    assert.equal((await call(t.app, 'DELETE', `${BASE}/configs/pg-to-maria`)).status, 200);
  });

  const bad: Array<[string, () => Record<string, unknown>, number, string]> = [
    ['a missing source table', () => valid({ name: 'b1', tables: [{ source_table: 'nope' }] }), 422, 'DBF_TABLE_NOT_FOUND'],
    ['an invalid mode', () => valid({ name: 'b2', tables: [{ source_table: 'customers', sync_mode: 'mirror' }] }), 400, 'DBF_INVALID_SYNC_CONFIG'],
    ['an unknown key', () => valid({ name: 'b3', colour: 'red' }), 400, 'DBF_INVALID_SYNC_CONFIG'],
    ['an unknown option', () => valid({ name: 'b4', options: { enable_compression: true } }), 400, 'DBF_INVALID_SYNC_CONFIG'],
    ['a negative batch size', () => valid({ name: 'b5', options: { batch_size: -1 } }), 400, 'DBF_INVALID_SYNC_CONFIG'],
    ['no tables', () => valid({ name: 'b6', tables: [] }), 400, 'DBF_INVALID_SYNC_CONFIG'],
    ['the same database on both sides', () => valid({ name: 'b7', target_database: source.name }), 400, 'DBF_INVALID_SYNC_CONFIG'],
    ['two mappings into one target table', () => valid({ name: 'b8', tables: [{ source_table: 'customers', target_table: 't' }, { source_table: 'orders', target_table: 't' }] }), 400, 'DBF_INVALID_SYNC_CONFIG'],
    ['a filter with a second statement', () => valid({ name: 'b9', tables: [{ source_table: 'orders', where_clause: '1=1; DROP TABLE orders' }] }), 400, 'DBF_INVALID_FILTER'],
    ['a filter with a comment trick', () => valid({ name: 'b10', tables: [{ source_table: 'orders', where_clause: "status = 'x' -- " }] }), 400, 'DBF_INVALID_FILTER'],
    ['a filter the source cannot plan (EXPLAIN: unknown column)', () => valid({ name: 'b10x', tables: [{ source_table: 'orders', where_clause: 'no_such_column = 1' }] }), 400, 'DBF_INVALID_FILTER'],
    ['a filter calling a stored function of the source (a function may write)', () => valid({ name: 'b10y', tables: [{ source_table: 'orders', where_clause: 'bump_total(id) > 2' }] }), 400, 'DBF_INVALID_FILTER'],
    ['a filter calling a stored function by its quoted, qualified name', () => valid({ name: 'b10z', tables: [{ source_table: 'orders', where_clause: `\`${source.name}\`.\`BUMP_TOTAL\` (id) > 2` }] }), 400, 'DBF_INVALID_FILTER'],
    ['a filter taking a named lock', () => valid({ name: 'b10w', tables: [{ source_table: 'orders', where_clause: "GET_LOCK('dbf', 10) = 1" }] }), 400, 'DBF_INVALID_FILTER'],
    ['a SQL-looking table name', () => valid({ name: 'b11', tables: [{ source_table: 'orders`; DROP TABLE x; --' }] }), 400, 'DBF_INVALID_SYNC_CONFIG'],
    ['an unknown connection', () => valid({ name: 'b12', source_connection_id: randomUUID() }), 404, 'DBF_CONNECTION_NOT_FOUND'],
    ['a taken name', () => valid(), 409, 'DBF_DUPLICATE_NAME'],
    ['a schedule before the scheduler lands', () => valid({ name: 'b13', schedule: '0 3 * * *' }), 501, 'DBF_NOT_IMPLEMENTED'],
  ];
  for (const [what, body, status, code] of bad) {
    it(`refuses ${what} with ${code} and writes nothing`, async () => {
      const before = await counts();
      const reply = await call(t.app, 'POST', `${BASE}/configs`, body());
      assert.equal(reply.status, status, reply.text);
      assert.equal(reply.body.error?.code, code);
      assert.ok(!(reply.body.error?.message ?? '\n').includes('\n'));
      assert.deepEqual(await counts(), before);
    });
  }

  it('names the stored function a filter calls, and accepts built-in functions and columns named like it', async () => {
    const refused = await call(t.app, 'POST', `${BASE}/configs`, valid({ name: 'fn1', tables: [{ source_table: 'orders', where_clause: 'bump_total(id) > 2' }] }));
    assert.match(refused.body.error?.message ?? '', new RegExp(`calls the stored function ${source.name}\\.bump_total, which may write`));
    const builtIn = await call(t.app, 'POST', `${BASE}/configs`, valid({ name: 'fn2', tables: [{ source_table: 'orders', where_clause: "LOWER(status) = 'paid' AND DATE(updated_at) >= '2026-01-01' AND id <> 0" }] }));
    assert.equal(builtIn.status, 201, builtIn.text);
    assert.equal((await call(t.app, 'DELETE', `${BASE}/configs/fn2`)).status, 200);
  });

  it('leaves a config unchanged when an update is invalid', async () => {
    const before = dataOf<SyncConfigView>(await call(t.app, 'GET', `${BASE}/configs/nightly`));
    const reply = await call(t.app, 'PUT', `${BASE}/configs/nightly`, { ...before, tables: [...before.tables, { source_table: 'missing_table' }] });
    assert.equal(reply.status, 422);
    assert.deepEqual(dataOf<SyncConfigView>(await call(t.app, 'GET', `${BASE}/configs/nightly`)), before);
  });

  it('refuses to delete a config with an active job, keeps job history after deleting it', async () => {
    const config = dataOf<SyncConfigView>(await call(t.app, 'GET', `${BASE}/configs/nightly`));
    const jobId = randomUUID();
    const now = Date.now();
    await t.runtime.store.db
      .insertInto('jobs')
      .values({
        id: jobId, config_id: config.id, config_name: config.name, trigger: 'api', spec: '{}', status: 'running', attempt: 1, max_attempts: 3,
        worker_id: null, lease_token: null, lease_expires_at_ms: null, heartbeat_at_ms: null, claimed_at_ms: null, started_at_ms: now,
        finished_at_ms: null, cancel_requested_at_ms: null, timeout_ms: null, total_tables: 0, completed_tables: 0, failed_tables: 0,
        total_rows: 0, processed_rows: 0, processed_bytes: 0, current_table: null, progress: null, error_code: null, error_message: null,
        created_at_ms: now, updated_at_ms: now,
      })
      .execute();
    const refused = await call(t.app, 'DELETE', `${BASE}/configs/${config.id}`);
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error?.code, 'DBF_SYNC_CONFIG_BUSY');
    await t.runtime.store.db.updateTable('jobs').set({ status: 'completed', finished_at_ms: now }).where('id', '=', jobId).execute();
    assert.equal((await call(t.app, 'DELETE', `${BASE}/configs/${config.id}`)).status, 200);
    assert.equal((await call(t.app, 'GET', `${BASE}/configs/${config.id}`)).status, 404);
    const job = await t.runtime.store.db.selectFrom('jobs').select(['id', 'config_name']).where('id', '=', jobId).executeTakeFirst();
    assert.equal(job?.config_name, 'nightly', 'history survives the config');
    assert.deepEqual(await counts(), [0, 0]);
  });
});
