import type { Runtime } from '../../composition.js';
import { DbfError } from '../../domain/errors.js';
import { isTerminal } from '../../domain/job.js';
import type { JobEventView } from '../../jobs/job-service.js';
import type { CliContext } from '../context.js';
import { ExitError } from '../io.js';
import type { FollowResult } from '../follow-job.js';
import { ChangeGate, followJob, jobFailure, lifecycleProblems, POLL_MS, ProgressPrinter } from '../follow-job.js';
import { eventLine, heartbeatAgeMs } from '../job-format.js';
import { printJson } from '../output.js';
import { pause, watchSignals } from '../signals.js';

/** The two commands that stream: `jobs logs ID --follow` and `jobs watch ID` (NDJSON with --json). */

const LOG_PAGE = 1_000;

/** Every event of a job after `afterId`, page by page; answers the last id seen. */
export async function drainLogs(runtime: Runtime, id: string, afterId: number, level: string | undefined, print: (e: JobEventView) => void): Promise<number> {
  let last = afterId;
  for (;;) {
    const page = await runtime.jobs.logs(id, { after_id: last, limit: LOG_PAGE, ...(level === undefined ? {} : { level }) });
    for (const event of page.items) {
      print(event);
      last = event.id;
    }
    if (page.items.length < LOG_PAGE) return last;
  }
}

/**
 * `jobs logs ID [--level L] [--follow]`. Following reads the job's status before each read of the log,
 * so once it has seen the job terminal, one more read prints the last events (the final write commits
 * the status and its events together) and it stops.
 */
export async function showLogs(ctx: CliContext, id: string, opts: { level?: string; follow?: boolean }): Promise<void> {
  const runtime = await ctx.runtime();
  if (opts.follow !== true) {
    const events: JobEventView[] = [];
    await drainLogs(runtime, id, 0, opts.level, (e) => events.push(e));
    if (ctx.json) return printJson(ctx.io, events, { total: events.length });
    if (events.length === 0) return ctx.say(`job ${id} has no log lines${opts.level === undefined ? '' : ` at level ${opts.level} or above`}`);
    ctx.io.stdout.write(events.map((e) => `${eventLine(e)}\n`).join(''));
    return;
  }
  const print = (e: JobEventView): void => void ctx.io.stdout.write(`${ctx.json ? JSON.stringify(e) : eventLine(e)}\n`);
  const signals = watchSignals();
  try {
    let last = 0;
    for (;;) {
      const status = (await runtime.jobs.get(id)).status;
      last = await drainLogs(runtime, id, last, opts.level, print);
      if (isTerminal(status)) return;
      await pause(POLL_MS, signals.signal);
      if (signals.signal.aborted) throw new DbfError('DBF_INTERRUPTED', `interrupted (${String(signals.signal.reason)}): stopped following the log of job ${id}`);
    }
  } finally {
    signals.dispose();
  }
}

/**
 * `jobs watch ID`: DB-Taxi's monitor_job_lifecycle.sh done right. Prints the job's state as it changes
 * (status, table, rows, rate, heartbeat age); when the job is terminal it re-reads the active list and
 * checks the invariants a finished job must meet. Exit 0: completed and sound; 1: failed or cancelled
 * (soundly); DBF_LIFECYCLE_UNSOUND (1) when the finished job breaks an invariant.
 */
export async function watchJob(ctx: CliContext, id: string): Promise<void> {
  const runtime = await ctx.runtime();
  const { leaseMs } = runtime.timing;
  const gate = new ChangeGate();
  const printer = ctx.json ? null : new ProgressPrinter(ctx.io.stdout, leaseMs);
  const line = (record: Record<string, unknown>): void => void ctx.io.stdout.write(`${JSON.stringify(record)}\n`);
  const signals = watchSignals();
  let result: FollowResult;
  try {
    result = await followJob(runtime, id, {
      signal: signals.signal,
      onUpdate: (view) => {
        if (printer) return printer.update(view);
        const now = Date.now();
        if (!gate.shouldPrint(view, now)) return;
        line({
          type: 'progress', at: new Date(now).toISOString(), job_id: view.id, status: view.status, attempt: view.attempt, max_attempts: view.max_attempts,
          current_table: view.current_table, completed_tables: view.completed_tables, failed_tables: view.failed_tables, total_tables: view.total_tables,
          processed_rows: view.processed_rows, total_rows: view.total_rows, progress_percent: view.progress_percent, rows_per_second: view.rows_per_second,
          heartbeat_age_ms: heartbeatAgeMs(view, now), cancel_requested: view.cancel_requested,
        });
      },
      onNoWorker: () => void ctx.io.stderr.write(`warning: no live worker shares this store; job ${id} waits for \`dbferry serve\` or \`dbferry worker\`\n`),
    });
  } finally {
    printer?.end();
    signals.dispose();
  }
  if (result.kind === 'interrupted') throw new DbfError('DBF_INTERRUPTED', `interrupted (${result.signal}): stopped watching job ${id}, which is ${result.view.status}`);
  const view = result.view;
  const problems = await lifecycleProblems(runtime, id);
  const left = !problems.includes('it is still in the active list');
  if (ctx.json) line({ type: 'result', job_id: id, status: view.status, finished_at: view.finished_at, left_active_list: left, sound: problems.length === 0, problems, error: view.error });
  if (problems.length > 0) throw new DbfError('DBF_LIFECYCLE_UNSOUND', `job ${id} is ${view.status} but ${problems.join('; ')}`, { details: { job_id: id, problems } });
  ctx.say(`job ${id} ${view.status}; it left the active list`);
  if (view.status !== 'completed') {
    const failure = jobFailure(view);
    ctx.io.stderr.write(`error ${failure.code}: ${failure.message}\n`);
    throw new ExitError(1);
  }
}
