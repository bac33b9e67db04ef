import { createServer, type Server } from 'node:http';
import type { Logger } from '../../shared/src/log';
import type { GatewayDeps } from './deps';
import { closeDeps } from './build-deps';
import { createApp } from './http/app';

/** Listens, and on SIGTERM stops accepting, lets requests finish, flushes usage events (Cloud Run: ~10 s). */
export function serve(deps: GatewayDeps, log: Logger, onClose: () => Promise<void> = async () => {}): Promise<Server> {
  const server = createServer(createApp(deps)).listen(deps.env.PORT, deps.env.HOST);
  server.keepAliveTimeout = 620_000; // longer than Cloud Run's front end keeps idle connections
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
