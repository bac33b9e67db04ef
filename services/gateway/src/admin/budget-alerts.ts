import type { z } from 'zod';
import { visibleWorkspace } from './authorize';
import { type AdminContext, ok, type Reply } from './context';
import type { BudgetAlertsQuery } from './schemas';

/**
 * `GET /admin/v1/budget-alerts`: the alert history, newest first. A workspace key sees the alerts of
 * its workspace's budgets; an organisation key sees every alert, or one workspace's.
 */
export async function listBudgetAlerts(ctx: AdminContext, q: z.infer<typeof BudgetAlertsQuery>): Promise<Reply> {
  const workspaceId = visibleWorkspace(ctx.actor, q.workspace_id, ctx.what);
  const data = await ctx.store.budgetAlerts.list({
    ...(q.budget_id !== undefined ? { budget_id: q.budget_id } : {}),
    ...(workspaceId !== undefined ? { workspace_id: workspaceId } : {}),
    limit: q.limit,
  });
  return ok({ data });
}
