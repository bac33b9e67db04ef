import type { BudgetAlert } from '../../../shared/src/budget/alert';
import { BUDGET_ALERT_VERSION } from '../../../shared/src/budget/alert';
import type { BudgetStatus } from '../../../shared/src/budget/entity';
import { budgetState, newAlerts } from '../../../shared/src/budget/status';
import type { CounterDoc } from '../../../shared/src/store/counters';
import type { BudgetTouch } from './deltas';

/**
 * A budget's status after its counter changed, and the alerts that change raises: each threshold once
 * per window (the status remembers which it alerted). Undefined status when nothing is new: the status
 * document is written only when its usage, budget version or window moved. A late event of a window
 * older than the status's leaves the status alone.
 */
export function nextStatus(
  t: BudgetTouch,
  counter: CounterDoc | undefined,
  prev: BudgetStatus | undefined,
  now: number,
): { status?: BudgetStatus; alerts: BudgetAlert[] } {
  const windowStart = new Date(t.windowStart).toISOString();
  const windowEnd = t.windowEnd === undefined ? undefined : new Date(t.windowEnd).toISOString();
  if (prev && prev.window_start > windowStart) return { alerts: [] };
  const sameWindow = prev?.window_start === windowStart;
  // A counter read before another worker's newer status: a window's usage only grows.
  const usage = Math.max(typeof counter?.usage === 'number' ? counter.usage : 0, sameWindow ? prev.usage : 0);
  const alerted = sameWindow ? prev.alerted : [];
  const fired = newAlerts(t.budget, usage, alerted);
  if (sameWindow && prev.usage === usage && prev.version === t.budget.version && fired.length === 0) return { alerts: [] };
  const time = new Date(now).toISOString();
  const state = budgetState(usage, t.budget.limit, t.budget.thresholds);
  const status: BudgetStatus = {
    budget_id: t.budget.id,
    version: t.budget.version,
    window_start: windowStart,
    ...(windowEnd ? { window_end: windowEnd } : {}),
    usage,
    limit: t.budget.limit,
    state,
    alerted: [...alerted, ...fired].sort((a, b) => a - b),
    updated_at: time,
  };
  const alerts = fired.map(
    (threshold): BudgetAlert => ({
      version: BUDGET_ALERT_VERSION,
      alert_id: `${t.budget.id}|${windowStart}|${threshold}`,
      budget_id: t.budget.id,
      budget_name: t.budget.name,
      scope: t.budget.scope,
      metric: t.budget.metric,
      threshold,
      usage,
      limit: t.budget.limit,
      state,
      window_start: windowStart,
      ...(windowEnd ? { window_end: windowEnd } : {}),
      time,
    }),
  );
  return { status, alerts };
}
