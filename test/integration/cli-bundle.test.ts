import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

/**
 * The package's bin is the bundled CLI (dist/bin/dbferry.js, made by `npm run build`), not the
 * modules the other tests load through tsx: these tests run that file as a user does. They catch what
 * only bundling can break: files found relative to the code (package.json, the dashboard's build),
 * the `serve` chunk loaded on demand, and dependencies left outside the bundle.
 */

const ROOT = new URL('../../', import.meta.url).pathname;
const BIN = join(ROOT, 'dist', 'bin', 'dbferry.js');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The parent's environment without its DBFERRY_* settings, plus `env`. */
function cleanEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DBFERRY_'))), ...env };
}

function run(args: readonly string[], cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: cleanEnv({}) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the bundled CLI (dist/bin/dbferry.js)', () => {
  const home = mkdtempSync(join(tmpdir(), 'dbferry-bundle-'));
  after(() => rmSync(home, { recursive: true, force: true }));

  it('is built', () => {
    assert.ok(existsSync(BIN), `${BIN} is missing: run npm run build`);
  });

  it('prints the package version', async () => {
    const result = await run(['--version'], home);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim(), VERSION);
  });

  it('runs the README\'s first command (the demo) as a verified job', async () => {
    const result = await run(['--home', home, '--log-level', 'silent', 'demo'], home);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^job \S+ completed in .*: 5\/5 tables, 425,000 rows, .*every table verified$/m);
  });

  it('serves the API, its OpenAPI document and the dashboard', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--host', '127.0.0.1', '--port', '0'], {
      cwd: home,
      env: cleanEnv({ DBFERRY_HOME: join(home, 'serve'), DBFERRY_LOG_LEVEL: 'warn' }),
    });
    let output = '';
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      const origin = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`serve did not start within 20 s:\n${output}`)), 20_000);
        child.stderr.on('data', () => {
          const m = /on (http:\/\/127\.0\.0\.1:\d+)\/api/.exec(output);
          if (m?.[1]) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
        child.once('exit', (code) => reject(new Error(`serve exited with ${code}:\n${output}`)));
      });
      const health = (await (await fetch(`${origin}/health`)).json()) as { data: { version: string } };
      assert.equal(health.data.version, VERSION);
      const docs = (await (await fetch(`${origin}/docs/json`)).json()) as { openapi: string; paths: Record<string, unknown> };
      assert.match(docs.openapi, /^3\./);
      assert.ok('/api/sync/jobs' in docs.paths, Object.keys(docs.paths).join(', '));
      const page = await fetch(`${origin}/jobs/some-id`);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<div id="app"|<script type="module"/);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});
