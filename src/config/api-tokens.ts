import { z } from 'zod';
import { API_ROLES } from '../domain/api-role.js';
import type { ApiRole } from '../domain/api-role.js';
import { DbfError } from '../domain/errors.js';

/** Short tokens can be guessed; 16 characters is the least a generated token has. */
const MIN_TOKEN_LENGTH = 16;
const TOKEN = z.string().min(MIN_TOKEN_LENGTH, `must be at least ${MIN_TOKEN_LENGTH} characters`).max(4096);

/** `server.tokens[]`: the token itself, or the name of the environment variable that holds it. */
export const tokenEntrySchema = z
  .object({
    token: TOKEN.optional(),
    token_env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name').optional(),
    role: z.enum(API_ROLES),
  })
  .strict()
  .refine((t) => (t.token === undefined) !== (t.token_env === undefined), 'give exactly one of token and token_env');

export const apiTokenSchema = TOKEN;

export interface ApiToken {
  readonly role: ApiRole;
  readonly token: string;
  /** Where it was configured, for messages (never the token). */
  readonly source: string;
}

/**
 * The API's tokens: `api_token` (env `DBFERRY_API_TOKEN`) is an admin token; `server.tokens` adds
 * tokens with roles, their values read here from `token_env` so a missing variable fails at start,
 * not at the first request. No tokens: the API is open (and bound to 127.0.0.1 by default).
 */
export function resolveApiTokens(
  settings: { readonly api_token?: string | undefined; readonly server: { readonly tokens: ReadonlyArray<z.infer<typeof tokenEntrySchema>> } },
  env: NodeJS.ProcessEnv,
): ApiToken[] {
  const tokens: ApiToken[] = settings.api_token === undefined ? [] : [{ role: 'admin', token: settings.api_token, source: 'api_token' }];
  for (const [index, entry] of settings.server.tokens.entries()) {
    const source = `server.tokens.${index}`;
    if (entry.token !== undefined) {
      tokens.push({ role: entry.role, token: entry.token, source });
      continue;
    }
    const name = entry.token_env ?? '';
    const parsed = TOKEN.safeParse(env[name] ?? '');
    if (!parsed.success) {
      const why = (env[name] ?? '') === '' ? 'is not set' : `must hold at least ${MIN_TOKEN_LENGTH} characters`;
      throw new DbfError('DBF_CONFIG_INVALID', `setting ${source}.token_env: environment variable ${name} ${why}`);
    }
    tokens.push({ role: entry.role, token: parsed.data, source: `${source} (${name})` });
  }
  // One token with two roles would make its role depend on the order of the list.
  const seen = new Map<string, string>();
  for (const t of tokens) {
    const first = seen.get(t.token);
    if (first !== undefined) throw new DbfError('DBF_CONFIG_INVALID', `setting ${t.source} repeats the token of ${first}: each token must be distinct`);
    seen.set(t.token, t.source);
  }
  return tokens;
}
