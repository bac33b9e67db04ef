/** Self-test of the fake upstreams: if a fake drifts from the wire format, gateway tests prove nothing. */
import { startFakeAnthropic } from '../fakes/fake-anthropic';
import { startFakeVertex } from '../fakes/fake-vertex';
import { parseSse } from '../fakes/read';
import { createScript, FAKE_START_OUTPUT_TOKENS, FAKE_TOOL, FAKE_USAGE, fakeCountTokens, parseBehaviour, type Fake } from '../fakes/script';

const BASE = '/v1/projects/p1/locations/us-east5/publishers/anthropic/models';
const MESSAGES = [{ role: 'user', content: 'Hey Claude!' }];
const vertexBody = (extra: Record<string, unknown> = {}) => ({ anthropic_version: 'vertex-2023-10-16', max_tokens: 64, messages: MESSAGES, ...extra });

describe('script: behaviour by model name', () => {
  it.each([
    ['error-429@20250101', { kind: 'error-429', form: 'object' }],
    ['us.anthropic.error-429-array-v1:0', { kind: 'error-429', form: 'array' }],
    ['error-500', { kind: 'error-500' }],
    ['error-529', { kind: 'error-529' }],
    ['slow-250@20250101', { kind: 'slow', ms: 250 }],
    ['us.anthropic.slow-gap-300-v1:0', { kind: 'slow-gap', ms: 300 }],
    ['cut-after-start', { kind: 'cut-after-start' }],
    ['flaky-2', { kind: 'flaky', n: 2 }],
    ['reset', { kind: 'reset' }],
    ['bad-beta', { kind: 'bad-beta' }],
    ['stream-exception', { kind: 'stream-exception' }],
    ['stream@20250101', { kind: 'stream' }],
    ['ok', { kind: 'ok' }],
    ['claude-sonnet-4-5@20250929', { kind: 'ok' }],
  ])('%s', (model, want) => expect(parseBehaviour(model)).toEqual(want));

  it('counts flaky calls per model and lets a queued behaviour win over the name', () => {
    const s = createScript();
    expect([s.next('flaky-2'), s.next('flaky-2'), s.next('flaky-2')].map((b) => b.kind)).toEqual(['error-500', 'error-500', 'ok']);
    s.enqueue('error-429');
    s.enqueue({ kind: 'slow', ms: 5 });
    expect([s.next('ok'), s.next('ok'), s.next('ok')].map((b) => b.kind)).toEqual(['error-429', 'slow', 'ok']);
  });
});

describe('fake Vertex', () => {
  let fake: Fake;
  beforeAll(async () => (fake = await startFakeVertex()));
  afterAll(() => fake.close());
  beforeEach(() => fake.reset());
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(fake.url + path, {
      method: 'POST',
      headers: { authorization: 'Bearer ya29.test', 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  it('streams the Anthropic grammar with a ping, tool_use, cumulative usage and a vertex_event before message_stop', async () => {
    const res = await post(`${BASE}/stream@20250101:streamRawPredict`, vertexBody({ stream: true }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = parseSse(await res.text());
    expect(events.map((e) => e.event)).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'vertex_event',
      'message_stop',
    ]);
    const start = events[0].data.message;
    expect(start.id).toMatch(/^msg_vrtx_/);
    expect(start.usage).toEqual({ ...FAKE_USAGE, output_tokens: FAKE_START_OUTPUT_TOKENS });
    expect(
      events
        .filter((e) => e.data.delta?.type === 'text_delta')
        .map((e) => e.data.delta.text)
        .join(''),
    ).toBe('Hello from fake-vertex');
    const json = events
      .filter((e) => e.data.delta?.type === 'input_json_delta')
      .map((e) => e.data.delta.partial_json)
      .join('');
    expect(JSON.parse(json)).toEqual(FAKE_TOOL.input);
    expect(events[12].data).toMatchObject({ delta: { stop_reason: 'tool_use' }, usage: { output_tokens: FAKE_USAGE.output_tokens } });
    expect(events[13].data.usage.tiers['0-to-200000']).toBeDefined();
    expect(fake.calls[0]).toMatchObject({ method: 'POST', model: 'stream@20250101', headers: { authorization: 'Bearer ya29.test' }, body: { stream: true } });
  });

  it('answers rawPredict with a Message whose model is the hyphen form', async () => {
    const res = await post(`${BASE}/claude-haiku-4-5@20251001:rawPredict`, vertexBody());
    const msg = await res.json();
    expect(msg).toMatchObject({
      model: 'claude-haiku-4-5-20251001',
      stop_reason: 'end_turn',
      content: [{ type: 'text', text: 'Hello from fake-vertex' }],
      usage: FAKE_USAGE,
    });
    expect(msg.id).toMatch(/^msg_vrtx_/);
  });

  it('counts tokens deterministically, with model kept in the body', async () => {
    const body = vertexBody({ model: 'claude-haiku-4-5@20251001' });
    const res = await post(`${BASE}/count-tokens:rawPredict`, body);
    expect(await res.json()).toEqual({ input_tokens: fakeCountTokens(body) });
  });

  it('refuses a missing bearer token with the Google UNAUTHENTICATED envelope', async () => {
    const res = await fetch(`${fake.url}${BASE}/ok:rawPredict`, { method: 'POST', body: JSON.stringify(vertexBody()) });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe('application/json; charset=UTF-8');
    expect((await res.json()).error).toMatchObject({ code: 401, status: 'UNAUTHENTICATED' });
  });

  it.each([
    ['model left in the body', vertexBody({ model: 'ok' }), 'model: Extra inputs are not permitted'],
    ['no anthropic_version', { max_tokens: 64, messages: MESSAGES }, 'anthropic_version: Field required'],
  ])('rejects a body with %s in the Anthropic envelope', async (_name, body, message) => {
    const res = await post(`${BASE}/ok:rawPredict`, body);
    expect(res.status).toBe(400);
    const err = await res.json();
    expect(err).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message } });
    expect(err.request_id).toMatch(/^req_vrtx_/);
  });

  it('rejects the Anthropic dated model form and unknown query parameters as Google would', async () => {
    expect((await post(`${BASE}/claude-haiku-4-5-20251001:rawPredict`, vertexBody())).status).toBe(404);
    const res = await post(`${BASE}/ok:rawPredict?beta=true`, vertexBody());
    expect(res.status).toBe(400);
    expect((await res.json()).error.status).toBe('INVALID_ARGUMENT');
  });

  it('answers error-429 in the object form and error-429-array in the array form', async () => {
    const obj = await post(`${BASE}/error-429:streamRawPredict`, vertexBody({ stream: true }));
    expect(obj.status).toBe(429);
    expect((await obj.json()).error).toMatchObject({ code: 429, status: 'RESOURCE_EXHAUSTED' });
    const arr = await post(`${BASE}/error-429-array:streamRawPredict`, vertexBody({ stream: true }));
    expect(arr.status).toBe(429);
    expect(arr.headers.get('content-type')).toBe('application/json; charset=UTF-8');
    const body = await arr.json();
    expect(Array.isArray(body)).toBe(true);
    expect(body[0].error).toMatchObject({ code: 429, status: 'RESOURCE_EXHAUSTED' });
  });

  it('answers error-500 with the Google INTERNAL envelope', async () => {
    const res = await post(`${BASE}/error-500:rawPredict`, vertexBody());
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: { code: 500, message: 'Internal error encountered.', status: 'INTERNAL' } });
  });

  it('names the first beta of the request for bad-beta, and answers ok without betas', async () => {
    const res = await post(`${BASE}/bad-beta:rawPredict`, vertexBody(), { 'anthropic-beta': 'oauth-2025-04-20, interleaved-thinking-2025-05-14' });
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toMatch(/^Unexpected value\(s\) `oauth-2025-04-20` for the `anthropic-beta` header/);
    expect((await post(`${BASE}/bad-beta:rawPredict`, vertexBody())).status).toBe(200);
  });

  it('follows the scripted queue before the model name, and flaky-2 fails twice', async () => {
    fake.enqueue('error-429');
    expect((await post(`${BASE}/ok:rawPredict`, vertexBody())).status).toBe(429);
    expect((await post(`${BASE}/ok:rawPredict`, vertexBody())).status).toBe(200);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await post(`${BASE}/flaky-2:rawPredict`, vertexBody())).status);
    expect(statuses).toEqual([500, 500, 200]);
  });

  it('drops the connection for reset, and after message_start for cut-after-start', async () => {
    await expect(post(`${BASE}/reset:rawPredict`, vertexBody())).rejects.toThrow();
    const res = await post(`${BASE}/cut-after-start:streamRawPredict`, vertexBody({ stream: true }));
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toMatch(/^event: message_start\n/);
    await expect(
      (async () => {
        while (!(await reader.read()).done);
      })(),
    ).rejects.toThrow();
  });

  it('delays the first byte for slow-<ms>', async () => {
    const t0 = Date.now();
    expect((await post(`${BASE}/slow-300:rawPredict`, vertexBody())).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
  });
});

describe('fake Anthropic', () => {
  let fake: Fake;
  beforeAll(async () => (fake = await startFakeAnthropic()));
  afterAll(() => fake.close());
  const post = (path: string, body: unknown, headers: Record<string, string> = { 'x-api-key': 'sk-ant-test' }) =>
    fetch(fake.url + path, {
      method: 'POST',
      headers: { 'anthropic-version': '2023-06-01', 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  const body = (model: string, extra: Record<string, unknown> = {}) => ({ model, max_tokens: 64, messages: MESSAGES, ...extra });

  it('streams with the byte-exact ping and a request-id header', async () => {
    const res = await post('/v1/messages?beta=true', body('claude-opus-5', { stream: true }));
    expect(res.headers.get('request-id')).toMatch(/^req_/);
    const text = await res.text();
    expect(text).toContain('event: ping\ndata: {"type": "ping"}\n\n');
    const events = parseSse(text);
    expect(events.map((e) => e.event)).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(events[0].data.message).toMatchObject({ model: 'claude-opus-5', usage: { output_tokens: 1 } });
    expect(events[7].data.usage.output_tokens).toBe(42);
  });

  it('answers messages and count_tokens as JSON', async () => {
    expect(await (await post('/v1/messages', body('ok'))).json()).toMatchObject({ content: [{ text: 'Hello from fake-anthropic' }], usage: FAKE_USAGE });
    const b = body('ok');
    expect(await (await post('/v1/messages/count_tokens', b)).json()).toEqual({ input_tokens: fakeCountTokens(b) });
  });

  it('requires a key (x-api-key, or Bearer as @anthropic-ai/sdk 1.x sends it)', async () => {
    expect((await post('/v1/messages', body('ok'), { authorization: 'Bearer sk-ant-test' })).status).toBe(200);
    const res = await post('/v1/messages', body('ok'), {});
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
  });

  it('answers 429 with retry-after, 529 overloaded_error, and mid-stream errors after message_start', async () => {
    const r429 = await post('/v1/messages', body('error-429'));
    expect(r429.status).toBe(429);
    expect(r429.headers.get('retry-after')).toBe('1');
    expect((await r429.json()).error.type).toBe('rate_limit_error');
    const r529 = await post('/v1/messages', body('error-529'));
    expect(r529.status).toBe(529);
    expect((await r529.json()).error).toEqual({ type: 'overloaded_error', message: 'Overloaded' });
    const events = parseSse(await (await post('/v1/messages', body('stream-exception', { stream: true }))).text());
    expect(events.map((e) => e.event)).toEqual(['message_start', 'error']);
  });
});
