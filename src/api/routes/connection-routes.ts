import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ConnectionService } from '../../catalog/connection-service.js';
import { parseInput } from '../../domain/validation.js';
import { ok } from '../envelope.js';

const idParams = z.object({ id: z.string().min(1).max(128) });
const tablesQuery = z.object({ database: z.string().min(1, 'database is required').max(255) });

/** `/connections`: CRUD, tests (saved and unsaved) and browsing. Passwords never leave. */
export function registerConnectionRoutes(api: FastifyInstance, connections: ConnectionService): void {
  api.get('/connections', async (_request, reply) => {
    const list = await connections.list();
    return ok(reply, list, { total: list.length });
  });
  api.post('/connections', async (request, reply) => ok(reply, await connections.create(request.body), undefined, 201));
  api.post('/connections/test', async (request, reply) => ok(reply, await connections.testUnsaved(request.body)));
  api.get('/connections/:id', async (request, reply) => ok(reply, await connections.get(parseInput(idParams, request.params).id)));
  api.put('/connections/:id', async (request, reply) => ok(reply, await connections.update(parseInput(idParams, request.params).id, request.body)));
  api.delete('/connections/:id', async (request, reply) => ok(reply, await connections.remove(parseInput(idParams, request.params).id)));
  api.post('/connections/:id/test', async (request, reply) => ok(reply, await connections.test(parseInput(idParams, request.params).id)));
  api.get('/connections/:id/databases', async (request, reply) => {
    const list = await connections.listDatabases(parseInput(idParams, request.params).id);
    return ok(reply, list, { total: list.length });
  });
  api.get('/connections/:id/tables', async (request, reply) => {
    const { id } = parseInput(idParams, request.params);
    const { database } = parseInput(tablesQuery, request.query ?? {});
    const list = await connections.listTables(id, database);
    return ok(reply, list, { total: list.length, database });
  });
}
