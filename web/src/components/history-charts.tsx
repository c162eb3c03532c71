import type { JSX } from 'preact';
import { recentHistory } from '../api/recent-history.js';
import { dailySeries, THIRTY_DAYS_MS } from '../lib/daily-series.js';
import { duration } from '../lib/format.js';
import { useAsync, useLiveRefresh } from '../lib/hooks.js';
import { BarChart } from './bar-chart.js';
import { ErrorNotice, Loading } from './notice.js';

const label = (day: string): string => day.slice(5).replace('-', '/');

/** Jobs per day and their durations over the last 30 days, redrawn when a job finishes. */
export function HistoryCharts(): JSX.Element {
  const history = useAsync(() => recentHistory(THIRTY_DAYS_MS), []);
  useLiveRefresh(history.reload, (e) => e.type === 'job:finished', 5000);
  if (history.data === undefined) return history.error ? <ErrorNotice error={history.error} /> : <Loading what="history" />;
  const days = dailySeries(history.data.jobs, Date.now());
  return (
    <div class="chart-grid">
      <BarChart
        label="Jobs per day (30 days)"
        integer
        bars={days.map((d) => ({
          label: label(d.day),
          title: `${d.day}: ${d.completed} completed, ${d.failed} failed, ${d.cancelled} cancelled`,
          segments: [
            { kind: 'completed', value: d.completed },
            { kind: 'failed', value: d.failed },
            { kind: 'cancelled', value: d.cancelled },
          ],
        }))}
      />
      <BarChart
        label="Average duration of completed jobs per day (30 days)"
        format={(ms) => duration(ms)}
        empty="No completed job in the last 30 days."
        bars={days.map((d) => ({
          label: label(d.day),
          title: `${d.day}: average ${duration(d.avgMs)}, longest ${duration(d.maxMs)}`,
          segments: [{ kind: 'duration', value: d.avgMs ?? 0 }],
        }))}
      />
      <p class="legend small">
        <span class="key key-completed" /> completed <span class="key key-failed" /> failed <span class="key key-cancelled" /> cancelled
        {history.data.truncated ? <span class="muted"> · only the 5,000 most recent jobs are counted</span> : null}
      </p>
    </div>
  );
}
