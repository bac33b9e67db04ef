import { z } from 'zod';
import { NegotiatedPricingSchema } from '../../../shared/src/catalog/schema';
import {
  AnthropicProvider,
  ApiKey,
  AuditEntry,
  BedrockProvider,
  CredentialRef,
  ProviderPricing,
  StoredConfig,
  StoredGuardrail,
  UsageTotals,
  VertexProvider,
  Workspace,
} from '../../../shared/src/entities';
import { METADATA_LIMITS } from '../policy/metadata';
import { ScopeSchema } from './scopes';
import { BudgetAlertRecord } from '../../../shared/src/budget/alert';
import { Budget, BudgetStatus } from '../../../shared/src/budget/entity';
import { RateLimit } from '../../../shared/src/rate-limit/entity';

/**
 * The admin API's request and response shapes. Registered in `adminSchemas` under their OpenAPI
 * component names: the route table (routes.ts) validates with them and openapi.ts describes them.
 * Requests are strict: an unknown field is a 400 naming it, never silently dropped.
 */
export const adminSchemas = z.registry<{ id: string; description?: string }>();
const named = <T extends z.ZodType>(id: string, schema: T, description?: string): T => {
  adminSchemas.add(schema, { id, description });
  return schema;
};

const L = METADATA_LIMITS;
/** Metadata pinned on a workspace or key: the limits `x-gatehouse-metadata` has (policy/metadata.ts). */
export const MetadataInput = named(
  'Metadata',
  z
    .record(
      z.string().min(1).max(L.maxKeyLength, `metadata keys are at most ${L.maxKeyLength} characters`),
      z.string().max(L.maxValueLength, `metadata values are strings of at most ${L.maxValueLength} characters`),
    )
    .refine((m) => Object.keys(m).length <= L.maxKeys, `at most ${L.maxKeys} metadata keys`),
  'String values attached to every request (usage events, budgets, conditional routing).',
);

export const ModelPatterns = named(
  'ModelPatterns',
  z.array(z.string().regex(/^[A-Za-z0-9@._:/*-]{1,200}$/, 'a model name or pattern such as "claude-haiku-*" (letters, digits, "-._:@/", "*")')).max(100),
  'Allowed models: names or patterns where "*" matches any run of characters. Absent means every model.',
);

export const ProviderSlugs = named(
  'ProviderSlugs',
  z.array(z.string().regex(/^@?[a-z0-9][a-z0-9_-]{0,62}$/, 'a provider slug such as "@vertex-prod"')).max(100),
  "Providers the workspace's keys may route through, by slug. Absent means every provider.",
);

const Timestamp = z.iso.datetime({ offset: true, error: 'an ISO 8601 timestamp such as "2026-01-31T00:00:00Z"' });
const ConfigId = StoredConfig.shape.id;

// ---- workspaces

/** Stored guardrail ids a workspace runs on every request, whatever config its keys use. */
const GuardrailIds = z.array(StoredGuardrail.shape.id).max(20);

export const WorkspaceDefaultsInput = z
  .object({
    config_id: ConfigId.optional(),
    metadata: MetadataInput.optional(),
    allowed_models: ModelPatterns.optional(),
    allowed_providers: ProviderSlugs.optional(),
    capture_bodies: z.boolean().optional().describe("store request and response bodies, shown in the logs' detail"),
    input_guardrails: GuardrailIds.optional(),
    output_guardrails: GuardrailIds.optional(),
  })
  .strict();

export const WorkspaceCreate = named(
  'WorkspaceCreate',
  z.object({ id: Workspace.shape.id, name: Workspace.shape.name, defaults: WorkspaceDefaultsInput.default({}) }).strict(),
);

export const WorkspaceUpdate = named(
  'WorkspaceUpdate',
  z
    .object({
      name: Workspace.shape.name.optional(),
      status: z.enum(['active', 'archived']).optional(),
      /** Each field replaces the stored one; `null` removes it. */
      defaults: z
        .object({
          config_id: ConfigId.nullable().optional(),
          metadata: MetadataInput.nullable().optional(),
          allowed_models: ModelPatterns.nullable().optional(),
          allowed_providers: ProviderSlugs.nullable().optional(),
          capture_bodies: z.boolean().nullable().optional(),
          input_guardrails: GuardrailIds.nullable().optional(),
          output_guardrails: GuardrailIds.nullable().optional(),
        })
        .strict()
        .optional(),
    })
    .strict(),
  'Fields to change. Workspace keys may change name, defaults.config_id and defaults.metadata of their own workspace; status, allowed_models, allowed_providers and the default guardrails are organisation-level (a workspace cannot switch its guardrails off).',
);

export const WorkspaceView = named('Workspace', Workspace);
export const WorkspaceList = named('WorkspaceList', z.object({ data: z.array(WorkspaceView) }));

// ---- keys

export const KeyDefaultsInput = z.object({ config_id: ConfigId.optional(), metadata: MetadataInput.optional() }).strict();

export const KeyCreate = named(
  'KeyCreate',
  z
    .object({
      name: z.string().min(1).max(200),
      type: z.enum(['organisation', 'workspace']).default('workspace'),
      kind: z.enum(['user', 'service']).default('user'),
      workspace_id: Workspace.shape.id.optional(),
      scopes: z.array(ScopeSchema).max(50).default(['completions']),
      defaults: KeyDefaultsInput.default({}),
      allowed_models: ModelPatterns.optional(),
      expires_at: Timestamp.optional(),
    })
    .strict(),
  'A workspace key needs workspace_id (a workspace key creating a key may omit it: its own workspace). The secret is in the response, once.',
);

export const KeyUpdate = named(
  'KeyUpdate',
  z
    .object({
      name: z.string().min(1).max(200).optional(),
      kind: z.enum(['user', 'service']).optional(),
      scopes: z.array(ScopeSchema).max(50).optional(),
      defaults: z.object({ config_id: ConfigId.nullable().optional(), metadata: MetadataInput.nullable().optional() }).strict().optional(),
      allowed_models: ModelPatterns.nullable().optional(),
      expires_at: Timestamp.nullable().optional(),
    })
    .strict(),
  'Fields to change; `null` removes one. type and workspace_id cannot change: create a new key. Revoking is its own route and is final.',
);

export const MAX_GRACE_SECONDS = 30 * 24 * 3600;
export const KeyRotate = named(
  'KeyRotate',
  z.object({ grace_seconds: z.number().int().min(0).max(MAX_GRACE_SECONDS).default(3600) }).strict(),
  'The old secret keeps working for grace_seconds (default 3600, at most 30 days), then expires.',
);

export const KeyView = named(
  'Key',
  // The stored key without its hash (`id`) and rotation marker, plus what a reader needs to know.
  ApiKey.omit({ id: true, rotated_at: true, status: true }).extend({
    /** `organisation`, or the workspace id. */
    owner: z.string(),
    status: z.enum(['active', 'revoked', 'expired']),
    /** After a rotation: when the previous secret stops working. */
    previous_secret_expires_at: z.string().optional(),
  }),
  'An API key without its secret or hash.',
);
export const KeyWithSecret = named('KeyWithSecret', KeyView.extend({ secret: z.string() }), 'The only response that ever holds a secret.');
export const KeyList = named('KeyList', z.object({ data: z.array(KeyView) }));
export const KeyListQuery = z
  .object({
    workspace_id: z.string().optional(),
    type: z.enum(['organisation', 'workspace']).optional(),
    status: z.enum(['active', 'revoked', 'expired']).optional(),
  })
  .strict();

// ---- guardrails

export const GuardrailCreate = named(
  'GuardrailCreate',
  z.object({ id: StoredGuardrail.shape.id, workspace_id: StoredGuardrail.shape.workspace_id, guardrail: z.record(z.string(), z.unknown()) }).strict(),
  'A guardrail (README, Guardrails): `{"action": "deny" | "redact" | "flag", "checks": [...], "on_stream": "redact" | "error"}` or Portkey\'s shorthand. `workspace_id`: only that workspace may use it; absent: shared.',
);
export const GuardrailPut = named(
  'GuardrailPut',
  z
    .object({ workspace_id: StoredGuardrail.shape.workspace_id, guardrail: z.record(z.string(), z.unknown()), version: z.number().int().positive().optional() })
    .strict(),
  'Creates the guardrail, or replaces it and bumps its version; with `version`, only if that is the current one (409 otherwise).',
);
export const GuardrailView = named('Guardrail', StoredGuardrail);
export const GuardrailList = named('GuardrailList', z.object({ data: z.array(GuardrailView) }));

// ---- configs

const ConfigBody = z.record(z.string(), z.unknown());
const ConfigOwner = StoredConfig.shape.workspace_id;
export const ConfigCreate = named(
  'ConfigCreate',
  z.object({ id: ConfigId, workspace_id: ConfigOwner, config: ConfigBody }).strict(),
  "A Portkey-compatible routing config (docs/design.md §6). `workspace_id`: the owning workspace, whose keys alone may use it; absent: organisation-shared (organisation keys only). A workspace key's configs are always its workspace's.",
);
export const ConfigPut = named(
  'ConfigPut',
  z.object({ workspace_id: ConfigOwner, config: ConfigBody, version: z.number().int().positive().optional() }).strict(),
  'Creates the config, or replaces it and bumps its version. With `version`, the write happens only if that is the current version (409 otherwise). `workspace_id` as for ConfigCreate.',
);
export const ConfigView = named('Config', StoredConfig);
export const ConfigWritten = named(
  'ConfigWritten',
  StoredConfig.extend({ warnings: z.array(z.string()) }),
  'warnings: fields accepted but without effect, and providers the config names that do not exist yet.',
);
export const ConfigList = named('ConfigList', z.object({ data: z.array(ConfigView) }));

// ---- providers: credentials are references only (CredentialRef); unknown fields are rejected.

const noStamps = { created_at: true, updated_at: true, pricing: true } as const;
const CredentialInput = z.union(CredentialRef.options, {
  error: 'a credential reference — {"adc": true}, {"env": "NAME"} or {"secret": "projects/…/secrets/…/versions/…"} — never the credential itself',
});
const BedrockCredentialsInput = z
  .object({ access_key_id: CredentialInput, secret_access_key: CredentialInput, session_token: CredentialInput.optional() })
  .strict();
const providerInputs = (slug: 'required' | 'optional') => {
  const vertex = VertexProvider.omit(noStamps).extend({ credentials: CredentialInput.default({ adc: true }) });
  const anthropic = AnthropicProvider.omit(noStamps).extend({ credentials: CredentialInput });
  const bedrock = BedrockProvider.omit(noStamps).extend({ credentials: BedrockCredentialsInput });
  return slug === 'required'
    ? ([vertex.strict(), anthropic.strict(), bedrock.strict()] as const)
    : ([vertex.partial({ slug: true }).strict(), anthropic.partial({ slug: true }).strict(), bedrock.partial({ slug: true }).strict()] as const);
};
export const ProviderInput = named(
  'ProviderInput',
  z.discriminatedUnion('kind', providerInputs('required')),
  'credentials name where a secret lives ({"adc":true}, {"env":"NAME"}, {"secret":"projects/…/secrets/…/versions/…"}); never the secret.',
);
export const ProviderPut = named(
  'ProviderPut',
  z.discriminatedUnion('kind', providerInputs('optional')),
  'The whole provider; slug, when given, must match the URL.',
);
export const ProviderView = named('Provider', z.discriminatedUnion('kind', [VertexProvider, AnthropicProvider, BedrockProvider]));
export const ProviderList = named('ProviderList', z.object({ data: z.array(ProviderView) }));
export const PricingInput = named(
  'ProviderPricingInput',
  NegotiatedPricingSchema,
  'Negotiated prices: discount_percent off every list price, and per-model rows (USD per MTok, keyed by any model name the catalog resolves) billed instead of list. Replaces the previous pricing; {} clears it.',
);
export const PricingView = named('ProviderPricing', ProviderPricing);

// ---- audit and usage

export const AuditView = named('AuditEntry', AuditEntry);
export const AuditList = named(
  'AuditList',
  z.object({ data: z.array(AuditView), has_more: z.boolean(), next_before: z.string().optional() }),
  'Newest first. Pass next_before as `before` for the next page.',
);
export const AuditQuery = z
  .object({
    target_type: z.enum(['workspace', 'key', 'config', 'provider', 'identity', 'identity_mapping']).optional(),
    target_id: z.string().optional(),
    actor: z.string().optional().describe('key_id of the acting key'),
    action: z.string().optional(),
    workspace_id: z.string().optional(),
    before: z.string().optional().describe('entry id: return entries older than it'),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();

export const Period = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month, YYYY-MM');
export const UsageQuery = z
  .object({
    key_id: z.string().optional(),
    workspace_id: z.string().optional(),
    period: Period.optional().describe('YYYY-MM (UTC); default the current month'),
  })
  .strict();
export const UsageView = named(
  'Usage',
  UsageTotals.omit({ id: true, scope_id: true }).extend({ id: z.string(), cost_usd: z.number() }),
  'Totals for one key or workspace over one month, as the worker keeps them (usually seconds behind).',
);

export const ErrorView = named(
  'Error',
  z.object({ type: z.literal('error'), error: z.object({ type: z.string(), message: z.string() }), request_id: z.string().optional() }),
  'Anthropic-shaped error (docs/design.md §10).',
);

const BudgetFields = Budget.omit({ id: true, version: true, period_since: true, created_at: true, updated_at: true, workspace_id: true });
export const BudgetCreate = named(
  'BudgetCreate',
  BudgetFields.extend({ id: Budget.shape.id }).strict(),
  'A budget: `limit` in micro-USD for metric "cost" ($500 = 500000000), in tokens otherwise.',
);
export const BudgetPut = named(
  'BudgetPut',
  BudgetFields.extend({ version: z.number().int().nonnegative().optional().describe('the version you read; a 409 if it moved on') }).strict(),
  'Replaces a budget. A new limit keeps the current window and its usage; a new period or time zone starts a new window now.',
);
export const BudgetView = named(
  'Budget',
  Budget.extend({ status: BudgetStatus.nullable() }),
  'A budget with the status the worker keeps (null before its first usage).',
);
export const BudgetList = named('BudgetList', z.object({ data: z.array(BudgetView) }));
export const BudgetAlertsQuery = z
  .object({
    budget_id: z.string().optional(),
    workspace_id: z.string().optional().describe("a workspace key's own workspace, always"),
    limit: z.coerce.number().int().min(1).max(500).default(50).describe('at most 500'),
  })
  .strict();
export const BudgetAlertList = named(
  'BudgetAlertList',
  z.object({ data: z.array(BudgetAlertRecord) }),
  'Alerts the worker fired, newest first: each threshold once per budget window, kept as long as the request logs.',
);

const RateLimitFields = RateLimit.omit({ id: true, version: true, created_at: true, updated_at: true, workspace_id: true });
export const RateLimitCreate = named(
  'RateLimitCreate',
  RateLimitFields.extend({ id: RateLimit.shape.id }).strict(),
  'A rate limit (issue 15): at most `limit` requests, or input+output tokens, per UTC second, minute, hour or day, shared by every gateway instance.',
);
export const RateLimitPut = named(
  'RateLimitPut',
  RateLimitFields.extend({ version: z.number().int().nonnegative().optional().describe('the version you read; a 409 if it moved on') }).strict(),
  'Replaces a rate limit; a new limit applies to the current window within seconds.',
);
export const RateLimitView = named('RateLimit', RateLimit, 'A rate limit as stored.');
export const RateLimitList = named('RateLimitList', z.object({ data: z.array(RateLimitView) }));

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a UTC date, YYYY-MM-DD');
export const UsageBreakdownQuery = z.object({
  by: z.string().regex(/^(key|workspace|provider|model|metadata\.[^|]{1,128})$/, 'key, workspace, provider, model or metadata.<name>'),
  from: Day,
  to: Day,
});
export const UsageBreakdownView = named(
  'UsageBreakdown',
  z.object({
    by: z.string(),
    from: z.string(),
    to: z.string(),
    data: z.array(
      UsageTotals.omit({ id: true, scope: true, scope_id: true, period: true, last_used_at: true }).extend({ value: z.string(), cost_usd: z.number() }),
    ),
  }),
  'Usage per value of one dimension over whole UTC days, from the daily rollups (usually seconds behind).',
);
