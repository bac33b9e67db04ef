import { AbortEmitter } from '../../services/gateway/src/proxy/abort';

test('abort sets aborted and emits once, however often it is called', () => {
  const signal = new AbortEmitter();
  let heard = 0;
  signal.on('abort', () => heard++);
  expect(signal.aborted).toBe(false);
  signal.abort();
  signal.abort();
  expect(signal.aborted).toBe(true);
  expect(heard).toBe(1);
});

test('wait resolves after its time when nothing aborts, and leaves no listener behind', async () => {
  const signal = new AbortEmitter();
  const t0 = performance.now();
  await signal.wait(30);
  expect(performance.now() - t0).toBeGreaterThanOrEqual(25);
  expect(signal.listenerCount('abort')).toBe(0);
});

test('wait resolves as soon as the signal is aborted, or at once when it already was', async () => {
  const signal = new AbortEmitter();
  const t0 = performance.now();
  setTimeout(() => signal.abort(), 10);
  await signal.wait(60_000);
  expect(performance.now() - t0).toBeLessThan(30_000);
  expect(signal.listenerCount('abort')).toBe(0);
  await signal.wait(60_000); // already aborted: no wait (a hang here fails the test by its timeout)
});
