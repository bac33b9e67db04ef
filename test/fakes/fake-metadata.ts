/**
 * Fake GCE/Cloud Run metadata server on 127.0.0.1 (docs/wire-formats.md §2.2), for google-auth-library via
 * `GCE_METADATA_HOST=<fake.host>`. Every response carries `Metadata-Flavor: Google` (gcp-metadata
 * throws without it); like the real server, requests without that header are refused.
 */
import { sendJson, startHttpFake, type FakeBase } from './http-fake';

export interface FakeMetadataOptions {
  /** Access token served by `…/service-accounts/default/token`. */
  token?: string;
  projectId?: string;
  /** Seconds; what `expires_in` says. */
  expiresIn?: number;
  email?: string;
}

export interface FakeMetadata extends FakeBase {
  /** `127.0.0.1:<port>`: the value for `GCE_METADATA_HOST`. */
  host: string;
  /** Serves a new token from now on (rotation / refresh tests). */
  setToken(token: string, expiresIn?: number): void;
  /** Recorded calls to the access-token route. */
  tokenCalls(): FakeBase['calls'];
}

export const FAKE_METADATA_TOKEN = 'ya29.fake-metadata-token';
export const FAKE_PROJECT_ID = 'fake-project';
export const FAKE_PROJECT_NUMBER = '123456789012';
export const FAKE_SA_EMAIL = `fake-sa@${FAKE_PROJECT_ID}.iam.gserviceaccount.com`;
const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform';
const TOKEN_PATH = '/computeMetadata/v1/instance/service-accounts/default/token';
const FLAVOR = { 'metadata-flavor': 'Google' };

export async function startFakeMetadata(opts: FakeMetadataOptions = {}): Promise<FakeMetadata> {
  let token = opts.token ?? FAKE_METADATA_TOKEN;
  let expiresIn = opts.expiresIn ?? 3599;
  const projectId = opts.projectId ?? FAKE_PROJECT_ID;
  const email = opts.email ?? FAKE_SA_EMAIL;

  const fake = await startHttpFake((_req, res, call) => {
    const text = (status: number, body: string) => {
      res.writeHead(status, { 'content-type': 'application/text', ...FLAVOR });
      res.end(body);
    };
    if (call.method !== 'GET') return text(405, 'Method Not Allowed');
    if (call.headers['metadata-flavor'] !== 'Google') return text(403, 'Missing required header: Metadata-Flavor');
    const account = { aliases: ['default'], email, scopes: [CLOUD_PLATFORM] };
    switch (call.path.replace(/\/+$/, '') || '/') {
      case '/computeMetadata/v1/instance':
        return text(200, 'attributes/\nhostname\nid\nregion\nservice-accounts/\nzone\n');
      case TOKEN_PATH:
        return sendJson(res, 200, { access_token: token, expires_in: expiresIn, token_type: 'Bearer' }, FLAVOR);
      case '/computeMetadata/v1/instance/service-accounts/default/identity':
        if (!call.query.audience) return text(400, 'non-empty audience parameter required');
        return text(200, fakeIdToken(call.query.audience, email));
      case '/computeMetadata/v1/instance/service-accounts/default':
        // `?recursive=true` answers JSON; the bare directory a listing.
        return call.query.recursive === 'true' ? sendJson(res, 200, account, FLAVOR) : text(200, 'aliases\nemail\nidentity\nscopes\ntoken\n');
      case '/computeMetadata/v1/instance/service-accounts':
        return call.query.recursive === 'true' ? sendJson(res, 200, { default: account, [email]: account }, FLAVOR) : text(200, `default/\n${email}/\n`);
      case '/computeMetadata/v1/instance/service-accounts/default/email':
        return text(200, email);
      case '/computeMetadata/v1/instance/service-accounts/default/scopes':
        return text(200, `${CLOUD_PLATFORM}\n`);
      case '/computeMetadata/v1/instance/region':
        return text(200, `projects/${FAKE_PROJECT_NUMBER}/regions/us-central1`);
      case '/computeMetadata/v1/instance/zone':
        return text(200, `projects/${FAKE_PROJECT_NUMBER}/zones/us-central1-a`);
      case '/computeMetadata/v1/project/project-id':
        return text(200, projectId);
      case '/computeMetadata/v1/project/numeric-project-id':
        return text(200, FAKE_PROJECT_NUMBER);
      case '/computeMetadata/v1/universe/universe-domain':
        return text(200, 'googleapis.com');
      default:
        return text(404, 'Not Found');
    }
  });

  return {
    url: fake.url,
    host: `127.0.0.1:${fake.port}`,
    calls: fake.calls,
    reset: fake.reset,
    close: fake.close,
    setToken(t, e) {
      token = t;
      if (e !== undefined) expiresIn = e;
    },
    tokenCalls: () => fake.calls.filter((c) => c.path.replace(/\/+$/, '') === TOKEN_PATH),
  };
}

/** An unsigned JWT with Google-like claims: enough for code that decodes it, never verifiable. */
export function fakeIdToken(audience: string, email = FAKE_SA_EMAIL): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    aud: audience,
    azp: email,
    email,
    email_verified: true,
    exp: now + 3600,
    iat: now,
    iss: 'https://accounts.google.com',
    sub: FAKE_PROJECT_NUMBER,
  };
  return `${b64({ alg: 'RS256', kid: 'fake-kid', typ: 'JWT' })}.${b64(claims)}.${Buffer.from('fake-signature').toString('base64url')}`;
}
