import type { IncomingMessage } from 'node:http';
import type { Logger } from '../../../shared/src/log';
import type { GatewayDeps } from '../deps';
import type { RequestRecord } from './record';

/**
 * Publishes the request's one usage event (batched by the bus, off the request path) and writes it
 * as one structured log line: Cloud Logging holds a second, independent record.
 */
export function emitUsage(deps: GatewayDeps, record: RequestRecord, log: Logger, req: IncomingMessage): void {
  const event = record.finish(deps.catalog, deps.now());
  if (!event) return;
  deps.bus.publish(event);
  log.info('request done', {
    httpRequest: {
      requestMethod: req.method,
      requestUrl: req.url,
      status: event.status,
      latency: `${(event.latency_ms / 1000).toFixed(3)}s`,
      userAgent: req.headers['user-agent'],
    },
    usage_event: event,
  });
}
