import type { JSX } from 'preact';

export function StatCard({ label, value, hint, tone }: { readonly label: string; readonly value: string; readonly hint?: string; readonly tone?: 'ok' | 'bad' | 'live' }): JSX.Element {
  return (
    <div class={`stat-card${tone ? ` stat-${tone}` : ''}`} data-stat={label}>
      <div class="stat-label">{label}</div>
      <div class="stat-value">{value}</div>
      {hint ? <div class="stat-hint">{hint}</div> : null}
    </div>
  );
}
