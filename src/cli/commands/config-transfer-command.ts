import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { ItemChange, ImportPlan } from '../../catalog/config-import-plan.js';
import { DbfError } from '../../domain/errors.js';
import type { CliContext } from '../context.js';
import { printJson, renderTable } from '../output.js';
import type { CliAction } from '../program.js';
import { readConfigFile } from '../input-file.js';

/** An export saved from the API (`curl …/config/export > file`) is the envelope; the file is its data. */
function unwrapEnvelope(value: unknown): unknown {
  if (typeof value === 'object' && value !== null && 'success' in value && 'data' in value && value.success === true) return value.data;
  return value;
}

function readExport(ctx: CliContext, file: string): unknown {
  return unwrapEnvelope(readConfigFile(file, ctx.io.cwd, 'DBF_INVALID_IMPORT'));
}

function printPlan(ctx: CliContext, plan: ImportPlan): void {
  const rows = (kind: string, items: readonly ItemChange[]): Array<Array<string>> => items.map((i) => [kind, i.name, i.action, i.changes.join(', ')]);
  const all = [...rows('connection', plan.connections), ...rows('sync config', plan.sync_configs)];
  if (all.length > 0) ctx.io.stdout.write(renderTable(['KIND', 'NAME', 'ACTION', 'CHANGES'], all));
  for (const warning of plan.warnings) ctx.io.stderr.write(`warning: ${warning}\n`);
}

const count = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;

/** `dbferry config export [FILE] | import FILE [--dry-run] [--overwrite] | validate FILE` (the API's /config/*). */
export function registerConfigTransferCommands(config: Command, action: CliAction): void {
  config
    .command('export')
    .description('write every connection (passwords left out) and sync config as JSON, by name')
    .argument('[file]', 'output file (default: stdout)')
    .action(
      action(async (ctx, args) => {
        const file: string | undefined = args[0];
        const data = await (await ctx.runtime()).transfer.export();
        if (file === undefined) {
          if (ctx.json) return printJson(ctx.io, data);
          ctx.io.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
          return;
        }
        const path = resolve(ctx.io.cwd, file);
        try {
          writeFileSync(path, `${JSON.stringify(data, null, 2)}\n`);
        } catch (error) {
          throw new DbfError('DBF_FILE_UNWRITABLE', `cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? 'unknown error'}`, { cause: error });
        }
        if (ctx.json) return printJson(ctx.io, { file: path, connections: data.connections.length, sync_configs: data.sync_configs.length });
        ctx.say(`exported ${count(data.connections.length, 'connection')} and ${count(data.sync_configs.length, 'sync config')} to ${path}`);
      }),
    );

  config
    .command('import')
    .description('import an export file by name, all or nothing (never connects to a database)')
    .argument('<file>', 'the export file (JSON or YAML)')
    .option('--dry-run', 'show what would change and write nothing')
    .option('--overwrite', 'update connections and configs that exist with other values (refused otherwise)')
    .action(
      action<{ dryRun?: boolean; overwrite?: boolean }>(async (ctx, [file], opts) => {
        const body = { config: readExport(ctx, file), resolve_conflicts: opts.overwrite === true, dry_run: opts.dryRun === true };
        const result = await (await ctx.runtime()).transfer.import(body);
        if (ctx.json) return printJson(ctx.io, result);
        printPlan(ctx, result);
        if (result.dry_run) {
          const refused = result.conflicts.length > 0 && opts.overwrite !== true;
          ctx.say(`dry run: nothing written${refused ? `; importing would be refused without --overwrite (it changes ${result.conflicts.join(', ')})` : ''}`);
        } else {
          ctx.say(result.applied ? `imported ${file}` : `nothing to import: ${file} matches the store`);
        }
      }),
    );

  config
    .command('validate')
    .description('check an export file and show what importing it would change')
    .argument('<file>', 'the export file (JSON or YAML)')
    .action(
      action(async (ctx, [file]) => {
        const result = await (await ctx.runtime()).transfer.validate(readExport(ctx, file));
        if (ctx.json) return printJson(ctx.io, result);
        printPlan(ctx, result);
        ctx.say(`${file} is valid: ${count(result.connections.length, 'connection')}, ${count(result.sync_configs.length, 'sync config')}`);
      }),
    );
}
