import type { JSX } from 'preact';
import { compact, gridlines, niceMax } from './chart-scale.js';

export interface BarSegment {
  readonly value: number;
  /** CSS class that colours the segment (`seg-completed`, `seg-failed` …). */
  readonly kind: string;
}

export interface Bar {
  readonly label: string;
  readonly segments: readonly BarSegment[];
  /** The hover text. */
  readonly title: string;
}

const W = 560;
const H = 200;
const PAD = { left: 48, right: 8, top: 12, bottom: 24 };

/** Stacked bars in inline SVG; every 5th label shown so 30 days stay readable on a phone. */
export function BarChart({ bars, label, format = compact, integer = false, empty }: { readonly bars: readonly Bar[]; readonly label: string; readonly format?: (n: number) => string; readonly integer?: boolean; readonly empty?: string }): JSX.Element {
  const totals = bars.map((b) => b.segments.reduce((n, s) => n + s.value, 0));
  if (empty !== undefined && totals.every((n) => n === 0)) {
    return (
      <figure class="chart" data-chart={label}>
        <p class="chart-empty muted">{empty}</p>
        <figcaption>{label}</figcaption>
      </figure>
    );
  }
  const top = Math.max(0, ...totals);
  // Counts keep whole-number gridlines (0, 1, 2 … not 0.25, 0.5 …): four steps of a whole size.
  const max = integer ? Math.max(1, Math.ceil(top / 4)) * 4 : niceMax(top);
  const slot = (W - PAD.left - PAD.right) / Math.max(1, bars.length);
  const barW = Math.max(2, slot * 0.7);
  const y = (v: number): number => PAD.top + (1 - v / max) * (H - PAD.top - PAD.bottom);
  return (
    <figure class="chart" data-chart={label}>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label}>
        {gridlines(max).map((g) => (
          <g key={g}>
            <line class="grid" x1={PAD.left} x2={W - PAD.right} y1={y(g)} y2={y(g)} />
            <text class="axis" x={PAD.left - 6} y={y(g) + 4} text-anchor="end">
              {format(g)}
            </text>
          </g>
        ))}
        {bars.map((bar, i) => {
          let base = 0;
          const x = PAD.left + i * slot + (slot - barW) / 2;
          return (
            <g key={bar.label} class="bar">
              <title>{bar.title}</title>
              <rect class="bar-hit" x={PAD.left + i * slot} y={PAD.top} width={slot} height={H - PAD.top - PAD.bottom} />
              {bar.segments.map((s) => {
                const top = y(base + s.value);
                const height = y(base) - top;
                base += s.value;
                return s.value > 0 ? <rect key={s.kind} class={`seg seg-${s.kind}`} x={x} y={top} width={barW} height={height} /> : null;
              })}
              {i % 5 === 0 || i === bars.length - 1 ? (
                <text class="axis" x={x + barW / 2} y={H - 6} text-anchor="middle">
                  {bar.label}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <figcaption>{label}</figcaption>
    </figure>
  );
}
