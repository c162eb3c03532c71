import net from 'node:net';

/**
 * A TCP proxy in front of a real server (PostgreSQL at 127.0.0.1:5432 by default) that a test can cut:
 * `cut()` destroys every open connection and refuses new ones (accepted, then closed at once) until
 * `restore()`. This is a real outage as a client sees it: queries in flight fail, pooled connections
 * die, reconnects fail.
 */
export interface TcpProxy {
  readonly port: number;
  /** Connections accepted (and passed on) so far. */
  readonly accepted: number;
  /** Connections refused while cut. */
  readonly refused: number;
  readonly isCut: boolean;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host?: string; port?: number } = {}): Promise<TcpProxy> {
  const host = target.host ?? '127.0.0.1';
  const port = target.port ?? 5432;
  const sockets = new Set<net.Socket>();
  let cut = false;
  let accepted = 0;
  let refused = 0;
  const track = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const server = net.createServer((client) => {
    track(client);
    if (cut) {
      refused += 1;
      client.destroy();
      return;
    }
    accepted += 1;
    const upstream = net.connect({ host, port });
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;
  return {
    port: address.port,
    get accepted() {
      return accepted;
    },
    get refused() {
      return refused;
    },
    get isCut() {
      return cut;
    },
    cut() {
      cut = true;
      for (const socket of sockets) socket.destroy();
    },
    restore() {
      cut = false;
    },
    async close() {
      cut = true;
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
