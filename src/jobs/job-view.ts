import { iso } from '../catalog/connection-view.js';
import type { JobRow, JobTableRow } from '../store/schema.js';

/** A job as the API, CLI and dashboard show it (product.md's field list), computed from store rows. */
export interface JobTableView {
  readonly source_table: string;
  readonly target_table: string;
  readonly mode: string;
  /** The incremental cursor the copy used (configured or detected); null for a full copy. */
  readonly cursor_column: string | null;
  readonly status: string;
  readonly total_rows: number;
  readonly processed_rows: number;
  readonly processed_bytes: number;
  readonly started_at: string | null;
  readonly finished_at: string | null;
  readonly verified: boolean | null;
  readonly error: { code: string; message: string } | null;
}

export interface JobView {
  readonly id: string;
  readonly config_id: string | null;
  readonly config_name: string | null;
  readonly task: string;
  readonly status: string;
  readonly trigger: string;
  readonly attempt: number;
  readonly max_attempts: number;
  readonly worker_id: string | null;
  readonly created_at: string;
  readonly started_at: string | null;
  readonly finished_at: string | null;
  readonly heartbeat_at: string | null;
  readonly cancel_requested: boolean;
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
  readonly reaped_count: number;
  readonly error: { code: string; message: string } | null;
  readonly tables: JobTableView[];
}

const errorOf = (code: string | null, message: string | null): { code: string; message: string } | null => (code === null ? null : { code, message: message ?? '' });

export function toJobTableView(row: JobTableRow): JobTableView {
  return {
    source_table: row.source_table,
    target_table: row.target_table,
    mode: row.mode,
    cursor_column: row.cursor_column,
    status: row.status,
    total_rows: row.total_rows,
    processed_rows: row.processed_rows,
    processed_bytes: row.processed_bytes,
    started_at: iso(row.started_at_ms),
    finished_at: iso(row.finished_at_ms),
    verified: row.verified === null ? null : row.verified === 1,
    error: errorOf(row.error_code, row.error_message),
  };
}

export function toJobView(row: JobRow, tables: readonly JobTableRow[], now: number): JobView {
  const totalRows = Math.max(row.total_rows, tables.reduce((n, t) => n + t.total_rows, 0));
  const end = row.finished_at_ms ?? now;
  const duration = row.started_at_ms === null ? null : Math.max(0, end - row.started_at_ms);
  const rate = duration !== null && duration > 0 ? Math.round((row.processed_rows / duration) * 1000 * 10) / 10 : null;
  const remaining = Math.max(0, totalRows - row.processed_rows);
  const finished = row.finished_at_ms !== null;
  const percent = row.status === 'completed' ? 100 : totalRows > 0 ? Math.min(100, Math.floor((row.processed_rows / totalRows) * 1000) / 10) : 0;
  return {
    id: row.id,
    config_id: row.config_id,
    config_name: row.config_name,
    task: row.task,
    status: row.status,
    trigger: row.trigger,
    attempt: row.attempt,
    max_attempts: row.max_attempts,
    worker_id: row.worker_id,
    created_at: iso(row.created_at_ms) ?? '',
    started_at: iso(row.started_at_ms),
    finished_at: iso(row.finished_at_ms),
    heartbeat_at: iso(row.heartbeat_at_ms),
    cancel_requested: row.cancel_requested_at_ms !== null,
    duration_ms: duration,
    total_tables: row.total_tables,
    completed_tables: row.completed_tables,
    failed_tables: row.failed_tables,
    total_rows: totalRows,
    processed_rows: row.processed_rows,
    processed_bytes: row.processed_bytes,
    rows_per_second: rate,
    eta_seconds: finished || rate === null || rate === 0 ? null : Math.round(remaining / rate),
    progress_percent: percent,
    current_table: row.current_table,
    reaped_count: row.reaped_count,
    error: errorOf(row.error_code, row.error_message),
    tables: tables.map(toJobTableView),
  };
}
