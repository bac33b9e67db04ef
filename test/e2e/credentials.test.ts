import { startFakeAnthropic } from '../fakes/fake-anthropic';
import { FAKE_SA_KEY_TOKEN, type FakeGoogleOAuth, startFakeGoogleOAuth } from '../fakes/fake-google-oauth';
import { startFakeVertex } from '../fakes/fake-vertex';
import { FAKE_METADATA_TOKEN, type FakeMetadata } from '../fakes/fake-metadata';
import { startWorkloadIdentity } from '../helpers/workload-identity';
import { startFakeSecretManager, type FakeSecretManager } from '../fakes/fake-secret-manager';
import type { Fake } from '../fakes/script';
import { DEV_KEY, startGateway, type TestGateway } from '../helpers/gateway';
import { closeAll } from '../helpers/listen';

/**
 * Provider credentials come from where the provider says: Secret Manager (read with workload identity),
 * env, or for Vertex a service-account key exchanged at Google's token endpoint.
 */
let metadata: FakeMetadata;
let secrets: FakeSecretManager;
let anthropic: Fake;
let oauth: FakeGoogleOAuth;
let vertex: Fake;
let gw: TestGateway;
const SECRET = 'projects/my-project/secrets/anthropic-key';

beforeAll(async () => {
  metadata = await startWorkloadIdentity();
  secrets = await startFakeSecretManager({ secrets: { [SECRET]: 'sk-ant-from-secret-manager\n' }, token: FAKE_METADATA_TOKEN });
  anthropic = await startFakeAnthropic({ apiKey: 'sk-ant-from-secret-manager' });
  oauth = await startFakeGoogleOAuth();
  vertex = await startFakeVertex({ token: FAKE_SA_KEY_TOKEN });
  gw = await startGateway({
    seed: {
      workspaces: [{ id: 'dev', name: 'Dev', status: 'active', defaults: {} }],
      providers: [
        { slug: 'from-secret', kind: 'anthropic', credentials: { secret: `${SECRET}/versions/latest` }, base_url: anthropic.url },
        { slug: 'from-missing-env', kind: 'anthropic', credentials: { env: 'NOT_SET_ANYWHERE' }, base_url: anthropic.url },
        { slug: 'sa-key', kind: 'vertex', project_id: 'fake-project', region: 'global', credentials: { env: 'VERTEX_SA_KEY' }, base_url: vertex.url },
      ],
      configs: [],
      api_keys: [{ key: DEV_KEY, name: 'dev', type: 'workspace', kind: 'user', workspace_id: 'dev', scopes: ['completions'], status: 'active', defaults: {} }],
    },
    secretManagerUrl: secrets.url,
    googleTokenUrl: oauth.tokenUrl,
    processEnv: { VERTEX_SA_KEY: oauth.keyJson },
  });
});

afterAll(() => closeAll(gw, metadata, secrets, anthropic, oauth, vertex));

const ask = (provider: string) =>
  fetch(`${gw.url}/v1/messages`, {
    method: 'POST',
    headers: { 'x-api-key': DEV_KEY, 'content-type': 'application/json', 'x-gatehouse-provider': provider },
    body: JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
  });

it('reads an API key from Secret Manager once and reuses it', async () => {
  expect((await ask('@from-secret')).status).toBe(200);
  expect((await ask('@from-secret')).status).toBe(200);
  expect(anthropic.calls.map((c) => c.headers['x-api-key'])).toEqual(['sk-ant-from-secret-manager', 'sk-ant-from-secret-manager']);
  expect(secrets.calls).toHaveLength(1);
  expect(secrets.calls[0].path).toBe(`/v1/${SECRET}/versions/latest:access`);
});

it('calls Vertex with a token obtained for a service-account key held in env, fetched once', async () => {
  const metadataCalls = metadata.tokenCalls().length;
  for (let i = 0; i < 2; i++) {
    const res = await ask('@sa-key');
    expect(res.status).toBe(200);
    expect((await res.json()).type).toBe('message');
  }
  expect(vertex.calls.map((c) => c.headers.authorization)).toEqual([`Bearer ${FAKE_SA_KEY_TOKEN}`, `Bearer ${FAKE_SA_KEY_TOKEN}`]);
  expect(vertex.calls[0].path).toMatch(/^\/v1\/projects\/fake-project\/locations\/global\/publishers\/anthropic\/models\/[^/]+:rawPredict$/);
  expect(oauth.claims).toHaveLength(1);
  expect(oauth.claims[0]).toMatchObject({ iss: oauth.clientEmail, scope: 'https://www.googleapis.com/auth/cloud-platform' });
  expect(metadata.tokenCalls()).toHaveLength(metadataCalls); // not workload identity
});

it('tells the client which provider is misconfigured, and the log where its credential was looked for', async () => {
  const res = await ask('@from-missing-env');
  expect(res.status).toBe(500);
  const message = (await res.json()).error.message;
  expect(message).toMatch(/Anthropic provider @from-missing-env is misconfigured/);
  expect(message).not.toMatch(/NOT_SET_ANYWHERE/);
  const logged = gw.logs.find((l) => l.message === 'request failed');
  expect(JSON.stringify(logged)).toMatch(/environment variable NOT_SET_ANYWHERE is not set/);
});

it('never writes a credential to the logs', () => {
  const text = JSON.stringify(gw.logs);
  expect(text).not.toContain('sk-ant-from-secret-manager');
  expect(text).not.toContain(FAKE_METADATA_TOKEN);
  expect(text).not.toContain(FAKE_SA_KEY_TOKEN);
  expect(text).not.toContain('PRIVATE KEY');
  expect(text).not.toContain(DEV_KEY);
});
