import type { z } from 'zod';
import type { StoredConfig } from '../../../shared/src/entities';
import { configError, parseConfig } from '../routing/config-schema';
import { providerAllowed } from '../policy/provider-access';
import { audit } from './audit';
import { requireWorkspace, visibleWorkspace } from './authorize';
import { type AdminContext, badRequest, conflict, created, iso, noContent, notFound, ok, type Reply } from './context';
import type { ConfigCreate, ConfigPut } from './schemas';

/**
 * Stored routing configs: organisation-shared (no `workspace_id`: organisation keys write them, every
 * key may read and use them) or owned by a workspace (its keys alone may read, write and use them).
 * Validated with the gateway's own parser on write, so a config the admin API accepts is one every
 * instance will load; versioned, each write bumping it.
 */

/** Provider slugs a config names: `provider`/`virtual_key` values and `@slug/model` overrides. */
export function providerRefs(config: unknown): string[] {
  const out = new Set<string>();
  const walk = (v: unknown, key?: string) => {
    if (Array.isArray(v)) return v.forEach((x) => walk(x));
    if (v && typeof v === 'object') return Object.entries(v).forEach(([k, x]) => walk(x, k));
    if (typeof v !== 'string') return;
    if (key === 'provider' || key === 'virtual_key') out.add(v.replace(/^@/, ''));
    else if (key === 'model' && v.startsWith('@') && v.includes('/')) out.add(v.slice(1, v.indexOf('/')));
  };
  walk(config);
  return [...out];
}

async function validate(ctx: AdminContext, config: Record<string, unknown>, workspaceId: string | undefined): Promise<string[]> {
  const parsed = parseConfig(config);
  if (!parsed.ok) throw badRequest(configError(parsed.issues));
  const warnings = parsed.ignored.map((p) => `${p}: accepted for Portkey compatibility; has no effect in Gatehouse yet`);
  const allowed = workspaceId === undefined ? undefined : (await ctx.store.workspaces.get(workspaceId))?.defaults.allowed_providers;
  for (const slug of providerRefs(config)) {
    if (!(await ctx.store.providers.get(slug))) warnings.push(`provider "@${slug}" does not exist yet; requests routed to it will fail until it does`);
    if (allowed && !providerAllowed(allowed, slug))
      warnings.push(`provider "@${slug}" is not among workspace "${workspaceId}"'s allowed_providers; requests routed to it will be refused`);
  }
  return warnings;
}

/** The owner a write gives a config: a workspace key's own workspace, or what an organisation key names. */
async function ownerOf(ctx: AdminContext, requested: string | undefined): Promise<string | undefined> {
  const owner = ctx.actor.type === 'workspace' ? (requested ?? ctx.actor.workspace_id) : requested;
  requireWorkspace(ctx.actor, owner, ctx.what);
  if (owner !== undefined && !(await ctx.store.workspaces.get(owner))) throw badRequest(`workspace_id: no workspace "${owner}".`);
  return owner;
}

/** A config the actor may see: shared ones to everyone, owned ones to their workspace (and organisation keys). */
async function load(ctx: AdminContext, id: string, write: boolean): Promise<StoredConfig | undefined> {
  const doc = await ctx.store.configs.get(id);
  if (doc && (write || doc.workspace_id !== undefined)) requireWorkspace(ctx.actor, doc.workspace_id, ctx.what);
  return doc;
}

export async function createConfig(ctx: AdminContext, body: z.infer<typeof ConfigCreate>): Promise<Reply> {
  const owner = await ownerOf(ctx, body.workspace_id);
  const warnings = await validate(ctx, body.config, owner);
  const now = iso(ctx.now());
  const doc: StoredConfig = {
    id: body.id,
    version: 1,
    ...(owner !== undefined && { workspace_id: owner }),
    config: body.config,
    created_at: now,
    updated_at: now,
  };
  await ctx.store.configs.create(doc.id, doc);
  await audit(ctx, 'config.create', { type: 'config', id: doc.id }, owner, undefined, doc, 'id');
  return created({ ...doc, warnings });
}

export async function listConfigs(ctx: AdminContext): Promise<Reply> {
  const only = visibleWorkspace(ctx.actor, undefined, ctx.what);
  const data = (await ctx.store.configs.list()).filter((c) => only === undefined || c.workspace_id === undefined || c.workspace_id === only);
  return ok({ data });
}

export async function getConfig(ctx: AdminContext, id: string): Promise<Reply> {
  const doc = await load(ctx, id, false);
  if (!doc) throw notFound('config', id);
  return ok(doc);
}

/** Create or replace. Two concurrent writes can both succeed; pass `version` to make the second a 409. */
export async function putConfig(ctx: AdminContext, id: string, body: z.infer<typeof ConfigPut>): Promise<Reply> {
  const before = await load(ctx, id, true);
  const owner = await ownerOf(ctx, body.workspace_id ?? before?.workspace_id);
  if (body.version !== undefined && body.version !== (before?.version ?? 0)) {
    throw conflict(
      `Config "${id}" is at version ${before?.version ?? '(none: it does not exist)'}, not ${body.version}; re-read it and apply your change again.`,
    );
  }
  const warnings = await validate(ctx, body.config, owner);
  const now = iso(ctx.now());
  const doc: StoredConfig = {
    id,
    version: (before?.version ?? 0) + 1,
    ...(owner !== undefined && { workspace_id: owner }),
    config: body.config,
    created_at: before?.created_at ?? now,
    updated_at: now,
  };
  if (before) await ctx.store.configs.put(id, doc);
  else await ctx.store.configs.create(id, doc);
  await audit(ctx, before ? 'config.update' : 'config.create', { type: 'config', id }, owner, before, doc, 'id');
  return before ? ok({ ...doc, warnings }) : created({ ...doc, warnings });
}

/** Refused while a key or workspace names the config as its default: those requests would fail. */
export async function deleteConfig(ctx: AdminContext, id: string): Promise<Reply> {
  const before = await load(ctx, id, true);
  if (!before) throw notFound('config', id);
  const users = [
    ...(await ctx.store.workspaces.list()).filter((w) => w.defaults.config_id === id).map((w) => `workspace "${w.id}"`),
    ...(await ctx.store.apiKeys.list()).filter((k) => k.defaults.config_id === id && k.status === 'active' && !k.rotated_at).map((k) => `key "${k.key_id}"`),
  ];
  if (users.length)
    throw conflict(
      `Config "${id}" is the default of ${users.slice(0, 10).join(', ')}${users.length > 10 ? ` and ${users.length - 10} more` : ''}; change those first.`,
    );
  await ctx.store.configs.delete(id);
  await audit(ctx, 'config.delete', { type: 'config', id }, before.workspace_id, before, undefined, 'id');
  return noContent();
}
