import { generateKeySecret } from '../../services/gateway/src/auth/keys';
import { startWorkloadIdentity } from '../helpers/workload-identity';
import { startFakeVertex } from '../fakes/fake-vertex';
import type { FakeMetadata } from '../fakes/fake-metadata';
import type { Fake } from '../fakes/script';
import { DEV_KEY, devSeed, startGateway, type TestGateway } from '../helpers/gateway';
import { closeAll } from '../helpers/listen';

/** Every client mistake gets an Anthropic-shaped 4xx that says what to fix, and the gateway keeps serving. */
const REVOKED = 'gth_revoked_0123456789abcdef0123456789ab';
const EXPIRED = 'gth_expired_0123456789abcdef0123456789ab';
let metadata: FakeMetadata;
let vertex: Fake;
let gw: TestGateway;

beforeAll(async () => {
  metadata = await startWorkloadIdentity();
  vertex = await startFakeVertex();
  const base = { type: 'workspace' as const, kind: 'user' as const, workspace_id: 'dev', scopes: ['completions'], defaults: { config_id: 'default' } };
  gw = await startGateway({
    seed: devSeed(
      { vertex: vertex.url },
      {
        api_keys: [
          { ...base, key: REVOKED, name: 'gone', status: 'revoked' },
          { ...base, key: EXPIRED, name: 'old', status: 'active', expires_at: '2020-01-01T00:00:00Z' },
        ],
      },
    ),
    env: { GATEHOUSE_MAX_BODY_BYTES: String(64 * 1024) },
  });
});

afterAll(() => closeAll(gw, vertex, metadata));

const okBody = JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] });

/** A request body streamed in `n` chunks of `size` bytes, so that no content-length announces it. */
function chunked(n: number, size: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(c) {
      if (sent++ < n) c.enqueue(new Uint8Array(size).fill(0x20));
      else c.close();
    },
  });
}

function post(path: string, body: string, headers: Record<string, string> = {}) {
  return fetch(`${gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': DEV_KEY, ...headers }, body });
}

it.each([
  ['malformed JSON', () => post('/v1/messages', '{"model": "claude', {}), 400, 'invalid_request_error', /not valid JSON/],
  ['a body that is not an object', () => post('/v1/messages', '[1,2]'), 400, 'invalid_request_error', /must be a JSON object/],
  ['an empty body', () => post('/v1/messages', ''), 400, 'invalid_request_error', /body is empty/],
  ['no model', () => post('/v1/messages', '{"messages":[]}'), 400, 'invalid_request_error', /model: field required/],
  ['a bad escape inside a string', () => post('/v1/messages', '{"model":"\\x"}'), 400, 'invalid_request_error', /member "model": Bad escaped character/],
  [
    'a member sent twice',
    () => post('/v1/messages', '{"model":"claude-haiku-4-5","stream":false,"stream":true}'),
    400,
    'invalid_request_error',
    /member "stream" appears twice/,
  ],
  [
    'a model name that walks out of the Vertex path',
    () => post('/v1/messages', JSON.stringify({ model: '../../../../projects/victim/locations/x/endpoints/1:predict?x=', max_tokens: 5, messages: [] })),
    400,
    'invalid_request_error',
    /is not a Vertex model id/,
  ],
  [
    'a model name with spaces',
    () => post('/v1/messages', JSON.stringify({ model: 'claude haiku', messages: [] })),
    400,
    'invalid_request_error',
    /printable characters, no spaces/,
  ],
  ['no key', () => post('/v1/messages', okBody, { 'x-api-key': '' }), 401, 'authentication_error', /No API key/],
  ['a malformed key', () => post('/v1/messages', okBody, { 'x-api-key': 'gth_nope' }), 401, 'authentication_error', /checksum does not match/],
  ['an unknown key', () => post('/v1/messages', okBody, { 'x-api-key': generateKeySecret() }), 401, 'authentication_error', /not known/],
  ['a revoked key', () => post('/v1/messages', okBody, { 'x-api-key': REVOKED }), 401, 'authentication_error', /revoked/],
  ['an expired key', () => post('/v1/messages', okBody, { 'x-api-key': EXPIRED }), 401, 'authentication_error', /expired at 2020/],
  [
    'an unknown provider slug',
    () => post('/v1/messages', okBody, { 'x-gatehouse-provider': '@nowhere' }),
    400,
    'invalid_request_error',
    /Unknown provider "@nowhere"/,
  ],
  ['an unknown config id', () => post('/v1/messages', okBody, { 'x-gatehouse-config': 'no-such-config' }), 404, 'not_found_error', /Config "no-such-config"/],
  [
    'a metadata header that is not JSON',
    () => post('/v1/messages', okBody, { 'x-gatehouse-metadata': 'team=web' }),
    400,
    'invalid_request_error',
    /x-gatehouse-metadata: .*not valid JSON/,
  ],
  [
    'metadata that is not an object',
    () => post('/v1/messages', okBody, { 'x-gatehouse-metadata': '["a"]' }),
    400,
    'invalid_request_error',
    /must be a JSON object/,
  ],
  [
    'a metadata value that is an object',
    () => post('/v1/messages', okBody, { 'x-gatehouse-metadata': '{"a":{"b":1}}' }),
    400,
    'invalid_request_error',
    /value of "a" must be a string/,
  ],
  [
    'an oversize body',
    () => post('/v1/messages', JSON.stringify({ model: 'x', pad: 'a'.repeat(70 * 1024) })),
    413,
    'request_too_large',
    /limit of 65536 bytes/,
  ],
  [
    'a compressed body',
    () => post('/v1/messages', okBody, { 'content-encoding': 'gzip' }),
    400,
    'invalid_request_error',
    /Unsupported request encoding "gzip"/,
  ],
  [
    'an oversize body sent without a length',
    () => fetch(`${gw.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': DEV_KEY }, body: chunked(3, 30 * 1024), duplex: 'half' } as RequestInit),
    413,
    'request_too_large',
    /limit of 65536 bytes/,
  ],
  ['an unknown route', () => fetch(`${gw.url}/v1/complete`, { method: 'POST' }), 404, 'not_found_error', /No route for POST \/v1\/complete/],
])('%s', async (_name, send, status, type, message) => {
  const res = await send();
  expect(res.status).toBe(status);
  const body = await res.json();
  expect(body).toMatchObject({ type: 'error', error: { type } });
  expect(body.error.message).toMatch(message);
  // and the gateway is still serving
  const ok = await post('/v1/messages', okBody);
  expect(ok.status).toBe(200);
  await ok.text();
});

it('sends nothing upstream for a model name that would change the Vertex URL', async () => {
  vertex.reset();
  const res = await post('/v1/messages', JSON.stringify({ model: 'x/../../other:rawPredict', messages: [] }));
  expect(res.status).toBe(400);
  expect(vertex.calls).toHaveLength(0);
});

it('checks the key before reading the body', async () => {
  const res = await post('/v1/messages', JSON.stringify({ model: 'x', pad: 'a'.repeat(70 * 1024) }), { 'x-api-key': 'gth_nope' });
  expect(res.status).toBe(401);
});

it('records an oversize body as one rejected usage event with its key', async () => {
  await gw.clearEvents();
  const res = await post('/v1/messages', JSON.stringify({ model: 'x', pad: 'a'.repeat(70 * 1024) }));
  expect(res.status).toBe(413);
  const [event] = await gw.waitForEvents(1);
  expect(event).toMatchObject({ outcome: 'rejected', status: 413, error_type: 'request_too_large', key_name: 'dev' });
});

it('records a client that goes away while sending its body as one cancelled usage event', async () => {
  await gw.clearEvents();
  const { request } = await import('node:http');
  const req = request(`${gw.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': DEV_KEY, 'content-length': '50000' } });
  req.on('error', () => undefined);
  req.write('{"model": "claude-haiku-4-5", "messages": [');
  await new Promise((r) => setTimeout(r, 50));
  req.destroy();
  const [event] = await gw.waitForEvents(1);
  expect(event).toMatchObject({ outcome: 'client_cancel', status: 499, key_name: 'dev' });
});

it('records a rejected request as one usage event', async () => {
  await gw.clearEvents();
  const res = await post('/v1/messages', okBody, { 'x-api-key': REVOKED });
  await res.text();
  const [event] = await gw.waitForEvents(1);
  expect(event).toMatchObject({ outcome: 'rejected', status: 401, error_type: 'authentication_error', cost_micros: 0 });
});

it('says what is wrong with a stored config that was written around the admin API', async () => {
  await gw.store.configs.put('broken', {
    id: 'broken',
    version: 1,
    config: { strategy: { mode: 'fallback' }, targets: [{ provider: '@vertex-prod', retry: { attempts: 99 } }] },
  });
  let res: Response | undefined;
  for (let i = 0; i < 50 && res?.status !== 400; i++) {
    res = await post('/v1/messages', okBody, { 'x-gatehouse-config': 'broken' });
    if (res.status !== 400) await new Promise((r) => setTimeout(r, 20));
  }
  expect(res!.status).toBe(400);
  expect((await res!.json()).error.message).toMatch(/Stored config "broken" is invalid: .*targets\[0\]\.retry\.attempts/);
});
