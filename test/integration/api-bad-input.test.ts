import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestRuntime, call } from '../helpers/runtime.js';
import type { TestRuntime } from '../helpers/runtime.js';
import { createMysqlDatabase } from '../helpers/servers.js';
import type { TempDatabase } from '../helpers/servers.js';
import { storeSnapshot } from '../helpers/store-snapshot.js';

const BASE = '/api/sync';
/** Stands for the source database's random name in the cases, which are listed before it exists. */
const SOURCE_DB = '$SOURCE_DB';
type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

interface BadCase {
  readonly what: string;
  readonly method: Method;
  readonly url: string;
  /** An object is sent as JSON; a string is sent as it is with Content-Type: application/json. */
  readonly body?: unknown;
  readonly contentType?: string;
  readonly status: number;
  readonly code: string;
  /** What the one message must say (it names the field or the thing). */
  readonly says?: RegExp;
}

/**
 * The bad-input catalogue of issue 6: every case answers 4xx with a DBF_ code and one readable line,
 * and the store is byte-for-byte the same afterwards.
 */
describe('API: the bad-input catalogue', () => {
  let t: TestRuntime;
  let source: TempDatabase;
  const config = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
    name: 'fresh',
    source_connection_id: 'maria',
    target_connection_id: 'maria',
    source_database: SOURCE_DB,
    target_database: `${SOURCE_DB}_copy`,
    tables: [{ source_table: 'customers' }],
    ...overrides,
  });
  const conn = (overrides: Record<string, unknown>): Record<string, unknown> => ({ name: 'fresh', engine: 'mysql', host: '127.0.0.1', ...overrides });
  const importOf = (file: unknown): Record<string, unknown> => ({ config: file });
  const exportWith = (overrides: Record<string, unknown>): Record<string, unknown> => ({ version: '1.0', connections: [], sync_configs: [], ...overrides });

  before(async () => {
    t = await createTestRuntime();
    source = await createMysqlDatabase('CREATE TABLE customers (id INT PRIMARY KEY); CREATE TABLE orders (id INT PRIMARY KEY, status VARCHAR(10));');
    assert.equal((await call(t.app, 'POST', `${BASE}/connections`, { name: 'maria', url: 'mysql://root@127.0.0.1:3306/' })).status, 201);
    const created = await call(t.app, 'POST', `${BASE}/configs`, JSON.parse(withSource(config({ name: 'nightly', tables: [{ source_table: 'customers' }, { source_table: 'orders' }] }))));
    assert.equal(created.status, 201, created.text);
  });

  after(async () => {
    await source.drop();
    await t.close();
  });

  const withSource = (body: unknown): string => (typeof body === 'string' ? body : JSON.stringify(body)).replaceAll(SOURCE_DB, source.name);

  const cases: BadCase[] = [
    // Missing fields.
    { what: 'a connection without a name', method: 'POST', url: '/connections', body: { url: 'mysql://root@127.0.0.1/' }, status: 400, code: 'DBF_INVALID_INPUT', says: /^name:/ },
    { what: 'a connection with neither url nor engine', method: 'POST', url: '/connections', body: { name: 'fresh' }, status: 400, code: 'DBF_INVALID_INPUT', says: /^engine:/ },
    { what: 'a config without tables', method: 'POST', url: '/configs', body: config({ tables: undefined }), status: 400, code: 'DBF_INVALID_SYNC_CONFIG', says: /^tables:/ },
    { what: 'a config without a source connection', method: 'POST', url: '/configs', body: config({ source_connection_id: undefined }), status: 400, code: 'DBF_INVALID_SYNC_CONFIG', says: /^source_connection_id:/ },
    { what: 'a job without config_id', method: 'POST', url: '/jobs', body: {}, status: 400, code: 'DBF_INVALID_INPUT', says: /^config_id:/ },
    { what: 'a job with no body at all', method: 'POST', url: '/jobs', status: 400, code: 'DBF_INVALID_INPUT', says: /JSON object body/ },
    { what: 'a copy without a name', method: 'POST', url: '/configs/nightly/copy', body: {}, status: 400, code: 'DBF_INVALID_INPUT', says: /^name:/ },
    { what: 'a reorder without mapping_ids', method: 'PUT', url: '/configs/nightly/mappings/reorder', body: {}, status: 400, code: 'DBF_INVALID_INPUT', says: /^mapping_ids:/ },
    { what: 'tables without a database', method: 'GET', url: '/connections/maria/tables', status: 400, code: 'DBF_INVALID_INPUT', says: /^database:/ },
    { what: 'a prune without its age', method: 'DELETE', url: '/jobs/history', status: 400, code: 'DBF_INVALID_INPUT', says: /^older_than_days:/ },
    // Extra-long fields.
    { what: 'a 300-character connection name', method: 'POST', url: '/connections', body: { name: 'n'.repeat(300), url: 'mysql://root@127.0.0.1/' }, status: 400, code: 'DBF_INVALID_INPUT', says: /^name:/ },
    { what: 'a 5,000-character URL', method: 'POST', url: '/connections', body: { name: 'fresh', url: `mysql://root@127.0.0.1/${'d'.repeat(5000)}` }, status: 400, code: 'DBF_INVALID_INPUT', says: /^url:/ },
    { what: 'a 2,000-character password', method: 'POST', url: '/connections', body: conn({ password: 'p'.repeat(2000) }), status: 400, code: 'DBF_INVALID_INPUT', says: /^password:/ },
    { what: 'a 200-character config name', method: 'POST', url: '/configs', body: config({ name: 'c'.repeat(200) }), status: 400, code: 'DBF_INVALID_SYNC_CONFIG', says: /^name:/ },
    { what: 'a 100-character table name', method: 'POST', url: '/configs', body: config({ tables: [{ source_table: 't'.repeat(100) }] }), status: 400, code: 'DBF_INVALID_SYNC_CONFIG', says: /^tables\.0\.source_table:/ },
    { what: 'a 20,000-character filter', method: 'POST', url: '/configs', body: config({ tables: [{ source_table: 'orders', where_clause: `status = '${'x'.repeat(20_000)}'` }] }), status: 400, code: 'DBF_INVALID_SYNC_CONFIG', says: /where_clause/ },
    { what: 'a 300-character id in the path', method: 'GET', url: `/connections/${'i'.repeat(300)}`, status: 400, code: 'DBF_INVALID_INPUT', says: /^id:/ },
    { what: 'a 200-character config_id', method: 'POST', url: '/jobs', body: { config_id: 'c'.repeat(200) }, status: 400, code: 'DBF_INVALID_INPUT', says: /^config_id:/ },
    // Wrongly typed fields.
    { what: 'a number for a name', method: 'POST', url: '/connections', body: { name: 42, url: 'mysql://root@127.0.0.1/' }, status: 400, code: 'DBF_INVALID_INPUT', says: /^name:/ },
    { what: 'a boolean for a port', method: 'POST', url: '/connections', body: conn({ port: true }), status: 400, code: 'DBF_INVALID_INPUT', says: /^port:/ },
    { what: 'a word for a port', method: 'POST', url: '/connections', body: conn({ port: 'three' }), status: 400, code: 'DBF_INVALID_PORT' },
    { what: 'a number for ssl', method: 'POST', url: '/connections', body: conn({ ssl: 5 }), status: 400, code: 'DBF_INVALID_INPUT', says: /^ssl:/ },
    { what: 'a string for tables', method: 'POST', url: '/configs', body: config({ tables: 'customers' }), status: 400, code: 'DBF_INVALID_SYNC_CONFIG', says: /^tables:/ },
    { what: 'a string for enabled', method: 'POST', url: '/configs', body: config({ enabled: 'yes' }), status: 400, code: 'DBF_INVALID_SYNC_CONFIG', says: /^enabled:/ },
    { what: 'a string for batch_size', method: 'POST', url: '/configs', body: config({ options: { batch_size: '500' } }), status: 400, code: 'DBF_INVALID_SYNC_CONFIG', says: /^options\.batch_size:/ },
    { what: 'a number for config_id', method: 'POST', url: '/jobs', body: { config_id: 7 }, status: 400, code: 'DBF_INVALID_INPUT', says: /^config_id:/ },
    { what: 'a string for mapping_ids', method: 'PUT', url: '/configs/nightly/mappings/reorder', body: { mapping_ids: 'a,b' }, status: 400, code: 'DBF_INVALID_INPUT', says: /^mapping_ids:/ },
    { what: 'an array as the body', method: 'POST', url: '/connections', body: '[]', status: 400, code: 'DBF_INVALID_INPUT' },
    { what: 'a JSON string as the body', method: 'POST', url: '/configs', body: '"nightly"', status: 400, code: 'DBF_INVALID_SYNC_CONFIG' },
    { what: 'a body on a route that takes none', method: 'POST', url: '/doctor/fix', body: { all: true }, status: 400, code: 'DBF_INVALID_INPUT', says: /unknown field "all"/ },
    { what: 'an unknown field', method: 'POST', url: '/connections', body: { name: 'fresh', url: 'mysql://root@127.0.0.1/', colour: 'red' }, status: 400, code: 'DBF_INVALID_INPUT', says: /unknown field "colour"/ },
    { what: 'an unknown query parameter', method: 'GET', url: '/connections?debug=1', status: 400, code: 'DBF_INVALID_INPUT', says: /unknown field "debug"/ },
    { what: 'a text/plain body', method: 'POST', url: '/connections', body: 'name=fresh', contentType: 'text/plain', status: 400, code: 'DBF_INVALID_INPUT', says: /Content-Type: application\/json/ },
    // Unknown ids.
    { what: 'an unknown connection', method: 'GET', url: '/connections/nope', status: 404, code: 'DBF_CONNECTION_NOT_FOUND', says: /"nope"/ },
    { what: 'an update of an unknown connection', method: 'PUT', url: '/connections/nope', body: { name: 'nope', url: 'mysql://root@127.0.0.1/' }, status: 404, code: 'DBF_CONNECTION_NOT_FOUND' },
    { what: 'browsing an unknown connection', method: 'GET', url: '/connections/nope/databases', status: 404, code: 'DBF_CONNECTION_NOT_FOUND' },
    { what: 'an unknown config', method: 'GET', url: '/configs/nope', status: 404, code: 'DBF_SYNC_CONFIG_NOT_FOUND' },
    { what: 'deleting an unknown config', method: 'DELETE', url: '/configs/nope', status: 404, code: 'DBF_SYNC_CONFIG_NOT_FOUND' },
    { what: 'a dry run of an unknown config', method: 'POST', url: '/configs/nope/dry-run', status: 404, code: 'DBF_SYNC_CONFIG_NOT_FOUND' },
    { what: 'copying an unknown config', method: 'POST', url: '/configs/nope/copy', body: { name: 'other' }, status: 404, code: 'DBF_SYNC_CONFIG_NOT_FOUND' },
    { what: 'reordering an unknown config', method: 'PUT', url: '/configs/nope/mappings/reorder', body: { mapping_ids: ['a'] }, status: 404, code: 'DBF_SYNC_CONFIG_NOT_FOUND' },
    { what: 'reordering with foreign mapping ids', method: 'PUT', url: '/configs/nightly/mappings/reorder', body: { mapping_ids: ['a', 'b'] }, status: 400, code: 'DBF_INVALID_INPUT', says: /not a mapping of sync config "nightly"/ },
    { what: 'a config naming an unknown connection', method: 'POST', url: '/configs', body: config({ source_connection_id: 'nope' }), status: 404, code: 'DBF_CONNECTION_NOT_FOUND' },
    { what: 'configs filtered by an unknown connection', method: 'GET', url: '/configs?connection_id=nope', status: 404, code: 'DBF_CONNECTION_NOT_FOUND' },
    { what: 'a job of an unknown config', method: 'POST', url: '/jobs', body: { config_id: 'nope' }, status: 404, code: 'DBF_SYNC_CONFIG_NOT_FOUND' },
    { what: 'an unknown job', method: 'GET', url: '/jobs/nope', status: 404, code: 'DBF_JOB_NOT_FOUND' },
    { what: 'the logs of an unknown job', method: 'GET', url: '/jobs/nope/logs', status: 404, code: 'DBF_JOB_NOT_FOUND' },
    { what: 'cancelling an unknown job', method: 'POST', url: '/jobs/nope/cancel', status: 404, code: 'DBF_JOB_NOT_FOUND' },
    { what: 'an SQL-looking id', method: 'GET', url: `/configs/${encodeURIComponent("x' OR '1'='1")}`, status: 404, code: 'DBF_SYNC_CONFIG_NOT_FOUND' },
    { what: 'an SQL-looking id on delete', method: 'DELETE', url: `/connections/${encodeURIComponent("'; DROP TABLE connections; --")}`, status: 404, code: 'DBF_CONNECTION_NOT_FOUND' },
    // Unknown engines, out-of-range ports.
    { what: 'an unknown engine', method: 'POST', url: '/connections', body: conn({ engine: 'oracle' }), status: 400, code: 'DBF_UNKNOWN_ENGINE', says: /"oracle"/ },
    { what: 'an unknown URL scheme', method: 'POST', url: '/connections', body: { name: 'fresh', url: 'mongodb://127.0.0.1:27017/db' }, status: 400, code: 'DBF_UNKNOWN_ENGINE' },
    { what: 'an unknown engine, unsaved', method: 'POST', url: '/connections/test', body: { engine: 'db2', host: 'h' }, status: 400, code: 'DBF_UNKNOWN_ENGINE' },
    { what: 'port 0', method: 'POST', url: '/connections', body: conn({ port: 0 }), status: 400, code: 'DBF_INVALID_PORT' },
    { what: 'port -1', method: 'POST', url: '/connections', body: conn({ port: -1 }), status: 400, code: 'DBF_INVALID_PORT' },
    { what: 'port 65536', method: 'POST', url: '/connections', body: conn({ port: 65536 }), status: 400, code: 'DBF_INVALID_PORT' },
    { what: 'port 3306.5', method: 'POST', url: '/connections', body: conn({ port: 3306.5 }), status: 400, code: 'DBF_INVALID_PORT' },
    { what: 'port 99999 in a URL', method: 'POST', url: '/connections/test', body: { url: 'mysql://root@127.0.0.1:99999/' }, status: 400, code: 'DBF_INVALID_PORT' },
    // SQL-looking table names, databases and filters.
    { what: 'a table name with a backtick', method: 'POST', url: '/configs', body: config({ tables: [{ source_table: 'orders`; DROP TABLE orders; --' }] }), status: 400, code: 'DBF_INVALID_SYNC_CONFIG' },
    { what: 'a target table with a quote', method: 'POST', url: '/configs', body: config({ tables: [{ source_table: 'orders', target_table: "o'; DROP TABLE x; --" }] }), status: 400, code: 'DBF_INVALID_SYNC_CONFIG' },
    { what: 'a table name that is a statement', method: 'POST', url: '/configs', body: config({ tables: [{ source_table: 'orders; DROP TABLE orders' }] }), status: 422, code: 'DBF_TABLE_NOT_FOUND' },
    { what: 'a database name with a backtick', method: 'POST', url: '/configs', body: config({ target_database: 'x`; DROP DATABASE mysql; --' }), status: 400, code: 'DBF_INVALID_SYNC_CONFIG', says: /^target_database:/ },
    { what: 'browsing a database name with a quote', method: 'GET', url: `/connections/maria/tables?database=${encodeURIComponent("x' OR 1=1 -- ")}`, status: 400, code: 'DBF_INVALID_INPUT', says: /^database:/ },
    { what: 'a filter with a second statement', method: 'POST', url: '/configs', body: config({ tables: [{ source_table: 'orders', where_clause: '1=1; DELETE FROM orders' }] }), status: 400, code: 'DBF_INVALID_FILTER' },
    { what: 'a filter that closes its parenthesis', method: 'POST', url: '/configs', body: config({ tables: [{ source_table: 'orders', where_clause: "status = 'x') OR (1=1" }] }), status: 400, code: 'DBF_INVALID_FILTER' },
    { what: 'a filter with a comment', method: 'POST', url: '/configs', body: config({ tables: [{ source_table: 'orders', where_clause: "status = 'paid' /* */ OR 1=1" }] }), status: 400, code: 'DBF_INVALID_FILTER' },
    { what: 'a filter with a subquery that stalls', method: 'POST', url: '/configs', body: config({ tables: [{ source_table: 'orders', where_clause: 'id IN (SELECT SLEEP(10))' }] }), status: 400, code: 'DBF_INVALID_FILTER' },
    // Malformed JSON and big bodies.
    { what: 'malformed JSON', method: 'POST', url: '/configs', body: '{"name": "x", ', status: 400, code: 'DBF_INVALID_JSON' },
    { what: 'an empty JSON body where one is needed', method: 'POST', url: '/connections', body: '', status: 400, code: 'DBF_INVALID_INPUT', says: /needs a JSON object body/ },
    { what: 'an empty JSON body where none is needed (accepted: the id is unknown)', method: 'POST', url: '/jobs/nope/cancel', body: '', status: 404, code: 'DBF_JOB_NOT_FOUND' },
    { what: 'a JSON body with a __proto__ key', method: 'POST', url: '/configs', body: '{"__proto__": {"admin": true}, "name": "x"}', status: 400, code: 'DBF_INVALID_JSON' },
    { what: 'a 3 MB connection', method: 'POST', url: '/connections', body: { name: 'big', url: `mysql://root@127.0.0.1/${'x'.repeat(3 * 1024 * 1024)}` }, status: 413, code: 'DBF_PAYLOAD_TOO_LARGE' },
    { what: 'a 3 MB import', method: 'POST', url: '/config/import', body: importOf(exportWith({ padding: 'x'.repeat(3 * 1024 * 1024) })), status: 413, code: 'DBF_PAYLOAD_TOO_LARGE' },
    { what: 'a malformed %-escape in the path', method: 'GET', url: '/connections/%zz', status: 400, code: 'DBF_INVALID_INPUT', says: /URL/ },
    // Negative or non-numeric paging.
    { what: 'a negative limit', method: 'GET', url: '/jobs?limit=-1', status: 400, code: 'DBF_INVALID_INPUT', says: /^limit: must be at least 1/ },
    { what: 'a zero limit', method: 'GET', url: '/jobs?limit=0', status: 400, code: 'DBF_INVALID_INPUT', says: /^limit:/ },
    { what: 'a limit over the maximum', method: 'GET', url: '/jobs?limit=501', status: 400, code: 'DBF_INVALID_INPUT', says: /^limit: must be at most 500/ },
    { what: 'a word for a limit', method: 'GET', url: '/jobs?limit=ten', status: 400, code: 'DBF_INVALID_INPUT', says: /^limit: must be a whole number/ },
    { what: 'a fraction for a limit', method: 'GET', url: '/jobs/history?limit=2.5', status: 400, code: 'DBF_INVALID_INPUT', says: /^limit: must be a whole number/ },
    { what: 'a hex limit', method: 'GET', url: '/jobs?limit=0x10', status: 400, code: 'DBF_INVALID_INPUT', says: /^limit:/ },
    { what: 'an empty limit', method: 'GET', url: '/jobs?limit=', status: 400, code: 'DBF_INVALID_INPUT', says: /^limit:/ },
    { what: 'a negative offset', method: 'GET', url: '/jobs?offset=-5', status: 400, code: 'DBF_INVALID_INPUT', says: /^offset: must be at least 0/ },
    { what: 'a word for an offset', method: 'GET', url: '/jobs/nope/logs?offset=abc', status: 400, code: 'DBF_INVALID_INPUT', says: /^offset:/ },
    { what: 'a negative after_id', method: 'GET', url: '/events?after_id=-1', status: 400, code: 'DBF_INVALID_INPUT', says: /^after_id:/ },
    { what: 'an unknown status filter', method: 'GET', url: '/jobs?status=zombie', status: 400, code: 'DBF_INVALID_INPUT', says: /^status:/ },
    { what: 'a zero retention age', method: 'DELETE', url: '/jobs/history?older_than_days=0', status: 400, code: 'DBF_INVALID_INPUT', says: /^older_than_days:/ },
    // Garbage imports.
    { what: 'an import of a string', method: 'POST', url: '/config/import', body: '"everything"', status: 400, code: 'DBF_INVALID_IMPORT' },
    { what: 'an import without config', method: 'POST', url: '/config/import', body: { resolve_conflicts: true }, status: 400, code: 'DBF_INVALID_IMPORT', says: /^config:/ },
    { what: 'an import without a version', method: 'POST', url: '/config/import', body: importOf({ connections: [] }), status: 400, code: 'DBF_INVALID_IMPORT', says: /^config\.version:/ },
    { what: 'an import of an unknown version', method: 'POST', url: '/config/import', body: importOf(exportWith({ version: '9.9' })), status: 400, code: 'DBF_INVALID_IMPORT', says: /^config\.version:/ },
    { what: 'an import with an unknown top-level key', method: 'POST', url: '/config/import', body: importOf(exportWith({ users: [] })), status: 400, code: 'DBF_INVALID_IMPORT', says: /unknown field "config\.users"/ },
    { what: 'an import whose connections are not a list', method: 'POST', url: '/config/import', body: importOf(exportWith({ connections: 'maria' })), status: 400, code: 'DBF_INVALID_IMPORT', says: /^config\.connections:/ },
    { what: 'an import of a connection with an unknown engine', method: 'POST', url: '/config/import', body: importOf(exportWith({ connections: [{ name: 'x', engine: 'oracle', host: 'h' }] })), status: 400, code: 'DBF_UNKNOWN_ENGINE', says: /^connections\[0\] "x":/ },
    { what: 'an import of a connection with port 70000', method: 'POST', url: '/config/import', body: importOf(exportWith({ connections: [{ name: 'x', engine: 'mysql', host: 'h', port: 70000 }] })), status: 400, code: 'DBF_INVALID_PORT' },
    { what: 'an import naming one connection twice', method: 'POST', url: '/config/import', body: importOf(exportWith({ connections: [{ name: 'x', engine: 'mysql', host: 'h' }, { name: 'x', engine: 'mysql', host: 'h2' }] })), status: 400, code: 'DBF_INVALID_IMPORT', says: /"x" appears twice/ },
    { what: 'an import whose config names a missing connection', method: 'POST', url: '/config/import', body: importOf(exportWith({ sync_configs: [config({ name: 'x', source_connection_id: 'ghost' })] })), status: 400, code: 'DBF_INVALID_IMPORT', says: /source_connection_id "ghost" is neither/ },
    { what: 'an import with an SQL-looking filter', method: 'POST', url: '/config/import', body: importOf(exportWith({ sync_configs: [config({ name: 'x', tables: [{ source_table: 'orders', where_clause: '1=1; DROP TABLE orders' }] })] })), status: 400, code: 'DBF_INVALID_FILTER', says: /^sync_configs\[0\] "x":/ },
    { what: 'an import with an SQL-looking table name', method: 'POST', url: '/config/import', body: importOf(exportWith({ sync_configs: [config({ name: 'x', tables: [{ source_table: 'a`b' }] })] })), status: 400, code: 'DBF_INVALID_IMPORT' },
    { what: 'an import with a config of no tables', method: 'POST', url: '/config/import', body: importOf(exportWith({ sync_configs: [config({ name: 'x', tables: [] })] })), status: 400, code: 'DBF_INVALID_IMPORT' },
    { what: 'an import of a config copying a database onto itself', method: 'POST', url: '/config/import', body: importOf(exportWith({ sync_configs: [config({ name: 'x', target_database: SOURCE_DB })] })), status: 400, code: 'DBF_INVALID_SYNC_CONFIG' },
    { what: 'an import with a wrongly typed dry_run', method: 'POST', url: '/config/import', body: { config: exportWith({}), dry_run: 'yes' }, status: 400, code: 'DBF_INVALID_IMPORT', says: /^dry_run:/ },
    { what: 'validating an array', method: 'POST', url: '/config/validate', body: '[1, 2, 3]', status: 400, code: 'DBF_INVALID_IMPORT' },
    { what: 'validating a file of one bad connection', method: 'POST', url: '/config/validate', body: exportWith({ connections: [{ name: 'bad name!', engine: 'mysql', host: 'h' }] }), status: 400, code: 'DBF_INVALID_IMPORT', says: /^connections\.0\.name:/ },
  ];

  it('has one case per kind the issue names', () => {
    assert.ok(cases.length >= 90, `${cases.length} cases`);
  });

  for (const c of cases) {
    it(`answers ${c.what} with ${c.status} ${c.code}, one readable line, and writes nothing`, async () => {
      const before = await storeSnapshot(t.runtime.store.db);
      const payload = c.body === undefined ? {} : { payload: withSource(c.body), headers: { 'content-type': c.contentType ?? 'application/json' } };
      const reply = await t.app.inject({ method: c.method, url: `${BASE}${c.url}`, ...payload });
      assert.equal(reply.statusCode, c.status, reply.body.slice(0, 300));
      assert.match(String(reply.headers['content-type']), /^application\/json/);
      const body = reply.json() as { success: boolean; error: { code: string; message: string } };
      assert.equal(body.success, false);
      assert.equal(body.error.code, c.code, body.error.message);
      const { message } = body.error;
      assert.ok(message.length > 0 && message.length <= 400, `one short message: ${message.slice(0, 100)}…`);
      assert.doesNotMatch(message, /[\r\n]|\[object Object\]|undefined is not|Cannot read/);
      if (c.says) assert.match(message, c.says);
      assert.deepEqual(await storeSnapshot(t.runtime.store.db), before);
    });
  }

  it('still holds exactly the connection and config it was given', async () => {
    const connections = await call(t.app, 'GET', `${BASE}/connections`);
    const configs = await call(t.app, 'GET', `${BASE}/configs`);
    assert.deepEqual((connections.body.data as Array<{ name: string }>).map((c) => c.name), ['maria']);
    assert.deepEqual((configs.body.data as Array<{ name: string }>).map((c) => c.name), ['nightly']);
  });
});
