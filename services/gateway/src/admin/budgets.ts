import type { z } from 'zod';
import type { Budget } from '../../../shared/src/budget/entity';
import { reviseBudget } from '../../../shared/src/budget/window';
import { type Collection, TOKEN_KINDS } from '../../../shared/src/store/port';
import { audit } from './audit';
import { requireOrganisation, requireWorkspace, visibleWorkspace } from './authorize';
import { type AdminContext, badRequest, conflict, created, iso, noContent, notFound, ok, type Reply } from './context';
import type { BudgetCreate, BudgetPut, UsageBreakdownQuery } from './schemas';

type Fields = Omit<z.infer<typeof BudgetCreate>, 'id'>;

/**
 * The workspace a budget (or rate limit) belongs to, from its scope: a key's or a workspace's.
 * Provider and metadata ones span workspaces, so only organisation keys manage them.
 */
export async function owningWorkspace(ctx: AdminContext, scope: Budget['scope']): Promise<string | undefined> {
  if (scope.type === 'workspace') {
    requireWorkspace(ctx.actor, scope.workspace_id, ctx.what);
    if (!(await ctx.store.workspaces.get(scope.workspace_id))) throw badRequest(`scope.workspace_id: no workspace "${scope.workspace_id}".`);
    return scope.workspace_id;
  }
  if (scope.type === 'key') {
    const key = (await ctx.store.apiKeys.list()).find((k) => k.key_id === scope.key_id);
    // A person signed in with an identity token is named by their identity id where a key is by its key_id.
    const identity = key ? undefined : await ctx.store.identities.get(scope.key_id);
    if (!key && !identity) throw badRequest(`scope.key_id: no API key or identity "${scope.key_id}".`);
    const ws = key ? (key.type === 'organisation' ? undefined : key.workspace_id) : identity?.workspace_id;
    requireWorkspace(ctx.actor, ws, ctx.what);
    return ws;
  }
  requireOrganisation(ctx.actor, ctx.what);
  return undefined;
}

async function withStatus(ctx: AdminContext, b: Budget) {
  return { ...b, status: (await ctx.store.budgetStatus.get(b.id)) ?? null };
}

/** A stored budget or rate limit the actor may see: 404 when absent, 403 when another workspace owns it. */
export async function readOwned<T extends { workspace_id?: string }>(ctx: AdminContext, col: Collection<T>, what: string, id: string): Promise<T> {
  const doc = await col.get(id);
  if (!doc) throw notFound(what, id);
  requireWorkspace(ctx.actor, doc.workspace_id, ctx.what);
  return doc;
}

const readable = (ctx: AdminContext, id: string): Promise<Budget> => readOwned(ctx, ctx.store.budgets, 'budget', id);

async function build(ctx: AdminContext, id: string, fields: Fields, before: Budget | undefined): Promise<Budget> {
  const workspace_id = await owningWorkspace(ctx, fields.scope);
  const now = ctx.now();
  const doc = reviseBudget(before, { ...fields, id, ...(workspace_id ? { workspace_id } : {}) }, now);
  return { ...doc, created_at: before?.created_at ?? iso(now), updated_at: iso(now) };
}

export async function createBudget(ctx: AdminContext, body: z.infer<typeof BudgetCreate>): Promise<Reply> {
  const { id, ...fields } = body;
  const doc = await build(ctx, id, fields, undefined);
  await ctx.store.budgets.create(id, doc);
  await audit(ctx, 'budget.create', { type: 'budget', id }, doc.workspace_id, undefined, doc, 'id');
  return created(await withStatus(ctx, doc));
}

export async function listBudgets(ctx: AdminContext): Promise<Reply> {
  const ws = visibleWorkspace(ctx.actor, undefined, ctx.what);
  const all = (await ctx.store.budgets.list()).filter((b) => ws === undefined || b.workspace_id === ws);
  return ok({ data: await Promise.all(all.map((b) => withStatus(ctx, b))) });
}

export async function getBudget(ctx: AdminContext, id: string): Promise<Reply> {
  return ok(await withStatus(ctx, await readable(ctx, id)));
}

/** Create or replace; `version` makes a concurrent edit a 409. */
export async function putBudget(ctx: AdminContext, id: string, body: z.infer<typeof BudgetPut>): Promise<Reply> {
  const before = await ctx.store.budgets.get(id);
  if (before) requireWorkspace(ctx.actor, before.workspace_id, ctx.what);
  const { version, ...fields } = body;
  if (version !== undefined && version !== (before?.version ?? 0)) {
    throw conflict(`Budget "${id}" is at version ${before?.version ?? '(none: it does not exist)'}, not ${version}; re-read it and apply your change again.`);
  }
  const doc = await build(ctx, id, fields, before);
  if (before) await ctx.store.budgets.put(id, doc);
  else await ctx.store.budgets.create(id, doc);
  await audit(ctx, before ? 'budget.update' : 'budget.create', { type: 'budget', id }, doc.workspace_id, before, doc, 'id');
  return before ? ok(await withStatus(ctx, doc)) : created(await withStatus(ctx, doc));
}

export async function deleteBudget(ctx: AdminContext, id: string): Promise<Reply> {
  const before = await readable(ctx, id);
  await ctx.store.budgets.delete(id);
  await ctx.store.budgetStatus.delete(id);
  await audit(ctx, 'budget.delete', { type: 'budget', id }, before.workspace_id, before, undefined, 'id');
  return noContent();
}

/** `GET /admin/v1/usage/breakdown`: totals per value of one dimension, summed from the daily rollups. */
export async function usageBreakdown(ctx: AdminContext, q: z.infer<typeof UsageBreakdownQuery>): Promise<Reply> {
  if (q.from > q.to) throw badRequest(`from (${q.from}) is after to (${q.to}).`);
  const rollups = await ctx.store.queryCounters('usage_rollups', { where: { dimension: q.by }, range: { field: 'day', from: q.from, to: q.to } });
  const sums = new Map<string, Record<string, number>>();
  for (const r of rollups) {
    const s = sums.get(r.value as string) ?? { requests: 0, cost_micros: 0, input: 0, output: 0, cache_write_5m: 0, cache_write_1h: 0, cache_read: 0 };
    for (const f of ['requests', 'cost_micros', ...TOKEN_KINDS]) s[f] += Number(r[f] ?? 0);
    sums.set(r.value as string, s);
  }
  // Most expensive first.
  const data = [...sums]
    .sort(([va, a], [vb, b]) => b.cost_micros - a.cost_micros || (va < vb ? -1 : 1))
    .map(([value, s]) => ({ value, ...s, cost_usd: s.cost_micros / 1e6 }));
  return ok({ by: q.by, from: q.from, to: q.to, data });
}
