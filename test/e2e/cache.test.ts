import Anthropic from '@anthropic-ai/sdk';
import { ZERO_USAGE } from '../../services/shared/src/usage-event';
import { MemoryResponseCache } from '../../services/gateway/src/cache/response-cache';
import { FAKE_TOKEN_USAGE, FAKE_USAGE, SONNET_COST_MICROS } from '../fakes/script';
import { DEV_KEY } from '../helpers/gateway';
import { message, sseEvents, startRoutingRig, streamedText, type RoutingRig } from './routing-harness';

/**
 * The simple cache (docs/design.md §6.4) end to end: what is stored, what is served, and what the usage event
 * says. `cached` is the seed's `{ "provider": "@vertex-prod", "cache": { "mode": "simple" } }`.
 */
const OTHER_KEY = 'gth_other_0123456789abcdef0123456789abcd';
let rig: RoutingRig;

beforeAll(async () => {
  rig = await startRoutingRig({
    seed: {
      workspaces: [{ id: 'other', name: 'Other', status: 'active', defaults: {} }],
      api_keys: [
        { key: OTHER_KEY, name: 'other', type: 'workspace', kind: 'user', workspace_id: 'other', scopes: ['completions'], status: 'active', defaults: {} },
      ],
    },
  });
});
afterAll(() => rig.close());
beforeEach(() => rig.reset());

const status = (res: { headers: Headers }) => res.headers.get('x-gatehouse-cache-status');

describe('non-streaming answers', () => {
  it('serves the second identical request from the cache: no upstream call, no cost, the saving recorded', async () => {
    const first = await rig.send(message(), { config: 'cached' });
    const second = await rig.send(message(), { config: 'cached' });
    expect([status(first), status(second)]).toEqual(['MISS', 'HIT']);
    expect(second.status).toBe(200);
    expect(second.headers.get('content-type')).toMatch(/^application\/json/);
    expect(second.text).toBe(first.text);
    expect(second.headers.get('x-gatehouse-provider')).toBe('@vertex-prod');
    expect(second.headers.get('x-gatehouse-retry-count')).toBe('0');
    expect(rig.vertex.calls).toHaveLength(1);
    const [miss, hit] = await rig.gw.waitForEvents(2);
    expect(miss).toMatchObject({ usage: FAKE_TOKEN_USAGE, cost_micros: SONNET_COST_MICROS, cache: { status: 'MISS', saved_micros: 0 } });
    expect(miss.attempts).toHaveLength(1);
    expect(hit).toMatchObject({
      outcome: 'success',
      status: 200,
      provider: 'vertex-prod',
      model_upstream: 'claude-sonnet-4-6',
      usage: ZERO_USAGE,
      cost_micros: 0,
      cache: { status: 'HIT', saved_micros: SONNET_COST_MICROS },
      attempts: [],
    });
  });

  it('does not cache an error answer', async () => {
    rig.vertex.enqueue('error-500');
    const failed = await rig.send(message(), { config: 'cached' });
    expect(failed.status).toBe(500);
    expect(status(failed)).toBe('MISS');
    const next = await rig.send(message(), { config: 'cached' });
    expect(next.status).toBe(200);
    expect(status(next)).toBe('MISS');
    expect(rig.vertex.calls).toHaveLength(2);
    const [errorEvent] = await rig.gw.waitForEvents(2);
    expect(errorEvent).toMatchObject({ outcome: 'upstream_error', cache: { status: 'MISS', saved_micros: 0 } });
  });
});

describe('streaming answers', () => {
  const client = () => new Anthropic({ baseURL: rig.gw.url, apiKey: DEV_KEY, maxRetries: 0, defaultHeaders: { 'x-gatehouse-config': 'cached' } });

  it('records a stream and replays it as a valid SSE sequence', async () => {
    const live = await rig.send(message('claude-sonnet-4-6', { stream: true }), { config: 'cached' });
    const replayed = await rig.send(message('claude-sonnet-4-6', { stream: true }), { config: 'cached' });
    expect([status(live), status(replayed)]).toEqual(['MISS', 'HIT']);
    expect(rig.vertex.calls).toHaveLength(1);
    expect(replayed.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const liveEvents = sseEvents(live.text);
    const replayedEvents = sseEvents(replayed.text);
    expect(replayedEvents[0].event).toBe('message_start');
    expect(replayedEvents.at(-1)?.event).toBe('message_stop');
    expect(replayedEvents).toEqual(liveEvents.filter((e) => e.event !== 'ping'));
    expect(streamedText(replayed.text)).toBe('Hello from fake-vertex');
    const [, hit] = await rig.gw.waitForEvents(2);
    expect(hit).toMatchObject({ stream: true, usage: ZERO_USAGE, cost_micros: 0, cache: { status: 'HIT', saved_micros: SONNET_COST_MICROS } });
  });

  it('replays a tool-use stream that the Anthropic SDK assembles into the same message', async () => {
    const ask = () =>
      client()
        .messages.stream({
          model: 'claude-haiku-4-5',
          max_tokens: 64,
          messages: [{ role: 'user', content: 'weather?' }],
          tools: [{ name: 'get_weather', input_schema: { type: 'object' } }],
        })
        .withResponse();
    rig.vertex.enqueue('stream');
    const live = await ask();
    const liveMessage = await live.data.finalMessage();
    const hit = await ask();
    const hitMessage = await hit.data.finalMessage();
    expect(hit.response.headers.get('x-gatehouse-cache-status')).toBe('HIT');
    expect(hitMessage).toEqual(liveMessage);
    expect(hitMessage.content.map((b) => b.type)).toEqual(['text', 'tool_use']);
    expect(hitMessage.usage.output_tokens).toBe(FAKE_USAGE.output_tokens);
    expect(rig.vertex.calls).toHaveLength(1);
  });

  it('serves a streaming request only from a recorded stream, and a JSON request only from JSON', async () => {
    const json = await rig.send(message(), { config: 'cached' });
    const stream = await rig.send(message('claude-sonnet-4-6', { stream: true }), { config: 'cached' });
    expect([status(json), status(stream)]).toEqual(['MISS', 'MISS']);
    const again = await Promise.all([
      rig.send(message(), { config: 'cached' }),
      rig.send(message('claude-sonnet-4-6', { stream: true }), { config: 'cached' }),
    ]);
    expect(again.map(status)).toEqual(['HIT', 'HIT']);
    expect(again[0].headers.get('content-type')).toMatch(/^application\/json/);
    expect(again[1].headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(rig.vertex.calls).toHaveLength(2);
  });

  it.each([
    ['cut after message_start', 'cut-after-start'],
    ['ended by an upstream error event', 'stream-exception'],
  ])('does not cache a stream %s', async (_name, behaviour) => {
    rig.vertex.enqueue(behaviour);
    const broken = await rig.send(message('claude-sonnet-4-6', { stream: true }), { config: 'cached' });
    expect(sseEvents(broken.text).at(-1)?.event).toBe('error');
    const next = await rig.send(message('claude-sonnet-4-6', { stream: true }), { config: 'cached' });
    expect(status(next)).toBe('MISS');
    expect(sseEvents(next.text).at(-1)?.event).toBe('message_stop');
    expect(rig.vertex.calls).toHaveLength(2);
  });

  it('caches a Bedrock stream (decoded from event-stream) like any other', async () => {
    const config = { provider: '@bedrock-prod', cache: { mode: 'simple' } };
    const live = await rig.send(message('claude-sonnet-4-6', { stream: true }), { config });
    const hit = await rig.send(message('claude-sonnet-4-6', { stream: true }), { config });
    expect([status(live), status(hit)]).toEqual(['MISS', 'HIT']);
    expect(streamedText(hit.text)).toBe('Hello from fake-bedrock');
    expect(rig.bedrock.calls).toHaveLength(1);
    const [, event] = await rig.gw.waitForEvents(2);
    expect(event).toMatchObject({
      provider: 'bedrock-prod',
      cache: { status: 'HIT', saved_micros: rig.gw.deps.catalog.costMicros('claude-sonnet-4-6', FAKE_TOKEN_USAGE, { regionalPremium: true }) },
    }); // us. profile
  });
});

describe('the cache key', () => {
  // Haiku 4.5: a model with two spellings (alias and dated id) that every provider still serves.
  const base = { model: 'claude-haiku-4-5', max_tokens: 64, temperature: 0, messages: [{ role: 'user', content: [{ type: 'text', text: 'key test' }] }] };

  it('ignores key order, metadata and the model spelling', async () => {
    await rig.send({ ...base, metadata: { user_id: 'session-a' } }, { config: 'cached' });
    const reordered = {
      messages: [{ content: [{ text: 'key test', type: 'text' }], role: 'user' }],
      temperature: 0,
      metadata: { user_id: 'session-b' },
      max_tokens: 64,
      model: 'claude-haiku-4-5-20251001',
    };
    const res = await rig.send(reordered, { config: 'cached' });
    expect(status(res)).toBe('HIT');
    expect(rig.vertex.calls).toHaveLength(1);
  });

  it.each([
    ['a different body field', { temperature: 1 }, {}],
    ['another model', { model: 'claude-sonnet-4-6' }, {}],
    ['another anthropic-beta (after the provider policy)', {}, { 'anthropic-beta': 'context-1m-2025-08-07' }],
    ['a key of another workspace', {}, { 'x-api-key': OTHER_KEY }],
  ])('misses on %s', async (_name, change, headers) => {
    await rig.send(base, { config: 'cached' });
    const res = await rig.send({ ...base, ...change }, { config: 'cached', headers });
    expect(status(res)).toBe('MISS');
    expect(rig.vertex.calls).toHaveLength(2);
  });

  it('hits when a beta the provider drops is the only difference', async () => {
    await rig.send(base, { config: 'cached' });
    const res = await rig.send(base, { config: 'cached', headers: { 'anthropic-beta': 'files-api-2025-04-14' } });
    expect(status(res)).toBe('HIT');
  });
});

describe('force refresh', () => {
  it.each(['x-gatehouse-cache-force-refresh', 'x-portkey-cache-force-refresh'])('%s: true skips the lookup and stores the new answer', async (header) => {
    const first = await rig.send(message(), { config: 'cached' });
    const refreshed = await rig.send(message(), { config: 'cached', headers: { [header]: 'true' } });
    expect(status(refreshed)).toBe('REFRESH');
    expect(rig.vertex.calls).toHaveLength(2);
    expect(refreshed.json().id).not.toBe(first.json().id);
    const after = await rig.send(message(), { config: 'cached' });
    expect(status(after)).toBe('HIT');
    expect(after.json().id).toBe(refreshed.json().id);
    const events = await rig.gw.waitForEvents(3);
    expect(events[1]).toMatchObject({ cache: { status: 'REFRESH', saved_micros: 0 }, cost_micros: SONNET_COST_MICROS });
  });
});

describe('max_age', () => {
  let clock = 0;
  beforeEach(() => {
    clock = 1_000_000;
    rig.gw.deps.responseCache = new MemoryResponseCache({ now: () => clock });
  });
  afterAll(() => {
    rig.gw.deps.responseCache = new MemoryResponseCache();
  });

  it('serves an answer until it is max_age seconds old', async () => {
    const config = { provider: '@vertex-prod', cache: { mode: 'simple', max_age: 60 } };
    await rig.send(message(), { config });
    clock += 59_000;
    expect(status(await rig.send(message(), { config }))).toBe('HIT');
    clock += 2_000;
    expect(status(await rig.send(message(), { config }))).toBe('MISS');
    expect(rig.vertex.calls).toHaveLength(2);
  });

  it("applies the reader's max_age to an entry another config stored for longer", async () => {
    await rig.send(message(), { config: { provider: '@vertex-prod', cache: { mode: 'simple', max_age: 3600 } } });
    clock += 30_000;
    expect(status(await rig.send(message(), { config: { provider: '@vertex-prod', cache: { mode: 'simple', max_age: 10 } } }))).toBe('MISS');
    expect(status(await rig.send(message(), { config: { provider: '@vertex-prod', cache: { mode: 'simple', max_age: 10 } } }))).toBe('HIT');
  });

  it('keeps an answer 24 hours when max_age is not set', async () => {
    await rig.send(message(), { config: 'cached' });
    clock += 24 * 3600_000 - 1000;
    expect(status(await rig.send(message(), { config: 'cached' }))).toBe('HIT');
    clock += 2000;
    expect(status(await rig.send(message(), { config: 'cached' }))).toBe('MISS');
  });
});

describe('when the cache does not apply', () => {
  it('says DISABLED and leaves the usage event without a cache entry when the config has no cache', async () => {
    const res = await rig.send(message(), { config: 'vertex-direct' });
    expect(status(res)).toBe('DISABLED');
    const event = await rig.onlyEvent();
    expect(event.cache).toBeUndefined();
    expect(event.cost_micros).toBe(SONNET_COST_MICROS);
  });

  it('never caches count_tokens', async () => {
    const count = () =>
      fetch(`${rig.gw.url}/v1/messages/count_tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': DEV_KEY, 'x-gatehouse-config': 'cached' },
        body: JSON.stringify({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'count me' }] }),
      });
    const [a, b] = [await count(), await count()];
    expect([a.status, b.status]).toEqual([200, 200]);
    expect([status(a), status(b)]).toEqual(['DISABLED', 'DISABLED']);
    expect(rig.vertex.calls).toHaveLength(2);
  });
});
