import type { JSX } from 'preact';
import { configs, jobs } from '../api/endpoints.js';
import { JOB_STATUSES } from '../api/types.js';
import { Empty, ErrorNotice, Loading } from '../components/notice.js';
import { Pager } from '../components/pager.js';
import { StatusBadge } from '../components/status-badge.js';
import { count, dateTime, duration } from '../lib/format.js';
import { useAsync, useLiveRefresh } from '../lib/hooks.js';
import { Link, navigate } from '../lib/router.js';

const DEFAULT_LIMIT = 20;
const LIST_EVENTS = new Set(['job:created', 'job:claimed', 'job:finished']);

/**
 * Jobs from the store, newest first, filtered by status and config and paged; the filters live in
 * the URL (`/jobs?status=failed&config_id=…&offset=20&limit=20`) so a filtered view can be shared. "Finished"
 * reads `/jobs/history`; a single status reads `/jobs?status=`.
 */
export function HistoryPage({ query }: { readonly query: URLSearchParams }): JSX.Element {
  const status = query.get('status') ?? 'finished';
  const configId = query.get('config_id') ?? '';
  const offset = Math.max(0, Number(query.get('offset') ?? 0) || 0);
  const limit = Math.min(500, Math.max(1, Number(query.get('limit') ?? DEFAULT_LIMIT) || DEFAULT_LIMIT));
  const configList = useAsync(() => configs.list(), []);
  const page = useAsync(() => {
    const filter = { ...(configId ? { config_id: configId } : {}), limit, offset };
    if (status === 'finished') return jobs.history(filter);
    return jobs.list({ ...filter, ...(status === 'all' ? {} : { status }) });
  }, [status, configId, offset, limit]);
  // Only the first page follows new jobs live; an older page stays still while it is read.
  useLiveRefresh(page.reload, (e) => offset === 0 && LIST_EVENTS.has(e.type), 2000);
  const go = (next: { status?: string; config_id?: string; offset?: number }): void => {
    const q = new URLSearchParams();
    const s = next.status ?? status;
    const c = next.config_id ?? configId;
    if (s !== 'finished') q.set('status', s);
    if (c) q.set('config_id', c);
    if (limit !== DEFAULT_LIMIT) q.set('limit', String(limit));
    if (next.offset) q.set('offset', String(next.offset));
    const qs = q.toString();
    navigate(`/jobs${qs ? `?${qs}` : ''}`, { replace: true });
  };
  return (
    <section>
      <h1>History</h1>
      <div class="filters">
        <label>
          Status
          <select name="status" value={status} onChange={(e) => go({ status: e.currentTarget.value, offset: 0 })}>
            <option value="finished">finished (any outcome)</option>
            <option value="all">all jobs</option>
            {JOB_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Sync config
          <select name="config_id" value={configId} onChange={(e) => go({ config_id: e.currentTarget.value, offset: 0 })}>
            <option value="">all configs</option>
            {(configList.data ?? []).map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ErrorNotice error={page.error} />
      {page.data === undefined ? (
        page.error ? null : <Loading what="jobs" />
      ) : page.data.items.length === 0 ? (
        <Empty>No job matches these filters.</Empty>
      ) : (
        <>
          <div class="table-wrap">
            <table class="data-table history stack-sm">
              <thead>
                <tr>
                  <th>Job</th>
                  <th>Status</th>
                  <th>Started</th>
                  <th class="num">Duration</th>
                  <th class="num">Rows</th>
                  <th class="num">Tables</th>
                  <th>Error</th>
                </tr>
              </thead>
              <tbody>
                {page.data.items.map((j) => (
                  <tr key={j.id} data-job-id={j.id} data-status={j.status}>
                    <td>
                      <Link href={`/jobs/${j.id}`}>{j.config_name ?? 'one-shot sync'}</Link>
                      <div class="muted small mono">
                        {j.id.slice(0, 8)} · {j.trigger}
                        {j.attempt > 1 ? ` · attempt ${j.attempt}` : ''}
                      </div>
                    </td>
                    <td data-label="Status">
                      <StatusBadge status={j.status} />
                    </td>
                    <td data-label="Started">{dateTime(j.started_at ?? j.created_at)}</td>
                    <td class="num" data-label="Duration">{duration(j.duration_ms)}</td>
                    <td class="num" data-label="Rows">{count(j.processed_rows)}</td>
                    <td class="num" data-label="Tables">
                      {j.completed_tables}/{j.total_tables}
                      {j.failed_tables > 0 ? <span class="error-text"> ({j.failed_tables}✗)</span> : null}
                    </td>
                    <td class="small error-text wrap" data-label={j.error ? 'Error' : undefined}>{j.error ? `${j.error.code}: ${j.error.message}` : ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager meta={page.data.meta} onPage={(o) => go({ offset: o })} />
        </>
      )}
    </section>
  );
}
