import { PubSub } from '@google-cloud/pubsub';
import { createPubSubBus, ensureTopic } from '../../services/shared/src/bus/pubsub';
import { createMemoryStore } from '../../services/shared/src/store/memory';
import { type UsageEvent, ZERO_USAGE } from '../../services/shared/src/usage-event';
import { usageEventFixture } from '../helpers/usage-event';
import { createWorkerApp } from '../../services/worker/src/http/app';
import { describeIf, eventually, pubsubAvailable, uniqueProjectId } from '../helpers/emulators';
import { silentLogger } from '../helpers/log';
import { closeAll, type LoopbackServer, listenOnLoopback } from '../helpers/listen';
import { startTestPipeline } from '../helpers/worker';
import type { UsagePipeline } from '../../services/worker/src/pipeline';

/** The path production takes: gateway bus → Pub/Sub (emulator) → push subscription → worker → totals. */
describeIf(pubsubAvailable())('usage events pushed by Pub/Sub to the worker', () => {
  const project = uniqueProjectId('push');
  const store = createMemoryStore();
  const deadLetters: string[] = [];
  /** Pushes the worker has answered, whatever their outcome. */
  let answered = 0;
  let worker: LoopbackServer;
  let pubsub: PubSub;
  let pipeline: UsagePipeline;

  beforeAll(async () => {
    pipeline = await startTestPipeline(store);
    const app = createWorkerApp({ aggregator: pipeline.aggregator, log: silentLogger('worker'), deadLetter: async (data) => void deadLetters.push(data) });
    worker = await listenOnLoopback((req, res) => {
      res.once('finish', () => answered++);
      app(req, res);
    });
    pubsub = new PubSub({ projectId: project });
    const topic = await ensureTopic(pubsub, 'usage');
    await topic.createSubscription('usage-push', {
      pushConfig: { pushEndpoint: `${worker.url}/pubsub/usage` },
    });
  });

  afterAll(() => closeAll(worker, pubsub, pipeline));

  const event = (): UsageEvent =>
    usageEventFixture({
      timestamp: '2026-11-27T10:00:00.000Z',
      workspace_id: 'push-ws',
      key_id: 'key_push',
      usage: { ...ZERO_USAGE, input: 10, output: 4 },
      cost_micros: 90,
    });

  it('applies every published event exactly once, and dead-letters what it cannot read', async () => {
    const bus = createPubSubBus({ projectId: project, topic: 'usage', pubsub });
    const events = Array.from({ length: 20 }, event);
    try {
      for (const e of events) bus.publish(e);
      bus.publish(events[0]); // a redelivery of the same event id
    } finally {
      await bus.close(); // sends what is batched
    }
    await pubsub.topic('usage').publishMessage({ data: Buffer.from('not an event') });
    // Every push answered (20 events, the redelivery, the malformed one) before the totals are read:
    // a redelivery applied twice would show, whatever order the pushes came in.
    await eventually(() => expect(answered).toBeGreaterThanOrEqual(22), 15_000, 100);
    await eventually(async () => expect((await store.usageTotals('workspace', 'push-ws', '2026-11'))?.requests).toBe(20), 15_000, 100);
    await eventually(() => expect(deadLetters).toHaveLength(1), 15_000, 100);
    expect(await store.usageTotals('key', 'key_push', '2026-11')).toMatchObject({ requests: 20, cost_micros: 1800, input: 200, output: 80 });
    expect(Buffer.from(deadLetters[0], 'base64').toString()).toBe('not an event');
  }, 40_000);
});
