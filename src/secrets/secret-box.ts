import { createCipheriv, createDecipheriv, createHash, randomBytes, scryptSync } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DbfError } from '../domain/errors.js';

/**
 * Passwords at rest: AES-256-GCM, a fresh 12-byte IV per value, the owner's id as associated data (a
 * sealed value copied onto another row does not open). Sealed text:
 * `dbf1:<key id>:<iv>:<tag>:<ciphertext>` (base64url), where the key id is a short hash of the key, so
 * a wrong key is named as such instead of failing as "bad data".
 *
 * The key is `DBFERRY_SECRET_KEY` (64 hex chars or base64 of 32 bytes taken as is; any other text of
 * 16+ characters is stretched with scrypt), else `$DBFERRY_HOME/secret.key`, created on first use
 * with mode 0600. Several nodes sharing one store must share the key: set DBFERRY_SECRET_KEY there.
 */

const VERSION = 'dbf1';
const KEY_FILE = 'secret.key';

export interface SecretSealer {
  seal(plain: string, ownerId: string): string;
  open(sealed: string, ownerId: string): string;
}

function keyFromText(text: string): Buffer {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)) {
    const bytes = Buffer.from(trimmed, 'base64');
    if (bytes.length === 32) return bytes;
  }
  if (trimmed.length < 16) {
    throw new DbfError('DBF_SECRET_KEY_INVALID', 'DBFERRY_SECRET_KEY is too short: use at least 16 characters, or 64 hex digits');
  }
  return scryptSync(trimmed, 'dbferry-secret-key-v1', 32);
}

/** Reads the key file, creating it (0600) on first use when `create` is set. */
function keyFromFile(home: string, create: boolean): Buffer | null {
  const path = join(home, KEY_FILE);
  try {
    return keyFromText(readFileSync(path, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      if (error instanceof DbfError) throw new DbfError('DBF_SECRET_KEY_INVALID', `key file ${path} is corrupt`, { cause: error });
      throw new DbfError('DBF_SECRET_KEY_INVALID', `key file ${path} cannot be read`, { cause: error });
    }
  }
  if (!create) return null;
  mkdirSync(home, { recursive: true });
  try {
    writeFileSync(path, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another process created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new DbfError('DBF_SECRET_KEY_INVALID', `key file ${path} cannot be created`, { cause: error });
  }
  chmodSync(path, 0o600);
  return keyFromText(readFileSync(path, 'utf8'));
}

const keyId = (key: Buffer): string => createHash('sha256').update(key).digest('hex').slice(0, 8);

export class SecretBox implements SecretSealer {
  #key: Buffer | null = null;

  constructor(private readonly source: { readonly secretKey?: string; readonly home: string }) {}

  #getKey(create: boolean): Buffer | null {
    if (this.#key) return this.#key;
    this.#key = this.source.secretKey !== undefined ? keyFromText(this.source.secretKey) : keyFromFile(this.source.home, create);
    return this.#key;
  }

  seal(plain: string, ownerId: string): string {
    const key = this.#getKey(true);
    if (!key) throw new DbfError('DBF_SECRET_KEY_INVALID', 'no secret key is available');
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(ownerId));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [VERSION, keyId(key), iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join(':');
  }

  open(sealed: string, ownerId: string): string {
    const [version, id, iv, tag, body] = sealed.split(':');
    if (version !== VERSION || !id || iv === undefined || tag === undefined || body === undefined) {
      throw new DbfError('DBF_SECRET_DECRYPT_FAILED', 'a stored password is not in a format this dbferry can read');
    }
    const key = this.#getKey(false);
    if (!key || keyId(key) !== id) {
      throw new DbfError('DBF_SECRET_DECRYPT_FAILED', `a stored password was sealed with another secret key (id ${id}): set the DBFERRY_SECRET_KEY it was saved with`);
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(ownerId));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    } catch (error) {
      throw new DbfError('DBF_SECRET_DECRYPT_FAILED', 'a stored password failed its integrity check (tampered or moved between connections)', { cause: error });
    }
  }
}
