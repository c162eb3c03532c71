import type { Kysely } from 'kysely';
import type { StoreDialect } from '../store-url.js';

/**
 * The first schema: everything the foundation and the job lifecycle need (connections, sync configs
 * with table mappings, jobs with their lease columns, per-table results, the append-only event log and
 * checkpoints). Foreign keys are table constraints because MySQL silently ignores column-level
 * REFERENCES. Only mappings cascade with their config; nothing cascades into job history. Text primary
 * keys say NOT NULL: SQLite lets a PRIMARY KEY that is not INTEGER hold NULL (any number of them).
 */
export function initialMigration(dialect: StoreDialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const ms = 'bigint';
      await db.schema
        .createTable('connections')
        .addColumn('id', 'varchar(36)', (c) => c.primaryKey().notNull())
        .addColumn('name', 'varchar(128)', (c) => c.notNull().unique())
        .addColumn('engine', 'varchar(16)', (c) => c.notNull())
        .addColumn('host', 'varchar(255)')
        .addColumn('port', 'integer')
        .addColumn('username', 'varchar(255)')
        .addColumn('password_secret', 'text')
        .addColumn('database_name', 'varchar(1024)')
        .addColumn('ssl', 'varchar(16)', (c) => c.notNull())
        .addColumn('created_at_ms', ms, (c) => c.notNull())
        .addColumn('updated_at_ms', ms, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('sync_configs')
        .addColumn('id', 'varchar(36)', (c) => c.primaryKey().notNull())
        .addColumn('name', 'varchar(128)', (c) => c.notNull().unique())
        .addColumn('source_connection_id', 'varchar(36)', (c) => c.notNull())
        .addColumn('target_connection_id', 'varchar(36)', (c) => c.notNull())
        .addColumn('source_database', 'varchar(255)')
        .addColumn('target_database', 'varchar(255)')
        .addColumn('sync_mode', 'varchar(16)', (c) => c.notNull())
        .addColumn('schedule', 'varchar(255)')
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('options', 'text', (c) => c.notNull())
        .addColumn('created_at_ms', ms, (c) => c.notNull())
        .addColumn('updated_at_ms', ms, (c) => c.notNull())
        .addForeignKeyConstraint('fk_sync_configs_source', ['source_connection_id'], 'connections', ['id'])
        .addForeignKeyConstraint('fk_sync_configs_target', ['target_connection_id'], 'connections', ['id'])
        .execute();

      await db.schema
        .createTable('table_mappings')
        .addColumn('id', 'varchar(36)', (c) => c.primaryKey().notNull())
        .addColumn('config_id', 'varchar(36)', (c) => c.notNull())
        .addColumn('source_table', 'varchar(255)', (c) => c.notNull())
        .addColumn('target_table', 'varchar(255)', (c) => c.notNull())
        .addColumn('sync_mode', 'varchar(16)', (c) => c.notNull())
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('where_clause', 'text')
        .addColumn('cursor_column', 'varchar(255)')
        .addColumn('sort_order', 'integer', (c) => c.notNull())
        .addColumn('created_at_ms', ms, (c) => c.notNull())
        .addColumn('updated_at_ms', ms, (c) => c.notNull())
        .addForeignKeyConstraint('fk_table_mappings_config', ['config_id'], 'sync_configs', ['id'], (fk) => fk.onDelete('cascade'))
        .addUniqueConstraint('uq_table_mappings_target', ['config_id', 'target_table'])
        .execute();

      await db.schema
        .createTable('jobs')
        .addColumn('id', 'varchar(36)', (c) => c.primaryKey().notNull())
        .addColumn('config_id', 'varchar(36)')
        .addColumn('config_name', 'varchar(128)')
        .addColumn('trigger', 'varchar(16)', (c) => c.notNull())
        .addColumn('spec', 'text', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('max_attempts', 'integer', (c) => c.notNull())
        .addColumn('worker_id', 'varchar(255)')
        .addColumn('lease_token', 'varchar(64)')
        .addColumn('lease_expires_at_ms', ms)
        .addColumn('heartbeat_at_ms', ms)
        .addColumn('claimed_at_ms', ms)
        .addColumn('started_at_ms', ms)
        .addColumn('finished_at_ms', ms)
        .addColumn('cancel_requested_at_ms', ms)
        .addColumn('timeout_ms', ms)
        .addColumn('total_tables', 'integer', (c) => c.notNull())
        .addColumn('completed_tables', 'integer', (c) => c.notNull())
        .addColumn('failed_tables', 'integer', (c) => c.notNull())
        .addColumn('total_rows', ms, (c) => c.notNull())
        .addColumn('processed_rows', ms, (c) => c.notNull())
        .addColumn('processed_bytes', ms, (c) => c.notNull())
        .addColumn('current_table', 'varchar(255)')
        .addColumn('progress', 'text')
        .addColumn('error_code', 'varchar(64)')
        .addColumn('error_message', 'text')
        .addColumn('created_at_ms', ms, (c) => c.notNull())
        .addColumn('updated_at_ms', ms, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('ix_jobs_status_created').on('jobs').columns(['status', 'created_at_ms']).execute();
      await db.schema.createIndex('ix_jobs_config_status').on('jobs').columns(['config_id', 'status']).execute();

      await db.schema
        .createTable('job_tables')
        .addColumn('id', 'varchar(36)', (c) => c.primaryKey().notNull())
        .addColumn('job_id', 'varchar(36)', (c) => c.notNull())
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('source_table', 'varchar(255)', (c) => c.notNull())
        .addColumn('target_table', 'varchar(255)', (c) => c.notNull())
        .addColumn('mode', 'varchar(16)', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('cursor_column', 'varchar(255)')
        .addColumn('total_rows', ms, (c) => c.notNull())
        .addColumn('processed_rows', ms, (c) => c.notNull())
        .addColumn('processed_bytes', ms, (c) => c.notNull())
        .addColumn('started_at_ms', ms)
        .addColumn('finished_at_ms', ms)
        .addColumn('verified', 'integer')
        .addColumn('error_code', 'varchar(64)')
        .addColumn('error_message', 'text')
        .addForeignKeyConstraint('fk_job_tables_job', ['job_id'], 'jobs', ['id'])
        .addUniqueConstraint('uq_job_tables_target', ['job_id', 'target_table'])
        .execute();

      const events = db.schema.createTable('job_events');
      const withId =
        dialect === 'postgres'
          ? events.addColumn('id', 'bigserial', (c) => c.primaryKey())
          : dialect === 'mysql'
            ? events.addColumn('id', 'bigint', (c) => c.primaryKey().autoIncrement())
            : events.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
      await withId
        .addColumn('job_id', 'varchar(36)', (c) => c.notNull())
        .addColumn('at_ms', ms, (c) => c.notNull())
        .addColumn('level', 'varchar(8)', (c) => c.notNull())
        .addColumn('type', 'varchar(64)', (c) => c.notNull())
        .addColumn('table_name', 'varchar(255)')
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('data', 'text')
        .addForeignKeyConstraint('fk_job_events_job', ['job_id'], 'jobs', ['id'])
        .execute();
      await db.schema.createIndex('ix_job_events_job').on('job_events').columns(['job_id', 'id']).execute();

      await db.schema
        .createTable('checkpoints')
        .addColumn('id', 'varchar(36)', (c) => c.primaryKey().notNull())
        .addColumn('scope_key', 'varchar(255)', (c) => c.notNull().unique())
        .addColumn('job_id', 'varchar(36)')
        .addColumn('table_name', 'varchar(255)', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('updated_at_ms', ms, (c) => c.notNull())
        .execute();
    },
  };
}
