import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseConnectionUrl } from '../../src/domain/connection-url.js';
import { DbfError } from '../../src/domain/errors.js';
import type { CopySource, CopyTarget, DatabaseObject, ObjectCopier } from '../../src/engines/copy-ports.js';
import { COPY_SQL_MODE } from '../../src/engines/mysql/mysql-copy-connection.js';
import { mysqlCopyEngine } from '../../src/engines/mysql/mysql-copy-engine.js';
import { MysqlCopyTarget } from '../../src/engines/mysql/mysql-copy-target.js';
import { dbferry } from '../helpers/cli.js';
import { MYSQL_URL, randomName, withMysqlAdmin } from '../helpers/servers.js';

/**
 * The MySQL object copier (`--objects`) on the real MariaDB: Sakila's 7 views, 6 triggers, 3
 * procedures and 3 functions arrive in a database of another name, point at it, keep their session
 * settings and behave the same; plus the cases Sakila lacks (events, view-on-view order, trigger
 * order, ANSI_QUOTES bodies, string literals naming the source database).
 * The first suites drive the copier directly (tables copied by plain SQL); the last runs `dbferry sync --objects`.
 */

const SAKILA_DIR = process.env.DBFERRY_SAKILA_DIR ?? new URL('../fixtures/sakila/', import.meta.url).pathname;
const MYSQL_CLI = process.env.DBFERRY_TEST_MYSQL_CLI ?? 'mariadb';
const TIMEOUT = { timeoutMs: 10_000 };

type Conn = Parameters<Parameters<typeof withMysqlAdmin>[0]>[0];
type Rows = Array<Record<string, unknown>>;

const copier = (): ObjectCopier => {
  assert.ok(mysqlCopyEngine.objects, 'the MySQL engine offers an object copier');
  return mysqlCopyEngine.objects;
};

async function rows(conn: Conn, sql: string, params: unknown[] = []): Promise<Rows> {
  const [result] = await conn.query(sql, params);
  return result as Rows;
}

/** Sakila's files create and use `sakila`: the same statements for another database name. */
function renameSakila(sql: string, name: string): string {
  return sql.replace(/^(DROP SCHEMA IF EXISTS|CREATE SCHEMA|USE) sakila;/gm, (_m, verb: string) => `${verb} \`${name}\`;`).replace(/(?<![\w@.])sakila\./g, `\`${name}\`.`);
}

/** Runs a script through the client (mysql2 knows no `DELIMITER`, which Sakila's routines need). */
async function runScript(sql: string): Promise<void> {
  const spec = parseConnectionUrl(`${MYSQL_URL}/mysql`);
  const args = ['--default-character-set=utf8mb4', `-h${spec.host ?? '127.0.0.1'}`, `-P${spec.port ?? 3306}`, `-u${spec.username ?? 'root'}`];
  const env = spec.password === null ? process.env : { ...process.env, MYSQL_PWD: spec.password };
  const child = spawn(MYSQL_CLI, args, { env, stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const done = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  child.stdin.end(sql);
  assert.equal(await done, 0, `${MYSQL_CLI} failed: ${stderr}`);
}

/** Opens both ends through the engine, with the target database created and its tables copied by plain SQL. */
async function openCopy(src: string, dst: string): Promise<{ source: CopySource; target: CopyTarget }> {
  const source = await mysqlCopyEngine.openSource(parseConnectionUrl(`${MYSQL_URL}/${src}`), TIMEOUT);
  const target = await mysqlCopyEngine.openTarget(parseConnectionUrl(`${MYSQL_URL}/${dst}`), source, TIMEOUT);
  await target.ensureDatabase();
  await withMysqlAdmin(async (conn) => {
    await conn.query('SET SESSION foreign_key_checks = 0');
    for (const table of await source.listTables()) {
      await conn.query(`CREATE TABLE \`${dst}\`.\`${table}\` LIKE \`${src}\`.\`${table}\``);
      await conn.query(`INSERT INTO \`${dst}\`.\`${table}\` SELECT * FROM \`${src}\`.\`${table}\``);
    }
  });
  return { source, target };
}

/** `kind name` of every object of a database, from information_schema. */
async function objectsOf(conn: Conn, db: string): Promise<string[]> {
  const found = await rows(
    conn,
    `SELECT CONCAT(LOWER(routine_type), ' ', routine_name) AS o FROM information_schema.routines WHERE routine_schema = ?
     UNION ALL SELECT CONCAT('view ', table_name) FROM information_schema.views WHERE table_schema = ?
     UNION ALL SELECT CONCAT('trigger ', trigger_name) FROM information_schema.triggers WHERE trigger_schema = ?
     UNION ALL SELECT CONCAT('event ', event_name) FROM information_schema.events WHERE event_schema = ?`,
    [db, db, db, db],
  );
  return found.map((r) => String(r['o'])).sort();
}

/** What must be equal on both sides, per object: settings and definitions (the source's name replaced). */
async function catalogOf(conn: Conn, db: string, renamedFrom: string | null): Promise<string[]> {
  const own = (text: unknown): string => (renamedFrom === null ? String(text) : String(text).replaceAll(`\`${renamedFrom}\``, `\`${db}\``));
  const views = await rows(conn, 'SELECT table_name AS n, view_definition AS d, security_type AS s, algorithm AS a, character_set_client AS cs, collation_connection AS co FROM information_schema.views WHERE table_schema = ?', [db]);
  const routines = await rows(conn, 'SELECT routine_name AS n, routine_type AS t, routine_definition AS d, sql_mode AS m, security_type AS s, character_set_client AS cs, collation_connection AS co, dtd_identifier AS r FROM information_schema.routines WHERE routine_schema = ?', [db]);
  const triggers = await rows(conn, 'SELECT trigger_name AS n, event_object_table AS t, action_timing AS w, event_manipulation AS e, action_order AS o, action_statement AS d, sql_mode AS m, character_set_client AS cs, collation_connection AS co FROM information_schema.triggers WHERE trigger_schema = ?', [db]);
  return [...views, ...routines, ...triggers].map((r) => JSON.stringify({ ...r, d: own(r['d']) })).sort();
}

async function sessionOf(target: CopyTarget): Promise<Record<string, unknown>> {
  assert.ok(target instanceof MysqlCopyTarget);
  const [result] = await target.connections.meta.query('SELECT @@session.sql_mode AS m, @@session.time_zone AS tz, @@session.character_set_client AS cs, @@session.collation_connection AS co, DATABASE() AS db');
  return (result as Rows)[0] ?? {};
}

describe('MySQL object copier: Sakila', () => {
  const src = randomName('dbf_sakila');
  const dst = randomName('dbf_sakila_copy');
  let source: CopySource;
  let target: CopyTarget;
  let objects: DatabaseObject[];

  before(async () => {
    for (const file of ['sakila-schema.sql', 'sakila-data.sql']) await runScript(renameSakila(readFileSync(join(SAKILA_DIR, file), 'utf8'), src));
    ({ source, target } = await openCopy(src, dst));
    objects = await copier().list(source);
    await copier().create(target, objects);
  });

  after(async () => {
    await source?.close();
    await target?.close();
    await withMysqlAdmin(async (conn) => {
      for (const db of [src, dst]) await conn.query(`DROP DATABASE IF EXISTS \`${db}\``);
    });
  });

  test('lists routines, then views, then triggers, and the copy has the same objects', async () => {
    const rank = { function: 0, procedure: 0, view: 1, trigger: 2, event: 3 };
    const ranks = objects.map((o) => rank[o.kind]);
    assert.deepEqual(ranks, [...ranks].sort((a, b) => a - b), objects.map((o) => `${o.kind} ${o.name}`).join(', '));
    await withMysqlAdmin(async (conn) => {
      const copied = await objectsOf(conn, dst);
      assert.deepEqual(copied, await objectsOf(conn, src));
      const count = (kind: string): number => copied.filter((o) => o.startsWith(`${kind} `)).length;
      assert.deepEqual([count('view'), count('trigger'), count('procedure'), count('function')], [7, 6, 3, 3]);
    });
  });

  test('definitions and session settings are the source ones, pointing at the target database', async () => {
    await withMysqlAdmin(async (conn) => {
      assert.deepEqual(await catalogOf(conn, dst, null), await catalogOf(conn, src, src).then((c) => c.map((e) => e.replaceAll(src, dst))));
      const leftovers = await rows(
        conn,
        `SELECT table_name AS n FROM information_schema.views WHERE table_schema = ? AND LOCATE(?, view_definition) > 0
         UNION ALL SELECT routine_name FROM information_schema.routines WHERE routine_schema = ? AND LOCATE(?, routine_definition) > 0
         UNION ALL SELECT trigger_name FROM information_schema.triggers WHERE trigger_schema = ? AND LOCATE(?, action_statement) > 0`,
        [dst, src, dst, src, dst, src],
      );
      assert.deepEqual(leftovers, [], 'no object of the copy names the source database');
      const [me] = await rows(conn, 'SELECT CURRENT_USER() AS u');
      const definers = await rows(conn, 'SELECT DISTINCT definer AS d FROM information_schema.views WHERE table_schema = ? UNION SELECT definer FROM information_schema.routines WHERE routine_schema = ?', [dst, dst]);
      assert.deepEqual(definers.map((d) => d['d']), [me?.['u']], "the target's user is the definer");
    });
  });

  test('every view returns the same rows as on the source', async () => {
    await withMysqlAdmin(async (conn) => {
      for (const { n } of (await rows(conn, 'SELECT table_name AS n FROM information_schema.views WHERE table_schema = ?', [src])) as Array<{ n: string }>) {
        const read = async (db: string): Promise<string[]> => (await rows(conn, `SELECT * FROM \`${db}\`.\`${n}\``)).map((r) => JSON.stringify(r)).sort();
        const expected = await read(src);
        assert.ok(expected.length > 0, `${n} has rows`);
        assert.deepEqual(await read(dst), expected, `rows of view ${n}`);
      }
    });
  });

  test('functions return the same values and a procedure runs', async () => {
    await withMysqlAdmin(async (conn) => {
      const [held] = await rows(conn, `SELECT inventory_id AS i FROM \`${src}\`.rental WHERE return_date IS NULL ORDER BY rental_id LIMIT 1`);
      for (const call of ['get_customer_balance(1, NOW())', 'get_customer_balance(148, NOW())', 'inventory_in_stock(1)', `inventory_in_stock(${Number(held?.['i'])})`, 'inventory_held_by_customer(1)', `inventory_held_by_customer(${Number(held?.['i'])})`]) {
        const [value] = await rows(conn, `SELECT \`${src}\`.${call} AS s, \`${dst}\`.${call} AS d`);
        assert.equal(value?.['d'], value?.['s'], call);
      }
      const inStock = async (db: string): Promise<unknown> => {
        await conn.query(`CALL \`${db}\`.film_in_stock(1, 1, @n)`);
        return (await rows(conn, 'SELECT @n AS n'))[0]?.['n'];
      };
      const expected = await inStock(src);
      assert.ok(Number(expected) > 0);
      assert.equal(await inStock(dst), expected, 'film_in_stock(1, 1)');
    });
  });

  test('the copy never fired the triggers, and they fire on the copy', async () => {
    await withMysqlAdmin(async (conn) => {
      const filmText = async (db: string): Promise<number> => Number((await rows(conn, `SELECT COUNT(*) AS n FROM \`${db}\`.film_text`))[0]?.['n']);
      assert.equal(await filmText(dst), await filmText(src), 'film_text was copied, not filled again by ins_film');
      await conn.query(`INSERT INTO \`${dst}\`.film (title, language_id) VALUES ('DBFERRY OBJECTS', 1)`);
      const [text] = await rows(conn, `SELECT title AS t FROM \`${dst}\`.film_text WHERE film_id = LAST_INSERT_ID()`);
      assert.equal(text?.['t'], 'DBFERRY OBJECTS', 'ins_film filled film_text');
      await conn.query(`INSERT INTO \`${dst}\`.customer (store_id, first_name, last_name, address_id, create_date) VALUES (1, 'A', 'B', 1, '2000-01-01 00:00:00')`);
      const [customer] = await rows(conn, `SELECT YEAR(create_date) AS y FROM \`${dst}\`.customer WHERE customer_id = LAST_INSERT_ID()`);
      assert.ok(Number(customer?.['y']) > 2000, 'customer_create_date set create_date');
    });
  });

  test('create again replaces every object, and leaves the session as it found it', async () => {
    const before = await sessionOf(target);
    assert.equal(before['m'], COPY_SQL_MODE);
    await copier().create(target, objects);
    assert.deepEqual(await sessionOf(target), before);
    await withMysqlAdmin(async (conn) => {
      assert.deepEqual(await objectsOf(conn, dst), await objectsOf(conn, src));
      await conn.query(`INSERT INTO \`${dst}\`.film (title, language_id) VALUES ('DBFERRY AGAIN', 1)`);
      const [text] = await rows(conn, `SELECT COUNT(*) AS n FROM \`${dst}\`.film_text WHERE film_id = LAST_INSERT_ID()`);
      assert.equal(Number(text?.['n']), 1, 'ins_film fires once');
    });
  });

  test('a failing object is DBF_COPY_FAILED naming it, and the session is restored', async () => {
    const view = objects.find((o) => o.kind === 'view');
    assert.ok(view);
    const before = await sessionOf(target);
    const broken = { ...view, name: 'dbf_broken_view', ddl: 'CREATE VIEW `dbf_broken_view` AS SELECT * FROM `no_such_table`' };
    await assert.rejects(copier().create(target, [broken]), (error: unknown) => {
      assert.ok(error instanceof DbfError);
      assert.equal(error.code, 'DBF_COPY_FAILED');
      assert.match(error.message, /view dbf_broken_view .*no_such_table/);
      return true;
    });
    assert.deepEqual(await sessionOf(target), before);
  });
});

describe('MySQL object copier: events, orders, quoting', () => {
  const src = randomName('dbf_objects');
  const dst = randomName('dbf_objects_copy');
  let source: CopySource;
  let target: CopyTarget;
  let objects: DatabaseObject[];

  before(async () => {
    await withMysqlAdmin(async (conn) => {
      await conn.query(`CREATE DATABASE \`${src}\`; CREATE TABLE \`${src}\`.t (n INT); INSERT INTO \`${src}\`.t VALUES (1)`);
      await conn.query(`CREATE FUNCTION \`${src}\`.twice(x INT) RETURNS INT DETERMINISTIC RETURN x * 2`);
      // Names chosen so that alphabetical order would be wrong: a_outer reads z_inner, which calls twice.
      await conn.query(`CREATE VIEW \`${src}\`.z_inner AS SELECT n, \`${src}\`.twice(n) AS d FROM \`${src}\`.t`);
      await conn.query(`CREATE VIEW \`${src}\`.a_outer AS SELECT d FROM \`${src}\`.z_inner`);
      // A definer account that does not exist (allowed, with a note): the copy must not carry it.
      await conn.query(`CREATE DEFINER = \`dbf_nobody\`@\`%\` SQL SECURITY INVOKER VIEW \`${src}\`.v_definer AS SELECT 1 AS one`);
      await conn.query(`CREATE TRIGGER \`${src}\`.tr_add BEFORE INSERT ON \`${src}\`.t FOR EACH ROW SET NEW.n = NEW.n + 1`);
      await conn.query(`CREATE TRIGGER \`${src}\`.tr_times BEFORE INSERT ON \`${src}\`.t FOR EACH ROW PRECEDES tr_add SET NEW.n = NEW.n * 10`);
      await conn.query("SET SESSION sql_mode = CONCAT(@@session.sql_mode, ',ANSI_QUOTES')");
      await conn.query(`CREATE PROCEDURE "${src}".counts() SELECT (SELECT COUNT(*) FROM "${src}"."t") AS quoted, (SELECT COUNT(*) FROM ${src}.t) AS bare, '${src}.t' AS literal`);
      await conn.query("SET SESSION sql_mode = DEFAULT, SESSION time_zone = '+05:00'");
      await conn.query(`CREATE EVENT \`${src}\`.ev ON SCHEDULE EVERY 1 DAY STARTS '2030-01-01 00:00:00' DISABLE DO INSERT INTO ${src}.t VALUES (99)`);
    });
    ({ source, target } = await openCopy(src, dst));
    // Rows only the copy has, added before its triggers exist: the copy's objects must read them.
    await withMysqlAdmin((conn) => conn.query(`INSERT INTO \`${dst}\`.t VALUES (5), (6)`));
    objects = await copier().list(source);
    await copier().create(target, objects);
  });

  after(async () => {
    await source?.close();
    await target?.close();
    await withMysqlAdmin(async (conn) => {
      for (const db of [src, dst]) await conn.query(`DROP DATABASE IF EXISTS \`${db}\``);
    });
  });

  test('lists in creatable order: function, procedure, views by dependency, triggers by ACTION_ORDER, event', () => {
    assert.deepEqual(
      objects.map((o) => `${o.kind} ${o.name}${o.table === null ? '' : ` on ${o.table}`}`),
      ['function twice', 'procedure counts', 'view z_inner', 'view a_outer', 'view v_definer', 'trigger tr_times on t', 'trigger tr_add on t', 'event ev'],
    );
  });

  test('views and routines read the target database; string literals keep the source name', async () => {
    await withMysqlAdmin(async (conn) => {
      assert.deepEqual((await rows(conn, `SELECT d FROM \`${dst}\`.a_outer ORDER BY d`)).map((r) => Number(r['d'])), [2, 10, 12]);
      // A CALL answers its result sets, then the status of the call.
      const [sets] = (await conn.query(`CALL \`${dst}\`.counts()`)) as unknown as [[Rows]];
      const counts = sets[0][0] ?? {};
      assert.deepEqual({ quoted: Number(counts['quoted']), bare: Number(counts['bare']), literal: counts['literal'] }, { quoted: 3, bare: 3, literal: `${src}.t` });
      const modes = await rows(conn, "SELECT routine_schema = ? AS copy, sql_mode AS m FROM information_schema.routines WHERE routine_name = 'counts' AND routine_schema IN (?, ?) ORDER BY copy", [dst, src, dst]);
      const definers = await rows(conn, 'SELECT table_schema = ? AS copy, definer AS d, security_type AS s FROM information_schema.views WHERE table_name = ? AND table_schema IN (?, ?) ORDER BY copy', [dst, 'v_definer', src, dst]);
      const [me] = await rows(conn, 'SELECT CURRENT_USER() AS u');
      assert.deepEqual(definers.map((d) => [d['d'], d['s']]), [['dbf_nobody@%', 'INVOKER'], [me?.['u'], 'INVOKER']], 'the definer is dropped, SQL SECURITY kept');
      assert.equal(Number((await rows(conn, `SELECT one FROM \`${dst}\`.v_definer`))[0]?.['one']), 1);
      assert.match(String(modes[0]?.['m']), /ANSI_QUOTES/);
      assert.equal(modes[1]?.['m'], modes[0]?.['m'], 'the procedure keeps its sql_mode');
    });
  });

  test('triggers keep their order, and the event its time zone and schedule', async () => {
    await withMysqlAdmin(async (conn) => {
      for (const db of [src, dst]) await conn.query(`INSERT INTO \`${db}\`.t VALUES (2)`);
      for (const db of [src, dst]) {
        const [hit] = await rows(conn, `SELECT COUNT(*) AS n FROM \`${db}\`.t WHERE n = 21`);
        assert.equal(Number(hit?.['n']), 1, `${db}: tr_times (×10) runs before tr_add (+1)`);
      }
      const events = await rows(conn, 'SELECT event_schema = ? AS copy, time_zone AS tz, CAST(starts AS CHAR) AS s, status AS st, interval_value AS iv, event_definition AS d FROM information_schema.events WHERE event_schema IN (?, ?) ORDER BY copy', [dst, src, dst]);
      assert.equal(events.length, 2);
      const [original, copy] = events;
      assert.deepEqual({ tz: copy?.['tz'], s: copy?.['s'], st: copy?.['st'], iv: copy?.['iv'] }, { tz: '+05:00', s: '2030-01-01 00:00:00', st: 'DISABLED', iv: original?.['iv'] });
      assert.equal(copy?.['s'], original?.['s']);
      assert.equal(copy?.['d'], `INSERT INTO \`${dst}\`.t VALUES (99)`);
    });
  });
});

describe('dbferry sync --objects: Sakila end to end', () => {
  const src = randomName('dbf_sakila');
  const dst = randomName('dbf_sakila_sync');
  const home = mkdtempSync(join(tmpdir(), 'dbferry-sakila-'));

  before(async () => {
    for (const file of ['sakila-schema.sql', 'sakila-data.sql']) await runScript(renameSakila(readFileSync(join(SAKILA_DIR, file), 'utf8'), src));
  });

  after(async () => {
    await withMysqlAdmin(async (conn) => {
      for (const db of [src, dst]) await conn.query(`DROP DATABASE IF EXISTS \`${db}\``);
    });
    rmSync(home, { recursive: true, force: true });
  });

  test('clones every table exactly, then the views, routines and triggers, and the copy behaves the same', async () => {
    const plan = await dbferry(['--home', home, '--log-level', 'silent', '--json', 'sync', '--from', `${MYSQL_URL}/${src}`, '--to', `${MYSQL_URL}/${dst}`, '--objects', '--dry-run'], { cwd: home });
    assert.equal(plan.exitCode, 0, plan.stderr);
    const planned = (JSON.parse(plan.stdout) as { data: { tables: unknown[]; objects: Array<{ kind: string }> } }).data;
    assert.equal(planned.tables.length, 16);
    assert.equal(planned.objects.length, 19, 'the plan lists 3 functions, 3 procedures, 7 views and 6 triggers');

    const result = await dbferry(['--home', home, '--log-level', 'silent', 'sync', '--from', `${MYSQL_URL}/${src}`, '--to', `${MYSQL_URL}/${dst}`, '--objects'], { cwd: home });
    assert.equal(result.exitCode, 0, result.stderr);
    await withMysqlAdmin(async (conn) => {
      assert.deepEqual(await objectsOf(conn, dst), await objectsOf(conn, src), 'the same views, routines and triggers');
      assert.deepEqual(await catalogOf(conn, dst, null), (await catalogOf(conn, src, null)).map((e) => e.replaceAll(src, dst)), 'the same definitions, pointing at the copy');
      const tables = (await rows(conn, "SELECT table_name AS n FROM information_schema.tables WHERE table_schema = ? AND table_type = 'BASE TABLE' ORDER BY 1", [src])).map((r) => String(r['n']));
      assert.equal(tables.length, 16);
      for (const t of tables) {
        const create = async (db: string) => String((await rows(conn, `SHOW CREATE TABLE \`${db}\`.\`${t}\``))[0]?.['Create Table']).replace(/ AUTO_INCREMENT=\d+/, '');
        assert.equal(await create(dst), await create(src), `SHOW CREATE TABLE ${t}`);
        const sum = async (db: string) => String((await rows(conn, `CHECKSUM TABLE \`${db}\`.\`${t}\` EXTENDED`))[0]?.['Checksum']);
        assert.equal(await sum(dst), await sum(src), `CHECKSUM TABLE ${t}`);
      }
      for (const v of ['customer_list', 'film_list', 'sales_by_store', 'actor_info']) {
        const read = async (db: string) => (await rows(conn, `SELECT * FROM \`${db}\`.\`${v}\``)).map((r) => JSON.stringify(r)).sort();
        assert.deepEqual(await read(dst), await read(src), `view ${v}`);
      }
      const balance = async (db: string) => (await rows(conn, `SELECT \`${db}\`.get_customer_balance(1, '2006-01-01') AS b`))[0]?.['b'];
      assert.equal(await balance(dst), await balance(src));
      await conn.query(`INSERT INTO \`${dst}\`.film (title, language_id) VALUES ('DBFERRY TEST', 1)`);
      const text = await rows(conn, `SELECT title FROM \`${dst}\`.film_text WHERE title = 'DBFERRY TEST'`);
      assert.equal(text.length, 1, 'the ins_film trigger fires on the copy');
    });
    const again = await dbferry(['--home', home, '--log-level', 'silent', 'sync', '--from', `${MYSQL_URL}/${src}`, '--to', `${MYSQL_URL}/${dst}`, '--objects'], { cwd: home });
    assert.equal(again.exitCode, 0, `a second run over the copy replaces it: ${again.stderr}`);
    await withMysqlAdmin(async (conn) => {
      assert.equal((await rows(conn, `SELECT title FROM \`${dst}\`.film_text WHERE title = 'DBFERRY TEST'`)).length, 0, 'the second run replaced film_text');
    });
  });
});
