import type { Catalog, ModelEntry } from '../../../shared/src/catalog';
import { spellingsOf } from '../../../shared/src/catalog/model-names';
import type { ApiKey, Provider, Workspace } from '../../../shared/src/entities';
import { GatewayError } from '../../../shared/src/errors';
import type { GatewayDeps } from '../deps';
import { type AccessRule, checkModelAccess } from '../policy/model-access';
import { checkProviderAccess } from '../policy/provider-access';
import { resolveTargetModel } from '../policy/target-model';
import { keyFromHeaders } from './keys';

type Headers = Record<string, string | string[] | undefined>;

/**
 * The caller behind a request's credential, wherever a key is accepted: a Gatehouse key, or an OIDC ID
 * token from a configured issuer (auth/identity-cache.ts), which stands for its person's identity record.
 */
export function authenticate(deps: Pick<GatewayDeps, 'keys' | 'identities' | 'wallClock'>, headers: Headers, now?: number): Promise<ApiKey> {
  const secret = keyFromHeaders(headers);
  return deps.identities.accepts(secret) ? deps.identities.authenticate(secret, now ?? deps.wallClock()) : deps.keys.authenticate(secret, now);
}

/** Who is calling a model route, and the model rules that apply to them. */
export interface Caller {
  key: ApiKey;
  workspace?: Workspace;
  rules: AccessRule[];
}

/** A valid key (401 otherwise) that passes `callerFor`: `/v1/models`, which records no usage. */
export async function authenticateCaller(deps: GatewayDeps, headers: Headers): Promise<Caller> {
  return callerFor(deps.workspaces, await authenticate(deps, headers));
}

/**
 * The one check every model route makes (`/v1/messages`, count_tokens, the Vertex routes,
 * `/v1/models`) once the key is known to be valid: the `completions` scope, a workspace that is not
 * archived. The messages routes authenticate first on their own, so that the usage event of a refused
 * request still names its key.
 */
export function callerFor(workspaces: GatewayDeps['workspaces'], key: ApiKey): Caller {
  if (!key.scopes.includes('completions')) {
    throw new GatewayError('permission_error', `API key "${key.name}" lacks the "completions" scope needed to call models.`);
  }
  const workspace = key.workspace_id ? workspaces.get(key.workspace_id) : undefined;
  if (workspace?.status === 'archived') {
    throw new GatewayError('permission_error', `Workspace "${workspace.id}" is archived: its keys can no longer call models. Ask your Gatehouse admin.`);
  }
  const rules = [
    { owner: `key "${key.name}"`, patterns: key.allowed_models },
    { owner: `workspace "${workspace?.id}"`, patterns: workspace?.defaults.allowed_models },
  ];
  return { key, workspace, rules };
}

/** Throws a 403 naming the model and the rule when the caller may not use a catalog model (`/v1/models`). */
export function checkCatalogModel(caller: Caller, entry: ModelEntry): void {
  checkModelAccess(spellingsOf(entry), caller.rules);
}

/**
 * The upstream id `provider` will be called with for the model `name`, once the caller's workspace may
 * use the provider and the caller's rules allow the model that id is (403 naming the rule otherwise,
 * 400 for a name nobody can vouch for).
 */
export function checkCallerTarget(catalog: Catalog, caller: Caller, provider: Provider, name: string): string {
  checkProviderAccess(caller.workspace, provider.slug);
  const model = resolveTargetModel(catalog, provider, name);
  // The error names what the client wrote, and what it resolved to when that is another model's spelling.
  const label = () => (model.names.includes(name.toLowerCase()) ? `"${name}"` : `"${name}" (resolves to "${model.names[0]}" on @${provider.slug})`);
  checkModelAccess(model.names, caller.rules, label);
  return model.upstream;
}
