import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { connectionInputSchema, connectionProbeSchema, parseConnectionInput, parseConnectionProbe } from '../../catalog/connection-input.js';
import type { ConnectionService } from '../../catalog/connection-service.js';
import { DATABASE_NAME } from '../../catalog/sync-config-input.js';
import { ok } from '../envelope.js';
import { route } from '../route.js';
import { idParams } from './route-params.js';

const tablesQuery = z.object({ database: DATABASE_NAME }).strict();
const saved = { schema: connectionInputSchema, parse: parseConnectionInput };
const tag = 'connections';

/** `/connections`: CRUD, tests (saved and unsaved) and browsing. Passwords never leave. */
export function registerConnectionRoutes(api: FastifyInstance, connections: ConnectionService): void {
  route(api, { method: 'GET', url: '/connections', role: 'viewer', tag, summary: 'List connections (never a password: has_password)' }, async (_in, reply) => {
    const list = await connections.list();
    return ok(reply, list, { total: list.length });
  });
  route(api, { method: 'POST', url: '/connections', role: 'admin', tag, summary: 'Add a connection ({name, url} or fields); tested first unless skip_test', body: saved }, async ({ body }, reply) =>
    ok(reply, await connections.create(body), undefined, 201),
  );
  // Admin: an unsaved test reaches any host and port the caller names.
  route(api, { method: 'POST', url: '/connections/test', role: 'admin', tag, summary: 'Test an unsaved connection', body: { schema: connectionProbeSchema, parse: parseConnectionProbe } }, async ({ body }, reply) =>
    ok(reply, await connections.testUnsaved(body)),
  );
  route(api, { method: 'GET', url: '/connections/:id', role: 'viewer', tag, summary: 'A connection by id or name', params: idParams }, async ({ params }, reply) => ok(reply, await connections.get(params.id)));
  route(api, { method: 'PUT', url: '/connections/:id', role: 'admin', tag, summary: 'Replace a connection (an omitted password keeps the stored one)', params: idParams, body: saved }, async ({ params, body }, reply) =>
    ok(reply, await connections.update(params.id, body)),
  );
  route(api, { method: 'DELETE', url: '/connections/:id', role: 'admin', tag, summary: 'Delete a connection (refused while a sync config uses it)', params: idParams }, async ({ params }, reply) =>
    ok(reply, await connections.remove(params.id)),
  );
  route(api, { method: 'POST', url: '/connections/:id/test', role: 'operator', tag, summary: 'Test a saved connection: server version and latency, or the reason', params: idParams }, async ({ params }, reply) =>
    ok(reply, await connections.test(params.id)),
  );
  route(api, { method: 'GET', url: '/connections/:id/databases', role: 'viewer', tag, summary: 'Databases on the server, with sizes', params: idParams }, async ({ params }, reply) => {
    const list = await connections.listDatabases(params.id);
    return ok(reply, list, { total: list.length });
  });
  route(api, { method: 'GET', url: '/connections/:id/tables', role: 'viewer', tag, summary: 'Tables and views of a database, with row estimates and sizes', params: idParams, query: tablesQuery }, async ({ params, query }, reply) => {
    const list = await connections.listTables(params.id, query.database);
    return ok(reply, list, { total: list.length, database: query.database });
  });
}
