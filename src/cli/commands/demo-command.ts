import { join } from 'node:path';
import type { Command } from 'commander';
import { syncOptionsSchema } from '../../catalog/sync-config-input.js';
import { createSampleDatabase, SAMPLE_TABLES, sampleExists } from '../../demo/sample-database.js';
import { failWithJob } from '../follow-job.js';
import { formatCount, formatDuration } from '../job-format.js';
import { formatBytes, printJson } from '../output.js';
import type { CliAction } from '../program.js';
import { followCopy } from './sync-command.js';

/**
 * `dbferry demo`: builds the sample SQLite database in `$DBFERRY_HOME/demo/` (once; `--fresh`
 * rebuilds it) and clones it to another SQLite file as a real, recorded job, with per-table progress
 * and verification: the same path as `dbferry sync`, on a machine with no database server.
 */
export function registerDemoCommand(program: Command, action: CliAction): void {
  program
    .command('demo')
    .description('build a sample SQLite database and clone it as a real job (no server needed)')
    .option('--fresh', 'rebuild the sample even if it exists')
    .action(
      action(async (ctx, _args, opts: { fresh?: boolean }) => {
        const dir = join(ctx.settings.home, 'demo');
        const source = join(dir, 'shop.db');
        const target = join(dir, 'shop-copy.db');
        const started = performance.now();
        const built = opts.fresh === true || !sampleExists(source);
        if (built) createSampleDatabase(source);
        const seconds = ((performance.now() - started) / 1000).toFixed(1);
        const totalRows = SAMPLE_TABLES.reduce((sum, t) => sum + t.rows, 0);
        ctx.say(built ? `built the sample database ${source} (${formatCount(totalRows)} rows in ${seconds} s)` : `the sample database ${source} exists (use --fresh to rebuild it)`);
        const runtime = await ctx.runtime();
        const { plan, job } = await runtime.sync.startOneShot({ from: `sqlite:${source}`, to: `sqlite:${target}`, options: syncOptionsSchema.parse({}) }, 'cli');
        ctx.say(`cloning it to ${target} as job ${job.id} (${plan.tables.length} tables, parents first; strategy swap, verified)`);
        const done = await followCopy(ctx, runtime, job);
        if (done.status !== 'completed') failWithJob(ctx, done, ctx.json);
        if (ctx.json) return printJson(ctx.io, done);
        ctx.say(`job ${done.id} completed in ${formatDuration(done.duration_ms)}: ${done.completed_tables}/${done.total_tables} tables, ${formatCount(done.processed_rows)} rows, ${formatBytes(done.processed_bytes)}, every table verified`);
        ctx.say(`see it in the history: dbferry jobs show ${done.id}`);
      }),
    );
}
