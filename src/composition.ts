import { sql } from 'kysely';
import type { AppDeps } from './api/app.js';
import { ConfigTransferService } from './catalog/config-transfer-service.js';
import { ConnectionService } from './catalog/connection-service.js';
import { SyncConfigService } from './catalog/sync-config-service.js';
import type { Settings } from './config/settings.js';
import { adapterFor } from './engines/registry.js';
import type { Logger } from './logging/logger.js';
import { SecretBox } from './secrets/secret-box.js';
import { migrateStore } from './store/migrate.js';
import { openStore } from './store/open-store.js';
import type { Store } from './store/open-store.js';
import { resolveStoreLocation } from './store/store-url.js';
import { VERSION } from './version.js';
import { Doctor } from './jobs/doctor.js';
import { computeStats } from './jobs/job-stats.js';
import type { JobStats } from './jobs/job-stats.js';
import { JobService } from './jobs/job-service.js';
import { JobStore } from './jobs/job-store.js';
import { Reaper } from './jobs/reaper.js';
import { AlertDispatcher } from './jobs/alert-dispatcher.js';
import { Runner } from './jobs/runner.js';
import { SyncService } from './sync/sync-service.js';
import { syncResolver } from './sync/sync-resolver.js';
import { SyncTask } from './sync/sync-task.js';
import type { Task } from './jobs/task.js';
import { testTask } from './jobs/test-task.js';
import { leaseTiming } from './jobs/timing.js';
import type { LeaseTiming } from './jobs/timing.js';
import { isPidAlive, newWorkerIdentity, thisProcess } from './jobs/worker-identity.js';
import { WorkerRegistry } from './jobs/worker-registry.js';

/**
 * The only place that builds concrete adapters and wires them together. Entry points (CLI commands,
 * `serve`) call `openRuntime` and hand the services on; nothing else calls `new` on an adapter.
 */
export interface Runtime {
  readonly settings: Settings;
  readonly logger: Logger;
  readonly store: Store;
  readonly connections: ConnectionService;
  readonly configs: SyncConfigService;
  readonly transfer: ConfigTransferService;
  readonly jobs: JobService;
  readonly jobStore: JobStore;
  readonly workers: WorkerRegistry;
  readonly timing: LeaseTiming;
  readonly doctor: Doctor;
  readonly sync: SyncService;
  stats(): Promise<JobStats>;
  /** Starts a worker (runner + reaper, and the alert dispatcher when a webhook is set) in this process; `close` stops it. */
  startWorker(options?: { concurrency?: number }): Promise<Runner>;
  close(): Promise<void>;
}

/** Opens and migrates the store, then builds the services on it. */
export async function openRuntime(settings: Settings, logger: Logger): Promise<Runtime> {
  const store = openStore(resolveStoreLocation(settings.store));
  try {
    const { applied } = await migrateStore(store);
    if (applied.length > 0) logger.debug({ applied, store: store.display }, 'metadata store migrated');
  } catch (error) {
    await store.close();
    throw error;
  }
  const secrets = new SecretBox({ secretKey: settings.secret_key, home: settings.home });
  const now = (): number => Date.now();
  const connections = new ConnectionService({ db: store.db, secrets, adapterFor, now, connectTimeoutMs: settings.connect_timeout_ms });
  const configs = new SyncConfigService({ db: store.db, connections, now });
  const transfer = new ConfigTransferService({ db: store.db, secrets, connections, configs, now });
  const jobStore = new JobStore(store.db);
  const workers = new WorkerRegistry(store.db);
  const timing = leaseTiming(settings.lease_ms);
  const runners: Runner[] = [];
  const jobs = new JobService({
    db: store.db, store: jobStore, configs, connections, now,
    maxAttempts: settings.max_attempts, jobTimeoutMs: settings.job_timeout_ms, allowTestJobs: settings.allow_test_jobs,
    onEnqueued: () => runners.forEach((r) => r.wake()),
  });
  const syncTask = new SyncTask({ resolve: syncResolver({ connections, secrets }), connectTimeoutMs: settings.connect_timeout_ms, now });
  const tasks = new Map<string, Task>([[syncTask.name, syncTask]]);
  const sync = new SyncService({
    connections, configs, jobs, store: jobStore, secrets, now, maxAttempts: settings.max_attempts, jobTimeoutMs: settings.job_timeout_ms,
    connectTimeoutMs: settings.connect_timeout_ms, onEnqueued: () => runners.forEach((r) => r.wake()),
  });
  if (settings.allow_test_jobs) tasks.set(testTask.name, testTask);

  // Alerts go out from processes that run workers (serve, worker, run --wait): where jobs get reaped.
  const webhookUrl = settings.alerts.webhook_url;
  const alerts = webhookUrl === undefined ? null : new AlertDispatcher({ db: store.db, webhookUrl, now, logger });
  const startWorker = async (options: { concurrency?: number } = {}): Promise<Runner> => {
    if (alerts && runners.length === 0) alerts.start();
    const identity = newWorkerIdentity();
    const reaper = new Reaper({ store: jobStore, timing, now, logger, self: identity, isPidAlive });
    const runner = new Runner({ store: jobStore, workers, reaper, tasks, identity, timing, concurrency: options.concurrency ?? settings.max_concurrency, now, logger });
    await runner.start();
    runners.push(runner);
    return runner;
  };
  const close = async (): Promise<void> => {
    await Promise.allSettled(runners.map((r) => r.stop()));
    await alerts?.stop();
    await store.close();
  };
  const doctor = new Doctor({ db: store.db, store: jobStore, timing, now, self: thisProcess(), isPidAlive });
  const stats = (): Promise<JobStats> => computeStats(store.db, now());
  return { settings, logger, store, connections, configs, transfer, jobs, jobStore, workers, timing, doctor, sync, stats, startWorker, close };
}

export function appDepsOf(runtime: Runtime, withRequestLogs: boolean): AppDeps {
  return {
    connections: runtime.connections,
    configs: runtime.configs,
    transfer: runtime.transfer,
    jobs: runtime.jobs,
    planConfig: (ref) => runtime.sync.planConfig(ref),
    stats: () => runtime.stats(),
    doctor: runtime.doctor,
    checkStore: async () => {
      await sql`select 1`.execute(runtime.store.db);
    },
    workersAlive: async () => (await runtime.workers.alive(Date.now(), runtime.timing.leaseMs)).length,
    version: VERSION,
    bodyLimitBytes: runtime.settings.server.body_limit_bytes,
    tokens: runtime.settings.api_tokens,
    metricsRequireToken: runtime.settings.server.metrics_require_token,
    corsOrigins: runtime.settings.server.cors_origins,
    ...(withRequestLogs ? { logger: runtime.logger } : {}),
  };
}
