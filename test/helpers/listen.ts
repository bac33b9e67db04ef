import { createServer, type RequestListener } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';

export interface LoopbackServer {
  url: string;
  /** Closes open connections too, so a keep-alive client cannot hold it open. */
  close(): Promise<void>;
}

/** Serves `handler` on a free port of 127.0.0.1. */
export async function listenOnLoopback(handler: RequestListener): Promise<LoopbackServer> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Closes everything given, all of it even when one close fails (a test gateway's close asserts that no
 * secret reached its logs), then rethrows the first failure. Undefined entries (a beforeAll that
 * failed early) are skipped.
 */
export async function closeAll(...closables: ({ close(): Promise<unknown> } | undefined)[]): Promise<void> {
  const results = await Promise.allSettled(closables.map((c) => c?.close()));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** A port free on 127.0.0.1 right now, for a child process to listen on. */
export async function freePort(): Promise<number> {
  const srv = createNetServer().listen(0, '127.0.0.1');
  await new Promise((r) => srv.once('listening', r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}
