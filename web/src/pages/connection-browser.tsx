import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { connections } from '../api/endpoints.js';
import type { Connection } from '../api/types.js';
import { Empty, ErrorNotice, Loading } from '../components/notice.js';
import { bytes, count, counted } from '../lib/format.js';
import { useAsync } from '../lib/hooks.js';

function Tables({ connection, database }: { readonly connection: Connection; readonly database: string }): JSX.Element {
  const tables = useAsync(() => connections.tables(connection.id, database), [connection.id, database]);
  if (tables.data === undefined) return tables.error ? <ErrorNotice error={tables.error} /> : <Loading what="tables" />;
  if (tables.data.length === 0) return <Empty>No table in {database}.</Empty>;
  const total = tables.data.reduce((n, t) => n + (t.size_bytes ?? 0), 0);
  return (
    <table class="data-table browse-tables">
      <thead>
        <tr>
          <th>Table</th>
          <th>Type</th>
          <th class="num">Rows (estimate)</th>
          <th class="num">Size</th>
        </tr>
      </thead>
      <tbody>
        {tables.data.map((t) => (
          <tr key={t.name} data-table={t.name}>
            <td class="mono">{t.name}</td>
            <td>{t.type}</td>
            <td class="num">{count(t.row_estimate)}</td>
            <td class="num">{bytes(t.size_bytes)}</td>
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr>
          <td colSpan={3}>{counted(tables.data.length, 'table')}</td>
          <td class="num">{bytes(total)}</td>
        </tr>
      </tfoot>
    </table>
  );
}

/** Databases of a saved connection with their sizes; pick one to see its tables. */
export function ConnectionBrowser({ connection }: { readonly connection: Connection }): JSX.Element {
  const databases = useAsync(() => connections.databases(connection.id), [connection.id]);
  const [choice, setPicked] = useState<string | null>(connection.database);
  if (databases.data === undefined) return databases.error ? <ErrorNotice error={databases.error} /> : <Loading what="databases" />;
  // The connection's own database first; a server with one database (a SQLite file) opens on it.
  const picked = databases.data.some((d) => d.name === choice) ? choice : databases.data.length === 1 ? (databases.data[0]?.name ?? null) : null;
  return (
    <div class="browser">
      <ul class="db-list" aria-label="Databases">
        {databases.data.map((db) => (
          <li key={db.name}>
            <button type="button" class={picked === db.name ? 'db active' : 'db'} onClick={() => setPicked(db.name)} data-database={db.name}>
              <span class="mono">{db.name}</span>
              <span class="muted small">
                {db.table_count === null ? '' : `${counted(db.table_count, 'table')} · `}
                {bytes(db.size_bytes)}
              </span>
            </button>
          </li>
        ))}
        {databases.data.length === 0 ? <Empty>No user database on this server.</Empty> : null}
      </ul>
      <div class="db-tables">{picked !== null ? <Tables connection={connection} database={picked} /> : <p class="muted">Pick a database to see its tables.</p>}</div>
    </div>
  );
}
