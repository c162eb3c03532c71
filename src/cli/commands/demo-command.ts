import { join } from 'node:path';
import type { Command } from 'commander';
import { createSampleDatabase, SAMPLE_TABLES, sampleExists } from '../../demo/sample-database.js';
import { printJson } from '../output.js';
import type { CliAction } from '../program.js';

/**
 * `dbferry demo`: builds the sample SQLite database in `$DBFERRY_HOME/demo/` and (once the copy engine
 * lands) clones it to another SQLite file as a real job. Today it stops after building the sample and
 * says plainly what it will do, rather than pretending to copy.
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
        const plan = {
          source: `sqlite:${source}`,
          target: `sqlite:${target}`,
          tables: SAMPLE_TABLES,
          total_rows: totalRows,
          copied: false,
          reason: 'the copy engine has not landed yet: the demo stops after building the sample',
        };
        if (ctx.json) return printJson(ctx.io, plan);
        const out = ctx.io.stdout;
        out.write(built ? `built the sample database ${source} (${totalRows.toLocaleString('en-US')} rows in ${seconds} s)\n` : `the sample database ${source} exists (use --fresh to rebuild it)\n`);
        out.write(`\nthe demo will clone it to ${target} as a recorded job, table by table:\n`);
        for (const table of SAMPLE_TABLES) out.write(`  ${table.name.padEnd(12)} ${table.rows.toLocaleString('en-US').padStart(8)} rows\n`);
        out.write(`\nnot yet: the copy engine has not landed, so the demo stops here. Nothing was copied.\n`);
      }),
    );
}
