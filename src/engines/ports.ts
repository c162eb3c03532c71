import type { ConnectionSpec } from '../domain/connection-url.js';

/**
 * What the rest of dbferry may ask of a database engine. Engine differences live behind these
 * interfaces (and, later, capability flags): nothing outside engines/ tests an engine's name.
 * Every failure to connect is a DbfError with a DBF_CONN_* code classified from the driver's error
 * code (never its message text): bad password, refused, unreachable, timeout, unknown database.
 */

export interface DatabaseInfo {
  readonly name: string;
  /** Total size of its tables and indexes, when the engine can tell cheaply. */
  readonly size_bytes: number | null;
  readonly table_count: number | null;
}

export interface TableInfo {
  readonly name: string;
  readonly type: 'table' | 'view';
  /** The engine's row estimate (statistics), not an exact count. */
  readonly row_estimate: number | null;
  /** Data plus indexes in bytes. */
  readonly size_bytes: number | null;
}

/** One open session on a server, owned by the caller, who must close it. */
export interface EngineSession {
  serverVersion(): Promise<string>;
  /** User databases (system schemas left out), sorted by name. */
  listDatabases(): Promise<DatabaseInfo[]>;
  /** Base tables and views of one database, sorted by name. Unknown database → DBF_CONN_UNKNOWN_DATABASE. */
  listTables(database: string): Promise<TableInfo[]>;
  /**
   * Asks the server whether a row filter is a valid condition on a table (EXPLAIN: no row is read); a
   * bad one is DBF_INVALID_FILTER with the server's reason. Absent where an engine cannot copy yet.
   */
  checkFilter?(database: string, table: string, filter: string): Promise<void>;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** Give up connecting after this long (DBF_CONN_TIMEOUT). */
  readonly timeoutMs: number;
}

export interface EngineAdapter {
  /** Opens a fresh, unpooled session: a test never reuses a handle from before an edit. */
  connect(spec: ConnectionSpec, options: ConnectOptions): Promise<EngineSession>;
}
