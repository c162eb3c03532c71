import { DbfError, oneLine } from '../domain/errors.js';

/**
 * Turns a driver's connection error into a DBF_CONN_* error a person understands. Why a module of its
 * own: the three drivers report the same failures (bad password, nothing listening, unknown host,
 * silence) in three vocabularies, and the rest of dbferry must only ever see one. Classification reads
 * the driver's error CODE (MySQL errno, PostgreSQL SQLSTATE, node errno string, SQLite result code),
 * never its message text, which changes between versions and locales. Messages name host:port and the
 * reason, keep the original error as `cause`, and never contain the password.
 */

/** Where a connection attempt went, for messages. */
export interface ConnectTarget {
  readonly host: string;
  readonly port: number;
  readonly username: string | null;
  readonly password: string | null;
  readonly database: string | null;
  readonly timeoutMs: number;
}

/** `host:port`, with an IPv6 host in brackets. */
export function endpoint(target: Pick<ConnectTarget, 'host' | 'port'>): string {
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  return `${host}:${target.port}`;
}

/** Reads one property of a thrown value without trusting its shape. */
export function errorField(error: unknown, key: string): unknown {
  if (typeof error !== 'object' || error === null || !(key in error)) return undefined;
  return (error as Record<string, unknown>)[key];
}

/**
 * The driver's message, on one line, with the password masked should a driver ever echo it (none does
 * today: we hand them config objects, not URLs). Very short passwords are not masked: replacing every
 * "a" in a message would garble it while hiding nothing an attacker could not guess.
 */
export function driverMessage(error: unknown, password: string | null): string {
  const text = oneLine(error instanceof Error ? error.message : String(error));
  return password !== null && password.length >= 4 ? text.split(password).join('***') : text;
}

function userLabel(target: ConnectTarget): string {
  return target.username === null ? 'the default user' : `user "${target.username}"`;
}

function unknownDatabase(target: ConnectTarget, error: unknown): DbfError {
  const name = target.database ?? '';
  return new DbfError('DBF_CONN_UNKNOWN_DATABASE', `database "${name}" does not exist on ${endpoint(target)}`, { cause: error });
}

function cannotConnect(code: DbfError['code'], target: ConnectTarget, reason: string, error: unknown): DbfError {
  return new DbfError(code, `cannot connect to ${endpoint(target)}: ${reason}`, { cause: error });
}

/** Node's socket and DNS errno codes, the same for every network driver. */
function classifyNetworkCode(code: string, target: ConnectTarget, error: unknown): DbfError | null {
  switch (code) {
    case 'ECONNREFUSED':
      return cannotConnect('DBF_CONN_REFUSED', target, 'connection refused (nothing listens on that port)', error);
    case 'ENOTFOUND':
      return cannotConnect('DBF_CONN_UNREACHABLE', target, `host name "${target.host}" does not resolve`, error);
    case 'EAI_AGAIN':
      return cannotConnect('DBF_CONN_UNREACHABLE', target, `looking up host name "${target.host}" failed (DNS temporarily unavailable)`, error);
    case 'EHOSTUNREACH':
      return cannotConnect('DBF_CONN_UNREACHABLE', target, 'no route to host', error);
    case 'ENETUNREACH':
      return cannotConnect('DBF_CONN_UNREACHABLE', target, 'network is unreachable', error);
    case 'ETIMEDOUT':
    case 'ETIMEOUT':
      return cannotConnect('DBF_CONN_TIMEOUT', target, `no answer within ${target.timeoutMs} ms`, error);
    case 'ECONNRESET':
      return cannotConnect('DBF_CONN_FAILED', target, 'the server closed the connection (is it a database server of this engine, and does it accept SSL as asked?)', error);
    default:
      return null;
  }
}

function failed(target: ConnectTarget, error: unknown): DbfError {
  return cannotConnect('DBF_CONN_FAILED', target, driverMessage(error, target.password), error);
}

/** mysql2, for MySQL and MariaDB: server errors carry a positive MySQL errno, socket errors a node code. */
export function classifyMysqlConnectError(error: unknown, target: ConnectTarget): DbfError {
  if (error instanceof DbfError) return error;
  const code = errorField(error, 'code');
  const network = typeof code === 'string' ? classifyNetworkCode(code, target, error) : null;
  if (network) return network;
  if (code === 'HANDSHAKE_NO_SSL_SUPPORT') {
    return cannotConnect('DBF_CONN_FAILED', target, 'the server does not support SSL (connect without ssl, or enable SSL on the server)', error);
  }
  switch (errorField(error, 'errno')) {
    case 1045: // ER_ACCESS_DENIED_ERROR
    case 1698: // ER_ACCESS_DENIED_NO_PASSWORD_ERROR (e.g. root@localhost via unix_socket only)
      return cannotConnect('DBF_CONN_AUTH', target, `access denied for ${userLabel(target)} (wrong user name or password)`, error);
    case 1044: // ER_DBACCESS_DENIED_ERROR
      return cannotConnect('DBF_CONN_AUTH', target, `${userLabel(target)} may not access database "${target.database ?? ''}"`, error);
    case 1130: // ER_HOST_NOT_PRIVILEGED
      return cannotConnect('DBF_CONN_AUTH', target, 'the server does not allow connections from this host', error);
    case 1049: // ER_BAD_DB_ERROR
      return unknownDatabase(target, error);
    default:
      return failed(target, error);
  }
}

/**
 * pg, for PostgreSQL: server errors carry a SQLSTATE. pg's own connect timeout raises an error with no
 * code at all, so the caller says whether its timer (armed alongside pg's) ran out: `timedOut`.
 */
export function classifyPostgresConnectError(error: unknown, target: ConnectTarget, timedOut: boolean): DbfError {
  if (error instanceof DbfError) return error;
  const code = errorField(error, 'code');
  if (typeof code === 'string') {
    const network = classifyNetworkCode(code, target, error);
    if (network) return network;
    switch (code) {
      case '28P01': // invalid_password
        return cannotConnect('DBF_CONN_AUTH', target, `password authentication failed for ${userLabel(target)} (wrong user name or password)`, error);
      case '28000': // invalid_authorization_specification: no such role, or no pg_hba.conf entry
        return cannotConnect('DBF_CONN_AUTH', target, `the server rejected ${userLabel(target)} (${driverMessage(error, target.password)})`, error);
      case '3D000': // invalid_catalog_name
        return unknownDatabase(target, error);
      default:
        return failed(target, error);
    }
  }
  if (timedOut) return cannotConnect('DBF_CONN_TIMEOUT', target, `no answer within ${target.timeoutMs} ms`, error);
  return failed(target, error);
}

/** better-sqlite3: errors carry the SQLite result code name, e.g. SQLITE_NOTADB. */
export function classifySqliteOpenError(error: unknown, file: string): DbfError {
  if (error instanceof DbfError) return error;
  switch (errorField(error, 'code')) {
    case 'SQLITE_NOTADB':
      return new DbfError('DBF_CONN_FAILED', `cannot open sqlite file "${file}": it is not a SQLite database`, { cause: error });
    case 'SQLITE_CORRUPT':
      return new DbfError('DBF_CONN_FAILED', `cannot open sqlite file "${file}": the database file is corrupt`, { cause: error });
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED':
      return new DbfError('DBF_CONN_FAILED', `cannot open sqlite file "${file}": another process holds a lock on it`, { cause: error });
    default:
      return new DbfError('DBF_CONN_FAILED', `cannot open sqlite file "${file}": ${driverMessage(error, null)}`, { cause: error });
  }
}

/** A query on an open session failed (typically the connection dropped): one line, original as cause. */
export function queryFailed(error: unknown, where: string, what: string, password: string | null): DbfError {
  if (error instanceof DbfError) return error;
  return new DbfError('DBF_CONN_FAILED', `${what} failed on ${where}: ${driverMessage(error, password)}`, { cause: error });
}
