import { FAKE_TOKEN_USAGE, SONNET_COST_MICROS } from '../fakes/script';
import { attempts, message, SEED_CONFIGS, startRoutingRig, sweep40, type RoutingRig } from './routing-harness';

/**
 * The seven example configs of the README's "Routing configs", as written, each accepted and doing
 * what it says; and the config mistakes a client can make, each a 4xx that names the problem.
 */
let rig: RoutingRig;

beforeAll(async () => {
  rig = await startRoutingRig();
});
afterAll(() => rig.close());
beforeEach(() => rig.reset());

describe.each(Object.keys(SEED_CONFIGS))('seed config "%s"', (id) => {
  it.each([
    ['by id', id],
    ['inline (x-portkey-config)', JSON.stringify(SEED_CONFIGS[id])],
  ])('is accepted %s and answers', async (_how, value) => {
    const res = await rig.send(message(), { headers: { 'x-portkey-config': value } });
    expect(res.status).toBe(200);
    expect(res.json().type).toBe('message');
    expect(res.headers.get('x-gatehouse-cache-status')).toBe(/cache/.test(id) ? 'MISS' : 'DISABLED');
    expect((await rig.onlyEvent()).outcome).toBe('success');
  });
});

it('vertex-direct: goes to Vertex with anthropic-beta through the Vertex policy', async () => {
  const res = await rig.send(message(), { config: 'vertex-direct', headers: { 'anthropic-beta': 'context-1m-2025-08-07,files-api-2025-04-14' } });
  expect(res.headers.get('x-gatehouse-provider')).toBe('@vertex-prod');
  expect(rig.vertex.calls[0].headers['anthropic-beta']).toBe('context-1m-2025-08-07');
  expect(attempts(await rig.onlyEvent())).toEqual([['root', 'vertex-prod', 200]]);
});

it('fallback-3: Vertex, then Anthropic, then Bedrock, in declared order', async () => {
  rig.vertex.enqueue('error-500');
  rig.anthropic.enqueue('error-529');
  const res = await rig.send(message(), { config: 'fallback-3' });
  expect(res.status).toBe(200);
  expect(res.json().content[0].text).toBe('Hello from fake-bedrock');
  expect(res.headers.get('x-gatehouse-provider')).toBe('@bedrock-prod');
  expect(res.headers.get('x-gatehouse-retry-count')).toBe('2');
  const event = await rig.onlyEvent();
  expect(attempts(event)).toEqual([
    ['targets[0]', 'vertex-prod', 500, 'api_error'],
    ['targets[1]', 'anthropic-prod', 529, 'overloaded_error'],
    ['targets[2]', 'bedrock-prod', 200],
  ]);
  expect(event).toMatchObject({ provider: 'bedrock-prod', model_upstream: 'us.anthropic.claude-sonnet-4-6', usage: FAKE_TOKEN_USAGE });
});

it('lb-regions: 40 requests split evenly over the two Vertex regions, each billed with the regional premium', async () => {
  rig.random = sweep40();
  for (let i = 0; i < 40; i++) expect((await rig.send(message(), { config: 'lb-regions' })).status).toBe(200);
  const regions = rig.vertex.calls.map((c) => /\/locations\/([^/]+)\//.exec(c.path)![1]);
  expect(regions.filter((r) => r === 'us-central1')).toHaveLength(20);
  expect(regions.filter((r) => r === 'us-east5')).toHaveLength(20);
  const events = await rig.gw.waitForEvents(40);
  const byProvider = events.reduce<Record<string, number>>((acc, e) => ({ ...acc, [e.provider!]: (acc[e.provider!] ?? 0) + 1 }), {});
  expect(byProvider).toEqual({ 'vertex-us-central': 20, 'vertex-us-east': 20 });
  const premium = rig.gw.deps.catalog.costMicros('claude-sonnet-4-6', FAKE_TOKEN_USAGE, { regionalPremium: true });
  expect(premium).toBeGreaterThan(SONNET_COST_MICROS);
  expect(events.every((e) => e.cost_micros === premium && e.attempts.length === 1)).toBe(true);
});

it('cached: the second identical request is served from the cache', async () => {
  const first = await rig.send(message(), { config: 'cached' });
  const second = await rig.send(message(), { config: 'cached' });
  expect([first.headers.get('x-gatehouse-cache-status'), second.headers.get('x-gatehouse-cache-status')]).toEqual(['MISS', 'HIT']);
  expect(second.text).toBe(first.text);
  expect(rig.vertex.calls).toHaveLength(1);
  const [miss, hit] = await rig.gw.waitForEvents(2);
  expect(miss).toMatchObject({ cache: { status: 'MISS', saved_micros: 0 }, cost_micros: SONNET_COST_MICROS });
  expect(hit).toMatchObject({ cache: { status: 'HIT', saved_micros: SONNET_COST_MICROS }, cost_micros: 0, attempts: [] });
});

describe('retry', () => {
  beforeEach(() => {
    rig.random = () => 0; // no backoff wait
  });

  it('retries listed statuses on the same target until it answers', async () => {
    rig.vertex.enqueue('error-500');
    rig.vertex.enqueue('error-429');
    const res = await rig.send(message(), { config: 'retry' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-gatehouse-retry-count')).toBe('2');
    expect(rig.vertex.calls).toHaveLength(3);
    expect(attempts(await rig.onlyEvent())).toEqual([
      ['root', 'vertex-prod', 500, 'api_error'],
      ['root', 'vertex-prod', 429, 'rate_limit_error'],
      ['root', 'vertex-prod', 200],
    ]);
  });

  it('gives up after 1 + 3 attempts and returns the last error', async () => {
    for (let i = 0; i < 4; i++) rig.vertex.enqueue('error-500');
    const res = await rig.send(message(), { config: 'retry' });
    expect(res.status).toBe(500);
    expect(res.headers.get('x-gatehouse-retry-count')).toBe('3');
    expect(rig.vertex.calls).toHaveLength(4);
    const event = await rig.onlyEvent();
    expect(event).toMatchObject({ outcome: 'upstream_error', status: 500 });
    expect(event.attempts).toHaveLength(4);
  });
});

it('fallback-cached-retry: retries Vertex, falls back to Anthropic, and caches per target', async () => {
  rig.random = () => 0;
  for (let i = 0; i < 4; i++) rig.vertex.enqueue('error-500');
  const body = message('claude-sonnet-4-6', { messages: [{ role: 'user', content: 'fallback-cached-retry' }] });
  const first = await rig.send(body, { config: 'fallback-cached-retry' });
  expect(first.status).toBe(200);
  expect(first.json().content[0].text).toBe('Hello from fake-anthropic');
  expect(first.headers.get('x-gatehouse-cache-status')).toBe('MISS');
  expect(first.headers.get('x-gatehouse-retry-count')).toBe('4');
  expect(attempts(await rig.onlyEvent())).toEqual([...Array(4).fill(['targets[0]', 'vertex-prod', 500, 'api_error']), ['targets[1]', 'anthropic-prod', 200]]);
  // Vertex is healthy again: its own cache entry is empty (the key includes the provider family).
  const second = await rig.send(body, { config: 'fallback-cached-retry' });
  expect(second.json().content[0].text).toBe('Hello from fake-vertex');
  expect(second.headers.get('x-gatehouse-cache-status')).toBe('MISS');
  expect(attempts(await rig.onlyEvent())).toEqual([['targets[0]', 'vertex-prod', 200]]);
  const third = await rig.send(body, { config: 'fallback-cached-retry' });
  expect(third.text).toBe(second.text);
  expect(third.headers.get('x-gatehouse-cache-status')).toBe('HIT');
  expect(third.headers.get('x-gatehouse-provider')).toBe('@vertex-prod');
  expect(rig.vertex.calls).toHaveLength(5);
  expect(rig.anthropic.calls).toHaveLength(1);
  expect(await rig.onlyEvent()).toMatchObject({ cache: { status: 'HIT' }, attempts: [] });
});

it('lb-model-catalog: "@slug/model" picks the provider and the model, half the requests each', async () => {
  rig.random = sweep40();
  for (let i = 0; i < 40; i++) expect((await rig.send(message('claude-haiku-4-5'), { config: 'lb-model-catalog' })).status).toBe(200);
  expect(rig.vertex.calls).toHaveLength(20);
  expect(rig.anthropic.calls).toHaveLength(20);
  expect(rig.vertex.calls.every((c) => c.path.endsWith('/models/claude-sonnet-4-6:rawPredict'))).toBe(true);
  expect(rig.anthropic.calls.every((c) => c.body.model === 'claude-sonnet-4-6')).toBe(true);
  const events = await rig.gw.waitForEvents(40);
  expect(events.every((e) => e.model_requested === 'claude-haiku-4-5' && e.attempts.length === 1)).toBe(true);
});

describe('bad configs', () => {
  function nested(depth: number): Record<string, unknown> {
    let node: Record<string, unknown> = { provider: '@vertex-prod' };
    for (let i = 0; i < depth; i++) node = { strategy: { mode: 'fallback' }, targets: [node] };
    return node;
  }

  it.each([
    [
      'an invalid inline config lists the JSON path of each problem',
      {
        'x-gatehouse-config': JSON.stringify({
          strategy: { mode: 'fallbak' },
          targets: [{ provider: 'vertex-prod' }, { provider: '@anthropic-prod', retry: { attempts: '3' } }],
        }),
      },
      400,
      'invalid_request_error',
      [/Invalid routing config \(3 problems\)/, /strategy\.mode: /, /targets\[0\]\.provider: must be "@"/, /targets\[1\]\.retry\.attempts: /],
    ],
    ['an inline config that is not JSON', { 'x-gatehouse-config': '{"provider": ' }, 400, 'invalid_request_error', [/x-gatehouse-config is not valid JSON/]],
    [
      'an unknown config id',
      { 'x-gatehouse-config': 'no-such-config' },
      404,
      'not_found_error',
      [/Config "no-such-config" \(from x-gatehouse-config header\) does not exist/],
    ],
    ['an unknown provider slug', { 'x-gatehouse-config': '{"provider":"@nowhere"}' }, 400, 'invalid_request_error', [/Unknown provider "@nowhere"/]],
    [
      'an unknown provider in override_params.model',
      { 'x-gatehouse-config': JSON.stringify({ override_params: { model: '@nowhere/claude-sonnet-4-6' } }) },
      400,
      'invalid_request_error',
      [/Unknown provider "@nowhere"/],
    ],
    [
      'over-deep nesting (inline configs: 3 levels)',
      { 'x-gatehouse-config': JSON.stringify(nested(7)) },
      400,
      'invalid_request_error',
      [/targets nest more than 3 levels deep \(the limit\)/],
    ],
  ])('%s', async (_name, headers, status, type, patterns) => {
    const res = await rig.send(message(), { headers });
    expect(res.status).toBe(status);
    const body = res.json();
    expect(body).toMatchObject({ type: 'error', error: { type } });
    for (const p of patterns) expect(body.error.message).toMatch(p);
    expect(rig.vertex.calls.length + rig.anthropic.calls.length + rig.bedrock.calls.length).toBe(0);
    expect((await rig.onlyEvent()).status).toBe(status);
  });
});
