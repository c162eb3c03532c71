import type { Connection } from 'mysql2/promise';
import { DbfError } from '../../domain/errors.js';
import { checkRowFilter } from '../../domain/row-filter.js';
import { driverMessage, errorField } from '../classify-connect-error.js';
import { asRows, toText } from '../rows.js';
import { isTransientMysqlError } from './mysql-copy-connection.js';
import { quoteIdent } from './mysql-sql.js';

/**
 * A row filter checked against a MySQL/MariaDB source, before a config is saved and before a copy
 * is planned: the text check (`checkRowFilter`: one condition, no write words), then the source's own
 * stored functions, then the server's plan of it (EXPLAIN reads no row and runs no function).
 *
 * Why stored functions are refused: a function may write, and a SELECT runs it. The snapshot reads
 * of a copy are `READ ONLY` transactions (a writing function fails there), but the same-server path
 * runs the filter inside an `INSERT … SELECT`, where it would write. A function of the source that the
 * filter names as a call (`name(` or `` `name`( ``, qualified or not) is refused, whatever it does:
 * its text is the function's owner's, and can change after the check. Built-in functions stay
 * allowed: MySQL runs the built-in for an unqualified name even where a stored function has the same
 * name, so such a filter is refused without need (rename the function or call the built-in
 * differently). Loadable UDFs (`CREATE FUNCTION … SONAME`) are not looked up: reading `mysql.func`
 * needs a privilege a copy user rarely has.
 */

/** Maps a failure that is not the filter's fault (a lost connection, a lock wait) to the caller's error. */
export type ServerFailure = (error: unknown, what: string) => Error;

export interface FilterCheckSession {
  readonly conn: Pick<Connection, 'query'>;
  /** Masked in the server's messages. */
  readonly password: string | null;
  readonly serverFailure: ServerFailure;
}

export async function checkMysqlFilter({ conn, password, serverFailure }: FilterCheckSession, database: string, table: string, filter: string): Promise<void> {
  checkRowFilter(filter);
  const called = await storedFunctionsCalled(conn, filter, serverFailure, table);
  if (called.length > 0) {
    throw new DbfError('DBF_INVALID_FILTER', `the filter of ${table} calls the stored function ${called.join(', ')}, which may write: a filter can only use built-in functions`);
  }
  try {
    await conn.query(`EXPLAIN SELECT 1 FROM ${quoteIdent(database)}.${quoteIdent(table)} WHERE (${filter})`);
  } catch (error) {
    // The server refused the statement (an unknown column, a syntax error): the filter's fault. A lost
    // connection or a lock wait is not, and keeps its own error (retryable where it is transient).
    if (typeof errorField(error, 'errno') !== 'number' || isTransientMysqlError(error)) throw serverFailure(error, `checking the filter of ${table}`);
    throw new DbfError('DBF_INVALID_FILTER', `the filter of ${table} is not a valid condition on it: ${driverMessage(error, password)}`);
  }
}

/** The stored functions visible to this user whose names the filter uses as a call, as `schema.name`. */
async function storedFunctionsCalled(conn: Pick<Connection, 'query'>, filter: string, serverFailure: ServerFailure, table: string): Promise<string[]> {
  // Most filters call nothing: no catalogue query for them (it runs per table, at each plan and job).
  if (!filter.includes('(')) return [];
  const rows = await conn.query("SELECT routine_schema AS s, routine_name AS n FROM information_schema.routines WHERE routine_type = 'FUNCTION'").then(
    ([result]) => asRows(result),
    (error: unknown) => {
      throw serverFailure(error, `listing the stored functions the filter of ${table} could call`);
    },
  );
  return rows
    .map((r) => ({ schema: toText(r['s']), name: toText(r['n']) }))
    .filter(({ name }) => callPattern(name).test(filter))
    .map(({ schema, name }) => `${schema}.${name}`);
}

/** `name(`, `` `name`( `` or `db.name(`, in any case, not as the tail of a longer name. */
function callPattern(name: string): RegExp {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?:^|[^A-Za-z0-9_$\\u0080-\\uffff])\`?${escaped}\`?\\s*\\(`, 'iu');
}
