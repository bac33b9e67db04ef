import { z } from 'zod';
import { Metadata } from '../entities';

/**
 * Sign-in with the company's identity (issue 19): an OIDC ID token is a credential like a key. Admins
 * map people to workspaces with identity mappings; a person's first request creates their identity
 * record, which stands in for a key everywhere (usage, budgets, rate limits, the audit log).
 */

/** What a mapping matches: one e-mail address, every address of a domain, or one value of a claim (e.g. `groups`). */
export const IdentityMatch = z.union([
  z.object({ email: z.string().email().toLowerCase() }).strict(),
  z
    .object({
      domain: z
        .string()
        .regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i, 'a domain such as "example.com"')
        .toLowerCase(),
    })
    .strict(),
  z.object({ claim: z.string().min(1).max(128), value: z.string().min(1).max(512) }).strict(),
]);
export type IdentityMatch = z.infer<typeof IdentityMatch>;

export const IdentityMapping = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lowercase letters, digits, "-" or "_", at most 63 characters'),
  match: IdentityMatch,
  workspace_id: z.string().min(1),
  /** What the people it admits may do; normally only `completions`. */
  scopes: z.array(z.string()).default(['completions']),
  allowed_models: z.array(z.string()).optional(),
  defaults: z.object({ config_id: z.string().optional(), metadata: Metadata.optional() }).default({}),
  created_at: z.string().optional(),
  updated_at: z.string().optional(),
});
export type IdentityMapping = z.infer<typeof IdentityMapping>;

/** One person, created on their first request; `id` is stable (derived from the e-mail), like a key's `key_id`. */
export const Identity = z.object({
  id: z.string().regex(/^idn_[0-9a-f]{24}$/),
  email: z.string(),
  workspace_id: z.string(),
  /** The mapping that admitted the person last. */
  mapping_id: z.string(),
  status: z.enum(['active', 'revoked']).default('active'),
  /** The issuer and subject of the first token seen. */
  issuer: z.string(),
  subject: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type Identity = z.infer<typeof Identity>;

/** An OIDC issuer the gateway trusts, from GATEHOUSE_OIDC_ISSUERS (deployment config, never the store). */
export const OidcIssuer = z
  .object({
    /** `https://accounts.google.com` (verified with google-auth-library), or any OIDC issuer URL (discovery + JWKS). */
    issuer: z.string().url(),
    /**
     * The `aud` tokens must carry (one, or a list). Google: the gateway's URL for service-account tokens
     * (`gcloud auth print-identity-token --audiences=URL`); a user signed in with `gcloud auth login`
     * cannot choose one (gcloud refuses `--audiences` for user accounts) and gets gcloud's own client id,
     * GCLOUD_CLIENT_ID.
     */
    audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    /** Google's `hd` claim must equal this (a Workspace domain). */
    hosted_domain: z.string().optional(),
    /** Signature algorithms accepted; never `none` or an HMAC (a public key is no HMAC secret). */
    algorithms: z.array(z.enum(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'])).default(['RS256', 'ES256']),
  })
  .strict();
export type OidcIssuer = z.infer<typeof OidcIssuer>;

export const GOOGLE_ISSUER = 'https://accounts.google.com';
/** The `aud` of `gcloud auth print-identity-token` for a user account (gcloud's OAuth client id). */
export const GCLOUD_CLIENT_ID = '32555940559.apps.googleusercontent.com';
