/**
 * Fake Google OAuth 2.0 token endpoint (`https://oauth2.googleapis.com/token`) on 127.0.0.1, for the
 * service-account-key path: google-auth-library signs a JWT with the key (RS256; iss = the key's
 * client_email, aud = the token URL, scope) and posts it as a `jwt-bearer` grant; the real endpoint
 * answers `{access_token, expires_in, token_type}` or `{error, error_description}` with 400. The
 * fake checks the signature against the key's public half, so a token is only issued for that key.
 */
import { generateKeyPairSync, verify } from 'node:crypto';
import { FAKE_PROJECT_ID } from './fake-metadata';
import { sendJson, startHttpFake, type FakeBase } from './http-fake';

export const FAKE_SA_KEY_TOKEN = 'ya29.fake-service-account-key-token';
const GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const AUDIENCE = 'https://oauth2.googleapis.com/token';

export interface FakeGoogleOAuth extends FakeBase {
  /** `{url}/token` */
  tokenUrl: string;
  /** A service-account key file (JSON) whose JWTs this fake accepts. */
  keyJson: string;
  clientEmail: string;
  /** The claims of each accepted JWT, in order. */
  claims: Record<string, unknown>[];
}

export async function startFakeGoogleOAuth(): Promise<FakeGoogleOAuth> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const clientEmail = `gatehouse-vertex@${FAKE_PROJECT_ID}.iam.gserviceaccount.com`;
  const keyJson = JSON.stringify({
    type: 'service_account',
    project_id: FAKE_PROJECT_ID,
    private_key_id: 'fake-key-1',
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    client_email: clientEmail,
    client_id: '1234567890',
    token_uri: AUDIENCE,
  });
  const claims: Record<string, unknown>[] = [];
  const fake = await startHttpFake((req, res, call) => {
    const form = new URLSearchParams(call.rawBody);
    const refuse = (description: string) => sendJson(res, 400, { error: 'invalid_grant', error_description: description });
    if (req.method !== 'POST' || call.path !== '/token') return sendJson(res, 404, { error: 'not_found' });
    if (form.get('grant_type') !== GRANT) return refuse(`unsupported grant_type ${form.get('grant_type')}`);
    const [header, payload, signature] = (form.get('assertion') ?? '').split('.');
    const signed = Buffer.from(`${header}.${payload}`);
    if (!signature || !verify('RSA-SHA256', signed, publicKey, Buffer.from(signature, 'base64url'))) return refuse('Invalid JWT Signature.');
    const c = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (c.iss !== clientEmail || c.aud !== AUDIENCE) return refuse(`Invalid JWT: iss ${c.iss}, aud ${c.aud}`);
    claims.push(c);
    sendJson(res, 200, { access_token: FAKE_SA_KEY_TOKEN, expires_in: 3599, token_type: 'Bearer' });
  });
  return { ...fake, tokenUrl: `${fake.url}/token`, keyJson, clientEmail, claims };
}
