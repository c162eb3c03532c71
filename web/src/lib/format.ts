/** Display formats: numbers, bytes, durations, ages. English, compact. */

const nf = new Intl.NumberFormat('en-US');

export function count(n: number | null | undefined): string {
  return n === null || n === undefined ? '–' : nf.format(n);
}

/** `1 table`, `2 tables`: a count with its noun. */
export function counted(n: number, singular: string, plural = `${singular}s`): string {
  return `${count(n)} ${n === 1 ? singular : plural}`;
}

export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(value >= 100 ? 0 : 1)} ${units[unit]}`;
}

export function rate(rowsPerSecond: number | null | undefined): string {
  if (rowsPerSecond === null || rowsPerSecond === undefined) return '–';
  return `${nf.format(Math.round(rowsPerSecond))} rows/s`;
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${m % 60} min`;
}

export function eta(seconds: number | null | undefined): string {
  return seconds === null || seconds === undefined ? '–' : duration(seconds * 1000);
}

/** "12 s ago" from an ISO time and the ticking clock. */
export function ago(iso: string | null | undefined, now: number): string {
  if (!iso) return '–';
  const ms = Math.max(0, now - Date.parse(iso));
  if (ms < 1500) return 'just now';
  return `${duration(Math.floor(ms / 1000) * 1000)} ago`;
}

/** "4 Dec 14:03:58"; the year only when it is not this year. */
export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  const thisYear = d.getFullYear() === new Date().getFullYear();
  const day = d.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', ...(thisYear ? {} : { year: 'numeric' }) });
  return `${day} ${d.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' })}`;
}

export function time(iso: string | null | undefined): string {
  if (!iso) return '–';
  return new Date(iso).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function percent(p: number): string {
  return `${p.toFixed(p >= 10 || p === 0 ? 0 : 1)}%`;
}

export function shortId(id: string): string {
  return id.length > 12 ? id.slice(0, 8) : id;
}

/** A connection test's latency: tenths below 10 ms, whole milliseconds above. */
export function latency(ms: number): string {
  return `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
}
