import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { isNoBody } from './route-schema.js';

/**
 * OpenAPI 3.1 from the routes' own schemas (route.ts) at `GET /docs/json` (and `/docs/yaml`), and
 * Swagger UI at `GET /docs`, whose assets are files served from here, so the CSP of security.ts
 * holds (but for inline styles on its pages). Registered before the routes so that it sees each of them.
 */
export async function registerDocs(app: FastifyInstance, version: string): Promise<void> {
  await app.register(swagger, {
    // Untagged routes are not the API's (the dashboard's pages).
    hideUntagged: true,
    // A route that takes no body validates one anyway (only `{}` passes); the docs say "no body".
    transform: ({ schema, url }) => {
      // Routes without any schema (the dashboard's pages) come through here too, despite the type.
      if (schema === undefined || !isNoBody(schema.body)) return { schema, url };
      const { body: _none, ...rest } = schema;
      return { schema: rest, url };
    },
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'dbferry API',
        version,
        description:
          'Clone and sync database tables as durable jobs. Every answer is `{success: true, data, meta?}` or `{success: false, error: {code, message, details?}}` with a DBF_ code (docs/ERRORS.md). When the server has tokens, /api routes need `Authorization: Bearer <token>` with the role each route names.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    // No badge from validator.swagger.io: the CSP allows no other origin.
    uiConfig: { validatorUrl: null },
    // Swagger UI adds one <style> element at run time; only its pages allow inline styles for it.
    transformStaticCSP: (header) => header.replace(/(^|;)style-src 'self'(;|$)/, "$1style-src 'self' 'unsafe-inline'$2"),
  });
}
