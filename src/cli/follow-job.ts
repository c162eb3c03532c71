import type { Runtime } from '../composition.js';
import { DbfError } from '../domain/errors.js';
import { isTerminal } from '../domain/job.js';
import type { JobView } from '../jobs/job-view.js';
import type { CliContext } from './context.js';
import { ExitError } from './io.js';
import { formatCount, formatDuration, progressLine } from './job-format.js';
import { printJson } from './output.js';
import { pause, watchSignals } from './signals.js';

/**
 * Following one job until it is terminal, shared by `run --wait`, `jobs start-test --wait` and
 * `jobs watch`. Everything is read from the store (invariant 1): the job row by polling, the active
 * list and the doctor when checking that the job ended soundly.
 */

export const POLL_MS = 250;
/** How often a pending job's follower re-checks that some worker is alive to claim it. */
const WORKER_CHECK_MS = 5_000;

export type FollowResult = { readonly kind: 'terminal'; readonly view: JobView } | { readonly kind: 'interrupted'; readonly signal: string; readonly view: JobView };

export interface FollowOptions {
  readonly signal: AbortSignal;
  readonly onUpdate?: (view: JobView) => void;
  /** Told once when the job is pending and no live worker shares the store. */
  readonly onNoWorker?: () => void;
  readonly intervalMs?: number;
}

export async function followJob(runtime: Runtime, id: string, options: FollowOptions): Promise<FollowResult> {
  let lastWorkerCheck = 0;
  let warned = false;
  for (;;) {
    const view = await runtime.jobs.get(id);
    options.onUpdate?.(view);
    if (isTerminal(view.status)) return { kind: 'terminal', view };
    const now = Date.now();
    if (!warned && options.onNoWorker && view.status === 'pending' && now - lastWorkerCheck >= WORKER_CHECK_MS) {
      lastWorkerCheck = now;
      if ((await runtime.workers.alive(now, runtime.timing.leaseMs)).length === 0) {
        warned = true;
        options.onNoWorker();
      }
    }
    await pause(options.intervalMs ?? POLL_MS, options.signal);
    if (options.signal.aborted) return { kind: 'interrupted', signal: String(options.signal.reason), view };
  }
}

/**
 * Decides when a follower prints: at once when the status, attempt, table or cancel flag changes,
 * at most every `everyMs` for row counts, and at least every `quietMs` (so a heartbeat that stops
 * moving shows).
 */
export class ChangeGate {
  #lastState = '';
  #lastRows = '';
  #lastAt = 0;

  constructor(
    private readonly everyMs = 1_000,
    private readonly quietMs = 5_000,
  ) {}

  shouldPrint(view: JobView, now: number): boolean {
    const state = `${view.status}|${view.attempt}|${view.current_table ?? ''}|${view.cancel_requested}|${view.completed_tables}|${view.failed_tables}`;
    const rows = `${view.processed_rows}`;
    const print = state !== this.#lastState || (rows !== this.#lastRows && now - this.#lastAt >= this.everyMs) || now - this.#lastAt >= this.quietMs;
    if (print) {
      this.#lastState = state;
      this.#lastRows = rows;
      this.#lastAt = now;
    }
    return print;
  }
}

/** Human progress lines: one overwritten line on a TTY, a line per change otherwise. */
export class ProgressPrinter {
  readonly #gate = new ChangeGate();
  #open = false;

  constructor(
    private readonly out: { write(text: string): unknown; isTTY?: boolean },
    private readonly leaseMs: number,
  ) {}

  update(view: JobView): void {
    const now = Date.now();
    const line = progressLine(view, now, this.leaseMs);
    if (this.out.isTTY === true) {
      this.out.write(`\r\x1b[K${line}`);
      this.#open = true;
    } else if (this.#gate.shouldPrint(view, now)) {
      this.out.write(`${line}\n`);
    }
  }

  /** Ends an overwritten line so that what follows starts on its own. */
  end(): void {
    if (this.#open) this.out.write('\n');
    this.#open = false;
  }
}

/** The error a finished job reports: its stored error, or what its status means. */
export function jobFailure(view: JobView): { code: string; message: string } {
  if (view.error !== null) return view.error;
  return view.status === 'cancelled' ? { code: 'DBF_JOB_CANCELLED', message: `job ${view.id} was cancelled` } : { code: 'DBF_TASK_FAILED', message: `job ${view.id} ${view.status}` };
}

/** Ways a terminal job breaks the lifecycle invariants; empty when it ended soundly. */
export async function lifecycleProblems(runtime: Runtime, id: string): Promise<string[]> {
  const active = await runtime.jobs.active();
  const view = await runtime.jobs.get(id);
  const problems: string[] = [];
  if (!isTerminal(view.status)) problems.push(`its status is ${view.status}, not terminal`);
  if (active.some((j) => j.id === id)) problems.push('it is still in the active list');
  if (view.finished_at === null) problems.push('it has no finish time');
  for (const t of view.tables) if (t.status === 'pending' || t.status === 'running') problems.push(`its table ${t.target_table} is still ${t.status}`);
  if (view.status === 'completed' && view.tables.some((t) => t.status === 'failed')) problems.push('it is completed although a table failed');
  for (const z of await runtime.doctor.find()) if (z.job_id === id && z.kind === 'orphan_lock') problems.push(z.reason);
  return problems;
}

/** `error CODE: message` for a job that did not complete, the envelope with --json, then exit 1. */
export function failWithJob(ctx: CliContext, view: JobView, json: boolean): never {
  const failure = jobFailure(view);
  ctx.io.stderr.write(`error ${failure.code}: ${failure.message}\n`);
  if (json) ctx.io.stdout.write(`${JSON.stringify({ success: false, error: { ...failure, details: { job: view } } })}\n`);
  throw new ExitError(1);
}

/**
 * What `run` and `jobs start-test` do with the job they started: print its id (the view with --json)
 * and, without --wait, warn when no worker will pick it up. With --wait, start a worker in this process
 * if none is alive, follow the job to its end, and exit 0 only if it completed.
 */
export async function afterStart(ctx: CliContext, runtime: Runtime, view: JobView, wait: boolean): Promise<void> {
  const note = (text: string): void => {
    if (ctx.options.quiet !== true) ctx.io.stderr.write(`${text}\n`);
  };
  const alive = await runtime.workers.alive(Date.now(), runtime.timing.leaseMs);
  if (!wait) {
    if (ctx.json) printJson(ctx.io, view);
    else ctx.io.stdout.write(`${view.id}\n`);
    if (alive.length === 0) note(`warning: no live worker shares this store; job ${view.id} waits for \`dbferry serve\` or \`dbferry worker\``);
    return;
  }
  if (!ctx.json) ctx.io.stdout.write(`${view.id}\n`);
  const ownWorker = alive.length === 0 ? await runtime.startWorker() : null;
  if (ownWorker) note(`no live worker shares this store: running job ${view.id} in this process (worker ${ownWorker.workerId})`);
  const signals = watchSignals();
  const printer = ctx.json || ctx.options.quiet === true ? null : new ProgressPrinter(ctx.io.stderr, runtime.timing.leaseMs);
  let result: FollowResult;
  try {
    result = await followJob(runtime, view.id, {
      signal: signals.signal,
      onUpdate: (v) => printer?.update(v),
      onNoWorker: () => note(`warning: no live worker shares this store; job ${view.id} waits for \`dbferry serve\` or \`dbferry worker\``),
    });
  } finally {
    printer?.end();
    signals.dispose();
  }
  if (result.kind === 'interrupted') {
    const fate = ownWorker ? 'the worker in this process stops and the job goes back to the queue as its next attempt' : `the job goes on; follow it with \`dbferry jobs watch ${view.id}\``;
    throw new DbfError('DBF_INTERRUPTED', `interrupted (${result.signal}) while waiting for job ${view.id}: ${fate}`);
  }
  const done = result.view;
  if (done.status !== 'completed') failWithJob(ctx, done, ctx.json);
  if (ctx.json) return printJson(ctx.io, done);
  ctx.say(`job ${done.id} completed in ${formatDuration(done.duration_ms)}: ${done.completed_tables}/${done.total_tables} tables, ${formatCount(done.processed_rows)} rows`);
}
