import { Fragment } from 'preact';
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { connections } from '../api/endpoints.js';
import type { Connection, ConnectionTestResult } from '../api/types.js';
import { Modal } from '../components/modal.js';
import { Empty, ErrorNotice, Loading } from '../components/notice.js';
import { latency } from '../lib/format.js';
import { useAsync } from '../lib/hooks.js';
import { ConnectionBrowser } from './connection-browser.js';
import { ConnectionForm } from './connection-form.js';

type TestState = { readonly state: 'running' } | { readonly state: 'ok'; readonly result: ConnectionTestResult } | { readonly state: 'failed'; readonly error: unknown };

function where(c: Connection): string {
  if (c.engine === 'sqlite') return c.database ?? '';
  return `${c.username ? `${c.username}@` : ''}${c.host ?? ''}${c.port ? `:${c.port}` : ''}${c.database ? `/${c.database}` : ''}`;
}

function TestResult({ test }: { readonly test: TestState | undefined }): JSX.Element | null {
  if (!test) return null;
  if (test.state === 'running') return <span class="muted small">testing…</span>;
  if (test.state === 'ok') return <span class="test-ok small">✓ OK in {latency(test.result.latency_ms)} · {test.result.server_version}</span>;
  return <ErrorNotice error={test.error} />;
}

/** Saved connections: add, edit, test (the server's true answer), delete, browse. */
export function ConnectionsPage(): JSX.Element {
  const list = useAsync(() => connections.list(), []);
  const [editing, setEditing] = useState<Connection | 'new' | null>(null);
  const [browsing, setBrowsing] = useState<Connection | null>(null);
  const [tests, setTests] = useState<Record<string, TestState>>({});
  const [rowError, setRowError] = useState<{ id: string; error: unknown } | null>(null);

  const test = (c: Connection): void => {
    setTests((t) => ({ ...t, [c.id]: { state: 'running' } }));
    connections.test(c.id).then(
      (result) => setTests((t) => ({ ...t, [c.id]: { state: 'ok', result } })),
      (error: unknown) => setTests((t) => ({ ...t, [c.id]: { state: 'failed', error } })),
    );
  };
  const remove = (c: Connection): void => {
    setRowError(null);
    connections.remove(c.id).then(list.reload, (error: unknown) => setRowError({ id: c.id, error }));
  };

  return (
    <section>
      <div class="page-head">
        <h1>Connections</h1>
        <button type="button" class="primary" onClick={() => setEditing('new')}>
          Add connection
        </button>
      </div>
      <ErrorNotice error={list.error} />
      {list.data === undefined ? (
        list.error ? null : <Loading what="connections" />
      ) : list.data.length === 0 ? (
        <Empty>No connection yet. Add the databases you copy from and to.</Empty>
      ) : (
        <div class="table-wrap">
          <table class="data-table connections stack-sm">
            <thead>
              <tr>
                <th>Name</th>
                <th>Engine</th>
                <th>Where</th>
                <th>SSL</th>
                <th class="actions-col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((c) => (
                <Fragment key={c.id}>
                  <tr data-connection={c.name}>
                    <td class="strong">{c.name}</td>
                    <td data-label="Engine">{c.engine}</td>
                    <td class="mono small wrap" data-label="Where">
                      {where(c)}
                      {c.has_password ? <span class="muted"> · password stored</span> : null}
                    </td>
                    <td data-label="SSL">{c.ssl === false ? 'off' : c.ssl === true ? 'on' : 'no verify'}</td>
                    <td class="row-actions">
                      <button type="button" onClick={() => test(c)}>
                        Test
                      </button>
                      <button type="button" onClick={() => setBrowsing(c)}>
                        Browse
                      </button>
                      <button type="button" onClick={() => setEditing(c)}>
                        Edit
                      </button>
                      <button type="button" class="danger" onClick={() => remove(c)}>
                        Delete
                      </button>
                    </td>
                  </tr>
                  {tests[c.id] || rowError?.id === c.id ? (
                    <tr key={`${c.id}-result`} class="result-row" data-result-for={c.name}>
                      <td colSpan={5}>
                        <TestResult test={tests[c.id]} />
                        {rowError?.id === c.id ? <ErrorNotice error={rowError.error} title="Not deleted:" /> : null}
                      </td>
                    </tr>
                  ) : null}
                </Fragment>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {editing !== null ? (
        <Modal title={editing === 'new' ? 'Add a connection' : `Edit ${editing.name}`} onClose={() => setEditing(null)}>
          <ConnectionForm
            existing={editing === 'new' ? null : editing}
            onCancel={() => setEditing(null)}
            onSaved={(saved) => {
              setEditing(null);
              // An old test result says nothing about the edited connection.
              setTests(({ [saved.id]: _old, ...rest }) => rest);
              list.reload();
            }}
          />
        </Modal>
      ) : null}
      {browsing !== null ? (
        <Modal title={`Browse ${browsing.name}`} onClose={() => setBrowsing(null)} wide>
          <ConnectionBrowser connection={browsing} />
        </Modal>
      ) : null}
    </section>
  );
}
