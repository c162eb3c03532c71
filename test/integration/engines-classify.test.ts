import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  classifyMysqlConnectError,
  classifyPostgresConnectError,
  type ConnectTarget,
} from '../../src/engines/classify-connect-error.js';
import { MysqlAdapter } from '../../src/engines/mysql/mysql-adapter.js';
import { PostgresAdapter } from '../../src/engines/postgres/postgres-adapter.js';
import { adapterFor } from '../../src/engines/registry.js';
import { SqliteAdapter } from '../../src/engines/sqlite/sqlite-adapter.js';

/**
 * The code-to-DBF mapping for the driver codes the servers on this machine cannot produce (pg_hba
 * here trusts 127.0.0.1, so no 28P01; there is no broken DNS or routing to provoke EAI_AGAIN or
 * EHOSTUNREACH). Errors are shaped like the drivers' own: a code, and a message that must not matter.
 */

const TARGET: ConnectTarget = {
  host: 'db.example',
  port: 5432,
  username: 'app',
  password: 'Sup3r-Secret-Pw',
  database: 'shop',
  timeoutMs: 300,
};

function driverError(fields: Record<string, unknown>, message = 'irrelevant driver text'): Error {
  return Object.assign(new Error(message), fields);
}

describe('classifyPostgresConnectError', () => {
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ code: '28P01' }, 'DBF_CONN_AUTH'],
    [{ code: '28000' }, 'DBF_CONN_AUTH'],
    [{ code: '3D000' }, 'DBF_CONN_UNKNOWN_DATABASE'],
    [{ code: 'ECONNREFUSED' }, 'DBF_CONN_REFUSED'],
    [{ code: 'EAI_AGAIN' }, 'DBF_CONN_UNREACHABLE'],
    [{ code: 'EHOSTUNREACH' }, 'DBF_CONN_UNREACHABLE'],
    [{ code: 'ENETUNREACH' }, 'DBF_CONN_UNREACHABLE'],
    [{ code: 'ETIMEDOUT' }, 'DBF_CONN_TIMEOUT'],
    [{ code: '53300' }, 'DBF_CONN_FAILED'],
  ];
  for (const [fields, expected] of cases) {
    it(`maps ${String(fields['code'])} to ${expected}`, () => {
      const error = classifyPostgresConnectError(driverError(fields), TARGET, false);
      assert.equal(error.code, expected);
      assert.ok(error.message.includes('db.example:5432'), error.message);
    });
  }

  it('reads an uncoded error as a timeout only once the deadline passed', () => {
    const raw = driverError({});
    assert.equal(classifyPostgresConnectError(raw, TARGET, true).code, 'DBF_CONN_TIMEOUT');
    assert.equal(classifyPostgresConnectError(raw, TARGET, false).code, 'DBF_CONN_FAILED');
  });

  it('keeps an unknown error as one line with the original as cause, password masked', () => {
    const raw = driverError({ code: 'XX000' }, `boom\n  password was ${TARGET.password ?? ''}`);
    const error = classifyPostgresConnectError(raw, TARGET, false);
    assert.equal(error.message, 'cannot connect to db.example:5432: boom password was ***');
    assert.equal(error.cause, raw);
  });
});

describe('classifyMysqlConnectError', () => {
  const target = { ...TARGET, port: 3306 };
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ errno: 1045, code: 'ER_ACCESS_DENIED_ERROR' }, 'DBF_CONN_AUTH'],
    [{ errno: 1044, code: 'ER_DBACCESS_DENIED_ERROR' }, 'DBF_CONN_AUTH'],
    [{ errno: 1698, code: 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR' }, 'DBF_CONN_AUTH'],
    [{ errno: 1049, code: 'ER_BAD_DB_ERROR' }, 'DBF_CONN_UNKNOWN_DATABASE'],
    [{ errno: -111, code: 'ECONNREFUSED' }, 'DBF_CONN_REFUSED'],
    [{ errno: -3008, code: 'ENOTFOUND' }, 'DBF_CONN_UNREACHABLE'],
    [{ errorno: 'ETIMEDOUT', code: 'ETIMEDOUT' }, 'DBF_CONN_TIMEOUT'],
    [{ errno: 1040, code: 'ER_CON_COUNT_ERROR' }, 'DBF_CONN_FAILED'],
  ];
  for (const [fields, expected] of cases) {
    it(`maps ${String(fields['code'])} to ${expected}`, () => {
      const error = classifyMysqlConnectError(driverError(fields), target);
      assert.equal(error.code, expected);
      assert.ok(error.message.includes('db.example:3306'), error.message);
      assert.ok(!error.message.includes(TARGET.password ?? ''));
    });
  }

  it('names the user in an access-denied message', () => {
    const error = classifyMysqlConnectError(driverError({ errno: 1045 }), target);
    assert.equal(error.message, 'cannot connect to db.example:3306: access denied for user "app" (wrong user name or password)');
  });
});

describe('adapterFor', () => {
  it('serves mysql and mariadb with one MySQL adapter, and each other engine with its own', () => {
    assert.ok(adapterFor('mysql') instanceof MysqlAdapter);
    assert.equal(adapterFor('mariadb'), adapterFor('mysql'));
    assert.ok(adapterFor('postgres') instanceof PostgresAdapter);
    assert.ok(adapterFor('sqlite') instanceof SqliteAdapter);
  });
});
