import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { DbfError } from '../domain/errors.js';
import { checkRowFilter } from '../domain/row-filter.js';
import { parseInput } from '../domain/validation.js';
import { defaultDatabase, sameDatabase } from '../engines/default-database.js';
import type { StoreDb } from '../store/open-store.js';
import type { SyncConfigRow, TableMappingRow } from '../store/schema.js';
import { isUniqueViolation } from '../store/store-errors.js';
import type { ConnectionService } from './connection-service.js';
import { syncConfigInputSchema } from './sync-config-input.js';
import type { SyncConfigInput } from './sync-config-input.js';
import { toMappingView, toSyncConfigView } from './sync-config-view.js';
import type { SyncConfigView, TableMappingView } from './sync-config-view.js';

export interface SyncConfigServiceDeps {
  readonly db: StoreDb;
  readonly connections: ConnectionService;
  readonly now: () => number;
}

const reorderSchema = z.object({ mapping_ids: z.array(z.string()).min(1) }).strict();
const ACTIVE = ['pending', 'running'];
/** Longer than any valid table name (64), so it can never collide with one. */
const parkedName = (id: string): string => `dbferry-parked-mapping:${id}:${'-'.repeat(8)}`;

/**
 * Sync configs and their table mappings. Everything is validated before anything is written: the
 * connections exist, source and target are not the same database, every source table exists in the
 * source (asked of the server itself), filters only filter, target tables are unique. Create and
 * update are one store transaction each. An update keeps each mapping's identity (matched by `id`,
 * else by source and target table), so checkpoints and history keyed by mapping survive an edit.
 */
export class SyncConfigService {
  constructor(private readonly deps: SyncConfigServiceDeps) {}

  async list(filter: { connection_id?: string } = {}): Promise<SyncConfigView[]> {
    let query = this.deps.db.selectFrom('sync_configs').selectAll();
    if (filter.connection_id) {
      const id = (await this.deps.connections.findRow(filter.connection_id)).id;
      query = query.where((eb) => eb.or([eb('source_connection_id', '=', id), eb('target_connection_id', '=', id)]));
    }
    const rows = await query.orderBy('name').execute();
    const mappings = rows.length === 0 ? [] : await this.deps.db.selectFrom('table_mappings').selectAll().where('config_id', 'in', rows.map((r) => r.id)).orderBy('sort_order').execute();
    const names = await this.connectionNames();
    return rows.map((row) => toSyncConfigView(row, mappings.filter((m) => m.config_id === row.id), names));
  }

  async get(ref: string): Promise<SyncConfigView> {
    const row = await this.findRow(ref);
    return toSyncConfigView(row, await this.mappingRows(row.id), await this.connectionNames());
  }

  async mappings(ref: string): Promise<TableMappingView[]> {
    return (await this.mappingRows((await this.findRow(ref)).id)).map(toMappingView);
  }

  /** By id, else by name. */
  async findRow(ref: string): Promise<SyncConfigRow> {
    const row =
      (await this.deps.db.selectFrom('sync_configs').selectAll().where('id', '=', ref).executeTakeFirst()) ??
      (await this.deps.db.selectFrom('sync_configs').selectAll().where('name', '=', ref).executeTakeFirst());
    if (!row) throw new DbfError('DBF_SYNC_CONFIG_NOT_FOUND', `no sync config "${ref}"`);
    return row;
  }

  async create(body: unknown): Promise<SyncConfigView> {
    const input = await this.validate(body, null);
    const id = randomUUID();
    const now = this.deps.now();
    await this.write(input.config.name, async () => {
      await this.deps.db.transaction().execute(async (trx) => {
        await trx.insertInto('sync_configs').values(this.configRow(id, input, now, now)).execute();
        for (const mapping of this.planMappings(id, input.config, [], now)) await trx.insertInto('table_mappings').values(mapping).execute();
      });
    });
    return this.get(id);
  }

  async update(ref: string, body: unknown): Promise<SyncConfigView> {
    const existing = await this.findRow(ref);
    const input = await this.validate(body, existing.id);
    const now = this.deps.now();
    await this.write(input.config.name, async () => {
      await this.deps.db.transaction().execute(async (trx) => {
        const current = await trx.selectFrom('table_mappings').selectAll().where('config_id', '=', existing.id).execute();
        const next = this.planMappings(existing.id, input.config, current, now);
        const keep = new Set(next.map((m) => m.id));
        const gone = current.filter((m) => !keep.has(m.id)).map((m) => m.id);
        // Delete first, and park kept rows on temporary names, so a swap of target tables between
        // two mappings cannot trip the (config, target_table) unique key halfway through.
        if (gone.length > 0) await trx.deleteFrom('table_mappings').where('id', 'in', gone).execute();
        for (const m of next.filter((n) => current.some((c) => c.id === n.id))) {
          await trx.updateTable('table_mappings').set({ target_table: parkedName(m.id) }).where('id', '=', m.id).execute();
        }
        await trx.updateTable('sync_configs').set(this.configRow(existing.id, input, existing.created_at_ms, now)).where('id', '=', existing.id).execute();
        for (const mapping of next) {
          if (current.some((c) => c.id === mapping.id)) {
            const { id, created_at_ms, ...changes } = mapping;
            await trx.updateTable('table_mappings').set(changes).where('id', '=', id).execute();
          } else {
            await trx.insertInto('table_mappings').values(mapping).execute();
          }
        }
      });
    });
    return this.get(existing.id);
  }

  /** Refused while a job of this config is active; mappings go with the config, job history stays. */
  async remove(ref: string): Promise<SyncConfigView> {
    const view = await this.get(ref);
    await this.deps.db.transaction().execute(async (trx) => {
      const active = await trx.selectFrom('jobs').select('id').where('config_id', '=', view.id).where('status', 'in', ACTIVE).executeTakeFirst();
      if (active) throw new DbfError('DBF_SYNC_CONFIG_BUSY', `sync config "${view.name}" has an active job (${active.id}): cancel it or wait for it to finish`);
      await trx.deleteFrom('table_mappings').where('config_id', '=', view.id).execute();
      await trx.deleteFrom('sync_configs').where('id', '=', view.id).execute();
    });
    return view;
  }

  /** `PUT /configs/:id/mappings/reorder {mapping_ids}`: every mapping of the config, once, in the new order. */
  async reorder(ref: string, body: unknown): Promise<TableMappingView[]> {
    const row = await this.findRow(ref);
    const { mapping_ids } = parseInput(reorderSchema, body);
    const current = await this.mappingRows(row.id);
    const known = new Set(current.map((m) => m.id));
    const unknown = mapping_ids.find((id) => !known.has(id));
    if (unknown) throw new DbfError('DBF_INVALID_INPUT', `mapping_ids: "${unknown}" is not a mapping of sync config "${row.name}"`);
    if (new Set(mapping_ids).size !== mapping_ids.length || mapping_ids.length !== current.length) {
      throw new DbfError('DBF_INVALID_INPUT', `mapping_ids must list each of the ${current.length} mappings exactly once`);
    }
    const now = this.deps.now();
    await this.deps.db.transaction().execute(async (trx) => {
      for (const [index, id] of mapping_ids.entries()) {
        await trx.updateTable('table_mappings').set({ sort_order: index, updated_at_ms: now }).where('id', '=', id).execute();
      }
    });
    return this.mappings(row.id);
  }

  private async validate(body: unknown, selfId: string | null): Promise<{ config: SyncConfigInput; sourceId: string; targetId: string; sourceDb: string; targetDb: string }> {
    const config = parseInput(syncConfigInputSchema, body, 'DBF_INVALID_SYNC_CONFIG');
    if (config.schedule !== null) {
      throw new DbfError('DBF_NOT_IMPLEMENTED', 'schedule: scheduled runs have not landed yet; leave schedule empty and start jobs with `dbferry run`');
    }
    const taken = await this.deps.db.selectFrom('sync_configs').select('id').where('name', '=', config.name).executeTakeFirst();
    if (taken && taken.id !== selfId) throw new DbfError('DBF_DUPLICATE_NAME', `a sync config named "${config.name}" already exists`);

    const source = await this.deps.connections.findRow(config.source_connection_id);
    const target = await this.deps.connections.findRow(config.target_connection_id);
    const sourceSpec = await this.deps.connections.resolveSpec(source.id);
    const targetSpec = await this.deps.connections.resolveSpec(target.id);
    const sourceDb = config.source_database ?? defaultDatabase(sourceSpec);
    const targetDb = config.target_database ?? (source.id === target.id ? null : defaultDatabase(targetSpec)) ?? sourceDb;
    if (!sourceDb) throw new DbfError('DBF_INVALID_SYNC_CONFIG', `source_database is required: connection "${source.name}" names no database`);
    if (!targetDb) throw new DbfError('DBF_INVALID_SYNC_CONFIG', 'target_database is required');
    if (sameDatabase(sourceSpec, sourceDb, targetSpec, targetDb)) {
      throw new DbfError('DBF_INVALID_SYNC_CONFIG', `source and target are the same database (${sourceDb}): a config must copy into another database`);
    }

    const targets = new Set<string>();
    for (const table of config.tables) {
      const targetTable = table.target_table ?? table.source_table;
      if (targets.has(targetTable)) throw new DbfError('DBF_INVALID_SYNC_CONFIG', `two mappings write the same target table "${targetTable}"`);
      targets.add(targetTable);
      if (table.where_clause !== null) {
        try {
          checkRowFilter(table.where_clause);
        } catch (error) {
          throw new DbfError('DBF_INVALID_FILTER', `table ${table.source_table}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
        }
      }
    }

    const sourceTables = await this.deps.connections.withSession(sourceSpec, (session) => session.listTables(sourceDb));
    const byName = new Map(sourceTables.map((t) => [t.name, t]));
    const missing = config.tables.filter((t) => !byName.has(t.source_table)).map((t) => t.source_table);
    if (missing.length > 0) {
      throw new DbfError('DBF_TABLE_NOT_FOUND', `source database ${sourceDb} on "${source.name}" has no table ${missing.map((m) => `"${m}"`).join(', ')}`, { details: { missing } });
    }
    return { config, sourceId: source.id, targetId: target.id, sourceDb, targetDb };
  }

  private configRow(id: string, input: { config: SyncConfigInput; sourceId: string; targetId: string; sourceDb: string; targetDb: string }, createdAt: number, now: number): SyncConfigRow {
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

  /** The mappings to store, in order, reusing the ids of `current` mappings they match. */
  private planMappings(configId: string, config: SyncConfigInput, current: TableMappingRow[], now: number): TableMappingRow[] {
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

  private mappingRows(configId: string): Promise<TableMappingRow[]> {
    return this.deps.db.selectFrom('table_mappings').selectAll().where('config_id', '=', configId).orderBy('sort_order').execute();
  }

  private async connectionNames(): Promise<Map<string, string>> {
    const rows = await this.deps.db.selectFrom('connections').select(['id', 'name']).execute();
    return new Map(rows.map((r) => [r.id, r.name]));
  }

  private async write(name: string, run: () => Promise<void>): Promise<void> {
    try {
      await run();
    } catch (error) {
      if (isUniqueViolation(error)) throw new DbfError('DBF_DUPLICATE_NAME', `a sync config named "${name}" already exists`, { cause: error });
      throw error;
    }
  }
}
