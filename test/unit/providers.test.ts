import { inboundRequest, upstreamJson } from '../helpers/inbound';
import { createCatalog } from '../../services/shared/src/catalog';
import type { AnthropicProvider, VertexProvider } from '../../services/shared/src/entities';
import { BEDROCK_PROVIDER } from '../helpers/providers';
import { toAnthropicRequest } from '../../services/gateway/src/providers/anthropic';
import type { InboundRequest } from '../../services/gateway/src/providers/types';
import { toBedrockRequest } from '../../services/gateway/src/providers/bedrock/to-upstream';
import { retryAfterSecondsOf, upstreamError } from '../../services/gateway/src/providers/upstream-errors';
import { rejectedBetas, toVertexRequest, vertexBaseUrl } from '../../services/gateway/src/providers/vertex';

const catalog = createCatalog();
const vertex = (over: Partial<VertexProvider> = {}): VertexProvider => ({
  slug: 'v',
  kind: 'vertex',
  project_id: 'proj',
  region: 'global',
  credentials: { adc: true },
  ...over,
});
const inbound = (over: Partial<Omit<InboundRequest, 'body'>> & { body?: Record<string, unknown> } = {}): InboundRequest => {
  const { body, ...rest } = over;
  const b = body ?? {
    model: 'claude-sonnet-4-5-20250929',
    max_tokens: 10,
    stream: true,
    messages: [{ role: 'user', content: 'hi' }],
    unknown_field: { kept: true },
  };
  return inboundRequest(b, { stream: true, ...rest });
};

describe('vertex transform', () => {
  it.each([
    ['global', undefined, 'https://aiplatform.googleapis.com'],
    ['us', undefined, 'https://aiplatform.us.rep.googleapis.com'],
    ['eu', undefined, 'https://aiplatform.eu.rep.googleapis.com'],
    ['us-east5', undefined, 'https://us-east5-aiplatform.googleapis.com'],
    ['global', 'http://127.0.0.1:9100/', 'http://127.0.0.1:9100'],
  ])('region %s (base_url %s) → %s', (region, base_url, want) => {
    expect(vertexBaseUrl(vertex({ region, base_url }))).toBe(want);
  });

  it('moves the model into the URL in @date form, keeps stream and unknown fields, adds anthropic_version', () => {
    const up = toVertexRequest(inbound(), vertex({ region: 'us-east5' }), catalog);
    expect(up.url).toBe(
      'https://us-east5-aiplatform.googleapis.com/v1/projects/proj/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929:streamRawPredict',
    );
    const body = upstreamJson(up);
    expect(body).toEqual({
      anthropic_version: 'vertex-2023-10-16',
      max_tokens: 10,
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
      unknown_field: { kept: true },
    });
    expect(up.framing).toBe('sse');
    expect(up.modelUpstream).toBe('claude-sonnet-4-5@20250929');
  });

  it('maps Claude Code names: undated newer models, aliases and a [1m] suffix', () => {
    const url = (model: string) => toVertexRequest(inbound({ body: { model }, stream: false }), vertex(), catalog).url;
    expect(url('claude-opus-5-5')).toMatch(/models\/claude-opus-5-5:rawPredict$/);
    expect(url('claude-sonnet-4-5')).toMatch(/models\/claude-sonnet-4-5@20250929:rawPredict$/);
    expect(url('claude-opus-4-8[1m]')).toMatch(/models\/claude-opus-4-8:rawPredict$/);
  });

  it('keeps the model in the body for count-tokens', () => {
    const up = toVertexRequest(inbound({ op: 'count_tokens', stream: false, body: { model: 'claude-sonnet-4-5', messages: [] } }), vertex(), catalog);
    expect(up.url).toMatch(/\/models\/count-tokens:rawPredict$/);
    expect(upstreamJson(up)).toMatchObject({ model: 'claude-sonnet-4-5@20250929', anthropic_version: 'vertex-2023-10-16' });
    expect(up.framing).toBe('json');
  });

  it('sends betas in the header after the Vertex policy', () => {
    const betas = ['claude-code-20250219', 'interleaved-thinking-2025-05-14', 'advanced-tool-use-2025-11-20', 'oauth-2025-04-20'];
    const up = toVertexRequest(inbound({ betas }), vertex(), catalog);
    expect(up.headers['anthropic-beta']).toBe(catalog.filterBetas('vertex', betas).join(','));
    expect(up.headers['anthropic-beta']).not.toContain('oauth-2025-04-20');
  });

  it('reads the betas a Vertex 400 rejects', () => {
    expect(rejectedBetas('Unexpected value(s) `a-1, b-2` for the `anthropic-beta` header. Please consult our documentation')).toEqual(['a-1', 'b-2']);
    expect(rejectedBetas('prompt is too long')).toEqual([]);
  });
});

describe('anthropic transform', () => {
  const p: AnthropicProvider = { slug: 'a', kind: 'anthropic', credentials: { env: 'K' } };
  it('passes the body through with the canonical model id and the betas unchanged', () => {
    const up = toAnthropicRequest(inbound({ betas: ['x-1', 'y-2'] }), p, catalog);
    expect(up.url).toBe('https://api.anthropic.com/v1/messages');
    expect(up.headers['anthropic-beta']).toBe('x-1,y-2');
    expect(upstreamJson(up)).toMatchObject({ model: 'claude-sonnet-4-5-20250929', unknown_field: { kept: true } });
  });
});

describe('each provider checks the shape of a model id before it goes upstream', () => {
  const anthropic: AnthropicProvider = { slug: 'a', kind: 'anthropic', credentials: { env: 'K' } };
  const build = {
    vertex: (model: string) => toVertexRequest(inbound({ model }), vertex(), catalog),
    anthropic: (model: string) => toAnthropicRequest(inbound({ model }), anthropic, catalog),
    bedrock: (model: string) => toBedrockRequest(inbound({ model }), BEDROCK_PROVIDER, catalog),
  };
  it.each([
    ['vertex', 'private-model/../../endpoints/1'],
    ['vertex', 'private..model'],
    ['vertex', 'private%2Fmodel'],
    ['anthropic', 'private/model'],
    ['anthropic', 'private?model'],
    ['anthropic', 'private#model'],
    ['bedrock', 'arn:aws:bedrock:us-east-1:123456789012:inference-profile/a/b'],
    ['bedrock', 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/..'],
    ['bedrock', 'private/model'],
    ['bedrock', 'private%model'],
  ] as const)('%s refuses "%s" with a 400', (kind, model) => {
    expect(() => build[kind](model)).toThrow(
      expect.objectContaining({ type: 'invalid_request_error', message: expect.stringMatching(/^model: ".*" is not a/) }),
    );
  });
  it.each([
    ['vertex', 'private-model@20250101'],
    ['anthropic', 'claude-private-1'],
    ['bedrock', 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123xyz'],
    ['bedrock', 'us.anthropic.claude-private-v1:0'],
  ] as const)('%s accepts "%s"', (kind, model) => {
    expect(build[kind](model).modelUpstream).toBe(model);
  });
});

describe('upstream error translation', () => {
  it('passes an Anthropic-shaped error through byte for byte', () => {
    const raw =
      '{"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 460500 tokens > 200000 maximum"},"request_id":"req_vrtx_1"}';
    const err = upstreamError('Vertex AI', 400, {}, raw);
    expect(err).toMatchObject({ type: 'invalid_request_error', status: 400, retryable: false });
    expect(err.opts.rawBody).toBe(raw);
  });

  it.each([
    ['object', '{"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED"}}'],
    ['array', '[{"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED"}}]'],
  ])('translates a Google 429 envelope (%s form) to rate_limit_error', (_form, body) => {
    const err = upstreamError('Vertex AI', 429, { 'retry-after': '3' }, body);
    expect(err).toMatchObject({ type: 'rate_limit_error', status: 429, retryable: true, message: 'Vertex AI (RESOURCE_EXHAUSTED): Quota exceeded' });
    expect(err.opts.retryAfterSeconds).toBe(3);
    expect(err.opts.rawBody).toBeUndefined();
  });

  it.each([
    [401, 'UNAUTHENTICATED', 'authentication_error'],
    [403, 'PERMISSION_DENIED', 'permission_error'],
    [404, 'NOT_FOUND', 'not_found_error'],
    [503, 'UNAVAILABLE', 'api_error'],
    [504, 'DEADLINE_EXCEEDED', 'timeout_error'],
  ])('maps Google %i %s to %s', (status, google, type) => {
    const err = upstreamError('Vertex AI', status, {}, JSON.stringify({ error: { code: status, message: 'm', status: google } }));
    expect(err.type).toBe(type);
    expect(err.status).toBe(status);
  });

  it('describes a non-JSON error body', () => {
    expect(upstreamError('Anthropic', 502, {}, '<html>bad gateway</html>').message).toBe('Anthropic answered HTTP 502: <html>bad gateway</html>');
  });
});

describe('retry-after from upstream headers', () => {
  const now = Date.parse('2026-11-27T10:00:00Z');
  it.each([
    [{ 'retry-after': '3' }, 3],
    [{ 'retry-after-ms': '1500' }, 1.5],
    [{ 'retry-after-ms': '250', 'retry-after': '9' }, 0.25],
    [{ 'retry-after': 'Fri, 27 Nov 2026 10:00:07 GMT' }, 7],
    [{ 'retry-after': 'soon' }, undefined],
    [{}, undefined],
  ])('%j → %s s', (headers, want) => {
    expect(retryAfterSecondsOf(headers, now)).toBe(want);
  });
});
