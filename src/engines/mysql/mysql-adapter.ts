import type { Connection, ConnectionOptions } from 'mysql2/promise';
import { DEFAULT_PORTS, type ConnectionSpec, type SslMode } from '../../domain/connection-url.js';
import { DbfError } from '../../domain/errors.js';
import { classifyMysqlConnectError, endpoint, queryFailed, type ConnectTarget } from '../classify-connect-error.js';
import { checkMysqlFilter } from './mysql-filter-check.js';
import type { ConnectOptions, DatabaseInfo, EngineAdapter, EngineSession, TableInfo } from '../ports.js';
import { asRows, byName, toNumber, toText, type Row } from '../rows.js';

/**
 * MySQL and MariaDB through mysql2. Why one adapter for both: everything dbferry asks here (version,
 * schemata, table statistics) reads the same information_schema on both servers. Each connect() opens
 * one fresh connection, never a pool, so a session never sees a handle from before an edit.
 */

const SYSTEM_SCHEMAS = ['information_schema', 'performance_schema', 'mysql', 'sys'] as const;

function sslOption(ssl: SslMode): ConnectionOptions['ssl'] {
  if (ssl === false) return undefined;
  return { rejectUnauthorized: ssl === true };
}

function targetOf(spec: ConnectionSpec, options: ConnectOptions): ConnectTarget {
  return {
    host: spec.host ?? 'localhost',
    port: spec.port ?? DEFAULT_PORTS.mysql,
    username: spec.username,
    password: spec.password,
    database: spec.database,
    timeoutMs: options.timeoutMs,
  };
}

class MysqlSession implements EngineSession {
  private closed = false;

  constructor(
    private readonly conn: Connection,
    private readonly target: ConnectTarget,
  ) {}

  private async rows(what: string, sql: string, params: readonly string[] = []): Promise<Row[]> {
    try {
      const [result] = await this.conn.execute(sql, [...params]);
      return asRows(result);
    } catch (error) {
      throw queryFailed(error, endpoint(this.target), what, this.target.password);
    }
  }

  async checkFilter(database: string, table: string, filter: string): Promise<void> {
    const serverFailure = (error: unknown, what: string): Error => queryFailed(error, endpoint(this.target), what, this.target.password);
    await checkMysqlFilter({ conn: this.conn, password: this.target.password, serverFailure }, database, table, filter);
  }

  async serverVersion(): Promise<string> {
    const [row] = await this.rows('reading the server version', 'SELECT VERSION() AS version');
    return toText(row?.['version']);
  }

  async listDatabases(): Promise<DatabaseInfo[]> {
    const placeholders = SYSTEM_SCHEMAS.map(() => '?').join(', ');
    const rows = await this.rows(
      'listing databases',
      `SELECT s.schema_name AS name,
              SUM(t.data_length + t.index_length) AS size_bytes,
              COUNT(CASE WHEN t.table_type IN ('BASE TABLE', 'SYSTEM VERSIONED') THEN 1 END) AS table_count
         FROM information_schema.schemata s
         LEFT JOIN information_schema.tables t ON t.table_schema = s.schema_name
        WHERE s.schema_name NOT IN (${placeholders})
        GROUP BY s.schema_name`,
      SYSTEM_SCHEMAS,
    );
    return rows
      .map((row) => ({
        name: toText(row['name']),
        // A database without tables has no sum: it takes no space.
        size_bytes: toNumber(row['size_bytes']) ?? 0,
        table_count: toNumber(row['table_count']),
      }))
      .sort(byName);
  }

  async listTables(database: string): Promise<TableInfo[]> {
    const exists = await this.rows(
      'looking up the database',
      'SELECT schema_name AS name FROM information_schema.schemata WHERE schema_name = ?',
      [database],
    );
    if (exists.length === 0) {
      throw new DbfError('DBF_CONN_UNKNOWN_DATABASE', `database "${database}" does not exist on ${endpoint(this.target)}`);
    }
    const rows = await this.rows(
      'listing tables',
      `SELECT table_name AS name, table_type AS type, table_rows AS row_estimate,
              data_length + index_length AS size_bytes
         FROM information_schema.tables
        WHERE table_schema = ? AND table_type IN ('BASE TABLE', 'SYSTEM VERSIONED', 'VIEW')`,
      [database],
    );
    return rows
      .map((row): TableInfo => {
        const isView = toText(row['type']) === 'VIEW';
        return {
          name: toText(row['name']),
          type: isView ? 'view' : 'table',
          row_estimate: isView ? null : toNumber(row['row_estimate']),
          size_bytes: isView ? null : toNumber(row['size_bytes']),
        };
      })
      .sort(byName);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.conn.end();
    } catch {
      // end() rejects when the server already dropped the connection; destroy() frees the socket
      // either way, and there is nothing left to tell the caller about a session being closed.
      this.conn.destroy();
    }
  }
}

export class MysqlAdapter implements EngineAdapter {
  async connect(spec: ConnectionSpec, options: ConnectOptions): Promise<EngineSession> {
    const target = targetOf(spec, options);
    // Loaded on first use: a command that never meets MySQL does not pay its start-up.
    const { createConnection } = (await import('mysql2/promise')).default;
    let conn: Connection;
    try {
      conn = await createConnection({
        host: target.host,
        port: target.port,
        user: spec.username ?? undefined,
        password: spec.password ?? undefined,
        database: spec.database ?? undefined,
        charset: 'utf8mb4',
        connectTimeout: options.timeoutMs,
        ssl: sslOption(spec.ssl),
      });
    } catch (error) {
      throw classifyMysqlConnectError(error, target);
    }
    // A dropped connection is reported as an 'error' event; without a listener node would crash the
    // process. The next query on this session rejects with the same error, so it is not lost.
    conn.on('error', () => undefined);
    return new MysqlSession(conn, target);
  }
}
