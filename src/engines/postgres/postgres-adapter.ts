import type pg from 'pg';
import { DEFAULT_PORTS, type ConnectionSpec, type SslMode } from '../../domain/connection-url.js';
import { classifyPostgresConnectError, endpoint, queryFailed, type ConnectTarget } from '../classify-connect-error.js';
import type { ConnectOptions, DatabaseInfo, EngineAdapter, EngineSession, TableInfo } from '../ports.js';
import { asRows, byName, toNumber, toText, type Row } from '../rows.js';

/**
 * PostgreSQL through pg. Why a bare Client and not a Pool: each connect() must be a fresh session.
 * A PostgreSQL session sees the catalog of one database only, so listing the tables of another database
 * opens a second, short-lived client to it. int8/numeric values arrive as strings and are converted.
 * pg is loaded on first use: a command that never meets PostgreSQL does not pay its ~20 ms of start-up.
 */

const DEFAULT_DATABASE = 'postgres';

function sslOption(ssl: SslMode): pg.ClientConfig['ssl'] {
  if (ssl === false) return false;
  return { rejectUnauthorized: ssl === true };
}

function targetOf(spec: ConnectionSpec, options: ConnectOptions): ConnectTarget {
  return {
    host: spec.host ?? 'localhost',
    port: spec.port ?? DEFAULT_PORTS.postgres,
    username: spec.username,
    password: spec.password,
    database: spec.database ?? DEFAULT_DATABASE,
    timeoutMs: options.timeoutMs,
  };
}

/**
 * Opens one client. pg's connectionTimeoutMillis fails with an error that has no code, so a timer of
 * the same length, armed just before pg arms its own, records that the deadline passed: an uncoded
 * error after that point is pg's timeout (DBF_CONN_TIMEOUT), not some other failure.
 */
async function openClient(spec: ConnectionSpec, options: ConnectOptions): Promise<{ client: pg.Client; target: ConnectTarget }> {
  const target = targetOf(spec, options);
  const { default: driver } = await import('pg');
  const client = new driver.Client({
    host: target.host,
    port: target.port,
    user: spec.username ?? undefined,
    password: spec.password ?? undefined,
    database: target.database ?? DEFAULT_DATABASE,
    ssl: sslOption(spec.ssl),
    connectionTimeoutMillis: options.timeoutMs,
    application_name: 'dbferry',
  });
  // A connection dropped while idle is reported as an 'error' event; without a listener node would
  // crash the process. The next query on this session rejects with the same error, so it is not lost.
  client.on('error', () => undefined);
  let timedOut = false;
  const deadline = setTimeout(() => {
    timedOut = true;
  }, options.timeoutMs);
  deadline.unref();
  try {
    await client.connect();
  } catch (error) {
    throw classifyPostgresConnectError(error, target, timedOut);
  } finally {
    clearTimeout(deadline);
  }
  return { client, target };
}

const TABLES_SQL = `
  SELECT n.nspname AS schema_name, c.relname AS table_name, c.relkind AS kind,
         CASE WHEN c.relkind = 'p' THEN
                (SELECT SUM(l.reltuples) FILTER (WHERE l.reltuples >= 0)
                   FROM pg_partition_tree(c.oid) AS tree JOIN pg_class AS l ON l.oid = tree.relid
                  WHERE tree.isleaf)
              WHEN c.relkind = 'r' AND c.reltuples >= 0 THEN c.reltuples
         END AS row_estimate,
         CASE WHEN c.relkind = 'r' THEN pg_total_relation_size(c.oid)
              WHEN c.relkind = 'p' THEN
                (SELECT SUM(pg_total_relation_size(tree.relid)) FROM pg_partition_tree(c.oid) AS tree)
         END AS size_bytes
    FROM pg_class AS c
    JOIN pg_namespace AS n ON n.oid = c.relnamespace
   WHERE c.relkind IN ('r', 'p', 'v')
     AND NOT c.relispartition
     AND n.nspname NOT IN ('pg_catalog', 'information_schema')
     AND n.nspname !~ '^pg_(toast|temp_)'`;

class PostgresSession implements EngineSession {
  private closed = false;

  constructor(
    private readonly client: pg.Client,
    private readonly target: ConnectTarget,
    private readonly spec: ConnectionSpec,
    private readonly options: ConnectOptions,
  ) {}

  private async rows(what: string, sql: string, params: readonly string[] = []): Promise<Row[]> {
    return rowsOn(this.client, this.target, what, sql, params);
  }

  async serverVersion(): Promise<string> {
    const [row] = await this.rows('reading the server version', 'SHOW server_version');
    return toText(row?.['server_version']);
  }

  async listDatabases(): Promise<DatabaseInfo[]> {
    const rows = await this.rows(
      'listing databases',
      `SELECT datname AS name,
              CASE WHEN has_database_privilege(datname, 'CONNECT') THEN pg_database_size(datname) END AS size_bytes
         FROM pg_database
        WHERE NOT datistemplate`,
    );
    return rows
      .map((row) => ({ name: toText(row['name']), size_bytes: toNumber(row['size_bytes']), table_count: null }))
      .sort(byName);
  }

  async listTables(database: string): Promise<TableInfo[]> {
    if (database === this.target.database) return tablesOn(this.client, this.target);
    // Another database's catalog is only visible from a session on it. Connecting to a database that
    // does not exist fails with SQLSTATE 3D000, which openClient reports as DBF_CONN_UNKNOWN_DATABASE.
    const other = await openClient({ ...this.spec, database }, this.options);
    try {
      return await tablesOn(other.client, other.target);
    } finally {
      await endClient(other.client);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await endClient(this.client);
  }
}

async function rowsOn(client: pg.Client, target: ConnectTarget, what: string, sql: string, params: readonly string[]): Promise<Row[]> {
  try {
    const result = await client.query<Record<string, unknown>>(sql, [...params]);
    return asRows(result.rows);
  } catch (error) {
    throw queryFailed(error, `${endpoint(target)}/${target.database ?? ''}`, what, target.password);
  }
}

async function tablesOn(client: pg.Client, target: ConnectTarget): Promise<TableInfo[]> {
  const rows = await rowsOn(client, target, 'listing tables', TABLES_SQL, []);
  return rows
    .map((row): TableInfo => {
      const schema = toText(row['schema_name']);
      const table = toText(row['table_name']);
      return {
        name: schema === 'public' ? table : `${schema}.${table}`,
        type: toText(row['kind']) === 'v' ? 'view' : 'table',
        row_estimate: toNumber(row['row_estimate']),
        size_bytes: toNumber(row['size_bytes']),
      };
    })
    .sort(byName);
}

async function endClient(client: pg.Client): Promise<void> {
  try {
    await client.end();
  } catch {
    // end() can only fail on a connection the server already dropped: the socket is gone either way,
    // and there is nothing left to tell the caller about a session being closed.
  }
}

export class PostgresAdapter implements EngineAdapter {
  async connect(spec: ConnectionSpec, options: ConnectOptions): Promise<EngineSession> {
    const { client, target } = await openClient(spec, options);
    return new PostgresSession(client, target, spec, options);
  }
}
