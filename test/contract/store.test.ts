import { createFirestoreStore } from '../../services/shared/src/store/firestore';
import { createMemoryStore } from '../../services/shared/src/store/memory';
import { describeIf, firestoreAvailable, uniqueProjectId } from '../helpers/emulators';
import { countersContract } from './counters.contract';
import { leasesContract } from './leases.contract';
import { storeContract } from './store.contract';

storeContract('memory', async () => createMemoryStore());
countersContract('memory', async () => createMemoryStore());
leasesContract('memory', async () => createMemoryStore());

describeIf(firestoreAvailable())('Firestore emulator', () => {
  // One project for this file; each store gets its own collection prefix, so every test starts empty.
  const projectId = uniqueProjectId('store');
  let n = 0;
  storeContract('firestore', async () => createFirestoreStore({ projectId, prefix: `t${++n}_` }));
  countersContract('firestore', async () => createFirestoreStore({ projectId, prefix: `t${++n}_` }));
  leasesContract('firestore', async () => createFirestoreStore({ projectId, prefix: `t${++n}_` }));
});
