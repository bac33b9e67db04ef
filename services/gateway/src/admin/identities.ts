import type { z } from 'zod';
import { GatewayError } from '../../../shared/src/errors';
import type { Identity, IdentityMapping } from '../../../shared/src/identity/entity';
import { audit } from './audit';
import { requireGrantable, requireWithinOwnLimits, requireWorkspace, visibleWorkspace } from './authorize';
import { type AdminContext, badRequest, created, iso, noContent, notFound, ok, type Reply, requireConfig } from './context';
import type { IdentityListQuery, IdentityMappingPut } from './identity-schemas';

/**
 * Identity mappings (organisation-level: they decide who enters which workspace) and the identity
 * records people get on their first request, read and revoked like keys (the keys.* scopes).
 */

export async function listMappings(ctx: AdminContext): Promise<Reply> {
  const ws = visibleWorkspace(ctx.actor, undefined, ctx.what);
  return ok({ data: (await ctx.store.identityMappings.list()).filter((m) => ws === undefined || m.workspace_id === ws) });
}

/** Create or replace. A changed mapping applies to the next request of everyone it admits. */
export async function putMapping(ctx: AdminContext, id: string, body: z.infer<typeof IdentityMappingPut>): Promise<Reply> {
  const workspace = await ctx.store.workspaces.get(body.workspace_id);
  if (!workspace) throw badRequest(`workspace_id: no workspace "${body.workspace_id}".`);
  if (workspace.status === 'archived')
    throw new GatewayError('permission_error', `Workspace "${workspace.id}" is archived: no mapping may admit people to it.`);
  await requireConfig(ctx, body.defaults.config_id, body.workspace_id);
  requireGrantable(ctx.actor, body.scopes, 'create an identity mapping');
  requireWithinOwnLimits(ctx.actor, { allowed_models: body.allowed_models }, 'create an identity mapping');
  const before = await ctx.store.identityMappings.get(id);
  const now = iso(ctx.now());
  const doc: IdentityMapping = { ...body, id, created_at: before?.created_at ?? now, updated_at: now };
  await ctx.store.identityMappings.put(id, doc);
  await audit(ctx, before ? 'identity_mapping.update' : 'identity_mapping.create', { type: 'identity_mapping', id }, doc.workspace_id, before, doc, 'id');
  return before ? ok(doc) : created(doc);
}

async function readMapping(ctx: AdminContext, id: string): Promise<IdentityMapping> {
  const mapping = await ctx.store.identityMappings.get(id);
  if (!mapping) throw notFound('identity mapping', id);
  requireWorkspace(ctx.actor, mapping.workspace_id, ctx.what);
  return mapping;
}

export async function getMapping(ctx: AdminContext, id: string): Promise<Reply> {
  return ok(await readMapping(ctx, id));
}

export async function deleteMapping(ctx: AdminContext, id: string): Promise<Reply> {
  const before = await readMapping(ctx, id);
  await ctx.store.identityMappings.delete(id);
  await audit(ctx, 'identity_mapping.delete', { type: 'identity_mapping', id }, before.workspace_id, before, undefined, 'id');
  return noContent();
}

export async function listIdentities(ctx: AdminContext, q: z.infer<typeof IdentityListQuery>): Promise<Reply> {
  const ws = visibleWorkspace(ctx.actor, q.workspace_id, ctx.what);
  const data = (await ctx.store.identities.list()).filter((i) => ws === undefined || i.workspace_id === ws);
  return ok({ data: data.sort((a, b) => a.email.localeCompare(b.email)) });
}

async function readIdentity(ctx: AdminContext, id: string): Promise<Identity> {
  const identity = await ctx.store.identities.get(id);
  if (!identity) throw notFound('identity', id);
  requireWorkspace(ctx.actor, identity.workspace_id, ctx.what);
  return identity;
}

export async function getIdentity(ctx: AdminContext, id: string): Promise<Reply> {
  return ok(await readIdentity(ctx, id));
}

/** Refuses the person's every token from the next request on, whatever mapping admits them; final, as for a key. */
export async function revokeIdentity(ctx: AdminContext, id: string): Promise<Reply> {
  const before = await readIdentity(ctx, id);
  const after: Identity = { ...before, status: 'revoked', updated_at: iso(ctx.now()) };
  await ctx.store.identities.put(id, after);
  await audit(ctx, 'identity.revoke', { type: 'identity', id }, after.workspace_id, before, after, 'id');
  return ok(after);
}
