import { createFirestoreStore } from '../../services/shared/src/store/firestore';
import { createMemoryStore } from '../../services/shared/src/store/memory';
import { describeIf, firestoreAvailable, uniqueProjectId } from '../helpers/emulators';
import { observabilityContract } from './observability.contract';

// The seeded traffic is from November 2026: the memory store's clock sits just after it, so its logs are live.
observabilityContract('memory', async () => createMemoryStore({ now: () => Date.parse('2026-11-05T00:00:00.000Z') }));

describeIf(firestoreAvailable())('Firestore emulator', () => {
  observabilityContract('firestore', async () => createFirestoreStore({ projectId: uniqueProjectId('observability') }));
});
