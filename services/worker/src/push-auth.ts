import { OAuth2Client } from 'google-auth-library';

/**
 * Pub/Sub push carries a Google-signed OIDC token; verifyIdToken checks signature, issuer, expiry and
 * audience, but not who the token is for — the push service account is checked here (docs/wire-formats.md §2.3).
 */
export function pushVerifier(opts: { audience: string; serviceAccount: string; client?: OAuth2Client }) {
  const client = opts.client ?? new OAuth2Client();
  return async (authorization: string | undefined): Promise<void> => {
    const token = authorization?.replace(/^Bearer\s+/i, '');
    if (!token || token === authorization) throw new Error('missing bearer token');
    const ticket = await client.verifyIdToken({ idToken: token, audience: opts.audience });
    const p = ticket.getPayload();
    if (!p?.email_verified || p.email !== opts.serviceAccount) throw new Error(`token is for ${p?.email ?? 'nobody'}, not the push service account`);
  };
}
