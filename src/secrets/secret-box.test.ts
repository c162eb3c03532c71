import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DbfError } from '../domain/errors.js';
import type { ErrorCode } from '../domain/errors.js';
import { SecretBox } from './secret-box.js';

const roots: string[] = [];
after(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

function tempHome(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dbferry-secrets-'));
  roots.push(dir);
  return join(dir, 'home');
}

const HEX_KEY = 'a1'.repeat(32);
const PASSWORD = 'pä$$wörd 🔑 密码:@/';

function throwsCode(fn: () => unknown, code: ErrorCode, message?: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof DbfError, `expected a DbfError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (message) assert.match(error.message, message);
    return true;
  });
}

/** Replaces one base64url field of a sealed value. */
function withField(sealed: string, index: number, change: (field: string) => string): string {
  const parts = sealed.split(':');
  parts[index] = change(parts[index] ?? '');
  return parts.join(':');
}

const flipFirstChar = (field: string): string => (field.startsWith('A') ? 'B' : 'A') + field.slice(1);

describe('SecretBox seal and open', () => {
  const box = new SecretBox({ secretKey: HEX_KEY, home: '/nonexistent' });

  it('round-trips a unicode password', () => {
    const sealed = box.seal(PASSWORD, 'conn-1');
    assert.equal(box.open(sealed, 'conn-1'), PASSWORD);
  });

  it('round-trips an empty password', () => {
    assert.equal(box.open(box.seal('', 'conn-1'), 'conn-1'), '');
  });

  it('seals into the dbf1:<key id>:<iv>:<tag>:<body> form', () => {
    assert.match(box.seal('x', 'conn-1'), /^dbf1:[0-9a-f]{8}:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+:[A-Za-z0-9_-]*$/);
  });

  it('does not contain the password in the sealed text, in clear or encoded', () => {
    const password = 'hunter2-very-secret';
    const sealed = box.seal(password, 'conn-1');
    assert.ok(!sealed.includes(password));
    assert.ok(!sealed.includes(Buffer.from(password).toString('base64url')));
    assert.ok(!sealed.includes(Buffer.from(password).toString('hex')));
  });

  it('seals the same password differently each time (random IV)', () => {
    const a = box.seal(PASSWORD, 'conn-1');
    const b = box.seal(PASSWORD, 'conn-1');
    assert.notEqual(a, b);
    assert.notEqual(a.split(':')[2], b.split(':')[2], 'the IVs differ');
    assert.equal(box.open(a, 'conn-1'), box.open(b, 'conn-1'));
  });

  it('refuses to open for another owner id', () => {
    const sealed = box.seal(PASSWORD, 'conn-1');
    throwsCode(() => box.open(sealed, 'conn-2'), 'DBF_SECRET_DECRYPT_FAILED', /integrity/);
  });

  it('refuses a tampered ciphertext, tag or IV', () => {
    const sealed = box.seal(PASSWORD, 'conn-1');
    for (const index of [2, 3, 4]) {
      throwsCode(() => box.open(withField(sealed, index, flipFirstChar), 'conn-1'), 'DBF_SECRET_DECRYPT_FAILED');
    }
  });

  it('refuses a value that is not in the sealed format', () => {
    for (const text of ['', 'plain-password', 'dbf0:abcd:a:b:c', 'dbf1:abcd:a:b']) {
      throwsCode(() => box.open(text, 'conn-1'), 'DBF_SECRET_DECRYPT_FAILED', /format/);
    }
  });

  it('refuses a value sealed with another key, naming the key id', () => {
    const other = new SecretBox({ secretKey: 'b2'.repeat(32), home: '/nonexistent' });
    const sealed = other.seal(PASSWORD, 'conn-1');
    const id = sealed.split(':')[1] ?? '';
    assert.match(id, /^[0-9a-f]{8}$/);
    throwsCode(() => box.open(sealed, 'conn-1'), 'DBF_SECRET_DECRYPT_FAILED', new RegExp(`another secret key \\(id ${id}\\)`));
  });

  it('never puts the password in an error message', () => {
    const sealed = box.seal(PASSWORD, 'conn-1');
    assert.throws(
      () => box.open(sealed, 'conn-2'),
      (error: unknown) => error instanceof DbfError && !error.message.includes(PASSWORD),
    );
  });
});

describe('SecretBox key file', () => {
  it('creates the key file with mode 0600 on first seal', () => {
    const home = tempHome();
    const keyFile = join(home, 'secret.key');
    const box = new SecretBox({ home });
    assert.equal(existsSync(keyFile), false);
    const sealed = box.seal(PASSWORD, 'conn-1');
    assert.ok(existsSync(keyFile));
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    assert.match(readFileSync(keyFile, 'utf8'), /^[0-9a-f]{64}\n$/);
    assert.equal(box.open(sealed, 'conn-1'), PASSWORD);
  });

  it('does not create the key file when only opening', () => {
    const home = tempHome();
    const sealed = new SecretBox({ secretKey: HEX_KEY, home: '/nonexistent' }).seal(PASSWORD, 'conn-1');
    const box = new SecretBox({ home });
    throwsCode(() => box.open(sealed, 'conn-1'), 'DBF_SECRET_DECRYPT_FAILED', /another secret key/);
    assert.equal(existsSync(join(home, 'secret.key')), false);
    assert.equal(existsSync(home), false, 'not even the home directory');
  });

  it('reuses the key file in a second SecretBox', () => {
    const home = tempHome();
    const sealed = new SecretBox({ home }).seal(PASSWORD, 'conn-1');
    const keyBefore = readFileSync(join(home, 'secret.key'), 'utf8');
    const second = new SecretBox({ home });
    assert.equal(second.open(sealed, 'conn-1'), PASSWORD);
    second.seal('other', 'conn-2');
    assert.equal(readFileSync(join(home, 'secret.key'), 'utf8'), keyBefore, 'the key file is not replaced');
  });

  it('reads a key file written beforehand as a secret key', () => {
    const home = tempHome();
    const sealed = new SecretBox({ secretKey: HEX_KEY, home: '/nonexistent' }).seal(PASSWORD, 'conn-1');
    new SecretBox({ home }).seal('x', 'bootstrap');
    writeFileSync(join(home, 'secret.key'), `${HEX_KEY}\n`);
    assert.equal(new SecretBox({ home }).open(sealed, 'conn-1'), PASSWORD);
  });

  it('refuses a corrupt key file with DBF_SECRET_KEY_INVALID', () => {
    const home = tempHome();
    new SecretBox({ home }).seal('x', 'bootstrap');
    writeFileSync(join(home, 'secret.key'), 'short\n');
    throwsCode(() => new SecretBox({ home }).seal('x', 'conn-1'), 'DBF_SECRET_KEY_INVALID', /corrupt/);
  });

  it('does not touch home when a secret key is given', () => {
    const home = tempHome();
    new SecretBox({ secretKey: HEX_KEY, home }).seal(PASSWORD, 'conn-1');
    assert.equal(existsSync(home), false);
  });
});

describe('SecretBox secret key forms', () => {
  const keyId = (secretKey: string): string => new SecretBox({ secretKey, home: '/nonexistent' }).seal('x', 'o').split(':')[1] ?? '';

  it('takes 64 hex digits as the key itself, in either case', () => {
    const bytes = randomBytes(32);
    const lower = new SecretBox({ secretKey: bytes.toString('hex'), home: '/nonexistent' });
    const upper = new SecretBox({ secretKey: ` ${bytes.toString('hex').toUpperCase()}\n`, home: '/nonexistent' });
    assert.equal(upper.open(lower.seal(PASSWORD, 'o'), 'o'), PASSWORD);
  });

  it('takes base64 and base64url of 32 bytes as the same key as its hex form', () => {
    const bytes = randomBytes(32);
    const hexId = keyId(bytes.toString('hex'));
    assert.equal(keyId(bytes.toString('base64')), hexId);
    assert.equal(keyId(bytes.toString('base64url')), hexId);
    const fromBase64 = new SecretBox({ secretKey: bytes.toString('base64'), home: '/nonexistent' });
    const fromHex = new SecretBox({ secretKey: bytes.toString('hex'), home: '/nonexistent' });
    assert.equal(fromHex.open(fromBase64.seal(PASSWORD, 'o'), 'o'), PASSWORD);
  });

  it('stretches a passphrase of 16 or more characters', () => {
    const passphrase = 'correct horse battery';
    const a = new SecretBox({ secretKey: passphrase, home: '/nonexistent' });
    const b = new SecretBox({ secretKey: passphrase, home: '/nonexistent' });
    assert.equal(b.open(a.seal(PASSWORD, 'o'), 'o'), PASSWORD);
    assert.equal(keyId('x'.repeat(16)).length, 8);
    assert.notEqual(keyId('correct horse battery'), keyId('correct horse batterz'));
  });

  it('refuses a key shorter than 16 characters with DBF_SECRET_KEY_INVALID', () => {
    for (const secretKey of ['short', 'x'.repeat(15), '   ']) {
      const box = new SecretBox({ secretKey, home: '/nonexistent' });
      throwsCode(() => box.seal('x', 'o'), 'DBF_SECRET_KEY_INVALID', /too short/);
    }
  });

  it('does not accept 63 hex digits as a raw key, but as a passphrase', () => {
    const hex63 = 'a'.repeat(63);
    const hex64 = 'a'.repeat(64);
    assert.notEqual(keyId(hex63), keyId(hex64));
  });
});
