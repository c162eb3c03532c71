import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type { ConnectionSpec } from '../../src/domain/connection-url.js';
import type { EngineSession } from '../../src/engines/ports.js';
import { adapterFor } from '../../src/engines/registry.js';
import { rejection } from '../helpers/assertions.js';

/**
 * The SQLite adapter on real files in a temp directory: a database with tables, an index and a view,
 * a missing file, a file that is not a database, and a directory.
 */

const OPTIONS = { timeoutMs: 1000 };

function sqlite(database: string): ConnectionSpec {
  return { engine: 'sqlite', host: null, port: null, username: null, password: null, database, ssl: false };
}

describe('SQLite adapter', () => {
  let dir = '';
  let file = '';
  let session: EngineSession;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dbf-sqlite-'));
    file = join(dir, 'shop.db');
    const db = new Database(file);
    db.exec(`
      CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT UNIQUE);
      INSERT INTO customers (name) VALUES ('Ada'), ('Brendan'), ('Clara');
      CREATE TABLE "odd""name" (x);
      INSERT INTO "odd""name" VALUES (1), (2);
      CREATE INDEX odd_x ON "odd""name" (x);
      CREATE VIEW customer_names AS SELECT name FROM customers;`);
    db.close();
    session = await adapterFor('sqlite').connect(sqlite(file), OPTIONS);
  });

  after(async () => {
    await session.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('reports the SQLite library version', async () => {
    assert.match(await session.serverVersion(), /^SQLite \d+\.\d+\.\d+$/);
  });

  it('lists one database, main, with its size and table count', async () => {
    const { size } = await stat(file);
    assert.deepEqual(await session.listDatabases(), [{ name: 'main', size_bytes: size, table_count: 2 }]);
  });

  it('lists tables with exact row counts and dbstat sizes, and views without either', async () => {
    const tables = await session.listTables('main');
    assert.deepEqual(
      tables.map((t) => [t.name, t.type, t.row_estimate]),
      [
        ['customer_names', 'view', null],
        ['customers', 'table', 3],
        ['odd"name', 'table', 2],
      ],
    );
    for (const table of tables.filter((t) => t.type === 'table')) {
      // Table b-tree plus its indexes (customers has an autoindex for UNIQUE): at least two pages.
      assert.ok(typeof table.size_bytes === 'number' && table.size_bytes >= 2 * 4096, `${table.name}: ${table.size_bytes}`);
    }
    assert.equal(tables[0]?.size_bytes, null);
  });

  it('knows no database but main', async () => {
    const error = await rejection(() => session.listTables('other'));
    assert.equal(error.code, 'DBF_CONN_UNKNOWN_DATABASE');
  });

  it('resolves a relative path against the working directory', async () => {
    const relativeSession = await adapterFor('sqlite').connect(sqlite(relative(process.cwd(), file)), OPTIONS);
    try {
      assert.equal((await relativeSession.listTables('main')).length, 3);
    } finally {
      await relativeSession.close();
    }
  });

  it('reports a missing file as DBF_CONN_UNKNOWN_DATABASE and does not create it', async () => {
    const missing = join(dir, 'missing.db');
    const error = await rejection(() => adapterFor('sqlite').connect(sqlite(missing), OPTIONS));
    assert.equal(error.code, 'DBF_CONN_UNKNOWN_DATABASE');
    assert.equal(error.message, `sqlite file "${missing}" does not exist`);
    await assert.rejects(stat(missing), { code: 'ENOENT' });
  });

  it('reports a file that is not a database as DBF_CONN_FAILED', async () => {
    const notDb = join(dir, 'notes.txt');
    await writeFile(notDb, 'these are plain notes, not a database\n'.repeat(200));
    const error = await rejection(() => adapterFor('sqlite').connect(sqlite(notDb), OPTIONS));
    assert.equal(error.code, 'DBF_CONN_FAILED');
    assert.equal(error.message, `cannot open sqlite file "${notDb}": it is not a SQLite database`);
    assert.equal((error.cause as { code?: unknown } | undefined)?.code, 'SQLITE_NOTADB');
  });

  it('reports a directory as DBF_CONN_FAILED', async () => {
    const error = await rejection(() => adapterFor('sqlite').connect(sqlite(dir), OPTIONS));
    assert.equal(error.code, 'DBF_CONN_FAILED');
    assert.match(error.message, /not a regular file/);
  });
});
