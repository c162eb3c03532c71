/**
 * The HTTP API's shapes as product.md states them (snake_case). The dashboard depends on this
 * contract only, never on the server's modules, so it could be served from anywhere.
 */

export type Engine = 'mysql' | 'postgres' | 'sqlite';
export type SslMode = boolean | 'skip-verify';

export interface Connection {
  readonly id: string;
  readonly name: string;
  readonly engine: Engine;
  readonly host: string | null;
  readonly port: number | null;
  readonly username: string | null;
  readonly database: string | null;
  readonly ssl: SslMode;
  readonly has_password: boolean;
  readonly url: string;
  readonly created_at: string;
  readonly updated_at: string;
}

/** What `POST /connections` and `PUT /connections/:id` take (the field form). */
export interface ConnectionInput {
  name: string;
  engine: Engine;
  host?: string | null;
  port?: number | null;
  username?: string | null;
  /** Omitted on edit: the stored password stays. */
  password?: string | null;
  database?: string | null;
  ssl?: SslMode;
  skip_test?: boolean;
}

export interface ConnectionTestResult {
  readonly success: true;
  readonly server_version: string;
  readonly latency_ms: number;
}

export interface DatabaseInfo {
  readonly name: string;
  readonly size_bytes: number | null;
  readonly table_count: number | null;
}

export interface TableInfo {
  readonly name: string;
  readonly type: 'table' | 'view';
  readonly row_estimate: number | null;
  readonly size_bytes: number | null;
}

export type SyncMode = 'full' | 'incremental';

export interface TableMapping {
  id?: string;
  source_table: string;
  target_table: string;
  sync_mode: SyncMode;
  enabled: boolean;
  where_clause: string | null;
  cursor_column: string | null;
  sort_order?: number;
}

export interface SyncOptions {
  batch_size: number | null;
  max_concurrency: number | null;
  conflict_resolution: 'overwrite' | 'skip' | 'error';
  strategy: 'swap' | 'truncate';
  verify: boolean;
  objects: boolean;
  /** Tables of at least this many rows are cut into key ranges copied at once (null: 100,000). */
  split_min_rows: number | null;
  /** Incremental: seconds below the mark re-read each run, for late commits. */
  overlap_seconds: number;
  /** Incremental: delete target rows the source no longer has (and verify). */
  detect_deletes: boolean;
}

export interface SyncConfigInput {
  name: string;
  source_connection_id: string;
  target_connection_id: string;
  source_database: string | null;
  target_database: string | null;
  sync_mode: SyncMode;
  schedule: string | null;
  enabled: boolean;
  options: SyncOptions;
  tables: TableMapping[];
}

export interface SyncConfig extends SyncConfigInput {
  readonly id: string;
  readonly source_connection_name: string;
  readonly target_connection_name: string;
  readonly tables: Array<TableMapping & { readonly id: string }>;
  readonly created_at: string;
  readonly updated_at: string;
}

export interface PlannedTable {
  readonly source_table: string;
  readonly target_table: string;
  readonly mode: string;
  readonly action: string;
  readonly ddl: string;
  readonly primary_key: readonly string[];
  readonly chunking: string;
  readonly row_estimate: number;
  readonly size_bytes: number;
  readonly where_clause: string | null;
  /** An incremental table's cursor: the configured or detected column it follows. */
  readonly cursor: { readonly column: string; readonly how: 'configured' | 'detected'; readonly indexed: boolean } | null;
  /** What an incremental run does next: a full copy (no mark yet), or the changes since its mark. */
  readonly incremental: string | null;
  readonly problem: { readonly code: string; readonly message: string } | null;
}

export interface SyncPlan {
  readonly source: string;
  readonly target: string;
  readonly target_database: string;
  readonly strategy: string;
  readonly verify: boolean;
  readonly lanes: number;
  readonly tables: readonly PlannedTable[];
  readonly total_rows: number;
  readonly total_bytes: number;
  readonly objects: ReadonlyArray<{ readonly kind: string; readonly name: string }> | null;
}

export type JobStatus = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';
export const JOB_STATUSES: readonly JobStatus[] = ['pending', 'running', 'completed', 'failed', 'cancelled'];

export interface ErrorInfo {
  readonly code: string;
  readonly message: string;
}

export interface JobTable {
  readonly source_table: string;
  readonly target_table: string;
  readonly mode: string;
  readonly status: string;
  readonly total_rows: number;
  readonly processed_rows: number;
  readonly processed_bytes: number;
  readonly started_at: string | null;
  readonly finished_at: string | null;
  readonly verified: boolean | null;
  /** The column an incremental table followed. */
  readonly cursor_column: string | null;
  readonly error: ErrorInfo | null;
}

export interface Job {
  readonly id: string;
  readonly config_id: string | null;
  readonly config_name: string | null;
  readonly status: JobStatus;
  readonly trigger: string;
  readonly attempt: number;
  readonly max_attempts: number;
  readonly worker_id: string | null;
  readonly created_at: string;
  readonly started_at: string | null;
  readonly finished_at: string | null;
  readonly heartbeat_at: string | null;
  readonly cancel_requested?: boolean;
  readonly duration_ms: number | null;
  readonly total_tables: number;
  readonly completed_tables: number;
  readonly failed_tables: number;
  readonly total_rows: number;
  readonly processed_rows: number;
  readonly processed_bytes: number;
  readonly rows_per_second: number | null;
  readonly eta_seconds: number | null;
  readonly progress_percent: number;
  readonly current_table: string | null;
  readonly error: ErrorInfo | null;
  readonly tables: readonly JobTable[];
}

/** One entry of a job's log, and of the `/events` stream. */
export interface JobEvent {
  readonly id: number;
  readonly job_id: string;
  readonly at: string;
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly type: string;
  readonly table_name: string | null;
  readonly message: string;
  readonly data: unknown;
}

export interface Stats {
  readonly total_jobs: number;
  readonly by_status: Readonly<Record<string, number>>;
  readonly active_jobs: number;
  readonly rows_copied: number;
  readonly bytes_copied: number;
  readonly average_duration_ms: number | null;
  readonly error_rate: number | null;
  readonly last_success_at: string | null;
  readonly runs_per_hour: readonly number[];
  readonly reaped_total: number;
  readonly generated_at: string;
}

export interface Zombie {
  readonly job_id: string;
  readonly status: string | null;
  readonly kind: string;
  readonly reason: string;
}

export interface PageMeta {
  readonly total: number;
  readonly limit: number;
  readonly offset: number;
}
