import { randomUUID } from 'node:crypto';
import { DbfError, isDbfError } from '../domain/errors.js';
import type { SecretSealer } from '../secrets/secret-box.js';
import type { StoreDb } from '../store/open-store.js';
import type { ConnectionRow, SyncConfigRow, TableMappingRow } from '../store/schema.js';
import { specFromInput } from './connection-input.js';
import { connectionRow, specOfRow } from './connection-view.js';
import { PASSWORD_PLACEHOLDER } from './config-file.js';
import type { ConfigFile, FileConnection } from './config-file.js';
import { checkConfig, refuseSchedule } from './sync-config-check.js';
import type { ConfigEnd, ResolvedConfig } from './sync-config-check.js';
import { syncOptionsSchema } from './sync-config-input.js';
import { planMappings } from './sync-config-rows.js';

export type ChangeAction = 'create' | 'update' | 'unchanged';

/** What an import does to one connection or config, named; `changes` lists the fields an update changes. */
export interface ItemChange {
  readonly name: string;
  readonly action: ChangeAction;
  readonly changes: readonly string[];
}

export interface ImportPlan {
  readonly connections: readonly ItemChange[];
  readonly sync_configs: readonly ItemChange[];
  /** Updates of existing items (`connection "x"`, `sync config "y"`): refused unless `resolve_conflicts`. */
  readonly conflicts: readonly string[];
  readonly warnings: readonly string[];
}

export interface ConnectionStep {
  readonly change: ItemChange;
  readonly row: ConnectionRow;
}

export interface ConfigStep {
  readonly change: ItemChange;
  readonly id: string;
  readonly existing: SyncConfigRow | null;
  readonly resolved: ResolvedConfig;
}

export interface PlannedImport {
  readonly plan: ImportPlan;
  readonly connections: readonly ConnectionStep[];
  readonly configs: readonly ConfigStep[];
}

export interface PlanDeps {
  readonly secrets: SecretSealer;
  readonly now: number;
}

/** Runs `work`, prefixing a DbfError's message with where in the file it arose (its code stays). */
function at<T>(where: string, work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (!isDbfError(error)) throw error;
    throw new DbfError(error.code, `${where}: ${error.message}`, { cause: error, details: error.details });
  }
}

function refuseDuplicates(kind: string, names: readonly string[]): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new DbfError('DBF_INVALID_IMPORT', `${kind}: "${name}" appears twice; names identify what an import creates or updates`);
    seen.add(name);
  }
}

const changedFields = (pairs: ReadonlyArray<readonly [string, unknown, unknown]>): string[] =>
  pairs.filter(([, a, b]) => JSON.stringify(a) !== JSON.stringify(b)).map(([field]) => field);

function change(name: string, existing: unknown, changes: string[]): ItemChange {
  return { name, action: existing === undefined || existing === null ? 'create' : changes.length > 0 ? 'update' : 'unchanged', changes: existing ? changes : [] };
}

/**
 * What importing `file` into the store behind `db` would do, checked in full before anything is
 * written: names unique in the file, every connection valid (engine, port, SSL), every config's
 * connections found (in the file or saved) and the config valid without asking any server (import
 * never connects: the file's passwords are placeholders). Reads through `db`, which is the import's
 * transaction when it writes.
 */
export async function planImport(db: StoreDb, file: ConfigFile, deps: PlanDeps): Promise<PlannedImport> {
  refuseDuplicates('connections', file.connections.map((c) => c.name));
  refuseDuplicates('sync_configs', file.sync_configs.map((c) => c.name));
  const savedConnections = await db.selectFrom('connections').selectAll().execute();
  const warnings: string[] = [];

  const connections = file.connections.map((entry, index) =>
    at(`connections[${index}] "${entry.name}"`, () => planConnection(entry, savedConnections.find((c) => c.name === entry.name), deps, warnings)),
  );

  const ends = new Map<string, ConfigEnd>();
  for (const [index, step] of connections.entries()) {
    const end = { id: step.row.id, name: step.row.name, spec: specOfRow(step.row, null) };
    ends.set(step.row.name, end);
    const fileId = file.connections[index]?.id;
    if (fileId !== undefined && !ends.has(fileId)) ends.set(fileId, end);
  }
  const endOf = (ref: string, field: string): ConfigEnd => {
    const saved = savedConnections.find((c) => c.name === ref) ?? savedConnections.find((c) => c.id === ref);
    const end = ends.get(ref) ?? (saved ? { id: saved.id, name: saved.name, spec: specOfRow(saved, null) } : undefined);
    if (!end) throw new DbfError('DBF_INVALID_IMPORT', `${field} "${ref}" is neither a connection in the file nor a saved connection`);
    return end;
  };

  const savedConfigs = await db.selectFrom('sync_configs').selectAll().execute();
  const nameOfConnection = new Map([...savedConnections.map((c) => [c.id, c.name] as const), ...connections.map((s) => [s.row.id, s.row.name] as const)]);
  const configs: ConfigStep[] = [];
  for (const [index, config] of file.sync_configs.entries()) {
    const existing = savedConfigs.find((c) => c.name === config.name) ?? null;
    const current = existing ? await db.selectFrom('table_mappings').selectAll().where('config_id', '=', existing.id).orderBy('sort_order').execute() : [];
    configs.push(
      at(`sync_configs[${index}] "${config.name}"`, () => {
        refuseSchedule(config);
        const resolved = checkConfig(config, endOf(config.source_connection_id, 'source_connection_id'), endOf(config.target_connection_id, 'target_connection_id'));
        const id = existing?.id ?? randomUUID();
        return { change: change(config.name, existing, existing ? configChanges(existing, current, resolved, id, nameOfConnection, deps.now) : []), id, existing, resolved };
      }),
    );
  }

  const plan: ImportPlan = {
    connections: connections.map((s) => s.change),
    sync_configs: configs.map((s) => s.change),
    conflicts: [
      ...connections.filter((s) => s.change.action === 'update').map((s) => `connection "${s.change.name}"`),
      ...configs.filter((s) => s.change.action === 'update').map((s) => `sync config "${s.change.name}"`),
    ],
    warnings,
  };
  return { plan, connections, configs };
}

/** A password in the file: the placeholder (or none given) keeps the stored one; null or "" means none. */
function planConnection(entry: FileConnection, existing: ConnectionRow | undefined, deps: PlanDeps, warnings: string[]): ConnectionStep {
  const raw = entry.password;
  const keep = raw === undefined || raw === PASSWORD_PLACEHOLDER;
  const given = keep || raw === null || raw === '' ? null : raw;
  const spec = specFromInput({ engine: entry.engine, host: entry.host, port: entry.port, username: entry.username, password: given, database: entry.database, ssl: entry.ssl });
  const id = existing?.id ?? randomUUID();
  let secret: string | null;
  if (keep) {
    secret = existing?.password_secret ?? null;
    if (!existing && entry.password === PASSWORD_PLACEHOLDER) warnings.push(`connection "${entry.name}" is created without its password (exports leave passwords out): set it with PUT /api/sync/connections/${entry.name}`);
  } else if (given === null) {
    secret = null;
  } else {
    const same = existing?.password_secret != null && deps.secrets.open(existing.password_secret, existing.id) === given;
    secret = same && existing ? existing.password_secret : deps.secrets.seal(given, id);
  }
  const row = connectionRow(id, entry.name, spec, secret, existing?.created_at_ms ?? deps.now, deps.now);
  const changes = existing
    ? changedFields([
        ['engine', existing.engine, row.engine],
        ['host', existing.host, row.host],
        ['port', existing.port, row.port],
        ['username', existing.username, row.username],
        ['database', existing.database_name, row.database_name],
        ['ssl', existing.ssl, row.ssl],
        ['password', existing.password_secret, row.password_secret],
      ])
    : [];
  return { change: change(entry.name, existing, changes), row };
}

const mappingShape = (m: TableMappingRow): unknown[] => [m.source_table, m.target_table, m.sync_mode, m.enabled, m.where_clause, m.cursor_column, m.sort_order];

function configChanges(existing: SyncConfigRow, current: readonly TableMappingRow[], resolved: ResolvedConfig, id: string, names: ReadonlyMap<string, string>, now: number): string[] {
  const { config } = resolved;
  const next = planMappings(id, config, current, now);
  return changedFields([
    ['source_connection_id', names.get(existing.source_connection_id), names.get(resolved.sourceId)],
    ['target_connection_id', names.get(existing.target_connection_id), names.get(resolved.targetId)],
    ['source_database', existing.source_database, resolved.sourceDb],
    ['target_database', existing.target_database, resolved.targetDb],
    ['sync_mode', existing.sync_mode, config.sync_mode],
    ['schedule', existing.schedule, config.schedule],
    ['enabled', existing.enabled === 1, config.enabled],
    ['options', syncOptionsSchema.parse(JSON.parse(existing.options)), config.options],
    ['tables', current.map(mappingShape), next.map(mappingShape)],
  ]);
}
