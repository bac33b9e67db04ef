import { startWorkloadIdentity } from '../helpers/workload-identity';
import { FAKE_METADATA_TOKEN, type FakeMetadata } from '../fakes/fake-metadata';
import { startFakeVertex } from '../fakes/fake-vertex';
import type { Fake } from '../fakes/script';
import { expectNoSecrets, inferenceKey, startGateway, type TestGateway } from '../helpers/gateway';
import { call } from './admin-fixtures';
import { closeAll } from '../helpers/listen';

/**
 * docs/design.md §7.2–7.3: the allow-lists an admin sets on keys and workspaces hold on every model route
 * (Anthropic and Vertex shaped, count_tokens, the model list), and the metadata an admin pins cannot
 * be overridden by the request. Behind the gateway: fake Vertex, with ADC from a fake metadata server.
 */
const KEYS = {
  haiku: 'gth_test_haiku_only_00000000000000000000000',
  open: 'gth_test_unrestricted_000000000000000000000',
  restrictedWs: 'gth_test_sonnet_workspace_0000000000000000',
  pinned: 'gth_test_pinned_metadata_00000000000000000',
  retiring: 'gth_test_retiring_workspace_00000000000000',
  org: 'gth_test_model_access_org_0000000000000000',
};
let metadata: FakeMetadata;
let vertex: Fake;
let gw: TestGateway;

const seedKey = (key: string, name: string, workspace: string, over: Record<string, unknown> = {}) =>
  inferenceKey(key, name, workspace, { key_id: `key_${name}`, defaults: { config_id: 'default' }, ...over });

beforeAll(async () => {
  metadata = await startWorkloadIdentity();
  vertex = await startFakeVertex({ token: FAKE_METADATA_TOKEN });
  gw = await startGateway({
    seed: {
      workspaces: [
        { id: 'dev', name: 'Dev', status: 'active', defaults: { metadata: { team: 'ws-team', env: 'ws-env' } } },
        { id: 'sonnet-only', name: 'Sonnet only', status: 'active', defaults: { allowed_models: ['claude-sonnet-4-6*'] } },
        { id: 'retiring', name: 'Retiring', status: 'active', defaults: {} },
      ],
      providers: [{ slug: 'vertex-prod', kind: 'vertex', project_id: 'my-project', region: 'global', credentials: { adc: true }, base_url: vertex.url }],
      configs: [{ id: 'default', config: { provider: '@vertex-prod' } }],
      api_keys: [
        seedKey(KEYS.haiku, 'haiku-only', 'dev', { allowed_models: ['claude-haiku-*'] }),
        seedKey(KEYS.open, 'open', 'dev'),
        seedKey(KEYS.restrictedWs, 'in-sonnet-ws', 'sonnet-only'),
        seedKey(KEYS.pinned, 'pinned', 'dev', { defaults: { config_id: 'default', metadata: { team: 'pinned-team' } } }),
        seedKey(KEYS.retiring, 'retiring', 'retiring'),
        { ...seedKey(KEYS.org, 'org-admin', 'dev'), type: 'organisation', workspace_id: undefined, scopes: ['workspaces.write'] },
      ],
    },
  });
});

afterAll(() => closeAll(gw, vertex, metadata));

beforeEach(async () => {
  vertex.reset();
  await gw.clearEvents();
});

const messages = { max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] };

async function post(path: string, key: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${gw.url}${path}`, {
    method: 'POST',
    headers: { 'x-api-key': key, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) };
}

const VERTEX = (model: string, action: string) => `/v1/projects/my-project/locations/global/publishers/anthropic/models/${model}:${action}`;

describe('model access: a key limited to claude-haiku-*', () => {
  it.each([
    ['/v1/messages', '/v1/messages', { model: 'claude-sonnet-4-6', ...messages }],
    ['streaming /v1/messages', '/v1/messages', { model: 'claude-sonnet-4-6', stream: true, ...messages }],
    ['/v1/messages/count_tokens', '/v1/messages/count_tokens', { model: 'claude-sonnet-4-6', messages: messages.messages }],
    ['Vertex rawPredict', VERTEX('claude-sonnet-4-6', 'rawPredict'), { anthropic_version: 'vertex-2023-10-16', ...messages }],
    ['Vertex streamRawPredict', VERTEX('claude-sonnet-4-6', 'streamRawPredict'), { anthropic_version: 'vertex-2023-10-16', stream: true, ...messages }],
    ['Vertex count-tokens', VERTEX('count-tokens', 'rawPredict'), { model: 'claude-sonnet-4-6', messages: messages.messages }],
  ])('is refused another model on %s with a 403 naming the model and the rule', async (_name, path, body) => {
    const res = await post(path, KEYS.haiku, body);
    expect(res.status).toBe(403);
    expect(res.body.error.type).toBe('permission_error');
    expect(res.body.error.message).toBe('Model "claude-sonnet-4-6" is not allowed for key "haiku-only": allowed models are "claude-haiku-*".');
    expect(vertex.calls).toHaveLength(0);
  });

  it.each([
    ['/v1/messages', '/v1/messages', { model: 'claude-haiku-4-5', ...messages }],
    ['/v1/messages/count_tokens', '/v1/messages/count_tokens', { model: 'claude-haiku-4-5', messages: messages.messages }],
    ['Vertex rawPredict', VERTEX('claude-haiku-4-5', 'rawPredict'), { anthropic_version: 'vertex-2023-10-16', ...messages }],
  ])('is served an allowed model on %s', async (_name, path, body) => {
    const res = await post(path, KEYS.haiku, body);
    expect(res.status).toBe(200);
    expect(vertex.calls).toHaveLength(1);
  });

  it('sees only the allowed models in /v1/models', async () => {
    const limited = (await call(gw, KEYS.haiku, 'GET', '/v1/models')).body.data.map((m: { id: string }) => m.id);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited.every((id: string) => id.startsWith('claude-haiku-'))).toBe(true);
    expect(limited).toContain('claude-haiku-4-5-20251001');
    const open = (await call(gw, KEYS.open, 'GET', '/v1/models')).body.data.map((m: { id: string }) => m.id);
    expect(open).toEqual(expect.arrayContaining(['claude-sonnet-4-6', ...limited]));
    expect(open.length).toBeGreaterThan(limited.length);
  });
});

describe('model access: a workspace allow-list applies to every key in it', () => {
  it('refuses a model outside the workspace list, naming the workspace, and lists only what it allows', async () => {
    const res = await post('/v1/messages', KEYS.restrictedWs, { model: 'claude-haiku-4-5', ...messages });
    expect(res.status).toBe(403);
    expect(res.body.error.message).toBe('Model "claude-haiku-4-5" is not allowed for workspace "sonnet-only": allowed models are "claude-sonnet-4-6*".');
    expect((await post('/v1/messages', KEYS.restrictedWs, { model: 'claude-sonnet-4-6', ...messages })).status).toBe(200);
    const listed = (await call(gw, KEYS.restrictedWs, 'GET', '/v1/models')).body.data.map((m: { id: string }) => m.id);
    expect(listed).toEqual(['claude-sonnet-4-6']);
  });
});

describe('archived workspaces', () => {
  it('refuse their keys on the model routes once archived', async () => {
    expect((await post('/v1/messages', KEYS.retiring, { model: 'claude-haiku-4-5', ...messages })).status).toBe(200);
    expect((await call(gw, KEYS.org, 'POST', '/admin/v1/workspaces/retiring/archive')).status).toBe(200);
    const res = await post('/v1/messages', KEYS.retiring, { model: 'claude-haiku-4-5', ...messages });
    expect(res.status).toBe(403);
    expect(res.body.error).toEqual({
      type: 'permission_error',
      message: 'Workspace "retiring" is archived: its keys can no longer call models. Ask your Gatehouse admin.',
    });
  });
});

describe('metadata', () => {
  it('merges workspace defaults < request header < key defaults (an admin-pinned value wins)', async () => {
    const res = await post(
      '/v1/messages',
      KEYS.pinned,
      { model: 'claude-haiku-4-5', ...messages },
      {
        'x-gatehouse-metadata': JSON.stringify({ team: 'i-say-otherwise', user: 'alice', n: 5, flag: true }),
      },
    );
    expect(res.status).toBe(200);
    const [event] = await gw.waitForEvents(1);
    expect(event.metadata).toEqual({ team: 'pinned-team', env: 'ws-env', user: 'alice', n: '5', flag: 'true' });
  });

  it('lets the request override workspace defaults when the key pins nothing, through the x-portkey-metadata alias too', async () => {
    await post('/v1/messages', KEYS.open, { model: 'claude-haiku-4-5', ...messages }, { 'x-portkey-metadata': '{"team":"mine"}' });
    const [event] = await gw.waitForEvents(1);
    expect(event.metadata).toEqual({ team: 'mine', env: 'ws-env' });
  });

  const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v']));
  it.each([
    ['not JSON', '{team:', /not valid JSON/],
    ['an array', '["a"]', /must be a JSON object/],
    ['a nested value', '{"team":{"a":1}}', /value of "team" must be a string, number or boolean/],
    ['a null value', '{"team":null}', /value of "team" must be a string, number or boolean/],
    ['65 keys', JSON.stringify(many), /at most 64 keys/],
    ['a 129-character key', JSON.stringify({ ['k'.repeat(129)]: 'v' }), /must be 1–128 characters/],
    ['a 513-character value', JSON.stringify({ team: 'v'.repeat(513) }), /value of "team" must be at most 512 characters/],
    ['a header over 8 KiB', JSON.stringify({ a: 'v'.repeat(500), b: 'v'.repeat(500), pad: 'x'.repeat(8000) }), /at most 8192 bytes/],
  ])('answers %s with a 400 that says what to fix', async (_name, header, message) => {
    const res = await post('/v1/messages', KEYS.open, { model: 'claude-haiku-4-5', ...messages }, { 'x-gatehouse-metadata': header });
    expect(res.status).toBe(400);
    expect(res.body.error.type).toBe('invalid_request_error');
    expect(res.body.error.message).toMatch(/^x-gatehouse-metadata: /);
    expect(res.body.error.message).toMatch(message);
    expect(vertex.calls).toHaveLength(0);
  });
});

it('never logs the keys it used', () => {
  expectNoSecrets(Object.values(KEYS));
});
