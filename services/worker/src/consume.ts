import type { EventBus } from '../../shared/src/bus/port';
import type { Logger } from '../../shared/src/log';
import type { Aggregator } from './budgets/aggregator';

/** Local mode: the worker consumes the in-process bus instead of Pub/Sub push. */
export function consumeBus(bus: EventBus, aggregator: Aggregator, log: Logger): () => void {
  return bus.subscribe(async (event) => {
    const applied = await aggregator.apply(event);
    log.debug('usage event applied', { eventId: event.event_id, duplicate: !applied });
  });
}
