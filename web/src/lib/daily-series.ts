import type { Job } from '../api/types.js';

export interface DaySummary {
  /** Local date, YYYY-MM-DD. */
  readonly day: string;
  readonly completed: number;
  readonly failed: number;
  readonly cancelled: number;
  /** Average and longest run time of the day's completed jobs (the overview's "average duration" counts the same). */
  readonly avgMs: number | null;
  readonly maxMs: number | null;
}

const DAY = 86_400_000;

function dayKey(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** Finished jobs grouped by the local day they finished, for the last `days` days (oldest first, empty days kept). */
export function dailySeries(finished: readonly Job[], now: number, days = 30): DaySummary[] {
  const keys = Array.from({ length: days }, (_, i) => dayKey(now - (days - 1 - i) * DAY));
  const buckets = new Map(keys.map((k) => [k, { completed: 0, failed: 0, cancelled: 0, durations: [] as number[] }]));
  for (const job of finished) {
    if (!job.finished_at) continue;
    const bucket = buckets.get(dayKey(Date.parse(job.finished_at)));
    if (!bucket) continue;
    if (job.status === 'completed' || job.status === 'failed' || job.status === 'cancelled') bucket[job.status] += 1;
    if (job.status === 'completed' && job.duration_ms !== null) bucket.durations.push(job.duration_ms);
  }
  return keys.map((day) => {
    const b = buckets.get(day) ?? { completed: 0, failed: 0, cancelled: 0, durations: [] };
    const sum = b.durations.reduce((a, n) => a + n, 0);
    return {
      day,
      completed: b.completed,
      failed: b.failed,
      cancelled: b.cancelled,
      avgMs: b.durations.length === 0 ? null : sum / b.durations.length,
      maxMs: b.durations.length === 0 ? null : Math.max(...b.durations),
    };
  });
}

export const THIRTY_DAYS_MS = 30 * DAY;
