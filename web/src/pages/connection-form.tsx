import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { connections } from '../api/endpoints.js';
import type { Connection, ConnectionInput, ConnectionTestResult, Engine, SslMode } from '../api/types.js';
import { ErrorNotice, Notice } from '../components/notice.js';
import { latency } from '../lib/format.js';

const DEFAULT_PORT: Record<Engine, number | null> = { mysql: 3306, postgres: 5432, sqlite: null };

interface Draft {
  name: string;
  engine: Engine;
  host: string;
  port: string;
  username: string;
  password: string;
  database: string;
  ssl: 'false' | 'true' | 'skip-verify';
  removePassword: boolean;
  skipTest: boolean;
}

function draftOf(c: Connection | null): Draft {
  return {
    name: c?.name ?? '',
    engine: c?.engine ?? 'mysql',
    host: c?.host ?? (c ? '' : '127.0.0.1'),
    port: c?.port === null || c?.port === undefined ? '' : String(c.port),
    username: c?.username ?? '',
    password: '',
    database: c?.database ?? '',
    ssl: c?.ssl === true ? 'true' : c?.ssl === 'skip-verify' ? 'skip-verify' : 'false',
    removePassword: false,
    skipTest: false,
  };
}

/** The body for the API. On edit an empty password keeps the stored one (omitted), unless "remove" is ticked. */
function inputOf(d: Draft, editing: boolean): ConnectionInput {
  const ssl: SslMode = d.ssl === 'true' ? true : d.ssl === 'skip-verify' ? 'skip-verify' : false;
  if (d.engine === 'sqlite') return { name: d.name.trim(), engine: 'sqlite', database: d.database.trim() };
  const input: ConnectionInput = {
    name: d.name.trim(),
    engine: d.engine,
    host: d.host.trim(),
    port: d.port.trim() === '' ? null : Number(d.port),
    username: d.username.trim() === '' ? null : d.username.trim(),
    database: d.database.trim() === '' ? null : d.database.trim(),
    ssl,
  };
  if (d.removePassword) input.password = null;
  else if (d.password !== '' || !editing) input.password = d.password === '' ? null : d.password;
  return input;
}

/** Add or edit a connection. Saving tests it first (the API refuses one that fails, unless told to skip). */
export function ConnectionForm({ existing, onSaved, onCancel }: { readonly existing: Connection | null; readonly onSaved: (c: Connection) => void; readonly onCancel: () => void }): JSX.Element {
  const [d, setD] = useState<Draft>(() => draftOf(existing));
  const [busy, setBusy] = useState<'test' | 'save' | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [tested, setTested] = useState<ConnectionTestResult | null>(null);
  const set = <K extends keyof Draft>(key: K, value: Draft[K]): void => {
    setD((prev) => ({ ...prev, [key]: value }));
    setTested(null);
  };
  const editing = existing !== null;
  const test = (): void => {
    setBusy('test');
    setError(undefined);
    setTested(null);
    const probe = inputOf(d, false);
    // An unchanged saved connection is tested on the server with its stored password, which never comes back to the browser.
    const unchanged = existing !== null && JSON.stringify(inputOf(d, true)) === JSON.stringify(inputOf(draftOf(existing), true));
    const run = existing !== null && unchanged ? connections.test(existing.id) : connections.testUnsaved(probe);
    run.then(
      (r) => {
        setTested(r);
        setBusy(null);
      },
      (e: unknown) => {
        setError(e);
        setBusy(null);
      },
    );
  };
  const save = (e: Event): void => {
    e.preventDefault();
    setBusy('save');
    setError(undefined);
    const body = { ...inputOf(d, editing), ...(d.skipTest ? { skip_test: true } : {}) };
    (existing ? connections.update(existing.id, body) : connections.create(body)).then(
      (c) => {
        setBusy(null);
        onSaved(c);
      },
      (err: unknown) => {
        setError(err);
        setBusy(null);
      },
    );
  };
  const isSqlite = d.engine === 'sqlite';
  return (
    <form class="form connection-form" onSubmit={save}>
      <div class="form-row">
        <label>
          Name
          <input name="name" value={d.name} required maxLength={128} pattern="[A-Za-z0-9][A-Za-z0-9_.\-]*" title="letters, digits, _ . -" onInput={(e) => set('name', e.currentTarget.value)} />
        </label>
        <label>
          Engine
          <select
            name="engine"
            value={d.engine}
            onChange={(e) => {
              const engine = e.currentTarget.value as Engine;
              set('engine', engine);
              if (d.port === '' || Number(d.port) === DEFAULT_PORT[d.engine]) set('port', DEFAULT_PORT[engine] === null ? '' : String(DEFAULT_PORT[engine]));
            }}
          >
            <option value="mysql">MySQL / MariaDB</option>
            <option value="postgres">PostgreSQL</option>
            <option value="sqlite">SQLite file</option>
          </select>
        </label>
      </div>
      {isSqlite ? (
        <label>
          Database file
          <input name="database" value={d.database} required placeholder="/srv/data/app.db" onInput={(e) => set('database', e.currentTarget.value)} />
          <span class="muted small">A path on the server running dbferry; relative paths are resolved there.</span>
        </label>
      ) : (
        <>
          <div class="form-row">
            <label class="grow">
              Host
              <input name="host" value={d.host} required onInput={(e) => set('host', e.currentTarget.value)} />
            </label>
            <label class="narrow">
              Port
              <input name="port" type="number" min={1} max={65535} value={d.port} placeholder={String(DEFAULT_PORT[d.engine] ?? '')} onInput={(e) => set('port', e.currentTarget.value)} />
            </label>
          </div>
          <div class="form-row">
            <label>
              User
              <input name="username" value={d.username} autoComplete="off" onInput={(e) => set('username', e.currentTarget.value)} />
            </label>
            <label>
              Password
              <input name="password" type="password" value={d.password} autoComplete="new-password" placeholder={existing?.has_password ? 'unchanged (stored)' : ''} disabled={d.removePassword} onInput={(e) => set('password', e.currentTarget.value)} />
            </label>
          </div>
          {existing?.has_password ? (
            <label class="check">
              <input type="checkbox" checked={d.removePassword} onChange={(e) => set('removePassword', e.currentTarget.checked)} /> Remove the stored password
            </label>
          ) : null}
          <div class="form-row">
            <label>
              <span class="label-text">
                Database <span class="muted small">(optional)</span>
              </span>
              <input name="database" value={d.database} onInput={(e) => set('database', e.currentTarget.value)} />
            </label>
            <label>
              SSL
              <select name="ssl" value={d.ssl} onChange={(e) => set('ssl', e.currentTarget.value as Draft['ssl'])}>
                <option value="false">off</option>
                <option value="true">on (verify certificate)</option>
                <option value="skip-verify">on (skip verification)</option>
              </select>
            </label>
          </div>
        </>
      )}
      <label class="check">
        <input type="checkbox" name="skip_test" checked={d.skipTest} onChange={(e) => set('skipTest', e.currentTarget.checked)} /> Save without testing the connection
      </label>
      {tested ? (
        <Notice kind="ok">
          <span class="test-ok">
            Connected in {latency(tested.latency_ms)} — {tested.server_version}
          </span>
        </Notice>
      ) : null}
      <ErrorNotice error={error} />
      <div class="actions">
        <button type="button" onClick={onCancel}>
          Close
        </button>
        <button type="button" onClick={test} disabled={busy !== null}>
          {busy === 'test' ? 'Testing…' : 'Test'}
        </button>
        <button type="submit" class="primary" disabled={busy !== null}>
          {busy === 'save' ? 'Saving…' : editing ? 'Save changes' : 'Add connection'}
        </button>
      </div>
    </form>
  );
}
