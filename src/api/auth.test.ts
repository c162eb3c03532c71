import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Keyring } from './auth.js';

describe('Keyring', () => {
  const keyring = new Keyring([
    { role: 'admin', token: 'admin-token-0123456789', source: 'api_token' },
    { role: 'viewer', token: 'viewer-token-0123456789', source: 'server.tokens.0' },
  ]);

  it('finds the role of each configured token, with any case of the scheme and surrounding blanks', () => {
    assert.equal(keyring.roleOf('Bearer admin-token-0123456789'), 'admin');
    assert.equal(keyring.roleOf('bearer viewer-token-0123456789'), 'viewer');
    assert.equal(keyring.roleOf('BEARER \tviewer-token-0123456789  '), 'viewer');
  });

  it('knows no role for a missing, malformed, partial or longer token', () => {
    for (const header of [undefined, '', 'Bearer', 'Bearer ', 'admin-token-0123456789', 'Token admin-token-0123456789', 'Bearer admin-token-012345678', 'Bearer admin-token-01234567890', 'Bearer admin-token-0123456789 x']) {
      assert.equal(keyring.roleOf(header), null, String(header));
    }
  });

  it('is disabled without tokens', () => {
    assert.equal(new Keyring([]).enabled, false);
    assert.equal(keyring.enabled, true);
  });
});
