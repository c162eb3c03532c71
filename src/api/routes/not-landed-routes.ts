import type { FastifyInstance } from 'fastify';
import { DbfError } from '../../domain/errors.js';

/**
 * Routes of product.md whose capability has not landed yet. They answer 501 DBF_NOT_IMPLEMENTED
 * naming what is missing, so a client can tell "not yet" from "no such route" (404). Each line goes
 * when its capability lands.
 */
const NOT_LANDED: ReadonlyArray<readonly ['GET' | 'POST', string, string]> = [
  ['GET', '/config/export', 'config export/import'],
  ['POST', '/config/import', 'config export/import'],
  ['POST', '/config/validate', 'config export/import'],
];

export function registerNotLandedRoutes(api: FastifyInstance): void {
  for (const [method, url, what] of NOT_LANDED) {
    api.route({
      method,
      url,
      handler: () => {
        throw new DbfError('DBF_NOT_IMPLEMENTED', `${method} ${url} needs ${what}, which has not landed yet`);
      },
    });
  }
}
