import { startFakeAnthropic } from '../fakes/fake-anthropic';
import type { Fake } from '../fakes/script';
import { describeIf, firestoreAvailable, uniqueProjectId } from '../helpers/emulators';
import { type LocalGateway, startLocalGateway } from '../helpers/local-gateway';

/**
 * Three gateway processes (`services/gateway/src/local.ts`, each with its own Firestore client and
 * lease state) sharing one database, the emulator, behind a 60 requests/minute limit: between them
 * they admit at least 60 and at most 66 in one minute — the limit is shared, not multiplied by three.
 * Real time, real UTC minute windows: the burst is sent early in a minute (waiting for the next one
 * when the current is too far gone), so it all falls in one window.
 */
const KEY = 'gth_rl_instances_0123456789abcdef0123456789';
const MINUTE = 60_000;

describeIf(firestoreAvailable())('a rate limit shared by three gateway processes', () => {
  const project = uniqueProjectId('rl-instances');
  let upstream: Fake;
  const instances: LocalGateway[] = [];

  beforeAll(async () => {
    upstream = await startFakeAnthropic({ apiKey: 'sk-ant-rl' });
    const seed = {
      workspaces: [{ id: 'dev', name: 'Dev' }],
      providers: [
        { slug: 'anthropic-prod', kind: 'anthropic', credentials: { env: 'ANTHROPIC_API_KEY' }, base_url: upstream.url, allow_uncatalogued_models: true },
      ],
      configs: [{ id: 'default', config: { provider: '@anthropic-prod' } }],
      api_keys: [{ key: KEY, name: 'dev', type: 'workspace', workspace_id: 'dev', scopes: ['completions'], defaults: { config_id: 'default' } }],
      rate_limits: [{ id: 'dev-rpm', name: 'Dev 60 a minute', scope: { type: 'workspace', workspace_id: 'dev' }, unit: 'requests', per: 'minute', limit: 60 }],
    };
    const env = {
      GOOGLE_CLOUD_PROJECT: project,
      FIRESTORE_EMULATOR_HOST: process.env.FIRESTORE_EMULATOR_HOST,
      GATEHOUSE_BUS: 'memory',
      ANTHROPIC_API_KEY: 'sk-ant-rl',
      LOG_LEVEL: 'error',
    };
    instances.push(...(await Promise.all([0, 1, 2].map(() => startLocalGateway(seed, env)))));
  }, 90_000);

  afterAll(async () => {
    for (const i of instances) i.child.kill('SIGKILL');
    await upstream?.close();
  });

  const ask = async (url: string) => {
    const res = await fetch(`${url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
    });
    await res.arrayBuffer();
    return { status: res.status, retryAfter: Number(res.headers.get('retry-after')), at: Date.now() };
  };

  it('admits between 60 and 66 of 150 requests in one minute across the three, each instance some', async () => {
    // Early enough in a minute for the burst (a few seconds) to stay inside it.
    const into = Date.now() % MINUTE;
    if (into > 40_000) await new Promise((r) => setTimeout(r, MINUTE - into + 500));
    const minute = Math.floor(Date.now() / MINUTE);

    const results: Array<{ instance: number; status: number; retryAfter: number; at: number }> = [];
    // Six at a time, round robin over the instances.
    for (let i = 0; i < 150; i += 6) {
      const batch = Array.from({ length: 6 }, (_, j) => (i + j) % 3);
      results.push(...(await Promise.all(batch.map(async (instance) => ({ instance, ...(await ask(instances[instance].url)) })))));
    }
    expect(Math.floor(Date.now() / MINUTE)).toBe(minute); // the whole burst fell in one window

    const admitted = results.filter((r) => r.status === 200);
    const refused = results.filter((r) => r.status === 429);
    expect(admitted.length + refused.length).toBe(150);
    expect(admitted.length).toBeGreaterThanOrEqual(60);
    expect(admitted.length).toBeLessThanOrEqual(66);
    for (const i of [0, 1, 2]) expect(admitted.filter((r) => r.instance === i).length).toBeGreaterThan(0);
    // Every refusal says to come back when the window ends, and no sooner.
    for (const r of refused) {
      const toEnd = ((minute + 1) * MINUTE - r.at) / 1000;
      expect(r.retryAfter).toBeGreaterThanOrEqual(Math.floor(toEnd));
      expect(r.retryAfter).toBeLessThanOrEqual(Math.ceil(toEnd) + 1);
    }
  }, 90_000);
});
