import { DbfError } from '../domain/errors.js';

/**
 * Recognises a unique-key violation by each driver's error code (never by message text):
 * SQLite `SQLITE_CONSTRAINT_UNIQUE`/`_PRIMARYKEY`, PostgreSQL SQLSTATE 23505, MySQL errno 1062.
 * Used to turn a lost race on a name into 409 instead of 500.
 */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, errno } = error as { code?: unknown; errno?: unknown };
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505' || code === 'ER_DUP_ENTRY' || errno === 1062;
}

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH',
  'PROTOCOL_CONNECTION_LOST', 'SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_CANTOPEN', 'SQLITE_READONLY',
  '57P01', '57P02', '57P03', '08000', '08003', '08006',
]);

/**
 * node-postgres reports a lost socket and a pool that could not connect in time without any code, so
 * these two are known by their fixed messages (pg/lib/client.js, pg-pool/index.js).
 */
const PG_CODELESS_LOSS = [/^Connection terminated/, /^timeout exceeded when trying to connect$/, /^Connection terminated due to connection timeout$/];

/** The store's server went away, or SQLite stayed locked past its busy timeout: worth a retry, not a bug. */
export function isStoreUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  if (error instanceof DbfError) return error.code === 'DBF_STORE_UNAVAILABLE';
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string') return UNAVAILABLE_CODES.has(code);
  return typeof message === 'string' && PG_CODELESS_LOSS.some((pattern) => pattern.test(message));
}
