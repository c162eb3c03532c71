import type { Command } from 'commander';
import { DbfError } from '../../domain/errors.js';
import type { CliAction } from '../program.js';

/**
 * Commands of product.md whose capability has not landed. They carry their real options (so `--help`
 * documents the contract) and exit 2 with DBF_NOT_IMPLEMENTED naming what is missing. Each goes when
 * its capability lands.
 */
export function registerNotLandedCommands(program: Command, action: CliAction): void {
  const notLanded = (what: string) =>
    action(async () => {
      throw new DbfError('DBF_NOT_IMPLEMENTED', `${what} has not landed yet`);
    });

  program
    .command('worker')
    .description('run a worker only')
    .option('--concurrency <n>', 'jobs run at once')
    .action(notLanded('the worker (job lifecycle)'));

  program
    .command('sync')
    .description('one-shot copy from SRC to DST, recorded in history as a job')
    .requiredOption('--from <src>', 'source URL or saved connection name')
    .requiredOption('--to <dst>', 'target URL or saved connection name')
    .option('--tables <list>', 'only these tables (comma-separated)')
    .option('--exclude <list>', 'all tables but these')
    .option('--mode <mode>', 'full or incremental', 'full')
    .option('--strategy <strategy>', 'swap (shadow table + atomic rename) or truncate', 'swap')
    .option('--where <table:condition>', 'row filter for one table (repeatable)')
    .option('--cursor <table:column>', 'incremental cursor column')
    .option('--detect-deletes', 'incremental: delete target rows gone from the source')
    .option('--overlap <seconds>', 'incremental: re-read window for late commits', '300')
    .option('--concurrency <n>', 'tables and chunks copied at once')
    .option('--objects', 'also copy views, triggers, routines and events')
    .option('--verify', 'verify counts and checksums after copying (default)')
    .option('--no-verify', 'skip verification')
    .option('--dry-run', 'print the plan and change nothing')
    .action(notLanded('the copy engine (dbferry sync)'));

  program
    .command('run')
    .description('start a job for a saved sync config')
    .argument('<config>', 'config id or name')
    .option('--wait', 'wait for the job to finish')
    .action(notLanded('the job lifecycle (dbferry run)'));

  const jobs = program.command('jobs').description('list, inspect, follow and cancel jobs');
  jobs.command('ls').description('list jobs').option('--active', 'only pending and running jobs').option('--status <status>', 'only jobs in this status').action(notLanded('the job lifecycle (dbferry jobs)'));
  jobs.command('show').description('show one job with per-table progress').argument('<id>').action(notLanded('the job lifecycle (dbferry jobs)'));
  jobs.command('logs').description("print a job's log").argument('<id>').option('--follow', 'keep printing new lines').action(notLanded('the job lifecycle (dbferry jobs)'));
  jobs.command('cancel').description('cancel a pending or running job').argument('<id>').action(notLanded('the job lifecycle (dbferry jobs)'));
  jobs.command('watch').description("follow a job's lifecycle live").argument('<id>').action(notLanded('the job lifecycle (dbferry jobs)'));

  program
    .command('verify')
    .description('compare row counts and checksums of SRC and DST')
    .requiredOption('--from <src>', 'source URL or saved connection name')
    .requiredOption('--to <dst>', 'target URL or saved connection name')
    .option('--tables <list>', 'only these tables')
    .action(notLanded('verification (dbferry verify)'));

  program.command('doctor').description('find and settle zombie jobs').option('--fix', 'settle what is found').action(notLanded('the zombie doctor (job lifecycle)'));
  program.command('stats').description('job statistics from the store').action(notLanded('job statistics (job lifecycle)'));
}
