import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/**
 * The Content-Security-Policy of every response: the dashboard is a same-origin SPA that loads its
 * scripts and styles as files (no inline scripts, no eval) and talks only to this server. Inline
 * `style` attributes stay allowed, since UI code sets widths of progress bars through them. No
 * `upgrade-insecure-requests`: `dbferry serve` speaks plain HTTP on 127.0.0.1 by default, where
 * upgraded sub-requests would fail.
 */
export const CONTENT_SECURITY_POLICY = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'"],
  'style-src-attr': ["'unsafe-inline'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'upgrade-insecure-requests': null,
} as const;

/**
 * Security headers on every response (helmet), and CORS only for the configured origins: without
 * any, no CORS headers are sent and browsers keep other sites' pages from calling the API.
 */
export async function registerSecurity(app: FastifyInstance, options: { readonly corsOrigins: readonly string[] }): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
    xFrameOptions: { action: 'deny' },
    // dbferry speaks plain HTTP; whatever terminates TLS in front of it decides on HSTS (helmet's
    // default, a year with includeSubDomains, would bind every sibling host of that name).
    strictTransportSecurity: false,
  });
  if (options.corsOrigins.length === 0) return;
  await app.register(cors, {
    origin: [...options.corsOrigins],
    methods: ['GET', 'POST', 'PUT', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'last-event-id'],
    credentials: false,
    maxAge: 600,
  });
}
