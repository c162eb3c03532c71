import { jobs } from './endpoints.js';
import type { Job } from './types.js';

const PAGE = 500;
/** A bound on one chart load (10 pages); the chart says when it was reached. */
const MAX_PAGES = 10;

/**
 * The finished jobs of the last `sinceMs`, read from `/jobs/history` (most recently finished first)
 * page by page until a page reaches past the window. The API has no per-day aggregate yet, so the
 * 30-day charts are computed here from the store's history.
 */
export async function recentHistory(sinceMs: number, now = Date.now()): Promise<{ jobs: Job[]; truncated: boolean }> {
  const cutoff = now - sinceMs;
  const found: Job[] = [];
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const { items, meta } = await jobs.history({ limit: PAGE, offset: page * PAGE });
    for (const job of items) {
      if (job.finished_at && Date.parse(job.finished_at) < cutoff) return { jobs: found, truncated: false };
      found.push(job);
    }
    if (meta.offset + items.length >= meta.total || items.length === 0) return { jobs: found, truncated: false };
  }
  return { jobs: found, truncated: true };
}
