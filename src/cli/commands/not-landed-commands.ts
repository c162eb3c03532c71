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
    .command('verify')
    .description('compare row counts and checksums of SRC and DST')
    .requiredOption('--from <src>', 'source URL or saved connection name')
    .requiredOption('--to <dst>', 'target URL or saved connection name')
    .option('--tables <list>', 'only these tables')
    .action(notLanded('verification (dbferry verify)'));
}
