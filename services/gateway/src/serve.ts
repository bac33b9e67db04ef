import { createServer, type Server } from 'node:http';
import type { Logger } from '../../shared/src/log';
import type { GatewayDeps } from './deps';
import { closeDeps } from './build-deps';
import { createApp } from './http/app';

/**
 * The server's timeouts, set against Cloud Run's front end (README, "Server timeouts"):
 * - keepAliveTimeout: Google's front end keeps an idle connection to a backend for 600 s and reuses
 *   it until then; a backend that closes first races a request the front end is already sending on
 *   that connection, which the client sees as a 502. So node waits longer than the front end.
 * - headersTimeout: the front end sends a request's headers at once; a client that takes longer
 *   (a direct connection in local mode, a slow-headers attack) is cut after 20 s, not node's 60 s.
 * - requestTimeout: the whole request body within 120 s (node's default is 300 s), which is 32 MiB
 *   (the largest body allowed) at about 2 Mbit/s. It bounds receiving only: a long streamed answer
 *   is not affected.
 */
export const SERVER_TIMEOUTS = { keepAliveTimeout: 620_000, headersTimeout: 20_000, requestTimeout: 120_000 } as const;

/** Listens, and on SIGTERM stops accepting, lets requests finish, flushes usage events (Cloud Run: ~10 s). */
export function serve(deps: GatewayDeps, log: Logger, onClose: () => Promise<void> = async () => {}): Promise<Server> {
  const { keepAliveTimeout, headersTimeout, requestTimeout } = SERVER_TIMEOUTS;
  const server = createServer({ headersTimeout, requestTimeout }, createApp(deps)).listen(deps.env.PORT, deps.env.HOST);
  server.keepAliveTimeout = keepAliveTimeout;
  const drain = () => {
    log.info('SIGTERM: draining');
    // Requests in flight finish first (their usage events are published as they end); after 8 s the
    // rest are cut, and their events still go out. Then the bus is flushed.
    setTimeout(() => server.closeAllConnections(), 8_000).unref();
    // A keep-alive connection whose request ends while draining would otherwise hold close() open.
    setInterval(() => server.closeIdleConnections(), 100).unref();
    server.close(() => {
      void onClose()
        .then(() => closeDeps(deps))
        .then(() => process.exit(0))
        .catch((err) => {
          log.error('shutdown failed', { err: String(err) });
          process.exit(1);
        });
    });
  };
  process.once('SIGTERM', drain);
  process.once('SIGINT', drain);
  return new Promise((resolve, reject) => {
    server.once('listening', () => resolve(server));
    server.once('error', reject);
  });
}
