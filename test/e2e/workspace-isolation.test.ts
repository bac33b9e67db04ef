import { inferenceKey } from '../helpers/gateway';
import { message, type RoutingRig, startRoutingRig } from './routing-harness';

/**
 * One workspace can neither use another's stored configs or providers, nor steer its
 * traffic through the shared per-provider circuit breaker. Workspace "alpha" may route through
 * @vertex-prod and @anthropic-prod only; "beta" owns a config with a private system prompt; "dev"
 * (the rig's) has no provider list, which keeps the default of every provider.
 */
const KEYS = { alpha: 'gth_test_alpha_isolation_0000000000000000', beta: 'gth_test_beta_isolation_00000000000000000' };
const FALLBACK = { strategy: { mode: 'fallback' }, targets: [{ provider: '@vertex-prod' }, { provider: '@anthropic-prod' }] };
let rig: RoutingRig;

beforeAll(async () => {
  rig = await startRoutingRig({
    seed: {
      workspaces: [
        { id: 'alpha', name: 'Alpha', status: 'active', defaults: { allowed_providers: ['@vertex-prod', 'anthropic-prod'] } },
        { id: 'beta', name: 'Beta', status: 'active', defaults: {} },
      ],
      configs: [
        { id: 'beta-private', workspace_id: 'beta', config: { provider: '@vertex-prod', override_params: { system: 'Beta secret prompt' } } },
        { id: 'alpha-own', workspace_id: 'alpha', config: { provider: '@vertex-prod' } },
        { id: 'shared-fallback', config: FALLBACK },
        { id: 'shared-bedrock', config: { provider: '@bedrock-prod' } },
      ],
      api_keys: [
        inferenceKey(KEYS.alpha, 'alpha-dev', 'alpha', { defaults: { config_id: 'alpha-own' } }),
        inferenceKey(KEYS.beta, 'beta-dev', 'beta', { defaults: { config_id: 'shared-fallback' } }),
      ],
    },
  });
});
afterAll(() => rig.close());
beforeEach(() => rig.reset());

const as = (k: string, headers: Record<string, string> = {}) => ({ headers: { 'x-api-key': k, ...headers } });
const upstreamCalls = () => rig.vertex.calls.length + rig.anthropic.calls.length + rig.bedrock.calls.length;

describe('workspaces are isolated', () => {
  it("refuses another workspace's stored config by header with a 403 naming the rule, before any upstream call", async () => {
    const res = await rig.send(message(), { ...as(KEYS.alpha), config: 'beta-private' });
    expect(res.status).toBe(403);
    expect(res.json().error).toEqual({
      type: 'permission_error',
      message:
        'Config "beta-private" (from x-gatehouse-config header) belongs to workspace "beta": key "alpha-dev" of workspace "alpha" may use only its workspace\'s configs and organisation-shared ones.',
    });
    expect(upstreamCalls()).toBe(0);
  });

  it("refuses another workspace's config as a key default written straight to the store", async () => {
    const doc = (await rig.gw.store.apiKeys.list()).find((k) => k.name === 'alpha-dev')!;
    await rig.gw.store.apiKeys.put(doc.id, { ...doc, defaults: { config_id: 'beta-private' } });
    try {
      await new Promise((r) => setTimeout(r, 50));
      const res = await rig.send(message(), as(KEYS.alpha));
      expect(res.status).toBe(403);
      expect(res.json().error.message).toMatch(/^Config "beta-private" \(from key "alpha-dev" default\) belongs to workspace "beta"/);
      expect(upstreamCalls()).toBe(0);
    } finally {
      await rig.gw.store.apiKeys.put(doc.id, doc);
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  it('lets a workspace use its own configs and the shared ones', async () => {
    expect((await rig.send(message(), as(KEYS.alpha))).status).toBe(200);
    expect((await rig.send(message(), { ...as(KEYS.alpha), config: 'shared-fallback' })).status).toBe(200);
    expect((await rig.send(message(), { ...as(KEYS.beta), config: 'beta-private' })).status).toBe(200);
    expect(rig.vertex.calls.at(-1)?.body.system).toBe('Beta secret prompt');
  });

  it.each([
    ['the provider header', { headers: { 'x-gatehouse-provider': '@bedrock-prod' } }],
    ['a shared config that routes there', { config: 'shared-bedrock' }],
    ['an inline config', { config: { provider: '@vertex-us-east' } }],
    ['an override_params.model "@slug/model"', { config: { override_params: { model: '@bedrock-prod/claude-sonnet-4-5' } } }],
  ])('refuses a provider outside the workspace allow-list named by %s', async (_name, route) => {
    const res = await rig.send(message(), { ...route, headers: { 'x-api-key': KEYS.alpha, ...('headers' in route ? route.headers : {}) } });
    expect(res.status).toBe(403);
    expect(res.json().error.message).toMatch(
      /^Provider "@(bedrock-prod|vertex-us-east)" is not allowed for workspace "alpha": its allowed_providers are "@vertex-prod", "@anthropic-prod"\.$/,
    );
    expect(upstreamCalls()).toBe(0);
  });

  it('keeps every provider open to a workspace without a list (the default for existing workspaces)', async () => {
    const res = await rig.send(message(), { headers: { 'x-gatehouse-provider': '@bedrock-prod' } });
    expect(res.status).toBe(200);
    expect(rig.bedrock.calls).toHaveLength(1);
  });
});

describe("one tenant cannot steer another tenant's traffic", () => {
  /** Beta's ordinary request through the shared fallback config: which provider answered it. */
  const betaServedBy = async () => (await rig.send(message(), as(KEYS.beta))).headers.get('x-gatehouse-provider');

  it("alpha's own tight request_timeout does not open the shared breaker for beta", async () => {
    const impatient = { strategy: { mode: 'fallback' }, targets: [{ provider: '@vertex-prod', request_timeout: 1000 }, { provider: '@anthropic-prod' }] };
    const answers = await Promise.all(Array.from({ length: 5 }, () => rig.send(message('slow-1500'), { ...as(KEYS.alpha), config: impatient })));
    expect(answers.map((a) => a.headers.get('x-gatehouse-provider'))).toEqual(Array(5).fill('@anthropic-prod'));
    expect(await betaServedBy()).toBe('@vertex-prod');
  });

  it("alpha's retries count once: one request retrying a failing upstream five times does not open it", async () => {
    rig.random = () => 0; // no backoff waits
    for (let i = 0; i < 5; i++) rig.vertex.enqueue('error-500');
    const persistent = {
      strategy: { mode: 'fallback' },
      targets: [{ provider: '@vertex-prod', retry: { attempts: 4, on_status_codes: [500] } }, { provider: '@anthropic-prod' }],
    };
    const res = await rig.send(message(), { ...as(KEYS.alpha), config: persistent });
    expect(res.headers.get('x-gatehouse-provider')).toBe('@anthropic-prod');
    expect(rig.vertex.calls).toHaveLength(5);
    expect(await betaServedBy()).toBe('@vertex-prod');
  });

  it('upstream failures still open it: five 500s send the next request to the fallback', async () => {
    for (let i = 0; i < 5; i++) {
      rig.vertex.enqueue('error-500');
      expect((await rig.send(message(), { ...as(KEYS.alpha), config: 'shared-fallback' })).headers.get('x-gatehouse-provider')).toBe('@anthropic-prod');
    }
    expect(await betaServedBy()).toBe('@anthropic-prod');
  });

  it('refuses a request_timeout under the 1 s minimum with a 400 naming it', async () => {
    const res = await rig.send(message(), { ...as(KEYS.alpha), config: { provider: '@vertex-prod', request_timeout: 1 } });
    expect(res.status).toBe(400);
    expect(res.json().error.message).toMatch(/request_timeout: must be at least 1000 ms/);
  });
});
