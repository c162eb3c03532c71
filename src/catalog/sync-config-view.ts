import type { SyncConfigRow, TableMappingRow } from '../store/schema.js';
import { iso } from './connection-view.js';
import { syncOptionsSchema } from './sync-config-input.js';
import type { SyncOptions } from './sync-config-input.js';

export interface TableMappingView {
  readonly id: string;
  readonly sync_config_id: string;
  readonly source_table: string;
  readonly target_table: string;
  readonly sync_mode: string;
  readonly enabled: boolean;
  readonly where_clause: string | null;
  readonly cursor_column: string | null;
  readonly sort_order: number;
  readonly created_at: string;
  readonly updated_at: string;
}

export interface SyncConfigView {
  readonly id: string;
  readonly name: string;
  readonly source_connection_id: string;
  readonly source_connection_name: string;
  readonly target_connection_id: string;
  readonly target_connection_name: string;
  readonly source_database: string | null;
  readonly target_database: string | null;
  readonly sync_mode: string;
  readonly schedule: string | null;
  readonly enabled: boolean;
  readonly options: SyncOptions;
  readonly tables: TableMappingView[];
  readonly created_at: string;
  readonly updated_at: string;
}

export function toMappingView(row: TableMappingRow): TableMappingView {
  return {
    id: row.id,
    sync_config_id: row.config_id,
    source_table: row.source_table,
    target_table: row.target_table,
    sync_mode: row.sync_mode,
    enabled: row.enabled === 1,
    where_clause: row.where_clause,
    cursor_column: row.cursor_column,
    sort_order: row.sort_order,
    created_at: iso(row.created_at_ms) ?? '',
    updated_at: iso(row.updated_at_ms) ?? '',
  };
}

export function toSyncConfigView(row: SyncConfigRow, mappings: TableMappingRow[], names: ReadonlyMap<string, string>): SyncConfigView {
  return {
    id: row.id,
    name: row.name,
    source_connection_id: row.source_connection_id,
    source_connection_name: names.get(row.source_connection_id) ?? '',
    target_connection_id: row.target_connection_id,
    target_connection_name: names.get(row.target_connection_id) ?? '',
    source_database: row.source_database,
    target_database: row.target_database,
    sync_mode: row.sync_mode,
    schedule: row.schedule,
    enabled: row.enabled === 1,
    options: syncOptionsSchema.parse(JSON.parse(row.options)),
    tables: mappings.map(toMappingView),
    created_at: iso(row.created_at_ms) ?? '',
    updated_at: iso(row.updated_at_ms) ?? '',
  };
}
