import { Command, CommanderError } from 'commander';
import { DbfError, isDbfError, toDbfError } from '../domain/errors.js';
import { VERSION } from '../version.js';
import { registerConfigCommand } from './commands/config-command.js';
import { registerConnCommand } from './commands/conn-command.js';
import { registerDemoCommand } from './commands/demo-command.js';
import { registerJobsCommand } from './commands/jobs-command.js';
import { registerRunCommand } from './commands/run-command.js';
import { registerServeCommand } from './commands/serve-command.js';
import { registerSyncCommands } from './commands/sync-command.js';
import { registerStatsDoctorCommands } from './commands/stats-doctor-commands.js';
import { registerWorkerCommand } from './commands/worker-command.js';
import { CliContext } from './context.js';
import { ExitError } from './io.js';
import type { CliIo } from './io.js';
import { printError } from './output.js';

/** Positional arguments as commander hands them: the first is always there, optional ones may not be. */
export type Positional = readonly [string, ...Array<string | undefined>];
export type CliHandler<O> = (ctx: CliContext, args: Positional, opts: O) => Promise<void>;
export type CliAction = <O = Record<string, unknown>>(handler: CliHandler<O>) => (...args: unknown[]) => Promise<void>;

/**
 * The `dbferry` command tree (product.md). Commands are thin: they parse, call a service and print.
 * Every failure ends as `error DBF_CODE: message` on stderr and the code's exit code.
 */
export function buildProgram(io: CliIo, onContext: (ctx: CliContext) => void): Command {
  const action: CliAction =
    <O,>(handler: CliHandler<O>) =>
    async (...args: unknown[]) => {
      const command = args[args.length - 1] as Command;
      const opts = args[args.length - 2] as O;
      const ctx = CliContext.of(io, command);
      onContext(ctx);
      await handler(ctx, args.slice(0, -2) as unknown as Positional, opts);
    };

  const program = new Command('dbferry')
    .description('Clone and keep in sync tables between MySQL/MariaDB, PostgreSQL and SQLite, as durable jobs.')
    .version(VERSION, '-V, --version', 'print the version')
    .option('--store <url>', 'metadata store URL: sqlite:…, postgres://…, mysql://… (env DBFERRY_STORE)')
    .option('--config <file>', 'configuration file (default ./dbferry.yaml when present)')
    .option('--home <dir>', 'dbferry home: default store and key file (default ./.dbferry)')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent')
    .option('--json', 'machine output: one JSON document (NDJSON for streams)')
    .option('--quiet', 'print only what was asked for')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) });

  registerServeCommand(program, action);
  registerWorkerCommand(program, action);
  registerSyncCommands(program, action);
  registerDemoCommand(program, action);
  registerConnCommand(program, action);
  registerConfigCommand(program, action);
  registerRunCommand(program, action);
  registerJobsCommand(program, action);
  registerStatsDoctorCommands(program, action);
  for (const command of program.commands) inheritErrorHandling(command, io);
  return program;
}

function inheritErrorHandling(command: Command, io: CliIo): void {
  command.exitOverride().configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) });
  for (const sub of command.commands) inheritErrorHandling(sub, io);
}

/** Runs `dbferry ARGS…` and answers its exit code; never calls process.exit. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let context: CliContext | null = null;
  const program = buildProgram(io, (ctx) => {
    context = ctx;
  });
  const json = argv.includes('--json');
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return 2;
    }
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof ExitError) return error.exitCode;
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
      // commander already printed its own message and the help hint on stderr.
      if (json) printError({ ...io, stderr: { write: () => true } }, new DbfError('DBF_USAGE', error.message.replace(/^error: /, '')), true);
      return ERROR_EXIT.DBF_USAGE;
    }
    const failure = isDbfError(error) ? error : toDbfError(error);
    printError(io, failure, json);
    return failure.spec.exitCode;
  } finally {
    await (context as CliContext | null)?.close();
  }
}

const ERROR_EXIT = { DBF_USAGE: new DbfError('DBF_USAGE').spec.exitCode } as const;
