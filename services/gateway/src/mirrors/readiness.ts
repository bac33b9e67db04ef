import type { GatewayDeps } from '../deps';
import type { ListenerState } from './live-map';

/** What `GET /readyz` answers: whether this instance can serve, and what it is waiting on. */
export interface Readiness {
  /** Every listener has delivered its first snapshot (and the bootstrap key exists, when configured). */
  ready: boolean;
  /** As seen by the last store calls made for clients (the view makes none itself). */
  store: { available: boolean; unavailable_since: string | null; failed_calls: number };
  listeners: Record<string, ListenerState>;
  /** Usage events published and not yet accepted by the bus: grows while the bus is away. */
  bus: { pending_events: number };
  /** Finished requests whose event has not reached the bus yet (normally 0: they leave within ~1 ms). */
  usage_outbox: { depth: number };
}

/** Reads only memory, so probes may call it as often as they like. */
export function readiness(deps: GatewayDeps, now = Date.now()): Readiness {
  const { since, failures } = deps.storeOutage;
  const listeners: Record<string, ListenerState> = {};
  for (const [name, l] of Object.entries(deps.listeners)) listeners[name] = l.state(now);
  return {
    ready: deps.isReady(),
    store: { available: since === undefined, unavailable_since: since === undefined ? null : new Date(since).toISOString(), failed_calls: failures },
    listeners,
    bus: { pending_events: deps.bus.pending() },
    usage_outbox: { depth: deps.usage.depth() },
  };
}
