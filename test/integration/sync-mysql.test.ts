import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { dbferry } from '../helpers/cli.js';
import { createMysqlDatabase, MYSQL_URL, mysqlWriterUrl, randomName, withMysqlAdmin } from '../helpers/servers.js';
import type { TempDatabase } from '../helpers/servers.js';

/**
 * `dbferry sync` MySQL → MySQL on the real MariaDB: the fidelity corpus (every tricky type, keys of
 * every shape, a 4 MiB BLOB row, FKs) must arrive with the same SHOW CREATE TABLE and the same
 * CHECKSUM TABLE; swap never touches the live table before the copy is verified; truncate keeps the
 * target's own DDL; dry runs change nothing; verify names a differing key range.
 */

const FIDELITY = readFileSync(new URL('../fixtures/mysql-fidelity.sql', import.meta.url), 'utf8');

type Conn = Parameters<Parameters<typeof withMysqlAdmin>[0]>[0];

async function tablesOf(conn: Conn, db: string): Promise<string[]> {
  const [rows] = await conn.query("SELECT table_name AS n FROM information_schema.tables WHERE table_schema = ? AND table_type = 'BASE TABLE' ORDER BY table_name", [db]);
  return (rows as Array<{ n: string }>).map((r) => r.n);
}

async function showCreate(conn: Conn, db: string, table: string): Promise<string> {
  const [rows] = await conn.query(`SHOW CREATE TABLE \`${db}\`.\`${table}\``);
  return String((rows as Array<Record<string, string>>)[0]?.['Create Table']).replace(/ AUTO_INCREMENT=\d+/, '');
}

async function checksumTable(conn: Conn, db: string, table: string): Promise<string> {
  const [rows] = await conn.query(`CHECKSUM TABLE \`${db}\`.\`${table}\` EXTENDED`);
  return String((rows as Array<{ Checksum: unknown }>)[0]?.Checksum);
}

async function count(conn: Conn, db: string, table: string): Promise<number> {
  const [rows] = await conn.query(`SELECT COUNT(*) AS n FROM \`${db}\`.\`${table}\``);
  return Number((rows as Array<{ n: unknown }>)[0]?.n);
}

describe('dbferry sync, MySQL to MySQL', () => {
  let home: string;
  let source: TempDatabase;
  const targets: string[] = [];
  const run = (args: string[]) => dbferry(['--home', home, '--log-level', 'silent', ...args], { cwd: home });
  const target = (): string => {
    const name = randomName('dbf_dst');
    targets.push(name);
    return name;
  };

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'dbferry-sync-'));
    source = await createMysqlDatabase(FIDELITY);
  });

  after(async () => {
    await source.drop();
    await withMysqlAdmin(async (conn) => {
      for (const name of targets) await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
    });
    rmSync(home, { recursive: true, force: true });
  });

  for (const path of ['through the client (LOAD DATA)', 'on the server (INSERT … SELECT)'] as const) {
  test(`${path}: the fidelity corpus arrives exact: same DDL, same CHECKSUM TABLE, same counts, verified`, async () => {
    const dst = target();
    // Written as another user, the copy cannot take the same-server path; as the source's user, it does.
    const base = path.startsWith('through') ? await mysqlWriterUrl() : MYSQL_URL;
    const plan = await run(['--json', 'sync', '--from', source.url, '--to', `${base}/${dst}`, '--dry-run', '--tables', 'composite_pk']);
    assert.equal((JSON.parse(plan.stdout) as { data: { tables: Array<{ chunking: string }> } }).data.tables[0]?.chunking.startsWith('same server'), !path.startsWith('through'));
    const result = await run(['sync', '--from', source.url, '--to', `${base}/${dst}`]);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(result.stdout, /completed in .*verified/);
    await withMysqlAdmin(async (conn) => {
      const names = await tablesOf(conn, source.name);
      assert.deepEqual(await tablesOf(conn, dst), names, 'the same tables, and no shadow table left behind');
      for (const name of names) {
        assert.equal(await showCreate(conn, dst, name), await showCreate(conn, source.name, name), `SHOW CREATE TABLE ${name}`);
        assert.equal(await count(conn, dst, name), await count(conn, source.name, name), `rows of ${name}`);
        assert.equal(await checksumTable(conn, dst, name), await checksumTable(conn, source.name, name), `CHECKSUM TABLE ${name}`);
      }
      const [charset] = await conn.query('SELECT default_character_set_name AS cs, default_collation_name AS co FROM information_schema.schemata WHERE schema_name IN (?, ?) ORDER BY schema_name = ?', [source.name, dst, dst]);
      const [src, copy] = charset as Array<{ cs: string; co: string }>;
      assert.deepEqual(copy, src, 'the target database has the source database charset and collation');
    });
    const verify = await run(['verify', '--from', source.url, '--to', `${base}/${dst}`]);
    assert.equal(verify.exitCode, 0, verify.stdout + verify.stderr);
    assert.match(verify.stdout, /tables are equal/);
  });
  }

  test('the job is recorded with per-table results, and a second run swaps in over the live tables', async () => {
    const dst = target();
    const first = await run(['--json', 'sync', '--from', source.url, '--to', `${MYSQL_URL}/${dst}`, '--tables', 'fk_parent,fk_child,composite_pk']);
    assert.equal(first.exitCode, 0, first.stderr);
    const lines = first.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; success?: boolean; data?: { id: string; status: string; tables: Array<{ target_table: string; status: string; verified: boolean | null; processed_rows: number }> } });
    assert.ok(lines.some((l) => l.type === 'event'), 'NDJSON events stream while the job runs');
    const result = lines.at(-1);
    assert.equal(result?.type, 'result');
    assert.equal(result?.data?.status, 'completed');
    assert.equal(result?.data?.tables.at(-1)?.target_table, 'fk_child', 'parents first: fk_child references both others');
    assert.ok(result?.data?.tables.every((t) => t.status === 'completed' && t.verified === true));
    // Someone changes the copy; the next sync replaces it, and foreign keys still point at the parent.
    await withMysqlAdmin((conn) => conn.query(`DELETE FROM \`${dst}\`.fk_child LIMIT 1`));
    const second = await run(['sync', '--from', source.url, '--to', `${MYSQL_URL}/${dst}`, '--tables', 'fk_parent,fk_child,composite_pk']);
    assert.equal(second.exitCode, 0, second.stderr);
    await withMysqlAdmin(async (conn) => {
      for (const name of ['fk_parent', 'fk_child', 'composite_pk']) assert.equal(await checksumTable(conn, dst, name), await checksumTable(conn, source.name, name));
      assert.equal(await showCreate(conn, dst, 'fk_child'), await showCreate(conn, source.name, 'fk_child'));
      const [refs] = await conn.query('SELECT referenced_table_name AS t FROM information_schema.referential_constraints WHERE constraint_schema = ? AND table_name = ? ORDER BY 1', [dst, 'fk_child']);
      assert.deepEqual((refs as Array<{ t: string }>).map((r) => r.t), ['composite_pk', 'fk_parent'], 'the foreign keys point at the new parents');
    });
    const shown = await run(['--json', 'jobs', 'show', result?.data?.id ?? '']);
    assert.equal((JSON.parse(shown.stdout) as { data: { status: string } }).data.status, 'completed', 'the job is in the history');
  });

  test('strategy truncate keeps the target table DDL and reloads its rows', async () => {
    const dst = target();
    // The target owns its DDL (here: a comment of its own) and holds a stale row.
    await withMysqlAdmin((conn) => conn.query(`CREATE DATABASE \`${dst}\``));
    await withMysqlAdmin((conn) => conn.query(`CREATE TABLE \`${dst}\`.composite_pk LIKE \`${source.name}\`.composite_pk; ALTER TABLE \`${dst}\`.composite_pk COMMENT = 'target-owned'; INSERT INTO \`${dst}\`.composite_pk SELECT * FROM \`${source.name}\`.composite_pk LIMIT 1`));
    const before = await withMysqlAdmin((conn) => showCreate(conn, dst, 'composite_pk'));
    const result = await run(['sync', '--from', source.url, '--to', `${MYSQL_URL}/${dst}`, '--tables', 'composite_pk', '--strategy', 'truncate']);
    assert.equal(result.exitCode, 0, result.stderr);
    await withMysqlAdmin(async (conn) => {
      assert.equal(await showCreate(conn, dst, 'composite_pk'), before, 'the target DDL is kept');
      assert.match(before, /COMMENT='target-owned'/);
      assert.equal(await count(conn, dst, 'composite_pk'), await count(conn, source.name, 'composite_pk'));
      assert.equal(await checksumTable(conn, dst, 'composite_pk'), await checksumTable(conn, source.name, 'composite_pk'));
    });
  });

  test('--dry-run prints the plan and changes nothing', async () => {
    const dst = target();
    const result = await run(['--json', 'sync', '--from', source.url, '--to', `${MYSQL_URL}/${dst}`, '--dry-run']);
    assert.equal(result.exitCode, 0, result.stderr);
    const plan = (JSON.parse(result.stdout) as { data: { target_database: string; tables: Array<{ source_table: string; action: string; chunking: string; row_estimate: number }> } }).data;
    assert.equal(plan.target_database, 'will be created');
    assert.ok(plan.tables.length > 20);
    const names = plan.tables.map((t) => t.source_table);
    assert.ok(names.indexOf('fk_parent') < names.indexOf('fk_child'), 'parents before children');
    assert.match(plan.tables.find((t) => t.source_table === 'no_pk')?.chunking ?? '', /^same server: one INSERT … SELECT \(no primary key\)$/);
    assert.match(plan.tables.find((t) => t.source_table === 'composite_pk')?.chunking ?? '', /^same server: INSERT … SELECT in keyset chunks over \(a, b\)$/);
    const streamed = await run(['--json', 'sync', '--from', source.url, '--to', `${await mysqlWriterUrl()}/${dst}`, '--dry-run']);
    const other = (JSON.parse(streamed.stdout) as { data: { tables: Array<{ source_table: string; chunking: string }> } }).data;
    assert.match(other.tables.find((t) => t.source_table === 'no_pk')?.chunking ?? '', /^whole table in one consistent read/);
    assert.match(other.tables.find((t) => t.source_table === 'composite_pk')?.chunking ?? '', /^keyset chunks over \(a, b\)$/);
    const human = await run(['sync', '--from', source.url, '--to', `${MYSQL_URL}/${dst}`, '--dry-run']);
    assert.match(human.stdout, /Nothing was changed \(dry run\)/);
    const exists = await withMysqlAdmin(async (conn) => (await conn.query('SELECT COUNT(*) AS n FROM information_schema.schemata WHERE schema_name = ?', [dst]))[0]);
    assert.equal(Number((exists as Array<{ n: unknown }>)[0]?.n), 0, 'the target database was not created');
  });

  test('verify names the table and the key range that differ, and exits 1', async () => {
    const dst = target();
    assert.equal((await run(['sync', '--from', source.url, '--to', `${MYSQL_URL}/${dst}`, '--tables', 'wide_table,string_pk', '--no-verify'])).exitCode, 0);
    await withMysqlAdmin((conn) => conn.query(`UPDATE \`${dst}\`.string_pk SET v = v + 1000 WHERE k = 'c'`));
    const result = await run(['verify', '--from', source.url, '--to', `${MYSQL_URL}/${dst}`, '--tables', 'wide_table,string_pk']);
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /DBF_VERIFY_MISMATCH: 1 of 2 tables differ: string_pk/);
    assert.match(result.stdout, /string_pk .*DIFFERENT .*k start … end/);
  });

  test('bad input: unknown table, same database, not-landed flags, unreachable target', async () => {
    const missing = await run(['sync', '--from', source.url, '--to', `${MYSQL_URL}/${target()}`, '--tables', 'nope']);
    assert.equal(missing.exitCode, 2);
    assert.match(missing.stderr, /^error DBF_TABLE_NOT_FOUND: .*nope/);
    const same = await run(['sync', '--from', source.url, '--to', source.url]);
    assert.equal(same.exitCode, 2);
    assert.match(same.stderr, /DBF_INVALID_INPUT: the source and the target are the same database/);
    const incremental = await run(['sync', '--from', source.url, '--to', `${MYSQL_URL}/${target()}`, '--mode', 'incremental']);
    assert.equal(incremental.exitCode, 2);
    assert.match(incremental.stderr, /DBF_NO_CURSOR: .*no column to follow/, 'tables without a cursor are named before any copy starts');
    const refused = await run(['sync', '--from', source.url, '--to', 'mysql://root@127.0.0.1:1/x']);
    assert.equal(refused.exitCode, 3);
    assert.match(refused.stderr, /^error DBF_CONN_REFUSED/);
    const jobs = await run(['--json', 'jobs', 'ls', '--active']);
    assert.deepEqual((JSON.parse(jobs.stdout) as { data: unknown[] }).data, [], 'no job was left behind by refused syncs');
  });
});
