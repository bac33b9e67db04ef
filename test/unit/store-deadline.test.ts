import { GatewayError } from '../../services/shared/src/errors';
import { StoreOutage, withDeadline } from '../../services/shared/src/store/deadline';
import { createMemoryStore } from '../../services/shared/src/store/memory';
import type { Store } from '../../services/shared/src/store/port';
import { capturingLogger } from '../helpers/log';

const DEADLINE_MS = 50;
const never = () => new Promise<never>(() => undefined);

function setup() {
  const { log, lines } = capturingLogger({ service: 'gateway' });
  const raw = createMemoryStore();
  const outage = new StoreOutage(log);
  return { raw, outage, lines, store: withDeadline(raw, DEADLINE_MS, outage) };
}

async function rejection(p: Promise<unknown>): Promise<GatewayError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GatewayError);
  return err as GatewayError;
}

it('a call with no answer within the deadline rejects with a 503 api_error that asks the client to retry', async () => {
  const { raw, store } = setup();
  raw.apiKeys.get = never;
  const started = Date.now();
  const err = await rejection(store.apiKeys.get('h'));
  expect(Date.now() - started).toBeGreaterThanOrEqual(DEADLINE_MS - 5);
  expect(err).toMatchObject({ type: 'api_error', status: 503 });
  expect(err.message).toMatch(/cannot reach its store .*within 50 ms.*retry/);
});

it('covers methods it was not written for: new collections and new store methods get the deadline too', async () => {
  const { raw, store } = setup();
  const extended = raw as Store & { widgets: { read(id: string): Promise<number> }; rateLimit(id: string): Promise<number> };
  extended.widgets = { read: never };
  extended.rateLimit = never;
  const wrapped = withDeadline(extended, DEADLINE_MS, new StoreOutage(capturingLogger().log)) as typeof extended;
  expect((await rejection(wrapped.widgets.read('b'))).status).toBe(503);
  expect((await rejection(wrapped.rateLimit('k'))).status).toBe(503);
  expect((await rejection((store as typeof extended).widgets.read('b'))).status).toBe(503);
});

it('logs an outage once however many calls fail, and its end once', async () => {
  const { raw, store, lines, outage } = setup();
  const get = raw.workspaces.get;
  raw.workspaces.get = never;
  await Promise.all([1, 2, 3].map(() => rejection(store.workspaces.get('w'))));
  await rejection(store.workspaces.get('w'));
  expect(outage).toMatchObject({ since: expect.any(Number), failures: 4 });
  raw.workspaces.get = get;
  await store.workspaces.get('w');
  await store.workspaces.get('w');
  expect(lines.map((l) => [l.severity, l.message])).toEqual([
    ['ERROR', 'store unavailable: calls made while a client waits fail with 503 until it answers again'],
    ['WARNING', 'store available again'],
  ]);
  expect(lines[1]).toMatchObject({ failedCalls: 4 });
  expect(outage).toMatchObject({ since: undefined, failures: 0 });
});

it('treats the adapter reporting the store unreachable (gRPC UNAVAILABLE) as an outage, and other errors as answers', async () => {
  const { raw, store, outage } = setup();
  raw.configs.get = () => Promise.reject(Object.assign(new Error('14 UNAVAILABLE: connect ECONNREFUSED'), { code: 14 }));
  expect((await rejection(store.configs.get('c'))).status).toBe(503);
  expect(outage.failures).toBe(1);
  await store.configs.create('c', { id: 'c', config: {}, version: 1 } as never);
  const conflict = await rejection(store.configs.create('c', { id: 'c', config: {}, version: 1 } as never));
  expect(conflict.type).toBe('conflict_error');
  expect(outage.since).toBeUndefined();
});

it('leaves listeners and close alone', async () => {
  const { raw, store } = setup();
  await raw.apiKeys.put('k', { id: 'k' } as never);
  const docs = await new Promise((resolve) => {
    const stop = store.apiKeys.watch((d) => {
      stop();
      resolve(d);
    });
  });
  expect(docs).toEqual([{ id: 'k' }]);
  await expect(store.close()).resolves.toBeUndefined();
});
