import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { DbfError } from '../domain/errors.js';
import { parseInput } from '../domain/validation.js';
import type { StoreDb } from '../store/open-store.js';
import type { SyncConfigRow, TableMappingRow } from '../store/schema.js';
import { isUniqueViolation } from '../store/store-errors.js';
import type { ConnectionService } from './connection-service.js';
import { specOfRow } from './connection-view.js';
import { checkConfig, refuseSchedule } from './sync-config-check.js';
import type { ResolvedConfig } from './sync-config-check.js';
import { CONFIG_NAME, syncConfigInputSchema } from './sync-config-input.js';
import { insertConfig, replaceConfig } from './sync-config-rows.js';
import { toMappingView, toSyncConfigView } from './sync-config-view.js';
import type { SyncConfigView, TableMappingView } from './sync-config-view.js';

export interface SyncConfigServiceDeps {
  readonly db: StoreDb;
  readonly connections: ConnectionService;
  readonly now: () => number;
}

export const reorderSchema = z.object({ mapping_ids: z.array(z.string().max(128)).min(1).max(10_000) }).strict();
export const copySchema = z.object({ name: CONFIG_NAME }).strict();
const ACTIVE = ['pending', 'running'];

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
    await this.write(input.config.name, () => this.deps.db.transaction().execute((trx) => insertConfig(trx, id, input, now)));
    return this.get(id);
  }

  async update(ref: string, body: unknown): Promise<SyncConfigView> {
    const existing = await this.findRow(ref);
    const input = await this.validate(body, existing.id);
    const now = this.deps.now();
    await this.write(input.config.name, () => this.deps.db.transaction().execute((trx) => replaceConfig(trx, existing, input, now)));
    return this.get(existing.id);
  }

  /**
   * `POST /configs/:id/copy {name}`: a new config with every field of the original but its name
   * (DB-Taxi's "copy" button), checked like any new config; the original is untouched.
   */
  async copy(ref: string, body: unknown): Promise<SyncConfigView> {
    const original = await this.get(ref);
    const { name } = parseInput(copySchema, body);
    return this.create({
      name,
      source_connection_id: original.source_connection_id,
      target_connection_id: original.target_connection_id,
      source_database: original.source_database,
      target_database: original.target_database,
      sync_mode: original.sync_mode,
      schedule: original.schedule,
      enabled: original.enabled,
      options: original.options,
      tables: original.tables.map((t) => ({
        source_table: t.source_table, target_table: t.target_table, sync_mode: t.sync_mode, enabled: t.enabled,
        where_clause: t.where_clause, cursor_column: t.cursor_column, sort_order: t.sort_order,
      })),
    });
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

  private async validate(body: unknown, selfId: string | null): Promise<ResolvedConfig> {
    const config = parseInput(syncConfigInputSchema, body, 'DBF_INVALID_SYNC_CONFIG');
    refuseSchedule(config);
    const taken = await this.deps.db.selectFrom('sync_configs').select('id').where('name', '=', config.name).executeTakeFirst();
    if (taken && taken.id !== selfId) throw new DbfError('DBF_DUPLICATE_NAME', `a sync config named "${config.name}" already exists`);

    const source = await this.deps.connections.findRow(config.source_connection_id);
    const target = await this.deps.connections.findRow(config.target_connection_id);
    const resolved = checkConfig(config, { id: source.id, name: source.name, spec: specOfRow(source, null) }, { id: target.id, name: target.name, spec: specOfRow(target, null) });

    const sourceSpec = await this.deps.connections.resolveSpec(source.id);
    await this.deps.connections.withSession(sourceSpec, async (session) => {
      const sourceTables = await session.listTables(resolved.sourceDb);
      const byName = new Map(sourceTables.map((t) => [t.name, t]));
      const missing = config.tables.filter((t) => !byName.has(t.source_table)).map((t) => t.source_table);
      if (missing.length > 0) {
        throw new DbfError('DBF_TABLE_NOT_FOUND', `source database ${resolved.sourceDb} on "${source.name}" has no table ${missing.map((m) => `"${m}"`).join(', ')}`, { details: { missing } });
      }
      // Filters are planned by the source (EXPLAIN) before anything is saved: a typo fails now, not at the next run.
      for (const t of config.tables) {
        if (t.where_clause !== null) await session.checkFilter?.(resolved.sourceDb, t.source_table, t.where_clause);
      }
    });
    return resolved;
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
