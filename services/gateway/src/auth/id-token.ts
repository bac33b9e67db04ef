import { OAuth2Client } from 'google-auth-library';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, errors, type JWTPayload, jwtVerify } from 'jose';
import { GatewayError } from '../../../shared/src/errors';
import { GOOGLE_ISSUER, type OidcIssuer } from '../../../shared/src/identity/entity';

/** What a verified ID token says about its bearer. */
export interface VerifiedToken {
  issuer: string;
  subject: string;
  email: string;
  /** Every claim, for mappings by claim value (e.g. `groups`). */
  claims: JWTPayload;
  /** Epoch milliseconds of `exp`. */
  expiresAt: number;
}

/** Where the verifiers fetch keys; tests point Google's at a fake on 127.0.0.1. */
export interface VerifierOptions {
  googleCertsUrl?: string;
  /**
   * The least time between two JWKS fetches (default 30 s): a token naming an unknown key id refetches
   * at most this often, so forged key ids cannot make the gateway hammer the issuer. Tests rotate keys
   * faster than that.
   */
  jwksCooldownMs?: number;
}

/** Seconds of clock difference forgiven between the issuer and the gateway (exp, nbf). */
const CLOCK_TOLERANCE_S = 30;
/** Google signs ID tokens for `accounts.google.com` with or without the scheme. */
const GOOGLE_ISSUERS = [GOOGLE_ISSUER, 'accounts.google.com'];

const refuse = (why: string) =>
  new GatewayError(
    'authentication_error',
    `Invalid identity token: ${why}. Your apiKeyHelper should print a fresh ID token for this gateway (README, "Claude Code setup").`,
  );

/** The refusal of a token past its `exp` (epoch milliseconds). */
export const tokenExpired = (expiresAt: number): GatewayError => refuse(`it expired at ${new Date(expiresAt).toISOString()}`);

type Verify = (token: string, now: number) => Promise<JWTPayload>;

/**
 * Verifies OIDC ID tokens from the configured issuers: signature, issuer, audience, expiry and
 * not-before, then `email_verified` and, where configured, Google's `hd`. Keys are fetched once and
 * cached (google-auth-library honours the certs' cache-control; jose's remote JWK set refetches only
 * for a key id it does not hold, at most every 30 s), never per request.
 */
export class TokenVerifier {
  private readonly verifiers = new Map<string, { issuer: OidcIssuer; verify: Verify }>();

  constructor(issuers: OidcIssuer[], opts: VerifierOptions = {}) {
    for (const issuer of issuers) {
      const verify = GOOGLE_ISSUERS.includes(issuer.issuer) ? googleVerifier(issuer, opts) : oidcVerifier(issuer, opts.jwksCooldownMs ?? 30_000);
      for (const name of GOOGLE_ISSUERS.includes(issuer.issuer) ? GOOGLE_ISSUERS : [issuer.issuer]) this.verifiers.set(name, { issuer, verify });
    }
  }

  async verify(token: string, now: number): Promise<VerifiedToken> {
    let alg: string | undefined;
    let iss: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
      iss = decodeJwt(token).iss;
    } catch {
      throw refuse('it is not a well-formed JWT');
    }
    const entry = iss ? this.verifiers.get(iss) : undefined;
    if (!entry) throw refuse(`its issuer ${JSON.stringify(iss ?? null)} is not one this gateway trusts (GATEHOUSE_OIDC_ISSUERS)`);
    const { issuer, verify } = entry;
    // Pinned before any library sees the token: `none`, and HS256 keyed with a public key, never verify.
    if (!alg || !(issuer.algorithms as string[]).includes(alg)) {
      throw refuse(`it is signed with "${alg ?? 'no algorithm'}"; ${issuer.issuer} tokens must use ${issuer.algorithms.join(' or ')}`);
    }
    const claims = await verify(token, now);
    if (claims.email_verified !== true && claims.email_verified !== 'true') throw refuse('its e-mail address is not verified (email_verified)');
    if (typeof claims.email !== 'string' || !claims.email.includes('@')) throw refuse('it carries no e-mail address (request the "email" scope)');
    if (issuer.hosted_domain && claims.hd !== issuer.hosted_domain) {
      throw refuse(`its Google Workspace domain (hd) is ${JSON.stringify(claims.hd ?? null)}, not ${issuer.hosted_domain}`);
    }
    return { issuer: issuer.issuer, subject: String(claims.sub ?? ''), email: claims.email.toLowerCase(), claims, expiresAt: Number(claims.exp) * 1000 };
  }
}

/** Any OIDC issuer: the discovery document names the JWKS; both are fetched lazily, once. */
function oidcVerifier(issuer: OidcIssuer, cooldownMs: number): Verify {
  let keys: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;
  const discover = async () => {
    const res = await fetch(`${issuer.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(5_000) });
    if (!res.ok) throw new Error(`discovery document: HTTP ${res.status}`);
    const doc = (await res.json()) as { issuer?: string; jwks_uri?: string };
    // OpenID Connect Discovery §4.3: the document's issuer must be the one configured.
    if (doc.issuer !== issuer.issuer || !doc.jwks_uri) throw new Error('discovery document: issuer mismatch or no jwks_uri');
    return createRemoteJWKSet(new URL(doc.jwks_uri), { cooldownDuration: cooldownMs, cacheMaxAge: 10 * 60_000 });
  };
  return async (token, now) => {
    keys ??= discover().catch((err) => {
      keys = undefined;
      throw err;
    });
    try {
      const jwks = await keys;
      const { payload } = await jwtVerify(token, jwks, {
        issuer: issuer.issuer,
        audience: issuer.audience,
        algorithms: issuer.algorithms,
        currentDate: new Date(now),
        clockTolerance: CLOCK_TOLERANCE_S,
        requiredClaims: ['exp', 'sub'],
      });
      return payload;
    } catch (err) {
      throw joseRefusal(err, issuer);
    }
  };
}

function joseRefusal(err: unknown, issuer: OidcIssuer): GatewayError {
  if (err instanceof errors.JWTExpired) return refuse(`it expired at ${isoOf(err.payload.exp)}`);
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'aud') return refuse(`its audience is ${JSON.stringify(err.payload.aud)}, not this gateway's (${audiences(issuer)})`);
    if (err.claim === 'nbf') return refuse(`it is not valid before ${isoOf(err.payload.nbf)}`);
    if (err.claim === 'iss') return refuse(`its issuer is not ${issuer.issuer}`);
    return refuse(`its "${err.claim}" claim is missing or wrong`);
  }
  if (err instanceof errors.JWKSNoMatchingKey) return refuse(`it is signed with a key ${issuer.issuer} does not publish (any more)`);
  if (err instanceof errors.JWSSignatureVerificationFailed) return refuse('its signature does not verify');
  if (err instanceof errors.JOSEAlgNotAllowed) return refuse(`its algorithm is not one of ${issuer.algorithms.join(', ')}`);
  if (err instanceof errors.JOSEError) return refuse(`it could not be verified (${err.code})`);
  // The issuer is unreachable: not the token's fault; a 5xx that Claude Code retries.
  return new GatewayError('api_error', `Gatehouse cannot fetch the signing keys of ${issuer.issuer} right now. Retry shortly.`, {
    retryable: true,
    cause: err,
  });
}

/** Google: google-auth-library's verifyIdToken (cached certs), then exp and nbf against the gateway's clock. */
function googleVerifier(issuer: OidcIssuer, opts: VerifierOptions): Verify {
  const client = new OAuth2Client(opts.googleCertsUrl ? { endpoints: { oauth2FederatedSignonPemCertsUrl: opts.googleCertsUrl } } : {});
  return async (token, now) => {
    let claims: JWTPayload;
    try {
      const ticket = await client.verifyIdToken({ idToken: token, audience: issuer.audience });
      claims = ticket.getPayload() as JWTPayload;
    } catch (err) {
      // The library's messages quote the token or its payload: only our own words reach the client and the log.
      throw googleRefusal(String((err as Error).message), token, issuer);
    }
    if (Number(claims.exp) + CLOCK_TOLERANCE_S <= now / 1000) throw refuse(`it expired at ${isoOf(claims.exp)}`);
    if (typeof claims.nbf === 'number' && claims.nbf - CLOCK_TOLERANCE_S > now / 1000) throw refuse(`it is not valid before ${isoOf(claims.nbf)}`);
    return claims;
  };
}

function googleRefusal(message: string, token: string, issuer: OidcIssuer): GatewayError {
  const claims = decodeJwt(token);
  if (/used too late/.test(message)) return refuse(`it expired at ${isoOf(claims.exp)}`);
  if (/used too early/.test(message)) return refuse(`it is not valid yet (issued at ${isoOf(claims.iat)})`);
  if (/Wrong recipient/.test(message)) return refuse(`its audience is ${JSON.stringify(claims.aud)}, not this gateway's (${audiences(issuer)})`);
  if (/No pem found/.test(message)) return refuse('it is signed with a key Google does not publish (any more)');
  if (/Invalid token signature/.test(message)) return refuse('its signature does not verify');
  if (/Invalid issuer/.test(message)) return refuse(`its issuer is not ${issuer.issuer}`);
  if (/certificates|ECONN|fetch|network|timeout/i.test(message)) {
    return new GatewayError('api_error', "Gatehouse cannot fetch Google's signing keys right now. Retry shortly.", { retryable: true });
  }
  return refuse('it could not be verified');
}

const audiences = (issuer: OidcIssuer) => [issuer.audience].flat().join(' or ');

const isoOf = (seconds: unknown) => (typeof seconds === 'number' ? new Date(seconds * 1000).toISOString() : 'an unknown time');
