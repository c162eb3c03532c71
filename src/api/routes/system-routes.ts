import type { FastifyInstance } from 'fastify';
import { DbfError } from '../../domain/errors.js';
import { ok } from '../envelope.js';
import type { AppDeps } from '../app.js';
import { route } from '../route.js';

/**
 * Liveness answers while the process runs. Readiness needs the metadata store to answer and at least
 * one live worker (in this process or any other sharing the store) to run pending jobs.
 */
export function registerSystemRoutes(app: FastifyInstance, deps: Pick<AppDeps, 'checkStore' | 'version' | 'workersAlive'>): void {
  route(app, { method: 'GET', url: '/health', role: 'public', tag: 'system', summary: 'Liveness: answers while the process runs' }, async (_in, reply) => ok(reply, { status: 'ok', version: deps.version }));
  route(app, { method: 'GET', url: '/ready', role: 'public', tag: 'system', summary: 'Readiness: the store answers and a worker sharing it is alive' }, async (_in, reply) => {
    try {
      await deps.checkStore();
    } catch (error) {
      throw new DbfError('DBF_STORE_UNAVAILABLE', `the metadata store is unavailable: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    const workers = await deps.workersAlive();
    if (workers === 0) throw new DbfError('DBF_NO_WORKER', 'no live worker shares this store: start `dbferry serve` or `dbferry worker`');
    return ok(reply, { status: 'ready', store: 'ok', workers_alive: workers });
  });
}
