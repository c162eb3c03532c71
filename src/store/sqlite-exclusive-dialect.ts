import { CompiledQuery, SqliteAdapter, SqliteDialect, SqliteDriver } from 'kysely';
import type { DatabaseConnection, DialectAdapter, Driver, SqliteDialectConfig } from 'kysely';

/**
 * SQLite with every transaction opened as `BEGIN EXCLUSIVE`. Kysely's default `BEGIN` is deferred:
 * a transaction that reads and then writes can fail at once with SQLITE_BUSY when another process
 * wrote in between, without waiting for the busy timeout. Taking the write lock up front makes
 * writers from several processes queue on the busy timeout instead. This is also the migration lock:
 * Kysely runs all migrations in one transaction, so two processes starting at once serialise here.
 * In WAL mode (which the store uses) EXCLUSIVE still lets readers read.
 */
class ExclusiveSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin exclusive'));
  }
}

/**
 * Kysely's SqliteAdapter reports no transactional DDL, so its Migrator would run migrations statement by
 * statement outside any transaction, with a no-op migration lock: two processes migrating a fresh store
 * at once both see no migration applied and the second fails with "table already exists". SQLite does
 * have transactional DDL; saying so makes the Migrator read its state and run every pending migration
 * inside one (exclusive) transaction, which is the lock.
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

export class ExclusiveSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ExclusiveSqliteDriver(this.#config);
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}
