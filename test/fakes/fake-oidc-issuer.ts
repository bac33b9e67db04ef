import { createSecretKey, type KeyObject } from 'node:crypto';
import { exportJWK, exportSPKI, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { type HttpFake, sendJson, startHttpFake } from './http-fake';

/**
 * An OIDC issuer on 127.0.0.1 speaking the real wire format: a discovery document at
 * `/.well-known/openid-configuration`, its JWKS at `/jwks`, and, for Google's verifier, the same keys
 * as PEM certificates by key id at `/certs` (the shape of googleapis.com/oauth2/v1/certs). Tokens are
 * signed with jose. `rotate()` publishes a new key and stops publishing the old one; `/token?email=…`
 * mints a token for a helper script (Claude Code's apiKeyHelper) to print.
 */
export interface FakeOidcIssuer {
  url: string;
  /** Requests to `/jwks` and `/certs`: keys must be fetched once, not per request. */
  keyFetches(): number;
  fake: HttpFake;
  /** A signed ID token; `claims` override the defaults (a verified e-mail, 10 minutes from `now()`). */
  sign(claims?: JWTPayload, opts?: { kid?: string; key?: KeyObject; alg?: string }): Promise<string>;
  /** A new current key; the previous one is no longer published. Returns the old key, to sign with. */
  rotate(): Promise<{ kid: string; key: KeyObject }>;
  /** The current key's public half as PEM (what an HS256-confusion attacker would use as the HMAC secret). */
  publicPem(): Promise<string>;
  /** An unsigned token (`alg: none`). */
  unsigned(claims?: JWTPayload): string;
  close(): Promise<void>;
}

export interface FakeIssuerOptions {
  audience: string;
  /** The `iss` claim and discovery `issuer`; defaults to the fake's own URL. */
  issuer?: string;
  alg?: 'RS256' | 'ES256';
  /** Seconds since the epoch as the issuer sees them (tests move the gateway's clock and the issuer's together). */
  now?: () => number;
}

interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export async function startFakeOidcIssuer(opts: FakeIssuerOptions): Promise<FakeOidcIssuer> {
  const alg = opts.alg ?? 'RS256';
  const now = opts.now ?? (() => Math.floor(Date.now() / 1000));
  let generation = 0;
  const newKey = async (): Promise<SigningKey> => {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    return { kid: `kid-${++generation}`, privateKey: privateKey as KeyObject, publicKey: publicKey as KeyObject };
  };
  let current = await newKey();
  let fetches = 0;
  let issuer = opts.issuer ?? '';
  const sign = (claims: JWTPayload = {}, o: { kid?: string; key?: KeyObject; alg?: string } = {}) => {
    const t = now();
    return new SignJWT({ email: 'alice@example.com', email_verified: true, sub: 'sub-alice', ...claims })
      .setProtectedHeader({ alg: o.alg ?? alg, kid: o.kid ?? current.kid, typ: 'JWT' })
      .setIssuer(typeof claims.iss === 'string' ? claims.iss : issuer)
      .setAudience(claims.aud ?? opts.audience)
      .setIssuedAt(claims.iat ?? t)
      .setExpirationTime(claims.exp ?? t + 600)
      .sign(o.key ?? current.privateKey);
  };
  const fake = await startHttpFake(async (_req, res, call) => {
    if (call.path === '/.well-known/openid-configuration') {
      return sendJson(res, 200, { issuer, jwks_uri: `${url}/jwks`, id_token_signing_alg_values_supported: [alg] });
    }
    if (call.path === '/jwks') {
      fetches++;
      return sendJson(res, 200, { keys: [{ ...(await exportJWK(current.publicKey)), kid: current.kid, alg, use: 'sig' }] });
    }
    if (call.path === '/certs') {
      fetches++;
      // google-auth-library reads PEMs by key id and caches them for the response's max-age.
      return sendJson(res, 200, { [current.kid]: await exportSPKI(current.publicKey) }, { 'cache-control': 'public, max-age=3600' });
    }
    if (call.path === '/token') {
      // `jti` makes each token unique: RS256 signatures are deterministic, so two tokens issued in one second would match.
      const claims = { email: call.query.email, ...(call.query.jti ? { jti: call.query.jti } : {}) };
      return void res.writeHead(200, { 'content-type': 'text/plain' }).end(await sign(claims));
    }
    sendJson(res, 404, { error: 'not_found' });
  });
  const url = fake.url;
  issuer ||= url;
  return {
    url,
    fake,
    keyFetches: () => fetches,
    sign,
    async rotate() {
      const old = current;
      current = await newKey();
      return { kid: old.kid, key: old.privateKey };
    },
    publicPem: () => exportSPKI(current.publicKey),
    unsigned(claims = {}) {
      const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
      const t = now();
      return `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ iss: issuer, aud: opts.audience, email: 'alice@example.com', email_verified: true, sub: 's', iat: t, exp: t + 600, ...claims })}.`;
    },
    close: () => fake.close(),
  };
}

/** An HMAC key made of bytes: for signing the HS256-with-the-public-key confusion attempt. */
export const hmacKey = (bytes: string): KeyObject => createSecretKey(Buffer.from(bytes));
