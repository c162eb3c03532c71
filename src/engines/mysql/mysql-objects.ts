import { DbfError } from '../../domain/errors.js';
import type { DatabaseObject, ObjectCopier, ObjectKind } from '../copy-ports.js';
import { asRows, byName, toNumber, toText } from '../rows.js';
import type { Row } from '../rows.js';
import { copyFailed } from './mysql-copy-connection.js';
import type { CopyConnections } from './mysql-copy-connection.js';
import { asMysqlSource } from './mysql-copy-source.js';
import type { MysqlCopySource } from './mysql-copy-source.js';
import { asMysqlTarget } from './mysql-copy-target.js';
import type { MysqlCopyTarget } from './mysql-copy-target.js';
import { clientCharset, dialectOf, orderViews, targetStatement } from './mysql-object-ddl.js';
import { quoteIdent } from './mysql-sql.js';

/**
 * Views, routines, triggers and events of a MySQL/MariaDB database (`--objects`), taken from
 * SHOW CREATE and created on the target with the session they were created in.
 *
 * Definer: the `DEFINER=` clause is dropped, so the target's user becomes the definer. The source's
 * account may not exist on the target server (an object whose definer is missing fails at every use),
 * and creating an object for another account needs SET USER / SUPER there. SQL SECURITY is kept.
 */

/** An object with what recreating it needs beyond the port's view (like MysqlCopyTable). */
export interface MysqlDatabaseObject extends DatabaseObject {
  /** The source database, whose name the rewrite points at the target database. */
  readonly database: string;
  /** The object's sql_mode; for a view, the mode of the session that printed it (views keep none). */
  readonly sqlMode: string;
  readonly characterSetClient: string;
  readonly collationConnection: string;
  /** An event's time zone (its schedule is written in it); null for other kinds. */
  readonly timeZone: string | null;
}

interface Session {
  readonly sqlMode: string;
  readonly timeZone: string;
  readonly characterSetClient: string;
  readonly collationConnection: string;
  readonly database: string | null;
}

const SHOW: Record<ObjectKind, { readonly keyword: string; readonly column: string }> = {
  view: { keyword: 'VIEW', column: 'Create View' },
  function: { keyword: 'FUNCTION', column: 'Create Function' },
  procedure: { keyword: 'PROCEDURE', column: 'Create Procedure' },
  trigger: { keyword: 'TRIGGER', column: 'SQL Original Statement' },
  event: { keyword: 'EVENT', column: 'Create Event' },
};

export function asMysqlObject(object: DatabaseObject): MysqlDatabaseObject {
  if (!('sqlMode' in object) || !('database' in object)) throw new TypeError(`${object.kind} ${object.name} was not listed by the MySQL engine`);
  return object as MysqlDatabaseObject;
}

async function query(end: { readonly connections: CopyConnections }, what: string, sql: string, params: readonly unknown[] = []): Promise<Row[]> {
  try {
    const [rows] = await end.connections.meta.query(sql, [...params]);
    return Array.isArray(rows) ? asRows(rows) : [];
  } catch (error) {
    throw copyFailed(error, end.connections, what);
  }
}

async function names(source: MysqlCopySource, what: string, sql: string): Promise<Row[]> {
  return query(source, `listing the ${what} of the source`, sql, [source.database]);
}

async function describe(source: MysqlCopySource, kind: ObjectKind, name: string, table: string | null, printedIn: string): Promise<MysqlDatabaseObject> {
  const { keyword, column } = SHOW[kind];
  const label = `${kind} ${name}`;
  const [row] = await query(source, `reading the definition of ${label}`, `SHOW CREATE ${keyword} ${quoteIdent(source.database)}.${quoteIdent(name)}`);
  const ddl = row?.[column];
  if (ddl === null || ddl === undefined) {
    // The server answers NULL rather than an error when the user may not read the body.
    throw new DbfError('DBF_COPY_FAILED', `${label}: the source user may not read its definition (SHOW CREATE ${keyword} answered no statement)`);
  }
  return {
    kind,
    name,
    table,
    ddl: toText(ddl),
    database: source.database,
    sqlMode: kind === 'view' ? printedIn : toText(row?.['sql_mode']),
    characterSetClient: toText(row?.['character_set_client']),
    collationConnection: toText(row?.['collation_connection']),
    timeZone: kind === 'event' ? toText(row?.['time_zone']) : null,
  };
}

async function readSession(target: MysqlCopyTarget): Promise<Session> {
  const [row] = await query(
    target,
    'reading the session settings of the target',
    'SELECT @@session.sql_mode AS m, @@session.time_zone AS tz, @@session.character_set_client AS cs, @@session.collation_connection AS co, DATABASE() AS db',
  );
  const db = row?.['db'];
  return {
    sqlMode: toText(row?.['m']),
    timeZone: toText(row?.['tz']),
    characterSetClient: toText(row?.['cs']),
    collationConnection: toText(row?.['co']),
    database: db === null || db === undefined ? null : toText(db),
  };
}

const SET_SESSION = 'SET SESSION sql_mode = ?, SESSION time_zone = ?, SESSION character_set_client = ?, SESSION collation_connection = ?';

async function restoreSession(target: MysqlCopyTarget, saved: Session): Promise<void> {
  await query(target, 'restoring the session settings of the target', SET_SESSION, [saved.sqlMode, saved.timeZone, saved.characterSetClient, saved.collationConnection]);
  if (saved.database !== null) await query(target, 'restoring the default database of the target', `USE ${quoteIdent(saved.database)}`);
}

async function createObject(target: MysqlCopyTarget, object: MysqlDatabaseObject, saved: Session): Promise<void> {
  const label = `${object.kind} ${object.name}`;
  const settings = [object.sqlMode, object.timeZone ?? saved.timeZone, clientCharset(object.characterSetClient, object.ddl), object.collationConnection];
  await query(target, `setting the session for ${label}`, SET_SESSION, settings);
  const qualified = `${quoteIdent(target.database)}.${quoteIdent(object.name)}`;
  await query(target, `dropping ${label}`, `DROP ${SHOW[object.kind].keyword} IF EXISTS ${qualified}`);
  await query(target, `creating ${label}`, targetStatement(object, object.database, target.database, object.sqlMode));
}

export const mysqlObjectCopier: ObjectCopier = {
  /**
   * Functions and procedures first (views and triggers call them; routine bodies resolve names only
   * when run), then views after the views they read, then triggers by table and ACTION_ORDER, then events.
   */
  async list(sourcePort): Promise<MysqlDatabaseObject[]> {
    const source = asMysqlSource(sourcePort);
    // SHOW CREATE VIEW prints in the session's sql_mode (quoting): the view is created in the same one.
    const [mode] = await query(source, 'reading the session sql_mode of the source', 'SELECT @@session.sql_mode AS m');
    const printedIn = toText(mode?.['m']);
    const routines = await names(source, 'routines', "SELECT routine_name AS name, LOWER(routine_type) AS kind FROM information_schema.routines WHERE routine_schema = ? AND routine_type IN ('FUNCTION', 'PROCEDURE')");
    const views = await names(source, 'views', 'SELECT table_name AS name FROM information_schema.views WHERE table_schema = ?');
    const triggers = await names(source, 'triggers', 'SELECT trigger_name AS name, event_object_table AS tbl, action_order AS ord FROM information_schema.triggers WHERE trigger_schema = ?');
    const events = await names(source, 'events', 'SELECT event_name AS name FROM information_schema.events WHERE event_schema = ?');

    const objects: MysqlDatabaseObject[] = [];
    for (const kind of ['function', 'procedure'] as const) {
      const ofKind = routines.filter((r) => toText(r['kind']) === kind).map((r) => ({ name: toText(r['name']) })).sort(byName);
      for (const { name } of ofKind) objects.push(await describe(source, kind, name, null, printedIn));
    }
    const described: MysqlDatabaseObject[] = [];
    for (const row of views) described.push(await describe(source, 'view', toText(row['name']), null, printedIn));
    objects.push(...orderViews(described, source.database, dialectOf(printedIn)));
    const byTable = triggers
      .map((t) => ({ name: toText(t['name']), table: toText(t['tbl']), order: toNumber(t['ord']) ?? 0 }))
      .sort((a, b) => (a.table !== b.table ? (a.table < b.table ? -1 : 1) : a.order !== b.order ? a.order - b.order : byName(a, b)));
    for (const t of byTable) objects.push(await describe(source, 'trigger', t.name, t.table, printedIn));
    for (const { name } of events.map((e) => ({ name: toText(e['name']) })).sort(byName)) objects.push(await describe(source, 'event', name, null, printedIn));
    return objects;
  },

  async create(targetPort, objects): Promise<void> {
    if (objects.length === 0) return;
    const target = asMysqlTarget(targetPort);
    const mysqlObjects = objects.map(asMysqlObject);
    const saved = await readSession(target);
    try {
      // Unqualified names in the statements (a trigger's table, a routine's body) resolve here.
      await query(target, 'using the target database', `USE ${quoteIdent(target.database)}`);
      for (const object of mysqlObjects) await createObject(target, object, saved);
    } catch (error) {
      // The object's failure is what the caller must see first; a failed restore is appended to it.
      const restoreError = await restoreSession(target, saved).then(() => null, (e: unknown) => e);
      if (restoreError === null || !(error instanceof DbfError)) throw error;
      throw new DbfError(error.code, `${error.message}; then ${restoreError instanceof Error ? restoreError.message : String(restoreError)}`, { cause: error });
    }
    await restoreSession(target, saved);
  },
};
