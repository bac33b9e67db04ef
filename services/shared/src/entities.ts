import { z } from 'zod';
import { NegotiatedPricingSchema } from './catalog/schema';

/** What the store holds. Timestamps are ISO strings so every adapter round-trips them unchanged. */

export const Metadata = z.record(z.string(), z.string());
export type Metadata = z.infer<typeof Metadata>;

export const Workspace = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lowercase letters, digits, "-" or "_", at most 63 characters'),
  name: z.string().min(1).max(200),
  status: z.enum(['active', 'archived']).default('active'),
  defaults: z
    .object({
      config_id: z.string().optional(),
      metadata: Metadata.optional(),
      allowed_models: z.array(z.string()).optional(),
      /** Provider slugs this workspace's keys may route through; unset: every provider (the default, so older workspaces keep working). */
      allowed_providers: z.array(z.string()).optional(),
      /** Store each request's and response's body (GATEHOUSE_BODY_BUCKET / GATEHOUSE_BODY_DIR); off unless set. */
      capture_bodies: z.boolean().optional(),
      /** Stored guardrail ids that run on every request of the workspace, whatever config a key uses. */
      input_guardrails: z.array(z.string()).optional(),
      output_guardrails: z.array(z.string()).optional(),
    })
    .default({}),
  created_at: z.string().optional(),
  updated_at: z.string().optional(),
});
export type Workspace = z.infer<typeof Workspace>;

export const ApiKey = z.object({
  /** SHA-256 of the secret, hex. The secret itself is never stored. */
  id: z.string().regex(/^[0-9a-f]{64}$/),
  /** A stable public id (shown in lists, logs and usage events), unchanged by rotation. */
  key_id: z.string().min(1),
  name: z.string().min(1).max(200),
  type: z.enum(['organisation', 'workspace']),
  kind: z.enum(['user', 'service']).default('user'),
  workspace_id: z.string().optional(),
  scopes: z.array(z.string()).default([]),
  defaults: z.object({ config_id: z.string().optional(), metadata: Metadata.optional() }).default({}),
  allowed_models: z.array(z.string()).optional(),
  /** First characters of the secret, for recognising a key in lists. */
  prefix: z.string().default(''),
  status: z.enum(['active', 'revoked']).default('active'),
  expires_at: z.string().optional(),
  created_at: z.string().optional(),
  updated_at: z.string().optional(),
  /** key_id of the admin key that created it (absent for seeded and bootstrap keys). */
  created_by: z.string().optional(),
  /**
   * Set on the document of a secret that rotation replaced: it keeps working until `expires_at`
   * (the grace period), and admin reads address the key's current document, the one without it.
   */
  rotated_at: z.string().optional(),
  last_used_at: z.string().optional(),
});
export type ApiKey = z.infer<typeof ApiKey>;

/** Where a provider's credential lives; never the credential itself. */
export const CredentialRef = z.union([
  z.object({ adc: z.literal(true) }).strict(),
  z.object({ env: z.string().min(1) }).strict(),
  z.object({ secret: z.string().regex(/^projects\/[^/]+\/secrets\/[^/]+\/versions\/[^/]+$/) }).strict(),
]);
export type CredentialRef = z.infer<typeof CredentialRef>;

/**
 * Prices an organisation negotiated with a provider (committed-use or enterprise discounts): usage
 * events carry the effective cost next to the list cost. Set only through the admin API's pricing
 * route, which audits each change and bumps `version` (the events name the version they used).
 */
export const ProviderPricing = NegotiatedPricingSchema.extend({
  version: z.number().int().positive(),
  updated_at: z.string().optional(),
});
export type ProviderPricing = z.infer<typeof ProviderPricing>;

const ProviderBase = {
  slug: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lowercase letters, digits, "-" or "_"'),
  base_url: z.string().url().optional(),
  /**
   * Model names the catalog does not know are refused unless this is set; then access rules match the
   * exact upstream id (private deployments, ids newer than the catalog).
   */
  allow_uncatalogued_models: z.boolean().optional(),
  pricing: ProviderPricing.optional(),
  created_at: z.string().optional(),
  updated_at: z.string().optional(),
};

export const VertexProvider = z.object({
  ...ProviderBase,
  kind: z.literal('vertex'),
  project_id: z.string().min(1),
  region: z.string().min(1).default('global'),
  credentials: CredentialRef.default({ adc: true }),
});
export const AnthropicProvider = z.object({
  ...ProviderBase,
  kind: z.literal('anthropic'),
  credentials: CredentialRef,
});
export const BedrockProvider = z.object({
  ...ProviderBase,
  kind: z.literal('bedrock'),
  region: z.string().min(1).default('us-east-1'),
  /** Inference-profile prefix for models that need one (`us`, `eu`, `global`, …). */
  profile_prefix: z.string().default('us'),
  credentials: z.object({
    access_key_id: CredentialRef,
    secret_access_key: CredentialRef,
    session_token: CredentialRef.optional(),
  }),
});
export const Provider = z.discriminatedUnion('kind', [VertexProvider, AnthropicProvider, BedrockProvider]);
export type VertexProvider = z.infer<typeof VertexProvider>;
export type AnthropicProvider = z.infer<typeof AnthropicProvider>;
export type BedrockProvider = z.infer<typeof BedrockProvider>;
export type Provider = z.infer<typeof Provider>;
export type ProviderKind = Provider['kind'];

/** A stored routing config. `config` is validated by the gateway's config schema on write. */
export const StoredConfig = z.object({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/),
  version: z.number().int().positive().default(1),
  /** The workspace that owns the config: only its keys may use it. Unset: shared by the organisation. */
  workspace_id: z.string().optional(),
  config: z.record(z.string(), z.unknown()),
  created_at: z.string().optional(),
  updated_at: z.string().optional(),
});
export type StoredConfig = z.infer<typeof StoredConfig>;

/**
 * A stored guardrail (README, Guardrails), referenced by id from configs' `input_guardrails` /
 * `output_guardrails` and from workspace defaults. `guardrail` is validated by the gateway on write.
 */
export const StoredGuardrail = z.object({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/),
  version: z.number().int().positive().default(1),
  /** The workspace that owns it: only its configs and defaults may use it. Unset: shared by the organisation. */
  workspace_id: z.string().optional(),
  guardrail: z.record(z.string(), z.unknown()),
  created_at: z.string().optional(),
  updated_at: z.string().optional(),
});
export type StoredGuardrail = z.infer<typeof StoredGuardrail>;

/** Monthly totals for one key or workspace, kept by the worker. */
export const UsageTotals = z.object({
  id: z.string(),
  scope: z.enum(['key', 'workspace']),
  scope_id: z.string(),
  period: z.string().regex(/^\d{4}-\d{2}$/),
  requests: z.number().int(),
  cost_micros: z.number().int(),
  input: z.number().int(),
  output: z.number().int(),
  cache_write_5m: z.number().int(),
  cache_write_1h: z.number().int(),
  cache_read: z.number().int(),
  /** Requests whose model had no catalog price: their cost counts as 0 in cost_micros. */
  unpriced_requests: z.number().int().default(0),
  /** Timestamp of the last event applied: a key's "last used" without a store write per request. */
  last_used_at: z.string().optional(),
});
export type UsageTotals = z.infer<typeof UsageTotals>;

/**
 * One admin write (docs/design.md §7.4): who did what to which object, with before/after summaries that never
 * hold a secret or a key hash. `expires_at` drives a Firestore TTL policy (stored as a Timestamp there).
 */
export const AuditEntry = z.object({
  /** `<ISO time>_<random>`: ids sort by time. */
  id: z.string().min(1),
  time: z.string(),
  expires_at: z.string(),
  actor: z.object({ key_id: z.string(), name: z.string(), type: z.enum(['organisation', 'workspace']), workspace_id: z.string().optional() }),
  action: z.string(),
  target: z.object({
    type: z.enum(['workspace', 'key', 'config', 'guardrail', 'provider', 'budget', 'rate_limit', 'identity', 'identity_mapping']),
    id: z.string(),
  }),
  /** The workspace the target belongs to; absent for organisation-level objects. */
  workspace_id: z.string().optional(),
  request_id: z.string().optional(),
  /** Top-level fields that differ between before and after. */
  changes: z.array(z.string()).optional(),
  before: z.record(z.string(), z.unknown()).optional(),
  after: z.record(z.string(), z.unknown()).optional(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;
