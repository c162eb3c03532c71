import type { StoreDb } from '../store/open-store.js';
import type { WorkersTable } from '../store/schema.js';
import type { WorkerIdentity } from './worker-identity.js';

/**
 * Live worker processes, as rows with a heartbeat. Not a source of truth about jobs (the jobs table is);
 * it answers "is anyone there to run a pending job?" for `/ready`, `run --wait` and `doctor`.
 */
export class WorkerRegistry {
  constructor(private readonly db: StoreDb) {}

  async register(worker: WorkerIdentity, concurrency: number, now: number): Promise<void> {
    await this.db
      .insertInto('workers')
      .values({ id: worker.id, host: worker.host, pid: worker.pid, concurrency, started_at_ms: now, heartbeat_at_ms: now, stopped_at_ms: null })
      .execute();
  }

  async beat(workerId: string, now: number): Promise<void> {
    await this.db.updateTable('workers').set({ heartbeat_at_ms: now }).where('id', '=', workerId).execute();
  }

  async stop(workerId: string, now: number): Promise<void> {
    await this.db.updateTable('workers').set({ stopped_at_ms: now }).where('id', '=', workerId).execute();
  }

  /** Workers that beat within the lease and have not stopped. */
  async alive(now: number, leaseMs: number): Promise<WorkersTable[]> {
    return this.db.selectFrom('workers').selectAll().where('stopped_at_ms', 'is', null).where('heartbeat_at_ms', '>=', now - leaseMs).execute();
  }
}
