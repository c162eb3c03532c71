import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseConnectionUrl, type ConnectionSpec } from '../../src/domain/connection-url.js';
import type { EngineSession, TableInfo } from '../../src/engines/ports.js';
import { adapterFor } from '../../src/engines/registry.js';
import {
  createMysqlDatabase,
  createPostgresDatabase,
  randomName,
  withMysqlAdmin,
  withPostgresAdmin,
  type TempDatabase,
} from '../helpers/servers.js';
import { rejection } from '../helpers/assertions.js';

/**
 * The MySQL/MariaDB and PostgreSQL adapters against the real servers on this machine: sessions,
 * database and table listings, and the connection failures a server itself reports (bad credentials,
 * unknown database). Network failures are in engines-network.test.ts, SQLite in engines-sqlite.test.ts.
 */

const OPTIONS = { timeoutMs: 5000 };
const WRONG_PASSWORD = 'Wr0ng-S3cret-Passw0rd';
/** The one role pg_hba asks a password of (scripts/test-services.sh); kept between runs. */
const PASSWORD_ROLE = 'dbferry_pwtest';

async function withSession<T>(spec: ConnectionSpec, work: (session: EngineSession) => Promise<T>): Promise<T> {
  const session = await adapterFor(spec.engine).connect(spec, OPTIONS);
  try {
    return await work(session);
  } finally {
    await session.close();
  }
}

function byTableName(tables: TableInfo[]): Map<string, TableInfo> {
  return new Map(tables.map((table) => [table.name, table]));
}

describe('MySQL/MariaDB adapter', () => {
  let db: TempDatabase;
  let spec: ConnectionSpec;
  const user = randomName('dbf_u');

  before(async () => {
    db = await createMysqlDatabase(`
      CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(50), KEY by_name (name));
      INSERT INTO customers VALUES (1, 'Ada'), (2, 'Brendan'), (3, 'Clara');
      CREATE TABLE orders (id INT PRIMARY KEY, customer_id INT, total DECIMAL(10, 2));
      INSERT INTO orders VALUES (1, 1, 9.50);
      CREATE VIEW customer_names AS SELECT name FROM customers;
      ANALYZE TABLE customers, orders;`);
    spec = parseConnectionUrl(db.url);
    // '%' matches however the server sees this client (this MariaDB runs with skip_name_resolve, so
    // it sees 127.0.0.1, where root has its own account with an empty password).
    await withMysqlAdmin((conn) => conn.query(`CREATE USER '${user}'@'%' IDENTIFIED BY 'right-password'`));
  });

  after(async () => {
    await withMysqlAdmin((conn) => conn.query(`DROP USER IF EXISTS '${user}'@'%'`));
    await db.drop();
  });

  it('connects and reports the server version', async () => {
    const version = await withSession(spec, (s) => s.serverVersion());
    assert.match(version, /^\d+\.\d+\.\d+/);
  });

  it('serves mariadb:// URLs with the same adapter', async () => {
    const version = await withSession({ ...spec, engine: 'mariadb' }, (s) => s.serverVersion());
    assert.match(version, /^\d+\.\d+\.\d+/);
  });

  it('lists the temp database with its size and table count, and no system schema', async () => {
    const databases = await withSession(spec, (s) => s.listDatabases());
    const mine = databases.find((d) => d.name === db.name);
    assert.ok(mine, `${db.name} is listed`);
    assert.equal(mine.table_count, 2, 'two base tables; the view is not counted');
    assert.ok(typeof mine.size_bytes === 'number' && mine.size_bytes > 0);
    for (const system of ['information_schema', 'performance_schema', 'mysql', 'sys']) {
      assert.ok(!databases.some((d) => d.name === system), `${system} is left out`);
    }
    assert.deepEqual(databases.map((d) => d.name), [...databases.map((d) => d.name)].sort());
  });

  it('lists tables and views with numeric estimates and sizes', async () => {
    const tables = await withSession(spec, (s) => s.listTables(db.name));
    assert.deepEqual(tables.map((t) => [t.name, t.type]), [
      ['customer_names', 'view'],
      ['customers', 'table'],
      ['orders', 'table'],
    ]);
    const byName = byTableName(tables);
    const customers = byName.get('customers');
    assert.ok(typeof customers?.row_estimate === 'number' && customers.row_estimate >= 0);
    assert.ok(typeof customers?.size_bytes === 'number' && customers.size_bytes > 0);
    assert.deepEqual(byName.get('customer_names'), { name: 'customer_names', type: 'view', row_estimate: null, size_bytes: null });
  });

  it('lists tables of another database than the one connected to', async () => {
    const tables = await withSession({ ...spec, database: null }, (s) => s.listTables(db.name));
    assert.equal(tables.length, 3);
  });

  it('reports an unknown database from listTables and from connect', async () => {
    const missing = randomName('dbf_missing');
    const listed = await withSession(spec, (s) => rejection(() => s.listTables(missing)));
    assert.equal(listed.code, 'DBF_CONN_UNKNOWN_DATABASE');
    assert.match(listed.message, new RegExp(`database "${missing}" does not exist on .+:\\d+`));
    const connected = await rejection(() => adapterFor('mysql').connect({ ...spec, database: missing }, OPTIONS));
    assert.equal(connected.code, 'DBF_CONN_UNKNOWN_DATABASE');
    assert.ok(connected.cause, 'keeps the driver error as cause');
  });

  it('accepts the right password and refuses a wrong one without echoing it', async () => {
    const asUser = { ...spec, database: null, username: user };
    const version = await withSession({ ...asUser, password: 'right-password' }, (s) => s.serverVersion());
    assert.ok(version.length > 0);
    const error = await rejection(() => adapterFor('mysql').connect({ ...asUser, password: WRONG_PASSWORD }, OPTIONS));
    assert.equal(error.code, 'DBF_CONN_AUTH');
    assert.match(error.message, new RegExp(`^cannot connect to .+:\\d+: access denied for user "${user}"`));
    assert.ok(!error.message.includes(WRONG_PASSWORD));
    assert.ok(!error.message.includes('\n'));
  });
});

describe('PostgreSQL adapter', () => {
  let db: TempDatabase;
  let spec: ConnectionSpec;
  const role = randomName('dbf_r');

  before(async () => {
    db = await createPostgresDatabase(`
      CREATE TABLE customers (id int PRIMARY KEY, name text);
      INSERT INTO customers VALUES (1, 'Ada'), (2, 'Brendan'), (3, 'Clara');
      CREATE SCHEMA sales;
      CREATE TABLE sales.orders (id bigint PRIMARY KEY, total numeric(10, 2));
      INSERT INTO sales.orders VALUES (1, 9.50), (2, 3.25);
      CREATE TABLE events (at date NOT NULL, what text) PARTITION BY RANGE (at);
      CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
      INSERT INTO events VALUES ('2024-05-01', 'launch');
      CREATE VIEW customer_names AS SELECT name FROM customers;
      ANALYZE;`);
    spec = parseConnectionUrl(db.url);
    await withPostgresAdmin('postgres', (c) => c.query(`CREATE ROLE "${role}" LOGIN PASSWORD 'right-password'`));
    await withPostgresAdmin('postgres', (c) =>
      c.query(`DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${PASSWORD_ROLE}') THEN CREATE ROLE ${PASSWORD_ROLE} LOGIN; END IF; END $$; ALTER ROLE ${PASSWORD_ROLE} PASSWORD 'right-password'; GRANT CONNECT ON DATABASE "${db.name}" TO ${PASSWORD_ROLE}`),
    );
  });

  after(async () => {
    await withPostgresAdmin('postgres', (c) => c.query(`DROP ROLE IF EXISTS "${role}"`));
    await db.drop();
  });

  it('connects and reports the server version', async () => {
    const version = await withSession(spec, (s) => s.serverVersion());
    assert.match(version, /^\d+(\.\d+)?/);
  });

  it('lists the temp database with a numeric size, and no template database', async () => {
    const databases = await withSession({ ...spec, database: null }, (s) => s.listDatabases());
    const mine = databases.find((d) => d.name === db.name);
    assert.ok(mine, `${db.name} is listed`);
    assert.ok(typeof mine.size_bytes === 'number' && mine.size_bytes > 0, 'bigint size arrives as a number');
    assert.ok(!databases.some((d) => d.name === 'template0' || d.name === 'template1'));
  });

  it('lists tables and views: schema-qualified outside public, partitions folded into their parent', async () => {
    const tables = await withSession(spec, (s) => s.listTables(db.name));
    assert.deepEqual(tables.map((t) => [t.name, t.type]), [
      ['customer_names', 'view'],
      ['customers', 'table'],
      ['events', 'table'],
      ['sales.orders', 'table'],
    ]);
    const byName = byTableName(tables);
    assert.equal(byName.get('customers')?.row_estimate, 3, 'ANALYZE saw every row');
    assert.equal(byName.get('sales.orders')?.row_estimate, 2);
    assert.equal(byName.get('events')?.row_estimate, 1, 'the parent sums its partitions');
    for (const name of ['customers', 'sales.orders', 'events']) {
      const size = byName.get(name)?.size_bytes;
      assert.ok(typeof size === 'number' && size > 0, `${name} has a numeric size`);
    }
    assert.deepEqual(byName.get('customer_names'), { name: 'customer_names', type: 'view', row_estimate: null, size_bytes: null });
  });

  it('lists the tables of another database through a second session', async () => {
    const tables = await withSession({ ...spec, database: null }, (s) => s.listTables(db.name));
    assert.deepEqual(tables.map((t) => t.name), ['customer_names', 'customers', 'events', 'sales.orders']);
  });

  it('reports an unknown database from listTables and from connect', async () => {
    const missing = randomName('dbf_missing');
    const listed = await withSession(spec, (s) => rejection(() => s.listTables(missing)));
    assert.equal(listed.code, 'DBF_CONN_UNKNOWN_DATABASE');
    assert.match(listed.message, new RegExp(`database "${missing}" does not exist on .+:\\d+`));
    const connected = await rejection(() => adapterFor('postgres').connect({ ...spec, database: missing }, OPTIONS));
    assert.equal(connected.code, 'DBF_CONN_UNKNOWN_DATABASE');
  });

  it('refuses a role that does not exist (SQLSTATE 28000) without echoing the password', async () => {
    const error = await rejection(() =>
      adapterFor('postgres').connect({ ...spec, username: randomName('dbf_nobody'), password: WRONG_PASSWORD }, OPTIONS),
    );
    assert.equal(error.code, 'DBF_CONN_AUTH');
    assert.match(error.message, /^cannot connect to .+:\d+: the server rejected user "dbf_nobody_/);
    assert.ok(!error.message.includes(WRONG_PASSWORD));
  });

  it('refuses a wrong password (SQLSTATE 28P01) without echoing it', async () => {
    // scripts/test-services.sh puts `host all dbferry_pwtest 127.0.0.1/32 scram-sha-256` first in
    // pg_hba.conf, so this one role must give its password while every other role stays trusted.
    const error = await rejection(() => adapterFor('postgres').connect({ ...spec, username: PASSWORD_ROLE, password: WRONG_PASSWORD }, OPTIONS));
    assert.equal(error.code, 'DBF_CONN_AUTH');
    assert.ok(!error.message.includes(WRONG_PASSWORD));
    const session = await adapterFor('postgres').connect({ ...spec, username: PASSWORD_ROLE, password: 'right-password' }, OPTIONS);
    assert.match(await session.serverVersion(), /^\d+/);
    await session.close();
  });
});
