import type { IncomingMessage } from 'node:http';
import type { EventBus } from '../../../shared/src/bus/port';
import type { Catalog } from '../../../shared/src/catalog';
import type { Logger } from '../../../shared/src/log';
import type { UsageEvent } from '../../../shared/src/usage-event';
import type { RequestRecord } from './record';

/** The message of each request's log line; infra/monitoring.tf's request metrics match on it. */
export const REQUEST_DONE_LOG = 'request done';

/** A request whose response is over, with what its log line says about the HTTP exchange. */
export interface FinishedRequest {
  record: RequestRecord;
  /** When the response ended: the event's latency, however long it waits here. */
  endedAt: number;
  log: Logger;
  request: { method?: string; url?: string; userAgent?: string };
}

/** Finished requests on their way to the bus and the log as usage events. */
export interface UsageOutbox {
  /** Publishes the request's one usage event and writes its log line, shortly (about a millisecond). */
  add(finished: FinishedRequest): void;
  /** Sends everything pending now (shutdown). */
  flush(): void;
  /** Finished requests whose event has not been handed to the bus yet (the readiness view). */
  depth(): number;
}

/**
 * Building, publishing and logging a usage event takes the gateway about 0.2 ms of CPU, and it comes
 * right after the response's last write, when the client is about to read it. Done in that same turn
 * of the event loop, the client waits for it whenever the two share a CPU (the bench VM packs its
 * processes onto one: +0.2 ms on the gateway's p50 at 200 req/s, two builds interleaved request by
 * request). A timer instead lets the gateway wait in epoll first, so the client and the upstream run
 * before it; `setImmediate` would not, since it runs before the process next waits. Each event is
 * published (batched by the bus, off the request path) and written as one structured log line: Cloud
 * Logging holds a second, independent record.
 */
export function createUsageOutbox(bus: EventBus, catalog: Catalog, onEvent: (event: UsageEvent) => void = () => {}): UsageOutbox {
  let pending: FinishedRequest[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    const batch = pending;
    pending = [];
    for (const { record, endedAt, log, request } of batch) {
      const event = record.finish(catalog, endedAt);
      if (!event) continue;
      bus.publish(event);
      if (event.priced === false) {
        // Budgets count this request at $0: someone must add the model's price to the catalog.
        log.warn('usage not priced: no catalog price for the model', {
          model_requested: event.model_requested,
          model_upstream: event.model_upstream,
          request_id: event.request_id,
        });
      }
      onEvent(event); // this instance's own spend, until the worker's budget status includes it
      log.info(REQUEST_DONE_LOG, {
        httpRequest: {
          requestMethod: request.method,
          requestUrl: request.url,
          status: event.status,
          latency: `${(event.latency_ms / 1000).toFixed(3)}s`,
          userAgent: request.userAgent,
        },
        usage_event: event,
      });
    }
  };
  return {
    add(finished) {
      pending.push(finished);
      timer ??= setTimeout(flush, 1);
    },
    flush,
    depth: () => pending.length,
  };
}

/** Hands the request's record, its response over at `endedAt`, to the outbox, which turns it into exactly one usage event. */
export function emitUsage(usage: UsageOutbox, endedAt: number, record: RequestRecord, log: Logger, req: IncomingMessage): void {
  usage.add({ record, endedAt, log, request: { method: req.method, url: req.url, userAgent: req.headers['user-agent'] } });
}
