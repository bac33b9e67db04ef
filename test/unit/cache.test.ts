import { inboundRequest } from '../helpers/inbound';
import { createCatalog } from '../../services/shared/src/catalog';
import type { Provider } from '../../services/shared/src/entities';
import { ZERO_USAGE } from '../../services/shared/src/usage-event';
import { cacheKey, type CacheKeyParts, stableStringify } from '../../services/gateway/src/cache/key';
import { answerSize, type CachedAnswer, MemoryResponseCache } from '../../services/gateway/src/cache/response-cache';
import { cachePlanFor, DEFAULT_MAX_AGE_SECONDS, forceRefresh, jsonAnswer, streamAnswer } from '../../services/gateway/src/cache/cache-plan';
import type { InboundRequest } from '../../services/gateway/src/providers/types';
import type { PlannedTarget } from '../../services/gateway/src/routing/plan';
import { BEDROCK_PROVIDER } from '../helpers/providers';

const catalog = createCatalog();

describe('stableStringify', () => {
  it.each([
    ['sorts keys at every level', { b: 1, a: { d: [{ z: 1, y: 2 }], c: null } }, '{"a":{"c":null,"d":[{"y":2,"z":1}]},"b":1}'],
    ['keeps array order', [3, 1, 2], '[3,1,2]'],
    ['drops undefined members like JSON.stringify', { a: undefined, b: 'x' }, '{"b":"x"}'],
    ['escapes keys and strings', { 'a"b': 'c\nd' }, '{"a\\"b":"c\\nd"}'],
  ])('%s', (_name, value, want) => expect(stableStringify(value)).toBe(want));
});

describe('cacheKey', () => {
  const base: CacheKeyParts = {
    scope: 'dev',
    family: 'vertex',
    modelUpstream: 'claude-sonnet-4-5@20250929',
    stream: false,
    anthropicVersion: '2023-06-01',
    betas: ['b', 'a'],
    body: { max_tokens: 5, messages: [{ role: 'user', content: 'hi' }], metadata: { user_id: 'u1' }, model: 'x', stream: false },
  };
  const key = cacheKey(base);

  it('is a SHA-256 hex digest', () => expect(key).toMatch(/^[0-9a-f]{64}$/));

  it.each<[string, Partial<CacheKeyParts>]>([
    ['key order in the body', { body: { stream: true, model: 'y', metadata: { user_id: 'u2' }, messages: [{ content: 'hi', role: 'user' }], max_tokens: 5 } }],
    ['beta order and duplicates', { betas: ['a', 'b', 'a'] }],
  ])('ignores %s (and model, stream, metadata in the body)', (_name, change) => expect(cacheKey({ ...base, ...change })).toBe(key));

  it.each<[string, Partial<CacheKeyParts>]>([
    ['scope (workspace)', { scope: 'other' }],
    ['provider family', { family: 'anthropic' }],
    ['upstream model', { modelUpstream: 'claude-haiku-4-5@20251001' }],
    ['answer format', { stream: true }],
    ['anthropic-version', { anthropicVersion: '2024-01-01' }],
    ['betas', { betas: ['a'] }],
    ['body content', { body: { ...base.body, max_tokens: 6 } }],
    [
      'array order in the body',
      {
        body: {
          ...base.body,
          messages: [
            { role: 'user', content: 'hi' },
            { role: 'user', content: 'hi' },
          ],
        },
      },
    ],
  ])('depends on %s', (_name, change) => expect(cacheKey({ ...base, ...change })).not.toBe(key));
});

describe('cachePlanFor', () => {
  const vertex: Provider = { slug: 'vertex-prod', kind: 'vertex', project_id: 'p', region: 'global', credentials: { adc: true } };
  const bedrock = BEDROCK_PROVIDER;
  const target = (cache?: PlannedTarget['cache']): PlannedTarget => ({
    id: 'root',
    provider: 'vertex-prod',
    override_params: {},
    retry: { attempts: 0, on_status_codes: [], use_retry_after_header: false },
    forward_headers: [],
    fallback_on: [],
    fallback_chain: [],
    ...(cache ? { cache } : {}),
  });
  const req = (model: string, extra: Partial<Omit<InboundRequest, 'body'>> = {}): InboundRequest =>
    inboundRequest({ model, max_tokens: 5, messages: [] }, extra);

  it('is off without cache settings and for count_tokens', () => {
    expect(cachePlanFor(target(), vertex, req('claude-sonnet-4-5'), catalog, 'dev')).toBeUndefined();
    expect(cachePlanFor(target({ mode: 'simple' }), vertex, req('claude-sonnet-4-5', { op: 'count_tokens' }), catalog, 'dev')).toBeUndefined();
  });

  it('uses max_age in seconds, 24 h by default, and serves semantic mode as exact match', () => {
    expect(cachePlanFor(target({ mode: 'simple' }), vertex, req('m'), catalog, 'dev')?.maxAgeMs).toBe(DEFAULT_MAX_AGE_SECONDS * 1000);
    expect(cachePlanFor(target({ mode: 'semantic', max_age: 90 }), vertex, req('m'), catalog, 'dev')?.maxAgeMs).toBe(90_000);
  });

  it('keys by the upstream model: aliases share entries, providers do not', () => {
    const t = target({ mode: 'simple' });
    const alias = cachePlanFor(t, vertex, req('claude-sonnet-4-5'), catalog, 'dev')!.key;
    expect(cachePlanFor(t, vertex, req('claude-sonnet-4-5-20250929'), catalog, 'dev')!.key).toBe(alias);
    expect(cachePlanFor(t, bedrock, req('claude-sonnet-4-5'), catalog, 'dev')!.key).not.toBe(alias);
  });

  it('gives a repeated body the key of its canonical form, whatever its key order or session metadata', () => {
    const t = target({ mode: 'simple' });
    const body = (n: number, user: string) => ({ model: 'm', max_tokens: n, messages: [{ role: 'user', content: 'hi' }], metadata: { user_id: user } });
    const reordered = inboundRequest({ messages: [{ content: 'hi', role: 'user' }], max_tokens: 5, model: 'm' });
    const first = cachePlanFor(t, vertex, inboundRequest(body(5, 'u1')), catalog, 'dev')!.key;
    expect(cachePlanFor(t, vertex, inboundRequest(body(5, 'u1')), catalog, 'dev')!.key).toBe(first); // the memoised path
    expect(cachePlanFor(t, vertex, inboundRequest(body(5, 'u2')), catalog, 'dev')!.key).toBe(first);
    expect(cachePlanFor(t, vertex, reordered, catalog, 'dev')!.key).toBe(first);
    expect(cachePlanFor(t, vertex, inboundRequest(body(6, 'u1')), catalog, 'dev')!.key).not.toBe(first);
    expect(first).toBe(
      cacheKey({ scope: 'dev', family: 'vertex', modelUpstream: 'm', stream: false, anthropicVersion: '2023-06-01', betas: [], body: body(5, 'u1') }),
    );
  });

  it('keys by the betas the provider would receive', () => {
    const t = target({ mode: 'simple' });
    const plain = cachePlanFor(t, vertex, req('m'), catalog, 'dev')!.key;
    expect(cachePlanFor(t, vertex, req('m', { betas: ['files-api-2025-04-14'] }), catalog, 'dev')!.key).toBe(plain); // Vertex drops it
    expect(cachePlanFor(t, vertex, req('m', { betas: ['context-1m-2025-08-07'] }), catalog, 'dev')!.key).not.toBe(plain);
  });
});

describe('forceRefresh', () => {
  it.each([
    [{ 'x-gatehouse-cache-force-refresh': 'true' }, true],
    [{ 'x-portkey-cache-force-refresh': 'TRUE ' }, true],
    [{ 'x-gatehouse-cache-force-refresh': 'false' }, false],
    [{ 'x-gatehouse-cache-force-refresh': '1' }, false],
    [{}, false],
  ])('%j → %s', (headers, want) => expect(forceRefresh(headers as Record<string, string>)).toBe(want));
});

describe('what is worth storing', () => {
  const ev = (event: string, data = '{}') => ({ event, data });
  const whole = [ev('message_start'), ev('ping'), ev('content_block_delta'), ev('message_delta'), ev('message_stop')];

  it('keeps a whole stream without its pings', () => {
    const a = streamAnswer(200, whole, ZERO_USAGE, 'm');
    expect(a).toMatchObject({ kind: 'stream', status: 200, modelUpstream: 'm' });
    expect(a?.kind === 'stream' && a.events.map((e) => e.event)).toEqual(['message_start', 'content_block_delta', 'message_delta', 'message_stop']);
  });

  it.each([
    ['a stream without message_stop', 200, whole.slice(0, -1)],
    ['a stream that does not begin with message_start', 200, whole.slice(1)],
    ['a stream with an error event', 200, [...whole.slice(0, 2), ev('error'), ...whole.slice(2)]],
    ['an empty stream', 200, []],
    ['a non-2xx answer', 500, whole],
  ])('refuses %s', (_name, status, events) => expect(streamAnswer(status, events, ZERO_USAGE, 'm')).toBeUndefined());

  it('keeps only a JSON Message', () => {
    expect(jsonAnswer(200, '{"type":"message"}', { type: 'message' }, ZERO_USAGE, 'm')).toMatchObject({ kind: 'json', text: '{"type":"message"}' });
    expect(jsonAnswer(200, '{"type":"error"}', { type: 'error' }, ZERO_USAGE, 'm')).toBeUndefined();
    expect(jsonAnswer(200, 'not json', undefined, ZERO_USAGE, 'm')).toBeUndefined();
    expect(jsonAnswer(400, '{"type":"message"}', { type: 'message' }, ZERO_USAGE, 'm')).toBeUndefined();
  });
});

describe('MemoryResponseCache', () => {
  const json = (text: string): CachedAnswer => ({ kind: 'json', status: 200, text, usage: ZERO_USAGE, modelUpstream: 'm' });

  it("honours the reader's max_age and expires entries at the writer's", async () => {
    let now = 0;
    const cache = new MemoryResponseCache({ now: () => now });
    await cache.set('k', json('a'), 10_000);
    now = 5_000;
    expect(await cache.get('k', 10_000)).toMatchObject({ text: 'a' });
    expect(await cache.get('k', 4_000)).toBeUndefined();
    expect(await cache.get('k', 60_000)).toMatchObject({ text: 'a' });
    now = 10_000;
    expect(await cache.get('k', 60_000)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('is bounded by bytes, evicting the least recently used answers', async () => {
    const size = answerSize(json('x'.repeat(1000)));
    const cache = new MemoryResponseCache({ maxBytes: size * 3, maxEntryBytes: size * 3 });
    for (const k of ['a', 'b', 'c']) await cache.set(k, json('x'.repeat(1000)), 60_000);
    await cache.get('a', 60_000); // a is now the most recently used
    await cache.set('d', json('x'.repeat(1000)), 60_000);
    expect(await cache.get('b', 60_000)).toBeUndefined();
    expect(await cache.get('a', 60_000)).toBeDefined();
    expect(await cache.get('d', 60_000)).toBeDefined();
    expect(cache.bytes).toBeLessThanOrEqual(size * 3);
  });

  it('does not store an answer bigger than the entry limit', async () => {
    const cache = new MemoryResponseCache({ maxBytes: 10_000, maxEntryBytes: 500 });
    await cache.set('big', json('x'.repeat(1000)), 60_000);
    expect(await cache.get('big', 60_000)).toBeUndefined();
  });

  it('counts stream events toward the size', () => {
    const a: CachedAnswer = { kind: 'stream', status: 200, events: [{ event: 'message_start', data: 'x'.repeat(100) }], usage: ZERO_USAGE, modelUpstream: 'm' };
    expect(answerSize(a)).toBeGreaterThan(100);
  });
});
