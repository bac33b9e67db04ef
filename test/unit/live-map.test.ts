import type { Collection } from '../../services/shared/src/store/port';
import { LiveMap } from '../../services/gateway/src/mirrors/live-map';
import { silentLogger } from '../helpers/log';

type Doc = { id: string; v: number };
const log = silentLogger();

/** A collection whose listeners the test drives by hand. */
function scripted() {
  const listeners: { onChange: (d: Doc[]) => void; onError?: (e: Error) => void; stopped: boolean }[] = [];
  const collection = {
    watch(onChange: (d: Doc[]) => void, onError?: (e: Error) => void) {
      const l = { onChange, onError, stopped: false };
      listeners.push(l);
      return () => void (l.stopped = true);
    },
  } as unknown as Collection<Doc>;
  return { collection, listeners };
}

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

it('listens again, with backoff, after its listener fails, serving the last snapshot meanwhile', async () => {
  const { collection, listeners } = scripted();
  const map = new LiveMap(
    collection,
    (d) => d.id,
    (d) => d.v,
    log,
    'doc',
  );
  const started = map.start();
  listeners[0].onChange([{ id: 'a', v: 1 }]);
  await started;
  listeners[0].onError!(new Error('stream closed'));
  expect(listeners[0].stopped).toBe(true);
  expect(map.get('a')).toBe(1);
  jest.advanceTimersByTime(999);
  expect(listeners).toHaveLength(1);
  jest.advanceTimersByTime(1);
  expect(listeners).toHaveLength(2);
  listeners[1].onChange([{ id: 'a', v: 2 }]);
  expect(map.get('a')).toBe(2);
  listeners[1].onError!(new Error('again'));
  jest.advanceTimersByTime(1000);
  expect(listeners).toHaveLength(3); // a snapshot in between reset the backoff to 1 s
});

it('reports itself connected from its first snapshot until its listener fails, and again once a new one delivers', async () => {
  const { collection, listeners } = scripted();
  const map = new LiveMap(
    collection,
    (d) => d.id,
    (d) => d.v,
    log,
    'doc',
  );
  const started = map.start();
  expect(map.state()).toEqual({ connected: false, last_snapshot_age_s: null });
  listeners[0].onChange([{ id: 'a', v: 1 }]);
  await started;
  expect(map.state(Date.now() + 2500)).toEqual({ connected: true, last_snapshot_age_s: 2.5 });
  listeners[0].onError!(new Error('stream closed'));
  expect(map.state().connected).toBe(false);
  jest.advanceTimersByTime(1000);
  listeners[1].onChange([{ id: 'a', v: 2 }]);
  expect(map.state()).toEqual({ connected: true, last_snapshot_age_s: 0 });
});

it('fails start when the listener fails before the first snapshot', async () => {
  const { collection, listeners } = scripted();
  const started = new LiveMap(
    collection,
    (d) => d.id,
    (d) => d.v,
    log,
    'doc',
  ).start();
  listeners[0].onError!(new Error('permission denied'));
  await expect(started).rejects.toThrow('doc listener failed before its first snapshot: permission denied');
});

it('keeps serving the other documents when one cannot be derived', async () => {
  const { collection, listeners } = scripted();
  const map = new LiveMap(
    collection,
    (d) => d.id,
    (d) => {
      if (d.v < 0) throw new Error('bad');
      return d.v;
    },
    log,
    'doc',
  );
  const started = map.start();
  listeners[0].onChange([
    { id: 'a', v: 1 },
    { id: 'b', v: -1 },
  ]);
  await started;
  expect([map.get('a'), map.get('b')]).toEqual([1, undefined]);
});
