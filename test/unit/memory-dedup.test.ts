import { requestLogOf } from '../../services/shared/src/request-log';
import { createMemoryStore } from '../../services/shared/src/store/memory';
import { totalsDeltas } from '../../services/shared/src/store/counters';
import { usageEventFixture } from '../helpers/usage-event';

const counted = (id: string) => ({ event_id: id, deltas: totalsDeltas(usageEventFixture({ event_id: id })) });

describe("local mode's in-memory dedup", () => {
  it('remembers at most dedupMaxEntries event ids, forgetting the oldest first', async () => {
    const store = createMemoryStore({ dedupMaxEntries: 3 });
    expect([...(await store.applyCounted(['e1', 'e2', 'e3', 'e4'].map(counted)))]).toEqual(['e1', 'e2', 'e3', 'e4']);
    // e2–e4 are still remembered; e1, the oldest, was forgotten to stay within the bound.
    expect([...(await store.applyCounted(['e2', 'e3', 'e4'].map(counted)))]).toEqual([]);
    expect([...(await store.applyCounted([counted('e1')]))]).toEqual(['e1']);
  });

  it('forgets the oldest tenth at once when full, so it does not trim on every insert', async () => {
    const store = createMemoryStore({ dedupMaxEntries: 20 });
    const ids = Array.from({ length: 21 }, (_, i) => `e${i + 1}`);
    await store.applyCounted(ids.map(counted));
    // The 21st id made room by forgetting e1 and e2 (down to 18), so e3 is still remembered.
    expect([...(await store.applyCounted([counted('e3')]))]).toEqual([]);
    expect([...(await store.applyCounted(['e1', 'e2'].map(counted)))]).toEqual(['e1', 'e2']);
  });

  it('still forgets ids by age within the bound', async () => {
    let now = 0;
    const store = createMemoryStore({ dedupTtlMs: 1000, now: () => now });
    await store.applyCounted([counted('old')]);
    now = 1500;
    expect([...(await store.applyCounted([counted('old')]))]).toEqual(['old']);
  });
});

describe("local mode's in-memory request logs", () => {
  const logged = (id: string) => {
    const event = usageEventFixture({ event_id: id, request_id: `req_${id}`, timestamp: new Date().toISOString() });
    return { event_id: id, deltas: [], log: requestLogOf(event, 86_400_000) };
  };

  it('keeps at most logMaxEntries logs, dropping the oldest first', async () => {
    const store = createMemoryStore({ logMaxEntries: 3 });
    await store.applyCounted(['l1', 'l2', 'l3', 'l4', 'l5'].map(logged));
    const kept = await Promise.all(['l1', 'l2', 'l3', 'l4', 'l5'].map((id) => store.requestLogs.get(`req_${id}`)));
    expect(kept.map((l) => l?.id)).toEqual([undefined, undefined, 'req_l3', 'req_l4', 'req_l5']);
  });
});
