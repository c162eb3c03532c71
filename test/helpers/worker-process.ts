import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { openRuntime } from '../../src/composition.js';
import { loadSettings } from '../../src/config/settings.js';
import { createLogger } from '../../src/logging/logger.js';

/**
 * A dbferry worker as a real child process, for the fault tests (kill -9, SIGSTOP/SIGCONT, cancel from
 * another process):
 *
 *   node --import tsx test/helpers/worker-process.ts STORE_URL HOME LEASE_MS [CONCURRENCY]   (cwd: project root)
 *
 * opens the runtime with allow_test_jobs, starts a worker (runner + reaper, boot reconciliation
 * first), prints one JSON line `{"ready":true,"worker_id":…,"pid":…}` on stdout and runs until killed;
 * SIGTERM stops the runner, closes the runtime and exits 0. Its logs are JSON lines on stderr.
 * Imported (not run), this module is the parent's side: `spawnWorker` and `killAllWorkers`.
 */

const SCRIPT = fileURLToPath(import.meta.url);
export const PROJECT_ROOT = resolve(dirname(SCRIPT), '../..');

async function main(): Promise<void> {
  const [store, home, leaseArg, concurrencyArg] = process.argv.slice(2);
  if (!store || !home || !leaseArg) {
    process.stderr.write('usage: worker-process.ts STORE_URL HOME LEASE_MS [CONCURRENCY]\n');
    process.exit(2);
  }
  const settings = loadSettings({
    env: {},
    cwd: home,
    flags: { home, store, lease_ms: Number(leaseArg), allow_test_jobs: true, max_concurrency: Number(concurrencyArg ?? 2), 'log.level': 'debug', 'log.format': 'json' },
  });
  const runtime = await openRuntime(settings, createLogger(settings, process.stderr));
  const runner = await runtime.startWorker();
  let stopping = false;
  process.on('SIGTERM', () => {
    if (stopping) return;
    stopping = true;
    runtime.logger.info('SIGTERM: stopping the worker');
    runtime
      .close()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        process.stderr.write(`close failed: ${String(error)}\n`);
        process.exit(1);
      });
  });
  process.stdout.write(`${JSON.stringify({ ready: true, worker_id: runner.workerId, pid: process.pid })}\n`);
}

export interface LogLine {
  readonly msg?: string;
  readonly level?: number;
  readonly job_id?: string;
  readonly [key: string]: unknown;
}

export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly workerId: string;
  /** When the worker said it was ready (boot reconciliation done). */
  readonly readyAt: number;
  /** Its log lines so far (JSON lines of stderr; other lines as `{ msg }`). */
  readonly logs: LogLine[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  signal(signal: NodeJS.Signals): void;
  /** kill -9 and wait until the process is gone (its pid is then dead for boot reconciliation). */
  kill9(): Promise<void>;
  /** SIGTERM (a SIGSTOPped process is continued first) and wait; kill -9 if it does not exit in time. */
  stop(timeoutMs?: number): Promise<void>;
}

const live = new Set<WorkerProcess>();

export async function spawnWorker(options: { store: string; home: string; leaseMs: number; concurrency?: number; readyTimeoutMs?: number }): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, options.store, options.home, String(options.leaseMs), String(options.concurrency ?? 2)], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  const logs: LogLine[] = [];
  createInterface({ input: child.stderr }).on('line', (line) => {
    try {
      logs.push(JSON.parse(line) as LogLine);
    } catch {
      logs.push({ msg: line });
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.once('exit', (code, signal) => done({ code, signal })));
  const ready = await new Promise<{ worker_id: string; pid: number }>((done, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`worker process not ready within ${options.readyTimeoutMs ?? 30_000} ms; logs: ${JSON.stringify(logs.slice(-5))}`));
    }, options.readyTimeoutMs ?? 30_000);
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      const parsed = JSON.parse(line) as { ready?: boolean; worker_id: string; pid: number };
      if (parsed.ready) {
        clearTimeout(timer);
        done(parsed);
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      fail(new Error(`worker process exited (${code ?? signal}) before it was ready; logs: ${JSON.stringify(logs.slice(-5))}`));
    });
  });
  let gone = false;
  void exited.then(() => (gone = true));
  const worker: WorkerProcess = {
    child,
    pid: ready.pid,
    workerId: ready.worker_id,
    readyAt: Date.now(),
    logs,
    exited,
    signal: (signal) => {
      if (!gone) child.kill(signal);
    },
    kill9: async () => {
      if (!gone) child.kill('SIGKILL');
      await exited;
      live.delete(worker);
    },
    stop: async (timeoutMs = 10_000) => {
      if (!gone) {
        child.kill('SIGCONT');
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        await exited;
        clearTimeout(timer);
      }
      live.delete(worker);
    },
  };
  live.add(worker);
  return worker;
}

/** For `after` hooks: every worker this process spawned and did not stop yet is killed (-9) and awaited. */
export async function killAllWorkers(): Promise<void> {
  await Promise.all([...live].map((w) => w.kill9()));
}

process.once('exit', () => {
  for (const w of live) w.child.kill('SIGKILL');
});

if (process.argv[1] !== undefined && resolve(process.argv[1]) === SCRIPT) {
  main().catch((error: unknown) => {
    process.stderr.write(`worker process failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
