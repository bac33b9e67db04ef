import type { UsageEvent } from '../usage-event';

/** Carries usage events from gateway to worker. Adapters: in-process (local mode) and Pub/Sub. */
export interface EventBus {
  /**
   * Builds what publishing needs before the first event, without any network call, so the first
   * request an instance serves does not pay for it. Resolves when done; never rejects.
   */
  warm(): Promise<void>;
  /** Queues an event for batched, retried publication. Never throws and never blocks the caller. */
  publish(event: UsageEvent): void;
  /** Resolves when every event published so far has been accepted by the bus (or failed for good). */
  flush(): Promise<void>;
  /**
   * Events published and not yet accepted (Pub/Sub: not yet confirmed by the service; in-process: not
   * yet handled by a subscriber). For the readiness view: it grows while the bus is away.
   */
  pending(): number;
  /**
   * Delivers events to `handler` (at least once). A handler that throws gets the event again.
   * Returns an unsubscribe function.
   */
  subscribe(handler: (event: UsageEvent) => Promise<void>): () => void;
  close(): Promise<void>;
}
