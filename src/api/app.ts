import Fastify from 'fastify';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { ConfigTransferService } from '../catalog/config-transfer-service.js';
import type { ConnectionService } from '../catalog/connection-service.js';
import type { SyncConfigService } from '../catalog/sync-config-service.js';
import type { ApiToken } from '../config/api-tokens.js';
import { Keyring, requireToken } from './auth.js';
import { registerDocs } from './docs.js';
import { acceptJsonOnly } from './json-body.js';
import { zodValidatorCompiler } from './route-schema.js';
import { registerSecurity } from './security.js';
import { DbfError } from '../domain/errors.js';
import { errorBody, toApiError } from './envelope.js';
import type { Doctor } from '../jobs/doctor.js';
import type { JobStats } from '../jobs/job-stats.js';
import type { JobService } from '../jobs/job-service.js';
import { registerConfigTransferRoutes } from './routes/config-transfer-routes.js';
import { registerConnectionRoutes } from './routes/connection-routes.js';
import { registerDashboardRoutes } from './routes/dashboard-routes.js';
import { registerEventRoutes } from './routes/event-routes.js';
import { registerJobRoutes } from './routes/job-routes.js';
import { registerMetricsRoute } from './routes/metrics-routes.js';
import { registerSyncConfigRoutes } from './routes/sync-config-routes.js';
import type { SyncPlan } from '../sync/sync-planner.js';
import { registerSystemRoutes } from './routes/system-routes.js';

export interface AppDeps {
  readonly connections: ConnectionService;
  readonly configs: SyncConfigService;
  /** Config export, import and validate. */
  readonly transfer: ConfigTransferService;
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
  /** API tokens with roles; none: the API is open (and `serve` binds 127.0.0.1 by default). */
  readonly tokens: readonly ApiToken[];
  /** `/metrics` needs a token too (when there are tokens). */
  readonly metricsRequireToken: boolean;
  /** Origins allowed to call the API from a browser (CORS); none: CORS off. */
  readonly corsOrigins: readonly string[];
  /** pino logger for request logs; omit for silence (tests). */
  readonly logger?: FastifyBaseLogger;
}

/** DB-Taxi's base path, kept so its users' scripts keep working. */
export const API_BASE = '/api/sync';

/**
 * Builds the HTTP API without listening (tests use `inject`; `dbferry serve` listens). Every error
 * leaves through one handler as the envelope with a DBF_ code; unknown paths are a JSON 404, never
 * HTML. Every route is declared through `route.ts` (role, docs, zod schemas), so /docs lists them
 * all; with tokens configured, `/api` (and optionally `/metrics`) needs one (auth.ts).
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    bodyLimit: deps.bodyLimitBytes,
    // Longer ids than the router's default 100 still reach the route, whose schema names the limit.
    routerOptions: { maxParamLength: 1024 },
    // Errors Fastify answers before routing (a malformed %-escape in the URL) leave in the envelope too.
    frameworkErrors: (error, _request, reply) => {
      const failure = toApiError(error);
      reply.raw.writeHead(failure.spec.httpStatus, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(errorBody(failure)));
    },
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
  });

  app.setErrorHandler((error, request, reply) => {
    const failure = toApiError(error);
    if (failure.spec.httpStatus >= 500) request.log.error({ err: error, code: failure.code }, failure.message);
    return reply.code(failure.spec.httpStatus).send(errorBody(failure));
  });
  // Route schemas are derived from zod and validated by it (route-schema.ts): one validator.
  app.setValidatorCompiler(zodValidatorCompiler);
  acceptJsonOnly(app);
  app.setNotFoundHandler((request, reply) => {
    const failure = new DbfError('DBF_ROUTE_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0] ?? ''}`);
    return reply.code(404).send(errorBody(failure));
  });

  await registerSecurity(app, { corsOrigins: deps.corsOrigins });
  await registerDocs(app, deps.version);
  const guard = requireToken(new Keyring(deps.tokens));
  registerSystemRoutes(app, deps);
  await app.register(async (scope) => {
    if (deps.metricsRequireToken) scope.addHook('onRequest', guard);
    registerMetricsRoute(scope, { ...deps, requireToken: deps.metricsRequireToken });
  });
  await app.register(
    async (api) => {
      api.addHook('onRequest', guard);
      registerConnectionRoutes(api, deps.connections);
      registerSyncConfigRoutes(api, deps.configs, deps.planConfig);
      registerJobRoutes(api, deps);
      registerEventRoutes(api, deps.jobs);
      registerConfigTransferRoutes(api, deps.transfer);
    },
    { prefix: API_BASE },
  );
  await registerDashboardRoutes(app);
  return app;
}
