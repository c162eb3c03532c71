import type { JSX } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import type { TableInfo } from '../api/types.js';
import { Empty } from '../components/notice.js';
import { bytes, count } from '../lib/format.js';

/**
 * The source's tables with a search box and "select all" (of the tables the search shows).
 * Selecting adds a mapping; unselecting removes it. Views are listed but marked.
 */
export function TablePicker({ tables, selected, onToggle, onSetMany }: { readonly tables: readonly TableInfo[]; readonly selected: ReadonlySet<string>; readonly onToggle: (table: TableInfo, on: boolean) => void; readonly onSetMany: (tables: readonly TableInfo[], on: boolean) => void }): JSX.Element {
  const [search, setSearch] = useState('');
  const shown = useMemo(() => {
    const needle = search.trim().toLowerCase();
    return needle === '' ? tables : tables.filter((t) => t.name.toLowerCase().includes(needle));
  }, [tables, search]);
  const allShownSelected = shown.length > 0 && shown.every((t) => selected.has(t.name));
  return (
    <div class="table-picker">
      <div class="picker-tools">
        <input type="search" placeholder="Search tables…" aria-label="Search tables" value={search} onInput={(e) => setSearch(e.currentTarget.value)} />
        <label class="check">
          <input type="checkbox" name="select_all" checked={allShownSelected} onChange={(e) => onSetMany(shown, e.currentTarget.checked)} /> Select all{search.trim() ? ' shown' : ''} ({count(shown.length)})
        </label>
        <span class="muted small">{count(selected.size)} selected</span>
      </div>
      {tables.length === 0 ? (
        <Empty>This database has no table.</Empty>
      ) : (
        <ul class="picker-list">
          {shown.map((t) => (
            <li key={t.name}>
              <label class="picker-item" data-table={t.name}>
                <input type="checkbox" checked={selected.has(t.name)} onChange={(e) => onToggle(t, e.currentTarget.checked)} />
                <span class="mono grow">{t.name}</span>
                {t.type === 'view' ? <span class="badge">view</span> : null}
                <span class="muted small num">{count(t.row_estimate)} rows</span>
                <span class="muted small num">{bytes(t.size_bytes)}</span>
              </label>
            </li>
          ))}
          {shown.length === 0 ? <Empty>No table matches “{search}”.</Empty> : null}
        </ul>
      )}
    </div>
  );
}
