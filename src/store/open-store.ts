import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, MysqlDialect, PostgresDialect } from 'kysely';
import type { Pool as PgPool } from 'pg';
import { DbfError, oneLine } from '../domain/errors.js';
import type { StoreSchema } from './schema.js';
import { ExclusiveSqliteDialect } from './sqlite-exclusive-dialect.js';
import type { StoreDialect, StoreLocation } from './store-url.js';

export type StoreDb = Kysely<StoreSchema>;

export interface Store {
  readonly db: StoreDb;
  readonly dialect: StoreDialect;
  readonly display: string;
  close(): Promise<void>;
}

const PG_INT8_OID = 20;
/** How long a SQLite writer waits for another process's write lock before giving up. */
const SQLITE_BUSY_TIMEOUT_MS = 15_000;

/**
 * Opens the metadata store. Nothing is queried here (pools connect lazily); `migrateStore` is the
 * first round trip and turns an unreachable server into DBF_STORE_UNAVAILABLE.
 */
export function openStore(location: StoreLocation): Store {
  const db = new Kysely<StoreSchema>({ dialect: createDialect(location) });
  return {
    db,
    dialect: location.dialect,
    display: location.display,
    close: () => db.destroy(),
  };
}

function createDialect(location: StoreLocation) {
  const { spec } = location;
  // The server stores' pools (PostgreSQL, MySQL) take the same endpoint options.
  const endpoint = {
    host: spec.host ?? undefined,
    port: spec.port ?? undefined,
    user: spec.username ?? undefined,
    password: spec.password ?? undefined,
    database: spec.database ?? undefined,
    ssl: spec.ssl === false ? undefined : { rejectUnauthorized: spec.ssl === true },
  };
  switch (location.dialect) {
    case 'sqlite': {
      const file = spec.database ?? '';
      mkdirSync(dirname(file), { recursive: true });
      return new ExclusiveSqliteDialect({
        database: async () => {
          const sqlite = new SqliteDatabase(file, { timeout: SQLITE_BUSY_TIMEOUT_MS });
          try {
            await enableWal(sqlite);
            sqlite.pragma('foreign_keys = ON');
            sqlite.pragma('synchronous = NORMAL');
          } catch (error) {
            sqlite.close();
            throw error;
          }
          return sqlite;
        },
      });
    }
    case 'postgres':
      // The drivers are loaded when the pool is first needed (Kysely takes a pool factory): a store
      // on SQLite, the default, never loads pg or mysql2 for itself.
      return new PostgresDialect({
        pool: async () => {
          const { default: pg } = await import('pg');
          return withClientErrorListeners(new pg.Pool({
            ...endpoint,
            max: 10,
            connectionTimeoutMillis: 10_000,
            // BIGINT columns hold epoch milliseconds and row counts: numbers, not strings.
            types: {
              getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
                oid === PG_INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
            },
          }));
        },
      });
    case 'mysql':
      return new MysqlDialect({
        pool: async () => (await import('mysql2')).default.createPool({
          ...endpoint,
          charset: 'utf8mb4',
          supportBigNumbers: true,
          connectionLimit: 10,
          connectTimeout: 10_000,
        }),
      });
  }
}

/**
 * A pg client that loses its socket while checked out (a transaction in flight when the store goes
 * away) emits 'error' with no listener attached, which would crash the process. The same error also
 * rejects the query in flight, and that rejection is what callers handle (the finisher retries, the
 * lease keeper fences itself); the pool drops the broken client on release. So the event itself carries
 * nothing more to act on: the listener only keeps it from becoming an uncaught exception. Errors of
 * idle clients are re-emitted by the pool as its own 'error', handled the same way.
 */
function withClientErrorListeners(pool: PgPool): PgPool {
  const alsoRejectsTheQuery = (): void => undefined;
  pool.on('connect', (client) => client.on('error', alsoRejectsTheQuery));
  pool.on('error', alsoRejectsTheQuery);
  return pool;
}

/**
 * Switching a new file to WAL takes an exclusive lock for a moment, and SQLite answers SQLITE_BUSY at
 * once, without waiting out the busy timeout, when another process is switching it too (two dbferry
 * processes starting together on a fresh store). Retry for as long as the busy timeout.
 */
async function enableWal(sqlite: SqliteDatabase.Database): Promise<void> {
  const deadline = Date.now() + SQLITE_BUSY_TIMEOUT_MS;
  for (;;) {
    try {
      sqlite.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'SQLITE_BUSY' || Date.now() >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));
    }
  }
}

/** Wraps a driver error met while talking to the store. */
export function storeUnavailable(display: string, error: unknown): DbfError {
  if (error instanceof DbfError) return error;
  const reason = error instanceof Error ? oneLine(error.message) || (error as NodeJS.ErrnoException).code || 'unknown error' : String(error);
  return new DbfError('DBF_STORE_UNAVAILABLE', `metadata store ${display} is unavailable: ${reason}`, { cause: error });
}
