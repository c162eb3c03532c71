import type { Kysely } from 'kysely';
import type { StoreDialect } from '../store-url.js';

/**
 * `job_alerts`: the outbox of the webhook alert (invariant 8: "a webhook alerts on reaped or failed
 * jobs"). A row is written in the same transaction as the `job:reaped` or failed `job:finished` event
 * it announces, so an alert can neither be lost by a crash after the state change nor sent for a change
 * that rolled back. Dispatchers claim a row with a guarded UPDATE (`claimed_until_ms`), post it, and
 * stamp `delivered_at_ms`; failed posts wait `next_attempt_at_ms` and are retried a few times.
 */
export function jobAlertsMigration(dialect: StoreDialect): { up(db: Kysely<unknown>): Promise<void> } {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const table = db.schema.createTable('job_alerts');
      const withId =
        dialect === 'postgres'
          ? table.addColumn('id', 'bigserial', (c) => c.primaryKey())
          : dialect === 'mysql'
            ? table.addColumn('id', 'bigint', (c) => c.primaryKey().autoIncrement())
            : table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
      await withId
        .addColumn('job_id', 'varchar(36)', (c) => c.notNull())
        .addColumn('kind', 'varchar(32)', (c) => c.notNull())
        .addColumn('code', 'varchar(64)')
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at_ms', 'bigint', (c) => c.notNull())
        .addColumn('claimed_until_ms', 'bigint')
        .addColumn('delivered_at_ms', 'bigint')
        .addColumn('last_error', 'text')
        .addForeignKeyConstraint('fk_job_alerts_job', ['job_id'], 'jobs', ['id'])
        .execute();
      await db.schema.createIndex('ix_job_alerts_due').on('job_alerts').columns(['delivered_at_ms', 'next_attempt_at_ms']).execute();
      await db.schema.createIndex('ix_job_alerts_job').on('job_alerts').column('job_id').execute();
    },
  };
}
