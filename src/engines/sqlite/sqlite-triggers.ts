import type Database from 'better-sqlite3';
import { asRows, toText } from '../rows.js';
import { quoteIdent } from './sqlite-copy-sql.js';

/**
 * Runs `work` with the target table's triggers out of the way: dropped, then created again from their
 * own SQL, inside the caller's transaction, so no other connection sees the table without them. The
 * copy is the source's data, in which the triggers' effects already are (a trigger-kept updated_at,
 * audit rows copied with their table): firing them again on the copy would change what was copied.
 * SQLite has no switch to disable triggers. Used by every write of a copy into a table that may have
 * them: upserts and deletes of incremental runs, and a full copy's emptying and batches (strategy
 * truncate writes into the live table).
 */
export function withoutTriggers<T>(db: Database.Database, name: string, work: () => T): T {
  const triggers = asRows(
    db.prepare<unknown[], unknown>("SELECT name, sql FROM main.sqlite_schema WHERE type = 'trigger' AND tbl_name = ? COLLATE NOCASE AND sql IS NOT NULL ORDER BY rowid").all([name]),
  ).map((r) => ({ name: toText(r['name']), sql: toText(r['sql']) }));
  for (const trigger of triggers) db.exec(`DROP TRIGGER main.${quoteIdent(trigger.name)}`);
  const result = work();
  for (const trigger of triggers) db.exec(trigger.sql);
  return result;
}
