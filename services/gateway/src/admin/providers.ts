import type { z } from 'zod';
import type { Provider } from '../../../shared/src/entities';
import { Provider as ProviderSchema } from '../../../shared/src/entities';
import { GatewayError } from '../../../shared/src/errors';
import { providerAllowed } from '../policy/provider-access';
import { audit } from './audit';
import { providerRefs } from './configs';
import { type AdminContext, badRequest, conflict, created, iso, noContent, notFound, ok, parseInput, type Reply } from './context';
import type { PricingInput, ProviderInput, ProviderPut } from './schemas';

/**
 * Providers (organisation-level: only organisation keys write them), validated with the Provider
 * schema. Credentials are references (`{adc}`, `{env}`, `{secret}`): the request schema is strict, so
 * a credential pasted in is a 400. A workspace key may read the providers its workspace may route
 * through (`allowed_providers`; every provider when unset).
 */
function withStamps(input: z.infer<typeof ProviderInput>, createdAt: string, now: string): Provider {
  return parseInput(ProviderSchema, { ...input, created_at: createdAt, updated_at: now }, 'provider');
}

export async function createProvider(ctx: AdminContext, body: z.infer<typeof ProviderInput>): Promise<Reply> {
  const now = iso(ctx.now());
  const doc = withStamps(body, now, now);
  await ctx.store.providers.create(doc.slug, doc);
  await audit(ctx, 'provider.create', { type: 'provider', id: doc.slug }, undefined, undefined, doc);
  return created(doc);
}

/** The actor's workspace's provider allow-list; undefined when every provider is visible. */
async function allowedFor(ctx: AdminContext): Promise<string[] | undefined> {
  if (ctx.actor.type === 'organisation' || !ctx.actor.workspace_id) return undefined;
  return (await ctx.store.workspaces.get(ctx.actor.workspace_id))?.defaults.allowed_providers;
}

export async function listProviders(ctx: AdminContext): Promise<Reply> {
  const allowed = await allowedFor(ctx);
  return ok({ data: (await ctx.store.providers.list()).filter((p) => !allowed || providerAllowed(allowed, p.slug)) });
}

export async function getProvider(ctx: AdminContext, rawSlug: string): Promise<Reply> {
  const slug = rawSlug.replace(/^@/, '');
  const allowed = await allowedFor(ctx);
  if (allowed && !providerAllowed(allowed, slug)) {
    throw new GatewayError(
      'permission_error',
      `Provider "@${slug}" is not among the allowed_providers of workspace "${ctx.actor.workspace_id}", so its keys can neither read nor use it.`,
    );
  }
  const doc = await ctx.store.providers.get(slug);
  if (!doc) throw notFound('provider', slug);
  return ok(doc);
}

export async function putProvider(ctx: AdminContext, rawSlug: string, body: z.infer<typeof ProviderPut>): Promise<Reply> {
  const slug = rawSlug.replace(/^@/, '');
  if (body.slug !== undefined && body.slug !== slug) throw badRequest(`slug: "${body.slug}" does not match the URL's "${slug}".`);
  const before = await ctx.store.providers.get(slug);
  const now = iso(ctx.now());
  const doc = withStamps({ ...body, slug } as z.infer<typeof ProviderInput>, before?.created_at ?? now, now);
  // Negotiated prices have their own route and version; replacing the provider keeps them.
  if (before?.pricing) doc.pricing = before.pricing;
  if (before) await ctx.store.providers.put(slug, doc);
  else await ctx.store.providers.create(slug, doc);
  await audit(ctx, before ? 'provider.update' : 'provider.create', { type: 'provider', id: slug }, undefined, before, doc);
  return before ? ok(doc) : created(doc);
}

/** Refused while a stored config routes to the provider. */
export async function deleteProvider(ctx: AdminContext, rawSlug: string): Promise<Reply> {
  const slug = rawSlug.replace(/^@/, '');
  const before = await ctx.store.providers.get(slug);
  if (!before) throw notFound('provider', slug);
  const users = (await ctx.store.configs.list()).filter((c) => providerRefs(c.config).includes(slug)).map((c) => `"${c.id}"`);
  if (users.length) throw conflict(`Provider "@${slug}" is used by config${users.length > 1 ? 's' : ''} ${users.join(', ')}; change those first.`);
  await ctx.store.providers.delete(slug);
  await audit(ctx, 'provider.delete', { type: 'provider', id: slug }, undefined, before, undefined);
  return noContent();
}

/**
 * Sets a provider's negotiated prices (replacing the previous ones), as a new version. Model names
 * must resolve in the catalog: a misspelt one would silently bill list prices.
 */
export async function putPricing(ctx: AdminContext, rawSlug: string, body: z.infer<typeof PricingInput>): Promise<Reply> {
  const slug = rawSlug.replace(/^@/, '');
  const before = await ctx.store.providers.get(slug);
  if (!before) throw notFound('provider', slug);
  const unknown = Object.keys(body.models ?? {}).filter((m) => !ctx.catalog.resolve(m));
  if (unknown.length) throw badRequest(`models: ${unknown.map((m) => `"${m}"`).join(', ')} ${unknown.length > 1 ? 'are' : 'is'} not in the model catalog.`);
  const now = iso(ctx.now());
  const pricing = { ...body, version: (before.pricing?.version ?? 0) + 1, updated_at: now };
  const doc = { ...before, pricing, updated_at: now };
  await ctx.store.providers.put(slug, doc);
  await audit(ctx, 'provider.pricing', { type: 'provider', id: slug }, undefined, before, doc);
  return ok(pricing);
}
