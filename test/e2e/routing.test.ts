import { BreakerRegistry } from '../../services/gateway/src/routing/breaker';
import { parseSigV4 } from '../fakes/fake-bedrock';
import { FAKE_TOKEN_USAGE, FAKE_USAGE, SONNET_COST_MICROS } from '../fakes/script';
import { AWS_ENV, attempts, message, sseEvents, startRoutingRig, streamedText, sweep40, type RoutingRig } from './routing-harness';

/**
 * Routing end to end: Claude clients → gateway → fake upstreams scripted per target. Each test checks
 * the calls each upstream saw, what the client got (status, body, x-gatehouse-* headers) and the one
 * usage event with its attempt list.
 */
let rig: RoutingRig;

beforeAll(async () => {
  rig = await startRoutingRig();
});
afterAll(() => rig.close());
beforeEach(() => rig.reset());

function headersOf(res: { headers: Headers }) {
  return {
    provider: res.headers.get('x-gatehouse-provider'),
    retries: res.headers.get('x-gatehouse-retry-count'),
    cache: res.headers.get('x-gatehouse-cache-status'),
  };
}

const FALLBACK_VERTEX_ANTHROPIC = { strategy: { mode: 'fallback' }, targets: [{ provider: '@vertex-prod' }, { provider: '@anthropic-prod' }] };

describe('retries', () => {
  it('retries a 429 after the retry-after the upstream sent, then answers', async () => {
    rig.anthropic.enqueue({ kind: 'error-429', retryAfter: 0.3 });
    const config = { provider: '@anthropic-prod', retry: { attempts: 2, on_status_codes: [429], use_retry_after_header: true } };
    const started = Date.now();
    const res = await rig.send(message(), { config });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(res.status).toBe(200);
    expect(res.json().content[0].text).toBe('Hello from fake-anthropic');
    expect(rig.anthropic.calls).toHaveLength(2);
    expect(headersOf(res)).toEqual({ provider: '@anthropic-prod', retries: '1', cache: 'DISABLED' });
    const event = await rig.onlyEvent();
    expect(attempts(event)).toEqual([
      ['root', 'anthropic-prod', 429, 'rate_limit_error'],
      ['root', 'anthropic-prod', 200],
    ]);
    expect(event).toMatchObject({ outcome: 'success', status: 200, provider: 'anthropic-prod', usage: FAKE_TOKEN_USAGE, cost_micros: SONNET_COST_MICROS });
  });

  it('does not retry a status outside on_status_codes', async () => {
    rig.anthropic.enqueue('error-500');
    const res = await rig.send(message(), { config: { provider: '@anthropic-prod', retry: { attempts: 3, on_status_codes: [429] } } });
    expect(res.status).toBe(500);
    expect(res.json()).toMatchObject({ type: 'error', error: { type: 'api_error', message: 'Internal server error' } });
    expect(rig.anthropic.calls).toHaveLength(1);
    expect(headersOf(res)).toEqual({ provider: '@anthropic-prod', retries: '0', cache: 'DISABLED' });
    const event = await rig.onlyEvent();
    expect(event).toMatchObject({ outcome: 'upstream_error', status: 500, error_type: 'api_error', cost_micros: 0 });
    expect(attempts(event)).toEqual([['root', 'anthropic-prod', 500, 'api_error']]);
  });
});

describe('failover before the first byte', () => {
  it.each([
    ['a 500', 'error-500', 500, 'api_error'],
    ['a 529', 'error-529', 529, 'overloaded_error'],
    ['a connection reset', 'reset', 502, 'api_error'],
  ])('%s from the first target fails over to the next', async (_name, behaviour, status, type) => {
    rig.vertex.enqueue(behaviour);
    const res = await rig.send(message(), { config: 'fallback-3' });
    expect(res.status).toBe(200);
    expect(res.json().content[0].text).toBe('Hello from fake-anthropic');
    expect([rig.vertex.calls.length, rig.anthropic.calls.length, rig.bedrock.calls.length]).toEqual([1, 1, 0]);
    expect(headersOf(res)).toEqual({ provider: '@anthropic-prod', retries: '1', cache: 'DISABLED' });
    const event = await rig.onlyEvent();
    expect(attempts(event)).toEqual([
      ['targets[0]', 'vertex-prod', status, type],
      ['targets[1]', 'anthropic-prod', 200],
    ]);
    expect(event).toMatchObject({ outcome: 'success', provider: 'anthropic-prod', provider_kind: 'anthropic', model_upstream: 'claude-sonnet-4-6' });
  });

  it('does not fail over on a failure that is not retryable: a 400 the next target would refuse too', async () => {
    const config = { strategy: { mode: 'fallback' }, targets: [{ provider: '@anthropic-prod' }, { provider: '@vertex-prod' }] };
    const res = await rig.send(message('bad-beta'), { config, headers: { 'anthropic-beta': 'interleaved-thinking-2025-05-14' } });
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect([rig.anthropic.calls.length, rig.vertex.calls.length]).toEqual([1, 0]);
    const event = await rig.onlyEvent();
    expect(attempts(event)).toEqual([['targets[0]', 'anthropic-prod', 400, 'invalid_request_error']]);
    expect(event).toMatchObject({ outcome: 'upstream_error', status: 400, error_type: 'invalid_request_error' });
  });

  it('streams the fallback target when the first one fails before its first event', async () => {
    rig.vertex.enqueue('error-529');
    const res = await rig.send(message('claude-sonnet-4-6', { stream: true }), { config: FALLBACK_VERTEX_ANTHROPIC });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = sseEvents(res.text).map((e) => e.event);
    expect(events[0]).toBe('message_start');
    expect(events.at(-1)).toBe('message_stop');
    expect(streamedText(res.text)).toBe('Hello from fake-anthropic');
    const event = await rig.onlyEvent();
    expect(attempts(event)).toEqual([
      ['targets[0]', 'vertex-prod', 529, 'overloaded_error'],
      ['targets[1]', 'anthropic-prod', 200],
    ]);
    expect(event).toMatchObject({ stream: true, usage: FAKE_TOKEN_USAGE });
  });

  it('gives up on a first byte slower than request_timeout and tries the next target', async () => {
    rig.vertex.enqueue('slow-1600');
    const config = { strategy: { mode: 'fallback' }, targets: [{ provider: '@vertex-prod', request_timeout: 1000 }, { provider: '@anthropic-prod' }] };
    const started = Date.now();
    const res = await rig.send(message(), { config });
    expect(Date.now() - started).toBeLessThan(1500);
    expect(res.status).toBe(200);
    expect(res.json().content[0].text).toBe('Hello from fake-anthropic');
    expect(headersOf(res)).toEqual({ provider: '@anthropic-prod', retries: '1', cache: 'DISABLED' });
    const event = await rig.onlyEvent();
    expect(attempts(event)).toEqual([
      ['targets[0]', 'vertex-prod', 504, 'timeout_error'],
      ['targets[1]', 'anthropic-prod', 200],
    ]);
    expect(event.attempts[0].latency_ms).toBeGreaterThanOrEqual(990);
  });

  it('answers 504 timeout_error when the only target misses request_timeout', async () => {
    rig.vertex.enqueue('slow-1600');
    const res = await rig.send(message('claude-sonnet-4-6', { stream: true }), { config: { provider: '@vertex-prod', request_timeout: 1000 } });
    expect(res.status).toBe(504);
    expect(res.json()).toMatchObject({
      type: 'error',
      error: { type: 'timeout_error', message: expect.stringMatching(/@vertex-prod sent no answer within 1000 ms \(request_timeout\)/) },
    });
    expect(headersOf(res)).toEqual({ provider: '@vertex-prod', retries: '0', cache: 'DISABLED' });
    const event = await rig.onlyEvent();
    expect(event).toMatchObject({ outcome: 'upstream_error', status: 504, error_type: 'timeout_error' });
    expect(attempts(event)).toEqual([['root', 'vertex-prod', 504, 'timeout_error']]);
  });

  it('bounds only the first byte with request_timeout: a slow gap mid-stream is not a timeout', async () => {
    const res = await rig.send(message('slow-gap-300', { stream: true }), { config: { provider: '@vertex-prod', request_timeout: 1000 } });
    expect(res.status).toBe(200);
    expect(sseEvents(res.text).at(-1)?.event).toBe('message_stop');
    expect((await rig.onlyEvent()).outcome).toBe('success');
  });

  it('passes an upstream 529 through when there is no other target', async () => {
    rig.anthropic.enqueue('error-529');
    const res = await rig.send(message(), { headers: { 'x-gatehouse-provider': '@anthropic-prod' } });
    expect(res.status).toBe(529);
    expect(res.json()).toMatchObject({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
    expect(headersOf(res)).toEqual({ provider: '@anthropic-prod', retries: '0', cache: 'DISABLED' });
    const event = await rig.onlyEvent();
    expect(attempts(event)).toEqual([['root', 'anthropic-prod', 529, 'overloaded_error']]);
  });
});

describe('after the first byte there is no failover', () => {
  it('turns a stream cut after message_start into an SSE error and does not try the next target', async () => {
    rig.vertex.enqueue('cut-after-start');
    const res = await rig.send(message('claude-sonnet-4-6', { stream: true }), { config: 'fallback-3' });
    expect(res.status).toBe(200);
    const events = sseEvents(res.text);
    expect(events.map((e) => e.event)).toEqual(['message_start', 'error']);
    expect(events[1].data).toMatchObject({ type: 'error', error: { type: 'api_error' } });
    expect([rig.vertex.calls.length, rig.anthropic.calls.length, rig.bedrock.calls.length]).toEqual([1, 0, 0]);
    expect(headersOf(res)).toEqual({ provider: '@vertex-prod', retries: '0', cache: 'DISABLED' });
    const event = await rig.onlyEvent();
    expect(event).toMatchObject({ outcome: 'upstream_error', status: 200, error_type: 'api_error', usage: { input: FAKE_USAGE.input_tokens } });
    expect(attempts(event)).toEqual([['targets[0]', 'vertex-prod', 200]]);
  });

  it('relays an upstream error event sent mid-stream, without failover', async () => {
    rig.vertex.enqueue('stream-exception');
    const res = await rig.send(message('claude-sonnet-4-6', { stream: true }), { config: FALLBACK_VERTEX_ANTHROPIC });
    const events = sseEvents(res.text);
    expect(events.map((e) => e.event)).toEqual(['message_start', 'error']);
    expect(events[1].data).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
    expect(rig.anthropic.calls).toHaveLength(0);
    expect(await rig.onlyEvent()).toMatchObject({ outcome: 'upstream_error', error_type: 'overloaded_error' });
  });
});

describe('Bedrock', () => {
  const bedrockModel = 'us.anthropic.claude-sonnet-4-6';

  it('turns the AWS event-stream into Anthropic SSE, signed with SigV4', async () => {
    const res = await rig.send(message('claude-sonnet-4-6', { stream: true }), { config: { provider: '@bedrock-prod' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = sseEvents(res.text);
    expect(events[0].event).toBe('message_start');
    expect(events.at(-1)).toEqual({ event: 'message_stop', data: { type: 'message_stop' } });
    expect(streamedText(res.text)).toBe('Hello from fake-bedrock');
    const call = rig.bedrock.calls[0];
    expect(call.path).toBe(`/model/${bedrockModel}/invoke-with-response-stream`);
    expect(parseSigV4(call.headers.authorization)).toMatchObject({ accessKeyId: AWS_ENV.AWS_ACCESS_KEY_ID, region: 'us-east-1', service: 'bedrock' });
    expect(call.body).toMatchObject({ anthropic_version: 'bedrock-2023-05-31' });
    expect(call.body.model).toBeUndefined();
    expect(headersOf(res)).toEqual({ provider: '@bedrock-prod', retries: '0', cache: 'DISABLED' });
    const event = await rig.onlyEvent();
    expect(event).toMatchObject({
      outcome: 'success',
      stream: true,
      provider: 'bedrock-prod',
      provider_kind: 'bedrock',
      model_upstream: bedrockModel,
      usage: FAKE_TOKEN_USAGE,
      // The rig's Bedrock provider calls us. profiles: the geographic premium applies.
      cost_micros: rig.gw.deps.catalog.costMicros('claude-sonnet-4-6', FAKE_TOKEN_USAGE, { regionalPremium: true }),
    });
    expect(attempts(event)).toEqual([['root', 'bedrock-prod', 200]]);
  });

  it('answers a non-streaming request through invoke', async () => {
    const res = await rig.send(message(), { config: { provider: '@bedrock-prod' } });
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ type: 'message', content: [{ type: 'text', text: 'Hello from fake-bedrock' }], usage: { output_tokens: 42 } });
    expect(rig.bedrock.calls[0].path).toBe(`/model/${bedrockModel}/invoke`);
    const event = await rig.onlyEvent();
    expect(event).toMatchObject({ stream: false, provider: 'bedrock-prod', usage: FAKE_TOKEN_USAGE });
  });

  it('turns a mid-stream exception frame into an SSE error', async () => {
    rig.bedrock.enqueue('stream-exception');
    const res = await rig.send(message('claude-sonnet-4-6', { stream: true }), { config: { provider: '@bedrock-prod' } });
    const events = sseEvents(res.text);
    expect(events.map((e) => e.event)).toEqual(['message_start', 'error']);
    expect(events[1].data.error.type).toBe('rate_limit_error');
    expect(await rig.onlyEvent()).toMatchObject({ outcome: 'upstream_error', error_type: 'rate_limit_error' });
  });
});

describe('forward_headers', () => {
  const headers = {
    'x-team-tag': 'blue',
    'x-not-listed': 'stays-here',
    'anthropic-beta': 'interleaved-thinking-2025-05-14,claude-code-20250219',
  };

  it('passes the listed client headers upstream and no others', async () => {
    const res = await rig.send(message(), { config: { provider: '@anthropic-prod', forward_headers: ['X-Team-Tag', 'anthropic-beta'] }, headers });
    expect(res.status).toBe(200);
    const call = rig.anthropic.calls[0];
    expect(call.headers['x-team-tag']).toBe('blue');
    expect(call.headers['x-not-listed']).toBeUndefined();
    expect(call.headers['anthropic-beta']).toBe('interleaved-thinking-2025-05-14,claude-code-20250219');
    expect(attempts(await rig.onlyEvent())).toEqual([['root', 'anthropic-prod', 200]]);
  });

  it('refuses a config that would forward a header steering the upstream platform, naming it', async () => {
    const res = await rig.send(message(), {
      config: { provider: '@vertex-prod', forward_headers: ['x-team-tag', 'x-goog-user-project'] },
      headers: { ...headers, 'x-goog-user-project': 'someone-else' },
    });
    expect(res.status).toBe(400);
    expect(res.json().error.message).toMatch(/forward_headers\[1\]: "x-goog-user-project" cannot be forwarded/);
    expect(rig.vertex.calls).toHaveLength(0);
  });

  it('sends anthropic-beta through the provider policy even when forwarded (Vertex drops what it rejects)', async () => {
    const res = await rig.send(message(), { config: 'vertex-direct', headers });
    expect(res.status).toBe(200);
    const call = rig.vertex.calls[0];
    expect(call.headers['anthropic-beta']).toBe('interleaved-thinking-2025-05-14');
    expect(call.headers['x-team-tag']).toBeUndefined();
    expect(headersOf(res)).toEqual({ provider: '@vertex-prod', retries: '0', cache: 'DISABLED' });
    expect(attempts(await rig.onlyEvent())).toEqual([['root', 'vertex-prod', 200]]);
  });
});

describe('load balancing', () => {
  it('splits 40 requests by weight (3:1) with the injected random source', async () => {
    rig.random = sweep40();
    const config = {
      strategy: { mode: 'loadbalance' },
      targets: [
        { provider: '@vertex-prod', weight: 3 },
        { provider: '@anthropic-prod', weight: 1 },
      ],
    };
    const served: Record<string, number> = {};
    for (let i = 0; i < 40; i++) {
      const res = await rig.send(message(), { config });
      expect(res.status).toBe(200);
      const p = res.headers.get('x-gatehouse-provider')!;
      served[p] = (served[p] ?? 0) + 1;
    }
    expect(served).toEqual({ '@vertex-prod': 30, '@anthropic-prod': 10 });
    expect([rig.vertex.calls.length, rig.anthropic.calls.length]).toEqual([30, 10]);
    const events = await rig.gw.waitForEvents(40);
    expect(events.every((e) => e.attempts.length === 1 && e.outcome === 'success')).toBe(true);
    expect(events.filter((e) => e.attempts[0].target === 'targets[1]')).toHaveLength(10);
  });

  /** `strategy.sticky` keeps one Claude Code session on one target (and its prompt cache) across requests. */
  describe('sticky sessions', () => {
    const sticky = {
      strategy: { mode: 'loadbalance', sticky: { enabled: true } },
      targets: [
        { name: 'central', provider: '@vertex-us-central' },
        { name: 'east', provider: '@vertex-us-east' },
      ],
    };

    async function regionsFor(session: string, n: number): Promise<Set<string>> {
      const regions = new Set<string>();
      for (let i = 0; i < n; i++) {
        const res = await rig.send(message(), { config: sticky, headers: { 'x-claude-code-session-id': session } });
        expect(res.status).toBe(200);
        regions.add(res.headers.get('x-gatehouse-provider')!);
      }
      return regions;
    }

    it('sends every request of a session to the same target, whatever the random draws', async () => {
      let flip = 0;
      rig.random = () => (flip++ % 2 ? 0.99 : 0.01);
      for (const session of ['session-a', 'session-b', 'session-c']) expect((await regionsFor(session, 6)).size).toBe(1);
    });

    it('spreads different sessions over the targets by their id, not by the random draw', async () => {
      rig.random = () => 0.01; // an unsticky draw would pick the first target every time
      const seen = new Set<string>();
      for (let i = 0; i < 20; i++) for (const r of await regionsFor(`s-${i}`, 1)) seen.add(r);
      expect(seen).toEqual(new Set(['@vertex-us-central', '@vertex-us-east']));
    });
  });
});

describe('conditional routing', () => {
  const config = {
    strategy: {
      mode: 'conditional',
      conditions: [
        { query: { 'metadata.tier': { $eq: 'premium' } }, then: 'direct' },
        { query: { 'params.model': { $regex: '^claude-haiku' } }, then: 'bedrock' },
      ],
      default: 'vertex',
    },
    targets: [
      { name: 'vertex', provider: '@vertex-prod' },
      { name: 'direct', provider: '@anthropic-prod' },
      { name: 'bedrock', provider: '@bedrock-prod' },
    ],
  };

  it.each([
    ['metadata.tier = premium', { 'x-gatehouse-metadata': '{"tier":"premium"}' }, 'claude-sonnet-4-6', 'anthropic-prod', 'targets[1]'],
    ['the same through the x-portkey-metadata alias', { 'x-portkey-metadata': '{"tier":"premium"}' }, 'claude-sonnet-4-6', 'anthropic-prod', 'targets[1]'],
    ['a haiku model (params.model $regex)', {}, 'claude-haiku-4-5', 'bedrock-prod', 'targets[2]'],
    ['nothing matching (the default)', { 'x-gatehouse-metadata': '{"tier":"basic"}' }, 'claude-sonnet-4-6', 'vertex-prod', 'targets[0]'],
  ])('routes %s', async (_name, headers, model, provider, target) => {
    const res = await rig.send(message(model), { config, headers });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-gatehouse-provider')).toBe(`@${provider}`);
    const calls = { 'vertex-prod': rig.vertex.calls.length, 'anthropic-prod': rig.anthropic.calls.length, 'bedrock-prod': rig.bedrock.calls.length };
    expect(calls).toEqual({ 'vertex-prod': 0, 'anthropic-prod': 0, 'bedrock-prod': 0, [provider]: 1 });
    const event = await rig.onlyEvent();
    expect(attempts(event)).toEqual([[target, provider, 200]]);
  });

  it('answers 400 naming the strategy when nothing matches and there is no default', async () => {
    const { default: _d, ...strategy } = config.strategy;
    const res = await rig.send(message(), { config: { ...config, strategy } });
    expect(res.status).toBe(400);
    expect(res.json().error.message).toMatch(/strategy: no condition matched this request and the strategy has no default target/);
    expect(rig.vertex.calls.length + rig.anthropic.calls.length + rig.bedrock.calls.length).toBe(0);
    expect(await rig.onlyEvent()).toMatchObject({ outcome: 'rejected', status: 400, attempts: [] });
  });
});

describe('circuit breaker', () => {
  it('stops sending to a target after repeated failures, then probes it again after the open window', async () => {
    rig.gw.deps.breakers = new BreakerRegistry({ failureThreshold: 3, openMs: 300 });
    for (let i = 0; i < 3; i++) {
      rig.vertex.enqueue('error-500');
      const res = await rig.send(message(), { config: 'fallback-3' });
      expect(res.headers.get('x-gatehouse-provider')).toBe('@anthropic-prod');
      expect(attempts(await rig.onlyEvent())).toEqual([
        ['targets[0]', 'vertex-prod', 500, 'api_error'],
        ['targets[1]', 'anthropic-prod', 200],
      ]);
    }
    // Open: the next request goes straight to the second target.
    const skipped = await rig.send(message(), { config: 'fallback-3' });
    expect(skipped.status).toBe(200);
    expect(headersOf(skipped)).toEqual({ provider: '@anthropic-prod', retries: '0', cache: 'DISABLED' });
    expect(rig.vertex.calls).toHaveLength(3);
    expect(attempts(await rig.onlyEvent())).toEqual([['targets[1]', 'anthropic-prod', 200]]);

    // Half-open after the window: one probe goes to Vertex (healthy again) and closes the breaker.
    await new Promise((r) => setTimeout(r, 350));
    const probe = await rig.send(message(), { config: 'fallback-3' });
    expect(probe.headers.get('x-gatehouse-provider')).toBe('@vertex-prod');
    expect(rig.vertex.calls).toHaveLength(4);
    expect(attempts(await rig.onlyEvent())).toEqual([['targets[0]', 'vertex-prod', 200]]);
    expect(rig.gw.deps.breakers.state('vertex-prod/')).toEqual({ status: 'closed', failures: 0 });
  });

  it('still tries an open target when it is the last one left', async () => {
    rig.gw.deps.breakers = new BreakerRegistry({ failureThreshold: 1, openMs: 60_000 });
    rig.vertex.enqueue('error-500');
    await rig.send(message(), { config: FALLBACK_VERTEX_ANTHROPIC });
    await rig.onlyEvent();
    rig.anthropic.enqueue('error-500');
    const res = await rig.send(message(), { config: FALLBACK_VERTEX_ANTHROPIC });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-gatehouse-provider')).toBe('@vertex-prod');
    expect(attempts(await rig.onlyEvent())).toEqual([
      ['targets[1]', 'anthropic-prod', 500, 'api_error'],
      ['targets[0]', 'vertex-prod', 200],
    ]);
  });
});
