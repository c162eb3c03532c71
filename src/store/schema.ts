import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

/**
 * The metadata store's tables, as Kysely sees them. Portable across SQLite, PostgreSQL and MySQL:
 * - ids are UUID text; times are epoch milliseconds UTC in `*_ms` BIGINT columns (never the server's
 *   clock or time zone: DB-Taxi's UTC/local mix skewed its stuck-job SQL by the server's offset);
 * - booleans are 0/1 integers and structured values JSON text, so all three dialects read the same.
 * Jobs keep `config_id` without a foreign key and a `config_name` snapshot: history is never cascaded
 * away when a config or connection is deleted (DB-Taxi lost history that way).
 */
export interface ConnectionsTable {
  id: string;
  name: string;
  engine: string;
  host: string | null;
  port: number | null;
  username: string | null;
  /** AES-256-GCM sealed password (secrets/secret-box.ts); never the clear text. */
  password_secret: string | null;
  database_name: string | null;
  ssl: string;
  created_at_ms: number;
  updated_at_ms: number;
}

export interface SyncConfigsTable {
  id: string;
  name: string;
  source_connection_id: string;
  target_connection_id: string;
  source_database: string | null;
  target_database: string | null;
  sync_mode: string;
  schedule: string | null;
  enabled: number;
  /** JSON of SyncOptions (domain/sync-config.ts). */
  options: string;
  created_at_ms: number;
  updated_at_ms: number;
}

export interface TableMappingsTable {
  id: string;
  config_id: string;
  source_table: string;
  target_table: string;
  sync_mode: string;
  enabled: number;
  where_clause: string | null;
  cursor_column: string | null;
  sort_order: number;
  created_at_ms: number;
  updated_at_ms: number;
}

export interface JobsTable {
  id: string;
  config_id: string | null;
  config_name: string | null;
  trigger: string;
  /** JSON snapshot of what the job runs, taken when it was created. */
  spec: string;
  status: string;
  attempt: number;
  max_attempts: number;
  worker_id: string | null;
  lease_token: string | null;
  lease_expires_at_ms: number | null;
  heartbeat_at_ms: number | null;
  claimed_at_ms: number | null;
  started_at_ms: number | null;
  finished_at_ms: number | null;
  cancel_requested_at_ms: number | null;
  timeout_ms: number | null;
  total_tables: number;
  completed_tables: number;
  failed_tables: number;
  total_rows: number;
  processed_rows: number;
  processed_bytes: number;
  current_table: string | null;
  /** JSON of the latest progress snapshot carried by the heartbeat. */
  progress: string | null;
  error_code: string | null;
  error_message: string | null;
  created_at_ms: number;
  updated_at_ms: number;
  /** Defaults to 'sync' (jobs created before migration 0002). */
  task: Generated<string>;
  reaped_count: Generated<number>;
}

export interface JobTablesTable {
  id: string;
  job_id: string;
  position: number;
  source_table: string;
  target_table: string;
  mode: string;
  status: string;
  cursor_column: string | null;
  total_rows: number;
  processed_rows: number;
  processed_bytes: number;
  started_at_ms: number | null;
  finished_at_ms: number | null;
  verified: number | null;
  error_code: string | null;
  error_message: string | null;
}

export interface JobEventsTable {
  id: Generated<number>;
  job_id: string;
  at_ms: number;
  level: string;
  type: string;
  table_name: string | null;
  message: string;
  data: string | null;
}

export interface CheckpointsTable {
  id: string;
  /** What the checkpoint belongs to, e.g. `mapping:<id>` or `sync:<hash>:<table>`. */
  scope_key: string;
  job_id: string | null;
  table_name: string;
  data: string;
  updated_at_ms: number;
}

export interface JobLocksTable {
  lock_key: string;
  job_id: string;
  created_at_ms: number;
}

export interface WorkersTable {
  /** `host/pid/boot`: unique per process start. */
  id: string;
  host: string;
  pid: number;
  concurrency: number;
  started_at_ms: number;
  heartbeat_at_ms: number;
  stopped_at_ms: number | null;
}

export interface JobAlertsTable {
  id: Generated<number>;
  job_id: string;
  /** `job.reaped` or `job.failed`. */
  kind: string;
  code: string | null;
  message: string;
  created_at_ms: number;
  attempts: Generated<number>;
  next_attempt_at_ms: number;
  claimed_until_ms: number | null;
  delivered_at_ms: number | null;
  last_error: string | null;
}

export interface StoreSchema {
  connections: ConnectionsTable;
  sync_configs: SyncConfigsTable;
  table_mappings: TableMappingsTable;
  jobs: JobsTable;
  job_tables: JobTablesTable;
  job_events: JobEventsTable;
  checkpoints: CheckpointsTable;
  job_locks: JobLocksTable;
  workers: WorkersTable;
  job_alerts: JobAlertsTable;
}

export type JobRow = Selectable<JobsTable>;
export type JobTableRow = Selectable<JobTablesTable>;
export type JobEventRow = Selectable<JobEventsTable>;
export type JobAlertRow = Selectable<JobAlertsTable>;

export type ConnectionRow = Selectable<ConnectionsTable>;
export type NewConnectionRow = Insertable<ConnectionsTable>;
export type ConnectionRowUpdate = Updateable<ConnectionsTable>;
export type SyncConfigRow = Selectable<SyncConfigsTable>;
export type TableMappingRow = Selectable<TableMappingsTable>;
