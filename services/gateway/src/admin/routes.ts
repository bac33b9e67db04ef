import type { z } from 'zod';
import { createKey, getKey, keyView, listKeys, revokeKey, rotateKey, updateKey } from './api-keys';
import { groups, timeseries } from './analytics';
import { listAudit } from './audit';
import { deleteMapping, getIdentity, getMapping, listIdentities, listMappings, putMapping, revokeIdentity } from './identities';
import * as I from './identity-schemas';
import { listBudgetAlerts } from './budget-alerts';
import { createBudget, deleteBudget, getBudget, listBudgets, putBudget, usageBreakdown } from './budgets';
import { createRateLimit, deleteRateLimit, getRateLimit, listRateLimits, putRateLimit } from './rate-limits';
import { createConfig, deleteConfig, getConfig, listConfigs, putConfig } from './configs';
import { type AdminContext, ok, type Reply } from './context';
import { getLog, searchLogs } from './logs';
import * as O from './observability-schemas';
import { createGuardrail, deleteGuardrail, getGuardrail, listGuardrails, putGuardrail } from './guardrails';
import { createProvider, deleteProvider, getProvider, listProviders, putPricing, putProvider } from './providers';
import * as S from './schemas';
import type { Scope } from './scopes';
import { getUsage } from './usage';
import { archiveWorkspace, createWorkspace, getWorkspace, listWorkspaces, updateWorkspace } from './workspaces';

/**
 * Every admin route, as data: the HTTP layer mounts it, openapi.ts describes it, and the access
 * matrix test walks it. A route names one scope (checked before anything else) and whether it is
 * organisation-level (workspace keys refused outright); handlers check the workspace of the object.
 */
export interface AdminRoute {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express syntax: `/admin/v1/keys/:key_id`. */
  path: string;
  /** Absent only for `/admin/v1/me`: any valid key may read what it is itself. */
  scope?: Scope;
  organisationOnly: boolean;
  summary: string;
  body?: z.ZodType;
  query?: z.ZodType;
  /** Success statuses and their bodies (undefined: no body). */
  responses: Partial<Record<200 | 201 | 204, z.ZodType | undefined>>;
  handle(ctx: AdminContext, input: { params: Record<string, string>; body: unknown; query: unknown }): Promise<Reply>;
}

type In<B extends z.ZodType | undefined, Q extends z.ZodType | undefined> = {
  params: Record<string, string>;
  body: B extends z.ZodType ? z.infer<B> : undefined;
  query: Q extends z.ZodType ? z.infer<Q> : undefined;
};

function route<B extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined>(
  r: Omit<AdminRoute, 'handle' | 'body' | 'query' | 'organisationOnly'> & {
    body?: B;
    query?: Q;
    organisationOnly?: boolean;
    handle(ctx: AdminContext, input: In<B, Q>): Promise<Reply>;
  },
): AdminRoute {
  return { ...r, organisationOnly: r.organisationOnly ?? false } as AdminRoute;
}

const V = '/admin/v1';

export const ADMIN_ROUTES: AdminRoute[] = [
  // workspaces
  route({
    method: 'post',
    path: `${V}/workspaces`,
    scope: 'workspaces.write',
    organisationOnly: true,
    summary: 'Create a workspace',
    body: S.WorkspaceCreate,
    responses: { 201: S.WorkspaceView },
    handle: (ctx, { body }) => createWorkspace(ctx, body),
  }),
  route({
    method: 'get',
    path: `${V}/workspaces`,
    scope: 'workspaces.read',
    summary: 'List workspaces (a workspace key sees its own)',
    responses: { 200: S.WorkspaceList },
    handle: (ctx) => listWorkspaces(ctx),
  }),
  route({
    method: 'get',
    path: `${V}/workspaces/:workspace_id`,
    scope: 'workspaces.read',
    summary: 'Get a workspace',
    responses: { 200: S.WorkspaceView },
    handle: (ctx, { params }) => getWorkspace(ctx, params.workspace_id),
  }),
  route({
    method: 'patch',
    path: `${V}/workspaces/:workspace_id`,
    scope: 'workspaces.write',
    summary: 'Update a workspace',
    body: S.WorkspaceUpdate,
    responses: { 200: S.WorkspaceView },
    handle: (ctx, { params, body }) => updateWorkspace(ctx, params.workspace_id, body),
  }),
  route({
    method: 'post',
    path: `${V}/workspaces/:workspace_id/archive`,
    scope: 'workspaces.write',
    organisationOnly: true,
    summary: 'Archive a workspace',
    responses: { 200: S.WorkspaceView },
    handle: (ctx, { params }) => archiveWorkspace(ctx, params.workspace_id),
  }),

  // the calling key: the dashboard shows and hides what its scopes allow
  route({
    method: 'get',
    path: `${V}/me`,
    summary: 'The calling key (any valid key): name, type, workspace, scopes, expiry',
    responses: { 200: S.KeyView },
    handle: async (ctx) => ok(keyView(ctx.actor, ctx.now())),
  }),

  // keys
  route({
    method: 'post',
    path: `${V}/keys`,
    scope: 'keys.write',
    summary: 'Create an API key (the secret is returned once)',
    body: S.KeyCreate,
    responses: { 201: S.KeyWithSecret },
    handle: (ctx, { body }) => createKey(ctx, body),
  }),
  route({
    method: 'get',
    path: `${V}/keys`,
    scope: 'keys.read',
    summary: "List API keys (a workspace key sees its workspace's)",
    query: S.KeyListQuery,
    responses: { 200: S.KeyList },
    handle: (ctx, { query }) => listKeys(ctx, query),
  }),
  route({
    method: 'get',
    path: `${V}/keys/:key_id`,
    scope: 'keys.read',
    summary: 'Get an API key',
    responses: { 200: S.KeyView },
    handle: (ctx, { params }) => getKey(ctx, params.key_id),
  }),
  route({
    method: 'patch',
    path: `${V}/keys/:key_id`,
    scope: 'keys.write',
    summary: 'Update an API key',
    body: S.KeyUpdate,
    responses: { 200: S.KeyView },
    handle: (ctx, { params, body }) => updateKey(ctx, params.key_id, body),
  }),
  route({
    method: 'post',
    path: `${V}/keys/:key_id/rotate`,
    scope: 'keys.write',
    summary: 'Rotate an API key: a new secret; the old one works for grace_seconds',
    body: S.KeyRotate,
    responses: { 200: S.KeyWithSecret },
    handle: (ctx, { params, body }) => rotateKey(ctx, params.key_id, body),
  }),
  route({
    method: 'post',
    path: `${V}/keys/:key_id/revoke`,
    scope: 'keys.write',
    summary: 'Revoke an API key and every secret it has had (final)',
    responses: { 200: S.KeyView },
    handle: (ctx, { params }) => revokeKey(ctx, params.key_id),
  }),

  // configs: organisation-shared or owned by a workspace (configs.ts)
  route({
    method: 'post',
    path: `${V}/configs`,
    scope: 'configs.write',
    summary: 'Create a routing config',
    body: S.ConfigCreate,
    responses: { 201: S.ConfigWritten },
    handle: (ctx, { body }) => createConfig(ctx, body),
  }),
  route({
    method: 'get',
    path: `${V}/configs`,
    scope: 'configs.read',
    summary: "List routing configs (a workspace key sees its workspace's and the shared ones)",
    responses: { 200: S.ConfigList },
    handle: (ctx) => listConfigs(ctx),
  }),
  route({
    method: 'get',
    path: `${V}/configs/:config_id`,
    scope: 'configs.read',
    summary: 'Get a routing config',
    responses: { 200: S.ConfigView },
    handle: (ctx, { params }) => getConfig(ctx, params.config_id),
  }),
  route({
    method: 'put',
    path: `${V}/configs/:config_id`,
    scope: 'configs.write',
    summary: 'Create or replace a routing config (bumps its version)',
    body: S.ConfigPut,
    responses: { 200: S.ConfigWritten, 201: S.ConfigWritten },
    handle: (ctx, { params, body }) => putConfig(ctx, params.config_id, body),
  }),
  route({
    method: 'delete',
    path: `${V}/configs/:config_id`,
    scope: 'configs.write',
    summary: 'Delete a routing config no key or workspace uses',
    responses: { 204: undefined },
    handle: (ctx, { params }) => deleteConfig(ctx, params.config_id),
  }),

  // guardrails: organisation-level policy, named by configs and workspace defaults (guardrails.ts)
  route({
    method: 'post',
    path: `${V}/guardrails`,
    scope: 'guardrails.write',
    organisationOnly: true,
    summary: 'Create a stored guardrail',
    body: S.GuardrailCreate,
    responses: { 201: S.GuardrailView },
    handle: (ctx, { body }) => createGuardrail(ctx, body),
  }),
  route({
    method: 'get',
    path: `${V}/guardrails`,
    scope: 'guardrails.read',
    organisationOnly: true,
    summary: 'List stored guardrails',
    responses: { 200: S.GuardrailList },
    handle: (ctx) => listGuardrails(ctx),
  }),
  route({
    method: 'get',
    path: `${V}/guardrails/:guardrail_id`,
    scope: 'guardrails.read',
    organisationOnly: true,
    summary: 'Get a stored guardrail',
    responses: { 200: S.GuardrailView },
    handle: (ctx, { params }) => getGuardrail(ctx, params.guardrail_id),
  }),
  route({
    method: 'put',
    path: `${V}/guardrails/:guardrail_id`,
    scope: 'guardrails.write',
    organisationOnly: true,
    summary: 'Create or replace a stored guardrail (bumps its version)',
    body: S.GuardrailPut,
    responses: { 200: S.GuardrailView, 201: S.GuardrailView },
    handle: (ctx, { params, body }) => putGuardrail(ctx, params.guardrail_id, body),
  }),
  route({
    method: 'delete',
    path: `${V}/guardrails/:guardrail_id`,
    scope: 'guardrails.write',
    organisationOnly: true,
    summary: 'Delete a stored guardrail no workspace or config uses',
    responses: { 204: undefined },
    handle: (ctx, { params }) => deleteGuardrail(ctx, params.guardrail_id),
  }),

  // providers: organisation-level; a workspace key may read those its workspace may route through
  route({
    method: 'post',
    path: `${V}/providers`,
    scope: 'providers.write',
    organisationOnly: true,
    summary: 'Create a provider',
    body: S.ProviderInput,
    responses: { 201: S.ProviderView },
    handle: (ctx, { body }) => createProvider(ctx, body),
  }),
  route({
    method: 'get',
    path: `${V}/providers`,
    scope: 'providers.read',
    summary: 'List providers (a workspace key sees those its workspace may use)',
    responses: { 200: S.ProviderList },
    handle: (ctx) => listProviders(ctx),
  }),
  route({
    method: 'get',
    path: `${V}/providers/:slug`,
    scope: 'providers.read',
    summary: 'Get a provider',
    responses: { 200: S.ProviderView },
    handle: (ctx, { params }) => getProvider(ctx, params.slug),
  }),
  route({
    method: 'put',
    path: `${V}/providers/:slug`,
    scope: 'providers.write',
    organisationOnly: true,
    summary: 'Create or replace a provider',
    body: S.ProviderPut,
    responses: { 200: S.ProviderView, 201: S.ProviderView },
    handle: (ctx, { params, body }) => putProvider(ctx, params.slug, body),
  }),
  route({
    method: 'put',
    path: `${V}/providers/:slug/pricing`,
    scope: 'providers.write',
    organisationOnly: true,
    summary: 'Set the negotiated prices billed for a provider (a discount and per-model prices; versioned, audited)',
    body: S.PricingInput,
    responses: { 200: S.PricingView },
    handle: (ctx, { params, body }) => putPricing(ctx, params.slug, body),
  }),
  route({
    method: 'delete',
    path: `${V}/providers/:slug`,
    scope: 'providers.write',
    organisationOnly: true,
    summary: 'Delete a provider no config uses',
    responses: { 204: undefined },
    handle: (ctx, { params }) => deleteProvider(ctx, params.slug),
  }),

  // audit and usage
  route({
    method: 'get',
    path: `${V}/audit`,
    scope: 'audit.read',
    summary: "List audit entries, newest first (a workspace key sees its workspace's)",
    query: S.AuditQuery,
    responses: { 200: S.AuditList },
    handle: (ctx, { query }) => listAudit(ctx, query),
  }),
  route({
    method: 'get',
    path: `${V}/usage`,
    scope: 'analytics.view',
    summary: 'Usage totals of one key or workspace for one month',
    query: S.UsageQuery,
    responses: { 200: S.UsageView },
    handle: (ctx, { query }) => getUsage(ctx, query),
  }),
  route({
    method: 'get',
    path: `${V}/usage/breakdown`,
    scope: 'analytics.view',
    organisationOnly: true,
    summary: 'Usage per key, workspace, provider, model or metadata value over a range of UTC days',
    query: S.UsageBreakdownQuery,
    responses: { 200: S.UsageBreakdownView },
    handle: (ctx, { query }) => usageBreakdown(ctx, query),
  }),

  // request logs and analytics (docs/observability-api.md)
  route({
    method: 'get',
    path: `${V}/logs`,
    scope: 'logs.view',
    summary: 'Search request logs, newest first, a page at a time (format=csv for CSV)',
    query: O.LogSearchQuery,
    responses: { 200: O.LogList },
    handle: (ctx, { query }) => searchLogs(ctx, query),
  }),
  route({
    method: 'get',
    path: `${V}/logs/:request_id`,
    scope: 'logs.view',
    summary: 'One request log, with its captured bodies where the workspace captures them',
    responses: { 200: O.LogDetail },
    handle: (ctx, { params }) => getLog(ctx, params.request_id),
  }),
  route({
    method: 'get',
    path: `${V}/analytics/timeseries`,
    scope: 'analytics.view',
    summary: 'Cost, tokens, requests, errors, latency and cache metrics per UTC hour or day (format=csv for CSV)',
    query: O.TimeseriesQuery,
    responses: { 200: O.Timeseries },
    handle: (ctx, { query }) => timeseries(ctx, query),
  }),
  route({
    method: 'get',
    path: `${V}/analytics/groups`,
    scope: 'analytics.view',
    summary: 'The same metrics per key, workspace, provider, model or metadata value (format=csv for CSV)',
    query: O.GroupsQuery,
    responses: { 200: O.Groups },
    handle: (ctx, { query }) => groups(ctx, query),
  }),

  // budgets
  route({
    method: 'post',
    path: `${V}/budgets`,
    scope: 'budgets.write',
    summary: 'Create a budget (workspace keys: on their own workspace or its keys)',
    body: S.BudgetCreate,
    responses: { 201: S.BudgetView },
    handle: (ctx, { body }) => createBudget(ctx, body),
  }),
  route({
    method: 'get',
    path: `${V}/budgets`,
    scope: 'budgets.read',
    summary: "List budgets with their status (a workspace key sees its workspace's)",
    responses: { 200: S.BudgetList },
    handle: (ctx) => listBudgets(ctx),
  }),
  route({
    method: 'get',
    path: `${V}/budget-alerts`,
    scope: 'budgets.read',
    summary: "The budget alert history, newest first (a workspace key sees its workspace's budgets')",
    query: S.BudgetAlertsQuery,
    responses: { 200: S.BudgetAlertList },
    handle: (ctx, { query }) => listBudgetAlerts(ctx, query),
  }),
  route({
    method: 'get',
    path: `${V}/budgets/:budget_id`,
    scope: 'budgets.read',
    summary: 'Get a budget and its status: state, usage, limit, window end',
    responses: { 200: S.BudgetView },
    handle: (ctx, { params }) => getBudget(ctx, params.budget_id),
  }),
  route({
    method: 'put',
    path: `${V}/budgets/:budget_id`,
    scope: 'budgets.write',
    summary: 'Create or replace a budget',
    body: S.BudgetPut,
    responses: { 200: S.BudgetView, 201: S.BudgetView },
    handle: (ctx, { params, body }) => putBudget(ctx, params.budget_id, body),
  }),
  route({
    method: 'delete',
    path: `${V}/budgets/:budget_id`,
    scope: 'budgets.write',
    summary: 'Delete a budget',
    responses: { 204: undefined },
    handle: (ctx, { params }) => deleteBudget(ctx, params.budget_id),
  }),

  // rate limits (under the budgets scopes: both are spend control)
  route({
    method: 'post',
    path: `${V}/rate-limits`,
    scope: 'budgets.write',
    summary: 'Create a rate limit (workspace keys: on their own workspace or its keys)',
    body: S.RateLimitCreate,
    responses: { 201: S.RateLimitView },
    handle: (ctx, { body }) => createRateLimit(ctx, body),
  }),
  route({
    method: 'get',
    path: `${V}/rate-limits`,
    scope: 'budgets.read',
    summary: "List rate limits (a workspace key sees its workspace's)",
    responses: { 200: S.RateLimitList },
    handle: (ctx) => listRateLimits(ctx),
  }),
  route({
    method: 'get',
    path: `${V}/rate-limits/:rate_limit_id`,
    scope: 'budgets.read',
    summary: 'Get a rate limit',
    responses: { 200: S.RateLimitView },
    handle: (ctx, { params }) => getRateLimit(ctx, params.rate_limit_id),
  }),
  route({
    method: 'put',
    path: `${V}/rate-limits/:rate_limit_id`,
    scope: 'budgets.write',
    summary: 'Create or replace a rate limit',
    body: S.RateLimitPut,
    responses: { 200: S.RateLimitView, 201: S.RateLimitView },
    handle: (ctx, { params, body }) => putRateLimit(ctx, params.rate_limit_id, body),
  }),
  route({
    method: 'delete',
    path: `${V}/rate-limits/:rate_limit_id`,
    scope: 'budgets.write',
    summary: 'Delete a rate limit',
    responses: { 204: undefined },
    handle: (ctx, { params }) => deleteRateLimit(ctx, params.rate_limit_id),
  }),
  // sign-in with an identity token (under the keys scopes: an identity stands in for a key)
  route({
    method: 'get',
    path: `${V}/identity-mappings`,
    scope: 'keys.read',
    summary: "List identity mappings (a workspace key sees its workspace's)",
    responses: { 200: I.IdentityMappingList },
    handle: (ctx) => listMappings(ctx),
  }),
  route({
    method: 'get',
    path: `${V}/identity-mappings/:mapping_id`,
    scope: 'keys.read',
    summary: 'Get an identity mapping',
    responses: { 200: I.IdentityMappingView },
    handle: (ctx, { params }) => getMapping(ctx, params.mapping_id),
  }),
  route({
    method: 'put',
    path: `${V}/identity-mappings/:mapping_id`,
    scope: 'keys.write',
    organisationOnly: true,
    summary: 'Create or replace an identity mapping: which e-mails, domains or claim values a workspace admits',
    body: I.IdentityMappingPut,
    responses: { 200: I.IdentityMappingView, 201: I.IdentityMappingView },
    handle: (ctx, { params, body }) => putMapping(ctx, params.mapping_id, body),
  }),
  route({
    method: 'delete',
    path: `${V}/identity-mappings/:mapping_id`,
    scope: 'keys.write',
    organisationOnly: true,
    summary: 'Delete an identity mapping',
    responses: { 204: undefined },
    handle: (ctx, { params }) => deleteMapping(ctx, params.mapping_id),
  }),
  route({
    method: 'get',
    path: `${V}/identities`,
    scope: 'keys.read',
    summary: "List people signed in with identity tokens (a workspace key sees its workspace's)",
    query: I.IdentityListQuery,
    responses: { 200: I.IdentityList },
    handle: (ctx, { query }) => listIdentities(ctx, query),
  }),
  route({
    method: 'get',
    path: `${V}/identities/:identity_id`,
    scope: 'keys.read',
    summary: 'Get an identity',
    responses: { 200: I.IdentityView },
    handle: (ctx, { params }) => getIdentity(ctx, params.identity_id),
  }),
  route({
    method: 'post',
    path: `${V}/identities/:identity_id/revoke`,
    scope: 'keys.write',
    summary: "Revoke a person's access (every token they present is refused from the next request on)",
    responses: { 200: I.IdentityView },
    handle: (ctx, { params }) => revokeIdentity(ctx, params.identity_id),
  }),
];
