import type { JSX } from 'preact';
import { jobs } from '../api/endpoints.js';
import { useAsync, useLiveRefresh, useNow } from '../lib/hooks.js';
import { JobCard } from './job-card.js';
import { Empty, ErrorNotice, Loading } from './notice.js';

/**
 * The active list: exactly the jobs the store says are pending or running (`/jobs/active`), read
 * again when job events arrive (at most once a second), never on a timer.
 */
export function ActiveJobs(): JSX.Element {
  const active = useAsync(() => jobs.active(), []);
  useLiveRefresh(active.reload, () => true, 1000);
  const now = useNow(1000);
  if (active.data === undefined) return active.error ? <ErrorNotice error={active.error} /> : <Loading what="active jobs" />;
  return (
    <div class="active-jobs" data-count={active.data.length}>
      <ErrorNotice error={active.error} />
      {active.data.length === 0 ? <Empty>No job is running. Start one from a sync config.</Empty> : null}
      {active.data.map((job) => (
        <JobCard key={job.id} job={job} now={now} onChanged={active.reload} />
      ))}
    </div>
  );
}
