import { resolve } from 'node:path';
import { z } from 'zod';
import { checkHost, DEFAULT_PORTS, normalizeEngine, parseConnectionUrl, parsePort, parseSsl } from '../domain/connection-url.js';
import type { ConnectionSpec } from '../domain/connection-url.js';
import { DbfError } from '../domain/errors.js';
import { parseInput } from '../domain/validation.js';

/**
 * A connection as a user gives it: `{name, url}` or `{name, engine, host, port, username, password,
 * database, ssl}` (product.md). Names are letters, digits, `_ . -` so that a name can never be taken
 * for a URL wherever either is accepted.
 */
export const CONNECTION_NAME = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, 'must be 1-128 letters, digits, "_", "." or "-", starting with a letter or digit');

export const connectionFields = {
  engine: z.string().min(1).max(32),
  host: z.string().min(1).max(255).nullish(),
  port: z.union([z.number(), z.string().max(16)]).nullish(),
  username: z.string().max(255).nullish(),
  password: z.string().max(1024).nullish(),
  database: z.string().min(1).max(1024).nullish(),
  ssl: z.union([z.boolean(), z.string().max(32)]).optional(),
};

const URL_FIELD = z.string().min(1).max(4096);
/** `skip_test: true` saves without first connecting (by default a connection that fails its test is not saved). */
const urlForm = z.object({ name: CONNECTION_NAME, url: URL_FIELD, skip_test: z.boolean().optional() }).strict();
const fieldForm = z.object({ name: CONNECTION_NAME, ...connectionFields, skip_test: z.boolean().optional() }).strict();
export type ConnectionInput = z.infer<typeof urlForm> | z.infer<typeof fieldForm>;

/** An unsaved connection for `POST /connections/test`: the same fields, the name optional. */
const urlProbe = z.object({ name: CONNECTION_NAME.optional(), url: URL_FIELD }).strict();
const fieldProbe = z.object({ name: CONNECTION_NAME.optional(), ...connectionFields }).strict();
export type ConnectionProbeInput = z.infer<typeof urlProbe> | z.infer<typeof fieldProbe>;

/** Both forms, for the API's docs; parsing picks one (below) so that errors name the right field. */
export const connectionInputSchema = z.union([urlForm, fieldForm]);
export const connectionProbeSchema = z.union([urlProbe, fieldProbe]);

const hasUrl = (value: unknown): boolean => typeof value === 'object' && value !== null && 'url' in value;

/** Picks the form by the presence of `url`, so an error names the field that is wrong. */
export function parseConnectionInput(value: unknown): ConnectionInput {
  return hasUrl(value) ? parseInput(urlForm, value) : parseInput(fieldForm, value);
}

export function parseConnectionProbe(value: unknown): ConnectionProbeInput {
  return hasUrl(value) ? parseInput(urlProbe, value) : parseInput(fieldProbe, value);
}

/** Turns either input form into a validated spec (engine, port range, SSL mode, required host). */
export function specFromInput(input: ConnectionProbeInput): ConnectionSpec {
  return absoluteSqlitePath(specFromForm(input));
}

/** A saved SQLite path is made absolute (against the working directory at save time), so it means
 * the same file whichever directory `dbferry serve` or a worker runs in later. */
function absoluteSqlitePath(spec: ConnectionSpec): ConnectionSpec {
  return spec.engine === 'sqlite' && spec.database !== null ? { ...spec, database: resolve(spec.database) } : spec;
}

function specFromForm(input: ConnectionProbeInput): ConnectionSpec {
  if ('url' in input) return parseConnectionUrl(input.url);
  const engine = normalizeEngine(input.engine);
  const ssl = parseSsl(input.ssl === undefined ? undefined : input.ssl);
  if (engine === 'sqlite') {
    if (!input.database) throw new DbfError('DBF_INVALID_INPUT', 'database: a sqlite connection needs the file path in "database"');
    return { engine, host: null, port: null, username: null, password: null, database: input.database, ssl: false };
  }
  if (!input.host) throw new DbfError('DBF_INVALID_INPUT', `host: a ${engine} connection needs a host`);
  checkHost(/:/.test(input.host) && !input.host.startsWith('[') ? `[${input.host}]` : input.host, 'DBF_INVALID_INPUT');
  const port = input.port === undefined || input.port === null || input.port === '' ? DEFAULT_PORTS[engine] : parsePort(input.port);
  return {
    engine,
    host: input.host,
    port,
    username: input.username ?? null,
    password: input.password ?? null,
    database: input.database ?? null,
    ssl,
  };
}
