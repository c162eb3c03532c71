import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { checkRowFilter } from '../../domain/row-filter.js';
import { mainTable } from './sqlite-copy-sql.js';
import Database from 'better-sqlite3';
import type { ConnectionSpec } from '../../domain/connection-url.js';
import { DbfError } from '../../domain/errors.js';
import { classifySqliteOpenError, driverMessage, errorField, queryFailed } from '../classify-connect-error.js';
import type { ConnectOptions, DatabaseInfo, EngineAdapter, EngineSession, TableInfo } from '../ports.js';
import { asRow, asRows, byName, toNumber, toText } from '../rows.js';

/**
 * SQLite through better-sqlite3. Why read-only and fileMustExist: browsing a source must never create
 * an empty file from a mistyped path, nor write to the user's file. A SQLite file holds one database,
 * which SQLite itself calls "main"; that is the only name listTables accepts.
 */

const MAIN = 'main';

/** Names starting with "sqlite_" (any case) are SQLite's own tables. */
const USER_OBJECTS = `type IN ('table', 'view') AND lower(substr(name, 1, 7)) <> 'sqlite_'`;

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

class SqliteSession implements EngineSession {
  private closed = false;

  constructor(
    private readonly db: Database.Database,
    private readonly file: string,
  ) {}

  private all(what: string, sql: string): ReturnType<typeof asRows> {
    try {
      return asRows(this.db.prepare(sql).all());
    } catch (error) {
      throw queryFailed(error, `sqlite file "${this.file}"`, what, null);
    }
  }

  serverVersion(): Promise<string> {
    const [row] = this.all('reading the SQLite version', 'SELECT sqlite_version() AS version');
    return Promise.resolve(`SQLite ${toText(row?.['version'])}`);
  }

  listDatabases(): Promise<DatabaseInfo[]> {
    const [size] = this.all(
      'reading the file size',
      'SELECT p.page_count * s.page_size AS size_bytes FROM pragma_page_count() AS p, pragma_page_size() AS s',
    );
    const [count] = this.all('counting tables', `SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table' AND ${USER_OBJECTS}`);
    return Promise.resolve([{ name: MAIN, size_bytes: toNumber(size?.['size_bytes']), table_count: toNumber(count?.['n']) }]);
  }

  async checkFilter(_database: string, table: string, filter: string): Promise<void> {
    checkRowFilter(filter);
    try {
      this.db.prepare(`EXPLAIN SELECT 1 FROM ${mainTable(table)} WHERE (${filter})`).all();
    } catch (error) {
      throw new DbfError('DBF_INVALID_FILTER', `the filter of ${table} is not a valid condition on it: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  listTables(database: string): Promise<TableInfo[]> {
    if (database !== MAIN) {
      return Promise.reject(
        new DbfError('DBF_CONN_UNKNOWN_DATABASE', `database "${database}" does not exist in sqlite file "${this.file}" (its only database is "main")`),
      );
    }
    const objects = this.all('listing tables', `SELECT name, type, sql FROM sqlite_schema WHERE ${USER_OBJECTS}`);
    const sizes = this.tableSizes();
    const tables = objects.map((row): TableInfo => {
      const name = toText(row['name']);
      const sql = typeof row['sql'] === 'string' ? row['sql'] : '';
      // A virtual table's rows live in its module (or its shadow tables), which this build may lack.
      const counted = toText(row['type']) === 'table' && !/^\s*create\s+virtual\b/i.test(sql);
      return {
        name,
        type: toText(row['type']) === 'view' ? 'view' : 'table',
        row_estimate: counted ? this.countRows(name) : null,
        size_bytes: counted ? (sizes?.get(name) ?? 0) : null,
      };
    });
    return Promise.resolve(tables.sort(byName));
  }

  /** SQLite keeps no row statistics it can give cheaply; an exact count is the estimate. */
  private countRows(table: string): number | null {
    const [row] = this.all(`counting rows of "${table}"`, `SELECT count(*) AS n FROM main.${quoteIdent(table)}`);
    return toNumber(row?.['n']);
  }

  /** Bytes per table, indexes included, from the dbstat virtual table; null when this build lacks it. */
  private tableSizes(): Map<string, number> | null {
    const options = this.all('reading compile options', 'SELECT compile_options AS option FROM pragma_compile_options');
    if (!options.some((row) => row['option'] === 'ENABLE_DBSTAT_VTAB')) return null;
    const rows = this.all(
      'measuring tables',
      `SELECT s.tbl_name AS name, SUM(d.pgsize) AS size_bytes
         FROM dbstat AS d JOIN sqlite_schema AS s ON s.name = d.name
        GROUP BY s.tbl_name`,
    );
    return new Map(rows.map((row) => [toText(row['name']), toNumber(row['size_bytes']) ?? 0]));
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.db.close();
    }
    return Promise.resolve();
  }
}

/** Checks the path before SQLite sees it, so a missing file is told apart from an unreadable one. */
async function checkFile(file: string): Promise<void> {
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new DbfError('DBF_CONN_FAILED', `cannot open sqlite file "${file}": it is not a regular file`);
  } catch (error) {
    if (error instanceof DbfError) throw error;
    const code = errorField(error, 'code');
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new DbfError('DBF_CONN_UNKNOWN_DATABASE', `sqlite file "${file}" does not exist`, { cause: error });
    }
    const reason = code === 'EACCES' ? 'permission denied' : driverMessage(error, null);
    throw new DbfError('DBF_CONN_FAILED', `cannot open sqlite file "${file}": ${reason}`, { cause: error });
  }
}

export class SqliteAdapter implements EngineAdapter {
  async connect(spec: ConnectionSpec, options: ConnectOptions): Promise<EngineSession> {
    if (spec.database === null || spec.database === '') {
      throw new DbfError('DBF_INVALID_URL', 'the sqlite connection has no file path: use sqlite:path/to/file.db');
    }
    const file = resolve(process.cwd(), spec.database);
    await checkFile(file);
    let db: Database.Database | null = null;
    try {
      db = new Database(file, { readonly: true, fileMustExist: true, timeout: options.timeoutMs });
      // Opening is lazy: the header is only read by the first statement, which is where a file that
      // is not a database (SQLITE_NOTADB) shows itself.
      asRow(db.prepare('SELECT count(*) AS n FROM sqlite_schema').get());
    } catch (error) {
      db?.close();
      throw classifySqliteOpenError(error, file);
    }
    return new SqliteSession(db, file);
  }
}
