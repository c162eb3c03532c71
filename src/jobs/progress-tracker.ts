import type { TableStatus } from '../domain/job.js';
import type { JobTableRow } from '../store/schema.js';
import type { JobEventInput, ProgressReport, TableProgress } from './job-store.js';

type MutableTable = { -readonly [K in keyof TableProgress]: TableProgress[K] };

/**
 * One execution's progress, in memory only until the next heartbeat carries it to the store (the
 * store stays the truth; this is the worker's outbox). Table transitions also queue events.
 */
export class ProgressTracker {
  readonly #tables = new Map<string, MutableTable>();
  #events: JobEventInput[] = [];
  #current: string | null = null;

  constructor(
    tables: readonly JobTableRow[],
    private readonly now: () => number,
  ) {
    for (const t of tables) {
      this.#tables.set(t.target_table, {
        target_table: t.target_table, status: t.status as TableStatus, total_rows: t.total_rows, processed_rows: t.processed_rows,
        processed_bytes: t.processed_bytes, started_at_ms: t.started_at_ms, finished_at_ms: t.finished_at_ms,
      });
    }
  }

  tableStarted(table: string, totalRows?: number): void {
    const t = this.#get(table);
    t.status = 'running';
    t.started_at_ms ??= this.now();
    if (totalRows !== undefined) t.total_rows = totalRows;
    this.#current = table;
    this.event('table:started', 'info', `table ${table} started`, table);
  }

  /** The incremental cursor the table is copied by (shown in the job's table results). */
  tableCursor(table: string, column: string): void {
    this.#get(table).cursor_column = column;
  }

  /** Absolute counts so far for this table (not deltas: a resumed attempt starts from its checkpoint). */
  tableProgress(table: string, processedRows: number, processedBytes: number): void {
    const t = this.#get(table);
    t.processed_rows = processedRows;
    t.processed_bytes = processedBytes;
  }

  tableCompleted(table: string, verified: boolean | null = null): void {
    const t = this.#get(table);
    Object.assign(t, { status: 'completed', finished_at_ms: this.now(), verified, error: null });
    if (this.#current === table) this.#current = null;
    this.event('table:completed', 'info', `table ${table} completed: ${t.processed_rows} rows`, table, { rows: t.processed_rows, bytes: t.processed_bytes });
  }

  tableFailed(table: string, error: { code: string; message: string }): void {
    const t = this.#get(table);
    Object.assign(t, { status: 'failed', finished_at_ms: this.now(), error });
    if (this.#current === table) this.#current = null;
    this.event('table:failed', 'error', `table ${table} failed: ${error.message}`, table, { error });
  }

  event(type: string, level: JobEventInput['level'], message: string, table?: string, data?: unknown): void {
    this.#events.push({ type, level, message, table_name: table ?? null, data, at_ms: this.now() });
  }

  snapshot(): ProgressReport {
    return { current_table: this.#current, tables: [...this.#tables.values()].map((t) => ({ ...t })) };
  }

  /** Takes the queued events; on a failed write the caller puts them back with `requeue`. */
  drainEvents(): JobEventInput[] {
    const events = this.#events;
    this.#events = [];
    return events;
  }

  requeue(events: JobEventInput[]): void {
    this.#events = [...events, ...this.#events];
  }

  #get(table: string): MutableTable {
    const t = this.#tables.get(table);
    if (!t) throw new Error(`table ${table} is not part of this job`);
    return t;
  }
}
