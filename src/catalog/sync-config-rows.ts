import { randomUUID } from 'node:crypto';
import type { StoreDb } from '../store/open-store.js';
import type { SyncConfigRow, TableMappingRow } from '../store/schema.js';
import type { ResolvedConfig } from './sync-config-check.js';
import type { SyncConfigInput } from './sync-config-input.js';

/**
 * How a checked config becomes rows, shared by the config service (one config at a time) and the
 * importer (many, in one transaction). Each writer takes the transaction it runs in.
 */

/** Longer than any valid table name (64), so it can never collide with one. */
const parkedName = (id: string): string => `dbferry-parked-mapping:${id}:${'-'.repeat(8)}`;

export function configRow(id: string, input: ResolvedConfig, createdAt: number, now: number): SyncConfigRow {
  const { config } = input;
  return {
    id,
    name: config.name,
    source_connection_id: input.sourceId,
    target_connection_id: input.targetId,
    source_database: input.sourceDb,
    target_database: input.targetDb,
    sync_mode: config.sync_mode,
    schedule: config.schedule,
    enabled: config.enabled ? 1 : 0,
    options: JSON.stringify(config.options),
    created_at_ms: createdAt,
    updated_at_ms: now,
  };
}

/**
 * The mappings to store, in order (`sort_order` when given, else list order), reusing the ids of
 * `current` mappings they match (by `id`, else by source and target table), so checkpoints and
 * history keyed by mapping survive an edit.
 */
export function planMappings(configId: string, config: SyncConfigInput, current: readonly TableMappingRow[], now: number): TableMappingRow[] {
  const ordered = config.tables.map((t, index) => ({ t, index })).sort((a, b) => (a.t.sort_order ?? a.index) - (b.t.sort_order ?? b.index) || a.index - b.index);
  const claimed = new Set<string>();
  return ordered.map(({ t }, position) => {
    const targetTable = t.target_table ?? t.source_table;
    const match =
      current.find((c) => c.id === t.id && !claimed.has(c.id)) ??
      current.find((c) => !claimed.has(c.id) && c.source_table === t.source_table && c.target_table === targetTable);
    if (match) claimed.add(match.id);
    return {
      id: match?.id ?? randomUUID(),
      config_id: configId,
      source_table: t.source_table,
      target_table: targetTable,
      sync_mode: t.sync_mode ?? config.sync_mode,
      enabled: t.enabled ? 1 : 0,
      where_clause: t.where_clause,
      cursor_column: t.cursor_column ?? null,
      sort_order: position,
      created_at_ms: match?.created_at_ms ?? now,
      updated_at_ms: now,
    };
  });
}

export async function insertConfig(trx: StoreDb, id: string, input: ResolvedConfig, now: number): Promise<void> {
  await trx.insertInto('sync_configs').values(configRow(id, input, now, now)).execute();
  for (const mapping of planMappings(id, input.config, [], now)) await trx.insertInto('table_mappings').values(mapping).execute();
}

export async function replaceConfig(trx: StoreDb, existing: SyncConfigRow, input: ResolvedConfig, now: number): Promise<void> {
  const current = await trx.selectFrom('table_mappings').selectAll().where('config_id', '=', existing.id).execute();
  const next = planMappings(existing.id, input.config, current, now);
  const keep = new Set(next.map((m) => m.id));
  const gone = current.filter((m) => !keep.has(m.id)).map((m) => m.id);
  // Delete first, and park kept rows on temporary names, so a swap of target tables between
  // two mappings cannot trip the (config, target_table) unique key halfway through.
  if (gone.length > 0) await trx.deleteFrom('table_mappings').where('id', 'in', gone).execute();
  for (const m of next.filter((n) => current.some((c) => c.id === n.id))) {
    await trx.updateTable('table_mappings').set({ target_table: parkedName(m.id) }).where('id', '=', m.id).execute();
  }
  await trx.updateTable('sync_configs').set(configRow(existing.id, input, existing.created_at_ms, now)).where('id', '=', existing.id).execute();
  for (const mapping of next) {
    if (current.some((c) => c.id === mapping.id)) {
      const { id, created_at_ms, ...changes } = mapping;
      await trx.updateTable('table_mappings').set(changes).where('id', '=', id).execute();
    } else {
      await trx.insertInto('table_mappings').values(mapping).execute();
    }
  }
}
