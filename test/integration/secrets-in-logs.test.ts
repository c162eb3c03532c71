import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { buildApp } from '../../src/api/app.js';
import { appDepsOf, openRuntime } from '../../src/composition.js';
import type { Runtime } from '../../src/composition.js';
import { loadSettings } from '../../src/config/settings.js';
import { createLogger } from '../../src/logging/logger.js';
import { randomName, withMysqlAdmin } from '../helpers/servers.js';

const SECRET = 'Log-Leak-Canary-Pw-9431';

describe('secrets never reach a log line', () => {
  let lines = '';
  let home: string;
  let runtime: Runtime;
  const user = randomName('dbf_log');

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'dbferry-logs-'));
    const settings = loadSettings({ env: {}, cwd: home, flags: { home, 'log.level': 'trace' } });
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines += chunk.toString();
        done();
      },
    });
    runtime = await openRuntime(settings, createLogger({ log: { level: 'trace', format: 'json' } }, sink));
    await withMysqlAdmin((conn) => conn.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${SECRET}'`));
  });

  after(async () => {
    await withMysqlAdmin((conn) => conn.query(`DROP USER IF EXISTS '${user}'@'%'`));
    await runtime.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('logs requests at trace level without the password, whether the request succeeds or fails', async () => {
    const app = await buildApp(appDepsOf(runtime, true));
    const url = `mysql://${user}:${SECRET}@127.0.0.1:3306/`;
    const ok = await app.inject({ method: 'POST', url: '/api/sync/connections', payload: { name: 'logged', url } });
    assert.equal(ok.statusCode, 201, ok.body);
    const bad = await app.inject({ method: 'POST', url: '/api/sync/connections/test', payload: { url: `mysql://${user}:${SECRET}x@127.0.0.1:3306/` } });
    assert.equal(bad.statusCode, 422);
    const broken = await app.inject({ method: 'POST', url: '/api/sync/connections', payload: `{"name": "x", "url": "${url}"`, headers: { 'content-type': 'application/json' } });
    assert.equal(broken.statusCode, 400, 'a body that fails to parse is not echoed into the log either');
    await app.close();
    assert.ok(lines.split('\n').filter(Boolean).length >= 4, 'requests were logged');
    assert.equal(lines.includes(SECRET), false);
  });

  it('redacts secret-named fields that a careless log call might pass', () => {
    runtime.logger.info({ password: SECRET, connection: { url: `mysql://u:${SECRET}@h/db`, password: SECRET } }, 'careless');
    assert.match(lines, /careless/);
    assert.equal(lines.includes(SECRET), false);
  });
});
