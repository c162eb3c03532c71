import type { Command } from 'commander';
import { formatBytes, printJson, renderTable } from '../output.js';
import type { CliAction } from '../program.js';

/** `dbferry conn add NAME URL | ls | show NAME | test NAME | rm NAME | dbs NAME | tables NAME [DATABASE]`. */
export function registerConnCommand(program: Command, action: CliAction): void {
  const conn = program.command('conn').description('manage saved connections (passwords are encrypted at rest, never shown)');

  conn
    .command('add')
    .description('save a connection after testing it (use --no-test to save without connecting)')
    .argument('<name>', 'a name: letters, digits, "_", "." or "-"')
    .argument('<url>', 'mysql://user:pass@host:3306/db, mariadb://…, postgres://…, sqlite:path.db')
    .option('--no-test', 'save without testing the connection first')
    .action(
      action(async (ctx, [name, url], opts: { test: boolean }) => {
        const runtime = await ctx.runtime();
        const view = await runtime.connections.create({ name, url, skip_test: !opts.test });
        if (ctx.json) printJson(ctx.io, view);
        else ctx.say(`saved connection ${view.name} (${view.url})`);
      }),
    );

  conn
    .command('ls')
    .description('list saved connections')
    .action(
      action(async (ctx) => {
        const list = await (await ctx.runtime()).connections.list();
        if (ctx.json) return printJson(ctx.io, list, { total: list.length });
        if (list.length === 0) return ctx.say('no connections yet: add one with `dbferry conn add NAME URL`');
        ctx.io.stdout.write(renderTable(['NAME', 'ENGINE', 'URL', 'PASSWORD'], list.map((c) => [c.name, c.engine, c.url, c.has_password ? 'yes' : 'no'])));
      }),
    );

  conn
    .command('show')
    .description('show one connection')
    .argument('<name>', 'connection name or id')
    .action(
      action(async (ctx, [name]) => {
        const view = await (await ctx.runtime()).connections.get(name);
        if (ctx.json) return printJson(ctx.io, view);
        ctx.io.stdout.write(renderTable(['FIELD', 'VALUE'], Object.entries(view).map(([k, v]) => [k, String(v)])));
      }),
    );

  conn
    .command('test')
    .description('connect now and report the server version and latency (exit 3 when it fails)')
    .argument('<name>', 'connection name or id')
    .action(
      action(async (ctx, [name]) => {
        const result = await (await ctx.runtime()).connections.test(name);
        if (ctx.json) return printJson(ctx.io, result);
        ctx.io.stdout.write(`ok ${name}: ${result.server_version}, ${result.latency_ms} ms\n`);
      }),
    );

  conn
    .command('rm')
    .description('delete a connection (refused while a sync config uses it)')
    .argument('<name>', 'connection name or id')
    .action(
      action(async (ctx, [name]) => {
        const view = await (await ctx.runtime()).connections.remove(name);
        if (ctx.json) printJson(ctx.io, view);
        else ctx.say(`deleted connection ${view.name}`);
      }),
    );

  conn
    .command('dbs')
    .description('list the databases of a connection with their sizes')
    .argument('<name>', 'connection name or id')
    .action(
      action(async (ctx, [name]) => {
        const list = await (await ctx.runtime()).connections.listDatabases(name);
        if (ctx.json) return printJson(ctx.io, list, { total: list.length });
        ctx.io.stdout.write(renderTable(['DATABASE', 'TABLES', 'SIZE'], list.map((d) => [d.name, d.table_count, formatBytes(d.size_bytes)])));
      }),
    );

  conn
    .command('tables')
    .description('list the tables and views of a database with row estimates and sizes')
    .argument('<name>', 'connection name or id')
    .argument('[database]', "database to list (default: the connection's own)")
    .action(
      action(async (ctx, [name, database]) => {
        const runtime = await ctx.runtime();
        const db = database ?? (await runtime.connections.defaultDatabaseOf(name));
        const list = await runtime.connections.listTables(name, db);
        if (ctx.json) return printJson(ctx.io, list, { total: list.length, database: db });
        ctx.io.stdout.write(renderTable(['TABLE', 'TYPE', 'ROWS (EST.)', 'SIZE'], list.map((t) => [t.name, t.type, t.row_estimate, formatBytes(t.size_bytes)])));
      }),
    );
}
