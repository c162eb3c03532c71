import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dbferry } from '../helpers/cli.js';
import { createMysqlDatabase } from '../helpers/servers.js';
import type { TempDatabase } from '../helpers/servers.js';

/** `dbferry config export | import | validate`: two homes (two stores), one file between them. */
describe('CLI: config export / import / validate', () => {
  let dir: string;
  let db: TempDatabase;
  const inHome = (home: string) => (...args: string[]) => dbferry(['--home', join(dir, home), ...args], { cwd: dir });
  const first = inHome('first');
  const second = inHome('second');

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dbferry-cli-transfer-'));
    db = await createMysqlDatabase('CREATE TABLE customers (id INT PRIMARY KEY); CREATE TABLE orders (id INT PRIMARY KEY);');
    assert.equal((await first('conn', 'add', 'maria', 'mysql://root@127.0.0.1:3306/')).exitCode, 0);
    writeFileSync(join(dir, 'nightly.yaml'), `name: nightly\nsource_connection_id: maria\ntarget_connection_id: maria\nsource_database: ${db.name}\ntarget_database: ${db.name}_copy\ntables:\n  - source_table: customers\n  - source_table: orders\n    target_table: orders_copy\n`);
    const created = await first('config', 'create', 'nightly.yaml');
    assert.equal(created.exitCode, 0, created.stderr);
  });

  after(async () => {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('exports to a file and to stdout (the same document)', async () => {
    const written = await first('config', 'export', 'export.json');
    assert.equal(written.exitCode, 0, written.stderr);
    assert.match(written.stdout, /^exported 1 connection and 1 sync config to .*export\.json\n$/);
    const file = JSON.parse(readFileSync(join(dir, 'export.json'), 'utf8')) as { connections: unknown[]; sync_configs: Array<{ name: string }> };
    assert.deepEqual(file.sync_configs.map((c) => c.name), ['nightly']);
    const printed = await first('config', 'export');
    const { export_time: _a, ...fromStdout } = JSON.parse(printed.stdout) as Record<string, unknown>;
    const { export_time: _b, ...fromFile } = file as unknown as Record<string, unknown>;
    assert.deepEqual(fromStdout, fromFile);
  });

  it('validates the export and shows what an import would change', async () => {
    const own = await first('config', 'validate', 'export.json');
    assert.equal(own.exitCode, 0, own.stderr);
    assert.match(own.stdout, /connection\s+maria\s+unchanged/);
    assert.match(own.stdout, /export\.json is valid: 1 connection, 1 sync config\n$/);
    const elsewhere = await second('config', 'validate', 'export.json');
    assert.match(elsewhere.stdout, /sync config\s+nightly\s+create/);
  });

  it('dry-runs, imports, and re-imports as a no-op into another store', async () => {
    const dry = await second('config', 'import', 'export.json', '--dry-run');
    assert.equal(dry.exitCode, 0, dry.stderr);
    assert.match(dry.stdout, /dry run: nothing written/);
    assert.equal(JSON.parse((await second('config', 'ls', '--json')).stdout).data.length, 0);
    const imported = await second('config', 'import', 'export.json');
    assert.equal(imported.exitCode, 0, imported.stderr);
    assert.match(imported.stdout, /imported export\.json\n$/);
    const again = await second('config', 'import', 'export.json');
    assert.match(again.stdout, /nothing to import: export\.json matches the store\n$/);
    const shown = JSON.parse((await second('config', 'show', 'nightly', '--json')).stdout) as { data: { tables: Array<{ target_table: string }> } };
    assert.deepEqual(shown.data.tables.map((t) => t.target_table), ['customers', 'orders_copy']);
  });

  it('refuses a conflicting import with exit 2 and DBF_IMPORT_CONFLICT unless --overwrite', async () => {
    const file = JSON.parse(readFileSync(join(dir, 'export.json'), 'utf8')) as { sync_configs: Array<{ enabled: boolean }> };
    const config = file.sync_configs[0];
    assert.ok(config);
    config.enabled = false;
    writeFileSync(join(dir, 'edited.json'), JSON.stringify(file));
    const refused = await second('config', 'import', 'edited.json');
    assert.equal(refused.exitCode, 2);
    assert.match(refused.stderr, /^error DBF_IMPORT_CONFLICT: the import would change sync config "nightly", which already exists/);
    const overwritten = await second('config', 'import', 'edited.json', '--overwrite', '--json');
    assert.equal(overwritten.exitCode, 0, overwritten.stderr);
    assert.deepEqual(JSON.parse(overwritten.stdout).data.sync_configs, [{ name: 'nightly', action: 'update', changes: ['enabled'] }]);
  });

  it("reads an export saved from the API (the envelope), and refuses garbage with exit 2", async () => {
    const envelope = { success: true, data: JSON.parse(readFileSync(join(dir, 'export.json'), 'utf8')) as unknown };
    writeFileSync(join(dir, 'from-api.json'), JSON.stringify(envelope));
    assert.equal((await first('config', 'validate', 'from-api.json')).exitCode, 0);
    writeFileSync(join(dir, 'garbage.json'), '{"version": "1.0", "connections": [{"name": "x"}], ');
    const broken = await first('config', 'validate', 'garbage.json');
    assert.equal(broken.exitCode, 2);
    assert.match(broken.stderr, /^error DBF_INVALID_IMPORT: .*garbage\.json is neither valid JSON nor YAML/);
    writeFileSync(join(dir, 'wrong.json'), '{"version": "1.0", "connections": [{"name": "x", "engine": "mysql", "host": "h", "port": 0}]}');
    const port = await first('config', 'import', 'wrong.json');
    assert.equal(port.exitCode, 2);
    assert.match(port.stderr, /^error DBF_INVALID_PORT: connections\[0\] "x": port "0" is out of range/);
    const missing = await first('config', 'import', 'no-such-file.json');
    assert.equal(missing.exitCode, 2);
    assert.match(missing.stderr, /^error DBF_FILE_UNREADABLE: /);
    const unwritable = await first('config', 'export', join(dir, 'no-such-dir', 'x.json'));
    assert.equal(unwritable.exitCode, 2);
    assert.match(unwritable.stderr, /^error DBF_FILE_UNWRITABLE: cannot write .* ENOENT/);
  });
});
