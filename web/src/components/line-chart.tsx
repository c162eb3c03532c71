import type { JSX } from 'preact';
import type { Point } from '../lib/chart-point.js';
import { compact, gridlines, niceMax } from './chart-scale.js';

export type { Point };

// Drawn across a page's width (the job page), so wider than the bar charts that sit two to a row.
const W = 960;
const H = 220;
const PAD = { left: 48, right: 12, top: 12, bottom: 24 };

const clock = (t: number): string => new Date(t).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });

/** A line over time in inline SVG (no chart library: one series, a few gridlines). */
export function LineChart({ points, label, unit, empty }: { readonly points: readonly Point[]; readonly label: string; readonly unit: string; readonly empty: string }): JSX.Element {
  if (points.length < 2) return <p class="chart-empty muted">{empty}</p>;
  const t0 = points[0]?.t ?? 0;
  const t1 = points[points.length - 1]?.t ?? t0 + 1;
  const span = Math.max(1, t1 - t0);
  const max = niceMax(Math.max(...points.map((p) => p.v)));
  const x = (t: number): number => PAD.left + ((t - t0) / span) * (W - PAD.left - PAD.right);
  const y = (v: number): number => PAD.top + (1 - v / max) * (H - PAD.top - PAD.bottom);
  const line = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(' ');
  const area = `${line} L${x(t1).toFixed(1)},${y(0)} L${x(t0).toFixed(1)},${y(0)} Z`;
  const last = points[points.length - 1];
  return (
    <figure class="chart" data-chart={label}>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label}>
        {gridlines(max).map((g) => (
          <g key={g}>
            <line class="grid" x1={PAD.left} x2={W - PAD.right} y1={y(g)} y2={y(g)} />
            <text class="axis" x={PAD.left - 6} y={y(g) + 4} text-anchor="end">
              {compact(g)}
            </text>
          </g>
        ))}
        <path class="area" d={area} />
        <path class="line" d={line} />
        <text class="axis" x={PAD.left} y={H - 6}>
          {clock(t0)}
        </text>
        <text class="axis" x={W - PAD.right} y={H - 6} text-anchor="end">
          {clock(t1)}
        </text>
      </svg>
      <figcaption>
        {label}: now {compact(last?.v ?? 0)} {unit}, peak {compact(Math.max(...points.map((p) => p.v)))} {unit}
      </figcaption>
    </figure>
  );
}
