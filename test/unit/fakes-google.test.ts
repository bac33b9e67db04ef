/** Self-test of the fake metadata server (against google-auth-library itself) and the fake Secret Manager. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { GoogleAuth } from 'google-auth-library';
import { FAKE_PROJECT_ID, startFakeMetadata, type FakeMetadata } from '../fakes/fake-metadata';
import { crc32c, startFakeSecretManager, type FakeSecretManager } from '../fakes/fake-secret-manager';

const FLAVOR = { 'metadata-flavor': 'Google' };

/**
 * gaxios (under google-auth-library / gcp-metadata) loads node-fetch with a dynamic `import()`, which
 * jest's CommonJS runtime refuses without --experimental-vm-modules; hand its shared instance Node's fetch.
 */
function useNativeFetchForGaxios(): void {
  const gaxios = require(require.resolve('gaxios', { paths: [dirname(require.resolve('google-auth-library/package.json'))] }));
  gaxios.instance.defaults.fetchImplementation = fetch;
}

describe('fake metadata server', () => {
  let fake: FakeMetadata;
  beforeAll(async () => (fake = await startFakeMetadata({ token: 'ya29.test-token' })));
  afterAll(() => fake.close());
  beforeEach(() => fake.reset());
  const get = (path: string, headers: Record<string, string> = FLAVOR) => fetch(`${fake.url}/computeMetadata/v1${path}`, { headers });

  it('serves the token, project and identity routes, each with Metadata-Flavor: Google', async () => {
    const token = await get('/instance/service-accounts/default/token?scopes=https://www.googleapis.com/auth/cloud-platform');
    expect(token.headers.get('metadata-flavor')).toBe('Google');
    expect(await token.json()).toEqual({ access_token: 'ya29.test-token', expires_in: 3599, token_type: 'Bearer' });
    expect(fake.tokenCalls()).toHaveLength(1);
    expect(await (await get('/project/project-id')).text()).toBe(FAKE_PROJECT_ID);
    expect(await (await get('/universe/universe-domain')).text()).toBe('googleapis.com');
    const jwt = await (await get('/instance/service-accounts/default/identity?audience=https://worker&format=full')).text();
    expect(JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString())).toMatchObject({ aud: 'https://worker', iss: 'https://accounts.google.com' });
    expect(await (await get('/instance/service-accounts/default/?recursive=true')).json()).toMatchObject({ aliases: ['default'] });
  });

  it('refuses a request without Metadata-Flavor, still flavoured', async () => {
    const res = await get('/instance/service-accounts/default/token', {});
    expect(res.status).toBe(403);
    expect(res.headers.get('metadata-flavor')).toBe('Google');
  });

  it('is what google-auth-library gets its access token from via GCE_METADATA_HOST', async () => {
    const saved = { ...process.env };
    try {
      for (const k of ['GOOGLE_APPLICATION_CREDENTIALS', 'GOOGLE_CLOUD_PROJECT', 'GCLOUD_PROJECT', 'GCE_METADATA_IP']) delete process.env[k];
      Object.assign(process.env, { HOME: mkdtempSync(join(tmpdir(), 'gh-home-')), GCE_METADATA_HOST: fake.host, METADATA_SERVER_DETECTION: 'assume-present' });
      useNativeFetchForGaxios();
      // An explicit projectId spares the library its `gcloud config config-helper` spawn (~2 s).
      const auth = new GoogleAuth({ scopes: 'https://www.googleapis.com/auth/cloud-platform', projectId: FAKE_PROJECT_ID });
      const client = await auth.getClient();
      expect((await client.getAccessToken()).token).toBe('ya29.test-token');
      expect(fake.tokenCalls().length).toBeGreaterThanOrEqual(1);
    } finally {
      process.env = saved;
    }
  });
});

describe('fake Secret Manager', () => {
  let fake: FakeSecretManager;
  beforeAll(async () => (fake = await startFakeSecretManager({ secrets: { 'projects/p1/secrets/anthropic-key': 'sk-ant-secret' } })));
  afterAll(() => fake.close());
  const access = (name: string, headers: Record<string, string> = { authorization: 'Bearer ya29.test' }) =>
    fetch(`${fake.url}/v1/${name}:access`, { headers });

  it('returns the base64 payload with its CRC32C', async () => {
    const res = await access('projects/p1/secrets/anthropic-key/versions/latest');
    const json = await res.json();
    expect(json.name).toBe('projects/p1/secrets/anthropic-key/versions/1');
    expect(Buffer.from(json.payload.data, 'base64').toString()).toBe('sk-ant-secret');
    expect(json.payload.dataCrc32c).toBe(String(crc32c(Buffer.from('sk-ant-secret'))));
  });

  it('requires a Bearer token and answers NOT_FOUND for unknown secrets', async () => {
    expect((await access('projects/p1/secrets/anthropic-key/versions/latest', {})).status).toBe(401);
    const res = await access('projects/p1/secrets/nope/versions/latest');
    expect(res.status).toBe(404);
    expect((await res.json()).error.status).toBe('NOT_FOUND');
  });

  it('computes the standard CRC32C check value', () => expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283));
});
