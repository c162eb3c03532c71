import type { ConnectionSpec } from '../domain/connection-url.js';
import { DbfError } from '../domain/errors.js';
import { checkRowFilter } from '../domain/row-filter.js';
import { defaultDatabase, sameDatabase } from '../engines/default-database.js';
import type { SyncConfigInput } from './sync-config-input.js';

/** A connection a config refers to, as far as checking the config needs it (no password). */
export interface ConfigEnd {
  readonly id: string;
  readonly name: string;
  readonly spec: ConnectionSpec;
}

/** A config checked and tied to its connections, ready to be written. */
export interface ResolvedConfig {
  readonly config: SyncConfigInput;
  readonly sourceId: string;
  readonly targetId: string;
  readonly sourceDb: string;
  readonly targetDb: string;
}

/** Refused until the scheduler lands, rather than stored and silently never run (DB-Taxi's bug). */
export function refuseSchedule(config: SyncConfigInput): void {
  if (config.schedule !== null) {
    throw new DbfError('DBF_NOT_IMPLEMENTED', 'schedule: scheduled runs have not landed yet; leave schedule empty and start jobs with `dbferry run`');
  }
}

/**
 * Every check of a config that needs no server: the databases on both ends (defaulted from the
 * connections), never the same database twice, one mapping per target table, filters that only
 * filter. Whether the source tables exist is asked of the source separately.
 */
export function checkConfig(config: SyncConfigInput, source: ConfigEnd, target: ConfigEnd): ResolvedConfig {
  const sourceDb = config.source_database ?? defaultDatabase(source.spec);
  const targetDb = config.target_database ?? (source.id === target.id ? null : defaultDatabase(target.spec)) ?? sourceDb;
  if (!sourceDb) throw new DbfError('DBF_INVALID_SYNC_CONFIG', `source_database is required: connection "${source.name}" names no database`);
  if (!targetDb) throw new DbfError('DBF_INVALID_SYNC_CONFIG', 'target_database is required');
  if (sameDatabase(source.spec, sourceDb, target.spec, targetDb)) {
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
  return { config, sourceId: source.id, targetId: target.id, sourceDb, targetDb };
}
