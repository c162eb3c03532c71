import { sql } from 'kysely';
import type { StoreDb } from '../../src/store/open-store.js';

/** Every table of the metadata store that a request could write. */
const TABLES = ['connections', 'sync_configs', 'table_mappings', 'jobs', 'job_tables', 'job_events', 'checkpoints', 'job_locks', 'workers', 'job_alerts'] as const;

/**
 * Every row of the store, as one comparable text: two equal snapshots mean nothing was written in
 * between (rows are sorted, so the order a server returns them in does not matter).
 */
export async function storeSnapshot(db: StoreDb): Promise<Record<string, string[]>> {
  const snapshot: Record<string, string[]> = {};
  for (const table of TABLES) {
    const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(db);
    snapshot[table] = rows.map((row) => JSON.stringify(row, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value))).sort();
  }
  return snapshot;
}
