import { DbfError } from './errors.js';

/**
 * Connection URLs (product.md): `mysql://user:pass@host:3306/db`, `mariadb://…`, `postgres://…`
 * (`postgresql://` too) and `sqlite:path/to/file.db`. Parsed by hand rather than with WHATWG `URL`
 * because `URL` answers "Invalid URL" for a port out of range and lower-cases nothing useful; users
 * deserve to be told which part is wrong (DBF_INVALID_PORT vs DBF_INVALID_URL vs DBF_UNKNOWN_ENGINE).
 */

export const ENGINES = ['mysql', 'mariadb', 'postgres', 'sqlite'] as const;
export type Engine = (typeof ENGINES)[number];

/** `true` verifies the server certificate; `skip-verify` encrypts without verifying it. */
export type SslMode = false | true | 'skip-verify';

export interface ConnectionSpec {
  readonly engine: Engine;
  /** null for sqlite. */
  readonly host: string | null;
  readonly port: number | null;
  readonly username: string | null;
  readonly password: string | null;
  /** The database name; for sqlite the file path. */
  readonly database: string | null;
  readonly ssl: SslMode;
}

const ENGINE_ALIASES: Record<string, Engine> = {
  mysql: 'mysql',
  mariadb: 'mariadb',
  postgres: 'postgres',
  postgresql: 'postgres',
  sqlite: 'sqlite',
  sqlite3: 'sqlite',
};

export const DEFAULT_PORTS: Record<Exclude<Engine, 'sqlite'>, number> = { mysql: 3306, mariadb: 3306, postgres: 5432 };

export function normalizeEngine(name: string): Engine {
  const engine = ENGINE_ALIASES[name.toLowerCase()];
  if (!engine) {
    throw new DbfError('DBF_UNKNOWN_ENGINE', `unknown database engine "${name}" (use one of: mysql, mariadb, postgres, sqlite)`);
  }
  return engine;
}

export function parsePort(raw: string | number): number {
  const text = String(raw);
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new DbfError('DBF_INVALID_PORT', `port "${text}" is out of range: it must be an integer between 1 and 65535`);
  }
  return port;
}

export function parseSsl(raw: string | boolean | undefined): SslMode {
  if (raw === undefined || raw === false) return false;
  if (raw === true) return true;
  switch (raw.toLowerCase()) {
    case 'true':
    case '1':
    case 'require':
    case 'required':
      return true;
    case 'false':
    case '0':
    case 'disable':
      return false;
    case 'skip-verify':
      return 'skip-verify';
    default:
      throw new DbfError('DBF_INVALID_URL', `ssl must be true, false or skip-verify, not "${raw}"`);
  }
}

const URL_PATTERN = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)(\/[^?#]*)?(?:\?([^#]*))?$/;
const HOST_PATTERN = /^(?:[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?|\[[0-9A-Fa-f:.]+\])$/;
const QUERY_KEYS = new Set(['ssl', 'sslmode']);

function decode(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch (error) {
    throw new DbfError('DBF_INVALID_URL', `the ${what} in the connection URL has a malformed %-escape`, { cause: error });
  }
}

/** A host name, IPv4 address or bracketed IPv6 address; anything else is refused with `code`. */
export function checkHost(host: string, code: 'DBF_INVALID_URL' | 'DBF_INVALID_INPUT'): void {
  if (!HOST_PATTERN.test(host)) {
    throw new DbfError(code, host === '' ? 'the connection has no host' : `"${host}" is not a valid host name`);
  }
}

export function parseConnectionUrl(url: string): ConnectionSpec {
  const text = url.trim();
  if (/^sqlite3?:/i.test(text)) return parseSqliteUrl(text);
  const match = URL_PATTERN.exec(text);
  if (!match) {
    const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(text)?.[1];
    if (scheme && !ENGINE_ALIASES[scheme.toLowerCase()]) normalizeEngine(scheme);
    throw new DbfError('DBF_INVALID_URL', 'the connection URL is malformed: expected ENGINE://user:password@host:port/database');
  }
  const [, scheme = '', authority = '', path = '', query = ''] = match;
  const engine = normalizeEngine(scheme);
  if (engine === 'sqlite') return parseSqliteUrl(text);

  const at = authority.lastIndexOf('@');
  const userInfo = at >= 0 ? authority.slice(0, at) : '';
  const hostPort = at >= 0 ? authority.slice(at + 1) : authority;
  const colon = userInfo.indexOf(':');
  const username = userInfo === '' ? null : decode(colon >= 0 ? userInfo.slice(0, colon) : userInfo, 'user name');
  const password = colon >= 0 ? decode(userInfo.slice(colon + 1), 'password') : null;

  const hostMatch = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(hostPort);
  const host = hostMatch?.[1] ?? '';
  checkHost(host, 'DBF_INVALID_URL');
  const portText = hostMatch?.[2];
  const port = portText === undefined || portText === '' ? DEFAULT_PORTS[engine] : parsePort(portText);

  const dbPath = path.replace(/^\//, '');
  if (dbPath.includes('/')) {
    throw new DbfError('DBF_INVALID_URL', `the connection URL path must be a single database name, not "${dbPath}"`);
  }
  const database = dbPath === '' ? null : decode(dbPath, 'database name');

  let ssl: SslMode = false;
  for (const pair of query.split('&').filter(Boolean)) {
    const eq = pair.indexOf('=');
    const key = decode(eq >= 0 ? pair.slice(0, eq) : pair, 'option');
    const value = eq >= 0 ? decode(pair.slice(eq + 1), 'option') : 'true';
    if (!QUERY_KEYS.has(key)) {
      throw new DbfError('DBF_INVALID_URL', `unknown connection URL option "${key}" (known: ssl)`);
    }
    ssl = parseSsl(value);
  }
  return { engine, host: host.replace(/^\[|\]$/g, ''), port, username, password, database, ssl };
}

function parseSqliteUrl(text: string): ConnectionSpec {
  let path = text.replace(/^sqlite3?:/i, '');
  if (path.startsWith('//')) path = path.slice(2);
  const queryAt = path.indexOf('?');
  if (queryAt >= 0) {
    throw new DbfError('DBF_INVALID_URL', 'sqlite URLs take no options: use sqlite:path/to/file.db');
  }
  if (path === '') throw new DbfError('DBF_INVALID_URL', 'the sqlite URL has no file path: use sqlite:path/to/file.db');
  return { engine: 'sqlite', host: null, port: null, username: null, password: null, database: decode(path, 'file path'), ssl: false };
}

/** The URL of a connection with the password masked: safe to print and log. */
export function redactedUrl(spec: ConnectionSpec): string {
  if (spec.engine === 'sqlite') return `sqlite:${spec.database ?? ''}`;
  const user = spec.username === null ? '' : encodeURIComponent(spec.username);
  const auth = spec.username === null && spec.password === null ? '' : `${user}${spec.password === null ? '' : ':***'}@`;
  const host = spec.host?.includes(':') ? `[${spec.host}]` : (spec.host ?? '');
  const db = spec.database === null ? '' : `/${encodeURIComponent(spec.database)}`;
  const ssl = spec.ssl === false ? '' : `?ssl=${spec.ssl === true ? 'true' : 'skip-verify'}`;
  return `${spec.engine}://${auth}${host}:${spec.port ?? ''}${db}${ssl}`;
}

/** True when the text looks like a URL rather than the name of a saved connection. */
export function looksLikeUrl(text: string): boolean {
  return /^[A-Za-z][A-Za-z0-9+.-]*:/.test(text);
}
