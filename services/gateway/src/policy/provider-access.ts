import { GatewayError } from '../../../shared/src/errors';

/** Whether `slug` (without "@") is on an allow-list of slugs, written with or without "@". */
export function providerAllowed(allowed: readonly string[], slug: string): boolean {
  return allowed.some((a) => a === slug || (a.startsWith('@') && a.slice(1) === slug));
}

/**
 * A workspace's `allowed_providers`, when set, is the only set of providers its keys may route through,
 * whether a config or the provider header names them. Unset: every provider (as before the list existed).
 */
export function checkProviderAccess(workspace: { id: string; defaults: { allowed_providers?: string[] } } | undefined, slug: string): void {
  const allowed = workspace?.defaults.allowed_providers;
  if (!allowed || providerAllowed(allowed, slug)) return;
  throw new GatewayError(
    'permission_error',
    `Provider "@${slug}" is not allowed for workspace "${workspace.id}": its allowed_providers are ${allowed.map((a) => `"@${a.replace(/^@/, '')}"`).join(', ') || '(none)'}.`,
  );
}

/**
 * A stored config owned by a workspace serves only that workspace's keys; organisation-shared configs
 * (no owner) and organisation keys are unrestricted.
 */
export function checkConfigAccess(
  config: { workspace_id?: string },
  key: { name: string; type: string; workspace_id?: string },
  id: string,
  source: string,
): void {
  if (config.workspace_id === undefined || key.type === 'organisation' || config.workspace_id === key.workspace_id) return;
  throw new GatewayError(
    'permission_error',
    `Config "${id}" (from ${source}) belongs to workspace "${config.workspace_id}": key "${key.name}" of workspace "${key.workspace_id}" may use only its workspace's configs and organisation-shared ones.`,
  );
}
