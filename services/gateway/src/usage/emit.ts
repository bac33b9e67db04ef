import type { IncomingMessage } from 'node:http';
import type { EventBus } from '../../../shared/src/bus/port';
import type { Fields, Logger } from '../../../shared/src/log';
import type { UsageEvent } from '../../../shared/src/usage-event';
import type { GatewayDeps } from '../deps';
import type { RequestRecord } from './record';

/** Usage events of finished requests on their way to the bus and the log. */
export interface UsageOutbox {
  /** Publishes `event` and writes `line` with it, shortly (within about a millisecond). */
  add(event: UsageEvent, log: Logger, line: Fields): void;
  /** Sends everything pending now (shutdown). */
  flush(): void;
}

/**
 * Publishing an event and writing its log line takes the gateway a few hundred microseconds of CPU,
 * and it comes right after the response's last write, when the client is about to read it. Done in
 * that same turn of the event loop, the client waits for it whenever the two share a CPU (the bench
 * VM packs its processes onto one: +0.2 ms on the gateway's p50 at 200 req/s, two builds interleaved
 * request by request). A timer instead lets the gateway wait in epoll first, so the client and the
 * upstream run before it; `setImmediate` would not, since it runs before the process next waits.
 */
export function createUsageOutbox(bus: EventBus): UsageOutbox {
  let pending: { event: UsageEvent; log: Logger; line: Fields }[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    const batch = pending;
    pending = [];
    for (const { event, log, line } of batch) {
      bus.publish(event);
      log.info('request done', { ...line, usage_event: event });
    }
  };
  return {
    add(event, log, line) {
      pending.push({ event, log, line });
      timer ??= setTimeout(flush, 1);
    },
    flush,
  };
}

/**
 * Closes the request's record and hands its one usage event to the outbox, which publishes it
 * (batched by the bus, off the request path) and writes it as one structured log line: Cloud Logging
 * holds a second, independent record. The event's latency is taken now, not when it leaves.
 */
export function emitUsage(deps: GatewayDeps, record: RequestRecord, log: Logger, req: IncomingMessage): void {
  const event = record.finish(deps.catalog, deps.now());
  if (!event) return;
  deps.usage.add(event, log, {
    httpRequest: {
      requestMethod: req.method,
      requestUrl: req.url,
      status: event.status,
      latency: `${(event.latency_ms / 1000).toFixed(3)}s`,
      userAgent: req.headers['user-agent'],
    },
  });
}
