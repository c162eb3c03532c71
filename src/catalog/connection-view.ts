import { redactedUrl } from '../domain/connection-url.js';
import type { ConnectionSpec, Engine, SslMode } from '../domain/connection-url.js';
import type { ConnectionRow } from '../store/schema.js';

/** A connection as the API and CLI show it: never a password, only `has_password`. */
export interface ConnectionView {
  readonly id: string;
  readonly name: string;
  readonly engine: Engine;
  readonly host: string | null;
  readonly port: number | null;
  readonly username: string | null;
  readonly database: string | null;
  readonly ssl: SslMode;
  readonly has_password: boolean;
  /** The URL with the password masked. */
  readonly url: string;
  readonly created_at: string;
  readonly updated_at: string;
}

export const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function sslFromColumn(value: string): SslMode {
  return value === 'true' ? true : value === 'skip-verify' ? 'skip-verify' : false;
}

export function sslToColumn(ssl: SslMode): string {
  return ssl === true ? 'true' : ssl === false ? 'false' : 'skip-verify';
}

/** The row's spec without its password (which stays sealed until a caller really connects). */
export function specOfRow(row: ConnectionRow, password: string | null): ConnectionSpec {
  return {
    engine: row.engine as Engine,
    host: row.host,
    port: row.port,
    username: row.username,
    password,
    database: row.database_name,
    ssl: sslFromColumn(row.ssl),
  };
}

/** The stored row of a connection; the password arrives sealed (or null for none). */
export function connectionRow(id: string, name: string, spec: ConnectionSpec, passwordSecret: string | null, createdAt: number, now: number): ConnectionRow {
  return {
    id,
    name,
    engine: spec.engine,
    host: spec.host,
    port: spec.port,
    username: spec.username,
    password_secret: passwordSecret,
    database_name: spec.database,
    ssl: sslToColumn(spec.ssl),
    created_at_ms: createdAt,
    updated_at_ms: now,
  };
}

export function toConnectionView(row: ConnectionRow): ConnectionView {
  const spec = specOfRow(row, null);
  return {
    id: row.id,
    name: row.name,
    engine: spec.engine,
    host: row.host,
    port: row.port,
    username: row.username,
    database: row.database_name,
    ssl: spec.ssl,
    has_password: row.password_secret !== null,
    url: redactedUrl({ ...spec, password: row.password_secret === null ? null : '***' }),
    created_at: iso(row.created_at_ms) ?? '',
    updated_at: iso(row.updated_at_ms) ?? '',
  };
}
