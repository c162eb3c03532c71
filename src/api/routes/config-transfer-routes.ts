import type { FastifyInstance } from 'fastify';
import { configFileSchema, importRequestSchema } from '../../catalog/config-file.js';
import type { ConfigTransferService } from '../../catalog/config-transfer-service.js';
import { ok } from '../envelope.js';
import { route } from '../route.js';

const tag = 'config export/import';

/** `/config/export|import|validate` in DB-Taxi's file shape; an export always validates and imports. */
export function registerConfigTransferRoutes(api: FastifyInstance, transfer: ConfigTransferService): void {
  route(api, { method: 'GET', url: '/config/export', role: 'viewer', tag, summary: 'Every connection (passwords as a placeholder) and sync config, by name' }, async (_in, reply) => {
    const file = await transfer.export();
    reply.header('content-disposition', `attachment; filename="dbferry-config-${file.export_time.slice(0, 10)}.json"`);
    return ok(reply, file, { connections: file.connections.length, sync_configs: file.sync_configs.length });
  });
  route(
    api,
    {
      method: 'POST', url: '/config/import', role: 'admin', tag,
      summary: 'Import an export, by name, in one transaction: {config, resolve_conflicts, dry_run}',
      description: 'Creates what is missing and, with resolve_conflicts, updates what differs (409 DBF_IMPORT_CONFLICT otherwise); never deletes. dry_run answers the same plan and writes nothing. Never connects to a database.',
      body: { schema: importRequestSchema, code: 'DBF_INVALID_IMPORT' },
    },
    async ({ body }, reply) => ok(reply, await transfer.import(body)),
  );
  route(api, { method: 'POST', url: '/config/validate', role: 'operator', tag, summary: 'Check an export file (the object itself) and say what importing it would change', body: { schema: configFileSchema, code: 'DBF_INVALID_IMPORT' } }, async ({ body }, reply) =>
    ok(reply, await transfer.validate(body)),
  );
}
