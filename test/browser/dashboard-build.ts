import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
const WEB = join(REPO, 'web');
const BUILT = join(REPO, 'dist', 'web', 'index.html');

function newest(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(s.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

/**
 * The browser tests load the dashboard that `dbferry serve` serves from dist/web (built by `npm run
 * build`, which `npm install` runs through `prepare`). When web/ changed since that build, it is
 * built again here so that the tests never pass against a stale dashboard.
 */
export function ensureDashboardBuilt(): void {
  if (existsSync(BUILT) && statSync(BUILT).mtimeMs >= newest(WEB)) return;
  const result = spawnSync(process.execPath, [join(REPO, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', join(WEB, 'vite.config.ts'), '--logLevel', 'warn'], { cwd: REPO, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`building the dashboard failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
}
