import { z } from 'zod';

/**
 * The scopes a key can carry (docs/design.md §7.2). Every admin route names exactly one; a key without it gets a
 * 403 that names it. `budgets.*`, `logs.view` are defined here for routes not built yet (docs/design.md §7.5).
 */
export const SCOPES = {
  completions: 'Call models: /v1/messages, count_tokens, /v1/models and the Vertex-shaped routes.',
  'keys.read': 'List and read API keys (never their secrets).',
  'keys.write': 'Create, update, rotate and revoke API keys.',
  'workspaces.read': 'List and read workspaces.',
  'workspaces.write': 'Create, update and archive workspaces.',
  'configs.read': 'List and read routing configs (organisation keys only).',
  'configs.write': 'Create, update and delete routing configs (organisation keys only).',
  'providers.read': 'List and read providers (organisation keys only).',
  'providers.write': 'Create, update and delete providers (organisation keys only).',
  'guardrails.read': 'List and read stored guardrails (organisation keys only).',
  'guardrails.write': 'Create, update and delete stored guardrails (organisation keys only).',
  'budgets.read': 'Read budgets and their state, and rate limits.',
  'budgets.write': 'Create, update and delete budgets and rate limits.',
  'logs.view': 'Read request logs.',
  'analytics.view': 'Read usage totals and analytics.',
  'audit.read': 'Read the admin audit log.',
} as const;

export type Scope = keyof typeof SCOPES;
export const SCOPE_NAMES = Object.keys(SCOPES) as [Scope, ...Scope[]];
export const ScopeSchema = z.enum(SCOPE_NAMES, {
  error: (i) => `unknown scope ${JSON.stringify(i.input)}; scopes are ${SCOPE_NAMES.join(', ')}`,
});

/** What `gatehouse bootstrap` and GATEHOUSE_BOOTSTRAP_KEY_HASH give the first organisation key. */
export const ALL_SCOPES: Scope[] = [...SCOPE_NAMES];

/** A workspace admin's usual set (everything a workspace key can use). */
export const WORKSPACE_ADMIN_SCOPES: Scope[] = [
  'completions',
  'keys.read',
  'keys.write',
  'workspaces.read',
  'workspaces.write',
  'budgets.read',
  'budgets.write',
  'logs.view',
  'analytics.view',
  'audit.read',
];
