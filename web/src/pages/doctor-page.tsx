import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { system } from '../api/endpoints.js';
import type { Zombie } from '../api/types.js';
import { ErrorNotice, Loading, Notice } from '../components/notice.js';
import { StatusBadge } from '../components/status-badge.js';
import { useAsync, useLiveRefresh } from '../lib/hooks.js';
import { Link } from '../lib/router.js';

/**
 * Jobs that break a lifecycle invariant (`GET /doctor`), each with the reason. Normally none: the
 * reaper and boot reconciliation settle lost workers' jobs on their own. "Fix" settles them through
 * the same guarded transitions.
 */
export function DoctorPage(): JSX.Element {
  const zombies = useAsync(() => system.doctor(), []);
  useLiveRefresh(zombies.reload, (e) => e.type === 'job:finished' || e.type === 'job:reaped', 5000);
  const [fixed, setFixed] = useState<{ fixed: Zombie[]; remaining: Zombie[] } | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const fix = (): void => {
    setError(undefined);
    system.fix().then((r) => {
      setFixed(r);
      zombies.reload();
    }, setError);
  };
  return (
    <section>
      <div class="page-head">
        <h1>Doctor</h1>
        <button type="button" onClick={zombies.reload}>
          Check again
        </button>
      </div>
      <p class="muted">
        A zombie is a job whose stored state breaks an invariant: running without a live lease, finished with unfinished tables, holding a lock after it ended. The store is the only truth, so these are found by reading it.
      </p>
      <ErrorNotice error={zombies.error ?? error} />
      {fixed ? (
        <Notice kind="info">
          Fixed {fixed.fixed.length}; {fixed.remaining.length} remaining.
        </Notice>
      ) : null}
      {zombies.data === undefined ? (
        zombies.error ? null : <Loading what="the doctor's findings" />
      ) : zombies.data.length === 0 ? (
        <Notice kind="ok">
          <span class="doctor-clean">No zombie job: every active job has a live lease and every finished job is settled.</span>
        </Notice>
      ) : (
        <>
          <div class="table-wrap">
            <table class="data-table zombies stack-sm">
              <thead>
                <tr>
                  <th>Job</th>
                  <th>Status</th>
                  <th>Kind</th>
                  <th>Reason</th>
                </tr>
              </thead>
              <tbody>
                {zombies.data.map((z) => (
                  <tr key={`${z.job_id}:${z.kind}`} data-zombie={z.job_id}>
                    <td class="mono">
                      <Link href={`/jobs/${z.job_id}`}>{z.job_id.slice(0, 8)}</Link>
                    </td>
                    <td data-label="Status">{z.status ? <StatusBadge status={z.status} /> : '–'}</td>
                    <td data-label="Kind">{z.kind.replace(/_/g, ' ')}</td>
                    <td class="wrap" data-label="Reason">{z.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div class="actions">
            <button type="button" class="danger" onClick={fix}>
              Fix {zombies.data.length} zombie{zombies.data.length === 1 ? '' : 's'}
            </button>
          </div>
        </>
      )}
    </section>
  );
}
