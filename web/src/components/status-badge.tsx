import type { JSX } from 'preact';

/** A job's or a table's status as a coloured pill (colour by class, so the CSS decides). */
export function StatusBadge({ status }: { readonly status: string }): JSX.Element {
  return <span class={`badge badge-${status}`} data-status={status}>{status}</span>;
}
