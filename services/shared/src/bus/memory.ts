import type { UsageEvent } from '../usage-event';
import type { EventBus } from './port';

export interface MemoryBusOptions {
  /** Wait before redelivering an event whose handler threw. Default 100 ms. */
  retryDelayMs?: number;
  /** Called for every failed delivery (and for events published after close). Default: a JSON line on stderr. */
  onError?: (err: unknown, event: UsageEvent) => void;
  /**
   * Deliveries in flight at once, like Pub/Sub flow control (whose streaming pull allows 1,000).
   * Default 1,000: more than the worker commits together (200 events), since each delivery waits for
   * its batch's commit. At 100, local mode counted at most 100 events per 250 ms commit wait, 400 a
   * second, and the queue grew under heavier traffic.
   */
  maxInFlight?: number;
}

type Handler = (event: UsageEvent) => Promise<void>;

/**
 * The in-process bus of local mode. Like a Pub/Sub topic with one subscription: events published
 * while nobody subscribes are kept, each event goes to one subscriber (round robin when there are
 * several), and a handler that throws gets the event again after `retryDelayMs`, for as long as it
 * keeps throwing (at least once, never dropped). Events are serialised on publish, as Pub/Sub
 * carries them, and each delivery parses its own copy: neither publisher nor handler can change
 * what another delivery sees.
 */
export function createMemoryBus(opts: MemoryBusOptions = {}): EventBus {
  const retryDelayMs = opts.retryDelayMs ?? 100;
  const maxInFlight = opts.maxInFlight ?? 1000;
  const onError = opts.onError ?? defaultOnError;
  const queue: string[] = [];
  const retries = new Set<NodeJS.Timeout>();
  const deliveries = new Set<Promise<void>>();
  let subscribers: Handler[] = [];
  let next = 0;
  let pumpScheduled = false;
  let closed = false;
  let idleWaiters: Array<() => void> = [];

  // Idle: nothing can be delivered now or later without a new publish. With no subscriber, queued
  // events are buffered (accepted by the bus), so flush does not wait for a subscriber to appear.
  const idle = () => deliveries.size === 0 && (closed || subscribers.length === 0 || (queue.length === 0 && retries.size === 0));

  const settle = () => {
    if (!idle()) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const w of waiters) w();
  };

  const schedule = () => {
    if (pumpScheduled || closed) return;
    pumpScheduled = true;
    setImmediate(pump);
  };

  function pump() {
    pumpScheduled = false;
    while (!closed && queue.length > 0 && subscribers.length > 0 && deliveries.size < maxInFlight) {
      const json = queue.shift() as string;
      const handler = subscribers[next++ % subscribers.length];
      const delivery: Promise<void> = Promise.resolve()
        .then(() => handler(JSON.parse(json) as UsageEvent))
        .catch((err: unknown) => {
          onError(err, JSON.parse(json) as UsageEvent);
          if (closed) return;
          const timer = setTimeout(() => {
            retries.delete(timer);
            queue.push(json);
            schedule();
          }, retryDelayMs);
          retries.add(timer);
        })
        .finally(() => {
          deliveries.delete(delivery);
          schedule();
          settle();
        });
      deliveries.add(delivery);
    }
    settle();
  }

  const bus: EventBus = {
    warm: async () => undefined,
    publish(event) {
      if (closed) {
        onError(new Error('usage event published after the bus was closed'), event);
        return;
      }
      queue.push(JSON.stringify(event));
      schedule();
    },

    flush() {
      // The pump may still be scheduled for events just published: look after it has run.
      return new Promise<void>((resolve) => {
        setImmediate(() => {
          idleWaiters.push(resolve);
          settle();
        });
      });
    },

    pending: () => queue.length + retries.size + deliveries.size,

    subscribe(handler) {
      subscribers = [...subscribers, handler];
      schedule();
      return () => {
        subscribers = subscribers.filter((h) => h !== handler);
        settle();
      };
    },

    async close() {
      await bus.flush(); // local mode's worker is in this process: let it take what was published
      closed = true;
      for (const t of retries) clearTimeout(t);
      retries.clear();
      await Promise.allSettled([...deliveries]);
      subscribers = [];
      settle();
    },
  };
  return bus;
}

function defaultOnError(err: unknown, event: UsageEvent): void {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`${JSON.stringify({ severity: 'ERROR', message: 'usage event delivery failed', event_id: event.event_id, error: message })}\n`);
}
