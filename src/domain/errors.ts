/**
 * The one error catalogue. Every failure dbferry reports carries a `DBF_*` code from this table, which
 * decides its HTTP status, CLI exit code and whether retrying can help. Code branches on `code`, never
 * on message text. `docs/ERRORS.md` documents each code; `errors.test.ts` checks that every code here
 * is documented and raised somewhere in the source.
 *
 * Exit codes (product.md): 0 ok; 1 the job failed or verification found differences; 2 bad usage or
 * invalid input; 3 cannot connect; 130 interrupted.
 */

export interface ErrorSpec {
  /** Default one-line message, used when the raiser does not give a more specific one. */
  readonly message: string;
  readonly httpStatus: number;
  readonly exitCode: 0 | 1 | 2 | 3 | 130;
  readonly retryable: boolean;
}

const spec = (message: string, httpStatus: number, exitCode: ErrorSpec['exitCode'], retryable = false): ErrorSpec => ({
  message,
  httpStatus,
  exitCode,
  retryable,
});

export const ERROR_CATALOGUE = {
  // Bad input: the caller can fix it.
  DBF_USAGE: spec('invalid command-line usage', 400, 2),
  DBF_INVALID_INPUT: spec('the request is invalid', 400, 2),
  DBF_INVALID_JSON: spec('the request body is not valid JSON', 400, 2),
  DBF_PAYLOAD_TOO_LARGE: spec('the request body is too large', 413, 2),
  DBF_INVALID_URL: spec('the connection URL is malformed', 400, 2),
  DBF_UNKNOWN_ENGINE: spec('unknown database engine', 400, 2),
  DBF_INVALID_PORT: spec('the port must be an integer between 1 and 65535', 400, 2),
  DBF_INVALID_FILTER: spec('the filter is not a plain row condition', 400, 2),
  DBF_INVALID_SYNC_CONFIG: spec('the sync config is invalid', 400, 2),
  DBF_TABLE_NOT_FOUND: spec('a table named in the sync config does not exist in the source', 422, 2),
  DBF_CONFIG_UNKNOWN_KEY: spec('the configuration has an unknown key', 400, 2),
  DBF_CONFIG_INVALID: spec('the configuration is invalid', 400, 2),
  DBF_FILE_UNREADABLE: spec('the file cannot be read', 400, 2),
  DBF_FILE_UNWRITABLE: spec('the file cannot be written', 400, 2),
  DBF_INVALID_IMPORT: spec('the config export file is invalid', 400, 2),
  // Who may call the API.
  DBF_UNAUTHORIZED: spec('the API needs a valid token: send Authorization: Bearer <token>', 401, 2),
  DBF_FORBIDDEN: spec("the token's role may not do this", 403, 2),
  // Lookups and conflicts.
  DBF_ROUTE_NOT_FOUND: spec('no such API route', 404, 2),
  DBF_CONNECTION_NOT_FOUND: spec('no such connection', 404, 2),
  DBF_SYNC_CONFIG_NOT_FOUND: spec('no such sync config', 404, 2),
  DBF_DUPLICATE_NAME: spec('the name is already taken', 409, 2),
  DBF_IMPORT_CONFLICT: spec('the import would change existing connections or sync configs', 409, 2),
  DBF_CONNECTION_IN_USE: spec('the connection is used by a sync config', 409, 2),
  DBF_SYNC_CONFIG_BUSY: spec('the sync config has an active job', 409, 2),
  DBF_SYNC_CONFIG_DISABLED: spec('the sync config is disabled', 409, 2),
  DBF_JOB_NOT_FOUND: spec('no such job', 404, 2),
  DBF_JOB_ALREADY_ACTIVE: spec('the sync config already has an active job', 409, 2),
  DBF_TARGET_BUSY: spec('another active job writes the same target table', 409, 2),
  DBF_JOB_NOT_ACTIVE: spec('the job has already finished', 409, 2),
  // Reaching a database that dbferry copies from or to.
  DBF_CONN_AUTH: spec('the server refused the user name or password', 422, 3),
  DBF_CONN_REFUSED: spec('the server refused the connection (nothing listens on that port)', 422, 3, true),
  DBF_CONN_UNREACHABLE: spec('the host cannot be reached', 422, 3, true),
  DBF_CONN_TIMEOUT: spec('the connection timed out', 422, 3, true),
  DBF_CONN_UNKNOWN_DATABASE: spec('the database does not exist', 422, 3),
  DBF_CONN_FAILED: spec('the connection failed', 422, 3, true),
  // dbferry's own metadata store and secrets.
  DBF_STORE_UNAVAILABLE: spec('the metadata store is unavailable', 503, 3, true),
  DBF_NO_WORKER: spec('no live worker is running: pending jobs will wait', 503, 1, true),
  DBF_STORE_TOO_NEW: spec('the metadata store was migrated by a newer dbferry', 503, 2),
  DBF_SECRET_KEY_INVALID: spec('the secret key is invalid', 500, 2),
  DBF_SECRET_DECRYPT_FAILED: spec('a stored secret cannot be decrypted with this secret key', 500, 2),
  // How a job ends when it does not complete (exit 1: the job failed).
  DBF_WORKER_LOST: spec('the worker running the job stopped and no attempts are left', 500, 1, true),
  DBF_JOB_TIMEOUT: spec('the job ran longer than job_timeout_ms', 500, 1),
  DBF_JOB_CANCELLED: spec('the job was cancelled', 409, 1),
  DBF_LEASE_LOST: spec("the worker lost the job's lease; another attempt owns it now", 409, 1, true),
  DBF_TASK_FAILED: spec('the task failed', 500, 1),
  DBF_LIFECYCLE_UNSOUND: spec('the job broke a lifecycle invariant', 500, 1),
  // The copy itself.
  DBF_COPY_FAILED: spec('copying a table failed', 500, 1),
  DBF_VERIFY_MISMATCH: spec('the copy differs from the source', 500, 1),
  DBF_NO_CURSOR: spec('the table has no column an incremental sync can follow', 422, 2),
  DBF_SCHEMA_CHANGED: spec("the source table's columns changed in a way an incremental sync cannot apply", 409, 1),
  DBF_SYNC_CONFLICT: spec('a changed row differs from the row the target already holds (conflict_resolution: error)', 409, 1),
  // Everything else.
  DBF_NOT_IMPLEMENTED: spec('this capability has not landed yet', 501, 2),
  DBF_INTERRUPTED: spec('interrupted', 499, 130),
  DBF_INTERNAL: spec('internal error', 500, 1),
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export const ERROR_CODES = Object.keys(ERROR_CATALOGUE) as ErrorCode[];

export interface DbfErrorOptions {
  readonly details?: unknown;
  readonly cause?: unknown;
}

/** The error every layer throws. `message` is one line a person understands. */
export class DbfError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;

  constructor(code: ErrorCode, message?: string, options: DbfErrorOptions = {}) {
    super(message ?? ERROR_CATALOGUE[code].message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DbfError';
    this.code = code;
    this.details = options.details;
  }

  get spec(): ErrorSpec {
    return ERROR_CATALOGUE[this.code];
  }
}

export function isDbfError(value: unknown): value is DbfError {
  return value instanceof DbfError;
}

/** Turns anything thrown into a DbfError, keeping the original as `cause`. */
export function toDbfError(value: unknown): DbfError {
  if (value instanceof DbfError) return value;
  const message = value instanceof Error ? value.message : String(value);
  return new DbfError('DBF_INTERNAL', `internal error: ${oneLine(message)}`, { cause: value });
}

/** Error messages are one line: drivers sometimes add newlines and trailing detail. */
export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
