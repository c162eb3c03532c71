import type { JobEventView } from '../jobs/job-service.js';
import type { JobView } from '../jobs/job-view.js';
import { formatBytes, renderTable } from './output.js';

/** How jobs read in a terminal: one place, so `ls`, `show`, `--wait` and `watch` say things alike. */

export function formatDuration(ms: number | null): string {
  if (ms === null) return '-';
  if (ms < 1_000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  const seconds = Math.floor(ms / 1_000);
  if (seconds < 3_600) return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3_600)}h ${String(Math.floor((seconds % 3_600) / 60)).padStart(2, '0')}m`;
}

/** `2025-01-02 03:04:05` (UTC, like the stored ISO times, without the noise). */
export function formatTime(isoTime: string | null): string {
  return isoTime === null ? '-' : isoTime.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/**
 * `1,234,567` (en-US grouping, up to 3 decimals like toLocaleString), without Intl: its first use
 * loads ICU data, 15–20 ms of every command's start.
 */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const [whole = '0', fraction] = Math.abs(n).toFixed(3).replace(/\.?0+$/, '').split('.');
  return `${n < 0 && Number(whole + (fraction ?? '')) !== 0 ? '-' : ''}${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${fraction === undefined ? '' : `.${fraction}`}`;
}

/** `1 table`, `2 tables`: a count with its noun. */
export function formatCounted(n: number, singular: string, plural = `${singular}s`): string {
  return `${formatCount(n)} ${n === 1 ? singular : plural}`;
}

export function heartbeatAgeMs(view: JobView, now: number): number | null {
  return view.heartbeat_at === null || view.status !== 'running' ? null : Math.max(0, now - Date.parse(view.heartbeat_at));
}

/** One status line: status, attempt, current table, rows, rate and heartbeat age (stale ones flagged). */
export function progressLine(view: JobView, now: number, leaseMs: number): string {
  const parts = [`${view.status}`, `attempt ${view.attempt}/${view.max_attempts}`];
  if (view.current_table !== null) parts.push(`table ${view.current_table}`);
  parts.push(`tables ${view.completed_tables}/${view.total_tables}${view.failed_tables > 0 ? ` (${view.failed_tables} failed)` : ''}`);
  parts.push(`rows ${formatCount(view.processed_rows)}/${formatCount(view.total_rows)} (${view.progress_percent}%)`);
  if (view.rows_per_second !== null && view.status === 'running') parts.push(`${formatCount(view.rows_per_second)} rows/s`);
  const age = heartbeatAgeMs(view, now);
  if (age !== null) parts.push(`heartbeat ${formatDuration(age)} ago${age > leaseMs ? ' (stale: past the lease, the reaper settles it)' : ''}`);
  if (view.cancel_requested && view.status === 'running') parts.push('cancel requested');
  return parts.join('  ');
}

export function eventLine(event: JobEventView): string {
  return `${formatTime(event.at)} ${event.level.padEnd(5)} ${event.type.padEnd(20)} ${event.table_name === null ? '' : `[${event.table_name}] `}${event.message}`;
}

export function renderJobList(jobs: readonly JobView[]): string {
  return renderTable(
    ['ID', 'STATUS', 'CONFIG', 'ATTEMPT', 'TABLES', 'ROWS', 'STARTED', 'DURATION'],
    jobs.map((j) => [
      j.id,
      j.status,
      j.config_name ?? j.config_id ?? `(${j.task})`,
      `${j.attempt}/${j.max_attempts}`,
      `${j.completed_tables}/${j.total_tables}${j.failed_tables > 0 ? ` (${j.failed_tables} failed)` : ''}`,
      formatCount(j.processed_rows),
      formatTime(j.started_at),
      formatDuration(j.duration_ms),
    ]),
  );
}

export function renderJobDetail(view: JobView, now: number): string {
  const age = heartbeatAgeMs(view, now);
  const fields: Array<[string, string]> = [
    ['id', view.id],
    ['config', view.config_name === null ? (view.config_id ?? '-') : `${view.config_name}${view.config_id === null ? '' : ` (${view.config_id})`}`],
    ['task', view.task],
    ['status', `${view.status}${view.cancel_requested ? ' (cancel requested)' : ''}`],
    ['trigger', view.trigger],
    ['attempt', `${view.attempt} of ${view.max_attempts}${view.reaped_count > 0 ? `, reaped ${view.reaped_count}×` : ''}`],
    ['worker', view.worker_id ?? '-'],
    ['created', formatTime(view.created_at)],
    ['started', formatTime(view.started_at)],
    ['finished', formatTime(view.finished_at)],
    ['heartbeat', view.heartbeat_at === null ? '-' : `${formatTime(view.heartbeat_at)}${age === null ? '' : ` (${formatDuration(age)} ago)`}`],
    ['duration', formatDuration(view.duration_ms)],
    ['tables', `${view.completed_tables} completed, ${view.failed_tables} failed, of ${view.total_tables}`],
    ['rows', `${formatCount(view.processed_rows)} of ${formatCount(view.total_rows)} (${view.progress_percent}%)`],
    ['bytes', formatBytes(view.processed_bytes)],
    ['rate', view.rows_per_second === null ? '-' : `${formatCount(view.rows_per_second)} rows/s`],
    ['eta', view.eta_seconds === null ? '-' : formatDuration(view.eta_seconds * 1_000)],
    ['current', view.current_table ?? '-'],
    ['error', view.error === null ? '-' : `${view.error.code}: ${view.error.message}`],
  ];
  const width = Math.max(...fields.map(([k]) => k.length));
  const head = fields.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
  if (view.tables.length === 0) return `${head}\n\n(no tables)\n`;
  const tables = renderTable(
    ['SOURCE', 'TARGET', 'MODE', 'STATUS', 'ROWS', 'BYTES', 'DURATION', 'VERIFIED', 'ERROR'],
    view.tables.map((t) => [
      t.source_table,
      t.target_table,
      t.mode,
      t.status,
      `${formatCount(t.processed_rows)}/${formatCount(t.total_rows)}`,
      formatBytes(t.processed_bytes),
      t.started_at === null ? '-' : formatDuration(Math.max(0, (t.finished_at === null ? now : Date.parse(t.finished_at)) - Date.parse(t.started_at))),
      t.verified === null ? '-' : t.verified ? 'yes' : 'no',
      t.error === null ? '-' : `${t.error.code}: ${t.error.message}`,
    ]),
  );
  return `${head}\n\n${tables}`;
}
