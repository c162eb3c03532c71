import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { configs, jobs } from '../api/endpoints.js';
import type { SyncConfig, SyncPlan } from '../api/types.js';
import { Modal } from '../components/modal.js';
import { Empty, ErrorNotice, Loading } from '../components/notice.js';
import { counted } from '../lib/format.js';
import { useAsync } from '../lib/hooks.js';
import { Link, navigate } from '../lib/router.js';
import { CopyConfigDialog } from './copy-config-dialog.js';
import { DryRunView } from './dry-run-view.js';

const side = (name: string, db: string | null): string => (db ? `${name} / ${db}` : name);

/** Sync configs: what each copies, and the actions start, preview, edit, delete. */
export function ConfigsPage(): JSX.Element {
  const list = useAsync(() => configs.list(), []);
  const [rowError, setRowError] = useState<{ id: string; error: unknown } | null>(null);
  const [plan, setPlan] = useState<{ config: SyncConfig; plan: SyncPlan } | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [copying, setCopying] = useState<SyncConfig | null>(null);
  const act = (c: SyncConfig, what: string, work: () => Promise<void>): void => {
    setBusy(`${c.id}:${what}`);
    setRowError(null);
    work().then(
      () => setBusy(null),
      (error: unknown) => {
        setBusy(null);
        setRowError({ id: c.id, error });
      },
    );
  };
  return (
    <section>
      <div class="page-head">
        <h1>Sync configs</h1>
        <Link href="/configs/new" class="button primary">
          New sync config
        </Link>
      </div>
      <ErrorNotice error={list.error} />
      {list.data === undefined ? (
        list.error ? null : <Loading what="sync configs" />
      ) : list.data.length === 0 ? (
        <Empty>No sync config yet. A config names a source, a target and the tables to copy.</Empty>
      ) : (
        <div class="config-list">
          {list.data.map((c) => (
            <article key={c.id} class="card config-card" data-config={c.name}>
              <header class="config-card-head">
                <Link href={`/configs/${c.id}`} class="strong">
                  {c.name}
                </Link>
                {c.enabled ? null : <span class="badge badge-cancelled">disabled</span>}
                <span class="muted small">
                  {counted(c.tables.length, 'table')} · {c.sync_mode}
                  {c.schedule ? ` · schedule ${c.schedule}` : ''}
                </span>
              </header>
              <p class="mono small">
                {side(c.source_connection_name, c.source_database)} → {side(c.target_connection_name, c.target_database)}
              </p>
              <div class="row-actions">
                <button type="button" class="go" disabled={busy !== null || !c.enabled} onClick={() => act(c, 'start', async () => navigate(`/jobs/${(await jobs.start(c.id)).id}`))}>
                  {busy === `${c.id}:start` ? 'Starting…' : 'Start job'}
                </button>
                <button type="button" disabled={busy !== null} onClick={() => act(c, 'plan', async () => setPlan({ config: c, plan: await configs.dryRun(c.id) }))}>
                  {busy === `${c.id}:plan` ? 'Planning…' : 'Dry run'}
                </button>
                <Link href={`/configs/${c.id}`} class="button">
                  Edit
                </Link>
                <button type="button" disabled={busy !== null} onClick={() => setCopying(c)}>
                  Copy
                </button>
                <Link href={`/jobs?config_id=${encodeURIComponent(c.id)}`} class="button">
                  History
                </Link>
                <button type="button" class="danger" disabled={busy !== null} onClick={() =>
                    act(c, 'delete', async () => {
                      await configs.remove(c.id);
                      list.reload();
                    })
                  }>
                  Delete
                </button>
              </div>
              {rowError?.id === c.id ? <ErrorNotice error={rowError.error} /> : null}
            </article>
          ))}
        </div>
      )}
      {copying ? <CopyConfigDialog config={copying} onClose={() => setCopying(null)} onCopied={(copy) => navigate(`/configs/${copy.id}`)} /> : null}
      {plan ? (
        <Modal title={`Dry run of ${plan.config.name}`} onClose={() => setPlan(null)} wide>
          <DryRunView plan={plan.plan} />
        </Modal>
      ) : null}
    </section>
  );
}
