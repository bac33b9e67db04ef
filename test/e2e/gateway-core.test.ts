import { startWorkloadIdentity } from '../helpers/workload-identity';
import Anthropic from '@anthropic-ai/sdk';
import { FAKE_METADATA_TOKEN, type FakeMetadata } from '../fakes/fake-metadata';
import { startFakeVertex } from '../fakes/fake-vertex';
import { startFakeAnthropic } from '../fakes/fake-anthropic';
import { FAKE_TOKEN_USAGE, FAKE_USAGE, SONNET_COST_MICROS, type Fake } from '../fakes/script';
import { DEV_KEY, devSeed, startGateway, type TestGateway } from '../helpers/gateway';
import { closeAll } from '../helpers/listen';

/**
 * Claude clients → Gatehouse → fake Vertex (exact wire format), with the real google-auth-library
 * workload-identity path against a fake metadata server on loopback.
 */
let metadata: FakeMetadata;
let vertex: Fake;
let anthropic: Fake;
let gw: TestGateway;
let client: Anthropic;

beforeAll(async () => {
  metadata = await startWorkloadIdentity();
  vertex = await startFakeVertex({ token: FAKE_METADATA_TOKEN });
  anthropic = await startFakeAnthropic({ apiKey: 'sk-ant-test-upstream' });
  gw = await startGateway({
    seed: devSeed({ vertex: vertex.url, anthropic: anthropic.url }),
    processEnv: { ANTHROPIC_API_KEY: 'sk-ant-test-upstream' },
  });
  client = new Anthropic({ baseURL: gw.url, apiKey: DEV_KEY, maxRetries: 0, logLevel: 'error' });
});

afterAll(() => closeAll(gw, vertex, anthropic, metadata));

beforeEach(async () => {
  vertex.reset();
  anthropic.reset();
  await gw.clearEvents();
});

describe('a streamed request reaches Vertex and comes back untouched', () => {
  it('streams the answer with the Vertex transform applied and vertex_event removed', async () => {
    const stream = client.messages.stream({
      model: 'claude-sonnet-4-6',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'hi' }],
    });
    const rawEvents: string[] = [];
    stream.on('streamEvent', (e) => rawEvents.push(e.type));
    const final = await stream.finalMessage();
    expect(final.content.find((b) => b.type === 'text')).toMatchObject({ type: 'text' });
    expect(rawEvents).not.toContain('vertex_event');
    expect(rawEvents[0]).toBe('message_start');
    expect(rawEvents.at(-1)).toBe('message_stop');

    const call = vertex.calls[0];
    expect(call.path).toBe('/v1/projects/my-project/locations/global/publishers/anthropic/models/claude-sonnet-4-6:streamRawPredict');
    expect(call.body.model).toBeUndefined();
    expect(call.body.anthropic_version).toBe('vertex-2023-10-16');
    expect(call.body.stream).toBe(true);
    expect(call.headers.authorization).toBe(`Bearer ${FAKE_METADATA_TOKEN}`);
    expect(call.headers['x-api-key']).toBeUndefined();
  });

  it('records exactly one usage event with cumulative usage and exact cost', async () => {
    const period = new Date().toISOString().slice(0, 7);
    const before = (await gw.store.usageTotals('workspace', 'dev', period)) ?? { requests: 0, cost_micros: 0, output: 0 };
    await client.messages.stream({ model: 'claude-sonnet-4-6', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] }).finalMessage();
    const [event] = await gw.waitForEvents(1);
    expect(event).toMatchObject({
      outcome: 'success',
      status: 200,
      stream: true,
      provider: 'vertex-prod',
      provider_kind: 'vertex',
      model_requested: 'claude-sonnet-4-6',
      model_upstream: 'claude-sonnet-4-6',
      key_name: 'dev',
      workspace_id: 'dev',
      metadata: { team: 'dev' },
      usage: FAKE_TOKEN_USAGE,
      cost_micros: SONNET_COST_MICROS,
    });
    expect(event.ttfb_ms).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 100));
    expect(gw.events).toHaveLength(1);
    const totals = await gw.store.usageTotals('workspace', 'dev', period);
    expect(totals).toMatchObject({
      requests: before.requests + 1,
      cost_micros: before.cost_micros + SONNET_COST_MICROS,
      output: before.output + FAKE_USAGE.output_tokens,
    });
  });
});

describe('non-streaming and count_tokens', () => {
  it('answers a non-streaming request through rawPredict', async () => {
    const msg = await client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] });
    expect(msg.type).toBe('message');
    expect(msg.usage.output_tokens).toBe(FAKE_USAGE.output_tokens);
    expect(vertex.calls[0].path).toMatch(/:rawPredict$/);
    const [event] = await gw.waitForEvents(1);
    expect(event).toMatchObject({ stream: false, usage: FAKE_TOKEN_USAGE, cost_micros: SONNET_COST_MICROS });
  });

  it('counts tokens through count-tokens:rawPredict with the model kept in the body', async () => {
    const res = await client.messages.countTokens({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'hello' }] });
    expect(res.input_tokens).toBeGreaterThan(0);
    expect(vertex.calls[0].path).toMatch(/\/models\/count-tokens:rawPredict$/);
    expect(vertex.calls[0].body.model).toBe('claude-sonnet-4-6');
    const [event] = await gw.waitForEvents(1);
    expect(event).toMatchObject({ route: 'count_tokens', cost_micros: 0 });
  });
});

describe('provider header and errors', () => {
  it('routes to the provider named in x-gatehouse-provider (x-portkey-provider alias)', async () => {
    const msg = await client.messages.create(
      { model: 'claude-sonnet-4-6', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] },
      { headers: { 'x-portkey-provider': '@anthropic-prod' } },
    );
    expect(msg.type).toBe('message');
    expect(anthropic.calls).toHaveLength(1);
    expect(anthropic.calls[0].headers['x-api-key']).toBe('sk-ant-test-upstream');
    expect(anthropic.calls[0].headers.authorization).toBeUndefined();
    expect(vertex.calls).toHaveLength(0);
  });

  it('translates a Google 429 envelope (array form) into an Anthropic rate_limit_error', async () => {
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${DEV_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'error-429-array', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(res.status).toBe(429);
    const body = await res.json();
    expect(body).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    expect(body.error.message).toMatch(/Resource exhausted/);
    const [event] = await gw.waitForEvents(1);
    expect(event).toMatchObject({ outcome: 'upstream_error', status: 429, error_type: 'rate_limit_error' });
  });

  const badBeta = (betas: string) =>
    fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${DEV_KEY}`, 'content-type': 'application/json', 'anthropic-beta': betas },
      body: JSON.stringify({ model: 'bad-beta', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
    });

  it('retries once without a beta that Vertex names as unexpected', async () => {
    const res = await badBeta('interleaved-thinking-2025-05-14');
    expect(res.status).toBe(200);
    expect(vertex.calls).toHaveLength(2);
    expect(vertex.calls[0].headers['anthropic-beta']).toBe('interleaved-thinking-2025-05-14');
    expect(vertex.calls[1].headers['anthropic-beta']).toBeUndefined();
  });

  it('passes an Anthropic-shaped Vertex 400 through byte for byte when the retry is rejected too', async () => {
    const res = await badBeta('interleaved-thinking-2025-05-14,context-management-2025-06-27');
    expect(res.status).toBe(400);
    expect(vertex.calls).toHaveLength(2);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' }, request_id: expect.stringMatching(/^req_vrtx_/) });
    expect(text).toMatch(/Unexpected value\(s\) `context-management-2025-06-27` for the `anthropic-beta` header/);
  });

  it('turns an upstream failure after the first byte into an SSE error event', async () => {
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': DEV_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'cut-after-start', stream: true, max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/^event: message_start/);
    expect(text).toMatch(/event: error\ndata: \{"type":"error","error":\{"type":"api_error"/);
    const [event] = await gw.waitForEvents(1);
    expect(event).toMatchObject({ outcome: 'upstream_error', usage: { input: FAKE_USAGE.input_tokens } });
  });
});

describe('client cancel', () => {
  it('aborts the upstream call and records the cancel with the usage seen so far', async () => {
    const ac = new AbortController();
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': DEV_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'slow-gap-3000', stream: true, max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
      signal: ac.signal,
    });
    const reader = res.body!.getReader();
    const { value } = await reader.read();
    expect(Buffer.from(value!).toString()).toMatch(/^event: message_start/);
    ac.abort();
    const [event] = await gw.waitForEvents(1);
    expect(event).toMatchObject({ outcome: 'client_cancel', usage: { input: FAKE_USAGE.input_tokens } });
    expect(event.latency_ms).toBeLessThan(3000);
  });
});

describe('response headers and models', () => {
  it('sets request, trace and provider headers and keeps a client trace id', async () => {
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': DEV_KEY, 'content-type': 'application/json', 'x-gatehouse-trace-id': 'trace-abc', 'x-claude-code-session-id': 'sess-1' },
      body: JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-gatehouse-trace-id')).toBe('trace-abc');
    expect(res.headers.get('x-gatehouse-request-id')).toMatch(/^req_gth_/);
    expect(res.headers.get('x-gatehouse-provider')).toBe('@vertex-prod');
    const [event] = await gw.waitForEvents(1);
    expect(event).toMatchObject({ trace_id: 'trace-abc', session_id: 'sess-1', request_id: res.headers.get('x-gatehouse-request-id') });
  });

  it('lists models in Anthropic list format', async () => {
    const page = await client.models.list();
    const ids = page.data.map((m) => m.id);
    expect(ids).toEqual(expect.arrayContaining(['claude-opus-5-5', 'claude-sonnet-4-6']));
  });

  it('answers the warm-up probes without auth', async () => {
    expect((await fetch(`${gw.url}/api/hello`, { method: 'HEAD' })).status).toBe(200);
    expect((await fetch(`${gw.url}/`, { method: 'HEAD' })).status).toBe(200);
    expect((await fetch(`${gw.url}/healthz`)).status).toBe(200);
  });
});
