import { createConnection, createServer, type Socket } from 'node:net';

export interface TcpProxy {
  /** `127.0.0.1:<port>`. */
  host: string;
  /** From now on nothing passes either way and new connections wait: as if the target were paused. */
  cut(): void;
  /** Everything held goes through again. */
  restore(): void;
  /** New connections go to `target` from now on; open ones stay where they are. */
  retarget(target: string): void;
  close(): Promise<void>;
}

/**
 * A TCP proxy on 127.0.0.1 in front of `target` (`host:port`). Cut, it accepts and holds connections
 * and stops reading from both sides: what a client sees of a paused process (SIGSTOP) or a network
 * that drops packets, for one client's path to a shared emulator, without pausing the emulator for
 * every other test file. Retargeted, it moves a push endpoint to a new process, as Cloud Run routes
 * to a new instance.
 */
export async function startTcpProxy(initialTarget: string): Promise<TcpProxy> {
  let target = initialTarget;
  let down = false;
  const pairs = new Set<[Socket, Socket]>();
  const waiting = new Set<Socket>();

  const join = (client: Socket) => {
    const [host, port] = target.split(':');
    const upstream = createConnection({ host, port: Number(port) });
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  };

  const server = createServer((client) => {
    if (!down) return join(client);
    client.pause();
    waiting.add(client);
    client.on('error', () => client.destroy()).on('close', () => waiting.delete(client));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    host: `127.0.0.1:${port}`,
    cut() {
      down = true;
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
    },
    restore() {
      down = false;
      for (const [client, upstream] of pairs) {
        client.pipe(upstream);
        upstream.pipe(client);
      }
      for (const client of waiting) {
        waiting.delete(client);
        join(client);
      }
    },
    retarget(next) {
      target = next;
    },
    async close() {
      for (const [client, upstream] of pairs) {
        client.destroy();
        upstream.destroy();
      }
      for (const client of waiting) client.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
