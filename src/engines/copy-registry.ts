import type { ConnectionSpec } from '../domain/connection-url.js';
import { DbfError } from '../domain/errors.js';
import type { CopyEngine } from './copy-ports.js';
import { mysqlCopyEngine } from './mysql/mysql-copy-engine.js';
import { sqliteCopyEngine } from './sqlite/sqlite-copy.js';

/** The engine family a connection belongs to, for copying: MariaDB is MySQL's wire protocol and SQL. */
function family(spec: ConnectionSpec): 'mysql' | 'postgres' | 'sqlite' {
  return spec.engine === 'mariadb' ? 'mysql' : spec.engine;
}

/**
 * The copy engine for a source and a target. Copies run between databases of one engine family
 * (MySQL/MariaDB, SQLite); PostgreSQL and cross-engine copies have not landed and say so.
 */
export function copyEngineFor(source: ConnectionSpec, target: ConnectionSpec): CopyEngine {
  const from = family(source);
  const to = family(target);
  if (from !== to) throw new DbfError('DBF_NOT_IMPLEMENTED', `copying from ${from} to ${to} has not landed yet: source and target must be the same engine (MySQL/MariaDB or SQLite)`);
  switch (from) {
    case 'mysql':
      return mysqlCopyEngine;
    case 'sqlite':
      return sqliteCopyEngine;
    case 'postgres':
      throw new DbfError('DBF_NOT_IMPLEMENTED', 'copying PostgreSQL databases has not landed yet (MySQL/MariaDB and SQLite have)');
  }
}

/**
 * The spec of one database on a connection: a server connection with the database named by a
 * config or a sync; a SQLite file is its own database (its only database is "main").
 */
export function atDatabase(spec: ConnectionSpec, database: string | null): ConnectionSpec {
  if (spec.engine === 'sqlite' || database === null) return spec;
  return { ...spec, database };
}

/** Where a target table lives, for the one-writer-per-target-table lock. */
export function targetTableKey(spec: ConnectionSpec, table: string): string {
  const where = spec.engine === 'sqlite' ? `sqlite:${spec.database ?? ''}` : `${spec.host ?? ''}:${spec.port ?? ''}/${spec.database ?? ''}`;
  return `target:${where}/${table}`;
}
