import { hash } from 'node:crypto';
import type { ApiKey } from '../../../shared/src/entities';
import type { Identity, IdentityMapping } from '../../../shared/src/identity/entity';
import type { VerifiedToken } from './id-token';

/** The stable id of the person with this e-mail address, whichever issuer vouched for it. */
export function identityId(email: string): string {
  return `idn_${hash('sha256', email.toLowerCase(), 'hex').slice(0, 24)}`;
}

/** How specific a match is: an exact e-mail outranks a claim value, which outranks a domain. */
function rank(m: IdentityMapping, token: VerifiedToken): number | undefined {
  const match = m.match;
  if ('email' in match) return match.email === token.email ? 0 : undefined;
  if ('claim' in match) {
    const value = token.claims[match.claim];
    const values = Array.isArray(value) ? value : [value];
    return values.some((v) => String(v) === match.value) ? 1 : undefined;
  }
  return token.email.endsWith(`@${match.domain}`) ? 2 : undefined;
}

/** The mapping that admits the bearer of a token: the most specific, then the lowest id; undefined when none does. */
export function mappingFor(mappings: Iterable<IdentityMapping>, token: VerifiedToken): IdentityMapping | undefined {
  let best: { m: IdentityMapping; r: number } | undefined;
  for (const m of mappings) {
    const r = rank(m, token);
    if (r !== undefined && (!best || r < best.r || (r === best.r && m.id < best.m.id))) best = { m, r };
  }
  return best?.m;
}

/**
 * A person as the request path sees a caller: shaped like a workspace user key, named by the
 * identity id, with `metadata.user` pinned to the e-mail (key defaults win over the request's
 * metadata), so usage, budgets and rate limits per user apply unchanged.
 */
export function principalOf(identity: Identity, mapping: IdentityMapping): ApiKey {
  return {
    id: identity.id,
    key_id: identity.id,
    name: identity.email,
    type: 'workspace',
    kind: 'user',
    workspace_id: mapping.workspace_id,
    scopes: mapping.scopes,
    defaults: { config_id: mapping.defaults.config_id, metadata: { ...mapping.defaults.metadata, user: identity.email } },
    allowed_models: mapping.allowed_models,
    prefix: '',
    status: 'active',
  };
}
