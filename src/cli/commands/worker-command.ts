import type { Command } from 'commander';
import { DbfError } from '../../domain/errors.js';
import { printJson } from '../output.js';
import type { CliAction } from '../program.js';
import { watchSignals } from '../signals.js';

/** `--concurrency N` as the settings schema bounds `max_concurrency`. */
export function parseConcurrency(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n < 1 || n > 64) throw new DbfError('DBF_USAGE', `--concurrency must be an integer between 1 and 64, not "${raw}"`);
  return n;
}

/**
 * `dbferry worker [--concurrency N]`: a runner and a reaper on the store, no API. SIGINT/SIGTERM stop
 * claiming and hand running jobs back to the queue as their next attempt (they resume from their
 * checkpoints); SIGINT exits 130 like every interrupted command, SIGTERM (a service manager's stop) 0.
 */
export function registerWorkerCommand(program: Command, action: CliAction): void {
  program
    .command('worker')
    .description('run a worker only: claims and runs pending jobs until SIGINT/SIGTERM')
    .option('--concurrency <n>', 'jobs run at once (default: max_concurrency)')
    .action(
      action(async (ctx, _args, opts: { concurrency?: string }) => {
        const concurrency = parseConcurrency(opts.concurrency);
        const runtime = await ctx.runtime();
        // Listen before starting, so a signal during start-up is not lost (and does not kill the process mid-claim).
        const signals = watchSignals();
        try {
          const runner = await runtime.startWorker(concurrency === undefined ? {} : { concurrency });
          ctx.io.stderr.write(
            `dbferry worker ${runner.workerId} running up to ${concurrency ?? runtime.settings.max_concurrency} jobs at once on store ${runtime.store.display}; Ctrl-C stops it and hands its jobs back to the queue\n`,
          );
          const signal = await signals.received;
          const running = runner.running;
          ctx.io.stderr.write(`${signal}: worker ${runner.workerId} stopping${running > 0 ? `, handing ${running} running job${running === 1 ? '' : 's'} back to the queue` : ''}\n`);
          await runner.stop();
          if (signal === 'SIGINT') throw new DbfError('DBF_INTERRUPTED', `interrupted (SIGINT): worker ${runner.workerId} stopped`);
          if (ctx.json) printJson(ctx.io, { worker_id: runner.workerId, signal, handed_back: running });
          ctx.io.stderr.write(`worker ${runner.workerId} stopped\n`);
        } finally {
          signals.dispose();
        }
      }),
    );
}
