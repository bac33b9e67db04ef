import { startWorkloadIdentity } from '../helpers/workload-identity';
import { createFirestoreStore } from '../../services/shared/src/store/firestore';
import type { Store } from '../../services/shared/src/store/port';
import { startFakeAnthropic } from '../fakes/fake-anthropic';
import type { FakeMetadata } from '../fakes/fake-metadata';
import { startFakeVertex } from '../fakes/fake-vertex';
import type { Fake } from '../fakes/script';
import { describeIf, firestoreAvailable, uniqueProjectId } from '../helpers/emulators';
import { DEV_KEY, devSeed, startGateway, type TestGateway } from '../helpers/gateway';
import { closeAll } from '../helpers/listen';

/**
 * Stored configs change without a restart (docs/design.md §6.1): two gateway instances, each with
 * its own Firestore client on one emulator project (two Cloud Run instances), see a config change
 * within 5 s through their snapshot listeners.
 */
const ADMIN_KEY = 'gth_admin_0123456789abcdef0123456789abcdef';
const RELOAD_DEADLINE_MS = 5000;

if (!firestoreAvailable()) {
  // globalSetup already explained why; repeat it where the skipped suite is reported.
  console.warn('hot-reload.test.ts SKIPPED: the Firestore emulator is not running (FIRESTORE_EMULATOR_HOST unset).');
}

describeIf(firestoreAvailable())('hot reload of stored configs across instances (Firestore emulator)', () => {
  let metadata: FakeMetadata;
  let vertex: Fake;
  let anthropic: Fake;
  let stores: Store[];
  let gateways: TestGateway[];

  beforeAll(async () => {
    metadata = await startWorkloadIdentity();
    vertex = await startFakeVertex();
    anthropic = await startFakeAnthropic({ apiKey: 'sk-ant-test-upstream' });
    const projectId = uniqueProjectId('hot-reload');
    stores = [createFirestoreStore({ projectId }), createFirestoreStore({ projectId })];
    const seed = devSeed(
      { vertex: vertex.url, anthropic: anthropic.url },
      {
        configs: [{ id: 'live', config: { provider: '@vertex-prod' } }],
        api_keys: [
          {
            key: ADMIN_KEY,
            name: 'platform',
            type: 'organisation',
            kind: 'service',
            scopes: ['configs.read', 'configs.write'],
            status: 'active',
            defaults: {},
          },
        ],
      },
    );
    gateways = [];
    for (const store of stores) {
      gateways.push(await startGateway({ seed, store, processEnv: { ANTHROPIC_API_KEY: 'sk-ant-test-upstream' } }));
    }
  }, 30_000);

  afterAll(() => closeAll(...(gateways ?? []), vertex, anthropic, metadata));

  /** The provider that answers a request routed by `config` (an id) on one instance. */
  async function providerOf(gw: TestGateway, config?: string): Promise<string | null> {
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': DEV_KEY, ...(config ? { 'x-gatehouse-config': config } : {}) },
      body: JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }),
    });
    await res.text();
    return res.status === 200 ? res.headers.get('x-gatehouse-provider') : `HTTP ${res.status}`;
  }

  /** Polls every instance until each routes to `want`; returns how long that took after the write. */
  async function untilAllRouteTo(want: string, config?: string): Promise<number> {
    const started = Date.now();
    for (;;) {
      const seen = await Promise.all(gateways.map((g) => providerOf(g, config)));
      if (seen.every((p) => p === want)) return Date.now() - started;
      if (Date.now() - started > RELOAD_DEADLINE_MS) throw new Error(`after ${RELOAD_DEADLINE_MS} ms the instances route to ${seen.join(', ')}, not ${want}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('a config updated through the admin API of one instance reroutes both within 5 s', async () => {
    expect(await Promise.all(gateways.map((g) => providerOf(g, 'live')))).toEqual(['@vertex-prod', '@vertex-prod']);
    const res = await fetch(`${gateways[0].url}/admin/v1/configs/live`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
      body: JSON.stringify({ config: { strategy: { mode: 'fallback' }, targets: [{ provider: '@anthropic-prod' }, { provider: '@vertex-prod' }] } }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: 'live', version: 2 });
    expect(await untilAllRouteTo('@anthropic-prod', 'live')).toBeLessThan(RELOAD_DEADLINE_MS);
  });

  it("a key's default config written straight to the store reroutes both instances within 5 s", async () => {
    expect(await Promise.all(gateways.map((g) => providerOf(g)))).toEqual(['@vertex-prod', '@vertex-prod']);
    const before = await stores[1].configs.get('default');
    await stores[1].configs.put('default', {
      ...before!,
      version: before!.version + 1,
      config: { provider: '@anthropic-prod' },
      updated_at: new Date().toISOString(),
    });
    expect(await untilAllRouteTo('@anthropic-prod')).toBeLessThan(RELOAD_DEADLINE_MS);
  });

  it('a deleted config stops routing on both instances within 5 s', async () => {
    await stores[0].configs.put('doomed', { id: 'doomed', version: 1, config: { provider: '@vertex-prod' } });
    await untilAllRouteTo('@vertex-prod', 'doomed');
    await stores[0].configs.delete('doomed');
    expect(await untilAllRouteTo('HTTP 404', 'doomed')).toBeLessThan(RELOAD_DEADLINE_MS);
  });
});
