import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Doctor } from '../../jobs/doctor.js';
import type { JobStats } from '../../jobs/job-stats.js';
import type { JobService } from '../../jobs/job-service.js';
import { parseInput } from '../../domain/validation.js';
import { ok } from '../envelope.js';

const idParams = z.object({ id: z.string().min(1).max(128) });
const startBody = z.union([
  z.object({ config_id: z.string().min(1).max(128) }).strict(),
  z.object({ test: z.unknown(), name: z.string().min(1).max(128).optional() }).strict(),
]);

export interface JobRouteDeps {
  readonly jobs: JobService;
  readonly stats: () => Promise<JobStats>;
  readonly doctor: Doctor;
}

/** `/jobs`, `/stats`, `/doctor`: every answer read from the store. */
export function registerJobRoutes(api: FastifyInstance, deps: JobRouteDeps): void {
  const { jobs } = deps;
  api.get('/jobs', async (request, reply) => {
    const page = await jobs.list(request.query);
    return ok(reply, page.items, { total: page.total, limit: page.limit, offset: page.offset });
  });
  api.post('/jobs', async (request, reply) => {
    const body = parseInput(startBody, request.body ?? {});
    const job = 'config_id' in body ? await jobs.startConfig(body.config_id, 'api') : await jobs.startTest(body.test, 'api', body.name === undefined ? {} : { name: body.name });
    return ok(reply, job, undefined, 201);
  });
  api.get('/jobs/active', async (_request, reply) => {
    const list = await jobs.active();
    return ok(reply, list.map((j) => ({ ...j, job_id: j.id })), { total: list.length });
  });
  api.get('/jobs/history', async (request, reply) => {
    const page = await jobs.history(request.query);
    return ok(reply, page.items, { total: page.total, limit: page.limit, offset: page.offset });
  });
  api.delete('/jobs/history', async (request, reply) => ok(reply, await jobs.prune(request.query)));
  api.get('/jobs/:id', async (request, reply) => ok(reply, await jobs.get(parseInput(idParams, request.params).id)));
  api.get('/jobs/:id/progress', async (request, reply) => {
    const job = await jobs.get(parseInput(idParams, request.params).id);
    return ok(reply, { ...job, job_id: job.id });
  });
  api.get('/jobs/:id/logs', async (request, reply) => {
    const page = await jobs.logs(parseInput(idParams, request.params).id, request.query);
    return ok(reply, page.items, { total: page.total, limit: page.limit, offset: page.offset });
  });
  for (const verb of ['cancel', 'stop']) {
    api.post(`/jobs/:id/${verb}`, async (request, reply) => {
      const result = await jobs.cancel(parseInput(idParams, request.params).id);
      return ok(reply, result, undefined, result.outcome === 'cancelled' ? 200 : 202);
    });
  }
  api.get('/stats', async (_request, reply) => ok(reply, await deps.stats()));
  api.get('/doctor', async (_request, reply) => {
    const zombies = await deps.doctor.find();
    return ok(reply, { zombies }, { total: zombies.length });
  });
  api.post('/doctor/fix', async (_request, reply) => ok(reply, await deps.doctor.fix()));
}
