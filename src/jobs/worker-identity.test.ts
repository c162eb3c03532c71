import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isOwnerGone, newWorkerIdentity, parseWorkerId, thisProcess } from './worker-identity.js';

describe('worker identity', () => {
  it('round-trips host, pid and boot through the id; runners of one process differ by their number', () => {
    const a = newWorkerIdentity('db-1.example', 42, 'beef');
    const b = newWorkerIdentity('db-1.example', 42, 'beef');
    assert.notEqual(a.id, b.id);
    assert.deepEqual(parseWorkerId(a.id), { host: 'db-1.example', pid: 42, boot: 'beef' });
    assert.equal(parseWorkerId('not a worker id'), null);
  });

  it('knows an owner is gone only when it can tell: same host and a dead pid, or its own pid under another boot', () => {
    const self = { host: 'h', pid: 1, boot: 'aaaa' };
    const alive = (): boolean => true;
    const dead = (): boolean => false;
    assert.equal(isOwnerGone('h/7/bbbb-1', self, dead), true, 'dead pid on this host');
    assert.equal(isOwnerGone('h/7/bbbb-1', self, alive), false, 'live pid on this host');
    assert.equal(isOwnerGone('h/1/bbbb-1', self, alive), true, 'this pid, an earlier boot (a container restarted as pid 1)');
    assert.equal(isOwnerGone('h/1/aaaa-2', self, alive), false, 'another runner of this very process');
    assert.equal(isOwnerGone('other/7/bbbb-1', self, dead), false, 'another host: only the lease can tell');
    assert.equal(isOwnerGone(null, self, dead), false);
    assert.equal(parseWorkerId(newWorkerIdentity().id)?.boot, thisProcess().boot);
  });
});
