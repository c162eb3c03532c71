import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { ConnectionView } from '../../src/catalog/connection-view.js';
import type { SyncConfigView, TableMappingView } from '../../src/catalog/sync-config-view.js';
import type { StoreDialect } from '../../src/store/store-url.js';
import { createTestRuntime, call, dataOf } from '../helpers/runtime.js';
import type { TestRuntime } from '../helpers/runtime.js';
import { createMysqlDatabase } from '../helpers/servers.js';
import type { TempDatabase } from '../helpers/servers.js';
import { createTempStore } from '../helpers/store-fixtures.js';
import type { TempStore } from '../helpers/store-fixtures.js';
import { storeSnapshot } from '../helpers/store-snapshot.js';

const BASE = '/api/sync';
const SECRET = 'S3cr3t-never-exported';

interface ExportFile {
  version: string;
  export_time: string;
  connections: Array<Record<string, unknown> & { name: string; password: string | null }>;
  sync_configs: Array<Record<string, unknown> & { name: string; options: Record<string, unknown>; tables: Array<Record<string, unknown>> }>;
}
interface Change {
  name: string;
  action: 'create' | 'update' | 'unchanged';
  changes: string[];
}
interface ImportResult {
  dry_run: boolean;
  applied: boolean;
  connections: Change[];
  sync_configs: Change[];
  conflicts: string[];
  warnings: string[];
}

const withoutTime = (file: ExportFile): Omit<ExportFile, 'export_time'> => {
  const { export_time: _time, ...rest } = file;
  return rest;
};
const actions = (items: Change[]): string[] => items.map((i) => `${i.name}:${i.action}${i.changes.length > 0 ? `(${i.changes.join(',')})` : ''}`);

/** A trigger (SQLite or PostgreSQL) that fails the insert of a config named `boom`: a real write failing mid-import. */
async function failInsertsOfBoom(t: TestRuntime, dialect: StoreDialect): Promise<void> {
  const db = t.runtime.store.db;
  if (dialect === 'sqlite') {
    await sql`CREATE TRIGGER boom BEFORE INSERT ON sync_configs WHEN NEW.name = 'boom' BEGIN SELECT RAISE(ABORT, 'injected failure'); END`.execute(db);
    return;
  }
  await sql`CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.name = 'boom' THEN RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END $$`.execute(db);
  await sql`CREATE TRIGGER boom BEFORE INSERT ON sync_configs FOR EACH ROW EXECUTE FUNCTION boom()`.execute(db);
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`API: config export / import / validate (${dialect} stores)`, () => {
    let source: TempDatabase;
    let a: TestRuntime;
    let b: TestRuntime;
    const stores: TempStore[] = [];
    let exported: ExportFile;

    const runtime = async (): Promise<TestRuntime> => {
      if (dialect === 'sqlite') return createTestRuntime();
      const store = await createTempStore(dialect);
      stores.push(store);
      return createTestRuntime({ store: store.url });
    };
    const exportOf = async (t: TestRuntime): Promise<ExportFile> => {
      const reply = await call(t.app, 'GET', `${BASE}/config/export`);
      assert.equal(reply.status, 200, reply.text);
      return dataOf<ExportFile>(reply);
    };
    const importInto = async (t: TestRuntime, body: Record<string, unknown>): Promise<{ status: number; result: ImportResult; code?: string; details?: unknown; text: string }> => {
      const reply = await call(t.app, 'POST', `${BASE}/config/import`, body);
      const error = reply.body.error as { code: string; details?: unknown } | undefined;
      return { status: reply.status, result: reply.body.data as ImportResult, text: reply.text, ...(error ? { code: error.code, details: error.details } : {}) };
    };

    before(async () => {
      source = await createMysqlDatabase(`
        CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(50));
        CREATE TABLE orders (id INT PRIMARY KEY, status VARCHAR(10), updated_at DATETIME);
        CREATE TABLE products (id INT PRIMARY KEY);`);
      a = await runtime();
      b = await runtime();
      assert.equal((await call(a.app, 'POST', `${BASE}/connections`, { name: 'maria', url: 'mysql://root@127.0.0.1:3306/' })).status, 201);
      // A connection with a stored password (saved untested: no server knows this user).
      const locked = await call(a.app, 'POST', `${BASE}/connections`, { name: 'locked', engine: 'mysql', host: '127.0.0.1', port: 3306, username: 'reporting', password: SECRET, database: 'reports', ssl: 'skip-verify', skip_test: true });
      assert.equal(locked.status, 201, locked.text);
      const nightly = await call(a.app, 'POST', `${BASE}/configs`, {
        name: 'nightly',
        source_connection_id: 'maria',
        target_connection_id: 'maria',
        source_database: source.name,
        target_database: `${source.name}_copy`,
        enabled: false,
        options: { batch_size: 500, max_concurrency: 3, strategy: 'truncate', verify: false, objects: true, conflict_resolution: 'skip' },
        tables: [
          { source_table: 'customers', target_table: 'clients' },
          { source_table: 'orders', sync_mode: 'incremental', cursor_column: 'updated_at', where_clause: "status = 'paid'", enabled: false },
          { source_table: 'products' },
        ],
      });
      assert.equal(nightly.status, 201, nightly.text);
      const mappings = dataOf<TableMappingView[]>(await call(a.app, 'GET', `${BASE}/configs/nightly/mappings`));
      const order = [mappings[2], mappings[0], mappings[1]].map((m) => m?.id);
      assert.equal((await call(a.app, 'PUT', `${BASE}/configs/nightly/mappings/reorder`, { mapping_ids: order })).status, 200);
      assert.equal((await call(a.app, 'POST', `${BASE}/configs`, { name: 'weekly', source_connection_id: 'maria', target_connection_id: 'maria', source_database: source.name, target_database: `${source.name}_weekly`, tables: [{ source_table: 'orders' }] })).status, 201);
    });

    after(async () => {
      await a.close();
      await b.close();
      for (const store of stores) await store.cleanup();
      await source.drop();
    });

    it('exports every field but secrets, by name, in name order', async () => {
      exported = await exportOf(a);
      assert.equal(exported.version, '1.0');
      assert.ok(!Number.isNaN(Date.parse(exported.export_time)));
      assert.ok(!JSON.stringify(exported).includes(SECRET), 'the password never leaves');
      assert.deepEqual(exported.connections, [
        { name: 'locked', engine: 'mysql', host: '127.0.0.1', port: 3306, username: 'reporting', password: '<not exported>', database: 'reports', ssl: 'skip-verify' },
        { name: 'maria', engine: 'mysql', host: '127.0.0.1', port: 3306, username: 'root', password: null, database: null, ssl: false },
      ]);
      assert.deepEqual(exported.sync_configs.map((c) => c.name), ['nightly', 'weekly']);
      const nightly = exported.sync_configs[0];
      assert.deepEqual(nightly, {
        name: 'nightly',
        source_connection_id: 'maria',
        target_connection_id: 'maria',
        source_database: source.name,
        target_database: `${source.name}_copy`,
        sync_mode: 'full',
        schedule: null,
        enabled: false,
        options: { ...dataOf<SyncConfigView>(await call(a.app, 'GET', `${BASE}/configs/nightly`)).options, batch_size: 500, max_concurrency: 3, strategy: 'truncate', verify: false, objects: true, conflict_resolution: 'skip' },
        tables: [
          { source_table: 'products', target_table: 'products', sync_mode: 'full', enabled: true, where_clause: null, cursor_column: null, sort_order: 0 },
          { source_table: 'customers', target_table: 'clients', sync_mode: 'full', enabled: true, where_clause: null, cursor_column: null, sort_order: 1 },
          { source_table: 'orders', target_table: 'orders', sync_mode: 'incremental', enabled: false, where_clause: "status = 'paid'", cursor_column: 'updated_at', sort_order: 2 },
        ],
      });
      const reply = await a.app.inject({ method: 'GET', url: `${BASE}/config/export` });
      assert.match(String(reply.headers['content-disposition']), /^attachment; filename="dbferry-config-\d{4}-\d\d-\d\d\.json"$/);
    });

    it('validates its own export, which changes nothing in the store it came from', async () => {
      const reply = await call(a.app, 'POST', `${BASE}/config/validate`, exported);
      assert.equal(reply.status, 200, reply.text);
      const result = dataOf<ImportResult & { valid: boolean }>(reply);
      assert.equal(result.valid, true);
      assert.deepEqual(actions(result.connections), ['locked:unchanged', 'maria:unchanged']);
      assert.deepEqual(actions(result.sync_configs), ['nightly:unchanged', 'weekly:unchanged']);
    });

    it('re-imports its own export into the same store idempotently: nothing written', async () => {
      const before = await storeSnapshot(a.runtime.store.db);
      const { status, result, text } = await importInto(a, { config: exported });
      assert.equal(status, 200, text);
      assert.equal(result.applied, false);
      assert.deepEqual(result.conflicts, []);
      assert.deepEqual(await storeSnapshot(a.runtime.store.db), before);
      assert.equal(dataOf<ConnectionView>(await call(a.app, 'GET', `${BASE}/connections/locked`)).has_password, true, 'the placeholder kept the stored password');
    });

    it('shows a dry run into an empty store as all creates, and writes nothing', async () => {
      const before = await storeSnapshot(b.runtime.store.db);
      const { status, result } = await importInto(b, { config: exported, dry_run: true });
      assert.equal(status, 200);
      assert.equal(result.dry_run, true);
      assert.equal(result.applied, false);
      assert.deepEqual(actions(result.connections), ['locked:create', 'maria:create']);
      assert.deepEqual(actions(result.sync_configs), ['nightly:create', 'weekly:create']);
      assert.match(result.warnings.join('\n'), /connection "locked" is created without its password/);
      assert.deepEqual(await storeSnapshot(b.runtime.store.db), before);
    });

    it('imports into another store so that its export is the same file (round trip), and again changes nothing', async () => {
      const { status, result, text } = await importInto(b, { config: exported });
      assert.equal(status, 200, text);
      assert.equal(result.applied, true);
      const again = await exportOf(b);
      // The password did not travel: the imported connection has none, so its export says null.
      const expected = { ...withoutTime(exported), connections: exported.connections.map((c) => (c.name === 'locked' ? { ...c, password: null } : c)) };
      assert.deepEqual(withoutTime(again), expected);
      // Export → import → export of that store: byte-identical apart from the time.
      const before = await storeSnapshot(b.runtime.store.db);
      const twice = await importInto(b, { config: again });
      assert.equal(twice.result.applied, false);
      assert.deepEqual([...twice.result.connections, ...twice.result.sync_configs].map((i) => i.action), ['unchanged', 'unchanged', 'unchanged', 'unchanged']);
      assert.deepEqual(await storeSnapshot(b.runtime.store.db), before);
      assert.deepEqual(withoutTime(await exportOf(b)), withoutTime(again));
    });

    it('refuses changes to existing items without resolve_conflicts (409, nothing written), and applies them with it, keeping mapping ids', async () => {
      const edited: ExportFile = structuredClone(exported);
      const maria = edited.connections.find((c) => c.name === 'maria');
      const nightly = edited.sync_configs.find((c) => c.name === 'nightly');
      assert.ok(maria && nightly);
      maria.username = 'admin';
      nightly.options = { ...nightly.options, batch_size: 1000 };
      nightly.tables = [...nightly.tables, { source_table: 'products', target_table: 'products_2' }];
      edited.sync_configs.push({ name: 'added', source_connection_id: 'maria', target_connection_id: 'maria', source_database: source.name, target_database: `${source.name}_added`, options: {}, tables: [{ source_table: 'customers' }] });

      const mappingsBefore = dataOf<TableMappingView[]>(await call(b.app, 'GET', `${BASE}/configs/nightly/mappings`));
      const before = await storeSnapshot(b.runtime.store.db);
      const refused = await importInto(b, { config: edited });
      assert.equal(refused.status, 409, refused.text);
      assert.equal(refused.code, 'DBF_IMPORT_CONFLICT');
      assert.deepEqual(refused.details, { conflicts: ['connection "maria"', 'sync config "nightly"'] });
      assert.deepEqual(await storeSnapshot(b.runtime.store.db), before, 'not even the new config "added" was written');

      const dry = await importInto(b, { config: edited, dry_run: true });
      assert.deepEqual(actions(dry.result.connections), ['locked:unchanged', 'maria:update(username)']);
      assert.deepEqual(actions(dry.result.sync_configs), ['nightly:update(options,tables)', 'weekly:unchanged', 'added:create']);
      assert.deepEqual(dry.result.conflicts, ['connection "maria"', 'sync config "nightly"']);
      assert.deepEqual(await storeSnapshot(b.runtime.store.db), before);

      const applied = await importInto(b, { config: edited, resolve_conflicts: true });
      assert.equal(applied.status, 200, applied.text);
      assert.equal(applied.result.applied, true);
      assert.equal(dataOf<ConnectionView>(await call(b.app, 'GET', `${BASE}/connections/maria`)).username, 'admin');
      const config = dataOf<SyncConfigView>(await call(b.app, 'GET', `${BASE}/configs/nightly`));
      assert.equal(config.options.batch_size, 1000);
      assert.deepEqual(config.tables.slice(0, 3).map((m) => m.id), mappingsBefore.map((m) => m.id), 'existing mappings keep their identity');
      assert.equal(config.tables[3]?.target_table, 'products_2');
      assert.equal((await call(b.app, 'GET', `${BASE}/configs/added`)).status, 200);
    });

    it('is all or nothing: a write failing halfway leaves the store as it was', async () => {
      await failInsertsOfBoom(b, dialect);
      const file = {
        version: '1.0',
        connections: [{ name: 'fresh-conn', engine: 'sqlite', database: '/tmp/dbferry-fresh.db' }],
        sync_configs: [
          { name: 'first-ok', source_connection_id: 'maria', target_connection_id: 'maria', source_database: source.name, target_database: `${source.name}_ok`, tables: [{ source_table: 'customers' }] },
          { name: 'boom', source_connection_id: 'maria', target_connection_id: 'maria', source_database: source.name, target_database: `${source.name}_boom`, tables: [{ source_table: 'orders' }] },
        ],
      };
      const before = await storeSnapshot(b.runtime.store.db);
      const dry = await importInto(b, { config: file, dry_run: true });
      assert.deepEqual([...dry.result.connections, ...dry.result.sync_configs].map((i) => i.action), ['create', 'create', 'create'], 'the plan is valid');
      const failed = await importInto(b, { config: file });
      assert.equal(failed.status, 500, failed.text);
      assert.equal(failed.code, 'DBF_INTERNAL');
      assert.deepEqual(await storeSnapshot(b.runtime.store.db), before, 'the connection and the first config were rolled back');
    });

    it("reads DB-Taxi's own export: ids, no engine, a clear password (sealed on import), an empty database, legacy mappings", async () => {
      const taxi = {
        version: 'backup-1.0',
        export_time: '2025-03-01T08:00:00+08:00',
        connections: [
          { id: '6f1c0d8e-0000-4000-8000-000000000001', name: 'taxi-src', host: '127.0.0.1', port: 3306, username: 'root', password: '', database: '', ssl: false, created_at: '2025-01-01T00:00:00Z', updated_at: '2025-01-01T00:00:00Z' },
          { id: '6f1c0d8e-0000-4000-8000-000000000002', name: 'taxi-dst', host: '127.0.0.1', port: 3307, username: 'copy', password: 'clear-text-pw', database: '', ssl: false },
        ],
        mappings: [{ remote_connection_id: '6f1c0d8e-0000-4000-8000-000000000001', local_database_name: 'legacy', created_at: '2025-01-01T00:00:00Z' }],
        sync_configs: [
          {
            id: '9a9a0000-0000-4000-8000-00000000000a',
            name: 'taxi-config',
            source_connection_id: '6f1c0d8e-0000-4000-8000-000000000001',
            target_connection_id: '6f1c0d8e-0000-4000-8000-000000000002',
            source_database: source.name,
            target_database: 'taxi_copy',
            sync_mode: 'full',
            schedule: '',
            enabled: true,
            options: { batch_size: 1000, max_concurrency: 1, conflict_resolution: 'skip' },
            tables: [{ id: 'm1', sync_config_id: '9a9a0000-0000-4000-8000-00000000000a', source_table: 'customers', target_table: 'customers', sync_mode: 'full', enabled: true, where_clause: '', sort_order: 0, created_at: '2025-01-01T00:00:00Z' }],
            created_at: '2025-01-01T00:00:00Z',
            updated_at: '2025-01-01T00:00:00Z',
          },
        ],
      };
      const { status, result, text } = await importInto(b, { config: taxi, resolve_conflicts: false });
      assert.equal(status, 200, text);
      assert.deepEqual(actions(result.connections), ['taxi-src:create', 'taxi-dst:create']);
      const dst = dataOf<ConnectionView>(await call(b.app, 'GET', `${BASE}/connections/taxi-dst`));
      assert.equal(dst.has_password, true);
      assert.equal(dst.database, null);
      assert.ok(!JSON.stringify(await exportOf(b)).includes('clear-text-pw'));
      const config = dataOf<SyncConfigView>(await call(b.app, 'GET', `${BASE}/configs/taxi-config`));
      assert.equal(config.source_connection_name, 'taxi-src');
      assert.equal(config.target_connection_name, 'taxi-dst');
      assert.equal(config.schedule, null);
      assert.equal(config.options.conflict_resolution, 'skip');
    });
  });
}

describe('API: copy a sync config', () => {
  let t: TestRuntime;
  let source: TempDatabase;

  before(async () => {
    t = await createTestRuntime();
    source = await createMysqlDatabase('CREATE TABLE customers (id INT PRIMARY KEY); CREATE TABLE orders (id INT PRIMARY KEY);');
    assert.equal((await call(t.app, 'POST', `${BASE}/connections`, { name: 'maria', url: 'mysql://root@127.0.0.1:3306/' })).status, 201);
    const created = await call(t.app, 'POST', `${BASE}/configs`, {
      name: 'original', source_connection_id: 'maria', target_connection_id: 'maria', source_database: source.name, target_database: `${source.name}_copy`,
      options: { batch_size: 250 }, tables: [{ source_table: 'orders', target_table: 'orders_copy', enabled: false }, { source_table: 'customers' }],
    });
    assert.equal(created.status, 201, created.text);
  });
  after(async () => {
    await source.drop();
    await t.close();
  });

  it('copies every field under the new name with new ids, leaving the original untouched', async () => {
    const original = dataOf<SyncConfigView>(await call(t.app, 'GET', `${BASE}/configs/original`));
    const reply = await call(t.app, 'POST', `${BASE}/configs/original/copy`, { name: 'original (copy)' });
    assert.equal(reply.status, 201, reply.text);
    const copy = dataOf<SyncConfigView>(reply);
    assert.notEqual(copy.id, original.id);
    assert.equal(copy.name, 'original (copy)');
    const shape = (c: SyncConfigView): unknown => ({ ...c, id: undefined, name: undefined, created_at: undefined, updated_at: undefined, tables: c.tables.map((m) => ({ ...m, id: undefined, sync_config_id: undefined, created_at: undefined, updated_at: undefined })) });
    assert.deepEqual(shape(copy), shape(original));
    assert.ok(copy.tables.every((m) => !original.tables.some((o) => o.id === m.id)));
    assert.deepEqual(dataOf<SyncConfigView>(await call(t.app, 'GET', `${BASE}/configs/original`)), original);
  });

  it('refuses a taken name (409) and an unknown config (404), writing nothing', async () => {
    const before = await storeSnapshot(t.runtime.store.db);
    const taken = await call(t.app, 'POST', `${BASE}/configs/original/copy`, { name: 'original' });
    assert.equal(taken.status, 409);
    assert.equal(taken.body.error?.code, 'DBF_DUPLICATE_NAME');
    const unknown = await call(t.app, 'POST', `${BASE}/configs/missing/copy`, { name: 'x' });
    assert.equal(unknown.status, 404);
    assert.deepEqual(await storeSnapshot(t.runtime.store.db), before);
  });
});
