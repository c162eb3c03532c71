import type { JobTableView, JobView } from '../jobs/job-view.js';
import { formatCount, formatDuration } from './job-format.js';
import { formatBytes } from './output.js';

/**
 * Per-table progress of a copy job for a terminal: on a TTY one bar per table (rows, bytes, rate,
 * ETA), redrawn in place; elsewhere one line each time a table starts, completes or fails, so a log
 * file stays readable. Everything shown is read from the stored job (the store is the truth).
 */

const BAR = 24;

function bar(fraction: number): string {
  const filled = Math.round(Math.max(0, Math.min(1, fraction)) * BAR);
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR - filled)}]`;
}

function rateOf(table: JobTableView, now: number): number | null {
  if (table.started_at === null) return null;
  const end = table.finished_at === null ? now : Date.parse(table.finished_at);
  const seconds = (end - Date.parse(table.started_at)) / 1000;
  return seconds > 0 ? table.processed_rows / seconds : null;
}

export function tableLine(table: JobTableView, width: number, now: number): string {
  const name = table.target_table.padEnd(width);
  const total = Math.max(table.total_rows, table.processed_rows);
  const rate = rateOf(table, now);
  const rows = `${formatCount(table.processed_rows)}/${formatCount(total)} rows`;
  const bytes = formatBytes(table.processed_bytes);
  switch (table.status) {
    case 'pending':
      return `${name} ${bar(0)} waiting`;
    case 'running': {
      const eta = rate !== null && rate > 0 && total > table.processed_rows ? `  ETA ${formatDuration(Math.round(((total - table.processed_rows) / rate) * 1000))}` : '';
      return `${name} ${bar(total === 0 ? 0 : table.processed_rows / total)} ${rows}  ${bytes}${rate === null ? '' : `  ${formatCount(Math.round(rate))} rows/s`}${eta}`;
    }
    case 'completed':
      return `${name} ${bar(1)} ${formatCount(table.processed_rows)} rows  ${bytes}  done${table.verified === true ? ', verified' : table.verified === false ? ', NOT verified' : ''}`;
    default:
      return `${name} ${bar(total === 0 ? 0 : table.processed_rows / total)} ${table.status}: ${table.error?.message ?? ''}`;
  }
}

export class TableProgress {
  #drawn = 0;
  readonly #seen = new Map<string, string>();

  constructor(private readonly out: { write(text: string): unknown; isTTY?: boolean }) {}

  update(view: JobView, now = Date.now()): void {
    const width = Math.min(40, Math.max(5, ...view.tables.map((t) => t.target_table.length)));
    if (this.out.isTTY === true) {
      const lines = [...view.tables.map((t) => tableLine(t, width, now)), `${view.status}  ${formatCount(view.processed_rows)} rows  ${view.completed_tables}/${view.total_tables} tables${view.rows_per_second === null ? '' : `  ${formatCount(view.rows_per_second)} rows/s`}`];
      const up = this.#drawn > 0 ? `\x1b[${this.#drawn}A` : '';
      this.out.write(`${up}${lines.map((l) => `\r\x1b[2K${l}\n`).join('')}`);
      this.#drawn = lines.length;
      return;
    }
    for (const table of view.tables) {
      if (this.#seen.get(table.target_table) === table.status || table.status === 'pending') continue;
      this.#seen.set(table.target_table, table.status);
      this.out.write(`${tableLine(table, width, now)}\n`);
    }
  }
}
