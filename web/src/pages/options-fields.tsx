import type { JSX } from 'preact';
import type { SyncOptions } from '../api/types.js';

const numberOrNull = (s: string): number | null => (s.trim() === '' ? null : Number(s));

/** A config's copy options (product.md `options`); every one of them is used by the copy. */
export function OptionsFields({ options, onChange }: { readonly options: SyncOptions; readonly onChange: (o: SyncOptions) => void }): JSX.Element {
  const set = <K extends keyof SyncOptions>(key: K, value: SyncOptions[K]): void => onChange({ ...options, [key]: value });
  return (
    <fieldset class="options">
      <legend>Options</legend>
      <div class="form-row">
        <label>
          Full-copy strategy
          <select name="strategy" value={options.strategy} onChange={(e) => set('strategy', e.currentTarget.value as SyncOptions['strategy'])}>
            <option value="swap">swap: load a shadow table, then swap it in</option>
            <option value="truncate">truncate and reload the live table</option>
          </select>
        </label>
        <label>
          On conflicting rows (incremental)
          <select name="conflict_resolution" value={options.conflict_resolution} onChange={(e) => set('conflict_resolution', e.currentTarget.value as SyncOptions['conflict_resolution'])}>
            <option value="overwrite">overwrite the target row</option>
            <option value="skip">keep the target row</option>
            <option value="error">fail the table</option>
          </select>
        </label>
      </div>
      <div class="form-row">
        <label>
          <span class="label-text">
            Batch size <span class="muted small">(rows)</span>
          </span>
          <input name="batch_size" type="number" min={1} max={100000} placeholder="automatic" value={options.batch_size ?? ''} onInput={(e) => set('batch_size', numberOrNull(e.currentTarget.value))} />
        </label>
        <label>
          <span class="label-text">
            Concurrency <span class="muted small">(tables and chunks at once)</span>
          </span>
          <input name="max_concurrency" type="number" min={1} max={64} placeholder="automatic" value={options.max_concurrency ?? ''} onInput={(e) => set('max_concurrency', numberOrNull(e.currentTarget.value))} />
        </label>
      </div>
      <div class="form-row">
        <label>
          <span class="label-text">
            Overlap <span class="muted small">(seconds re-read below the mark, incremental)</span>
          </span>
          <input name="overlap_seconds" type="number" min={0} max={604800} value={options.overlap_seconds} onInput={(e) => set('overlap_seconds', numberOrNull(e.currentTarget.value) ?? 0)} />
        </label>
        <label>
          <span class="label-text">
            Split tables from <span class="muted small">(rows; key ranges copied at once)</span>
          </span>
          <input name="split_min_rows" type="number" min={1} placeholder="100000" value={options.split_min_rows ?? ''} onInput={(e) => set('split_min_rows', numberOrNull(e.currentTarget.value))} />
        </label>
      </div>
      <label class="check">
        <input type="checkbox" name="detect_deletes" checked={options.detect_deletes} onChange={(e) => set('detect_deletes', e.currentTarget.checked)} /> Detect deletes (incremental): remove target rows the source no longer has, then verify
      </label>
      <label class="check">
        <input type="checkbox" name="verify" checked={options.verify} onChange={(e) => set('verify', e.currentTarget.checked)} /> Verify: compare row counts and checksums after copying
      </label>
      <label class="check">
        <input type="checkbox" name="objects" checked={options.objects} onChange={(e) => set('objects', e.currentTarget.checked)} /> Also copy views, routines, triggers and events
      </label>
    </fieldset>
  );
}
