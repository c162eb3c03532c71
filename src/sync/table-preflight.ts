import { DbfError } from '../domain/errors.js';
import type { ChangeCopier, CopyEngine, CopySource } from '../engines/copy-ports.js';
import { chooseCursor } from './cursor-choice.js';
import type { ChosenCursor } from './cursor-choice.js';
import type { SyncTableRequest } from './sync-request.js';

/**
 * What a table is checked for before it is copied, the same in a plan (dry run, one-shot start) and in
 * the job that runs it: the source described with the mapping's row filter, the filter planned by the
 * source (EXPLAIN), the engine's capabilities for filters and incremental sync, and an incremental
 * table's cursor. Failures are the table's own (DBF_TABLE_NOT_FOUND, DBF_INVALID_FILTER, DBF_NO_CURSOR,
 * DBF_NOT_IMPLEMENTED): see PREFLIGHT_CODES.
 */

export const PREFLIGHT_CODES: readonly string[] = ['DBF_TABLE_NOT_FOUND', 'DBF_NO_CURSOR', 'DBF_INVALID_FILTER', 'DBF_NOT_IMPLEMENTED'];

export interface CheckedTable<T> {
  readonly table: T;
  /** An incremental table's cursor; null in full mode. */
  readonly cursor: ChosenCursor | null;
}

export async function preflightTable(engine: CopyEngine, source: CopySource, mapping: SyncTableRequest): Promise<CheckedTable<Awaited<ReturnType<CopySource['table']>>>> {
  if (mapping.where_clause !== null && !engine.rowFilters) {
    throw new DbfError('DBF_NOT_IMPLEMENTED', `${mapping.target_table}: row filters (where_clause) on this engine have not landed yet (MySQL/MariaDB and SQLite have)`);
  }
  const changes = mapping.mode === 'incremental' ? changesOf(engine, mapping) : null;
  const table = { ...(await source.table(mapping.source_table)), filter: mapping.where_clause };
  if (mapping.where_clause !== null) await source.checkFilter(table, mapping.where_clause);
  if (changes === null) return { table, cursor: null };
  if (table.primaryKey.length === 0) throw new DbfError('DBF_NO_CURSOR', `${mapping.source_table} has no primary key: an incremental sync upserts by key, so copy it in full mode`);
  return { table, cursor: chooseCursor(mapping.source_table, await changes.cursorCandidates(source, table), mapping.cursor_column) };
}

export function changesOf(engine: CopyEngine, mapping: SyncTableRequest): ChangeCopier {
  if (!engine.changes) throw new DbfError('DBF_NOT_IMPLEMENTED', `${mapping.target_table}: incremental sync on this engine has not landed yet (MySQL/MariaDB and SQLite have; use sync_mode full)`);
  return engine.changes;
}
