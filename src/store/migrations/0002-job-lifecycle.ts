import type { Kysely } from 'kysely';

/**
 * What the durable job lifecycle adds:
 * - `jobs.task`: which task a job runs, so a worker claims only jobs it can run;
 * - `jobs.reaped_count`: how often the reaper settled this job (summed for `/metrics`);
 * - `job_locks`: one row per thing only one active job may hold at a time (`config:<id>`,
 *   `target:<where>`). The primary key makes "one active job per config and per target table" atomic
 *   on all three dialects (MySQL has no partial unique index); locks are released in the same
 *   transaction that makes the job terminal;
 * - `workers`: live worker processes (id `host/pid/boot`), for readiness and for `run --wait` to know
 *   whether anyone will pick a job up.
 */
export const jobLifecycleMigration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('jobs').addColumn('task', 'varchar(32)', (c) => c.notNull().defaultTo('sync')).execute();
    await db.schema.alterTable('jobs').addColumn('reaped_count', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    await db.schema
      .createTable('job_locks')
      .addColumn('lock_key', 'varchar(255)', (c) => c.primaryKey().notNull())
      .addColumn('job_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('ix_job_locks_job').on('job_locks').column('job_id').execute();
    await db.schema
      .createTable('workers')
      .addColumn('id', 'varchar(255)', (c) => c.primaryKey().notNull())
      .addColumn('host', 'varchar(255)', (c) => c.notNull())
      .addColumn('pid', 'integer', (c) => c.notNull())
      .addColumn('concurrency', 'integer', (c) => c.notNull())
      .addColumn('started_at_ms', 'bigint', (c) => c.notNull())
      .addColumn('heartbeat_at_ms', 'bigint', (c) => c.notNull())
      .addColumn('stopped_at_ms', 'bigint')
      .execute();
  },
};
