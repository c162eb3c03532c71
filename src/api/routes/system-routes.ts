import type { FastifyInstance } from 'fastify';
import { DbfError } from '../../domain/errors.js';
import { ok } from '../envelope.js';
import type { AppDeps } from '../app.js';

/** Liveness answers while the process runs; readiness only while the metadata store answers too. */
export function registerSystemRoutes(app: FastifyInstance, deps: Pick<AppDeps, 'checkStore' | 'version'>): void {
  app.get('/health', (_request, reply) => ok(reply, { status: 'ok', version: deps.version }));
  app.get('/ready', async (_request, reply) => {
    try {
      await deps.checkStore();
    } catch (error) {
      throw new DbfError('DBF_STORE_UNAVAILABLE', `the metadata store is unavailable: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    return ok(reply, { status: 'ready', store: 'ok' });
  });
}
