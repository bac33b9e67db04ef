import type { z } from 'zod';
import { usagePeriod } from '../../../shared/src/store/port';
import { requireWorkspace } from './authorize';
import { type AdminContext, badRequest, iso, notFound, ok, type Reply } from './context';
import type { UsageQuery, UsageView } from './schemas';

/** `GET /admin/v1/usage`: one key's or one workspace's monthly totals, as the worker keeps them. */
export async function getUsage(ctx: AdminContext, q: z.infer<typeof UsageQuery>): Promise<Reply> {
  const period = q.period ?? usagePeriod(iso(ctx.now()));
  if (q.key_id && q.workspace_id) throw badRequest('Give key_id or workspace_id, not both.');
  let scope: 'key' | 'workspace';
  let id: string;
  if (q.key_id) {
    const doc = (await ctx.store.apiKeys.list()).find((k) => k.key_id === q.key_id);
    if (!doc) throw notFound('API key', q.key_id);
    requireWorkspace(ctx.actor, doc.type === 'organisation' ? undefined : doc.workspace_id, ctx.what);
    [scope, id] = ['key', q.key_id];
  } else {
    const workspaceId = q.workspace_id ?? (ctx.actor.type === 'workspace' ? ctx.actor.workspace_id : undefined);
    if (!workspaceId) throw badRequest('Give key_id or workspace_id.');
    requireWorkspace(ctx.actor, workspaceId, ctx.what);
    if (!(await ctx.store.workspaces.get(workspaceId))) throw notFound('workspace', workspaceId);
    [scope, id] = ['workspace', workspaceId];
  }
  const t = await ctx.store.usageTotals(scope, id, period);
  const view: z.infer<typeof UsageView> = {
    scope,
    id,
    period,
    requests: t?.requests ?? 0,
    unpriced_requests: t?.unpriced_requests ?? 0,
    cost_micros: t?.cost_micros ?? 0,
    cost_usd: (t?.cost_micros ?? 0) / 1e6,
    input: t?.input ?? 0,
    output: t?.output ?? 0,
    cache_write_5m: t?.cache_write_5m ?? 0,
    cache_write_1h: t?.cache_write_1h ?? 0,
    cache_read: t?.cache_read ?? 0,
    ...(t?.last_used_at ? { last_used_at: t.last_used_at } : {}),
  };
  return ok(view);
}
