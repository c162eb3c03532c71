import { z } from 'zod';
import { CONNECTION_NAME, connectionFields } from './connection-input.js';
import { syncConfigInputSchema } from './sync-config-input.js';

/**
 * The export file (DB-Taxi's `ConfigExport` shape, product.md): `{version, export_time,
 * connections, sync_configs}`. Names are the identity: sync configs name their connections in
 * `*_connection_id` (the name, or the `id` a DB-Taxi file gives its connection), and importing matches
 * everything by name. Store ids and timestamps are not exported (they mean nothing in another store).
 * DB-Taxi's files are read too: their connections have no `engine` (all MySQL) and carry ids, their
 * legacy `mappings` are ignored.
 */
export const EXPORT_VERSION = '1.0';

/** Stands for a stored password in an export: on import it keeps the stored one (or sets none). */
export const PASSWORD_PLACEHOLDER = '<not exported>';

export const fileConnectionSchema = z
  .object({
    id: z.string().max(128).optional(),
    name: CONNECTION_NAME,
    ...connectionFields,
    engine: connectionFields.engine.default('mysql'),
    // DB-Taxi's UI saved "no database" as "".
    database: z
      .string()
      .max(1024)
      .nullish()
      .transform((s) => (s === undefined || s === '' ? null : s)),
    created_at: z.string().max(64).optional(),
    updated_at: z.string().max(64).optional(),
  })
  .strict();
export type FileConnection = z.output<typeof fileConnectionSchema>;

export const configFileSchema = z
  .object({
    version: z.enum([EXPORT_VERSION, 'backup-1.0']),
    export_time: z.string().max(64).optional(),
    connections: z.array(fileConnectionSchema).max(10_000).default([]),
    sync_configs: z.array(syncConfigInputSchema).max(10_000).default([]),
    /** DB-Taxi's legacy database mappings: read and ignored. */
    mappings: z.array(z.unknown()).max(10_000).optional(),
  })
  .strict();
export type ConfigFile = z.output<typeof configFileSchema>;

/** `POST /config/import` (DB-Taxi's body, plus `dry_run`). */
export const importRequestSchema = z
  .object({
    config: configFileSchema,
    /** Update existing connections and configs of the same names; without it such changes are refused (409). */
    resolve_conflicts: z.boolean().default(false),
    /** Answer what would change and write nothing. */
    dry_run: z.boolean().default(false),
  })
  .strict();
export type ImportRequest = z.output<typeof importRequestSchema>;

/** The file as export writes it (a subset of what import reads). */
export interface ExportedConnection {
  readonly name: string;
  readonly engine: string;
  readonly host: string | null;
  readonly port: number | null;
  readonly username: string | null;
  readonly password: string | null;
  readonly database: string | null;
  readonly ssl: boolean | string;
}

export interface ExportedTable {
  readonly source_table: string;
  readonly target_table: string;
  readonly sync_mode: string;
  readonly enabled: boolean;
  readonly where_clause: string | null;
  readonly cursor_column: string | null;
  readonly sort_order: number;
}

export interface ExportedConfig {
  readonly name: string;
  readonly source_connection_id: string;
  readonly target_connection_id: string;
  readonly source_database: string | null;
  readonly target_database: string | null;
  readonly sync_mode: string;
  readonly schedule: string | null;
  readonly enabled: boolean;
  readonly options: Readonly<Record<string, unknown>>;
  readonly tables: readonly ExportedTable[];
}

export interface ExportFile {
  readonly version: typeof EXPORT_VERSION;
  readonly export_time: string;
  readonly connections: readonly ExportedConnection[];
  readonly sync_configs: readonly ExportedConfig[];
}
