import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { loadJobLog } from '../api/job-log.js';
import { jobs } from '../api/endpoints.js';
import type { Job, JobEvent } from '../api/types.js';
import { LineChart } from '../components/line-chart.js';
import { ErrorNotice, Loading } from '../components/notice.js';
import { ProgressBar } from '../components/progress-bar.js';
import { StatusBadge } from '../components/status-badge.js';
import { ago, bytes, count, dateTime, duration, eta, rate } from '../lib/format.js';
import { useAsync, useJobEvents, useLiveRefresh, useNow } from '../lib/hooks.js';
import { rateSeries } from '../lib/rate-series.js';
import { Link } from '../lib/router.js';
import { JobLog } from './job-log.js';

const isActive = (job: Job): boolean => job.status === 'pending' || job.status === 'running';
const tableDuration = (started: string | null, finished: string | null, now: number): number | null => (started ? (finished ? Date.parse(finished) : now) - Date.parse(started) : null);

function Facts({ job, now }: { readonly job: Job; readonly now: number }): JSX.Element {
  const facts: Array<[string, string]> = [
    ['Created', dateTime(job.created_at)],
    ['Started', dateTime(job.started_at)],
    ['Finished', dateTime(job.finished_at)],
    ['Duration', duration(job.duration_ms)],
    ['Rows', `${count(job.processed_rows)} / ${count(job.total_rows)}`],
    ['Data', bytes(job.processed_bytes)],
    ['Speed', rate(job.rows_per_second)],
    ['ETA', isActive(job) ? eta(job.eta_seconds) : '–'],
    ['Heartbeat', isActive(job) ? ago(job.heartbeat_at, now) : dateTime(job.heartbeat_at)],
    ['Attempt', `${job.attempt} of ${job.max_attempts}`],
    ['Trigger', job.trigger],
    ['Worker', job.worker_id ?? '–'],
  ];
  return (
    <dl class="facts">
      {facts.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd data-fact={k}>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

function Tables({ job, now }: { readonly job: Job; readonly now: number }): JSX.Element {
  return (
    <div class="table-wrap">
      <table class="data-table job-tables stack-sm">
        <thead>
          <tr>
            <th>Table</th>
            <th>Mode</th>
            <th>Status</th>
            <th class="progress-col">Progress</th>
            <th class="num">Rows</th>
            <th class="num">Data</th>
            <th class="num">Time</th>
            <th>Verified</th>
          </tr>
        </thead>
        <tbody>
          {job.tables.map((t) => (
            <tr key={t.target_table} data-table={t.target_table} data-status={t.status}>
              <td class="mono">
                {t.source_table === t.target_table ? t.target_table : `${t.source_table} → ${t.target_table}`}
                {t.cursor_column ? <div class="muted small" data-cursor={t.cursor_column}>cursor {t.cursor_column}</div> : null}
                {t.error ? (
                  <div class="error-text small wrap">
                    {t.error.code}: {t.error.message}
                  </div>
                ) : null}
              </td>
              <td data-label="Mode">{t.mode}</td>
              <td data-label="Status">
                <StatusBadge status={t.status} />
              </td>
              <td data-label="Progress" class="progress-cell">
                <ProgressBar value={t.status === 'completed' ? 100 : t.total_rows > 0 ? (t.processed_rows / t.total_rows) * 100 : 0} status={t.status} label={`${t.target_table} progress`} />
              </td>
              <td class="num" data-label="Rows">
                {count(t.processed_rows)} / {count(t.total_rows)}
              </td>
              <td class="num" data-label="Data">{bytes(t.processed_bytes)}</td>
              <td class="num" data-label="Time">{duration(tableDuration(t.started_at, t.finished_at, now))}</td>
              <td data-label="Verified">{t.verified === null ? '–' : t.verified ? '✓ checksums equal' : '✗'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** One job: its facts, per-table results, a rows/s chart and its log, all following the job live. */
export function JobPage({ id }: { readonly id: string }): JSX.Element {
  const job = useAsync(() => jobs.get(id), [id]);
  const log = useAsync(() => loadJobLog(id), [id]);
  const [live, setLive] = useState<JobEvent[]>([]);
  const [cancelError, setCancelError] = useState<unknown>(undefined);
  const now = useNow(1000);
  useLiveRefresh(job.reload, (e) => e.job_id === id, 1000);
  useJobEvents((e) => {
    if (e.job_id === id) setLive((list) => [...list, e]);
  });
  if (job.data === undefined) return job.error ? <ErrorNotice error={job.error} /> : <Loading what="the job" />;
  const j = job.data;
  const known = new Set((log.data?.events ?? []).map((e) => e.id));
  const events = [...(log.data?.events ?? []), ...live.filter((e) => !known.has(e.id))];
  const cancel = (): void => {
    setCancelError(undefined);
    jobs.cancel(j.id).then(job.reload, setCancelError);
  };
  return (
    <section class="job-page" data-job-id={j.id} data-status={j.status}>
      <div class="page-head">
        <h1>
          {j.config_name ?? 'One-shot sync'} <StatusBadge status={j.status} />
        </h1>
        <div class="row-actions">
          {j.config_id ? <Link href={`/configs/${j.config_id}`} class="button">Config</Link> : null}
          {isActive(j) ? (
            <button type="button" class="danger" disabled={j.cancel_requested === true} onClick={cancel}>
              {j.cancel_requested ? 'Cancel requested' : 'Cancel job'}
            </button>
          ) : null}
        </div>
      </div>
      <p class="muted small mono">job {j.id}</p>
      <ErrorNotice error={cancelError} title="Cancel failed:" />
      {j.error ? <ErrorNotice error={j.error} title={j.status === 'cancelled' ? 'Cancelled:' : 'The job failed:'} /> : null}
      <ProgressBar value={j.progress_percent} status={j.status} label="job progress" />
      <Facts job={j} now={now} />
      <h2>Tables</h2>
      <Tables job={j} now={now} />
      <h2>Rows per second</h2>
      <LineChart points={rateSeries(events)} label="Rows per second" unit="rows/s" empty={isActive(j) ? 'Waiting for progress samples (one every 2 s while rows are copied)…' : 'The job copied too little for a chart of its speed.'} />
      <h2>Log</h2>
      <ErrorNotice error={log.error} />
      {log.data ? <JobLog events={events} truncated={log.data.truncated} /> : log.error ? null : <Loading what="the log" />}
    </section>
  );
}
