import { isAbsolute, join, resolve } from 'node:path';
import { parseConnectionUrl, redactedUrl } from '../domain/connection-url.js';
import type { ConnectionSpec } from '../domain/connection-url.js';
import { DbfError } from '../domain/errors.js';

export type StoreDialect = 'sqlite' | 'postgres' | 'mysql';

export interface StoreLocation {
  readonly dialect: StoreDialect;
  readonly spec: ConnectionSpec;
  /** Safe to print: the password is masked. */
  readonly display: string;
}

/** The default store: `$DBFERRY_HOME/dbferry.db`. */
export function defaultStoreUrl(home: string): string {
  return `sqlite:${join(home, 'dbferry.db')}`;
}

/** Resolves `--store` / `DBFERRY_STORE` (a URL of any of the three engines) to a location. */
export function resolveStoreLocation(url: string, cwd = process.cwd()): StoreLocation {
  let spec: ConnectionSpec;
  try {
    spec = parseConnectionUrl(url);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new DbfError('DBF_CONFIG_INVALID', `store URL is invalid: ${reason}`, { cause: error });
  }
  const dialect: StoreDialect = spec.engine === 'mariadb' ? 'mysql' : spec.engine;
  if (dialect !== 'sqlite' && !spec.database) {
    throw new DbfError('DBF_CONFIG_INVALID', `store URL ${redactedUrl(spec)} names no database: add /DATABASE to it`);
  }
  const resolved = dialect === 'sqlite' && spec.database && !isAbsolute(spec.database) ? { ...spec, database: resolve(cwd, spec.database) } : spec;
  return { dialect, spec: resolved, display: redactedUrl(resolved) };
}
