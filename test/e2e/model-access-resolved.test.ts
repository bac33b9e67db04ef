import { request } from 'node:http';
import fc from 'fast-check';
import { createCatalog } from '../../services/shared/src/catalog';
import type { Provider } from '../../services/shared/src/entities';
import type { RecordedCall } from '../fakes/http-fake';
import { inferenceKey } from '../helpers/gateway';
import { message, type RoutingRig, startRoutingRig } from './routing-harness';

/**
 * Model access holds for the model actually called. A key limited to `claude-sonnet-*`
 * sends every spelling, separator, encoding and override we can think of around an allowed model
 * (Sonnet 4.5) and a forbidden one (Opus 4.1), on every provider kind and routing shape; whatever the
 * gateway answers, no request that reaches a fake upstream may name a model other than a Sonnet.
 * The providers here (`v`, `a`, `b`) take only catalogued models, as providers do by default.
 */
const SONNET_KEY = 'gth_test_sonnet_only_0000000000000000000000';
const catalog = createCatalog();
let rig: RoutingRig;

beforeAll(async () => {
  rig = await startRoutingRig({
    seed: {
      api_keys: [inferenceKey(SONNET_KEY, 'sonnet-only', 'dev', { allowed_models: ['claude-sonnet-*'] })],
    },
  });
  // Catalog-only twins of the rig's providers (which accept the fakes' scripted names).
  for (const [from, to] of [
    ['vertex-prod', 'v'],
    ['anthropic-prod', 'a'],
    ['bedrock-prod', 'b'],
  ]) {
    const p = (await rig.gw.store.providers.get(from)) as Provider;
    const { allow_uncatalogued_models: _scripted, ...strict } = p;
    await rig.gw.store.providers.put(to, { ...strict, slug: to });
  }
  while (!rig.gw.deps.providers.get('b')) await new Promise((r) => setTimeout(r, 5));
});
afterAll(() => rig.close());

/**
 * Sonnet 4.5 has the most spellings (alias, dated, `@date`, Bedrock ids), but the Claude API and Vertex
 * retired it on 2026-11-30: the gateway's clock is pinned before that so every provider still calls it.
 */
async function reset(): Promise<void> {
  await rig.reset();
  rig.wallClock = () => Date.parse('2026-11-01T12:00:00Z');
}

/** The model an upstream request names, read the way each platform reads it. */
function calledModel(call: RecordedCall, fake: 'vertex' | 'anthropic' | 'bedrock'): string | undefined {
  if (fake === 'anthropic') return call.body?.model;
  if (fake === 'bedrock') {
    const m = /^\/model\/([^/]+)\/(invoke|invoke-with-response-stream)$/.exec(call.path);
    return m ? decodeURIComponent(m[1]) : undefined;
  }
  const m = /^\/v1\/projects\/[^/]+\/locations\/[^/]+\/publishers\/anthropic\/models\/([^/:]+):(rawPredict|streamRawPredict)$/.exec(call.path);
  return m ? decodeURIComponent(m[1]) : call.body?.model;
}

/** Every call the fakes saw since the last reset names a Sonnet, in a well-formed path. */
function upstreamModels(): { fake: string; path: string; model: string | undefined; resolved: string | undefined }[] {
  const out = [];
  for (const fake of ['vertex', 'anthropic', 'bedrock'] as const) {
    for (const call of rig[fake].calls) {
      const model = calledModel(call, fake);
      out.push({ fake, path: call.path, model, resolved: model === undefined ? undefined : catalog.resolve(model)?.id });
    }
  }
  return out;
}

/** POST with the path exactly as given: no URL normalisation of `..`, `%2F` or anything else. */
function rawPost(path: string, body: unknown, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(rig.gw.url);
    const data = JSON.stringify(body);
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        method: 'POST',
        path,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data), ...headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

const ALLOWED = [
  'claude-sonnet-4-5',
  'claude-sonnet-4-5-20250929',
  'claude-sonnet-4-5@20250929',
  'anthropic.claude-sonnet-4-5-20250929-v1:0',
  'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
  'claude-sonnet-4-5[1m]',
  'Claude-Sonnet-4-5',
];
const FORBIDDEN = [
  'claude-opus-4-1',
  'claude-opus-4-1-20250805',
  'claude-opus-4-1@20250805',
  'anthropic.claude-opus-4-1-20250805-v1:0',
  'eu.anthropic.claude-opus-4-1-20250805-v1:0',
  'claude-opus-4-8',
  'CLAUDE-OPUS-4-1[1m]',
];
const SEPARATORS = ['/', '%2F', '%2f', '%252F', '/../', '\\', '?', '#', '%3F', '%23', ':', '@', '.', '..', ';', ',', '*'];

const spelling = fc.constantFrom(...ALLOWED, ...FORBIDDEN);
/** One model name as a client or config might write it, often two names glued by a separator. */
const modelName = fc.oneof(
  spelling,
  fc.tuple(spelling, fc.constantFrom(...SEPARATORS), spelling).map(([a, s, b]) => `${a}${s}${b}`),
  fc.tuple(fc.constantFrom(...SEPARATORS), spelling).map(([s, b]) => `${s}${b}`),
  spelling.map((b) => `arn:aws:bedrock:us-east-1:123456789012:inference-profile/${b}`),
  spelling.map((b) => `arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/${b}`),
  spelling.map((b) => `projects/p/locations/global/publishers/anthropic/models/${b}`),
);
const slug = fc.constantFrom('v', 'a', 'b');
/** A config leaf: a provider, maybe with an override model, plain or `@slug/model`. */
const leaf = fc.record({
  provider: slug,
  override: fc.option(fc.tuple(fc.boolean(), modelName), { nil: undefined }),
});
type Leaf = { provider: string; override?: [boolean, string] };
const target = ({ provider, override }: Leaf) => {
  if (!override) return { provider: `@${provider}` };
  const [asRef, model] = override;
  return asRef ? { override_params: { model: `@${provider}/${model}` } } : { provider: `@${provider}`, override_params: { model } };
};
/** How the request is routed: the provider header, or an inline config of one of each strategy. */
const routing = fc.oneof(
  slug.map((s) => ({ headers: { 'x-gatehouse-provider': `@${s}` } })),
  leaf.map((l) => ({ config: target(l) })),
  fc.array(leaf, { minLength: 2, maxLength: 3 }).map((ls) => ({ config: { strategy: { mode: 'fallback' }, targets: ls.map(target) } })),
  fc.array(leaf, { minLength: 2, maxLength: 3 }).map((ls) => ({ config: { strategy: { mode: 'loadbalance' }, targets: ls.map(target) } })),
  fc.tuple(leaf, leaf, fc.boolean()).map(([x, y, pick]) => ({
    config: {
      strategy: { mode: 'conditional', conditions: [{ query: { 'metadata.route': { $eq: 'x' } }, then: 'x' }], default: 'y' },
      targets: [
        { name: 'x', ...target(x) },
        { name: 'y', ...target(y) },
      ],
    },
    headers: { 'x-gatehouse-metadata': JSON.stringify({ route: pick ? 'x' : 'y' }) },
  })),
);
/** Where the client puts its model: the body, or the Vertex-shaped path (raw or percent-encoded). */
const transport = fc.constantFrom('body', 'vertex-raw', 'vertex-encoded');

describe('model access holds for the model actually called', () => {
  it('no request reaching an upstream names a model the key may not use (property)', async () => {
    await fc.assert(
      fc.asyncProperty(modelName, routing, transport, fc.boolean(), async (model, route, how, failFirst) => {
        await reset();
        // Failing every fake's first call makes fallbacks reach their later targets.
        if (failFirst) for (const f of [rig.vertex, rig.anthropic, rig.bedrock]) f.enqueue('error-500');
        const headers: Record<string, string> = { 'x-api-key': SONNET_KEY, ...('headers' in route ? route.headers : {}) };
        if ('config' in route) headers['x-gatehouse-config'] = JSON.stringify(route.config);
        const res =
          how === 'body'
            ? await rawPost('/v1/messages', message(model), headers)
            : await rawPost(
                `/v1/projects/p/locations/global/publishers/anthropic/models/${how === 'vertex-raw' ? model : encodeURIComponent(model)}:rawPredict`,
                { anthropic_version: 'vertex-2023-10-16', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] },
                headers,
              );
        for (const seen of upstreamModels()) expect(seen).toMatchObject({ resolved: expect.stringMatching(/^claude-sonnet-/) });
        // Refusals are the client's errors; the gateway never fails on its own.
        expect([200, 400, 403, 404, 500]).toContain(res.status);
      }),
      { numRuns: 200 },
    );
  });
});

describe('regressions: a claude-sonnet-* key and "claude-sonnet-4-5/claude-opus-4-1"', () => {
  beforeEach(() => reset());
  const send = (body: Record<string, unknown>, headers: Record<string, string>) => rawPost('/v1/messages', body, { 'x-api-key': SONNET_KEY, ...headers });
  const refusal =
    /^Model "claude-sonnet-4-5\/claude-opus-4-1" \(resolves to "claude-opus-4-1-20250805" on @[vab]\) is not allowed for key "sonnet-only": allowed models are "claude-sonnet-\*"\.$/;

  it.each([
    ['Vertex', 'v'],
    ['Anthropic', 'a'],
    ['Bedrock', 'b'],
  ])('is refused with 403 on %s and never reaches it', async (_name, provider) => {
    const res = await send(message('claude-sonnet-4-5/claude-opus-4-1'), { 'x-gatehouse-provider': `@${provider}` });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.text).error.message).toMatch(refusal);
    expect(upstreamModels()).toEqual([]);
  });

  it('is refused on the Vertex-shaped route with the slash percent-encoded', async () => {
    const res = await rawPost(
      '/v1/projects/p/locations/global/publishers/anthropic/models/claude-sonnet-4-5%2Fclaude-opus-4-1:rawPredict',
      { anthropic_version: 'vertex-2023-10-16', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] },
      { 'x-api-key': SONNET_KEY, 'x-gatehouse-provider': '@v' },
    );
    expect(res.status).toBe(403);
    expect(upstreamModels()).toEqual([]);
  });

  it('is refused as an override_params.model "@slug/model" of a fallback target, which is never called', async () => {
    rig.vertex.enqueue('error-500');
    const config = { strategy: { mode: 'fallback' }, targets: [{ provider: '@v' }, { override_params: { model: '@a/claude-sonnet-4-5/claude-opus-4-1' } }] };
    const res = await send(message('claude-sonnet-4-5'), { 'x-gatehouse-config': JSON.stringify(config) });
    expect(res.status).toBe(403);
    expect(upstreamModels().map((s) => s.fake)).toEqual(['vertex']);
  });

  it('a name the catalog cannot resolve is a 400 naming it, with the provider setting to change', async () => {
    const res = await send(message('claude-sonnet-private'), { 'x-gatehouse-provider': '@v' });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).error.message).toMatch(
      /^model: "claude-sonnet-private" is not a model the catalog knows, and provider "@v" does not accept uncatalogued model ids \(its allow_uncatalogued_models setting\)/,
    );
    expect(upstreamModels()).toEqual([]);
  });

  it('a provider that allows uncatalogued ids sends the exact id, and the rules match that id', async () => {
    const ok = await send(message('claude-sonnet-private'), { 'x-gatehouse-provider': '@vertex-prod' });
    expect(ok.status).toBe(200);
    expect(rig.vertex.calls.map((c) => c.model)).toEqual(['claude-sonnet-private']);
    const refused = await send(message('opus-private'), { 'x-gatehouse-provider': '@vertex-prod' });
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.text).error.message).toBe('Model "opus-private" is not allowed for key "sonnet-only": allowed models are "claude-sonnet-*".');
    const walking = await send(message('claude-sonnet-x/../../endpoints/1'), { 'x-gatehouse-provider': '@vertex-prod' });
    expect(walking.status).toBe(400);
    expect(rig.vertex.calls).toHaveLength(1);
  });

  it.each([
    ['the Vertex-shaped route', '/v1/projects/p/locations/global/publishers/anthropic/models/claude-sonnet-4-5%zz:rawPredict'],
    ['an invalid UTF-8 escape', '/v1/projects/p/locations/global/publishers/anthropic/models/claude-sonnet-4-5%C0:rawPredict'],
    ['an admin path', '/admin/v1/configs/x%'],
  ])('a malformed percent-escape in %s is a 400, never passed on', async (_name, path) => {
    const res = await rawPost(path, {}, { 'x-api-key': SONNET_KEY });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).error).toMatchObject({ type: 'invalid_request_error', message: expect.stringMatching(/malformed percent-escape/) });
    expect(upstreamModels()).toEqual([]);
  });
});
