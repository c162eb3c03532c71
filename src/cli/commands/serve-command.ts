import type { Command } from 'commander';
import { appDepsOf } from '../../composition.js';
import { DbfError } from '../../domain/errors.js';
import type { CliAction } from '../program.js';

/**
 * `dbferry serve`: the HTTP API on 127.0.0.1:8080 by default and, unless `--no-worker`, a worker (runner
 * + reaper) in the same process. SIGINT/SIGTERM stop claiming, hand running jobs back to the queue as
 * their next attempt, and close. The dashboard (web/, built into dist/web) is served at `/`.
 */
export function registerServeCommand(program: Command, action: CliAction): void {
  program
    .command('serve')
    .description('start the API, the dashboard and a worker')
    .option('--host <host>', 'address to listen on (default 127.0.0.1)')
    .option('--port <port>', 'port to listen on (default 8080)')
    .option('--no-worker', 'do not run a worker in this process')
    .action(
      action(async (ctx, _args, opts: { host?: string; port?: string; worker: boolean }) => {
        const settings = ctx.settings;
        const host = opts.host ?? settings.server.host;
        const port = opts.port === undefined ? settings.server.port : Number(opts.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new DbfError('DBF_USAGE', `--port must be an integer between 0 (any free port) and 65535, not "${opts.port ?? ''}"`);
        const runtime = await ctx.runtime();
        const runner = opts.worker ? await runtime.startWorker() : null;
        // Loaded here, not at start-up: the HTTP stack (Fastify and its plugins) is a third of the time
        // every other command took to start (`dbferry --version`: 0.63 s with it loaded).
        const { buildApp } = await import('../../api/app.js');
        const app = await buildApp(appDepsOf(runtime, true));
        const address = await app.listen({ host, port });
        if (settings.api_tokens.length === 0 && !isLoopback(host)) {
          ctx.io.stderr.write(`warning: the API listens on ${host} without tokens: anyone who reaches it may use it; set DBFERRY_API_TOKEN or server.tokens\n`);
        }
        const worker = runner ? `worker ${runner.workerId}` : 'no worker (--no-worker)';
        ctx.io.stderr.write(`dbferry serving the API on ${address}/api/sync and the dashboard on ${address}/ (store ${runtime.store.display}; ${worker})\n`);
        const signal = await new Promise<NodeJS.Signals>((resolve) => {
          process.once('SIGINT', () => resolve('SIGINT'));
          process.once('SIGTERM', () => resolve('SIGTERM'));
        });
        await app.close();
        if (signal === 'SIGINT') throw new DbfError('DBF_INTERRUPTED', 'interrupted (SIGINT): the server stopped');
      }),
    );
}

/** Hosts only this machine can reach. */
function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
