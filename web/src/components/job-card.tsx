import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { jobs } from '../api/endpoints.js';
import type { Job, JobTable } from '../api/types.js';
import { ago, count, eta, rate } from '../lib/format.js';
import { Link } from '../lib/router.js';
import { ErrorNotice } from './notice.js';
import { ProgressBar } from './progress-bar.js';
import { StatusBadge } from './status-badge.js';

const tablePercent = (t: JobTable): number => (t.status === 'completed' ? 100 : t.total_rows > 0 ? (t.processed_rows / t.total_rows) * 100 : 0);

/** A heartbeat older than this (ms) is shown as a warning: the lease is 30 s by default. */
const STALE_MS = 10_000;

export function TableProgress({ table }: { readonly table: JobTable }): JSX.Element {
  return (
    <li class="table-progress" data-table={table.target_table}>
      <div class="table-progress-head">
        <span class="mono">{table.source_table === table.target_table ? table.target_table : `${table.source_table} → ${table.target_table}`}</span>
        <StatusBadge status={table.status} />
        <span class="muted small">
          {count(table.processed_rows)} / {count(table.total_rows)} rows
        </span>
      </div>
      <ProgressBar value={tablePercent(table)} status={table.status} label={`${table.target_table} progress`} />
      {table.error ? <p class="small error-text">{table.error.code}: {table.error.message}</p> : null}
    </li>
  );
}

/** One active job, live: overall and per-table progress, rate, ETA, heartbeat age, cancel. */
export function JobCard({ job, now, onChanged }: { readonly job: Job; readonly now: number; readonly onChanged: () => void }): JSX.Element {
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const heartbeatAge = job.heartbeat_at ? now - Date.parse(job.heartbeat_at) : null;
  const cancel = (): void => {
    setBusy(true);
    setError(undefined);
    jobs.cancel(job.id).then(
      () => {
        setBusy(false);
        onChanged();
      },
      (e: unknown) => {
        setBusy(false);
        setError(e);
      },
    );
  };
  return (
    <article class="card job-card" data-job-id={job.id} data-status={job.status}>
      <header class="job-card-head">
        <Link href={`/jobs/${job.id}`} class="job-title">
          {job.config_name ?? 'one-shot sync'}
        </Link>
        <StatusBadge status={job.status} />
        {job.cancel_requested ? <span class="badge badge-cancelling">cancelling</span> : null}
        <span class="muted small">
          attempt {job.attempt}/{job.max_attempts} · {job.trigger}
        </span>
        <button type="button" class="danger small-button" disabled={busy || job.cancel_requested === true} onClick={cancel}>
          {job.cancel_requested ? 'Cancel requested' : busy ? 'Cancelling…' : 'Cancel'}
        </button>
      </header>
      <ProgressBar value={job.progress_percent} status={job.status} label="job progress" />
      <dl class="job-metrics">
        <div>
          <dt>Rows</dt>
          <dd data-metric="rows">
            {count(job.processed_rows)} / {count(job.total_rows)}
          </dd>
        </div>
        <div>
          <dt>Speed</dt>
          <dd data-metric="rate">{rate(job.rows_per_second)}</dd>
        </div>
        <div>
          <dt>ETA</dt>
          <dd data-metric="eta">{eta(job.eta_seconds)}</dd>
        </div>
        <div>
          <dt>Heartbeat</dt>
          <dd data-metric="heartbeat" class={heartbeatAge !== null && heartbeatAge > STALE_MS ? 'warn-text' : ''}>
            {job.status === 'pending' ? 'waiting for a worker' : ago(job.heartbeat_at, now)}
          </dd>
        </div>
        <div>
          <dt>Tables</dt>
          <dd>
            {job.completed_tables}/{job.total_tables}
            {job.failed_tables > 0 ? <span class="error-text"> ({job.failed_tables} failed)</span> : null}
          </dd>
        </div>
        <div>
          <dt>Worker</dt>
          <dd class="mono small">{job.worker_id ?? '–'}</dd>
        </div>
      </dl>
      {job.tables.length > 0 ? (
        <ul class="table-progress-list">
          {job.tables.map((t) => (
            <TableProgress key={t.target_table} table={t} />
          ))}
        </ul>
      ) : null}
      <ErrorNotice error={error} title="Cancel failed:" />
    </article>
  );
}
