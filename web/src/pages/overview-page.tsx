import type { JSX } from 'preact';
import { system } from '../api/endpoints.js';
import type { Stats } from '../api/types.js';
import { ActiveJobs } from '../components/active-jobs.js';
import { HistoryCharts } from '../components/history-charts.js';
import { ErrorNotice, Loading } from '../components/notice.js';
import { StatCard } from '../components/stat-card.js';
import { ago, bytes, count, dateTime, duration } from '../lib/format.js';
import { useAsync, useLiveRefresh, useNow } from '../lib/hooks.js';

const STAT_EVENTS = new Set(['job:created', 'job:claimed', 'job:finished', 'job:reaped', 'job:retried']);

function StatCards({ stats }: { readonly stats: Stats }): JSX.Element {
  const failed = stats.by_status.failed ?? 0;
  const now = useNow(5000);
  return (
    <div class="stat-grid">
      <StatCard label="Active jobs" value={count(stats.active_jobs)} hint={`${count(stats.by_status.running ?? 0)} running, ${count(stats.by_status.pending ?? 0)} pending`} tone={stats.active_jobs > 0 ? 'live' : undefined} />
      <StatCard label="Completed" value={count(stats.by_status.completed ?? 0)} hint={`of ${count(stats.total_jobs)} job${stats.total_jobs === 1 ? '' : 's'}`} tone="ok" />
      <StatCard label="Failed" value={count(failed)} hint={`${stats.error_rate === null ? 'no finished job yet' : `error rate ${(stats.error_rate * 100).toFixed(1)}%`} · ${count(stats.reaped_total)} reaped`} tone={failed > 0 ? 'bad' : undefined} />
      <StatCard label="Rows copied" value={count(stats.rows_copied)} hint={bytes(stats.bytes_copied)} />
      <StatCard label="Average duration" value={duration(stats.average_duration_ms)} hint="of completed jobs" />
      <StatCard label="Last success" value={stats.last_success_at ? ago(stats.last_success_at, now) : 'never'} hint={stats.last_success_at ? dateTime(stats.last_success_at) : 'no completed job yet'} />
    </div>
  );
}

/** The home page: statistics from the store, the live active list, and 30 days of history. */
export function OverviewPage(): JSX.Element {
  const stats = useAsync(() => system.stats(), []);
  useLiveRefresh(stats.reload, (e) => STAT_EVENTS.has(e.type), 1000);
  return (
    <section>
      <h1>Overview</h1>
      {stats.data ? <StatCards stats={stats.data} /> : stats.error ? null : <Loading what="statistics" />}
      <ErrorNotice error={stats.error} />
      <h2>Active jobs</h2>
      <ActiveJobs />
      <h2>Last 30 days</h2>
      <HistoryCharts />
    </section>
  );
}
