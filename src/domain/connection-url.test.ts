import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { looksLikeUrl, parseConnectionUrl, parsePort, redactedUrl } from './connection-url.js';
import { DbfError } from './errors.js';
import type { ErrorCode } from './errors.js';

function throwsCode(fn: () => unknown, code: ErrorCode, message?: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof DbfError, `expected a DbfError, got ${String(error)}`);
    assert.equal(error.code, code);
    if (message) assert.match(error.message, message);
    return true;
  });
}

describe('parseConnectionUrl: server engines', () => {
  it('parses a full mysql URL', () => {
    assert.deepEqual(parseConnectionUrl('mysql://root:secret@db.example.com:3307/shop'), {
      engine: 'mysql',
      host: 'db.example.com',
      port: 3307,
      username: 'root',
      password: 'secret',
      database: 'shop',
      ssl: false,
    });
  });

  it('keeps mariadb as its own engine', () => {
    const spec = parseConnectionUrl('mariadb://u:p@maria/shop');
    assert.equal(spec.engine, 'mariadb');
    assert.equal(spec.port, 3306);
  });

  it('reads postgres and postgresql as postgres', () => {
    for (const scheme of ['postgres', 'postgresql', 'PostgreSQL']) {
      const spec = parseConnectionUrl(`${scheme}://u:p@pg.local:6543/app`);
      assert.equal(spec.engine, 'postgres', scheme);
      assert.equal(spec.port, 6543);
      assert.equal(spec.database, 'app');
    }
  });

  it('fills in the default port of each engine', () => {
    assert.equal(parseConnectionUrl('mysql://u@h/db').port, 3306);
    assert.equal(parseConnectionUrl('mariadb://u@h/db').port, 3306);
    assert.equal(parseConnectionUrl('postgres://u@h/db').port, 5432);
    assert.equal(parseConnectionUrl('postgresql://h').port, 5432);
    assert.equal(parseConnectionUrl('mysql://h:/db').port, 3306);
  });

  it('allows leaving out user, password and database', () => {
    assert.deepEqual(parseConnectionUrl('mysql://localhost'), {
      engine: 'mysql',
      host: 'localhost',
      port: 3306,
      username: null,
      password: null,
      database: null,
      ssl: false,
    });
    const userOnly = parseConnectionUrl('mysql://reader@localhost/');
    assert.equal(userOnly.username, 'reader');
    assert.equal(userOnly.password, null);
    assert.equal(userOnly.database, null);
  });

  it('keeps an empty password apart from no password', () => {
    assert.equal(parseConnectionUrl('mysql://u:@h/db').password, '');
    assert.equal(parseConnectionUrl('mysql://u@h/db').password, null);
  });

  it('decodes a percent-encoded user name and password holding @ : /', () => {
    const spec = parseConnectionUrl('mysql://us%40er%3Aname:p%40ss%3Aw%2Frd%25@h:3306/db');
    assert.equal(spec.username, 'us@er:name');
    assert.equal(spec.password, 'p@ss:w/rd%');
    assert.equal(spec.host, 'h');
  });

  it('splits the user info at the last @', () => {
    const spec = parseConnectionUrl('mysql://u:p@ss@h/db');
    assert.equal(spec.password, 'p@ss');
    assert.equal(spec.host, 'h');
  });

  it('decodes a percent-encoded database name', () => {
    assert.equal(parseConnectionUrl('postgres://h/my%20db').database, 'my db');
  });

  it('takes an IPv6 host in brackets, with and without a port', () => {
    const withPort = parseConnectionUrl('postgres://u:p@[::1]:5433/db');
    assert.equal(withPort.host, '::1');
    assert.equal(withPort.port, 5433);
    const noPort = parseConnectionUrl('mysql://[2001:db8::7]/db');
    assert.equal(noPort.host, '2001:db8::7');
    assert.equal(noPort.port, 3306);
  });

  it('accepts surrounding whitespace', () => {
    assert.equal(parseConnectionUrl('  mysql://h/db \n').database, 'db');
  });
});

describe('parseConnectionUrl: ssl option', () => {
  it('is off by default', () => {
    assert.equal(parseConnectionUrl('mysql://h/db').ssl, false);
  });

  it('reads ssl=true, ssl=false and ssl=skip-verify', () => {
    assert.equal(parseConnectionUrl('mysql://h/db?ssl=true').ssl, true);
    assert.equal(parseConnectionUrl('mysql://h/db?ssl=false').ssl, false);
    assert.equal(parseConnectionUrl('postgres://h/db?ssl=skip-verify').ssl, 'skip-verify');
  });

  it('takes a bare ssl as true and sslmode=require as true', () => {
    assert.equal(parseConnectionUrl('mysql://h/db?ssl').ssl, true);
    assert.equal(parseConnectionUrl('postgres://h/db?sslmode=require').ssl, true);
    assert.equal(parseConnectionUrl('postgres://h/db?sslmode=disable').ssl, false);
  });

  it('refuses an unknown ssl value', () => {
    throwsCode(() => parseConnectionUrl('mysql://h/db?ssl=maybe'), 'DBF_INVALID_URL', /maybe/);
  });

  it('refuses an unknown option, naming it', () => {
    throwsCode(() => parseConnectionUrl('mysql://h/db?charset=utf8'), 'DBF_INVALID_URL', /"charset"/);
  });
});

describe('parseConnectionUrl: sqlite', () => {
  const sqlite = (database: string) => ({ engine: 'sqlite', host: null, port: null, username: null, password: null, database, ssl: false });

  it('takes a relative path as given', () => {
    assert.deepEqual(parseConnectionUrl('sqlite:data/rel.db'), sqlite('data/rel.db'));
    assert.deepEqual(parseConnectionUrl('sqlite:rel.db'), sqlite('rel.db'));
  });

  it('takes an absolute path in sqlite:/abs.db and sqlite:///abs.db', () => {
    assert.deepEqual(parseConnectionUrl('sqlite:/tmp/abs.db'), sqlite('/tmp/abs.db'));
    assert.deepEqual(parseConnectionUrl('sqlite:///tmp/abs.db'), sqlite('/tmp/abs.db'));
  });

  it('accepts sqlite3: and upper case', () => {
    assert.equal(parseConnectionUrl('sqlite3:x.db').database, 'x.db');
    assert.equal(parseConnectionUrl('SQLITE:x.db').engine, 'sqlite');
  });

  it('decodes a percent-encoded path', () => {
    assert.equal(parseConnectionUrl('sqlite:my%20file.db').database, 'my file.db');
  });

  it('refuses an empty path and options', () => {
    throwsCode(() => parseConnectionUrl('sqlite:'), 'DBF_INVALID_URL', /no file path/);
    throwsCode(() => parseConnectionUrl('sqlite://'), 'DBF_INVALID_URL');
    throwsCode(() => parseConnectionUrl('sqlite:x.db?mode=ro'), 'DBF_INVALID_URL', /no options/);
  });
});

describe('parseConnectionUrl: errors', () => {
  it('refuses malformed URLs with DBF_INVALID_URL', () => {
    for (const url of ['', 'not a url', 'mysql:/h/db', 'mysql:h/db', '://h/db', 'mysql://h/db#frag']) {
      throwsCode(() => parseConnectionUrl(url), 'DBF_INVALID_URL');
    }
  });

  it('refuses an unknown scheme with DBF_UNKNOWN_ENGINE, naming it', () => {
    throwsCode(() => parseConnectionUrl('oracle://u:p@h:1521/db'), 'DBF_UNKNOWN_ENGINE', /"oracle"/);
    throwsCode(() => parseConnectionUrl('http://example.com/'), 'DBF_UNKNOWN_ENGINE');
  });

  it('says DBF_UNKNOWN_ENGINE even when the rest of an unknown URL is malformed', () => {
    throwsCode(() => parseConnectionUrl('mongodb:whatever'), 'DBF_UNKNOWN_ENGINE', /"mongodb"/);
  });

  it('refuses ports out of range or not numeric with DBF_INVALID_PORT', () => {
    for (const port of ['0', '65536', '99999', 'abc', '-1', '3306x', '123456']) {
      throwsCode(() => parseConnectionUrl(`mysql://u:p@h:${port}/db`), 'DBF_INVALID_PORT', new RegExp(`"${port}"`));
    }
  });

  it('accepts the edge ports 1 and 65535', () => {
    assert.equal(parseConnectionUrl('mysql://h:1/db').port, 1);
    assert.equal(parseConnectionUrl('mysql://h:65535/db').port, 65535);
  });

  it('refuses a path with two segments', () => {
    throwsCode(() => parseConnectionUrl('mysql://h/shop/orders'), 'DBF_INVALID_URL', /shop\/orders/);
    throwsCode(() => parseConnectionUrl('postgres://h/db/'), 'DBF_INVALID_URL');
  });

  it('refuses an empty host', () => {
    throwsCode(() => parseConnectionUrl('mysql://u:p@/db'), 'DBF_INVALID_URL', /no host/);
    throwsCode(() => parseConnectionUrl('mysql:///db'), 'DBF_INVALID_URL', /no host/);
    throwsCode(() => parseConnectionUrl('postgres://u:p@:5432/db'), 'DBF_INVALID_URL', /no host/);
  });

  it('refuses an invalid host name', () => {
    throwsCode(() => parseConnectionUrl('mysql://bad host/db'), 'DBF_INVALID_URL', /not a valid host/);
    throwsCode(() => parseConnectionUrl('mysql://[zz]/db'), 'DBF_INVALID_URL');
  });

  it('refuses a malformed %-escape, naming the part', () => {
    throwsCode(() => parseConnectionUrl('mysql://u:%zz@h/db'), 'DBF_INVALID_URL', /password/);
    throwsCode(() => parseConnectionUrl('mysql://%E0%A4@h/db'), 'DBF_INVALID_URL', /user name/);
  });

  it('never puts the password in an error message', () => {
    for (const url of ['mysql://u:hunter2secret@h:99999/db', 'mysql://u:hunter2secret@h/a/b', 'mysql://u:hunter2secret@h/db?x=1']) {
      assert.throws(
        () => parseConnectionUrl(url),
        (error: unknown) => error instanceof DbfError && !error.message.includes('hunter2secret'),
      );
    }
  });
});

describe('parsePort', () => {
  it('accepts numbers and numeric strings', () => {
    assert.equal(parsePort(5432), 5432);
    assert.equal(parsePort('5432'), 5432);
  });

  it('refuses fractions, negatives and out-of-range numbers', () => {
    for (const port of [1.5, -1, 0, 65536]) throwsCode(() => parsePort(port), 'DBF_INVALID_PORT');
  });
});

describe('redactedUrl', () => {
  it('masks the password', () => {
    const url = redactedUrl(parseConnectionUrl('mysql://root:s3cr3t@db:3307/shop?ssl=true'));
    assert.equal(url, 'mysql://root:***@db:3307/shop?ssl=true');
  });

  it('never contains the password, in clear or encoded', () => {
    for (const password of ['s3cr3t-Pw', 'p@ss:w/rd#1', 'пароль-🔑', '%41%42secret']) {
      const redacted = redactedUrl(parseConnectionUrl(`postgres://user:${encodeURIComponent(password)}@pg.example.com/app`));
      assert.equal(redacted, 'postgres://user:***@pg.example.com:5432/app');
      assert.ok(!redacted.includes(password) && !redacted.includes(encodeURIComponent(password)), redacted);
    }
  });

  it('keeps a URL without credentials free of @', () => {
    assert.equal(redactedUrl(parseConnectionUrl('mysql://h/db')), 'mysql://h:3306/db');
  });

  it('shows a user without a password', () => {
    assert.equal(redactedUrl(parseConnectionUrl('mysql://reader@h/db')), 'mysql://reader@h:3306/db');
  });

  it('re-brackets an IPv6 host and keeps skip-verify', () => {
    assert.equal(redactedUrl(parseConnectionUrl('postgres://u:pw@[::1]/db?ssl=skip-verify')), 'postgres://u:***@[::1]:5432/db?ssl=skip-verify');
  });

  it('shows a sqlite URL as its path', () => {
    assert.equal(redactedUrl(parseConnectionUrl('sqlite:///tmp/x.db')), 'sqlite:/tmp/x.db');
  });

  it('round-trips through parseConnectionUrl except for the password', () => {
    const spec = parseConnectionUrl('mysql://us%40er:pw@h:3307/my%20db?ssl=true');
    const again = parseConnectionUrl(redactedUrl(spec));
    assert.deepEqual({ ...again, password: spec.password }, spec);
    assert.equal(again.password, '***');
  });
});

describe('looksLikeUrl', () => {
  it('is true for URLs of every form', () => {
    for (const text of ['mysql://h/db', 'postgresql://h', 'sqlite:x.db', 'sqlite:///abs.db', 'oracle://h']) {
      assert.equal(looksLikeUrl(text), true, text);
    }
  });

  it('is false for connection names', () => {
    for (const text of ['prod', 'prod-eu.1', 'my_db', '1st', '', ':x']) {
      assert.equal(looksLikeUrl(text), false, text);
    }
  });
});
