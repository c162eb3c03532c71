import type { Command } from 'commander';
import { syncOptionsSchema } from '../../catalog/sync-config-input.js';
import type { Runtime } from '../../composition.js';
import { DbfError } from '../../domain/errors.js';
import { isTerminal } from '../../domain/job.js';
import { parseInput } from '../../domain/validation.js';
import type { JobView } from '../../jobs/job-view.js';
import type { SyncPlan } from '../../sync/sync-planner.js';
import type { TableMode } from '../../sync/sync-request.js';
import type { VerifyReport } from '../../sync/verifier.js';
import type { CliContext } from '../context.js';
import { ExitError } from '../io.js';
import { failWithJob, POLL_MS } from '../follow-job.js';
import { formatCount, formatCounted, formatDuration } from '../job-format.js';
import { formatBytes, printJson, renderTable } from '../output.js';
import type { CliAction } from '../program.js';
import { pause, watchSignals } from '../signals.js';
import { TableProgress } from '../table-progress.js';
import { drainLogs } from './job-live.js';

interface SyncFlags {
  from: string;
  to: string;
  tables?: string;
  exclude?: string;
  mode: string;
  strategy: string;
  where?: string[];
  cursor?: string[];
  detectDeletes?: boolean;
  overlap: string;
  concurrency?: string;
  objects?: boolean;
  verify: boolean;
  dryRun?: boolean;
}

const list = (text: string | undefined): string[] | undefined => text?.split(',').map((s) => s.trim()).filter((s) => s !== '');
const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** `TABLE:VALUE` flags (`--where`, `--cursor`) as a map by table; a table named twice is an error. */
function perTable(flag: string, values: readonly string[] | undefined): Record<string, string> | undefined {
  if (values === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const value of values) {
    const at = value.indexOf(':');
    const table = value.slice(0, at).trim();
    const rest = value.slice(at + 1).trim();
    if (at <= 0 || rest === '') throw new DbfError('DBF_USAGE', `${flag} takes TABLE:${flag === '--where' ? 'CONDITION' : 'COLUMN'}, not "${value}"`);
    if (table in out) throw new DbfError('DBF_USAGE', `${flag} names ${table} twice`);
    out[table] = rest;
  }
  return out;
}

function modeOf(flags: SyncFlags): TableMode {
  if (flags.mode !== 'full' && flags.mode !== 'incremental') throw new DbfError('DBF_USAGE', `--mode must be full or incremental, not "${flags.mode}"`);
  if (flags.mode === 'full' && (flags.cursor !== undefined || flags.detectDeletes === true)) throw new DbfError('DBF_USAGE', '--cursor and --detect-deletes are for --mode incremental');
  return flags.mode;
}

function optionsOf(flags: SyncFlags) {
  const concurrency = flags.concurrency === undefined ? null : Number(flags.concurrency);
  const overlap = Number(flags.overlap);
  return parseInput(
    syncOptionsSchema,
    { strategy: flags.strategy, verify: flags.verify, max_concurrency: concurrency, objects: flags.objects === true, overlap_seconds: overlap, detect_deletes: flags.detectDeletes === true },
    'DBF_USAGE',
    'sync options',
  );
}

/** ', verified' when every table was; else says which were not (an incremental run without delete detection is not). */
function verifiedNote(job: JobView): string {
  const unverified = job.tables.filter((t) => t.verified !== true).map((t) => t.target_table);
  if (unverified.length === 0) return ', verified';
  return unverified.length === job.tables.length ? ', not verified' : `, verified but for ${unverified.join(', ')}`;
}

export function renderPlan(plan: SyncPlan): string {
  const head = [
    `from   ${plan.source} (${plan.source_server})`,
    `to     ${plan.target} (${plan.target_server}); target database ${plan.target_database}`,
    `copy   strategy ${plan.strategy}, ${plan.verify ? 'verified' : 'not verified'}, ${plan.lanes} table${plan.lanes === 1 ? '' : 's'} at a time`,
    '',
  ].join('\n');
  const read = (t: SyncPlan['tables'][number]): string => {
    const parts = [t.incremental === null ? t.chunking : `incremental on ${t.cursor?.column ?? '?'} (${t.cursor?.how ?? ''}${t.cursor?.indexed === false ? ', not indexed' : ''}): ${t.incremental}`];
    if (t.where_clause !== null) parts.push(`where ${t.where_clause}`);
    return parts.join('; ');
  };
  const rows = plan.tables.map((t, i) => [i + 1, t.source_table === t.target_table ? t.source_table : `${t.source_table} → ${t.target_table}`, t.problem?.message ?? t.action, formatCount(t.row_estimate), formatBytes(t.size_bytes), read(t)]);
  const objects = plan.objects === null ? '' : `\nthen ${plan.objects.length} objects: ${plan.objects.map((o) => `${o.kind} ${o.name}`).join(', ')}\n`;
  return `${head}\n${renderTable(['#', 'table', 'action', 'rows (est.)', 'size', 'read'], rows)}\n${objects}\n${formatCounted(plan.tables.length, 'table')}, about ${formatCount(plan.total_rows)} rows, ${formatBytes(plan.total_bytes)}. Nothing was changed (dry run).\n`;
}

/**
 * Follows a copy job to its end: per-table progress on stderr (NDJSON of the job's events on stdout
 * with --json), then exit 0 only if the job completed (every table copied and verified). Ctrl-C
 * cancels the job: it stops, its shadow tables are dropped, the live tables stay as they were.
 */
export async function followCopy(ctx: CliContext, runtime: Runtime, job: JobView): Promise<JobView> {
  const alive = await runtime.workers.alive(Date.now(), runtime.timing.leaseMs);
  const runner = alive.length === 0 ? await runtime.startWorker() : null;
  const progress = ctx.json || ctx.options.quiet === true ? null : new TableProgress(ctx.io.stderr);
  const signals = watchSignals();
  // The worker of this process says when it is done with the job: read it then, not at the next poll.
  let settled = new AbortController();
  const stopListening = runner?.onJobSettled((id) => {
    if (id === job.id) settled.abort();
  });
  let lastEvent = 0;
  let cancelling = false;
  try {
    for (;;) {
      const view = await runtime.jobs.get(job.id);
      if (ctx.json) lastEvent = await drainLogs(runtime, job.id, lastEvent, 'info', (e) => void ctx.io.stdout.write(`${JSON.stringify({ type: 'event', event: e })}\n`));
      progress?.update(view);
      if (isTerminal(view.status)) {
        if (cancelling) throw new DbfError('DBF_INTERRUPTED', `interrupted: job ${view.id} was cancelled; the target tables are as they were before the copy`);
        return view;
      }
      await pause(POLL_MS, AbortSignal.any([signals.signal, settled.signal]));
      if (settled.signal.aborted) settled = new AbortController();
      if (signals.signal.aborted && !cancelling) {
        cancelling = true;
        ctx.io.stderr.write(`\ninterrupted: cancelling job ${job.id}…\n`);
        await runtime.jobs.cancel(job.id);
      }
    }
  } finally {
    stopListening?.();
    signals.dispose();
  }
}

export function registerSyncCommands(program: Command, action: CliAction): void {
  program
    .command('sync')
    .description('one-shot copy from SRC to DST, recorded in history as a job')
    .requiredOption('--from <src>', 'source URL or saved connection name')
    .requiredOption('--to <dst>', 'target URL or saved connection name')
    .option('--tables <list>', 'only these tables (comma-separated)')
    .option('--exclude <list>', 'all tables but these')
    .option('--mode <mode>', 'full or incremental', 'full')
    .option('--strategy <strategy>', 'swap (shadow table + atomic rename) or truncate', 'swap')
    .option('--where <table:condition>', 'row filter for one table (repeatable)', collect)
    .option('--cursor <table:column>', 'incremental cursor column of one table (repeatable; default: detected)', collect)
    .option('--detect-deletes', 'incremental: delete target rows gone from the source')
    .option('--overlap <seconds>', 'incremental: re-read window for late commits', '300')
    .option('--concurrency <n>', 'tables copied at once (default: as many as this machine gains from)')
    .option('--objects', 'also copy views, triggers, routines and events')
    .option('--verify', 'verify counts and checksums after copying (default)')
    .option('--no-verify', 'skip verification')
    .option('--dry-run', 'print the plan and change nothing')
    .action(
      action(async (ctx, _args, flags: SyncFlags) => {
        const mode = modeOf(flags);
        const filters = perTable('--where', flags.where);
        const cursors = perTable('--cursor', flags.cursor);
        const options = optionsOf(flags);
        const runtime = await ctx.runtime();
        const tables = list(flags.tables);
        const exclude = list(flags.exclude);
        const input = { from: flags.from, to: flags.to, mode, options, ...(tables ? { tables } : {}), ...(exclude ? { exclude } : {}), ...(filters ? { filters } : {}), ...(cursors ? { cursors } : {}) };
        if (flags.dryRun === true) {
          const plan = await runtime.sync.planOneShot(input);
          if (ctx.json) return printJson(ctx.io, plan);
          ctx.io.stdout.write(renderPlan(plan));
          return;
        }
        const { plan, job } = await runtime.sync.startOneShot(input, 'cli');
        if (!ctx.json && ctx.options.quiet !== true) ctx.io.stderr.write(`job ${job.id}: ${plan.source} → ${plan.target}, ${formatCounted(plan.tables.length, 'table')}, about ${formatCount(plan.total_rows)} rows\n`);
        const done = await followCopy(ctx, runtime, job);
        if (done.status !== 'completed') failWithJob(ctx, done, ctx.json);
        if (ctx.json) return void ctx.io.stdout.write(`${JSON.stringify({ type: 'result', success: true, data: done })}\n`);
        ctx.say(`job ${done.id} completed in ${formatDuration(done.duration_ms)}: ${done.completed_tables}/${done.total_tables} tables, ${formatCount(done.processed_rows)} rows, ${formatBytes(done.processed_bytes)}${verifiedNote(done)}`);
      }),
    );

  program
    .command('verify')
    .description('compare row counts and checksums of SRC and DST (exit 1 when they differ)')
    .requiredOption('--from <src>', 'source URL or saved connection name')
    .requiredOption('--to <dst>', 'target URL or saved connection name')
    .option('--tables <list>', 'only these tables')
    .action(
      action(async (ctx, _args, flags: { from: string; to: string; tables?: string }) => {
        const runtime = await ctx.runtime();
        const tables = list(flags.tables);
        const report = await runtime.sync.verify({ from: flags.from, to: flags.to, ...(tables ? { tables } : {}) });
        printVerify(ctx, report);
        if (report.differing > 0) {
          ctx.io.stderr.write(`error DBF_VERIFY_MISMATCH: ${report.differing} of ${report.tables.length} tables differ: ${report.tables.filter((t) => !t.equal).map((t) => t.table).join(', ')}\n`);
          throw new ExitError(1);
        }
      }),
    );
}

function printVerify(ctx: CliContext, report: VerifyReport): void {
  if (ctx.json) return printJson(ctx.io, report);
  const rows = report.tables.map((t) => [
    t.table, formatCount(t.source_rows), t.target_rows === null ? 'missing' : formatCount(t.target_rows), t.equal ? 'equal' : 'DIFFERENT',
    t.differing_ranges.map((r) => `${r.range} (${r.sourceRows} vs ${r.targetRows})`).join('; '),
  ]);
  ctx.io.stdout.write(`${renderTable(['table', 'source rows', 'target rows', 'verdict', 'differing key ranges'], rows)}\n`);
  ctx.say(report.differing === 0 ? `all ${report.tables.length} tables are equal` : `${report.differing} of ${report.tables.length} tables differ`);
}
