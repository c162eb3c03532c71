import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Doctor } from '../../jobs/doctor.js';
import type { JobStats } from '../../jobs/job-stats.js';
import { jobHistoryQuery, jobListQuery, jobLogsQuery, jobPruneQuery } from '../../jobs/job-service.js';
import type { JobService } from '../../jobs/job-service.js';
import { parseInput } from '../../domain/validation.js';
import { ok } from '../envelope.js';
import { route } from '../route.js';
import { idParams } from './route-params.js';

const startBody = z.union([
  z.object({ config_id: z.string().min(1).max(128) }).strict(),
  z.object({ test: z.unknown(), name: z.string().min(1).max(128).optional() }).strict(),
]);

export interface JobRouteDeps {
  readonly jobs: JobService;
  readonly stats: () => Promise<JobStats>;
  readonly doctor: Doctor;
}

const tag = 'jobs';

/** `/jobs`, `/stats`, `/doctor`: every answer read from the store. */
export function registerJobRoutes(api: FastifyInstance, deps: JobRouteDeps): void {
  const { jobs } = deps;
  route(api, { method: 'GET', url: '/jobs', role: 'viewer', tag, summary: 'List jobs, newest first', query: jobListQuery }, async ({ query }, reply) => {
    const page = await jobs.list(query);
    return ok(reply, page.items, { total: page.total, limit: page.limit, offset: page.offset });
  });
  route(api, { method: 'POST', url: '/jobs', role: 'operator', tag, summary: "Start a config's job ({config_id}); 409 while it has an active one", body: { schema: startBody } }, async ({ body }, reply) => {
    const input = parseInput(startBody, body);
    const job = 'config_id' in input ? await jobs.startConfig(input.config_id, 'api') : await jobs.startTest(input.test, 'api', input.name === undefined ? {} : { name: input.name });
    return ok(reply, job, undefined, 201);
  });
  route(api, { method: 'GET', url: '/jobs/active', role: 'viewer', tag, summary: 'The pending and running jobs (the store says which)' }, async (_in, reply) => {
    const list = await jobs.active();
    return ok(reply, list.map((j) => ({ ...j, job_id: j.id })), { total: list.length });
  });
  route(api, { method: 'GET', url: '/jobs/history', role: 'viewer', tag, summary: 'Finished jobs, newest first', query: jobHistoryQuery }, async ({ query }, reply) => {
    const page = await jobs.history(query);
    return ok(reply, page.items, { total: page.total, limit: page.limit, offset: page.offset });
  });
  route(api, { method: 'DELETE', url: '/jobs/history', role: 'admin', tag, summary: 'Delete finished jobs older than older_than_days (never active ones)', query: jobPruneQuery }, async ({ query }, reply) =>
    ok(reply, await jobs.prune(query)),
  );
  route(api, { method: 'GET', url: '/jobs/:id', role: 'viewer', tag, summary: 'A job with its per-table progress and results', params: idParams }, async ({ params }, reply) => ok(reply, await jobs.get(params.id)));
  route(api, { method: 'GET', url: '/jobs/:id/progress', role: 'viewer', tag, summary: 'A job as the active list shows it (with job_id)', params: idParams }, async ({ params }, reply) => {
    const job = await jobs.get(params.id);
    return ok(reply, { ...job, job_id: job.id });
  });
  route(api, { method: 'GET', url: '/jobs/:id/logs', role: 'viewer', tag, summary: "A job's event log, oldest first", params: idParams, query: jobLogsQuery }, async ({ params, query }, reply) => {
    const page = await jobs.logs(params.id, query);
    return ok(reply, page.items, { total: page.total, limit: page.limit, offset: page.offset });
  });
  for (const verb of ['cancel', 'stop']) {
    const summary = verb === 'cancel' ? 'Cancel a job: 200 when a pending job is cancelled, 202 when a running one is asked to stop' : 'Alias of /cancel (DB-Taxi)';
    route(api, { method: 'POST', url: `/jobs/:id/${verb}`, role: 'operator', tag, summary, params: idParams }, async ({ params }, reply) => {
      const result = await jobs.cancel(params.id);
      return ok(reply, result, undefined, result.outcome === 'cancelled' ? 200 : 202);
    });
  }
  route(api, { method: 'GET', url: '/stats', role: 'viewer', tag: 'monitoring', summary: 'Totals, rows copied, durations, error rate, runs per hour, reaped count' }, async (_in, reply) => ok(reply, await deps.stats()));
  route(api, { method: 'GET', url: '/doctor', role: 'viewer', tag: 'monitoring', summary: 'Jobs that break a lifecycle invariant, each with the reason (normally none)' }, async (_in, reply) => {
    const zombies = await deps.doctor.find();
    return ok(reply, { zombies }, { total: zombies.length });
  });
  route(api, { method: 'POST', url: '/doctor/fix', role: 'admin', tag: 'monitoring', summary: 'Settle every job the doctor finds, through the guarded transitions' }, async (_in, reply) => ok(reply, await deps.doctor.fix()));
}
