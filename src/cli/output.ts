import type { DbfError } from '../domain/errors.js';
import type { CliIo } from './io.js';

/** Human output: aligned columns; machine output (`--json`): the API's envelope, one document. */
export function renderTable(headers: string[], rows: Array<Array<string | number | null | undefined>>): string {
  const cells = rows.map((row) => row.map((cell) => (cell === null || cell === undefined ? '-' : String(cell))));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (values: string[]): string => values.map((v, i) => v.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(headers), ...cells.map(line)].join('\n') + '\n';
}

export function printJson(io: CliIo, data: unknown, meta?: Record<string, unknown>): void {
  io.stdout.write(`${JSON.stringify(meta === undefined ? { success: true, data } : { success: true, data, meta })}\n`);
}

/** The one error line of product.md: `error DBF_CODE: message` on stderr (and the envelope on stdout with --json). */
export function printError(io: CliIo, error: DbfError, json: boolean): void {
  io.stderr.write(`error ${error.code}: ${error.message}\n`);
  if (json) {
    const body = { code: error.code, message: error.message };
    io.stdout.write(`${JSON.stringify({ success: false, error: error.details === undefined ? body : { ...body, details: error.details } })}\n`);
  }
}

export function formatBytes(bytes: number | null): string {
  if (bytes === null) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}
