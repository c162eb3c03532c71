import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { DbfError } from '../domain/errors.js';
import type { ErrorCode } from '../domain/errors.js';
import { parseConnectionInput, parseConnectionProbe, specFromInput } from './connection-input.js';

function throwsCode(fn: () => unknown, code: ErrorCode, message?: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof DbfError, `expected a DbfError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (message) assert.match(error.message, message);
    return true;
  });
}

/** Parses a saved-connection body and turns it into a spec, as the service does. */
const specOf = (value: unknown) => specFromInput(parseConnectionInput(value));

describe('parseConnectionInput: url form', () => {
  it('takes {name, url}', () => {
    assert.deepEqual(parseConnectionInput({ name: 'prod', url: 'mysql://u:p@db/shop' }), { name: 'prod', url: 'mysql://u:p@db/shop' });
  });

  it('takes skip_test', () => {
    assert.equal(parseConnectionInput({ name: 'prod', url: 'mysql://db/shop', skip_test: true }).skip_test, true);
  });

  it('turns the url into a spec', () => {
    assert.deepEqual(specOf({ name: 'prod', url: 'postgresql://app:s3cret@pg.local/app?ssl=true' }), {
      engine: 'postgres',
      host: 'pg.local',
      port: 5432,
      username: 'app',
      password: 's3cret',
      database: 'app',
      ssl: true,
    });
  });

  it('answers the URL errors of the url parser', () => {
    throwsCode(() => specOf({ name: 'x', url: 'oracle://h/db' }), 'DBF_UNKNOWN_ENGINE');
    throwsCode(() => specOf({ name: 'x', url: 'mysql://h:70000/db' }), 'DBF_INVALID_PORT');
    throwsCode(() => specOf({ name: 'x', url: 'mysql://h/a/b' }), 'DBF_INVALID_URL');
  });

  it('refuses fields of the field form next to url, naming them', () => {
    throwsCode(() => parseConnectionInput({ name: 'x', url: 'mysql://h/db', engine: 'mysql' }), 'DBF_INVALID_INPUT', /"engine"/);
  });

  it('refuses an empty url', () => {
    throwsCode(() => parseConnectionInput({ name: 'x', url: '' }), 'DBF_INVALID_INPUT', /url/);
  });

  it('makes a relative sqlite path absolute', () => {
    assert.equal(specOf({ name: 'local', url: 'sqlite:data/app.db' }).database, resolve('data/app.db'));
    assert.equal(specOf({ name: 'local', url: 'sqlite:///tmp/app.db' }).database, '/tmp/app.db');
  });
});

describe('parseConnectionInput: field form', () => {
  it('takes every field', () => {
    const input = { name: 'prod', engine: 'mysql', host: 'db', port: 3307, username: 'u', password: 'p', database: 'shop', ssl: true };
    assert.deepEqual(parseConnectionInput(input), input);
    assert.deepEqual(specOf(input), { engine: 'mysql', host: 'db', port: 3307, username: 'u', password: 'p', database: 'shop', ssl: true });
  });

  it('normalizes engine aliases', () => {
    assert.equal(specOf({ name: 'a', engine: 'postgresql', host: 'h' }).engine, 'postgres');
    assert.equal(specOf({ name: 'a', engine: 'PostgreS', host: 'h' }).engine, 'postgres');
    assert.equal(specOf({ name: 'a', engine: 'MariaDB', host: 'h' }).engine, 'mariadb');
    assert.equal(specOf({ name: 'a', engine: 'sqlite3', database: '/tmp/x.db' }).engine, 'sqlite');
  });

  it('fills in the default port when the port is absent, null or empty', () => {
    assert.equal(specOf({ name: 'a', engine: 'mysql', host: 'h' }).port, 3306);
    assert.equal(specOf({ name: 'a', engine: 'postgres', host: 'h', port: null }).port, 5432);
    assert.equal(specOf({ name: 'a', engine: 'mariadb', host: 'h', port: '' }).port, 3306);
  });

  it('takes the port as a string', () => {
    assert.equal(specOf({ name: 'a', engine: 'postgres', host: 'h', port: '5432' }).port, 5432);
  });

  it('refuses a port out of range or not an integer with DBF_INVALID_PORT', () => {
    for (const port of [0, 65536, 99999, -1, 1.5, '0', '65536', 'abc']) {
      throwsCode(() => specOf({ name: 'a', engine: 'mysql', host: 'h', port }), 'DBF_INVALID_PORT');
    }
  });

  it('refuses an unknown engine with DBF_UNKNOWN_ENGINE, naming it', () => {
    throwsCode(() => specOf({ name: 'a', engine: 'oracle', host: 'h' }), 'DBF_UNKNOWN_ENGINE', /"oracle"/);
  });

  it('refuses a missing engine with DBF_INVALID_INPUT', () => {
    throwsCode(() => parseConnectionInput({ name: 'a', host: 'h' }), 'DBF_INVALID_INPUT', /engine/);
  });

  it('refuses a missing, null or empty host for a server engine with DBF_INVALID_INPUT', () => {
    throwsCode(() => specOf({ name: 'a', engine: 'mysql' }), 'DBF_INVALID_INPUT', /host/);
    throwsCode(() => specOf({ name: 'a', engine: 'postgres', host: null }), 'DBF_INVALID_INPUT', /host/);
    throwsCode(() => parseConnectionInput({ name: 'a', engine: 'postgres', host: '' }), 'DBF_INVALID_INPUT', /host/);
  });

  it('leaves optional fields null', () => {
    assert.deepEqual(specOf({ name: 'a', engine: 'postgres', host: 'h' }), {
      engine: 'postgres',
      host: 'h',
      port: 5432,
      username: null,
      password: null,
      database: null,
      ssl: false,
    });
  });

  it('reads ssl as a boolean or a string', () => {
    assert.equal(specOf({ name: 'a', engine: 'mysql', host: 'h', ssl: 'skip-verify' }).ssl, 'skip-verify');
    assert.equal(specOf({ name: 'a', engine: 'mysql', host: 'h', ssl: 'true' }).ssl, true);
    assert.equal(specOf({ name: 'a', engine: 'mysql', host: 'h', ssl: false }).ssl, false);
    throwsCode(() => specOf({ name: 'a', engine: 'mysql', host: 'h', ssl: 'sometimes' }), 'DBF_INVALID_URL');
  });

  it('needs the file path in database for sqlite', () => {
    throwsCode(() => specOf({ name: 'a', engine: 'sqlite' }), 'DBF_INVALID_INPUT', /database/);
  });

  it('makes a relative sqlite path absolute and ignores server fields', () => {
    const spec = specOf({ name: 'a', engine: 'sqlite', database: join('rel', 'x.db'), host: 'ignored', port: 1, ssl: true });
    assert.deepEqual(spec, {
      engine: 'sqlite',
      host: null,
      port: null,
      username: null,
      password: null,
      database: resolve('rel', 'x.db'),
      ssl: false,
    });
  });

  it('refuses an unknown field with DBF_INVALID_INPUT, naming it', () => {
    throwsCode(() => parseConnectionInput({ name: 'a', engine: 'mysql', host: 'h', passwd: 'p' }), 'DBF_INVALID_INPUT', /"passwd"/);
  });

  it('refuses fields of the wrong type, naming the field', () => {
    throwsCode(() => parseConnectionInput({ name: 'a', engine: 'mysql', host: 'h', port: true }), 'DBF_INVALID_INPUT', /^port/);
    throwsCode(() => parseConnectionInput({ name: 'a', engine: 'mysql', host: 'h', ssl: 1 }), 'DBF_INVALID_INPUT', /^ssl/);
  });

  it('refuses a body that is not an object', () => {
    for (const body of [null, 'mysql://h/db', 42, []]) {
      throwsCode(() => parseConnectionInput(body), 'DBF_INVALID_INPUT');
    }
  });
});

describe('connection names', () => {
  it('accepts letters, digits, _ . - starting with a letter or digit', () => {
    for (const name of ['prod', 'prod-eu.1', 'my_db', '1st', 'A'.repeat(128)]) {
      assert.equal(parseConnectionInput({ name, url: 'mysql://h/db' }).name, name);
    }
  });

  it('refuses names that are empty, too long, or could be taken for a URL', () => {
    for (const name of ['', 'a b', 'prod:eu', 'mysql://h', '-x', '.hidden', 'a/b', 'é', 'A'.repeat(129)]) {
      throwsCode(() => parseConnectionInput({ name, url: 'mysql://h/db' }), 'DBF_INVALID_INPUT', /^name/);
    }
  });

  it('requires a name to save a connection', () => {
    throwsCode(() => parseConnectionInput({ url: 'mysql://h/db' }), 'DBF_INVALID_INPUT', /^name/);
  });
});

describe('parseConnectionProbe', () => {
  it('takes both forms without a name', () => {
    assert.equal(specFromInput(parseConnectionProbe({ url: 'mysql://h/db' })).host, 'h');
    assert.equal(specFromInput(parseConnectionProbe({ engine: 'postgres', host: 'pg' })).port, 5432);
  });

  it('still validates a name when one is given', () => {
    throwsCode(() => parseConnectionProbe({ name: 'a b', url: 'mysql://h/db' }), 'DBF_INVALID_INPUT', /^name/);
  });

  it('refuses skip_test, which only saving takes', () => {
    throwsCode(() => parseConnectionProbe({ url: 'mysql://h/db', skip_test: true }), 'DBF_INVALID_INPUT', /"skip_test"/);
  });
});

describe('field form host check', () => {
  it('refuses a host that is not a host name or address, and accepts IPv6', () => {
    for (const host of ['bad host', 'db/x', 'h;drop']) {
      assert.throws(
        () => specFromInput(parseConnectionInput({ name: 'h', engine: 'mysql', host })),
        (error: unknown) => error instanceof DbfError && error.code === 'DBF_INVALID_INPUT' && error.message.includes('not a valid host name'),
        host,
      );
    }
    assert.equal(specFromInput(parseConnectionInput({ name: 'h', engine: 'postgres', host: '::1' })).host, '::1');
  });
});
