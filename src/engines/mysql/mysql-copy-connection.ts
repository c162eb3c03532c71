import type { Connection as CoreConnection } from 'mysql2';
import type { Connection } from 'mysql2/promise';
import { DEFAULT_PORTS } from '../../domain/connection-url.js';
import type { ConnectionSpec } from '../../domain/connection-url.js';
import { DbfError } from '../../domain/errors.js';
import { classifyMysqlConnectError, driverMessage, endpoint, errorField } from '../classify-connect-error.js';
import type { ConnectTarget } from '../classify-connect-error.js';

/**
 * Connections of the MySQL copy path. Each end holds two: `meta` (utf8mb4) for catalog queries, DDL,
 * checksums and warnings, and `data` (charset binary) that streams or inserts raw bytes, so that
 * nothing converts a value on the way (see mysql-sql.ts). Sessions are pinned: UTC, and an sql_mode
 * that accepts every value a source can hold (zero dates) while keeping 0 in AUTO_INCREMENT columns.
 * Not strict: the writer checks the warnings of every batch instead, so a changed value still fails.
 * lock_wait_timeout is 10 minutes, not the server's default year: a DDL stuck behind someone's lock
 * fails (error 1205, retried) instead of holding the job forever.
 */

export const COPY_SQL_MODE = 'NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION';

export interface CopyConnections {
  readonly meta: Connection;
  readonly data: Connection;
  /** The callback API of `data`: only it can stream a result with backpressure. */
  readonly dataStream: CoreConnection;
  readonly target: ConnectTarget;
}

function targetOf(spec: ConnectionSpec, timeoutMs: number): ConnectTarget {
  return { host: spec.host ?? 'localhost', port: spec.port ?? DEFAULT_PORTS.mysql, username: spec.username, password: spec.password, database: null, timeoutMs };
}

export async function openConnection(spec: ConnectionSpec, timeoutMs: number, charset: 'utf8mb4' | 'binary'): Promise<{ conn: Connection; core: CoreConnection }> {
  const target = targetOf(spec, timeoutMs);
  // Loaded on first use, like every driver: a run that never meets MySQL does not pay its start-up.
  // `.default` (module.exports): the bundle gives a CommonJS package's import() no named exports.
  const { createConnection } = (await import('mysql2')).default;
  let core: CoreConnection;
  try {
    core = createConnection({
      host: target.host,
      port: target.port,
      user: spec.username ?? undefined,
      password: spec.password ?? undefined,
      charset: charset === 'binary' ? 'BINARY' : 'UTF8MB4_GENERAL_CI',
      connectTimeout: timeoutMs,
      ssl: spec.ssl === false ? undefined : { rejectUnauthorized: spec.ssl === true },
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: true,
      jsonStrings: true,
      // The data connection never takes placeholders (values are inlined as bytes), so its statements
      // go out as built: mysql2 would otherwise scan every multi-megabyte INSERT for `?` (7% of the
      // client CPU of a clone, measured here).
      ...(charset === 'binary' ? { queryFormat: (sql: string) => sql } : {}),
    });
    await new Promise<void>((resolve, reject) => {
      core.once('connect', () => resolve());
      core.once('error', reject);
    });
  } catch (error) {
    throw classifyMysqlConnectError(error, target);
  }
  // A dropped connection is also reported as an 'error' event, which would crash the process without
  // a listener; the statement in flight rejects with the same error, and that is what callers handle.
  core.on('error', () => undefined);
  const conn = core.promise();
  await conn.query(`SET SESSION time_zone = '+00:00', SESSION sql_mode = '${COPY_SQL_MODE}', SESSION foreign_key_checks = 0, SESSION lock_wait_timeout = 600`);
  return { conn, core };
}

/** Both sessions are opened at once (each is a handshake and a SET); if either fails, the other is closed. */
export async function openCopyConnections(spec: ConnectionSpec, timeoutMs: number): Promise<CopyConnections> {
  const [meta, data] = await Promise.allSettled([openConnection(spec, timeoutMs, 'utf8mb4'), openConnection(spec, timeoutMs, 'binary')]);
  if (meta.status === 'rejected' || data.status === 'rejected') {
    for (const opened of [meta, data]) if (opened.status === 'fulfilled') opened.value.conn.destroy();
    // The meta session's failure first when both failed: they name the same server and reason.
    const [reason] = [meta, data].flatMap((opened) => (opened.status === 'rejected' ? [opened.reason as unknown] : []));
    throw reason;
  }
  return { meta: meta.value.conn, data: data.value.conn, dataStream: data.value.core, target: targetOf(spec, timeoutMs) };
}

export async function closeCopyConnections(connections: CopyConnections): Promise<void> {
  for (const conn of [connections.data, connections.meta]) {
    // end() rejects when the server already dropped the connection; destroy() frees the socket
    // either way, and a session being closed has nothing left to report.
    await conn.end().catch(() => conn.destroy());
  }
}

/**
 * Stops the statements in flight on both connections (cancel): a fresh connection sends KILL QUERY,
 * because the session's own connections are busy with the very statements to stop.
 */
export async function killQueries(spec: ConnectionSpec, connections: CopyConnections, timeoutMs: number): Promise<void> {
  const { conn: killer } = await openConnection(spec, timeoutMs, 'utf8mb4');
  try {
    for (const conn of [connections.data, connections.meta]) {
      await killer.query(`KILL QUERY ${Number(conn.threadId)}`).catch((error: unknown) => {
        // 1094 "Unknown thread id": that connection already ended; nothing is left to stop.
        if (errorField(error, 'errno') !== 1094) throw error;
      });
    }
  } finally {
    await killer.end().catch(() => killer.destroy());
  }
}

/** MySQL error numbers and socket codes after which the same work may succeed on a fresh connection. */
const TRANSIENT_ERRNOS = new Set([1205, 1213, 2006, 2013, 1040, 1158, 1159, 1160, 1161, 1927, 4031]);
const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'PROTOCOL_CONNECTION_LOST', 'ER_CONNECTION_KILLED', 'ER_SERVER_SHUTDOWN']);

export function isTransientMysqlError(error: unknown): boolean {
  const errno = errorField(error, 'errno');
  const code = errorField(error, 'code');
  // mysql2 marks the errors after which a connection is dead as fatal; without a server error number
  // they are the client's own ("Can't add new command when connection is in closed state" after a
  // dropped socket): a fresh session may work.
  const deadConnection = errorField(error, 'fatal') === true && errno === undefined;
  return (typeof errno === 'number' && TRANSIENT_ERRNOS.has(errno)) || (typeof code === 'string' && TRANSIENT_CODES.has(code)) || deadConnection;
}

/** A failed statement of the copy as a DbfError: transient ones are DBF_CONN_FAILED (retryable). */
export function copyFailed(error: unknown, connections: Pick<CopyConnections, 'target'>, what: string): DbfError {
  if (error instanceof DbfError) return error;
  const message = `${what} failed on ${endpoint(connections.target)}: ${driverMessage(error, connections.target.password)}`;
  return new DbfError(isTransientMysqlError(error) ? 'DBF_CONN_FAILED' : 'DBF_COPY_FAILED', message, { cause: error });
}
