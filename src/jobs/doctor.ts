import { ACTIVE_STATUSES, TERMINAL_STATUSES } from '../domain/job.js';
import type { StoreDb } from '../store/open-store.js';
import type { JobStore } from './job-store.js';
import type { LeaseTiming } from './timing.js';
import { isOwnerGone, parseWorkerId } from './worker-identity.js';

export type ZombieKind = 'lease_expired' | 'dead_worker' | 'no_lease' | 'timed_out' | 'unfinished_tables' | 'no_finish_time' | 'orphan_lock';

export interface Zombie {
  readonly job_id: string;
  readonly status: string | null;
  readonly kind: ZombieKind;
  /** One line saying which invariant the job breaks and why. */
  readonly reason: string;
}

export interface DoctorDeps {
  readonly db: StoreDb;
  readonly store: JobStore;
  readonly timing: LeaseTiming;
  readonly now: () => number;
  /** The process running the doctor: a job owned by an earlier boot of it, or a dead pid on its host, is a zombie. */
  readonly self: { readonly host: string; readonly pid: number; readonly boot: string };
  readonly isPidAlive: (pid: number) => boolean;
}

/**
 * `dbferry doctor` / `GET /doctor`: lists every job that breaks a lifecycle invariant, each with the
 * reason, and `fix` settles them through the same guarded transitions the reaper uses. Normally it
 * finds nothing: the reaper and boot reconciliation settle dead workers' jobs on their own.
 */
export class Doctor {
  constructor(private readonly deps: DoctorDeps) {}

  async find(): Promise<Zombie[]> {
    const { db, timing, now, self, isPidAlive } = this.deps;
    const at = now();
    const zombies: Zombie[] = [];
    for (const job of await db.selectFrom('jobs').selectAll().where('status', '=', 'running').execute()) {
      const last = job.heartbeat_at_ms ?? job.started_at_ms ?? job.claimed_at_ms ?? job.created_at_ms;
      const owner = job.worker_id === null ? null : parseWorkerId(job.worker_id);
      if (job.lease_token === null) zombies.push({ job_id: job.id, status: job.status, kind: 'no_lease', reason: 'running without a lease token: no worker can own it' });
      else if (last < at - timing.leaseMs) zombies.push({ job_id: job.id, status: job.status, kind: 'lease_expired', reason: `running, but no heartbeat from ${job.worker_id ?? '?'} for ${Math.round((at - last) / 1000)} s (lease ${timing.leaseMs / 1000} s)` });
      else if (owner && isOwnerGone(job.worker_id, self, isPidAlive)) zombies.push({ job_id: job.id, status: job.status, kind: 'dead_worker', reason: `running, but its worker process ${owner.pid} on this host is gone` });
      else if (job.timeout_ms !== null && job.timeout_ms > 0 && job.started_at_ms !== null && job.started_at_ms + job.timeout_ms < at) {
        zombies.push({ job_id: job.id, status: job.status, kind: 'timed_out', reason: `running for ${Math.round((at - job.started_at_ms) / 1000)} s, past its limit of ${job.timeout_ms / 1000} s` });
      }
    }
    const unfinished = await db
      .selectFrom('job_tables')
      .innerJoin('jobs', 'jobs.id', 'job_tables.job_id')
      .select(['jobs.id as job_id', 'jobs.status as status'])
      .where('jobs.status', 'in', [...TERMINAL_STATUSES])
      .where('job_tables.status', 'in', ['pending', 'running'])
      .distinct()
      .execute();
    for (const u of unfinished) zombies.push({ job_id: u.job_id, status: u.status, kind: 'unfinished_tables', reason: `${u.status}, but some of its tables are still pending or running` });
    const unstamped = await db.selectFrom('jobs').select(['id', 'status']).where('status', 'in', [...TERMINAL_STATUSES]).where('finished_at_ms', 'is', null).execute();
    for (const j of unstamped) zombies.push({ job_id: j.id, status: j.status, kind: 'no_finish_time', reason: `${j.status} without a finish time` });
    const locks = await db.selectFrom('job_locks').leftJoin('jobs', 'jobs.id', 'job_locks.job_id').select(['job_locks.lock_key', 'job_locks.job_id', 'jobs.status']).execute();
    for (const l of locks) {
      if (l.status === null || !(ACTIVE_STATUSES as readonly string[]).includes(l.status)) {
        zombies.push({ job_id: l.job_id, status: l.status, kind: 'orphan_lock', reason: `holds the lock ${l.lock_key} although it is ${l.status ?? 'gone'}` });
      }
    }
    return zombies;
  }

  /**
   * Settles what `find` reports; answers what it actually fixed (a zombie that another process settled
   * in the meantime is not counted) and what is still wrong afterwards.
   */
  async fix(): Promise<{ fixed: Zombie[]; remaining: Zombie[] }> {
    const fixed: Zombie[] = [];
    for (const zombie of await this.find()) {
      if (await this.#settle(zombie)) fixed.push(zombie);
    }
    return { fixed, remaining: await this.find() };
  }

  /** One zombie through the guarded transition that fits it; answers whether anything changed. */
  async #settle(z: Zombie): Promise<boolean> {
    const { db, store, now } = this.deps;
    const at = now();
    const changed = (result: { numUpdatedRows?: bigint; numDeletedRows?: bigint }): boolean => Number(result.numUpdatedRows ?? result.numDeletedRows ?? 0) > 0;
    const tokenOf = async (): Promise<string | null> => (await db.selectFrom('jobs').select('lease_token').where('id', '=', z.job_id).executeTakeFirst())?.lease_token ?? null;
    switch (z.kind) {
      case 'no_lease':
      case 'lease_expired':
      case 'dead_worker':
        return (await store.settleLost(z.job_id, await tokenOf(), at, { code: 'DBF_WORKER_LOST', message: `settled by doctor: ${z.reason}` })) !== null;
      case 'timed_out':
        return (await store.settleLost(z.job_id, await tokenOf(), at, { code: 'DBF_JOB_TIMEOUT', message: `settled by doctor: ${z.reason}`, noRetry: true })) !== null;
      case 'unfinished_tables':
        return changed(
          await db
            .updateTable('job_tables')
            .set({ status: z.status === 'completed' ? 'skipped' : z.status === 'cancelled' ? 'cancelled' : 'failed', finished_at_ms: at })
            .where('job_id', '=', z.job_id)
            .where('status', 'in', ['pending', 'running'])
            .executeTakeFirst(),
        );
      case 'no_finish_time':
        return changed(await db.updateTable('jobs').set((eb) => ({ finished_at_ms: eb.ref('updated_at_ms') })).where('id', '=', z.job_id).where('finished_at_ms', 'is', null).executeTakeFirst());
      case 'orphan_lock':
        return changed(await db.deleteFrom('job_locks').where('job_id', '=', z.job_id).executeTakeFirst());
    }
  }
}
