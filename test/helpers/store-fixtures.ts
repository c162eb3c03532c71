import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { TableMetadata } from 'kysely';
import { migrateStore } from '../../src/store/migrate.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/open-store.js';
import { resolveStoreLocation } from '../../src/store/store-url.js';
import type { StoreDialect } from '../../src/store/store-url.js';
import { createMysqlDatabase, createPostgresDatabase } from './servers.js';

/**
 * Metadata stores for the store tests: a temp SQLite file, or a random database on the real
 * PostgreSQL / MariaDB servers (servers.ts). Every store is dropped by `cleanup()`; close every Store
 * opened on it first (a PostgreSQL drop forces connections off, but an open pool keeps the test
 * process alive).
 */

export const STORE_DIALECTS: readonly StoreDialect[] = ['sqlite', 'postgres', 'mysql'];

export const MIGRATION_TABLE = 'dbferry_migrations';

export interface TempStore {
  readonly dialect: StoreDialect;
  readonly url: string;
  cleanup(): Promise<void>;
}

export async function createTempStore(dialect: StoreDialect): Promise<TempStore> {
  switch (dialect) {
    case 'sqlite': {
      const dir = await mkdtemp(join(tmpdir(), 'dbf-store-'));
      return {
        dialect,
        url: `sqlite:${join(dir, 'store.db')}`,
        cleanup: () => rm(dir, { recursive: true, force: true }),
      };
    }
    case 'postgres': {
      const database = await createPostgresDatabase();
      return { dialect, url: database.url, cleanup: () => database.drop() };
    }
    case 'mysql': {
      const database = await createMysqlDatabase();
      return { dialect, url: database.url, cleanup: () => database.drop() };
    }
  }
}

/** Opens a store by URL without touching it (pools connect lazily). */
export function openStoreUrl(url: string): Store {
  return openStore(resolveStoreLocation(url));
}

/** Opens the store and brings it to the latest migration; closes it again if that fails. */
export async function openMigratedStore(url: string): Promise<Store> {
  const store = openStoreUrl(url);
  try {
    await migrateStore(store);
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

/** Runs `work` on a fresh temp store, then drops it whatever happens. */
export async function withTempStore<T>(dialect: StoreDialect, work: (temp: TempStore) => Promise<T>): Promise<T> {
  const temp = await createTempStore(dialect);
  try {
    return await work(temp);
  } finally {
    await temp.cleanup();
  }
}

/** Runs `work` on a store opened on `url`, then closes it whatever happens. */
export async function withStore<T>(url: string, work: (store: Store) => Promise<T>): Promise<T> {
  const store = openStoreUrl(url);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

export interface MigrationRow {
  readonly name: string;
  readonly timestamp: string;
}

/** The rows of the migration table, by name. */
export async function migrationRows(store: Store): Promise<MigrationRow[]> {
  const { rows } = await sql<MigrationRow>`select name, timestamp from ${sql.table(MIGRATION_TABLE)} order by name`.execute(store.db);
  return rows.map((r) => ({ name: String(r.name), timestamp: String(r.timestamp) }));
}

/** Every table of the store (Kysely's own tables included) by name. */
export async function storeTables(store: Store): Promise<Map<string, TableMetadata>> {
  const tables = await store.db.introspection.getTables({ withInternalKyselyTables: true });
  return new Map(tables.map((t) => [t.name, t]));
}

/** A comparable picture of the schema: sorted `table(col1,col2,...)` lines. */
export async function schemaSnapshot(store: Store): Promise<string[]> {
  const tables = await storeTables(store);
  return [...tables.values()]
    .map((t) => `${t.name}(${t.columns.map((c) => c.name).sort().join(',')})`)
    .sort();
}
