import { Writable } from 'node:stream';
import type { EventBus } from '../../services/shared/src/bus/port';
import { createLogger } from '../../services/shared/src/log';
import type { UsageEvent } from '../../services/shared/src/usage-event';
import { createUsageOutbox } from '../../services/gateway/src/usage/emit';
import { usageEventFixture } from '../helpers/usage-event';

/** A bus that records what is published, in order. */
function recordingBus(): EventBus & { published: UsageEvent[] } {
  const published: UsageEvent[] = [];
  return {
    published,
    publish: (e) => void published.push(e),
    flush: async () => undefined,
    subscribe: () => () => undefined,
    close: async () => undefined,
  };
}

/** The real logger, keeping each line it writes. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const transport = new Writable({
    decodeStrings: false,
    write(chunk: string, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, log: createLogger({ service: 'gateway', transport }).child({ requestId: 'req_1' }) };
}

const afterTimer = () => new Promise((r) => setTimeout(r, 20));

test('events leave together on a timer, in order, each with its log line', async () => {
  const bus = recordingBus();
  const { lines, log } = capturingLogger();
  const outbox = createUsageOutbox(bus);
  const a = usageEventFixture({ request_id: 'req_a' });
  const b = usageEventFixture({ request_id: 'req_b' });
  outbox.add(a, log, { httpRequest: { requestMethod: 'POST', status: 200 } });
  outbox.add(b, log, { httpRequest: { requestMethod: 'POST', status: 429 } });
  expect(bus.published).toHaveLength(0);
  await afterTimer();
  expect(bus.published.map((e) => e.request_id)).toEqual(['req_a', 'req_b']);
  const done = lines.filter((l) => l.message === 'request done');
  expect(done.map((l) => (l.usage_event as UsageEvent).request_id)).toEqual(['req_a', 'req_b']);
  expect(done[1]).toMatchObject({ requestId: 'req_1', httpRequest: { requestMethod: 'POST', status: 429 }, severity: 'INFO' });
  expect(done[0].usage_event).toEqual(JSON.parse(JSON.stringify(a)));
});

test('flush sends what is pending at once, and the timer then sends nothing twice', async () => {
  const bus = recordingBus();
  const outbox = createUsageOutbox(bus);
  const { log } = capturingLogger();
  outbox.add(usageEventFixture({ request_id: 'req_a' }), log, {});
  outbox.flush();
  expect(bus.published.map((e) => e.request_id)).toEqual(['req_a']);
  await afterTimer();
  expect(bus.published).toHaveLength(1);
  // A later event starts a new timer.
  outbox.add(usageEventFixture({ request_id: 'req_b' }), log, {});
  await afterTimer();
  expect(bus.published.map((e) => e.request_id)).toEqual(['req_a', 'req_b']);
});
