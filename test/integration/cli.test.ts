import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { dbferry } from '../helpers/cli.js';
import { createMysqlDatabase } from '../helpers/servers.js';
import type { TempDatabase } from '../helpers/servers.js';

const run = promisify(execFile);
const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;
/** The project root, where tsx resolves; these spawned runs touch no store. */
const ROOT = new URL('../../', import.meta.url).pathname;
const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Every command of product.md, as `--help` must know it. */
const COMMANDS = [
  ['serve'], ['worker'], ['sync'], ['demo'], ['run'], ['verify'], ['doctor'], ['stats'],
  ['conn'], ['conn', 'add'], ['conn', 'ls'], ['conn', 'test'], ['conn', 'rm'], ['conn', 'dbs'], ['conn', 'tables'],
  ['config'], ['config', 'create'], ['config', 'ls'], ['config', 'show'], ['config', 'rm'], ['config', 'export'], ['config', 'import'], ['config', 'validate'],
  ['jobs'], ['jobs', 'ls'], ['jobs', 'show'], ['jobs', 'logs'], ['jobs', 'cancel'], ['jobs', 'watch'], ['jobs', 'start-test'],
];

describe('CLI', () => {
  let cwd: string;
  let db: TempDatabase;
  const cli = (...args: string[]) => dbferry(args, { cwd });

  before(async () => {
    cwd = mkdtempSync(join(tmpdir(), 'dbferry-cli-'));
    db = await createMysqlDatabase('CREATE TABLE customers (id INT PRIMARY KEY); CREATE TABLE orders (id INT PRIMARY KEY);');
  });

  after(async () => {
    await db.drop();
    rmSync(cwd, { recursive: true, force: true });
  });

  it('the real bin prints --version and --help and exits 0', async () => {
    const version = await run(process.execPath, ['--import', 'tsx', MAIN, '--version'], { cwd: ROOT });
    assert.equal(version.stdout.trim(), VERSION);
    const help = await run(process.execPath, ['--import', 'tsx', MAIN, '--help'], { cwd: ROOT });
    for (const command of ['serve', 'worker', 'sync', 'demo', 'conn', 'config', 'run', 'jobs', 'verify', 'doctor', 'stats']) {
      assert.match(help.stdout, new RegExp(`\\n  ${command}\\b`));
    }
  });

  it('the real bin exits 2 with one DBF_ line for bad usage', async () => {
    await assert.rejects(run(process.execPath, ['--import', 'tsx', MAIN, 'conn', 'rm', 'nope', '--store', 'oracle://x'], { cwd: ROOT }), (error: { code: number; stderr: string }) => {
      assert.equal(error.code, 2);
      assert.match(error.stderr, /^error DBF_CONFIG_INVALID: store URL is invalid: unknown database engine "oracle"/);
      return true;
    });
  });

  it('serve listens on 127.0.0.1, answers /health and /ready, and exits 130 on SIGINT', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--port', '0', '--home', join(cwd, 'serve-home'), '--log-level', 'warn'], { cwd: ROOT });
    let stderr = '';
    const address = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const match = /serving the API on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
        if (match?.[1]) resolve(match[1]);
      });
      child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
    });
    const health = (await (await fetch(`${address}/health`)).json()) as { success: boolean };
    assert.equal(health.success, true);
    assert.equal((await fetch(`${address}/ready`)).status, 200);
    const unknown = await fetch(`${address}/api/nope`);
    assert.equal(unknown.status, 404);
    assert.match(unknown.headers.get('content-type') ?? '', /application\/json/);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    assert.equal(await exited, 130);
  });

  for (const command of COMMANDS) {
    it(`dbferry ${command.join(' ')} --help exits 0`, async () => {
      const result = await cli(...command, '--help');
      assert.equal(result.exitCode, 0, result.stderr);
      assert.match(result.stdout, new RegExp(`^Usage: dbferry ${command.join(' ')}`));
    });
  }

  it('an unknown command or a missing argument is usage error 2', async () => {
    const unknown = await cli('frobnicate');
    assert.equal(unknown.exitCode, 2);
    assert.match(unknown.stderr, /unknown command 'frobnicate'/);
    const missing = await cli('conn', 'add', 'only-a-name');
    assert.equal(missing.exitCode, 2);
    assert.match(missing.stderr, /missing required argument 'url'/);
  });

  it('malformed incremental and filter flags exit 2 with DBF_USAGE before anything runs', async () => {
    const where = await cli('sync', '--from', 'sqlite:a.db', '--to', 'sqlite:b.db', '--where', 'id > 1');
    assert.equal(where.exitCode, 2);
    assert.equal(where.stdout, '');
    assert.equal(where.stderr, 'error DBF_USAGE: --where takes TABLE:CONDITION, not "id > 1"\n');
    const deletes = await cli('sync', '--from', 'sqlite:a.db', '--to', 'sqlite:b.db', '--detect-deletes', '--json');
    assert.equal(deletes.exitCode, 2);
    assert.equal(JSON.parse(deletes.stdout).error.code, 'DBF_USAGE');
    const overlap = await cli('sync', '--from', 'sqlite:a.db', '--to', 'sqlite:b.db', '--mode', 'incremental', '--overlap', '-5');
    assert.equal(overlap.exitCode, 2);
    assert.match(overlap.stderr, /^error DBF_USAGE: .*overlap_seconds/);
  });

  it('conn add / ls / test / tables / rm, with exit codes', async () => {
    const added = await cli('conn', 'add', 'maria', `mysql://root@127.0.0.1:3306/${db.name}`);
    assert.equal(added.exitCode, 0, added.stderr);
    assert.match(added.stdout, /^saved connection maria \(mysql:\/\/root@127\.0\.0\.1:3306\//);
    const list = await cli('conn', 'ls');
    assert.match(list.stdout, /^NAME\s+ENGINE\s+URL\s+PASSWORD\nmaria\s+mysql\s+/);
    const tested = await cli('conn', 'test', 'maria');
    assert.equal(tested.exitCode, 0);
    assert.match(tested.stdout, /^ok maria: .+, [\d.]+ ms\n$/);
    const tables = await cli('conn', 'tables', 'maria', '--json');
    assert.deepEqual((JSON.parse(tables.stdout).data as Array<{ name: string }>).map((t) => t.name), ['customers', 'orders']);
    const json = await cli('conn', 'ls', '--json');
    assert.equal(JSON.parse(json.stdout).data[0].has_password, false);
  });

  it('conn add refuses a wrong password with exit 3 and saves nothing', async () => {
    const result = await cli('conn', 'add', 'bad', 'mysql://root:wrong-pw@127.0.0.1:3306/');
    assert.equal(result.exitCode, 3);
    assert.match(result.stderr, /^error DBF_CONN_AUTH: /);
    assert.ok(!result.stderr.includes('wrong-pw'));
    assert.equal((await cli('conn', 'show', 'bad')).exitCode, 2);
  });

  it('conn test of a saved connection that fails exits 3 with the reason', async () => {
    assert.equal((await cli('conn', 'add', 'down', 'mysql://root@127.0.0.1:1/', '--no-test')).exitCode, 0);
    const result = await cli('conn', 'test', 'down');
    assert.equal(result.exitCode, 3);
    assert.match(result.stderr, /^error DBF_CONN_REFUSED: cannot connect to 127\.0\.0\.1:1/);
    assert.equal((await cli('conn', 'rm', 'down')).exitCode, 0);
  });

  it('config create FILE (YAML) / ls / show / rm', async () => {
    const file = join(cwd, 'nightly.yaml');
    writeFileSync(file, `name: nightly\nsource_connection_id: maria\ntarget_connection_id: maria\ntarget_database: ${db.name}_copy\ntables:\n  - source_table: customers\n  - source_table: orders\n    sync_mode: incremental\n`);
    const created = await cli('config', 'create', 'nightly.yaml');
    assert.equal(created.exitCode, 0, created.stderr);
    assert.match(created.stdout, /^created sync config nightly \(.+\) with 2 tables\n$/);
    assert.match((await cli('config', 'ls')).stdout, /nightly\s+\S+\s+maria\//);
    const shown = await cli('config', 'show', 'nightly');
    assert.match(shown.stdout, /customers\s+customers\s+full/);
    assert.match(shown.stdout, /orders\s+orders\s+incremental/);
    assert.equal((await cli('conn', 'rm', 'maria')).exitCode, 2, 'a used connection is not deleted');
    assert.equal((await cli('config', 'rm', 'nightly')).exitCode, 0);
    assert.match((await cli('config', 'ls')).stdout, /no sync configs yet/);
  });

  it('config create refuses a missing table, an invalid mode and an unreadable file with exit 2', async () => {
    const missing = join(cwd, 'missing.json');
    writeFileSync(missing, JSON.stringify({ name: 'm', source_connection_id: 'maria', target_connection_id: 'maria', target_database: 'x_copy', tables: [{ source_table: 'ghost' }] }));
    const a = await cli('config', 'create', missing);
    assert.equal(a.exitCode, 2);
    assert.match(a.stderr, /^error DBF_TABLE_NOT_FOUND: .*"ghost"/);
    const mode = join(cwd, 'mode.json');
    writeFileSync(mode, JSON.stringify({ name: 'm', source_connection_id: 'maria', target_connection_id: 'maria', target_database: 'x_copy', tables: [{ source_table: 'orders', sync_mode: 'mirror' }] }));
    const b = await cli('config', 'create', mode);
    assert.equal(b.exitCode, 2);
    assert.match(b.stderr, /^error DBF_INVALID_SYNC_CONFIG: tables\.0\.sync_mode: /);
    const c = await cli('config', 'create', 'no-such-file.yaml');
    assert.equal(c.exitCode, 2);
    assert.match(c.stderr, /^error DBF_FILE_UNREADABLE: /);
    assert.match((await cli('config', 'ls')).stdout, /no sync configs yet/);
  });

  it('settings: an unknown key in dbferry.yaml or the environment is refused naming it', async () => {
    writeFileSync(join(cwd, 'dbferry.yaml'), 'server:\n  prot: 9000\n');
    const file = await cli('conn', 'ls');
    assert.equal(file.exitCode, 2);
    assert.match(file.stderr, /^error DBF_CONFIG_UNKNOWN_KEY: .*"server\.prot"/);
    rmSync(join(cwd, 'dbferry.yaml'));
    const env = await dbferry(['conn', 'ls'], { cwd, env: { DBFERRY_STOER: 'sqlite:x.db' } });
    assert.equal(env.exitCode, 2);
    assert.match(env.stderr, /DBFERRY_STOER/);
  });

  it('--store points every command at another store', async () => {
    const other = `sqlite:${join(cwd, 'other.db')}`;
    assert.match((await cli('conn', 'ls', '--store', other)).stdout, /no connections yet/);
    const env = await dbferry(['conn', 'ls'], { cwd, env: { DBFERRY_STORE: other } });
    assert.match(env.stdout, /no connections yet/);
  });
});
