import Fastify from 'fastify';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { ConnectionService } from '../catalog/connection-service.js';
import type { SyncConfigService } from '../catalog/sync-config-service.js';
import { DbfError } from '../domain/errors.js';
import { errorBody, toApiError } from './envelope.js';
import type { Doctor } from '../jobs/doctor.js';
import type { JobStats } from '../jobs/job-stats.js';
import type { JobService } from '../jobs/job-service.js';
import { registerConnectionRoutes } from './routes/connection-routes.js';
import { registerEventRoutes } from './routes/event-routes.js';
import { registerJobRoutes } from './routes/job-routes.js';
import { registerMetricsRoute } from './routes/metrics-routes.js';
import { registerNotLandedRoutes } from './routes/not-landed-routes.js';
import { registerSyncConfigRoutes } from './routes/sync-config-routes.js';
import type { SyncPlan } from '../sync/sync-planner.js';
import { registerSystemRoutes } from './routes/system-routes.js';

export interface AppDeps {
  readonly connections: ConnectionService;
  readonly configs: SyncConfigService;
  readonly jobs: JobService;
  /** Plans of copies (dry runs). */
  readonly planConfig: (ref: string) => Promise<SyncPlan>;
  readonly stats: () => Promise<JobStats>;
  readonly doctor: Doctor;
  /** Resolves when the metadata store answers; rejects otherwise. */
  readonly checkStore: () => Promise<void>;
  /** Live workers sharing the store. */
  readonly workersAlive: () => Promise<number>;
  readonly version: string;
  readonly bodyLimitBytes: number;
  /** pino logger for request logs; omit for silence (tests). */
  readonly logger?: FastifyBaseLogger;
}

/** DB-Taxi's base path, kept so its users' scripts keep working. */
export const API_BASE = '/api/sync';

/**
 * Builds the HTTP API without listening (tests use `inject`; `dbferry serve` listens). Every error
 * leaves through one handler as the envelope with a DBF_ code; unknown paths are a JSON 404, never
 * HTML.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    bodyLimit: deps.bodyLimitBytes,
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
  });

  app.setErrorHandler((error, request, reply) => {
    const failure = toApiError(error);
    if (failure.spec.httpStatus >= 500) request.log.error({ err: error, code: failure.code }, failure.message);
    return reply.code(failure.spec.httpStatus).send(errorBody(failure));
  });
  app.setNotFoundHandler((request, reply) => {
    const failure = new DbfError('DBF_ROUTE_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0] ?? ''}`);
    return reply.code(404).send(errorBody(failure));
  });

  registerSystemRoutes(app, deps);
  registerMetricsRoute(app, deps);
  await app.register(
    async (api) => {
      registerConnectionRoutes(api, deps.connections);
      registerSyncConfigRoutes(api, deps.configs, deps.planConfig);
      registerJobRoutes(api, deps);
      registerEventRoutes(api, deps.jobs);
      registerNotLandedRoutes(api);
    },
    { prefix: API_BASE },
  );
  return app;
}
