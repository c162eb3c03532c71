import type { JSX } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { configs, connections, jobs } from '../api/endpoints.js';
import type { Connection, SyncConfig, SyncMode, SyncPlan } from '../api/types.js';
import { Modal } from '../components/modal.js';
import { ErrorNotice, Loading, Notice } from '../components/notice.js';
import { draftOf, emptyDraft, inputOf, mappingFor, sameMappings } from '../lib/config-draft.js';
import type { ConfigDraft, MappingDraft } from '../lib/config-draft.js';
import { useAsync } from '../lib/hooks.js';
import { Link, navigate } from '../lib/router.js';
import { DryRunView } from './dry-run-view.js';
import { MappingList } from './mapping-list.js';
import { OptionsFields } from './options-fields.js';
import { TablePicker } from './table-picker.js';

function DatabaseSelect({ connection, value, onChange, name, allowNew }: { readonly connection: Connection | undefined; readonly value: string; readonly onChange: (v: string) => void; readonly name: string; readonly allowNew: boolean }): JSX.Element {
  const dbs = useAsync(() => (connection ? connections.databases(connection.id) : Promise.resolve([])), [connection?.id]);
  const listId = `${name}-list`;
  if (!allowNew) {
    return (
      <select name={name} value={value} onChange={(e) => onChange(e.currentTarget.value)} disabled={!connection}>
        <option value="">{connection ? (dbs.loading ? 'loading…' : 'choose a database') : 'choose a connection first'}</option>
        {(dbs.data ?? []).map((d) => (
          <option key={d.name} value={d.name}>
            {d.name}
          </option>
        ))}
      </select>
    );
  }
  return (
    <>
      <input name={name} list={listId} value={value} placeholder={connection ? 'existing or new database' : 'choose a connection first'} disabled={!connection} onInput={(e) => onChange(e.currentTarget.value)} />
      <datalist id={listId}>
        {(dbs.data ?? []).map((d) => (
          <option key={d.name} value={d.name} />
        ))}
      </datalist>
      {dbs.error ? <ErrorNotice error={dbs.error} /> : null}
    </>
  );
}

/** Create or edit a sync config: connections and databases, tables (picker + ordered mappings), options, schedule; preview and start. */
export function ConfigEditorPage({ id }: { readonly id: string | null }): JSX.Element {
  const conns = useAsync(() => connections.list(), []);
  const [saved, setSaved] = useState<SyncConfig | undefined>(undefined);
  const [draft, setDraft] = useState<ConfigDraft | null>(id === null ? emptyDraft() : null);
  const loaded = useAsync(async () => {
    if (id === null) return null;
    const config = await configs.get(id);
    setSaved(config);
    setDraft(draftOf(config));
    return config;
  }, [id]);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [message, setMessage] = useState<string | null>(null);
  const [plan, setPlan] = useState<SyncPlan | null>(null);

  const source = conns.data?.find((c) => c.id === draft?.source_connection_id || c.name === draft?.source_connection_id);
  const target = conns.data?.find((c) => c.id === draft?.target_connection_id || c.name === draft?.target_connection_id);
  const sourceDb = draft?.source_database || (source?.engine === 'sqlite' ? 'main' : (source?.database ?? ''));
  const tables = useAsync(() => (source && sourceDb ? connections.tables(source.id, sourceDb) : Promise.resolve([])), [source?.id, sourceDb]);
  const selected = useMemo(() => new Set(draft?.tables.map((t) => t.source_table) ?? []), [draft?.tables]);

  if (draft === null) return loaded.error ? <ErrorNotice error={loaded.error} /> : <Loading what="the sync config" />;
  const dirty = saved === undefined || JSON.stringify(inputOf(draft)) !== JSON.stringify(inputOf(draftOf(saved)));
  const patch = (p: Partial<ConfigDraft>): void => {
    setDraft({ ...draft, ...p });
    setMessage(null);
  };

  /** Saves when needed; answers the saved config's id. */
  const persist = async (): Promise<string> => {
    if (saved && !dirty) return saved.id;
    const body = inputOf(draft);
    const config = saved ? await configs.update(saved.id, body) : await configs.create(body);
    setSaved(config);
    setDraft(draftOf(config));
    if (!saved) navigate(`/configs/${config.id}`, { replace: true });
    return config.id;
  };
  const run = (what: string, work: () => Promise<void>): void => {
    setBusy(what);
    setError(undefined);
    setMessage(null);
    work().then(
      () => setBusy(null),
      (e: unknown) => {
        setError(e);
        setBusy(null);
      },
    );
  };
  const save = (e: Event): void => {
    e.preventDefault();
    run('save', async () => {
      await persist();
      setMessage('Saved.');
    });
  };
  const preview = (): void => run('preview', async () => setPlan(await configs.dryRun(await persist())));
  const start = (): void =>
    run('start', async () => {
      const job = await jobs.start(await persist());
      navigate(`/jobs/${job.id}`);
    });
  const reorder = (rows: MappingDraft[]): void => {
    setDraft({ ...draft, tables: rows });
    // Only the order changed on a saved config: store it at once through the reorder route.
    if (saved && sameMappings(rows, saved)) {
      run('reorder', async () => {
        await configs.reorder(saved.id, rows.map((r) => r.id ?? ''));
        const fresh = await configs.get(saved.id);
        setSaved(fresh);
        setMessage('New table order saved.');
      });
    }
  };
  const toggle = (names: readonly { name: string }[], on: boolean): void => {
    const wanted = new Set(names.map((n) => n.name));
    if (!on) return patch({ tables: draft.tables.filter((t) => !wanted.has(t.source_table)) });
    const added = (tables.data ?? []).filter((t) => wanted.has(t.name) && !selected.has(t.name)).map((t) => mappingFor(t, draft.sync_mode));
    patch({ tables: [...draft.tables, ...added] });
  };

  return (
    <section>
      <div class="page-head">
        <h1>{saved ? `Sync config ${saved.name}` : 'New sync config'}</h1>
        <Link href="/configs">← All configs</Link>
      </div>
      <form class="form config-form" onSubmit={save}>
        <fieldset>
          <legend>What goes where</legend>
          <div class="form-row">
            <label class="grow">
              Name
              <input name="name" required maxLength={128} value={draft.name} onInput={(e) => patch({ name: e.currentTarget.value })} />
            </label>
            <label class="check">
              <input type="checkbox" name="enabled" checked={draft.enabled} onChange={(e) => patch({ enabled: e.currentTarget.checked })} /> Enabled
            </label>
          </div>
          <div class="form-row">
            <label>
              Source connection
              <select name="source_connection_id" required value={source?.id ?? ''} onChange={(e) => patch({ source_connection_id: e.currentTarget.value, source_database: '', tables: [] })}>
                <option value="">choose…</option>
                {(conns.data ?? []).map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.name} ({c.engine})
                  </option>
                ))}
              </select>
            </label>
            <label>
              Source database
              <DatabaseSelect name="source_database" connection={source} value={sourceDb} allowNew={false} onChange={(v) => patch({ source_database: v, tables: [] })} />
            </label>
          </div>
          <div class="form-row">
            <label>
              Target connection
              <select name="target_connection_id" required value={target?.id ?? ''} onChange={(e) => patch({ target_connection_id: e.currentTarget.value })}>
                <option value="">choose…</option>
                {(conns.data ?? []).map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.name} ({c.engine})
                  </option>
                ))}
              </select>
            </label>
            <label>
              Target database
              <DatabaseSelect name="target_database" connection={target} value={draft.target_database} allowNew onChange={(v) => patch({ target_database: v })} />
            </label>
          </div>
          <div class="form-row">
            <label>
              Default mode for new tables
              <select name="config_sync_mode" value={draft.sync_mode} onChange={(e) => patch({ sync_mode: e.currentTarget.value as SyncMode })}>
                <option value="full">full copy</option>
                <option value="incremental">incremental</option>
              </select>
            </label>
            <label>
              <span class="label-text">
                Schedule <span class="muted small">(cron, e.g. <code>0 3 * * *</code>; empty: start by hand)</span>
              </span>
              <input name="schedule" class="mono" value={draft.schedule} placeholder="no schedule" onInput={(e) => patch({ schedule: e.currentTarget.value })} />
            </label>
          </div>
          <ErrorNotice error={conns.error} />
        </fieldset>
        <fieldset>
          <legend>Tables</legend>
          <div class="tables-split">
            <div>
              <h3>Source tables</h3>
              {!source || !sourceDb ? <p class="muted">Choose the source connection and database.</p> : tables.data === undefined ? tables.error ? <ErrorNotice error={tables.error} /> : <Loading what="tables" /> : <TablePicker tables={tables.data} selected={selected} onToggle={(t, on) => toggle([t], on)} onSetMany={(ts, on) => toggle(ts, on)} />}
            </div>
            <div>
              <h3>Copy order ({draft.tables.length})</h3>
              <MappingList tables={draft.tables} onChange={(rows) => patch({ tables: rows })} onReorder={reorder} />
            </div>
          </div>
        </fieldset>
        <OptionsFields options={draft.options} onChange={(options) => patch({ options })} />
        <ErrorNotice error={error} />
        {message ? <Notice kind="ok">{message}</Notice> : null}
        <div class="actions sticky-actions">
          <span class="muted small">{dirty ? 'Unsaved changes' : 'All changes saved'}</span>
          <button type="submit" class="primary" disabled={busy !== null}>
            {busy === 'save' ? 'Saving…' : 'Save'}
          </button>
          <button type="button" disabled={busy !== null || draft.tables.length === 0} onClick={preview}>
            {busy === 'preview' ? 'Planning…' : dirty ? 'Save and preview' : 'Preview (dry run)'}
          </button>
          <button type="button" class="go" disabled={busy !== null || draft.tables.length === 0} onClick={start}>
            {busy === 'start' ? 'Starting…' : dirty ? 'Save and start' : 'Start job'}
          </button>
        </div>
      </form>
      {plan ? (
        <Modal title="Dry run: the plan of the next job" onClose={() => setPlan(null)} wide>
          <DryRunView plan={plan} />
        </Modal>
      ) : null}
    </section>
  );
}
