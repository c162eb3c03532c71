import type { Command } from 'commander';
import { afterStart } from '../follow-job.js';
import type { CliAction } from '../program.js';

/**
 * `dbferry run CONFIG [--wait]`: starts a job for a saved sync config (409 when the config already has
 * one). The job runs on whichever worker claims it; `--wait` follows it to its end (starting a worker
 * in this process when none is alive) and exits 0 only if it completed.
 */
export function registerRunCommand(program: Command, action: CliAction): void {
  program
    .command('run')
    .description('start a job for a saved sync config (prints its id)')
    .argument('<config>', 'config id or name')
    .option('--wait', 'follow the job to its end (runs a worker in this process if none is alive); exit 1 if it did not complete')
    .action(
      action(async (ctx, [config], opts: { wait?: boolean }) => {
        const runtime = await ctx.runtime();
        const view = await runtime.jobs.startConfig(config, 'cli');
        await afterStart(ctx, runtime, view, opts.wait === true);
      }),
    );
}
