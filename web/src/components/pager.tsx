import type { JSX } from 'preact';
import type { PageMeta } from '../api/types.js';
import { count } from '../lib/format.js';

/** "21–40 of 130" with previous/next. */
export function Pager({ meta, onPage }: { readonly meta: PageMeta; readonly onPage: (offset: number) => void }): JSX.Element {
  const first = meta.total === 0 ? 0 : meta.offset + 1;
  const last = Math.min(meta.total, meta.offset + meta.limit);
  return (
    <nav class="pager" aria-label="Pages">
      <button type="button" disabled={meta.offset === 0} onClick={() => onPage(Math.max(0, meta.offset - meta.limit))}>
        ← Newer
      </button>
      <span class="pager-text">
        {count(first)}–{count(last)} of {count(meta.total)}
      </span>
      <button type="button" disabled={last >= meta.total} onClick={() => onPage(meta.offset + meta.limit)}>
        Older →
      </button>
    </nav>
  );
}
