import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { runCli } from '../../src/cli/program.js';

export interface CliResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `dbferry ARGS…` in-process with captured output, in `cwd`, with only the given env. */
export async function dbferry(args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const exitCode = await runCli(args, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: options.env ?? {},
    cwd: options.cwd,
  });
  return { exitCode, stdout, stderr };
}

/** The real bin through tsx, for tests that need separate processes (workers, signals). */
const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;
/** The project root, where tsx resolves. */
const ROOT = new URL('../../', import.meta.url).pathname;

export interface CliChild {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  stdout(): string;
  stderr(): string;
}

const children = new Set<ChildProcess>();

/** The parent's environment without its DBFERRY_* settings (the loader refuses unknown ones), plus `env`. */
function childEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DBFERRY_')));
  return { ...base, ...env };
}

/** Starts `dbferry ARGS…` as a child process; `killChildren` ends whatever is still running. */
export function spawnDbferry(args: readonly string[], env: NodeJS.ProcessEnv = {}): CliChild {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: ROOT, env: childEnv(env) });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      children.delete(child);
      resolve(code);
    });
  });
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

/** Starts `dbferry worker` and waits until it says it runs; answers its worker id too. */
export async function spawnWorker(globalArgs: readonly string[], env: NodeJS.ProcessEnv = {}, workerArgs: readonly string[] = []): Promise<CliChild & { readonly workerId: string }> {
  const worker = spawnDbferry([...globalArgs, 'worker', ...workerArgs], env);
  const workerId = await waitUntil(
    async () => {
      if (worker.child.exitCode !== null) throw new Error(`the worker exited ${worker.child.exitCode}: ${worker.stderr()}`);
      return /dbferry worker (\S+) running/.exec(worker.stderr())?.[1];
    },
    20_000,
    'the worker to start',
  );
  return { ...worker, workerId };
}

/** SIGKILLs every child still running and waits for them (an `after` hook's job). */
export async function killChildren(): Promise<void> {
  await Promise.all(
    [...children].map(
      (child) =>
        new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          if (!child.kill('SIGKILL')) resolve();
        }),
    ),
  );
}

/** Polls `check` every 50 ms until it answers a value, or fails after `timeoutMs` naming `what`. */
export async function waitUntil<T>(check: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
