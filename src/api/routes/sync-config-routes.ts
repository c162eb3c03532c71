import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { syncConfigInputSchema } from '../../catalog/sync-config-input.js';
import { copySchema, reorderSchema } from '../../catalog/sync-config-service.js';
import type { SyncConfigService } from '../../catalog/sync-config-service.js';
import { ok } from '../envelope.js';
import { route } from '../route.js';
import type { SyncPlan } from '../../sync/sync-planner.js';
import { idParams } from './route-params.js';

const listQuery = z.object({ connection_id: z.string().min(1).max(128).optional() }).strict();
const configBody = { schema: syncConfigInputSchema, code: 'DBF_INVALID_SYNC_CONFIG' } as const;
const tag = 'sync configs';

/** `/configs`: sync configs with their table mappings (DB-Taxi's shape). */
export function registerSyncConfigRoutes(api: FastifyInstance, configs: SyncConfigService, planConfig: (ref: string) => Promise<SyncPlan>): void {
  route(api, { method: 'POST', url: '/configs/:id/dry-run', role: 'operator', tag, summary: "The plan of the config's next job (tables in order, DDL actions, estimates); changes nothing", params: idParams }, async ({ params }, reply) =>
    ok(reply, await planConfig(params.id)),
  );
  route(api, { method: 'GET', url: '/configs', role: 'viewer', tag, summary: 'List sync configs, optionally those using one connection', query: listQuery }, async ({ query }, reply) => {
    const list = await configs.list(query);
    return ok(reply, list, { total: list.length });
  });
  route(api, { method: 'POST', url: '/configs', role: 'admin', tag, summary: 'Create a sync config (checked against the source first)', body: configBody }, async ({ body }, reply) =>
    ok(reply, await configs.create(body), undefined, 201),
  );
  route(api, { method: 'GET', url: '/configs/:id', role: 'viewer', tag, summary: 'A sync config by id or name, with its mappings', params: idParams }, async ({ params }, reply) => ok(reply, await configs.get(params.id)));
  route(api, { method: 'PUT', url: '/configs/:id', role: 'admin', tag, summary: 'Replace a sync config (mappings keep their identity)', params: idParams, body: configBody }, async ({ params, body }, reply) =>
    ok(reply, await configs.update(params.id, body)),
  );
  route(api, { method: 'DELETE', url: '/configs/:id', role: 'admin', tag, summary: 'Delete a sync config (refused while it has an active job; history stays)', params: idParams }, async ({ params }, reply) =>
    ok(reply, await configs.remove(params.id)),
  );
  route(api, { method: 'POST', url: '/configs/:id/copy', role: 'admin', tag, summary: 'Copy a sync config under a new name', params: idParams, body: { schema: copySchema } }, async ({ params, body }, reply) =>
    ok(reply, await configs.copy(params.id, body), undefined, 201),
  );
  route(api, { method: 'GET', url: '/configs/:id/mappings', role: 'viewer', tag, summary: "The config's table mappings in order", params: idParams }, async ({ params }, reply) => {
    const list = await configs.mappings(params.id);
    return ok(reply, list, { total: list.length });
  });
  route(api, { method: 'PUT', url: '/configs/:id/mappings/reorder', role: 'admin', tag, summary: 'Reorder the mappings: every mapping id once, in the new order', params: idParams, body: { schema: reorderSchema } }, async ({ params, body }, reply) =>
    ok(reply, await configs.reorder(params.id, body)),
  );
}
