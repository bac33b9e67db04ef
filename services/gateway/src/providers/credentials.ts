import { GoogleAuth } from 'google-auth-library';
import { LRUCache } from 'lru-cache';
import type { CredentialRef } from '../../../shared/src/entities';
import { GatewayError } from '../../../shared/src/errors';

const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform';
/** Where google-auth-library exchanges a service-account key's signed JWT for an access token. */
const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

export interface CredentialsOptions {
  env: NodeJS.ProcessEnv;
  /** Secret Manager's REST root; tests point it at a fake on loopback. */
  secretManagerUrl?: string;
  /** How long a fetched secret is reused before it is read again. */
  secretTtlMs?: number;
  /** Google's OAuth token endpoint for service-account keys; tests point it at a fake on loopback. */
  googleTokenUrl?: string;
}

/**
 * Resolves where a provider's credential lives ({env}, {secret}, {adc}) into the credential. Secrets
 * are cached in memory for a few minutes; they are never logged and never stored.
 */
export class Credentials {
  /** One ADC client per project: given the project, the library skips its project-id discovery (gcloud, metadata). */
  private readonly adc = new Map<string, GoogleAuth>();
  private readonly secrets: LRUCache<string, string>;
  private readonly keyAuths = new Map<string, GoogleAuth>();
  /** A copy of the environment: a process's environment does not change, and reading process.env costs a getenv per key. */
  private readonly env: NodeJS.ProcessEnv;

  constructor(private readonly opts: CredentialsOptions) {
    this.env = { ...opts.env };
    this.secrets = new LRUCache({ max: 500, ttl: opts.secretTtlMs ?? 300_000 });
  }

  /** A secret string (API key, AWS key) from env or Secret Manager. */
  async secret(ref: CredentialRef, what: string): Promise<string> {
    if ('env' in ref) {
      const value = this.env[ref.env]?.trim();
      if (!value) throw misconfigured(what, `environment variable ${ref.env} is not set on the gateway`);
      return value;
    }
    if ('secret' in ref) return this.secretManager(ref.secret, what);
    throw misconfigured(what, '{"adc": true} is only valid for Vertex providers; give {"env": …} or {"secret": …}');
  }

  /** A Google access token for Vertex: ADC / workload identity, or a service-account key held elsewhere. */
  async googleToken(ref: CredentialRef, what: string, projectId: string): Promise<string> {
    const auth = 'adc' in ref ? this.adcFor(projectId) : await this.serviceAccountAuth(ref, what);
    try {
      const token = await auth.getAccessToken();
      if (!token) throw new Error('no token returned');
      return token;
    } catch (err) {
      throw new GatewayError('api_error', `${what} could not obtain a Google access token; the gateway log has the details.`, {
        cause: err,
        retryable: true,
      });
    }
  }

  private adcFor(projectId: string): GoogleAuth {
    let auth = this.adc.get(projectId);
    if (!auth) this.adc.set(projectId, (auth = new GoogleAuth({ scopes: [CLOUD_PLATFORM], projectId })));
    return auth;
  }

  private async serviceAccountAuth(ref: CredentialRef, what: string): Promise<GoogleAuth> {
    const json = await this.secret(ref, what);
    let auth = this.keyAuths.get(json);
    if (!auth) {
      let credentials: Record<string, unknown>;
      try {
        credentials = JSON.parse(json);
      } catch {
        throw misconfigured(what, 'the service-account key is not valid JSON');
      }
      auth = new GoogleAuth({ credentials, scopes: [CLOUD_PLATFORM] });
      const tokenUrl = this.opts.googleTokenUrl;
      if (tokenUrl) {
        const client = await auth.getClient();
        client.transporter.interceptors.request.add({
          resolved: async (req) => (String(req.url) === GOOGLE_TOKEN_URL ? { ...req, url: new URL(tokenUrl) } : req),
        });
      }
      this.keyAuths.set(json, auth);
    }
    return auth;
  }

  private async secretManager(name: string, what: string): Promise<string> {
    const cached = this.secrets.get(name);
    if (cached !== undefined) return cached;
    const root = this.opts.secretManagerUrl ?? 'https://secretmanager.googleapis.com';
    const token = await this.googleToken({ adc: true }, what, name.split('/')[1]);
    const res = await fetch(`${root}/v1/${name}:access`, { headers: { authorization: `Bearer ${token}` } });
    if (!res.ok) throw misconfigured(what, `Secret Manager answered ${res.status} for ${name}`);
    const body = (await res.json()) as { payload?: { data?: string } };
    // Secrets created with `echo … | gcloud secrets create` end in a newline that is not part of the key.
    const value = Buffer.from(body.payload?.data ?? '', 'base64')
      .toString('utf8')
      .trim();
    this.secrets.set(name, value);
    return value;
  }
}

/** The client learns which provider is misconfigured; where its credential lives stays in the gateway log. */
function misconfigured(what: string, detail: string): GatewayError {
  return new GatewayError('api_error', `${what} is misconfigured: its credential could not be read. The gateway log has the details.`, {
    cause: new Error(`${what}: ${detail}`),
  });
}
