import type { SyncConfig, SyncConfigInput, SyncMode, SyncOptions, TableInfo } from '../api/types.js';

/** The editor's working copy of a sync config; `key` identifies a mapping row while it is edited. */
export interface MappingDraft {
  readonly key: string;
  readonly id?: string;
  source_table: string;
  target_table: string;
  sync_mode: SyncMode;
  enabled: boolean;
  where_clause: string;
  cursor_column: string;
}

export interface ConfigDraft {
  name: string;
  source_connection_id: string;
  target_connection_id: string;
  source_database: string;
  target_database: string;
  sync_mode: SyncMode;
  schedule: string;
  enabled: boolean;
  options: SyncOptions;
  tables: MappingDraft[];
}

export const DEFAULT_OPTIONS: SyncOptions = { batch_size: null, max_concurrency: null, conflict_resolution: 'overwrite', strategy: 'swap', verify: true, objects: false, split_min_rows: null, overlap_seconds: 300, detect_deletes: false };

let seq = 0;
const nextKey = (): string => `m${++seq}`;

export function emptyDraft(): ConfigDraft {
  return { name: '', source_connection_id: '', target_connection_id: '', source_database: '', target_database: '', sync_mode: 'full', schedule: '', enabled: true, options: { ...DEFAULT_OPTIONS }, tables: [] };
}

export function draftOf(config: SyncConfig): ConfigDraft {
  const tables = [...config.tables].sort((a, b) => (a.sort_order ?? 0) - (b.sort_order ?? 0));
  return {
    name: config.name,
    source_connection_id: config.source_connection_id,
    target_connection_id: config.target_connection_id,
    source_database: config.source_database ?? '',
    target_database: config.target_database ?? '',
    sync_mode: config.sync_mode,
    schedule: config.schedule ?? '',
    enabled: config.enabled,
    options: { ...DEFAULT_OPTIONS, ...config.options },
    tables: tables.map((t) => ({ key: nextKey(), id: t.id, source_table: t.source_table, target_table: t.target_table, sync_mode: t.sync_mode, enabled: t.enabled, where_clause: t.where_clause ?? '', cursor_column: t.cursor_column ?? '' })),
  };
}

export function mappingFor(table: TableInfo, mode: SyncMode): MappingDraft {
  return { key: nextKey(), source_table: table.name, target_table: table.name, sync_mode: mode, enabled: true, where_clause: '', cursor_column: '' };
}

const orNull = (s: string): string | null => (s.trim() === '' ? null : s.trim());

/** The body for `POST /configs` / `PUT /configs/:id`: the list order is the copy order (`sort_order`). */
export function inputOf(d: ConfigDraft): SyncConfigInput {
  return {
    name: d.name.trim(),
    source_connection_id: d.source_connection_id,
    target_connection_id: d.target_connection_id,
    source_database: orNull(d.source_database),
    target_database: orNull(d.target_database),
    sync_mode: d.sync_mode,
    schedule: orNull(d.schedule),
    enabled: d.enabled,
    options: d.options,
    tables: d.tables.map((t, i) => ({
      ...(t.id ? { id: t.id } : {}),
      source_table: t.source_table,
      target_table: t.target_table.trim() === '' ? t.source_table : t.target_table.trim(),
      sync_mode: t.sync_mode,
      enabled: t.enabled,
      where_clause: orNull(t.where_clause),
      cursor_column: t.sync_mode === 'incremental' ? orNull(t.cursor_column) : null,
      sort_order: i,
    })),
  };
}

/** Moves the row `from` to the position of `to` (drag and drop, or the arrow buttons). */
export function moved<T>(list: readonly T[], from: number, to: number): T[] {
  const next = [...list];
  const [item] = next.splice(from, 1);
  if (item === undefined) return next;
  next.splice(Math.max(0, Math.min(next.length, to)), 0, item);
  return next;
}

/** True when the rows are exactly the saved mappings (same ids), so only their order differs. */
export function sameMappings(draft: readonly MappingDraft[], saved: SyncConfig | undefined): boolean {
  if (!saved || draft.length !== saved.tables.length) return false;
  const ids = new Set(saved.tables.map((t) => t.id));
  return draft.every((t) => t.id !== undefined && ids.has(t.id));
}
