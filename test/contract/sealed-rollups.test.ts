import { FieldValue, Firestore } from '@google-cloud/firestore';
import type { CounterDelta } from '../../services/shared/src/store/counters';
import { counterShardId, createFirestoreStore } from '../../services/shared/src/store/firestore';
import { rollupId } from '../../services/shared/src/store/rollups';
import { describeIf, eventually, firestoreAvailable, uniqueProjectId } from '../helpers/emulators';

const DAY = '2025-06-01';
const rollup = (value: string, requests: number): CounterDelta => ({
  collection: 'usage_rollups',
  id: rollupId('key', value, DAY),
  fields: { dimension: 'key', value, day: DAY },
  inc: { requests, cost_micros: 10 * requests },
});

describeIf(firestoreAvailable())('rollups of past days on the Firestore emulator', () => {
  const projectId = uniqueProjectId('sealed-rollups');
  const db = new Firestore({ projectId });
  afterAll(() => db.terminate());

  it('folds a past day into one document, which later reads use, and still counts a late event', async () => {
    const store = createFirestoreStore({ projectId, firestore: db, prefix: 'seal_' });
    const id = rollupId('key', 'k1', DAY);
    // Eight commits: the day's counter is spread over its shards.
    for (let i = 0; i < 8; i++) await store.applyCounted([{ event_id: `e${i}`, deltas: [rollup('k1', 1), rollup('k2', 2)] }]);
    expect(await store.counter('usage_rollups', id)).toMatchObject({ requests: 8, cost_micros: 80, value: 'k1', day: DAY });

    // That read sealed the day (after answering): its one document now holds the sums.
    const sealed = db.collection('seal_usage_rollups').doc(counterShardId(id, 'sealed'));
    await eventually(async () => expect((await sealed.get()).get('sealed')).toBe(true));
    expect((await sealed.get()).data()).toMatchObject({ requests: 8, cost_micros: 80 });
    // Reads use it alone: a shard changed behind the adapter's back is not read any more.
    await db
      .collection('seal_usage_rollups')
      .doc(counterShardId(id, '0'))
      .set({ requests: FieldValue.increment(1000) }, { merge: true });
    expect(await store.counter('usage_rollups', id)).toMatchObject({ requests: 8, cost_micros: 80 });

    // An event of that day arriving now is added to the sealed document.
    await store.applyCounted([{ event_id: 'late', deltas: [rollup('k1', 1)] }]);
    expect(await store.counter('usage_rollups', id)).toMatchObject({ requests: 9, cost_micros: 90 });
    // A query over the day reads sealed and unsealed counters alike.
    const queried = await store.queryCounters('usage_rollups', { where: { dimension: 'key' }, range: { field: 'day', from: DAY, to: DAY } });
    expect(queried.map((d) => [d.value, d.requests])).toEqual([
      ['k1', 9],
      ['k2', 16],
    ]);
    await store.close();
  });
});
