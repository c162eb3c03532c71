import { existsSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PACKAGE_ROOT } from '../../package-root.js';

/** The dashboard's built files (`npm run build` puts web/ there), in the installed package or this checkout. */
export const DASHBOARD_DIR = join(PACKAGE_ROOT, 'dist', 'web') + sep;

/** Paths that are the API's or the server's own; never answered with the dashboard's HTML. */
const SERVER_PATH = /^\/(?:api|health|ready|metrics|docs)(?:\/|$)/i;

export interface DashboardOptions {
  /** Where index.html and assets/ are; defaults to DASHBOARD_DIR. */
  readonly dir?: string;
}

/**
 * `GET /` and every other non-API path: the dashboard, a single-page app. A file that exists is sent
 * as it is (hashed `assets/*` cached for a year, the rest revalidated); any other path without a file
 * extension gets index.html, so a reload of `/jobs/abc` opens that page (SPA fallback). Paths under
 * `/api` (and the server's own) go to the JSON 404, never to HTML. Without a build the dashboard
 * says how to make one, and the API keeps working.
 */
export async function registerDashboardRoutes(app: FastifyInstance, options: DashboardOptions = {}): Promise<void> {
  const root = options.dir ?? DASHBOARD_DIR;
  const built = existsSync(join(root, 'index.html'));
  await app.register(async (scope) => {
    if (built) await scope.register(fastifyStatic, { root, serve: false, index: false });
    scope.get('/*', async (request: FastifyRequest, reply: FastifyReply) => {
      const path = decodedPath(request.url);
      if (path === null || SERVER_PATH.test(path)) return reply.callNotFound();
      if (!built) return reply.code(503).type('text/plain; charset=utf-8').send('The dashboard is not built: run `npm run build` in the dbferry package. The API is at /api/sync.\n');
      const file = fileUnder(root, path);
      // Hashed asset names change with their content: cached for good. Anything else is revalidated,
      // so a new build is picked up at the next load.
      if (file !== null && path.startsWith('/assets/')) return reply.sendFile(file, { maxAge: 31_536_000_000, immutable: true });
      if (file !== null) return reply.header('cache-control', 'no-cache').sendFile(file, { cacheControl: false });
      // A missing file (a stale asset name) is a 404, not the HTML page that a script tag would choke on.
      if (extname(path) !== '') return reply.callNotFound();
      return reply.header('cache-control', 'no-cache').sendFile('index.html', { cacheControl: false });
    });
  });
}

/** The URL's path, decoded; null if it cannot be decoded (then it is no page of ours). */
function decodedPath(url: string): string | null {
  const raw = url.split('?')[0] ?? '/';
  try {
    return decodeURIComponent(raw);
  } catch (error) {
    if (error instanceof URIError) return null;
    throw error;
  }
}

/** The file's path relative to root when `path` names a regular file inside root; null otherwise (no traversal). */
function fileUnder(root: string, path: string): string | null {
  if (path === '/' || path.includes('\0')) return null;
  const relative = normalize(path).replace(/^[/\\]+/, '');
  if (relative.split(sep).includes('..')) return null;
  const full = join(root, relative);
  if (!full.startsWith(root)) return null;
  try {
    return statSync(full).isFile() ? relative : null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
    throw error;
  }
}
