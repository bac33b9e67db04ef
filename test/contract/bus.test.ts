import { PubSub } from '@google-cloud/pubsub';
import { createMemoryBus } from '../../services/shared/src/bus/memory';
import { createMemoryStore } from '../../services/shared/src/store/memory';
import { createAggregator } from '../../services/worker/src/budgets/aggregator';
import { consumeBus } from '../../services/worker/src/consume';
import { silentLogger } from '../helpers/log';
import { createPubSubBus, ensureSubscription, ensureTopic } from '../../services/shared/src/bus/pubsub';
import type { UsageEvent } from '../../services/shared/src/usage-event';
import { describeIf, eventually, pubsubAvailable, uniqueProjectId } from '../helpers/emulators';
import { busContract } from './bus.contract';
import { usageEventFixture } from '../helpers/usage-event';

busContract('memory', async () => createMemoryBus({ retryDelayMs: 10, onError: () => undefined }));

describe('memory bus', () => {
  it('delivers asynchronously, never inside publish()', async () => {
    const bus = createMemoryBus();
    const seen: string[] = [];
    bus.subscribe(async (e) => void seen.push(e.event_id));
    bus.publish(usageEventFixture({ event_id: 'x' }));
    expect(seen).toEqual([]);
    await bus.flush();
    expect(seen).toEqual(['x']);
    await bus.close();
  });

  it('flush waits for handlers, including redeliveries after a throw', async () => {
    const errors: Array<[unknown, string]> = [];
    const bus = createMemoryBus({ retryDelayMs: 20, onError: (err, e) => errors.push([err, e.event_id]) });
    const done: string[] = [];
    let failures = 2;
    bus.subscribe(async (e) => {
      await new Promise((r) => setTimeout(r, 5));
      if (e.event_id === 'flaky' && failures-- > 0) throw new Error('not yet');
      done.push(e.event_id);
    });
    bus.publish(usageEventFixture({ event_id: 'flaky' }));
    bus.publish(usageEventFixture({ event_id: 'steady' }));
    await bus.flush();
    expect(done.sort()).toEqual(['flaky', 'steady']);
    expect(errors.map(([, id]) => id)).toEqual(['flaky', 'flaky']);
    await bus.close();
  });

  it('flush does not wait for a subscriber that does not exist; the events stay buffered', async () => {
    const bus = createMemoryBus();
    bus.publish(usageEventFixture({ event_id: 'buffered' }));
    await bus.flush();
    const seen: string[] = [];
    bus.subscribe(async (e) => void seen.push(e.event_id));
    await bus.flush();
    expect(seen).toEqual(['buffered']);
    await bus.close();
  });

  it('copies events, so neither the publisher nor a handler can change what is redelivered', async () => {
    const bus = createMemoryBus({ retryDelayMs: 1, onError: () => undefined });
    const seen: UsageEvent[] = [];
    bus.subscribe(async (e) => {
      seen.push(structuredClone(e));
      e.cost_micros = 999;
      if (seen.length === 1) throw new Error('once');
    });
    const event = usageEventFixture({ event_id: 'copy', cost_micros: 5 });
    bus.publish(event);
    event.cost_micros = 777;
    await bus.flush();
    expect(seen.map((e) => e.cost_micros)).toEqual([5, 5]);
    await bus.close();
  });

  it("keeps enough deliveries in flight for local mode's worker to fill a group commit", async () => {
    const bus = createMemoryBus();
    const store = createMemoryStore();
    const log = silentLogger('worker');
    // A batch timer no test waits out: every commit here is a full batch of 200 events.
    const worker = createAggregator({ store, log, alert: () => {}, maxEvents: 200, maxWaitMs: 600_000, statusIntervalMs: 600_000 });
    await worker.start();
    const stop = consumeBus(bus, worker, log);
    for (let i = 0; i < 400; i++) bus.publish(usageEventFixture({ event_id: `batch-${i}`, key_id: 'key-batch' }));
    await bus.flush();
    expect((await store.usageTotals('key', 'key-batch', '2025-06'))?.requests).toBe(400);
    stop();
    await worker.close();
    await bus.close();
  });

  it('shares events between subscribers rather than copying them to each', async () => {
    const bus = createMemoryBus();
    const a: string[] = [];
    const b: string[] = [];
    bus.subscribe(async (e) => void a.push(e.event_id));
    bus.subscribe(async (e) => void b.push(e.event_id));
    for (let i = 0; i < 10; i++) bus.publish(usageEventFixture({ event_id: `rr-${i}` }));
    await bus.flush();
    expect(a.length + b.length).toBe(10);
    expect(new Set([...a, ...b]).size).toBe(10);
    await bus.close();
  });
});

describeIf(pubsubAvailable())('Pub/Sub emulator', () => {
  const projectId = uniqueProjectId('bus');
  const admin = new PubSub({ projectId });
  let n = 0;
  const logs: Array<[string, Record<string, unknown>]> = [];
  const log = (message: string, fields: Record<string, unknown>) => void logs.push([message, fields]);
  afterAll(() => admin.close());

  busContract('pubsub', async () => {
    // The subscription exists before anything is published, as Terraform provides it in production.
    const topic = `usage-${++n}`;
    await ensureSubscription(admin, topic, `${topic}-sub`);
    return createPubSubBus({ projectId, topic, subscription: `${topic}-sub`, log });
  });

  describe('pubsub bus', () => {
    it('warm() builds the publisher client before the first publish, without a network call', async () => {
      // Nothing listens on port 1: building the client must not need the service.
      const offline = new PubSub({ projectId, apiEndpoint: '127.0.0.1:1', emulatorMode: true });
      const mine: typeof logs = [];
      const bus = createPubSubBus({ projectId, topic: 'warm', pubsub: offline, log: (m, f) => void mine.push([m, f]) });
      const clients = (offline as unknown as { api: Record<string, unknown> }).api;
      expect(clients.PublisherClient).toBeUndefined();
      await bus.warm();
      expect(clients.PublisherClient).toBeDefined();
      expect(mine).toEqual([]);
      await bus.close();
      await offline.close();
    });

    it('acks a malformed message, reports it, and goes on delivering', async () => {
      const topic = `malformed-${++n}`;
      await ensureSubscription(admin, topic, `${topic}-sub`);
      const mine: typeof logs = [];
      const bus = createPubSubBus({ projectId, topic, subscription: `${topic}-sub`, pubsub: admin, log: (m, f) => void mine.push([m, f]) });
      const seen: string[] = [];
      bus.subscribe(async (e) => void seen.push(e.event_id));
      await admin.topic(topic).publishMessage({ data: Buffer.from('{"not":"an event"') });
      await admin.topic(topic).publishMessage({ json: { ...usageEventFixture(), version: 99 } });
      bus.publish(usageEventFixture({ event_id: 'good' }));
      await eventually(() => expect(seen).toContain('good'), 10_000);
      await eventually(() => expect(mine.filter(([m]) => m.startsWith('malformed usage event acked'))).toHaveLength(2), 10_000);
      await new Promise((r) => setTimeout(r, 300)); // acked, so not redelivered
      expect(mine.filter(([m]) => m.startsWith('malformed usage event acked'))).toHaveLength(2);
      await bus.close();
    });

    it('gives up a publish after bounded retries and logs the event id loudly; flush still resolves', async () => {
      const bus = createPubSubBus({ projectId, topic: `missing-${++n}`, pubsub: admin, log, publishAttempts: 3, retryBaseMs: 10 });
      const started = Date.now();
      bus.publish(usageEventFixture({ event_id: 'lost-1', request_id: 'req-lost' }));
      await bus.flush();
      expect(Date.now() - started).toBeLessThan(10_000);
      const line = logs.find(([, f]) => f.event_id === 'lost-1');
      expect(line).toBeDefined();
      expect(line![1]).toMatchObject({ severity: 'ERROR', event_id: 'lost-1', request_id: 'req-lost', attempts: 3 });
      await bus.close();
    });

    it('treats a publish the client refuses at once like a failed one: logged, never thrown', async () => {
      const bus = createPubSubBus({ projectId, topic: `refused-${++n}`, pubsub: admin, log, publishAttempts: 2, retryBaseMs: 10 });
      // The client throws synchronously on an attribute that is not a string; here, from a retry's timer too.
      const event = { ...usageEventFixture({ request_id: 'req-refused' }), event_id: 42 as unknown as string };
      expect(() => bus.publish(event)).not.toThrow();
      await bus.flush();
      const line = logs.find(([, f]) => f.request_id === 'req-refused');
      expect(line![1]).toMatchObject({ severity: 'ERROR', event_id: 42, attempts: 2 });
      expect(String(line![1].error)).toMatch(/attributes must be in the form of a string/);
      expect(bus.pending()).toBe(0);
      await bus.close();
    });

    it('logs and drops events beyond the publish backlog instead of growing without bound', async () => {
      const mine: typeof logs = [];
      const bus = createPubSubBus({
        projectId,
        topic: `missing-${++n}`,
        pubsub: admin,
        log: (m, f) => void mine.push([m, f]),
        maxPending: 2,
        publishAttempts: 1,
      });
      for (const id of ['p1', 'p2', 'p3']) bus.publish(usageEventFixture({ event_id: id }));
      expect(mine).toEqual([[expect.stringContaining('backlog full'), expect.objectContaining({ event_id: 'p3', severity: 'ERROR' })]]);
      await bus.close();
      expect(mine.map(([, f]) => f.event_id).sort()).toEqual(['p1', 'p2', 'p3']);
    });

    it('bounds the backlog in bytes too: an event that would pass it is logged and dropped', async () => {
      const mine: typeof logs = [];
      const size = JSON.stringify(usageEventFixture({ event_id: 'b1' })).length;
      const bus = createPubSubBus({
        projectId,
        topic: `missing-${++n}`,
        pubsub: admin,
        log: (m, f) => void mine.push([m, f]),
        maxPendingBytes: Math.floor(size * 2.5),
        publishAttempts: 1,
      });
      for (const id of ['b1', 'b2', 'b3']) bus.publish(usageEventFixture({ event_id: id }));
      expect(bus.pending()).toBe(2);
      expect(mine).toEqual([[expect.stringContaining('backlog full'), expect.objectContaining({ event_id: 'b3', pending_bytes: 2 * size })]]);
      await bus.close();
    });

    it('creates its topic and subscription when they are missing (local runs)', async () => {
      const topic = `fresh-${++n}`;
      const bus = createPubSubBus({ projectId, topic, subscription: `${topic}-sub`, pubsub: admin, log });
      const seen: string[] = [];
      bus.subscribe(async (e) => void seen.push(e.event_id));
      await eventually(async () => expect((await admin.subscription(`${topic}-sub`).exists())[0]).toBe(true), 10_000);
      bus.publish(usageEventFixture({ event_id: 'first' }));
      await eventually(() => expect(seen).toEqual(['first']), 10_000);
      await bus.close();
      await ensureTopic(admin, topic); // idempotent
    });

    it('does not close a client it was given', async () => {
      const topic = `shared-${++n}`;
      const bus = createPubSubBus({ projectId, topic, pubsub: admin, log });
      await bus.close();
      await expect(ensureTopic(admin, topic)).resolves.toBeDefined();
    });
  });
});
