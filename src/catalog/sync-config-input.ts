import { z } from 'zod';

/**
 * A sync config as users write it (DB-Taxi's shape, product.md), for the API body and for
 * `dbferry config create FILE` (JSON or YAML). Defaults a user would expect: `enabled` true (DB-Taxi
 * turned an omitted `enabled` into "disabled"), `target_table` = `source_table`, a table's mode = the
 * config's `sync_mode`, order = list order unless `sort_order` says otherwise. `*_connection_id`
 * takes a connection's id or its name. Read-only fields that GET returns (`id`, timestamps, connection
 * names) are accepted and ignored so that GET → edit → PUT works. Unknown fields are refused.
 */

const IDENT_MESSAGE = 'must be 1-64 characters without quotes, backticks or control characters';
/** Table and column names: any printable name a server allows, minus characters that can break quoting. */
export const IDENTIFIER = z
  .string()
  .min(1)
  .max(64)
  .refine((s) => !/[`"'\\\u0000-\u001f\u007f]/.test(s) && s.trim() === s, IDENT_MESSAGE);
export const DATABASE_NAME = z
  .string()
  .min(1)
  .max(64)
  .refine((s) => !/[`"'\\/\u0000-\u001f\u007f]/.test(s) && s.trim() === s, IDENT_MESSAGE);
export const CONFIG_NAME = z.string().trim().min(1).max(128).refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'must not contain control characters');

export const SYNC_MODES = ['full', 'incremental'] as const;
export type SyncMode = (typeof SYNC_MODES)[number];

const readOnly = {
  created_at: z.string().max(64).optional(),
  updated_at: z.string().max(64).optional(),
};

export const mappingInputSchema = z
  .object({
    id: z.string().max(64).optional(),
    sync_config_id: z.string().max(128).optional(),
    source_table: IDENTIFIER,
    target_table: IDENTIFIER.nullish(),
    sync_mode: z.enum(SYNC_MODES).nullish(),
    enabled: z.boolean().default(true),
    where_clause: z
      .string()
      .max(10_000)
      .nullish()
      .transform((s) => (s === undefined || s === null || s.trim() === '' ? null : s)),
    cursor_column: IDENTIFIER.nullish(),
    sort_order: z.number().int().min(0).max(1_000_000).optional(),
    ...readOnly,
  })
  .strict();

export const syncOptionsSchema = z
  .object({
    /** Most rows per batch; null lets the copy engine size batches by bytes and placeholders. */
    batch_size: z.number().int().min(1).max(100_000).nullable().default(null),
    /** Tables and chunks copied at once; null: as many as this machine allows. */
    max_concurrency: z.number().int().min(1).max(64).nullable().default(null),
    /** A table of at least this many rows is cut into key ranges that the lanes copy at once; null: 100,000. */
    split_min_rows: z.number().int().min(1).nullable().default(null),
    /** Incremental upserts: overwrite the target row, skip it, or fail on a conflicting row. */
    conflict_resolution: z.enum(['overwrite', 'skip', 'error']).default('overwrite'),
    /** Incremental: seconds below a temporal mark re-read each run, for rows committed late. */
    overlap_seconds: z.number().int().min(0).max(604_800).default(300),
    /** Incremental: delete from the target the rows the source no longer has (key ranges compared). */
    detect_deletes: z.boolean().default(false),
    /** Full copies: load a shadow table and swap it in, or truncate and reload the live table. */
    strategy: z.enum(['swap', 'truncate']).default('swap'),
    /** Compare row counts and checksums after copying. */
    verify: z.boolean().default(true),
    /** Also copy views, routines, triggers and events (after the tables, so no trigger fires during the load). */
    objects: z.boolean().default(false),
  })
  .strict();
export type SyncOptions = z.infer<typeof syncOptionsSchema>;

export const syncConfigInputSchema = z
  .object({
    id: z.string().max(128).optional(),
    name: CONFIG_NAME,
    source_connection_id: z.string().min(1).max(128),
    target_connection_id: z.string().min(1).max(128),
    source_connection_name: z.string().max(128).optional(),
    target_connection_name: z.string().max(128).optional(),
    source_database: DATABASE_NAME.nullish(),
    target_database: DATABASE_NAME.nullish(),
    sync_mode: z.enum(SYNC_MODES).default('full'),
    schedule: z
      .string()
      .max(255)
      .nullish()
      .transform((s) => (s === undefined || s === null || s.trim() === '' ? null : s.trim())),
    enabled: z.boolean().default(true),
    options: syncOptionsSchema.default(syncOptionsSchema.parse({})),
    tables: z.array(mappingInputSchema).min(1, 'a sync config needs at least one table').max(10_000),
    ...readOnly,
  })
  .strict();
export type SyncConfigInput = z.infer<typeof syncConfigInputSchema>;
