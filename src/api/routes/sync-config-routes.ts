import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { SyncConfigService } from '../../catalog/sync-config-service.js';
import { parseInput } from '../../domain/validation.js';
import { ok } from '../envelope.js';
import type { SyncPlan } from '../../sync/sync-planner.js';

const idParams = z.object({ id: z.string().min(1).max(128) });
const listQuery = z.object({ connection_id: z.string().min(1).max(128).optional() }).strict();

/** `/configs`: sync configs with their table mappings (DB-Taxi's shape). */
export function registerSyncConfigRoutes(api: FastifyInstance, configs: SyncConfigService, planConfig: (ref: string) => Promise<SyncPlan>): void {
  /** The plan of the config's next job (tables in order, DDL actions, estimates); changes nothing. */
  api.post('/configs/:id/dry-run', async (request, reply) => ok(reply, await planConfig(parseInput(idParams, request.params).id)));
  api.get('/configs', async (request, reply) => {
    const list = await configs.list(parseInput(listQuery, request.query ?? {}));
    return ok(reply, list, { total: list.length });
  });
  api.post('/configs', async (request, reply) => ok(reply, await configs.create(request.body), undefined, 201));
  api.get('/configs/:id', async (request, reply) => ok(reply, await configs.get(parseInput(idParams, request.params).id)));
  api.put('/configs/:id', async (request, reply) => ok(reply, await configs.update(parseInput(idParams, request.params).id, request.body)));
  api.delete('/configs/:id', async (request, reply) => ok(reply, await configs.remove(parseInput(idParams, request.params).id)));
  api.get('/configs/:id/mappings', async (request, reply) => {
    const list = await configs.mappings(parseInput(idParams, request.params).id);
    return ok(reply, list, { total: list.length });
  });
  api.put('/configs/:id/mappings/reorder', async (request, reply) => ok(reply, await configs.reorder(parseInput(idParams, request.params).id, request.body)));
}
