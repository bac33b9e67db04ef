import type { ApiKey } from '../../../shared/src/entities';
import { GatewayError } from '../../../shared/src/errors';
import { modelPatternMatches } from '../policy/model-access';
import type { Scope } from './scopes';

/**
 * Admin authorisation, pure. The rules (documented for the README):
 * - every admin route names one scope; a key without it gets 403 naming the scope;
 * - organisation keys act on every workspace and on organisation-level objects (configs, providers,
 *   organisation keys, creating and archiving workspaces);
 * - workspace keys act only inside their own workspace: another workspace, or an organisation-level
 *   object, is a 403 naming the workspace or the rule;
 * - no key grants or manages more admin power than it holds: the admin scopes of a key created,
 *   updated or rotated must be a subset of the acting key's. `completions` is exempt: issuing
 *   inference keys is what `keys.write` is for, and an admin key need not call models itself;
 * - nor can it loosen a key past its own limits: a key it creates, updates or rotates may reach no
 *   model the acting key cannot (`allowed_models`) and expire no later than the acting key does.
 */
export type Actor = ApiKey;

const forbid = (message: string) => new GatewayError('permission_error', message);

export function requireScope(actor: Actor, scope: Scope, what: string): void {
  if (!actor.scopes.includes(scope)) {
    throw forbid(`API key "${actor.name}" lacks the "${scope}" scope needed for ${what}. Ask an organisation admin to add it.`);
  }
}

export function requireOrganisation(actor: Actor, what: string): void {
  if (actor.type !== 'organisation') {
    throw forbid(`${what} is organisation-level: use an organisation key. API key "${actor.name}" is a workspace key of workspace "${actor.workspace_id}".`);
  }
}

/** `workspaceId` undefined means the target is organisation-level (e.g. an organisation key). */
export function requireWorkspace(actor: Actor, workspaceId: string | undefined, what: string): void {
  if (actor.type === 'organisation') return;
  if (workspaceId === undefined) requireOrganisation(actor, what);
  if (workspaceId !== actor.workspace_id) {
    throw forbid(`API key "${actor.name}" belongs to workspace "${actor.workspace_id}" and cannot act on workspace "${workspaceId}" (${what}).`);
  }
}

/** Which workspaces a list may show the actor: all (undefined), or only its own. */
export function visibleWorkspace(actor: Actor, requested: string | undefined, what: string): string | undefined {
  if (actor.type === 'organisation') return requested;
  if (requested !== undefined) requireWorkspace(actor, requested, what);
  return actor.workspace_id;
}

export function requireGrantable(actor: Actor, scopes: readonly string[], what: string): void {
  const missing = scopes.filter((s) => s !== 'completions' && !actor.scopes.includes(s));
  if (missing.length) {
    throw forbid(
      `API key "${actor.name}" cannot ${what} with scope${missing.length > 1 ? 's' : ''} ${missing.map((s) => `"${s}"`).join(', ')} it does not hold itself.`,
    );
  }
}

/**
 * Whether every model `inner` allows, `outer` allows too: true when an outer pattern matches the inner
 * pattern read as a name, its `*` standing for itself. Sound, because only an outer `*` can match an
 * inner `*`, and it matches whatever the inner one is replaced by.
 */
function patternCovered(inner: string, outer: readonly string[]): boolean {
  return outer.some((p) => modelPatternMatches(p, inner));
}

/** The model access and expiry a key will have after a create, update or rotation by `actor`. */
export interface KeyLimits {
  allowed_models?: readonly string[];
  expires_at?: string;
}

export function requireWithinOwnLimits(actor: Actor, key: KeyLimits, what: string): void {
  if (actor.allowed_models) {
    const wider = key.allowed_models ? key.allowed_models.filter((m) => !patternCovered(m, actor.allowed_models!)) : ['every model'];
    if (wider.length) {
      throw forbid(
        `API key "${actor.name}" cannot ${what} that reaches ${wider.map((m) => (m === 'every model' ? m : `"${m}"`)).join(', ')}: ` +
          `its own allowed_models are ${actor.allowed_models.map((m) => `"${m}"`).join(', ') || '(none)'}. Give the key allowed_models within those.`,
      );
    }
  }
  if (actor.expires_at && (!key.expires_at || Date.parse(key.expires_at) > Date.parse(actor.expires_at))) {
    throw forbid(
      `API key "${actor.name}" cannot ${what} that expires ${key.expires_at ? `at ${key.expires_at}` : 'never'}: it expires itself at ${actor.expires_at}. Give the key an expires_at no later.`,
    );
  }
}
