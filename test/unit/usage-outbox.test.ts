import type { EventBus } from '../../services/shared/src/bus/port';
import { createCatalog } from '../../services/shared/src/catalog';
import { type UsageEvent, ZERO_USAGE } from '../../services/shared/src/usage-event';
import { createUsageOutbox } from '../../services/gateway/src/usage/emit';
import { RequestRecord } from '../../services/gateway/src/usage/record';
import { capturingLogger } from '../helpers/log';

/**
 * A bus that records what is published, in order, as it is published (the memory bus delivers on a
 * later turn, so it could not show that `add` itself publishes nothing).
 */
function recordingBus(): EventBus & { published: UsageEvent[] } {
  const published: UsageEvent[] = [];
  return {
    published,
    warm: async () => undefined,
    publish: (e) => void published.push(e),
    flush: async () => undefined,
    pending: () => 0,
    subscribe: () => () => undefined,
    close: async () => undefined,
  };
}

function capturing() {
  const { log, lines } = capturingLogger({ service: 'gateway' });
  return { lines, log: log.child({ requestId: 'req_1' }) };
}

/** A request served at t=100 ms by Vertex, 1,000 tokens in and 500 out. */
function served(requestId: string, status = 200): RequestRecord {
  const r = new RequestRecord(requestId, 'trace1', undefined, 'messages', 100);
  r.modelRequested = 'claude-sonnet-4-5';
  r.modelUpstream = 'claude-sonnet-4-5@20250929';
  r.usage = { ...ZERO_USAGE, input: 1000, output: 500 };
  r.status = status;
  return r;
}

const catalog = createCatalog();
const afterTimer = () => new Promise((r) => setTimeout(r, 20));
const request = { method: 'POST', url: '/v1/messages?beta=true', userAgent: 'claude-cli/2.1.332' };

test('events leave together on a timer, in order, timed at the end of their response, each with its log line', async () => {
  const bus = recordingBus();
  const { lines, log } = capturing();
  const outbox = createUsageOutbox(bus, catalog);
  outbox.add({ record: served('req_a'), endedAt: 145, log, request });
  outbox.add({ record: served('req_b', 429), endedAt: 160, log, request });
  expect(bus.published).toHaveLength(0);
  await afterTimer();
  expect(bus.published.map((e) => [e.request_id, e.latency_ms, e.cost_micros])).toEqual([
    ['req_a', 45, 10_500],
    ['req_b', 60, 10_500],
  ]);
  const done = lines.filter((l) => l.message === 'request done');
  expect(done.map((l) => (l.usage_event as UsageEvent).request_id)).toEqual(['req_a', 'req_b']);
  expect(done[1]).toMatchObject({
    requestId: 'req_1',
    severity: 'INFO',
    httpRequest: { requestMethod: 'POST', requestUrl: '/v1/messages?beta=true', status: 429, latency: '0.060s', userAgent: 'claude-cli/2.1.332' },
  });
  expect(done[0].usage_event).toEqual(JSON.parse(JSON.stringify(bus.published[0])));
});

test('flush sends what is pending at once; nothing is sent twice, even for a record added twice', async () => {
  const bus = recordingBus();
  const outbox = createUsageOutbox(bus, catalog);
  const { log } = capturing();
  const a = served('req_a');
  outbox.add({ record: a, endedAt: 145, log, request });
  outbox.add({ record: a, endedAt: 150, log, request });
  outbox.flush();
  expect(bus.published.map((e) => [e.request_id, e.latency_ms])).toEqual([['req_a', 45]]);
  await afterTimer();
  expect(bus.published).toHaveLength(1);
  // A later request starts a new timer.
  outbox.add({ record: served('req_b'), endedAt: 145, log, request });
  await afterTimer();
  expect(bus.published.map((e) => e.request_id)).toEqual(['req_a', 'req_b']);
});

test('waits on a ~1 ms timer, not setImmediate or a microtask, so the client reads its answer first (README, Performance)', () => {
  const timers = jest.spyOn(global, 'setTimeout');
  const immediates = jest.spyOn(global, 'setImmediate');
  try {
    const outbox = createUsageOutbox(recordingBus(), catalog);
    const { log } = capturing();
    outbox.add({ record: served('req_a'), endedAt: 145, log, request });
    outbox.add({ record: served('req_b'), endedAt: 146, log, request });
    expect(timers.mock.calls.map(([, ms]) => ms)).toEqual([1]);
    expect(immediates).not.toHaveBeenCalled();
    outbox.flush();
  } finally {
    timers.mockRestore();
    immediates.mockRestore();
  }
});
