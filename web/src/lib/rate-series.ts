import type { JobEvent } from '../api/types.js';
import type { Point } from './chart-point.js';

const PULSE = new Set(['job:claimed', 'job:progress', 'job:heartbeat', 'job:finished']);

function rowsOf(e: JobEvent, firstClaim: JobEvent | undefined): number | null {
  // The first claim starts from 0 rows; a later claim resumes from a checkpoint whose count is not in the event.
  if (e.type === 'job:claimed') return e === firstClaim ? 0 : null;
  const data = e.data;
  if (typeof data !== 'object' || data === null || !('processed_rows' in data)) return null;
  const rows = (data as { processed_rows: unknown }).processed_rows;
  return typeof rows === 'number' ? rows : null;
}

/**
 * Rows per second over time from the job's own pulse events (`job:progress`, `job:heartbeat` and a
 * worker's `job:finished` carry the processed row count; the first `job:claimed` is the start at 0):
 * the rate between each sample and the one before it. A drop in
 * the count (a retry resuming from its checkpoint) counts as 0, not as a negative rate.
 */
export function rateSeries(events: readonly JobEvent[]): Point[] {
  const firstClaim = events.find((e) => e.type === 'job:claimed');
  const samples = events
    .filter((e) => PULSE.has(e.type))
    .map((e) => ({ t: Date.parse(e.at), rows: rowsOf(e, firstClaim) }))
    .filter((s): s is { t: number; rows: number } => s.rows !== null && Number.isFinite(s.t))
    .sort((a, b) => a.t - b.t);
  const points: Point[] = [];
  for (let i = 1; i < samples.length; i += 1) {
    const a = samples[i - 1];
    const b = samples[i];
    if (!a || !b || b.t <= a.t) continue;
    points.push({ t: b.t, v: Math.max(0, ((b.rows - a.rows) / (b.t - a.t)) * 1000) });
  }
  return points;
}
