import type { Budget } from '../../../shared/src/budget/entity';
import { coveringBudgets } from '../../../shared/src/budget/match';
import { metricAmount } from '../../../shared/src/budget/status';
import { type BudgetWindow, budgetWindow, windowCounterId } from '../../../shared/src/budget/window';
import { type CountedEvent, type CounterDelta, totalsDeltas } from '../../../shared/src/store/counters';
import { rollupDeltas } from '../../../shared/src/store/rollups';
import type { UsageEvent } from '../../../shared/src/usage-event';

/** A budget counter an event counts towards: which budget and which of its windows. */
export interface BudgetTouch {
  budget: Budget;
  counterId: string;
  windowStart: number;
  windowEnd?: number;
}

/**
 * Everything one usage event adds: the monthly totals, each covering budget's counter for the window
 * its timestamp falls in, and the daily and hourly rollups (store/rollups.ts). Pure: the budgets are
 * given.
 */
export function usageDeltas(event: UsageEvent, budgets: Iterable<Budget>): { counted: CountedEvent; touched: BudgetTouch[] } {
  const deltas: CounterDelta[] = totalsDeltas(event);
  const touched: BudgetTouch[] = [];
  const at = Date.parse(event.timestamp);
  for (const budget of coveringBudgets(budgets, event)) {
    const w = windowAt(budget, at);
    if (!w) continue;
    const counterId = windowCounterId(budget.id, w);
    touched.push({ budget, counterId, windowStart: w.start, windowEnd: w.end });
    deltas.push({
      collection: 'budget_counters',
      id: counterId,
      fields: { budget_id: budget.id, window_start: new Date(w.start).toISOString() },
      inc: { usage: metricAmount(budget.metric, event.cost_micros, event.usage), requests: 1 },
    });
  }
  deltas.push(...rollupDeltas(event));
  return { counted: { event_id: event.event_id, deltas }, touched };
}

/**
 * The last window found per budget (an edited budget is a new object): events arrive in about time
 * order, so most fall in it, and budgetWindow's time zone arithmetic was the costliest step per event.
 */
const lastWindow = new WeakMap<Budget, BudgetWindow>();

function windowAt(budget: Budget, at: number): BudgetWindow | undefined {
  const last = lastWindow.get(budget);
  if (last && at >= last.start && (last.end === undefined || at < last.end)) return last;
  const w = budgetWindow(budget, at);
  if (w) lastWindow.set(budget, w);
  return w;
}
