import type { EventBus } from '../../services/shared/src/bus/port';
import type { UsageEvent } from '../../services/shared/src/usage-event';
import { eventually } from '../helpers/emulators';
import { usageEventFixture } from '../helpers/usage-event';

const DELIVERY_TIMEOUT_MS = 10_000;

/** Records every delivery, so tests can ask what arrived and how often. */
function recorder(fail?: (event: UsageEvent, attempt: number) => boolean) {
  const attempts = new Map<string, number>();
  const delivered = new Map<string, UsageEvent>();
  const handler = async (event: UsageEvent) => {
    const attempt = (attempts.get(event.event_id) ?? 0) + 1;
    attempts.set(event.event_id, attempt);
    if (fail?.(event, attempt)) throw new Error(`handler refuses ${event.event_id} on attempt ${attempt}`);
    delivered.set(event.event_id, event);
  };
  return { handler, attempts, delivered };
}

const events = (tag: string, n: number) =>
  Array.from({ length: n }, (_, i) => usageEventFixture({ event_id: `${tag}-${i}`, request_id: `req-${tag}-${i}`, cost_micros: i }));

/**
 * The guarantees every EventBus adapter gives (docs/style.md §7). `make` returns a bus on a fresh topic whose
 * subscription already exists, so nothing published before subscribe() is lost.
 */
export function busContract(name: string, make: () => Promise<EventBus>): void {
  describe(`EventBus contract: ${name}`, () => {
    const opened: EventBus[] = [];
    const fresh = async () => {
      const b = await make();
      opened.push(b);
      return b;
    };
    afterAll(async () => {
      await Promise.all(opened.map((b) => b.close()));
    });

    it('delivers every one of 50 published events, intact', async () => {
      const bus = await fresh();
      const r = recorder();
      bus.subscribe(r.handler);
      const sent = events('fifty', 50);
      sent[7] = { ...sent[7], session_id: 's-1', metadata: { team: 'frontend' }, ttfb_ms: 12.5, cache: { status: 'MISS', saved_micros: 0 } };
      for (const e of sent) bus.publish(e);
      await bus.flush();
      await eventually(() => expect(r.delivered.size).toBe(50), DELIVERY_TIMEOUT_MS);
      for (const e of sent) expect(r.delivered.get(e.event_id)).toEqual(e);
    });

    it('keeps events published before anyone subscribes', async () => {
      const bus = await fresh();
      const sent = events('early', 5);
      for (const e of sent) bus.publish(e);
      await bus.flush();
      const r = recorder();
      bus.subscribe(r.handler);
      await eventually(() => expect([...r.delivered.keys()].sort()).toEqual(sent.map((e) => e.event_id).sort()), DELIVERY_TIMEOUT_MS);
    });

    it('redelivers an event whose handler threw, without holding back the others', async () => {
      const bus = await fresh();
      const r = recorder((e, attempt) => e.event_id === 'retry-1' && attempt < 3);
      bus.subscribe(r.handler);
      for (const e of events('retry', 4)) bus.publish(e);
      await eventually(() => expect(r.delivered.size).toBe(4), DELIVERY_TIMEOUT_MS);
      expect(r.attempts.get('retry-1')).toBeGreaterThanOrEqual(3);
    });

    it('counts published events as pending until the bus has taken them', async () => {
      const bus = await fresh();
      const r = recorder();
      bus.subscribe(r.handler);
      expect(bus.pending()).toBe(0);
      for (const e of events('pending', 3)) bus.publish(e);
      expect(bus.pending()).toBe(3);
      await bus.flush();
      await eventually(() => expect(r.delivered.size).toBe(3), DELIVERY_TIMEOUT_MS);
      await eventually(() => expect(bus.pending()).toBe(0), DELIVERY_TIMEOUT_MS);
    });

    it('flush resolves with nothing published, and after it every published event is accepted', async () => {
      const bus = await fresh();
      await bus.flush();
      const sent = events('flush', 10);
      for (const e of sent) bus.publish(e);
      await bus.flush();
      const r = recorder();
      bus.subscribe(r.handler);
      await eventually(() => expect(r.delivered.size).toBe(10), DELIVERY_TIMEOUT_MS);
    });

    it('stops delivering to a handler once it unsubscribes', async () => {
      const bus = await fresh();
      const first = recorder();
      const unsubscribe = bus.subscribe(first.handler);
      bus.publish(usageEventFixture({ event_id: 'before' }));
      await eventually(() => expect(first.delivered.has('before')).toBe(true), DELIVERY_TIMEOUT_MS);
      unsubscribe();
      bus.publish(usageEventFixture({ event_id: 'after' }));
      await bus.flush();
      const second = recorder();
      bus.subscribe(second.handler);
      await eventually(() => expect(second.delivered.has('after')).toBe(true), DELIVERY_TIMEOUT_MS);
      expect(first.attempts.has('after')).toBe(false);
    });

    it('publish never throws, not even after close', async () => {
      const bus = await make(); // closed here, not in afterAll
      await bus.close();
      expect(() => bus.publish(usageEventFixture())).not.toThrow();
      await bus.flush();
    });
  });
}
