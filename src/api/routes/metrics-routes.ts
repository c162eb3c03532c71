import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { ACTIVE_STATUSES } from '../../domain/job.js';
import type { Doctor } from '../../jobs/doctor.js';
import type { JobStats } from '../../jobs/job-stats.js';
import { route } from '../route.js';

/**
 * `GET /metrics` (Prometheus): job counts are computed from the store at each scrape, so every node
 * reports the same truth: `dbferry_jobs_active`, `dbferry_jobs_zombie`, `dbferry_jobs_reaped_total`,
 * `dbferry_jobs{status}`, plus the process's default metrics.
 */
export function registerMetricsRoute(app: FastifyInstance, deps: { stats: () => Promise<JobStats>; doctor: Doctor; requireToken: boolean }): void {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'dbferry_process_' });
  const byStatus = new Gauge({ name: 'dbferry_jobs', help: 'Jobs in the store by status', labelNames: ['status'], registers: [registry] });
  const active = new Gauge({ name: 'dbferry_jobs_active', help: 'Jobs whose stored status is pending or running', registers: [registry] });
  const zombie = new Gauge({ name: 'dbferry_jobs_zombie', help: 'Jobs that break a lifecycle invariant (see /api/sync/doctor)', registers: [registry] });
  const reaped = new Counter({ name: 'dbferry_jobs_reaped_total', help: 'Times the reaper or boot reconciliation settled a job', registers: [registry] });
  const role = deps.requireToken ? 'viewer' : 'public';
  route(app, { method: 'GET', url: '/metrics', role, tag: 'system', summary: 'Prometheus metrics, job counts computed from the store at each scrape' }, async (_in, reply) => {
    const [stats, zombies] = await Promise.all([deps.stats(), deps.doctor.find()]);
    for (const [status, n] of Object.entries(stats.by_status)) byStatus.set({ status }, n);
    active.set(ACTIVE_STATUSES.reduce((n, s) => n + (stats.by_status[s] ?? 0), 0));
    zombie.set(zombies.length);
    reaped.reset();
    reaped.inc(stats.reaped_total);
    return reply.type(registry.contentType).send(await registry.metrics());
  });
}
