import type { z } from 'zod';
import type { RateLimit } from '../../../shared/src/rate-limit/entity';
import { audit } from './audit';
import { requireWorkspace, visibleWorkspace } from './authorize';
import { owningWorkspace, readOwned } from './budgets';
import { type AdminContext, conflict, created, iso, noContent, ok, type Reply } from './context';
import type { RateLimitCreate, RateLimitPut } from './schemas';

type Fields = Omit<z.infer<typeof RateLimitCreate>, 'id'>;

const readable = (ctx: AdminContext, id: string): Promise<RateLimit> => readOwned(ctx, ctx.store.rateLimits, 'rate limit', id);

async function build(ctx: AdminContext, id: string, fields: Fields, before: RateLimit | undefined): Promise<RateLimit> {
  const workspace_id = await owningWorkspace(ctx, fields.scope);
  const now = iso(ctx.now());
  return {
    ...fields,
    id,
    ...(workspace_id ? { workspace_id } : {}),
    version: (before?.version ?? 0) + 1,
    created_at: before?.created_at ?? now,
    updated_at: now,
  };
}

export async function createRateLimit(ctx: AdminContext, body: z.infer<typeof RateLimitCreate>): Promise<Reply> {
  const { id, ...fields } = body;
  const doc = await build(ctx, id, fields, undefined);
  await ctx.store.rateLimits.create(id, doc);
  await audit(ctx, 'rate_limit.create', { type: 'rate_limit', id }, doc.workspace_id, undefined, doc, 'id');
  return created(doc);
}

export async function listRateLimits(ctx: AdminContext): Promise<Reply> {
  const ws = visibleWorkspace(ctx.actor, undefined, ctx.what);
  return ok({ data: (await ctx.store.rateLimits.list()).filter((l) => ws === undefined || l.workspace_id === ws) });
}

export async function getRateLimit(ctx: AdminContext, id: string): Promise<Reply> {
  return ok(await readable(ctx, id));
}

/** Create or replace; `version` makes a concurrent edit a 409. A new limit applies to the current window at once. */
export async function putRateLimit(ctx: AdminContext, id: string, body: z.infer<typeof RateLimitPut>): Promise<Reply> {
  const before = await ctx.store.rateLimits.get(id);
  if (before) requireWorkspace(ctx.actor, before.workspace_id, ctx.what);
  const { version, ...fields } = body;
  if (version !== undefined && version !== (before?.version ?? 0)) {
    throw conflict(
      `Rate limit "${id}" is at version ${before?.version ?? '(none: it does not exist)'}, not ${version}; re-read it and apply your change again.`,
    );
  }
  const doc = await build(ctx, id, fields, before);
  if (before) await ctx.store.rateLimits.put(id, doc);
  else await ctx.store.rateLimits.create(id, doc);
  await audit(ctx, before ? 'rate_limit.update' : 'rate_limit.create', { type: 'rate_limit', id }, doc.workspace_id, before, doc, 'id');
  return before ? ok(doc) : created(doc);
}

export async function deleteRateLimit(ctx: AdminContext, id: string): Promise<Reply> {
  const before = await readable(ctx, id);
  await ctx.store.rateLimits.delete(id);
  await audit(ctx, 'rate_limit.delete', { type: 'rate_limit', id }, before.workspace_id, before, undefined, 'id');
  return noContent();
}
