import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import type { SyncMode } from '../api/types.js';
import { Empty } from '../components/notice.js';
import { moved } from '../lib/config-draft.js';
import type { MappingDraft } from '../lib/config-draft.js';

interface Props {
  readonly tables: readonly MappingDraft[];
  readonly onChange: (tables: MappingDraft[]) => void;
  /** Called after a drag or an arrow click changed the order (the editor may save it at once). */
  readonly onReorder: (tables: MappingDraft[]) => void;
}

/**
 * The selected tables in copy order: per table the target name, mode, cursor column, filter and
 * enabled flag. Rows are dragged by their handle to reorder (HTML drag and drop), or moved with the
 * arrow buttons (keyboard and touch).
 */
export function MappingList({ tables, onChange, onReorder }: Props): JSX.Element {
  const [dragging, setDragging] = useState<number | null>(null);
  const [over, setOver] = useState<number | null>(null);
  const update = (index: number, patch: Partial<MappingDraft>): void => onChange(tables.map((t, i) => (i === index ? { ...t, ...patch } : t)));
  const move = (from: number, to: number): void => {
    if (from === to || to < 0 || to >= tables.length) return;
    onReorder(moved(tables, from, to));
  };
  if (tables.length === 0) return <Empty>Pick the tables to copy from the list on the left.</Empty>;
  return (
    <ol class="mapping-list">
      {tables.map((t, i) => (
        <li
          key={t.key}
          class={`mapping${dragging === i ? ' dragging' : ''}${over === i && dragging !== i ? ' drop-target' : ''}${t.enabled ? '' : ' disabled-row'}`}
          data-mapping={t.source_table}
          onDragOver={(e) => {
            e.preventDefault();
            setOver(i);
          }}
          onDragLeave={() => setOver((o) => (o === i ? null : o))}
          onDrop={(e) => {
            e.preventDefault();
            const from = Number(e.dataTransfer?.getData('text/plain') ?? dragging);
            setDragging(null);
            setOver(null);
            if (Number.isInteger(from)) move(from, i);
          }}
        >
          <div class="mapping-head">
            {/* Only the handle is draggable: a draggable row would take text selection away from its inputs. */}
            <span
              class="drag-handle"
              title="Drag to reorder"
              aria-hidden="true"
              draggable
              onDragStart={(e) => {
                setDragging(i);
                const row = e.currentTarget.closest('li');
                if (e.dataTransfer) {
                  e.dataTransfer.setData('text/plain', String(i));
                  e.dataTransfer.effectAllowed = 'move';
                  if (row) e.dataTransfer.setDragImage(row, 16, 16);
                }
              }}
              onDragEnd={() => {
                setDragging(null);
                setOver(null);
              }}
            >
              ⋮⋮
            </span>
            <span class="order">{i + 1}</span>
            <span class="mono strong grow">{t.source_table}</span>
            <label class="check small">
              <input type="checkbox" checked={t.enabled} onChange={(e) => update(i, { enabled: e.currentTarget.checked })} /> enabled
            </label>
            <button type="button" class="icon-button" aria-label={`Move ${t.source_table} up`} disabled={i === 0} onClick={() => move(i, i - 1)}>
              ↑
            </button>
            <button type="button" class="icon-button" aria-label={`Move ${t.source_table} down`} disabled={i === tables.length - 1} onClick={() => move(i, i + 1)}>
              ↓
            </button>
            <button type="button" class="icon-button" aria-label={`Remove ${t.source_table}`} onClick={() => onChange(tables.filter((_, j) => j !== i))}>
              ×
            </button>
          </div>
          <div class="mapping-fields">
            <label>
              Target table
              <input name="target_table" value={t.target_table} placeholder={t.source_table} onInput={(e) => update(i, { target_table: e.currentTarget.value })} />
            </label>
            <label>
              Mode
              <select name="sync_mode" value={t.sync_mode} onChange={(e) => update(i, { sync_mode: e.currentTarget.value as SyncMode })}>
                <option value="full">full</option>
                <option value="incremental">incremental</option>
              </select>
            </label>
            <label>
              Cursor column
              <input name="cursor_column" value={t.cursor_column} disabled={t.sync_mode !== 'incremental'} placeholder={t.sync_mode === 'incremental' ? 'detected if empty' : 'incremental only'} onInput={(e) => update(i, { cursor_column: e.currentTarget.value })} />
            </label>
            <label class="wide">
              Filter (WHERE)
              <input name="where_clause" class="mono" value={t.where_clause} placeholder="e.g. created_at >= '2024-01-01'" onInput={(e) => update(i, { where_clause: e.currentTarget.value })} />
            </label>
          </div>
        </li>
      ))}
    </ol>
  );
}
