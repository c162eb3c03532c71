import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './dashboard-build.js';

export interface ServeProcess {
  /** `http://127.0.0.1:PORT` */
  readonly origin: string;
  readonly home: string;
  /** What the server wrote to stderr so far (its request log and messages). */
  readonly output: () => string;
  stop(): Promise<void>;
}

/**
 * A real `dbferry serve` (API, dashboard and an in-process worker) in a child process, on a free
 * port, with a fresh home (SQLite metadata store). Resolves once it listens.
 */
export async function startServe(env: Record<string, string> = {}): Promise<ServeProcess> {
  const home = mkdtempSync(join(tmpdir(), 'dbferry-browser-'));
  // The developer's own DBFERRY_* settings stay out: the server sees only this test's.
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DBFERRY_')));
  const child: ChildProcess = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), join(REPO, 'src', 'cli', 'main.ts'), 'serve', '--host', '127.0.0.1', '--port', '0'], {
    cwd: home,
    env: { ...clean, DBFERRY_HOME: home, DBFERRY_LEASE_MS: '6000', DBFERRY_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
  const origin = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dbferry serve did not start within 30 s:\n${output}`)), 30_000);
    const check = (): void => {
      const m = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stderr?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`dbferry serve exited with ${code} before listening:\n${output}`));
    });
  });
  return {
    origin,
    home,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(home, { recursive: true, force: true });
    },
  };
}
