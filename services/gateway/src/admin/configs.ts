import type { z } from 'zod';
import type { StoredConfig } from '../../../shared/src/entities';
import { configError, parseConfig } from '../routing/config-schema';
import { audit } from './audit';
import { type AdminContext, badRequest, conflict, created, iso, noContent, notFound, ok, type Reply } from './context';
import type { ConfigCreate, ConfigPut } from './schemas';

/**
 * Stored routing configs (organisation-level). Validated with the gateway's own parser on write, so
 * a config the admin API accepts is one every instance will load; versioned, each write bumping it.
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

async function validate(ctx: AdminContext, config: Record<string, unknown>): Promise<string[]> {
  const parsed = parseConfig(config);
  if (!parsed.ok) throw badRequest(configError(parsed.issues));
  const warnings = parsed.ignored.map((p) => `${p}: accepted for Portkey compatibility; has no effect in Gatehouse yet`);
  for (const slug of providerRefs(config)) {
    if (!(await ctx.store.providers.get(slug))) warnings.push(`provider "@${slug}" does not exist yet; requests routed to it will fail until it does`);
  }
  return warnings;
}

export async function createConfig(ctx: AdminContext, body: z.infer<typeof ConfigCreate>): Promise<Reply> {
  const warnings = await validate(ctx, body.config);
  const now = iso(ctx.now());
  const doc: StoredConfig = { id: body.id, version: 1, config: body.config, created_at: now, updated_at: now };
  await ctx.store.configs.create(doc.id, doc);
  await audit(ctx, 'config.create', { type: 'config', id: doc.id }, undefined, undefined, doc, 'id');
  return created({ ...doc, warnings });
}

export async function listConfigs(ctx: AdminContext): Promise<Reply> {
  return ok({ data: await ctx.store.configs.list() });
}

export async function getConfig(ctx: AdminContext, id: string): Promise<Reply> {
  const doc = await ctx.store.configs.get(id);
  if (!doc) throw notFound('config', id);
  return ok(doc);
}

/** Create or replace. Two concurrent writes can both succeed; pass `version` to make the second a 409. */
export async function putConfig(ctx: AdminContext, id: string, body: z.infer<typeof ConfigPut>): Promise<Reply> {
  const before = await ctx.store.configs.get(id);
  if (body.version !== undefined && body.version !== (before?.version ?? 0)) {
    throw conflict(`Config "${id}" is at version ${before?.version ?? '(none: it does not exist)'}, not ${body.version}; re-read it and apply your change again.`);
  }
  const warnings = await validate(ctx, body.config);
  const now = iso(ctx.now());
  const doc: StoredConfig = {
    id,
    version: (before?.version ?? 0) + 1,
    config: body.config,
    created_at: before?.created_at ?? now,
    updated_at: now,
  };
  if (before) await ctx.store.configs.put(id, doc);
  else await ctx.store.configs.create(id, doc);
  await audit(ctx, before ? 'config.update' : 'config.create', { type: 'config', id }, undefined, before, doc, 'id');
  return before ? ok({ ...doc, warnings }) : created({ ...doc, warnings });
}

/** Refused while a key or workspace names the config as its default: those requests would fail. */
export async function deleteConfig(ctx: AdminContext, id: string): Promise<Reply> {
  const before = await ctx.store.configs.get(id);
  if (!before) throw notFound('config', id);
  const users = [
    ...(await ctx.store.workspaces.list()).filter((w) => w.defaults.config_id === id).map((w) => `workspace "${w.id}"`),
    ...(await ctx.store.apiKeys.list())
      .filter((k) => k.defaults.config_id === id && k.status === 'active' && !k.rotated_at)
      .map((k) => `key "${k.key_id}"`),
  ];
  if (users.length) throw conflict(`Config "${id}" is the default of ${users.slice(0, 10).join(', ')}${users.length > 10 ? ` and ${users.length - 10} more` : ''}; change those first.`);
  await ctx.store.configs.delete(id);
  await audit(ctx, 'config.delete', { type: 'config', id }, undefined, before, undefined, 'id');
  return noContent();
}
