import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { DbfError } from '../domain/errors.js';
import type { ErrorCode } from '../domain/errors.js';
import { DEFAULT_SETTINGS, envName, loadSettings, SETTING_KEYS } from './settings.js';
import type { SettingsSources } from './settings.js';

const roots: string[] = [];
after(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/** A fresh empty working directory. */
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dbferry-settings-'));
  roots.push(dir);
  return dir;
}

/** A working directory holding `name` with the given YAML text. */
function dirWithFile(yaml: string, name = 'dbferry.yaml'): { cwd: string; file: string } {
  const cwd = tempDir();
  const file = join(cwd, name);
  writeFileSync(file, yaml);
  return { cwd, file };
}

/** loadSettings isolated from the real process: no env unless given, an empty cwd unless given. */
function load(sources: SettingsSources = {}): ReturnType<typeof loadSettings> {
  return loadSettings({ env: {}, cwd: tempDir(), ...sources });
}

function fails(sources: SettingsSources, code: ErrorCode, message?: RegExp): void {
  assert.throws(
    () => load(sources),
    (error: unknown) => {
      assert.ok(error instanceof DbfError, `expected a DbfError, got ${String(error)}`);
      assert.equal(error.code, code, error.message);
      if (message) assert.match(error.message, message);
      return true;
    },
  );
}

describe('loadSettings defaults', () => {
  it('uses the defaults with no file, env or flags', () => {
    const cwd = tempDir();
    const settings = loadSettings({ env: {}, cwd });
    assert.equal(settings.home, join(cwd, '.dbferry'));
    assert.equal(settings.store, `sqlite:${join(cwd, '.dbferry', 'dbferry.db')}`);
    assert.equal(settings.secret_key, undefined);
    assert.deepEqual(settings.log, DEFAULT_SETTINGS.log);
    assert.deepEqual(settings.server, DEFAULT_SETTINGS.server);
    assert.equal(settings.connect_timeout_ms, DEFAULT_SETTINGS.connect_timeout_ms);
  });

  it('resolves a relative home against cwd and derives the store from it', () => {
    const cwd = tempDir();
    const settings = loadSettings({ env: { DBFERRY_HOME: 'state/here' }, cwd });
    assert.ok(isAbsolute(settings.home));
    assert.equal(settings.home, join(cwd, 'state', 'here'));
    assert.equal(settings.store, `sqlite:${join(cwd, 'state', 'here', 'dbferry.db')}`);
  });

  it('keeps an explicit store instead of deriving one from home', () => {
    const settings = load({ env: { DBFERRY_HOME: '/srv/dbferry', DBFERRY_STORE: 'postgres://u@pg/meta' } });
    assert.equal(settings.home, '/srv/dbferry');
    assert.equal(settings.store, 'postgres://u@pg/meta');
  });

  it('does not mutate the defaults between calls', () => {
    load({ flags: { 'server.port': 9999 } });
    assert.equal(load().server.port, DEFAULT_SETTINGS.server.port);
  });
});

describe('loadSettings precedence: flag > env > file > default', () => {
  const yaml = 'home: /from/file\nstore: sqlite:/from/file.db\nserver:\n  port: 7001\n';
  const env = { DBFERRY_HOME: '/from/env', DBFERRY_STORE: 'sqlite:/from/env.db', DBFERRY_SERVER_PORT: '7002' };
  const flags = { home: '/from/flag', store: 'sqlite:/from/flag.db', 'server.port': '7003' };

  it('the file beats the defaults', () => {
    const { cwd, file } = dirWithFile(yaml, 'custom.yaml');
    const settings = load({ cwd, configFile: file });
    assert.equal(settings.home, '/from/file');
    assert.equal(settings.store, 'sqlite:/from/file.db');
    assert.equal(settings.server.port, 7001);
    assert.equal(settings.server.host, DEFAULT_SETTINGS.server.host, 'a key the file leaves out keeps its default');
  });

  it('env beats the file', () => {
    const { cwd, file } = dirWithFile(yaml, 'custom.yaml');
    const settings = load({ cwd, configFile: file, env });
    assert.equal(settings.home, '/from/env');
    assert.equal(settings.store, 'sqlite:/from/env.db');
    assert.equal(settings.server.port, 7002);
  });

  it('flags beat env and file', () => {
    const { cwd, file } = dirWithFile(yaml, 'custom.yaml');
    const settings = load({ cwd, configFile: file, env, flags });
    assert.equal(settings.home, '/from/flag');
    assert.equal(settings.store, 'sqlite:/from/flag.db');
    assert.equal(settings.server.port, 7003);
  });

  it('an undefined flag does not override', () => {
    const settings = load({ env, flags: { home: undefined, store: undefined, 'server.port': undefined } });
    assert.equal(settings.home, '/from/env');
    assert.equal(settings.server.port, 7002);
  });

  it('a file setting one key of a section keeps the other defaults of that section', () => {
    const { cwd } = dirWithFile('log:\n  level: debug\n');
    const settings = load({ cwd });
    assert.equal(settings.log.level, 'debug');
    assert.equal(settings.log.format, DEFAULT_SETTINGS.log.format);
  });

  it('parses integer env values and flags', () => {
    const settings = load({ env: { DBFERRY_CONNECT_TIMEOUT_MS: ' 2500 ', DBFERRY_SERVER_BODY_LIMIT_BYTES: '4096' }, flags: { 'server.port': 8181 } });
    assert.equal(settings.connect_timeout_ms, 2500);
    assert.equal(settings.server.body_limit_bytes, 4096);
    assert.equal(settings.server.port, 8181);
  });
});

describe('loadSettings config file', () => {
  it('reads ./dbferry.yaml from cwd when no configFile is given', () => {
    const { cwd } = dirWithFile('server:\n  host: 0.0.0.0\n');
    assert.equal(load({ cwd }).server.host, '0.0.0.0');
  });

  it('reads a relative configFile against cwd', () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'conf'));
    writeFileSync(join(cwd, 'conf', 'x.yaml'), 'connect_timeout_ms: 1500\n');
    assert.equal(load({ cwd, configFile: 'conf/x.yaml' }).connect_timeout_ms, 1500);
  });

  it('reads the file named by DBFERRY_CONFIG', () => {
    const { cwd, file } = dirWithFile('log:\n  format: json\n', 'from-env.yaml');
    assert.equal(load({ cwd, env: { DBFERRY_CONFIG: file } }).log.format, 'json');
  });

  it('ignores ./dbferry.yaml when an explicit configFile is given', () => {
    const { cwd } = dirWithFile('server:\n  port: 1111\n');
    writeFileSync(join(cwd, 'other.yaml'), 'server:\n  port: 2222\n');
    assert.equal(load({ cwd, configFile: 'other.yaml' }).server.port, 2222);
  });

  it('accepts an empty file', () => {
    const { cwd } = dirWithFile('');
    assert.equal(load({ cwd }).server.port, DEFAULT_SETTINGS.server.port);
  });

  it('refuses a missing explicit file with DBF_FILE_UNREADABLE', () => {
    fails({ configFile: '/nonexistent/dbferry-missing.yaml' }, 'DBF_FILE_UNREADABLE', /dbferry-missing\.yaml/);
  });

  it('refuses invalid YAML with DBF_CONFIG_INVALID', () => {
    const { cwd } = dirWithFile('server:\n  port: [1, 2\n  host: x\n');
    fails({ cwd }, 'DBF_CONFIG_INVALID', /not valid YAML/);
  });

  it('refuses a file that is not a mapping', () => {
    const { cwd } = dirWithFile('- a\n- b\n');
    fails({ cwd }, 'DBF_CONFIG_INVALID', /mapping/);
  });

  it('refuses an unknown top-level key, naming it', () => {
    const { cwd } = dirWithFile('hom: /x\n');
    fails({ cwd }, 'DBF_CONFIG_UNKNOWN_KEY', /"hom"/);
  });

  it('refuses an unknown nested key, naming its path', () => {
    const { cwd } = dirWithFile('server:\n  prt: 9000\n');
    fails({ cwd }, 'DBF_CONFIG_UNKNOWN_KEY', /"server\.prt"/);
  });

  it('refuses a value of the wrong type with DBF_CONFIG_INVALID, naming the key', () => {
    const { cwd } = dirWithFile('server:\n  port: "8080"\n');
    fails({ cwd }, 'DBF_CONFIG_INVALID', /server\.port/);
  });

  it('refuses an invalid enum value', () => {
    const { cwd } = dirWithFile('log:\n  level: loud\n');
    fails({ cwd }, 'DBF_CONFIG_INVALID', /log\.level/);
  });
});

describe('loadSettings environment', () => {
  it('refuses an unknown DBFERRY_* variable, naming it', () => {
    fails({ env: { DBFERRY_SERVER_PRT: '1' } }, 'DBF_CONFIG_UNKNOWN_KEY', /DBFERRY_SERVER_PRT/);
  });

  it('ignores DBFERRY_TEST_* and variables of other programs', () => {
    const settings = load({ env: { DBFERRY_TEST_MYSQL_URL: 'mysql://x', DBFERRY_TEST_ANYTHING: '1', PATH: '/bin', HOME: '/root' } });
    assert.equal(settings.server.port, DEFAULT_SETTINGS.server.port);
  });

  it('refuses a non-integer DBFERRY_SERVER_PORT with DBF_CONFIG_INVALID', () => {
    for (const port of ['abc', '80.5', '', '8080x']) {
      fails({ env: { DBFERRY_SERVER_PORT: port } }, 'DBF_CONFIG_INVALID', /DBFERRY_SERVER_PORT/);
    }
  });

  it('refuses an out-of-range port from any source with DBF_CONFIG_INVALID', () => {
    fails({ env: { DBFERRY_SERVER_PORT: '70000' } }, 'DBF_CONFIG_INVALID', /server\.port/);
    fails({ flags: { 'server.port': -1 } }, 'DBF_CONFIG_INVALID', /server\.port/);
    const { cwd } = dirWithFile('server:\n  port: 65536\n');
    fails({ cwd }, 'DBF_CONFIG_INVALID', /server\.port/);
  });

  it('accepts port 0 (any free port) and 65535', () => {
    assert.equal(load({ env: { DBFERRY_SERVER_PORT: '0' } }).server.port, 0);
    assert.equal(load({ flags: { 'server.port': 65535 } }).server.port, 65535);
  });

  it('maps every key to its DBFERRY_ name', () => {
    assert.equal(envName('server.port'), 'DBFERRY_SERVER_PORT');
    assert.equal(envName('server.body_limit_bytes'), 'DBFERRY_SERVER_BODY_LIMIT_BYTES');
    assert.equal(envName('secret_key'), 'DBFERRY_SECRET_KEY');
  });

  it('reads every key from its env variable', () => {
    const env: Record<string, string> = {
      DBFERRY_HOME: '/h',
      DBFERRY_STORE: 'sqlite:/s.db',
      DBFERRY_SECRET_KEY: 'k'.repeat(20),
      DBFERRY_LOG_LEVEL: 'warn',
      DBFERRY_LOG_FORMAT: 'json',
      DBFERRY_SERVER_HOST: '0.0.0.0',
      DBFERRY_SERVER_PORT: '9090',
      DBFERRY_SERVER_BODY_LIMIT_BYTES: '2048',
      DBFERRY_SERVER_TOKENS: '[{"token": "viewer-token-0123456789", "role": "viewer"}]',
      DBFERRY_SERVER_CORS_ORIGINS: 'https://dash.example, http://127.0.0.1:5173',
      DBFERRY_SERVER_METRICS_REQUIRE_TOKEN: 'true',
      DBFERRY_API_TOKEN: 'admin-token-0123456789',
      DBFERRY_CONNECT_TIMEOUT_MS: '3000',
      DBFERRY_LEASE_MS: '9000',
      DBFERRY_MAX_CONCURRENCY: '6',
      DBFERRY_MAX_ATTEMPTS: '5',
      DBFERRY_JOB_TIMEOUT_MS: '60000',
      DBFERRY_ALLOW_TEST_JOBS: 'true',
      DBFERRY_ALERTS_WEBHOOK_URL: 'https://hooks.example.com/dbferry',
    };
    assert.deepEqual(Object.keys(env).sort(), Object.keys(SETTING_KEYS).map(envName).sort(), 'this test covers every key');
    assert.deepEqual(load({ env }), {
      home: '/h',
      store: 'sqlite:/s.db',
      secret_key: 'k'.repeat(20),
      api_token: 'admin-token-0123456789',
      log: { level: 'warn', format: 'json' },
      server: {
        host: '0.0.0.0', port: 9090, body_limit_bytes: 2048, tokens: [{ token: 'viewer-token-0123456789', role: 'viewer' }],
        cors_origins: ['https://dash.example', 'http://127.0.0.1:5173'], metrics_require_token: true,
      },
      connect_timeout_ms: 3000,
      lease_ms: 9000,
      max_concurrency: 6,
      max_attempts: 5,
      job_timeout_ms: 60000,
      allow_test_jobs: true,
      alerts: { webhook_url: 'https://hooks.example.com/dbferry' },
      api_tokens: [
        { role: 'admin', token: 'admin-token-0123456789', source: 'api_token' },
        { role: 'viewer', token: 'viewer-token-0123456789', source: 'server.tokens.0' },
      ],
    });
  });

  it('reads a boolean key from true/false/1/0 and refuses anything else naming the variable', () => {
    assert.equal(load({ env: { DBFERRY_ALLOW_TEST_JOBS: '1' } }).allow_test_jobs, true);
    assert.equal(load({ env: { DBFERRY_ALLOW_TEST_JOBS: 'false' } }).allow_test_jobs, false);
    assert.equal(load({ env: {} }).allow_test_jobs, false);
    fails({ env: { DBFERRY_ALLOW_TEST_JOBS: 'maybe' } }, 'DBF_CONFIG_INVALID', /DBFERRY_ALLOW_TEST_JOBS/);
  });
});

describe('loadSettings flags', () => {
  it('refuses an unknown flag key', () => {
    fails({ flags: { 'server.prt': '1' } }, 'DBF_CONFIG_UNKNOWN_KEY', /"server\.prt"/);
  });

  it('refuses a non-integer flag for an integer key', () => {
    fails({ flags: { 'server.port': 'eighty' } }, 'DBF_CONFIG_INVALID', /command line/);
  });
});

describe('every setting is used', () => {
  const srcDir = fileURLToPath(new URL('../', import.meta.url));
  const settingsFile = fileURLToPath(new URL('./settings.ts', import.meta.url));

  function sourceFiles(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) return sourceFiles(full);
      return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && full !== settingsFile ? [full] : [];
    });
  }

  /** Source text without comments, so that a mention in a doc comment does not count as a use. */
  const sources = sourceFiles(srcDir).map((file) => ({
    file: relative(srcDir, file),
    code: readFileSync(file, 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/^\s*\/\/.*$/gm, ''),
  }));

  it('finds the source files', () => {
    assert.ok(sources.length > 10, `only ${sources.length} source files found`);
  });

  for (const key of Object.keys(SETTING_KEYS)) {
    it(`reads ${key} outside settings.ts`, () => {
      // `settings.server.body_limit_bytes`, `ctx.settings.home`, `runtime.settings.store`, …
      const use = new RegExp(`\\bsettings\\.${key.replace(/\./g, '\\.')}\\b`);
      const readers = sources.filter((s) => use.test(s.code)).map((s) => s.file);
      assert.ok(readers.length > 0, `setting "${key}" is never read as settings.${key} outside src/config/settings.ts`);
    });
  }

  it('reads log.level and log.format in the logger', () => {
    const logger = sources.find((s) => s.file === join('logging', 'logger.ts'));
    assert.ok(logger, 'src/logging/logger.ts exists');
    assert.match(logger.code, /\bsettings\.log\.level\b/);
    assert.match(logger.code, /\bsettings\.log\.format\b/);
  });
});

describe('loadSettings: a section given a plain value', () => {
  it('reports `server: 5` as an invalid value of server, not as an unknown key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dbferry-settings-section-'));
    try {
      writeFileSync(join(dir, 'dbferry.yaml'), 'server: 5\n');
      assert.throws(
        () => loadSettings({ env: {}, cwd: dir }),
        (error: unknown) => error instanceof DbfError && error.code === 'DBF_CONFIG_INVALID' && /^setting server is invalid/.test(error.message),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('loadSettings: API tokens and CORS', () => {
  const yaml = (tokens: string): string => `server:\n  tokens:\n${tokens}`;

  it('has no tokens, no CORS origins and an open /metrics by default, and binds 127.0.0.1', () => {
    const settings = load();
    assert.deepEqual(settings.api_tokens, []);
    assert.deepEqual(settings.server.cors_origins, []);
    assert.equal(settings.server.metrics_require_token, false);
    assert.equal(settings.server.host, '127.0.0.1');
  });

  it('reads tokens with roles from the file, a token_env from the environment', () => {
    const { cwd } = dirWithFile(yaml('    - { token: operator-token-0123456789, role: operator }\n    - { token_env: DASH_TOKEN, role: viewer }\n'));
    const settings = loadSettings({ cwd, env: { DASH_TOKEN: 'from-the-environment-0123' } });
    assert.deepEqual(settings.api_tokens, [
      { role: 'operator', token: 'operator-token-0123456789', source: 'server.tokens.0' },
      { role: 'viewer', token: 'from-the-environment-0123', source: 'server.tokens.1 (DASH_TOKEN)' },
    ]);
  });

  it('refuses an unset token_env, naming the variable', () => {
    const { cwd } = dirWithFile(yaml('    - { token_env: MISSING_TOKEN, role: viewer }\n'));
    fails({ cwd }, 'DBF_CONFIG_INVALID', /MISSING_TOKEN is not set/);
  });

  it('refuses an unknown key in a token entry, an unknown role, both or neither of token and token_env', () => {
    fails({ cwd: dirWithFile(yaml('    - { token: operator-token-0123456789, role: operator, scope: all }\n')).cwd }, 'DBF_CONFIG_UNKNOWN_KEY', /server\.tokens\.0\.scope/);
    fails({ cwd: dirWithFile(yaml('    - { token: operator-token-0123456789, role: root }\n')).cwd }, 'DBF_CONFIG_INVALID', /server\.tokens\.0\.role/);
    fails({ cwd: dirWithFile(yaml('    - { token: operator-token-0123456789, token_env: X, role: viewer }\n')).cwd }, 'DBF_CONFIG_INVALID', /exactly one of token and token_env/);
    fails({ cwd: dirWithFile(yaml('    - { role: viewer }\n')).cwd }, 'DBF_CONFIG_INVALID', /exactly one of token and token_env/);
  });

  it('refuses short tokens, from the file and from DBFERRY_API_TOKEN', () => {
    fails({ cwd: dirWithFile(yaml('    - { token: short, role: viewer }\n')).cwd }, 'DBF_CONFIG_INVALID', /at least 16 characters/);
    fails({ env: { DBFERRY_API_TOKEN: 'secret' } }, 'DBF_CONFIG_INVALID', /api_token/);
  });

  it('refuses one token given twice', () => {
    const { cwd } = dirWithFile(yaml('    - { token: same-token-0123456789, role: viewer }\n'));
    fails({ cwd, env: { DBFERRY_API_TOKEN: 'same-token-0123456789' } }, 'DBF_CONFIG_INVALID', /repeats the token of api_token/);
  });

  it('refuses metrics_require_token without any token, and a CORS origin with a path', () => {
    fails({ env: { DBFERRY_SERVER_METRICS_REQUIRE_TOKEN: 'true' } }, 'DBF_CONFIG_INVALID', /metrics_require_token needs a token/);
    fails({ env: { DBFERRY_SERVER_CORS_ORIGINS: 'https://dash.example/app' } }, 'DBF_CONFIG_INVALID', /server\.cors_origins\.0/);
  });

  it('refuses DBFERRY_SERVER_TOKENS that is not JSON', () => {
    fails({ env: { DBFERRY_SERVER_TOKENS: '[{token' } }, 'DBF_CONFIG_INVALID', /DBFERRY_SERVER_TOKENS: server\.tokens must be JSON/);
  });
});
