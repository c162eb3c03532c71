import { z } from 'zod';
import { syncOptionsSchema } from '../catalog/sync-config-input.js';
import type { SyncOptions } from '../catalog/sync-config-input.js';
import type { SyncConfigView } from '../catalog/sync-config-view.js';
import type { ConnectionSpec } from '../domain/connection-url.js';
import { parseInput } from '../domain/validation.js';

/**
 * What one sync copies, whatever started it: a saved config (`dbferry run`, `POST /jobs`) or a one-shot
 * `dbferry sync`. The job's stored spec says where it came from; `SyncRequest` is that spec resolved
 * into connection specs (with passwords, in memory only) right before the copy runs.
 */

export const TABLE_MODES = ['full', 'incremental'] as const;
export type TableMode = (typeof TABLE_MODES)[number];

export interface SyncTableRequest {
  readonly source_table: string;
  readonly target_table: string;
  readonly mode: TableMode;
  readonly where_clause: string | null;
  readonly cursor_column: string | null;
}

export interface SyncRequest {
  /** Specs naming the database to copy from and to (a SQLite spec is its file). */
  readonly source: ConnectionSpec;
  readonly target: ConnectionSpec;
  readonly tables: readonly SyncTableRequest[];
  readonly options: SyncOptions;
}

const tableSchema = z
  .object({
    source_table: z.string().min(1),
    target_table: z.string().min(1),
    mode: z.enum(TABLE_MODES),
    where_clause: z.string().nullable(),
    cursor_column: z.string().nullable(),
  })
  .strict();

/**
 * The stored spec of a one-shot sync. Its connection specs (JSON) are sealed with the secret key (a
 * password never reaches the store in clear): every worker that shares the store needs the same
 * DBFERRY_SECRET_KEY, as it does for saved connections. `display` is the URL without its password.
 * Tables are stored in the order they are copied (parents first, planned when the sync started).
 */
export const oneShotSpecSchema = z
  .object({
    oneshot: z
      .object({
        source: z.object({ display: z.string(), sealed: z.string() }).strict(),
        target: z.object({ display: z.string(), sealed: z.string() }).strict(),
        tables: z.array(tableSchema),
        options: syncOptionsSchema,
      })
      .strict(),
  })
  .strict();
export type OneShotSpec = z.infer<typeof oneShotSpecSchema>;

/** The owner id a one-shot sync's URLs are sealed under (associated data: a sealed URL opens only as one). */
export const ONESHOT_SEAL_OWNER = 'oneshot-sync-url';

export function isOneShotSpec(spec: unknown): spec is OneShotSpec {
  return typeof spec === 'object' && spec !== null && 'oneshot' in spec;
}

export function parseOneShotSpec(spec: unknown): OneShotSpec {
  return parseInput(oneShotSpecSchema, spec, 'DBF_INTERNAL', 'one-shot sync job spec');
}

/** The tables of a saved config that a job copies: enabled mappings in `sort_order`. */
export function tablesOfConfig(config: SyncConfigView): SyncTableRequest[] {
  return [...config.tables]
    .filter((t) => t.enabled)
    .sort((a, b) => a.sort_order - b.sort_order)
    .map((t) => ({
      source_table: t.source_table,
      target_table: t.target_table,
      mode: t.sync_mode === 'incremental' ? 'incremental' : 'full',
      where_clause: t.where_clause,
      cursor_column: t.cursor_column,
    }));
}
