import type { JSX } from 'preact';
import { percent } from '../lib/format.js';

/**
 * A progress bar. Its width is set through the CSSOM (`style` object), which a CSP without
 * 'unsafe-inline' for styles still allows, unlike a style attribute in markup.
 */
export function ProgressBar({ value, status, label }: { readonly value: number; readonly status?: string; readonly label?: string }): JSX.Element {
  const clamped = Math.max(0, Math.min(100, value));
  return (
    <div class="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(clamped)} aria-label={label}>
      <div class={`progress-fill progress-${status ?? 'running'}`} style={{ width: `${clamped}%` }} />
      <span class="progress-text">{percent(clamped)}</span>
    </div>
  );
}
