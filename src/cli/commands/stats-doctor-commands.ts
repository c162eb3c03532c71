import type { Command } from 'commander';
import type { Zombie } from '../../jobs/doctor.js';
import type { JobStats } from '../../jobs/job-stats.js';
import { ExitError } from '../io.js';
import { formatCount, formatDuration, formatTime } from '../job-format.js';
import { formatBytes, printJson, renderTable } from '../output.js';
import type { CliAction } from '../program.js';

function renderStats(s: JobStats): string {
  const statuses = Object.entries(s.by_status).map(([status, n]) => `${n} ${status}`).join(', ');
  const runs = s.runs_per_hour.reduce((a, b) => a + b, 0);
  const rows: Array<[string, string]> = [
    ['jobs', `${formatCount(s.total_jobs)} in all: ${statuses}`],
    ['active', `${formatCount(s.active_jobs)} (pending or running)`],
    ['rows copied', `${formatCount(s.rows_copied)} (${formatBytes(s.bytes_copied)})`],
    ['avg duration', s.average_duration_ms === null ? '- (no completed job yet)' : `${formatDuration(s.average_duration_ms)} (completed jobs)`],
    ['error rate', s.error_rate === null ? '- (no finished job yet)' : `${(s.error_rate * 100).toFixed(1)}% (failed of completed + failed)`],
    ['last success', formatTime(s.last_success_at)],
    ['reaped', `${formatCount(s.reaped_total)} (settled after their worker was lost)`],
    ['last 24 h', `${formatCount(runs)} runs; per hour, oldest first: ${s.runs_per_hour.join(' ')}`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return `${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n`;
}

const zombieTable = (zombies: readonly Zombie[]): string => renderTable(['JOB', 'STATUS', 'KIND', 'REASON'], zombies.map((z) => [z.job_id, z.status, z.kind, z.reason]));

/**
 * `dbferry stats` (computed from the store on every call) and `dbferry doctor [--fix]`, which replaces
 * DB-Taxi's cleanup_zombie_jobs.sh: exit 0 only when no job breaks a lifecycle invariant (after --fix,
 * when nothing remains), so that it can run from cron or a health check.
 */
export function registerStatsDoctorCommands(program: Command, action: CliAction): void {
  program
    .command('doctor')
    .description('find jobs that break a lifecycle invariant (zombies), with the reason; exit 1 if any')
    .option('--fix', 'settle what is found, then report what remains')
    .action(
      action(async (ctx, _args, opts: { fix?: boolean }) => {
        const doctor = (await ctx.runtime()).doctor;
        if (opts.fix !== true) {
          const zombies = await doctor.find();
          if (ctx.json) printJson(ctx.io, { zombies }, { total: zombies.length });
          else if (zombies.length === 0) ctx.say('no zombies: every job keeps the lifecycle invariants');
          else {
            ctx.io.stdout.write(zombieTable(zombies));
            ctx.say(`${zombies.length} zombie${zombies.length === 1 ? '' : 's'}; \`dbferry doctor --fix\` settles them`);
          }
          if (zombies.length > 0) throw new ExitError(1);
          return;
        }
        const { fixed, remaining } = await doctor.fix();
        if (ctx.json) printJson(ctx.io, { fixed, remaining }, { fixed: fixed.length, remaining: remaining.length });
        else if (fixed.length === 0 && remaining.length === 0) ctx.say('no zombies: nothing to fix');
        else {
          if (fixed.length > 0) ctx.io.stdout.write(`settled ${fixed.length} zombie${fixed.length === 1 ? '' : 's'}:\n${zombieTable(fixed)}`);
          if (remaining.length === 0) ctx.say('no zombies remain');
          else ctx.io.stdout.write(`${remaining.length} zombie${remaining.length === 1 ? '' : 's'} remain${remaining.length === 1 ? 's' : ''}:\n${zombieTable(remaining)}`);
        }
        if (remaining.length > 0) throw new ExitError(1);
      }),
    );

  program
    .command('stats')
    .description('job statistics, computed from the store: totals by status, rows, durations, error rate, reaped jobs')
    .action(
      action(async (ctx) => {
        const stats = await (await ctx.runtime()).stats();
        if (ctx.json) return printJson(ctx.io, stats);
        ctx.io.stdout.write(renderStats(stats));
      }),
    );
}
