import { resolve } from 'node:path';
import type { ConnectionSpec } from '../domain/connection-url.js';

/**
 * The database a connection means when a config names none: MySQL has no default (null), PostgreSQL
 * connects to `postgres` like psql does, and a SQLite file is always its `main` database.
 */
export function defaultDatabase(spec: ConnectionSpec): string | null {
  switch (spec.engine) {
    case 'sqlite':
      return 'main';
    case 'postgres':
      return spec.database ?? 'postgres';
    case 'mysql':
    case 'mariadb':
      return spec.database;
  }
}

/** Whether two specs reach the same database on the same server (or the same SQLite file). */
export function sameDatabase(a: ConnectionSpec, aDb: string, b: ConnectionSpec, bDb: string): boolean {
  if (a.engine === 'sqlite' || b.engine === 'sqlite') return a.engine === b.engine && resolve(a.database ?? '') === resolve(b.database ?? '');
  return a.host === b.host && a.port === b.port && aDb === bDb;
}
