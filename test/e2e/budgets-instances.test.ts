import Anthropic from '@anthropic-ai/sdk';
import { Budget } from '../../services/shared/src/budget/entity';
import { createFirestoreStore } from '../../services/shared/src/store/firestore';
import { FAKE_METADATA_TOKEN, type FakeMetadata } from '../fakes/fake-metadata';
import { startFakeVertex } from '../fakes/fake-vertex';
import { SONNET_COST_MICROS, type Fake } from '../fakes/script';
import { describeIf, firestoreAvailable, uniqueProjectId } from '../helpers/emulators';
import { DEV_KEY, devSeed, startGateway, type TestGateway } from '../helpers/gateway';
import { closeAll } from '../helpers/listen';
import { startWorkloadIdentity } from '../helpers/workload-identity';

/**
 * Three gateway instances, each with its own worker pipeline and Firestore client, sharing one
 * database (the emulator): a budget exhausted through one instance is enforced by the other two
 * within 5 s, and a raised limit re-admits on all of them within 5 s.
 */
describeIf(firestoreAvailable())('a budget shared by three gateway instances', () => {
  const projectId = uniqueProjectId('budget-instances');
  let metadata: FakeMetadata;
  let vertex: Fake;
  const gws: TestGateway[] = [];
  let clients: Anthropic[];

  beforeAll(async () => {
    metadata = await startWorkloadIdentity();
    vertex = await startFakeVertex({ token: FAKE_METADATA_TOKEN });
    for (let i = 0; i < 3; i++) {
      gws.push(await startGateway({ seed: devSeed({ vertex: vertex.url }), store: createFirestoreStore({ projectId, prefix: 'shared_' }) }));
    }
    clients = gws.map((gw) => new Anthropic({ baseURL: gw.url, apiKey: DEV_KEY, maxRetries: 0, logLevel: 'error' }));
  }, 60_000);
  afterAll(() => closeAll(...gws, vertex, metadata));

  /** 200, or the status of the refusal. */
  const ask = (i: number) =>
    clients[i].messages.create({ model: 'claude-sonnet-4-6', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] }).then(
      () => 200,
      (e: InstanceType<typeof Anthropic.APIError>) => e.status ?? 0,
    );

  /** Asks instance i until it refuses; how long that took. */
  async function untilRefused(i: number, withinMs: number): Promise<number> {
    const start = Date.now();
    while (Date.now() - start < withinMs) {
      if ((await ask(i)) === 402) return Date.now() - start;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`instance ${i} still admits ${withinMs} ms later`);
  }

  it('refuses on every instance within 5 s of exhaustion through one, and re-admits within 5 s of a raise', async () => {
    const budget = Budget.parse({
      id: 'dev-team',
      name: 'Dev team',
      scope: { type: 'metadata', key: 'team', value: 'dev' },
      metric: 'cost',
      limit: SONNET_COST_MICROS * 3,
      period: { kind: 'month' },
      period_since: new Date(Date.now() - 1000).toISOString(),
    });
    await gws[0].store.budgets.put(budget.id, budget);
    await untilRefused(0, 10_000); // instance 0 spends the budget on its own
    const admitted = vertex.calls.length;
    const waits = await Promise.all([untilRefused(1, 5_000), untilRefused(2, 5_000)]);
    expect(Math.max(...waits)).toBeLessThan(5_000);
    // Bounded overshoot: each of the other instances admitted at most a few requests before it saw the status.
    expect(vertex.calls.length - admitted).toBeLessThanOrEqual(2 * 10);

    await gws[1].store.budgets.put(budget.id, { ...budget, version: 2, limit: budget.limit * 1000 });
    const start = Date.now();
    for (const i of [0, 1, 2]) {
      while ((await ask(i)) !== 200) {
        expect(Date.now() - start).toBeLessThan(5_000);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }, 40_000);
});
