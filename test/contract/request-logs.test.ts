import { Firestore, Timestamp } from '@google-cloud/firestore';
import { createFirestoreStore, logWriter } from '../../services/shared/src/store/firestore';
import { TTL_POLICIES } from '../../services/shared/src/store/indexes';
import { createMemoryStore } from '../../services/shared/src/store/memory';
import { describeIf, firestoreAvailable, uniqueProjectId } from '../helpers/emulators';
import { logAt, requestLogsContract } from './request-logs.contract';

const NOW = Date.parse('2026-11-08T00:00:00.000Z');

requestLogsContract('memory', async () => createMemoryStore({ now: () => NOW }));

describeIf(firestoreAvailable())('Firestore emulator', () => {
  const projectId = uniqueProjectId('request-logs');
  let n = 0;
  requestLogsContract('firestore', async () => createFirestoreStore({ projectId, prefix: `t${++n}_` }));

  it('gives every document a log writes a TTL field its collection has a policy for, outliving the log', async () => {
    const db = new Firestore({ projectId });
    const store = createFirestoreStore({ projectId, firestore: db, prefix: 'ttl_' });
    try {
      const log = logAt('2026-11-04T23:59:00.000Z', 'req-ttl', { session_id: 'session-ttl' });
      await store.applyCounted([{ event_id: 'e-ttl', deltas: [], log }]);
      const { writes } = logWriter('ttl_')([log]);
      // The log, its partition's entry, and its request, trace and session links.
      expect(writes).toHaveLength(5);
      const policies = new Map(Object.values(TTL_POLICIES).map((p) => [`ttl_${p.collection}`, p.field]));
      for (const w of writes) {
        const ref = db.doc(w.path);
        const field = policies.get(ref.parent.id);
        expect([ref.path, field]).toEqual([ref.path, expect.any(String)]);
        const expires = (await ref.get()).get(field!);
        expect(expires).toBeInstanceOf(Timestamp);
        expect((expires as Timestamp).toMillis()).toBeGreaterThanOrEqual(Date.parse(log.expires_at));
      }
    } finally {
      await store.close();
      await db.terminate();
    }
  });
});
