import { JOB_STATUSES } from '../domain/job.js';
import { iso } from '../catalog/connection-view.js';
import type { StoreDb } from '../store/open-store.js';

export interface JobStats {
  readonly total_jobs: number;
  readonly by_status: Record<string, number>;
  readonly active_jobs: number;
  readonly rows_copied: number;
  readonly bytes_copied: number;
  readonly average_duration_ms: number | null;
  /** failed / (completed + failed) over all finished jobs; null before any finished. */
  readonly error_rate: number | null;
  readonly last_success_at: string | null;
  /** Jobs created per hour over the last 24 hours, oldest hour first (24 numbers). */
  readonly runs_per_hour: number[];
  readonly reaped_total: number;
  readonly generated_at: string;
}

const HOUR = 3_600_000;

/** Statistics computed from the store on every call (invariant 7: never a stale cache). */
export async function computeStats(db: StoreDb, now: number): Promise<JobStats> {
  const groups = await db
    .selectFrom('jobs')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.sum<number>('processed_rows').as('rows'), (eb) => eb.fn.sum<number>('processed_bytes').as('bytes'), (eb) => eb.fn.sum<number>('reaped_count').as('reaped')])
    .groupBy('status')
    .execute();
  const by_status = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<string, number>;
  let rows = 0;
  let bytes = 0;
  let reaped = 0;
  for (const g of groups) {
    by_status[g.status] = Number(g.n);
    rows += Number(g.rows ?? 0);
    bytes += Number(g.bytes ?? 0);
    reaped += Number(g.reaped ?? 0);
  }
  const completed = await db
    .selectFrom('jobs')
    .select([(eb) => eb.fn.avg<number>(eb('finished_at_ms', '-', eb.ref('started_at_ms'))).as('avg'), (eb) => eb.fn.max('finished_at_ms').as('last')])
    .where('status', '=', 'completed')
    .where('started_at_ms', 'is not', null)
    .executeTakeFirst();
  const since = now - 24 * HOUR;
  const recent = await db.selectFrom('jobs').select('created_at_ms').where('created_at_ms', '>', since).execute();
  const runs_per_hour = Array.from({ length: 24 }, () => 0);
  for (const r of recent) {
    const bucket = Math.min(23, Math.floor((r.created_at_ms - since) / HOUR));
    runs_per_hour[bucket] = (runs_per_hour[bucket] ?? 0) + 1;
  }
  const finished = (by_status.completed ?? 0) + (by_status.failed ?? 0);
  const avg = completed?.avg === null || completed?.avg === undefined ? null : Math.round(Number(completed.avg));
  return {
    total_jobs: Object.values(by_status).reduce((a, b) => a + b, 0),
    by_status,
    active_jobs: (by_status.pending ?? 0) + (by_status.running ?? 0),
    rows_copied: rows,
    bytes_copied: bytes,
    average_duration_ms: avg,
    error_rate: finished === 0 ? null : Math.round(((by_status.failed ?? 0) / finished) * 10_000) / 10_000,
    last_success_at: completed?.last === null || completed?.last === undefined ? null : iso(Number(completed.last)),
    runs_per_hour,
    reaped_total: reaped,
    generated_at: iso(now) ?? '',
  };
}
