import type { ConnectionView } from './connection-view.js';
import { EXPORT_VERSION, PASSWORD_PLACEHOLDER } from './config-file.js';
import type { ExportedConfig, ExportedConnection, ExportFile } from './config-file.js';
import type { SyncConfigView } from './sync-config-view.js';

export interface ExportSources {
  readonly connections: () => Promise<ConnectionView[]>;
  readonly configs: () => Promise<SyncConfigView[]>;
  readonly now: () => number;
}

/**
 * Every connection and sync config, by name and in name order, with every field a user sets and no
 * secret: a stored password is the placeholder, which an import reads as "keep the stored one".
 * Importing the file into the store it came from changes nothing.
 */
export async function exportConfig(sources: ExportSources): Promise<ExportFile> {
  const [connections, configs] = await Promise.all([sources.connections(), sources.configs()]);
  return {
    version: EXPORT_VERSION,
    export_time: new Date(sources.now()).toISOString(),
    connections: connections.map(exportConnection),
    sync_configs: configs.map(exportSyncConfig),
  };
}

function exportConnection(c: ConnectionView): ExportedConnection {
  return {
    name: c.name,
    engine: c.engine,
    host: c.host,
    port: c.port,
    username: c.username,
    password: c.has_password ? PASSWORD_PLACEHOLDER : null,
    database: c.database,
    ssl: c.ssl,
  };
}

function exportSyncConfig(c: SyncConfigView): ExportedConfig {
  return {
    name: c.name,
    source_connection_id: c.source_connection_name,
    target_connection_id: c.target_connection_name,
    source_database: c.source_database,
    target_database: c.target_database,
    sync_mode: c.sync_mode,
    schedule: c.schedule,
    enabled: c.enabled,
    options: c.options,
    tables: c.tables.map((t) => ({
      source_table: t.source_table,
      target_table: t.target_table,
      sync_mode: t.sync_mode,
      enabled: t.enabled,
      where_clause: t.where_clause,
      cursor_column: t.cursor_column,
      sort_order: t.sort_order,
    })),
  };
}
