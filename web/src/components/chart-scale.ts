/**
 * A "nice" upper bound for an axis with four gridlines: four steps of 1, 2 or 5 times a power of
 * ten (so labels read 0, 5K, 10K … rather than 0, 6.3K, 12.5K …).
 */
export function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const raw = max / 4;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  return step * 4;
}

export function gridlines(max: number, n = 4): number[] {
  return Array.from({ length: n + 1 }, (_, i) => (max / n) * i);
}

/** Short axis labels: 1.2k, 3.4M. */
export function compact(n: number): string {
  return new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 }).format(n);
}
