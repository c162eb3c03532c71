import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { DbfError } from '../../src/domain/errors.js';
import { LATEST_MIGRATION, migrateStore, migrationsFor } from '../../src/store/migrate.js';
import type { Store } from '../../src/store/open-store.js';
import type { StoreDialect } from '../../src/store/store-url.js';
import {
  MIGRATION_TABLE,
  STORE_DIALECTS,
  migrationRows,
  openMigratedStore,
  openStoreUrl,
  schemaSnapshot,
  storeTables,
  withStore,
  withTempStore,
} from '../helpers/store-fixtures.js';

/**
 * The metadata store on all three dialects (a temp SQLite file and random databases on the real
 * PostgreSQL and MariaDB): migrations apply once and only once, the schema has every table and column
 * the job lifecycle needs, BIGINT milliseconds come back as JS numbers, foreign keys hold, a store from
 * a newer dbferry is left alone, and an unreachable store is one clean DBF_STORE_UNAVAILABLE line.
 */

/** Columns later work relies on, per table (a subset: later migrations may add more). */
const REQUIRED_COLUMNS: Record<string, string[]> = {
  connections: ['id', 'name', 'engine', 'host', 'port', 'username', 'password_secret', 'database_name', 'ssl', 'created_at_ms', 'updated_at_ms'],
  sync_configs: [
    'id', 'name', 'source_connection_id', 'target_connection_id', 'source_database', 'target_database', 'sync_mode', 'schedule',
    'enabled', 'options', 'created_at_ms', 'updated_at_ms',
  ],
  table_mappings: [
    'id', 'config_id', 'source_table', 'target_table', 'sync_mode', 'enabled', 'where_clause', 'cursor_column', 'sort_order',
    'created_at_ms', 'updated_at_ms',
  ],
  jobs: [
    'id', 'config_id', 'config_name', 'trigger', 'spec', 'status', 'attempt', 'max_attempts', 'worker_id', 'lease_token',
    'lease_expires_at_ms', 'heartbeat_at_ms', 'claimed_at_ms', 'started_at_ms', 'finished_at_ms', 'cancel_requested_at_ms',
    'timeout_ms', 'total_tables', 'completed_tables', 'failed_tables', 'total_rows', 'processed_rows', 'processed_bytes',
    'current_table', 'progress', 'error_code', 'error_message', 'created_at_ms', 'updated_at_ms',
  ],
  job_tables: [
    'id', 'job_id', 'position', 'source_table', 'target_table', 'mode', 'status', 'cursor_column', 'total_rows', 'processed_rows',
    'processed_bytes', 'started_at_ms', 'finished_at_ms', 'verified', 'error_code', 'error_message',
  ],
  job_events: ['id', 'job_id', 'at_ms', 'level', 'type', 'table_name', 'message', 'data'],
  checkpoints: ['id', 'scope_key', 'job_id', 'table_name', 'data', 'updated_at_ms'],
};

/** Lease columns are empty until a worker claims the job; the attempt counters never are. */
const JOB_NULLABLE = ['worker_id', 'lease_token', 'lease_expires_at_ms', 'heartbeat_at_ms', 'cancel_requested_at_ms', 'config_id'];
const JOB_NOT_NULL = ['id', 'status', 'attempt', 'max_attempts', 'spec', 'created_at_ms', 'updated_at_ms'];

const NOW = Date.now();
const BIG = 2 ** 40;

async function rejection(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  assert.fail('expected the call to fail');
}

async function dbfRejection(work: () => Promise<unknown>): Promise<DbfError> {
  const error = await rejection(work);
  assert.ok(error instanceof DbfError, `expected a DbfError, got ${String(error)}`);
  return error;
}

/** A foreign-key violation, by each driver's code (the message text differs per dialect). */
function assertForeignKeyViolation(dialect: StoreDialect, error: unknown): void {
  const { code, errno } = error as { code?: unknown; errno?: unknown };
  const detail = `got ${String(code)} / ${String(errno)}: ${error instanceof Error ? error.message : String(error)}`;
  switch (dialect) {
    case 'sqlite':
      assert.equal(code, 'SQLITE_CONSTRAINT_FOREIGNKEY', detail);
      break;
    case 'postgres':
      assert.equal(code, '23503', detail);
      break;
    case 'mysql':
      // 1451: cannot delete a parent row; 1452: cannot add a child row.
      assert.ok(errno === 1451 || errno === 1452, detail);
      break;
  }
}

async function insertConnection(store: Store, id: string): Promise<void> {
  await store.db
    .insertInto('connections')
    .values({
      id,
      name: `conn-${id}`,
      engine: 'sqlite',
      host: null,
      port: null,
      username: null,
      password_secret: null,
      database_name: `/tmp/${id}.db`,
      ssl: 'false',
      created_at_ms: NOW,
      updated_at_ms: NOW,
    })
    .execute();
}

async function insertSyncConfig(store: Store, id: string, source: string, target: string): Promise<void> {
  await store.db
    .insertInto('sync_configs')
    .values({
      id,
      name: `cfg-${id}`,
      source_connection_id: source,
      target_connection_id: target,
      source_database: null,
      target_database: null,
      sync_mode: 'full',
      schedule: null,
      enabled: 1,
      options: '{}',
      created_at_ms: NOW,
      updated_at_ms: NOW,
    })
    .execute();
}

async function insertMapping(store: Store, id: string, configId: string, position: number): Promise<void> {
  await store.db
    .insertInto('table_mappings')
    .values({
      id,
      config_id: configId,
      source_table: `src_${position}`,
      target_table: `dst_${position}`,
      sync_mode: 'full',
      enabled: 1,
      where_clause: null,
      cursor_column: null,
      sort_order: position,
      created_at_ms: NOW,
      updated_at_ms: NOW,
    })
    .execute();
}

async function insertJob(store: Store, id: string): Promise<void> {
  await store.db
    .insertInto('jobs')
    .values({
      id,
      config_id: null,
      config_name: 'nightly',
      trigger: 'manual',
      spec: '{"tables":[]}',
      status: 'running',
      attempt: 2,
      max_attempts: 3,
      worker_id: 'host-1:4242',
      lease_token: 'tok-abc',
      lease_expires_at_ms: NOW + 30_000,
      heartbeat_at_ms: NOW,
      claimed_at_ms: NOW - 1,
      started_at_ms: NOW - 1,
      finished_at_ms: null,
      cancel_requested_at_ms: BIG,
      timeout_ms: BIG,
      total_tables: 2,
      completed_tables: 1,
      failed_tables: 0,
      total_rows: BIG,
      processed_rows: BIG + 1,
      processed_bytes: Number.MAX_SAFE_INTEGER,
      current_table: 'orders',
      progress: null,
      error_code: null,
      error_message: null,
      created_at_ms: NOW,
      updated_at_ms: NOW,
    })
    .execute();
}

async function countRows(store: Store, table: 'table_mappings' | 'sync_configs' | 'connections'): Promise<number> {
  const row = await store.db.selectFrom(table).select((eb) => eb.fn.countAll<number | string | bigint>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

for (const dialect of STORE_DIALECTS) {
  describe(`metadata store on ${dialect}`, () => {
    it('applies 0001-initial to an empty store once, and nothing on later calls', async () => {
      await withTempStore(dialect, async ({ url }) => {
        await withStore(url, async (store) => {
          assert.deepEqual(await schemaSnapshot(store), [], 'the temp store starts empty');
          assert.deepEqual(await migrateStore(store), { applied: Object.keys(migrationsFor(dialect)) });
          assert.deepEqual(await migrateStore(store), { applied: [] }, 'a second call on the same Store applies nothing');
        });
        // A later start: a new Store (new pool / new SQLite connection) finds nothing to do either.
        await withStore(url, async (store) => {
          const before = await schemaSnapshot(store);
          assert.deepEqual(await migrateStore(store), { applied: [] });
          assert.deepEqual(await schemaSnapshot(store), before, 'an idempotent run changes no table');
          const rows = await migrationRows(store);
          assert.deepEqual(
            rows.map((r) => r.name),
            Object.keys(migrationsFor(dialect)).sort(),
            'the migration table holds each migration exactly once',
          );
          assert.equal(rows.at(-1)?.name, LATEST_MIGRATION);
        });
      });
    });

    it('has every table and column the job lifecycle needs', async () => {
      await withTempStore(dialect, async ({ url }) => {
        const store = await openMigratedStore(url);
        try {
          const tables = await storeTables(store);
          assert.ok(tables.has(MIGRATION_TABLE), `${MIGRATION_TABLE} exists`);
          for (const [table, columns] of Object.entries(REQUIRED_COLUMNS)) {
            const meta = tables.get(table);
            assert.ok(meta, `table ${table} exists (found: ${[...tables.keys()].join(', ')})`);
            const present = new Set(meta.columns.map((c) => c.name));
            const missing = columns.filter((c) => !present.has(c));
            assert.deepEqual(missing, [], `table ${table} lacks columns`);
          }
          for (const table of Object.keys(REQUIRED_COLUMNS)) {
            const id = tables.get(table)?.columns.find((c) => c.name === 'id');
            // SQLite's INTEGER PRIMARY KEY is the rowid (never NULL, though PRAGMA table_info says nullable).
            if (!(dialect === 'sqlite' && table === 'job_events')) assert.equal(id?.isNullable, false, `${table}.id is NOT NULL`);
          }
          const jobs = new Map((tables.get('jobs')?.columns ?? []).map((c) => [c.name, c]));
          for (const name of JOB_NULLABLE) assert.equal(jobs.get(name)?.isNullable, true, `jobs.${name} is nullable`);
          for (const name of JOB_NOT_NULL) assert.equal(jobs.get(name)?.isNullable, false, `jobs.${name} is NOT NULL`);
        } finally {
          await store.close();
        }
      });
    });

    it('round-trips BIGINT milliseconds as JS numbers; job_events ids auto-increment', async () => {
      await withTempStore(dialect, async ({ url }) => {
        const store = await openMigratedStore(url);
        try {
          await insertJob(store, 'job-1');
          const job = await store.db.selectFrom('jobs').selectAll().where('id', '=', 'job-1').executeTakeFirstOrThrow();
          const expected: Record<string, number> = {
            lease_expires_at_ms: NOW + 30_000,
            heartbeat_at_ms: NOW,
            claimed_at_ms: NOW - 1,
            cancel_requested_at_ms: BIG,
            timeout_ms: BIG,
            total_rows: BIG,
            processed_rows: BIG + 1,
            processed_bytes: Number.MAX_SAFE_INTEGER,
            created_at_ms: NOW,
            attempt: 2,
            max_attempts: 3,
            total_tables: 2,
          };
          for (const [column, value] of Object.entries(expected)) {
            const actual = (job as unknown as Record<string, unknown>)[column];
            assert.equal(typeof actual, 'number', `jobs.${column} comes back as a number, got ${typeof actual} ${String(actual)}`);
            assert.equal(actual, value, `jobs.${column}`);
          }
          assert.equal(job.finished_at_ms, null);
          assert.equal(job.worker_id, 'host-1:4242');
          assert.equal(job.lease_token, 'tok-abc');

          // Filtering and arithmetic on a BIGINT column with a JS number parameter.
          const expiring = await store.db
            .selectFrom('jobs')
            .select('id')
            .where('lease_expires_at_ms', '<', NOW + 30_001)
            .where('cancel_requested_at_ms', '=', BIG)
            .execute();
          assert.deepEqual(expiring, [{ id: 'job-1' }]);

          for (let i = 0; i < 3; i++) {
            await store.db
              .insertInto('job_events')
              .values({ job_id: 'job-1', at_ms: NOW + i, level: 'info', type: 'test', table_name: null, message: `event ${i}`, data: null })
              .execute();
          }
          const events = await store.db.selectFrom('job_events').select(['id', 'at_ms', 'message']).where('job_id', '=', 'job-1').orderBy('id').execute();
          assert.equal(events.length, 3);
          for (const event of events) {
            assert.equal(typeof event.id, 'number', `job_events.id is a number, got ${typeof event.id}`);
            assert.equal(typeof event.at_ms, 'number', `job_events.at_ms is a number, got ${typeof event.at_ms}`);
          }
          const ids = events.map((e) => e.id);
          assert.equal(new Set(ids).size, 3, 'ids are distinct');
          assert.ok(ids[0]! < ids[1]! && ids[1]! < ids[2]!, `ids increase: ${ids.join(', ')}`);
          assert.deepEqual(
            events.map((e) => e.message),
            ['event 0', 'event 1', 'event 2'],
            'id order is insertion order',
          );
          assert.deepEqual(
            events.map((e) => e.at_ms),
            [NOW, NOW + 1, NOW + 2],
          );
        } finally {
          await store.close();
        }
      });
    });

    it('enforces foreign keys: unknown config rejected, mappings cascade, a used connection cannot be deleted', async () => {
      await withTempStore(dialect, async ({ url }) => {
        const store = await openMigratedStore(url);
        try {
          await insertConnection(store, 'c-src');
          await insertConnection(store, 'c-dst');
          await insertSyncConfig(store, 'cfg-1', 'c-src', 'c-dst');
          await insertMapping(store, 'm-1', 'cfg-1', 1);
          await insertMapping(store, 'm-2', 'cfg-1', 2);

          assertForeignKeyViolation(dialect, await rejection(() => insertMapping(store, 'm-orphan', 'no-such-config', 3)));
          assertForeignKeyViolation(dialect, await rejection(() => insertSyncConfig(store, 'cfg-bad', 'c-src', 'no-such-connection')));
          assert.equal(await countRows(store, 'table_mappings'), 2, 'the orphan mapping was not stored');
          assert.equal(await countRows(store, 'sync_configs'), 1, 'the config with an unknown connection was not stored');

          // A connection a sync config uses (as source or as target) cannot be deleted.
          assertForeignKeyViolation(dialect, await rejection(() => store.db.deleteFrom('connections').where('id', '=', 'c-src').execute()));
          assertForeignKeyViolation(dialect, await rejection(() => store.db.deleteFrom('connections').where('id', '=', 'c-dst').execute()));
          assert.equal(await countRows(store, 'connections'), 2);

          // Deleting the config takes its mappings with it; then the connections are free to go.
          await store.db.deleteFrom('sync_configs').where('id', '=', 'cfg-1').execute();
          assert.equal(await countRows(store, 'table_mappings'), 0, 'mappings cascade with their config');
          await store.db.deleteFrom('connections').where('id', 'in', ['c-src', 'c-dst']).execute();
          assert.equal(await countRows(store, 'connections'), 0);

          // Job history is not cascaded: events of an unknown job are rejected, and a job with events stays put.
          assertForeignKeyViolation(
            dialect,
            await rejection(() =>
              store.db.insertInto('job_events').values({ job_id: 'no-such-job', at_ms: NOW, level: 'info', type: 't', table_name: null, message: 'm', data: null }).execute(),
            ),
          );
          await insertJob(store, 'job-1');
          await store.db.insertInto('job_events').values({ job_id: 'job-1', at_ms: NOW, level: 'info', type: 't', table_name: null, message: 'm', data: null }).execute();
          assertForeignKeyViolation(dialect, await rejection(() => store.db.deleteFrom('jobs').where('id', '=', 'job-1').execute()));
        } finally {
          await store.close();
        }
      });
    });

    it('rejects a row without an id (SQLite allows NULL in a text PRIMARY KEY unless told NOT NULL)', async () => {
      await withTempStore(dialect, async ({ url }) => {
        const store = await openMigratedStore(url);
        try {
          const insertNullId = () =>
            sql`insert into checkpoints (id, scope_key, job_id, table_name, data, updated_at_ms) values (null, ${'scope'}, null, ${'t'}, ${'{}'}, ${NOW})`.execute(store.db);
          const error = await rejection(insertNullId);
          const { code, errno } = error as { code?: unknown; errno?: unknown };
          assert.ok(
            code === 'SQLITE_CONSTRAINT_NOTNULL' || code === '23502' || errno === 1048,
            `a NOT NULL violation, got ${String(code)} / ${String(errno)}: ${String(error)}`,
          );
          const row = await store.db.selectFrom('checkpoints').select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
          assert.equal(Number(row.n), 0);
        } finally {
          await store.close();
        }
      });
    });

    it('refuses a store migrated by a newer dbferry (DBF_STORE_TOO_NEW) and changes nothing', async () => {
      await withTempStore(dialect, async ({ url }) => {
        await withStore(url, async (store) => {
          await migrateStore(store);
          await sql`insert into ${sql.table(MIGRATION_TABLE)} (name, timestamp) values (${'0002-from-the-future'}, ${new Date().toISOString()})`.execute(store.db);
        });
        await withStore(url, async (store) => {
          const schemaBefore = await schemaSnapshot(store);
          const rowsBefore = await migrationRows(store);
          const error = await dbfRejection(() => migrateStore(store));
          assert.equal(error.code, 'DBF_STORE_TOO_NEW', error.message);
          assert.match(error.message, /0002-from-the-future/);
          assert.doesNotMatch(error.message, /\n/);
          assert.deepEqual(await schemaSnapshot(store), schemaBefore, 'no table or column changed');
          assert.deepEqual(await migrationRows(store), rowsBefore, 'the migration table is unchanged');
        });
      });
    });

    it('refuses a store that only records an unknown migration, without creating any table', async () => {
      await withTempStore(dialect, async ({ url }) => {
        await withStore(url, async (store) => {
          await sql`create table ${sql.table(MIGRATION_TABLE)} (name varchar(255) not null primary key, timestamp varchar(255) not null)`.execute(store.db);
          await sql`insert into ${sql.table(MIGRATION_TABLE)} (name, timestamp) values (${'0000-unknown'}, ${new Date().toISOString()})`.execute(store.db);
          const before = await schemaSnapshot(store);
          assert.deepEqual(before, [`${MIGRATION_TABLE}(name,timestamp)`]);
          const error = await dbfRejection(() => migrateStore(store));
          assert.equal(error.code, 'DBF_STORE_TOO_NEW', error.message);
          assert.deepEqual(await schemaSnapshot(store), before, 'not even the migration lock table was created');
          assert.deepEqual(
            (await migrationRows(store)).map((r) => r.name),
            ['0000-unknown'],
          );
        });
      });
    });
  });
}

describe('an unreachable metadata store', () => {
  const PASSWORD = 'Sup3r-s3cret-pw';
  const cases: Array<[StoreDialect, string]> = [
    ['postgres', `postgres://postgres:${PASSWORD}@127.0.0.1:1/x`],
    ['mysql', `mysql://root:${PASSWORD}@127.0.0.1:1/x`],
  ];
  for (const [dialect, url] of cases) {
    it(`${dialect}: DBF_STORE_UNAVAILABLE, one line, no password`, async () => {
      const store = openStoreUrl(url);
      try {
        const error = await dbfRejection(() => migrateStore(store));
        assert.equal(error.code, 'DBF_STORE_UNAVAILABLE', error.message);
        assert.doesNotMatch(error.message, /[\r\n]/, 'one line');
        assert.ok(!error.message.includes(PASSWORD), `no password in: ${error.message}`);
        assert.match(error.message, /127\.0\.0\.1:1/, `names the store: ${error.message}`);
        assert.match(error.message, /\*\*\*/, `shows the password masked: ${error.message}`);
      } finally {
        await store.close();
      }
    });
  }

  it('sqlite: a path that is a directory is DBF_STORE_UNAVAILABLE, one line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dbf-store-dir-'));
    try {
      const store = openStoreUrl(`sqlite:${dir}`);
      try {
        const error = await dbfRejection(() => migrateStore(store));
        assert.equal(error.code, 'DBF_STORE_UNAVAILABLE', error.message);
        assert.doesNotMatch(error.message, /[\r\n]/, 'one line');
        assert.ok(error.message.includes(dir), `names the file: ${error.message}`);
      } finally {
        await store.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
