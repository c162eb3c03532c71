import type { Engine } from '../domain/connection-url.js';
import { MysqlAdapter } from './mysql/mysql-adapter.js';
import type { EngineAdapter } from './ports.js';
import { PostgresAdapter } from './postgres/postgres-adapter.js';
import { SqliteAdapter } from './sqlite/sqlite-adapter.js';

/**
 * The one place that maps an engine name to its adapter. Why: nothing outside engines/ may branch on
 * the engine's name; callers ask for the adapter here and talk to the port. Adapters hold no state
 * (every connect() opens a fresh session), so one instance of each serves everyone.
 */

const mysql = new MysqlAdapter();
const postgres = new PostgresAdapter();
const sqlite = new SqliteAdapter();

export function adapterFor(engine: Engine): EngineAdapter {
  switch (engine) {
    case 'mysql':
    case 'mariadb':
      return mysql;
    case 'postgres':
      return postgres;
    case 'sqlite':
      return sqlite;
  }
}
