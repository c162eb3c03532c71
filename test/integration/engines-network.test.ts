import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { ConnectionSpec } from '../../src/domain/connection-url.js';
import { adapterFor } from '../../src/engines/registry.js';
import { rejection } from '../helpers/assertions.js';

/**
 * Connection failures below the database protocol, for both network engines: nothing listening
 * (refused), a host name that cannot resolve (unreachable), and a server that accepts the TCP
 * connection but never says a word (timeout). None needs a real database server.
 */

const PASSWORD = 'N0t-In-Any-Message';

/** A port nothing listens on: bind an ephemeral one, then let it go. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  return port;
}

describe('network connection failures', () => {
  const silentSockets = new Set<net.Socket>();
  const silent = net.createServer((socket) => {
    silentSockets.add(socket);
    socket.on('close', () => silentSockets.delete(socket));
  });
  let silentPort = 0;

  before(async () => {
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentPort = (silent.address() as net.AddressInfo).port;
  });

  after(async () => {
    for (const socket of silentSockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  for (const engine of ['mysql', 'postgres'] as const) {
    const spec = (host: string, port: number): ConnectionSpec => ({
      engine,
      host,
      port,
      username: 'dbf_user',
      password: PASSWORD,
      database: 'dbf_db',
      ssl: false,
    });

    describe(engine, () => {
      it('reports a closed port as DBF_CONN_REFUSED', async () => {
        const port = await freePort();
        const error = await rejection(() => adapterFor(engine).connect(spec('127.0.0.1', port), { timeoutMs: 3000 }));
        assert.equal(error.code, 'DBF_CONN_REFUSED');
        assert.equal(error.message, `cannot connect to 127.0.0.1:${port}: connection refused (nothing listens on that port)`);
        assert.ok(!error.message.includes(PASSWORD));
      });

      it('reports a host name that does not resolve as DBF_CONN_UNREACHABLE', async () => {
        // .invalid is reserved (RFC 2606): it never resolves, on any network.
        const error = await rejection(() => adapterFor(engine).connect(spec('nohost.invalid', 3306), { timeoutMs: 3000 }));
        assert.equal(error.code, 'DBF_CONN_UNREACHABLE');
        assert.match(error.message, /^cannot connect to nohost\.invalid:3306: /);
        assert.ok(!error.message.includes(PASSWORD));
      });

      it('reports a server that never answers as DBF_CONN_TIMEOUT after timeoutMs', async () => {
        const started = Date.now();
        const error = await rejection(() => adapterFor(engine).connect(spec('127.0.0.1', silentPort), { timeoutMs: 300 }));
        const elapsed = Date.now() - started;
        assert.equal(error.code, 'DBF_CONN_TIMEOUT');
        assert.equal(error.message, `cannot connect to 127.0.0.1:${silentPort}: no answer within 300 ms`);
        assert.ok(elapsed >= 250 && elapsed < 3000, `gave up after ${elapsed} ms`);
        assert.ok(error.cause, 'keeps the driver error as cause');
      });
    });
  }
});
