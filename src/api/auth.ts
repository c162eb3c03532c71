import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiToken } from '../config/api-tokens.js';
import { roleAllows } from '../domain/api-role.js';
import type { ApiRole } from '../domain/api-role.js';
import { DbfError } from '../domain/errors.js';

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * The API's tokens. A presented token is compared with every configured one through SHA-256 digests
 * and `timingSafeEqual`, so neither the time taken nor an early exit says how much of it matched or
 * which token it resembled.
 */
export class Keyring {
  readonly #entries: ReadonlyArray<{ readonly digest: Buffer; readonly role: ApiRole }>;

  constructor(tokens: readonly ApiToken[]) {
    this.#entries = tokens.map((t) => ({ digest: digest(t.token), role: t.role }));
  }

  get enabled(): boolean {
    return this.#entries.length > 0;
  }

  /** The role of an `Authorization: Bearer …` header's token; null when it is missing, malformed or unknown. */
  roleOf(header: string | undefined): ApiRole | null {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
    const presented = digest(match?.[1] ?? '');
    let role: ApiRole | null = null;
    for (const entry of this.#entries) {
      if (timingSafeEqual(presented, entry.digest) && match) role ??= entry.role;
    }
    return role;
  }
}

/**
 * An onRequest hook: with tokens configured, the request needs one whose role reaches the route's
 * (`config.role`; a route without one is treated as admin-only, so a forgotten role fails closed).
 * Without tokens it lets everything through: the API is then bound to 127.0.0.1 by default.
 */
export function requireToken(keyring: Keyring, fallbackRole: ApiRole = 'admin'): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  return async (request, reply) => {
    if (!keyring.enabled) return;
    const needed = request.routeOptions.config.role ?? fallbackRole;
    const held = keyring.roleOf(request.headers.authorization);
    if (held === null) {
      reply.header('www-authenticate', 'Bearer realm="dbferry"');
      const why = request.headers.authorization === undefined ? 'send Authorization: Bearer <token>' : 'the token is not one of the configured tokens';
      throw new DbfError('DBF_UNAUTHORIZED', `this API needs a token: ${why}`);
    }
    if (!roleAllows(held, needed)) {
      throw new DbfError('DBF_FORBIDDEN', `a ${held} token may not ${request.method} ${request.routeOptions.url ?? request.url}: that needs the ${needed} role`);
    }
  };
}
