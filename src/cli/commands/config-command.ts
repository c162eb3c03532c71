import type { Command } from 'commander';
import { readConfigFile } from '../input-file.js';
import { printJson, renderTable } from '../output.js';
import type { CliAction } from '../program.js';
import { registerConfigTransferCommands } from './config-transfer-command.js';

/** `dbferry config create FILE | ls | show ID | rm ID | export | import | validate` (the last three: config-transfer-command.ts). */
export function registerConfigCommand(program: Command, action: CliAction): void {
  const config = program.command('config').description('manage sync configs: source, target and table mappings');

  config
    .command('create')
    .description('create a sync config from a JSON or YAML file (validated against the source first)')
    .argument('<file>', 'the config file')
    .action(
      action(async (ctx, [file]) => {
        const view = await (await ctx.runtime()).configs.create(readConfigFile(file, ctx.io.cwd));
        if (ctx.json) printJson(ctx.io, view);
        else ctx.say(`created sync config ${view.name} (${view.id}) with ${view.tables.length} table${view.tables.length === 1 ? '' : 's'}`);
      }),
    );

  config
    .command('ls')
    .description('list sync configs')
    .action(
      action(async (ctx) => {
        const list = await (await ctx.runtime()).configs.list();
        if (ctx.json) return printJson(ctx.io, list, { total: list.length });
        if (list.length === 0) return ctx.say('no sync configs yet: create one with `dbferry config create FILE`');
        ctx.io.stdout.write(
          renderTable(
            ['NAME', 'ID', 'SOURCE', 'TARGET', 'MODE', 'TABLES', 'ENABLED'],
            list.map((c) => [c.name, c.id, `${c.source_connection_name}/${c.source_database ?? ''}`, `${c.target_connection_name}/${c.target_database ?? ''}`, c.sync_mode, c.tables.length, c.enabled ? 'yes' : 'no']),
          ),
        );
      }),
    );

  config
    .command('show')
    .description('show a sync config and its table mappings')
    .argument('<id>', 'config id or name')
    .action(
      action(async (ctx, [id]) => {
        const view = await (await ctx.runtime()).configs.get(id);
        if (ctx.json) return printJson(ctx.io, view);
        ctx.io.stdout.write(
          `${view.name} (${view.id})\n` +
            `  source   ${view.source_connection_name} / ${view.source_database ?? '-'}\n` +
            `  target   ${view.target_connection_name} / ${view.target_database ?? '-'}\n` +
            `  mode     ${view.sync_mode}${view.enabled ? '' : ' (disabled)'}\n` +
            `  options  ${JSON.stringify(view.options)}\n\n` +
            renderTable(
              ['#', 'SOURCE TABLE', 'TARGET TABLE', 'MODE', 'ENABLED', 'CURSOR', 'WHERE'],
              view.tables.map((t) => [t.sort_order + 1, t.source_table, t.target_table, t.sync_mode, t.enabled ? 'yes' : 'no', t.cursor_column, t.where_clause]),
            ),
        );
      }),
    );

  config
    .command('rm')
    .description('delete a sync config (refused while it has an active job; job history is kept)')
    .argument('<id>', 'config id or name')
    .action(
      action(async (ctx, [id]) => {
        const view = await (await ctx.runtime()).configs.remove(id);
        if (ctx.json) printJson(ctx.io, view);
        else ctx.say(`deleted sync config ${view.name}`);
      }),
    );

  registerConfigTransferCommands(config, action);
}
