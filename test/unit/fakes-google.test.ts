/** Self-test of the fake metadata server (against google-auth-library itself) and the fake Secret Manager. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { GoogleAuth } from 'google-auth-library';
import { FAKE_PROJECT_ID, startFakeMetadata, type FakeMetadata } from '../fakes/fake-metadata';
import { crc32c, startFakeSecretManager, type FakeSecretManager } from '../fakes/fake-secret-manager';
import { FAKE_SA_KEY_TOKEN, type FakeGoogleOAuth, startFakeGoogleOAuth } from '../fakes/fake-google-oauth';

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
  const access = (name: string, headers: Record<string, string> = { authorization: 'Bearer ya29.test' }) => fetch(`${fake.url}/v1/${name}:access`, { headers });

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

describe('fake Google OAuth token endpoint', () => {
  let fake: FakeGoogleOAuth;
  beforeAll(async () => (fake = await startFakeGoogleOAuth()));
  afterAll(() => fake.close());

  /** A jwt-bearer grant as google-auth-library posts it, signed with `key`. */
  function grant(key: KeyObject | string, claims: Record<string, unknown>, grantType = 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const unsigned = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(claims)}`;
    const assertion = `${unsigned}.${createSign('RSA-SHA256').update(unsigned).sign(key).toString('base64url')}`;
    return fetch(fake.tokenUrl, { method: 'POST', body: new URLSearchParams({ grant_type: grantType, assertion }) });
  }
  const good = () => ({ iss: fake.clientEmail, aud: 'https://oauth2.googleapis.com/token', scope: 'https://www.googleapis.com/auth/cloud-platform' });
  const ownKey = () => JSON.parse(fake.keyJson).private_key as string;

  it('issues a token for a JWT signed with its key', async () => {
    const res = await grant(ownKey(), good());
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ access_token: FAKE_SA_KEY_TOKEN, token_type: 'Bearer' });
  });

  it.each([
    ['a JWT signed with another key', () => grant(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, good()), /Invalid JWT Signature/],
    ['another issuer', () => grant(ownKey(), { ...good(), iss: 'someone@else.iam.gserviceaccount.com' }), /Invalid JWT: iss/],
    ['another audience', () => grant(ownKey(), { ...good(), aud: 'https://elsewhere/token' }), /Invalid JWT: iss .* aud https:\/\/elsewhere/],
    ['another grant type', () => grant(ownKey(), good(), 'client_credentials'), /unsupported grant_type/],
  ])('refuses a grant with %s', async (_name, send, why) => {
    const res = await send();
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; error_description: string };
    expect(body.error).toBe('invalid_grant');
    expect(body.error_description).toMatch(why);
  });
});
