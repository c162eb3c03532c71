import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { DbfError, oneLine } from '../domain/errors.js';
import { defaultStoreUrl } from '../store/store-url.js';
import { apiTokenSchema, resolveApiTokens, tokenEntrySchema } from './api-tokens.js';
import type { ApiToken } from './api-tokens.js';

/**
 * dbferry's runtime configuration: one zod schema, filled from (highest first) command-line flags,
 * `DBFERRY_*` environment variables, a YAML file (`--config FILE`, else `./dbferry.yaml` when it
 * exists) and defaults. Unknown keys are errors in every source, naming the key (DB-Taxi silently
 * ignored half of its keys). Every key here is read somewhere; `settings.test.ts` lists where.
 *
 * Env names are the key path upper-cased with `_` for `.`: `server.port` ↔ `DBFERRY_SERVER_PORT`.
 * `DBFERRY_TEST_*` is reserved for the test suite's own knobs and ignored here.
 */

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const settingsSchema = z
  .object({
    /** Where the default SQLite store and the generated secret key file live. */
    home: z.string().min(1),
    /** Metadata store URL; default `sqlite:$home/dbferry.db`. */
    store: z.string().min(1).optional(),
    /** Key that encrypts stored passwords; default: a key file created in `home` on first use. */
    secret_key: z.string().min(1).optional(),
    /** An admin token for the API (env `DBFERRY_API_TOKEN`); with it or `server.tokens`, /api needs a token. */
    api_token: apiTokenSchema.optional(),
    log: z
      .object({
        level: z.enum(LOG_LEVELS),
        /** `auto`: pretty on a TTY, JSON otherwise. */
        format: z.enum(['auto', 'json', 'pretty']),
      })
      .strict(),
    server: z
      .object({
        host: z.string().min(1),
        /** 0 picks any free port. */
        port: z.number().int().min(0).max(65535),
        /** Request bodies larger than this answer 413 DBF_PAYLOAD_TOO_LARGE. */
        body_limit_bytes: z.number().int().min(1024).max(64 * 1024 * 1024),
        /** API tokens with roles (viewer, operator, admin), each `{token | token_env, role}`. */
        tokens: z.array(tokenEntrySchema).max(1000),
        /** Origins (`https://host:port`) whose pages may call the API from a browser; none: CORS off. */
        cors_origins: z.array(z.string().regex(/^https?:\/\/[^/?#\s]+$/, 'must be an origin such as https://dash.example:8443 (scheme, host, port; no path)')).max(100),
        /** `/metrics` needs a token too (any role); only meaningful when tokens are configured. */
        metrics_require_token: z.boolean(),
      })
      .strict(),
    /** How long connecting to a source or target may take before DBF_CONN_TIMEOUT. */
    connect_timeout_ms: z.number().int().min(100).max(600_000),
    /** A running job's lease: renewed every lease/3 (at most every second); a job whose worker
     * stopped renewing is settled by the reaper within lease + lease/2. */
    lease_ms: z.number().int().min(1_000).max(3_600_000),
    /** Jobs one worker process runs at once. */
    max_concurrency: z.number().int().min(1).max(64),
    /** Attempts a job gets when its worker dies (the reaper retries it until then). */
    max_attempts: z.number().int().min(1).max(100),
    /** Longest a job may run before it is failed with DBF_JOB_TIMEOUT; 0: no limit. */
    job_timeout_ms: z.number().int().min(0).max(30 * 86_400_000),
    /** Lets workers run the built-in test task (tests and demos of the lifecycle only). */
    allow_test_jobs: z.boolean(),
    alerts: z
      .object({
        /** Where reaped and failed jobs are announced (POST, JSON); no alerts when unset. */
        webhook_url: z
          .string()
          .url()
          .refine((url) => /^https?:\/\//i.test(url), 'must be an http:// or https:// URL')
          .optional(),
      })
      .strict(),
  })
  .strict();

export type Settings = z.infer<typeof settingsSchema> & { readonly store: string; readonly api_tokens: readonly ApiToken[] };

/** `list`: comma-separated in env and flags; `json`: a JSON value in env (lists of objects). */
type Kind = 'string' | 'int' | 'bool' | 'list' | 'json';
/** Every leaf key with its kind, for env parsing and for naming unknown keys. */
export const SETTING_KEYS: Readonly<Record<string, Kind>> = {
  home: 'string',
  store: 'string',
  secret_key: 'string',
  api_token: 'string',
  'log.level': 'string',
  'log.format': 'string',
  'server.host': 'string',
  'server.port': 'int',
  'server.body_limit_bytes': 'int',
  'server.tokens': 'json',
  'server.cors_origins': 'list',
  'server.metrics_require_token': 'bool',
  connect_timeout_ms: 'int',
  lease_ms: 'int',
  max_concurrency: 'int',
  max_attempts: 'int',
  job_timeout_ms: 'int',
  allow_test_jobs: 'bool',
  'alerts.webhook_url': 'string',
};

export const DEFAULT_SETTINGS = {
  home: './.dbferry',
  log: { level: 'info', format: 'auto' },
  server: { host: '127.0.0.1', port: 8080, body_limit_bytes: 1024 * 1024, tokens: [], cors_origins: [], metrics_require_token: false },
  connect_timeout_ms: 10_000,
  lease_ms: 30_000,
  max_concurrency: 2,
  max_attempts: 3,
  job_timeout_ms: 24 * 3_600_000,
  allow_test_jobs: false,
  alerts: {},
} as const;

type Tree = { [key: string]: unknown };

export interface SettingsSources {
  /** Flat key path → value, from command-line flags. */
  readonly flags?: Readonly<Record<string, string | number | boolean | undefined>>;
  readonly env?: NodeJS.ProcessEnv;
  /** `--config FILE`; when absent `./dbferry.yaml` is read if it exists. */
  readonly configFile?: string;
  readonly cwd?: string;
}

export function envName(key: string): string {
  return `DBFERRY_${key.replace(/\./g, '_').toUpperCase()}`;
}

function setPath(tree: Tree, key: string, value: unknown): void {
  const parts = key.split('.');
  let node = tree;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    node[part] = typeof next === 'object' && next !== null ? next : {};
    node = node[part] as Tree;
  }
  node[parts[parts.length - 1] ?? key] = value;
}

function convert(key: string, raw: string | number | boolean, source: string): unknown {
  if (SETTING_KEYS[key] === 'list' && typeof raw === 'string') {
    return raw.split(',').map((item) => item.trim()).filter((item) => item !== '');
  }
  if (SETTING_KEYS[key] === 'json' && typeof raw === 'string') {
    try {
      return JSON.parse(raw) as unknown;
    } catch (error) {
      throw new DbfError('DBF_CONFIG_INVALID', `${source}: ${key} must be JSON: ${error instanceof Error ? oneLine(error.message) : String(error)}`, { cause: error });
    }
  }
  if (SETTING_KEYS[key] === 'bool' && typeof raw === 'string') {
    if (/^(true|1|yes)$/i.test(raw.trim())) return true;
    if (/^(false|0|no)$/i.test(raw.trim())) return false;
    throw new DbfError('DBF_CONFIG_INVALID', `${source}: ${key} must be true or false, not "${raw}"`);
  }
  if (SETTING_KEYS[key] !== 'int' || typeof raw !== 'string') return raw;
  if (!/^-?\d+$/.test(raw.trim())) {
    throw new DbfError('DBF_CONFIG_INVALID', `${source}: ${key} must be an integer, not "${raw}"`);
  }
  return Number(raw);
}

function flattenKeys(tree: Tree, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([k, v]) =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? flattenKeys(v as Tree, `${prefix}${k}.`) : [`${prefix}${k}`],
  );
}

function readConfigFile(path: string, explicit: boolean): Tree {
  if (!existsSync(path)) {
    if (explicit) throw new DbfError('DBF_FILE_UNREADABLE', `configuration file ${path} does not exist`);
    return {};
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    const reason = error instanceof Error ? oneLine(error.message) : String(error);
    throw new DbfError('DBF_CONFIG_INVALID', `configuration file ${path} is not valid YAML: ${reason}`, { cause: error });
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new DbfError('DBF_CONFIG_INVALID', `configuration file ${path} must hold a mapping of keys`);
  }
  const tree = parsed as Tree;
  // A key that is a prefix of known keys (`server: 5`) is a wrongly typed value, which the schema names.
  const unknown = flattenKeys(tree).filter((k) => !(k in SETTING_KEYS) && !Object.keys(SETTING_KEYS).some((known) => known.startsWith(`${k}.`)));
  if (unknown.length > 0) {
    throw new DbfError('DBF_CONFIG_UNKNOWN_KEY', `configuration file ${path} has unknown key "${unknown[0]}"`, { details: { keys: unknown } });
  }
  return tree;
}

export function loadSettings(sources: SettingsSources = {}): Settings {
  const cwd = sources.cwd ?? process.cwd();
  const env = sources.env ?? process.env;
  const tree: Tree = structuredClone(DEFAULT_SETTINGS) as Tree;

  const explicitFile = sources.configFile ?? env.DBFERRY_CONFIG;
  const file = resolve(cwd, explicitFile ?? 'dbferry.yaml');
  const fromFile = readConfigFile(file, explicitFile !== undefined);
  for (const key of flattenKeys(fromFile)) {
    setPath(tree, key, key.split('.').reduce<unknown>((node, part) => (node as Tree)[part], fromFile));
  }

  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('DBFERRY_') || name.startsWith('DBFERRY_TEST_') || name === 'DBFERRY_CONFIG' || raw === undefined) continue;
    const key = Object.keys(SETTING_KEYS).find((k) => envName(k) === name);
    if (!key) throw new DbfError('DBF_CONFIG_UNKNOWN_KEY', `environment variable ${name} is not a dbferry setting`);
    setPath(tree, key, convert(key, raw, `environment variable ${name}`));
  }

  for (const [key, raw] of Object.entries(sources.flags ?? {})) {
    if (raw === undefined) continue;
    if (!(key in SETTING_KEYS)) throw new DbfError('DBF_CONFIG_UNKNOWN_KEY', `unknown setting "${key}"`);
    setPath(tree, key, convert(key, raw, 'command line'));
  }

  const result = settingsSchema.safeParse(tree);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = issue?.path.join('.') ?? '';
    if (issue?.code === 'unrecognized_keys') {
      throw new DbfError('DBF_CONFIG_UNKNOWN_KEY', `unknown setting "${[path, ...issue.keys].filter(Boolean).join('.')}"`);
    }
    throw new DbfError('DBF_CONFIG_INVALID', `setting ${path} is invalid: ${issue?.message ?? 'invalid value'}`, { details: result.error.issues });
  }
  const home = resolve(cwd, result.data.home);
  const api_tokens = resolveApiTokens(result.data, env);
  if (result.data.server.metrics_require_token && api_tokens.length === 0) {
    throw new DbfError('DBF_CONFIG_INVALID', 'setting server.metrics_require_token needs a token: set DBFERRY_API_TOKEN or server.tokens');
  }
  return { ...result.data, home, store: result.data.store ?? defaultStoreUrl(home), api_tokens };
}
