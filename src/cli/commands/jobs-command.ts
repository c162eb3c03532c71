import type { Command } from 'commander';
import { DbfError } from '../../domain/errors.js';
import { JOB_STATUSES } from '../../domain/job.js';
import type { JobView } from '../../jobs/job-view.js';
import { afterStart } from '../follow-job.js';
import { renderJobDetail, renderJobList } from '../job-format.js';
import { printJson } from '../output.js';
import type { CliAction } from '../program.js';
import { readConfigFile } from '../input-file.js';
import { showLogs, watchJob } from './job-live.js';

/** A non-negative integer flag within bounds, or DBF_USAGE naming the flag. */
function intOption(flag: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n < min || n > max) throw new DbfError('DBF_USAGE', `${flag} must be an integer between ${min} and ${max}, not "${raw}"`);
  return n;
}

interface LsOptions {
  readonly active?: boolean;
  readonly status?: string;
  readonly limit?: string;
  readonly offset?: string;
}

/** `dbferry jobs ls | show | logs | cancel | watch | prune | start-test`: thin over JobService, all read from the store. */
export function registerJobsCommand(program: Command, action: CliAction): void {
  const jobs = program.command('jobs').description('list, inspect, follow and cancel jobs');

  jobs
    .command('ls')
    .description('list jobs, newest first (--active: pending and running, oldest first)')
    .option('--active', 'only pending and running jobs')
    .option('--status <status>', 'only jobs in this status: pending, running, completed, failed or cancelled')
    .option('--limit <n>', 'at most this many jobs (default 50, at most 500)')
    .option('--offset <n>', 'skip this many jobs first')
    .action(
      action(async (ctx, _args, opts: LsOptions) => {
        const runtime = await ctx.runtime();
        const limit = intOption('--limit', opts.limit, 1, 500) ?? 50;
        const offset = intOption('--offset', opts.offset, 0, Number.MAX_SAFE_INTEGER) ?? 0;
        if (opts.status !== undefined && !(JOB_STATUSES as readonly string[]).includes(opts.status)) {
          throw new DbfError('DBF_USAGE', `--status must be one of ${JOB_STATUSES.join(', ')}, not "${opts.status}"`);
        }
        let items: JobView[];
        let total: number;
        if (opts.active === true) {
          const active = (await runtime.jobs.active()).filter((j) => opts.status === undefined || j.status === opts.status);
          total = active.length;
          items = active.slice(offset, offset + limit);
        } else {
          const page = await runtime.jobs.list({ ...(opts.status === undefined ? {} : { status: opts.status }), limit, offset });
          total = page.total;
          items = page.items;
        }
        if (ctx.json) return printJson(ctx.io, items, { total, limit, offset });
        if (items.length === 0) return ctx.say(total > 0 ? `no jobs at offset ${offset} (${total} in all)` : opts.active === true ? 'no active jobs' : 'no jobs yet');
        ctx.io.stdout.write(renderJobList(items));
        if (total > offset + items.length) ctx.say(`(${items.length} of ${total}; --offset ${offset + items.length} for more)`);
      }),
    );

  jobs
    .command('show')
    .description('show one job with per-table progress')
    .argument('<id>', 'job id')
    .action(
      action(async (ctx, [id]) => {
        const view = await (await ctx.runtime()).jobs.get(id);
        if (ctx.json) return printJson(ctx.io, view);
        ctx.io.stdout.write(renderJobDetail(view, Date.now()));
      }),
    );

  jobs
    .command('logs')
    .description("print a job's log (time level type [table] message)")
    .argument('<id>', 'job id')
    .option('--level <level>', 'this level and above: debug, info, warn or error')
    .option('--follow', 'keep printing new lines until the job has finished (NDJSON with --json)')
    .action(action(async (ctx, [id], opts: { level?: string; follow?: boolean }) => showLogs(ctx, id, opts)));

  jobs
    .command('cancel')
    .description('cancel a pending job (at once) or a running one (its worker stops at its next heartbeat)')
    .argument('<id>', 'job id')
    .action(
      action(async (ctx, [id]) => {
        const result = await (await ctx.runtime()).jobs.cancel(id);
        if (ctx.json) return printJson(ctx.io, result);
        ctx.say(result.outcome === 'cancelled' ? `job ${id} cancelled` : `cancel requested; the worker stops at its next heartbeat (job ${id})`);
      }),
    );

  jobs
    .command('watch')
    .description("follow a job's lifecycle live; exit 0 when it completed and left the active list soundly")
    .argument('<id>', 'job id')
    .action(action(async (ctx, [id]) => watchJob(ctx, id)));

  jobs
    .command('prune')
    .description('delete finished jobs (with their tables and events) older than N days; active jobs are never touched')
    .requiredOption('--older-than-days <n>', 'finished more than this many days ago (1 or more)')
    .action(
      action(async (ctx, _args, opts: { olderThanDays: string }) => {
        const days = intOption('--older-than-days', opts.olderThanDays, 1, 36_500);
        const result = await (await ctx.runtime()).jobs.prune({ older_than_days: days });
        if (ctx.json) return printJson(ctx.io, result);
        ctx.say(`deleted ${result.deleted} finished job(s) that ended before ${result.before}`);
      }),
    );

  jobs
    .command('start-test')
    .description('start a job of the built-in test task (lifecycle tests and demos; needs allow_test_jobs)')
    .argument('<file>', 'JSON or YAML: {tables: [{name, rows, fail?}], step_rows?, step_ms?, fail_attempts?}')
    .option('--name <name>', 'a name; only one active test job may carry it')
    .option('--wait', 'follow the job to its end (runs a worker in this process if none is alive); exit 1 if it did not complete')
    .action(
      action(async (ctx, [file], opts: { name?: string; wait?: boolean }) => {
        const runtime = await ctx.runtime();
        const view = await runtime.jobs.startTest(readConfigFile(file, ctx.io.cwd, 'DBF_INVALID_INPUT'), 'cli', opts.name === undefined ? {} : { name: opts.name });
        await afterStart(ctx, runtime, view, opts.wait === true);
      }),
    );
}
