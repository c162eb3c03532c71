import { jobs } from './endpoints.js';
import type { JobEvent } from './types.js';

const PAGE = 1000;
/** A bound on one load (10,000 events, hours of heartbeats); the page says when it was reached. */
const MAX_PAGES = 10;

/** A job's whole event log, oldest first (debug level included: the rows/s chart is drawn from it). */
export async function loadJobLog(jobId: string): Promise<{ events: JobEvent[]; truncated: boolean }> {
  const events: JobEvent[] = [];
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const { items, meta } = await jobs.logs(jobId, { limit: PAGE, offset: page * PAGE });
    events.push(...items);
    if (items.length === 0 || meta.offset + items.length >= meta.total) return { events, truncated: false };
  }
  return { events, truncated: true };
}
