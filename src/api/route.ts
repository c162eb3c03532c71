import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema } from 'fastify';
import '@fastify/swagger';
import { z } from 'zod';
import type { ApiRole } from '../domain/api-role.js';
import { partSchema } from './route-schema.js';
import type { InputSpec } from './route-schema.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The least role that may call the route when the API has tokens (see auth.ts). */
    role?: ApiRole;
  }
}

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** What a route takes when it declares nothing: no query parameters, and no body or `{}`. */
const NO_QUERY = z.object({}).strict();
const NO_PARAMS = z.object({}).strict();
const NO_BODY: InputSpec = { schema: z.object({}).strict().optional() };

export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType> {
  readonly method: Method;
  readonly url: string;
  /** The least role that may call it when the API has tokens; `public` needs none (health, metrics). */
  readonly role: ApiRole | 'public';
  readonly tag: string;
  readonly summary: string;
  readonly description?: string;
  readonly params?: P;
  readonly query?: Q;
  /** POST and PUT only; a route that declares none takes no body (or `{}`). */
  readonly body?: InputSpec;
}

export interface RouteInput<P, Q> {
  readonly params: P;
  readonly query: Q;
  /** As sent (validated already): services parse their own input, as they do for the CLI. */
  readonly body: unknown;
}

export type RouteHandler<P, Q> = (input: RouteInput<P, Q>, reply: FastifyReply, request: FastifyRequest) => Promise<FastifyReply | void>;

/**
 * Declares an API route with its role, its docs and a schema for every part of the request, so no
 * route can be added without them. Params and query strings reach the handler parsed.
 */
export function route<P extends z.ZodType = typeof NO_PARAMS, Q extends z.ZodType = typeof NO_QUERY>(
  api: FastifyInstance,
  spec: RouteSpec<P, Q>,
  handler: RouteHandler<z.output<P>, z.output<Q>>,
): void {
  const hasParams = spec.url.includes(':');
  if (hasParams && spec.params === undefined) throw new Error(`${spec.method} ${spec.url}: a route with path parameters must declare their schema`);
  const takesBody = spec.method === 'POST' || spec.method === 'PUT';
  if (!takesBody && spec.body !== undefined) throw new Error(`${spec.method} ${spec.url}: only POST and PUT routes take a body`);
  const schema: FastifySchema = {
    tags: [spec.tag],
    summary: spec.summary,
    description: `${spec.description ? `${spec.description}\n\n` : ''}${spec.role === 'public' ? 'Needs no token.' : `Role: ${spec.role} (when the API has tokens).`}`,
    security: spec.role === 'public' ? [] : [{ bearer: [] }],
    querystring: partSchema({ schema: spec.query ?? NO_QUERY }, true),
    ...(hasParams && spec.params ? { params: partSchema({ schema: spec.params }, true) } : {}),
    ...(takesBody ? { body: partSchema(spec.body ?? NO_BODY, false) } : {}),
  };
  api.route({
    method: spec.method,
    url: spec.url,
    schema,
    config: spec.role === 'public' ? {} : { role: spec.role },
    // The validator compiler (route-schema.ts) has already replaced params and query with the output
    // of exactly these schemas, so the casts only restate what it did.
    handler: (request, reply) => handler({ params: request.params as z.output<P>, query: request.query as z.output<Q>, body: request.body }, reply, request),
  });
}
