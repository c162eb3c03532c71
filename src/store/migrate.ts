import { Migrator, sql } from 'kysely';
import type { Migration, MigrationProvider } from 'kysely';
import { DbfError } from '../domain/errors.js';
import { initialMigration } from './migrations/0001-initial.js';
import { jobLifecycleMigration } from './migrations/0002-job-lifecycle.js';
import { jobAlertsMigration } from './migrations/0003-job-alerts.js';
import { storeUnavailable } from './open-store.js';
import type { Store } from './open-store.js';
import type { StoreDialect } from './store-url.js';

/**
 * Versioned migrations, run at every start. Kysely's Migrator records each applied migration once and
 * holds a lock while it runs: a session `pg_advisory_lock` on PostgreSQL, `GET_LOCK` on MySQL, and on SQLite
 * the exclusive transaction of ExclusiveSqliteDialect. Two processes starting at once therefore run
 * each migration exactly once; the second finds nothing left to do. Names sort in order of version.
 */
export function migrationsFor(dialect: StoreDialect): Record<string, Migration> {
  return {
    '0001-initial': initialMigration(dialect),
    '0002-job-lifecycle': jobLifecycleMigration,
    '0003-job-alerts': jobAlertsMigration(dialect),
  };
}

export const LATEST_MIGRATION = '0003-job-alerts';
const MIGRATION_TABLE = 'dbferry_migrations';

class StaticProvider implements MigrationProvider {
  constructor(private readonly migrations: Record<string, Migration>) {}
  getMigrations(): Promise<Record<string, Migration>> {
    return Promise.resolve(this.migrations);
  }
}

export interface MigrationReport {
  /** Names of the migrations this call applied (empty when the store was up to date). */
  readonly applied: string[];
}

/** A store migrated by a newer dbferry must not be touched by this one. */
async function refuseNewerStore(store: Store): Promise<void> {
  let tables: string[];
  try {
    tables = (await store.db.introspection.getTables()).map((t) => t.name);
  } catch (error) {
    throw storeUnavailable(store.display, error);
  }
  if (!tables.includes(MIGRATION_TABLE)) return;
  const known = new Set(Object.keys(migrationsFor(store.dialect)));
  const rows = await sql<{ name: string }>`select name from ${sql.table(MIGRATION_TABLE)}`.execute(store.db);
  const unknown = rows.rows.map((r) => r.name).filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new DbfError('DBF_STORE_TOO_NEW', `metadata store ${store.display} has migration ${unknown.join(', ')} that this dbferry does not know: upgrade dbferry`);
  }
}

export async function migrateStore(store: Store): Promise<MigrationReport> {
  const migrator = new Migrator({
    db: store.db,
    provider: new StaticProvider(migrationsFor(store.dialect)),
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: 'dbferry_migration_lock',
    // Our names sort the same by code unit; Kysely's default, localeCompare, loads ICU's collation
    // on first use, which cost every command ~15 ms of its start here.
    nameComparator: (a, b) => (a < b ? -1 : a > b ? 1 : 0),
  });
  await refuseNewerStore(store);
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error !== undefined) throw storeUnavailable(store.display, error);
  return { applied: results.filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}
