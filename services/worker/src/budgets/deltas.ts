import type { Budget } from '../../../shared/src/budget/entity';
import { coveringBudgets } from '../../../shared/src/budget/match';
import { metricAmount } from '../../../shared/src/budget/status';
import { budgetWindow, windowCounterId } from '../../../shared/src/budget/window';
import { type CountedEvent, type CounterDelta, totalsDeltas } from '../../../shared/src/store/counters';
import { TOKEN_KINDS } from '../../../shared/src/store/port';
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
 * its timestamp falls in, and the daily rollups by key, workspace, provider, model and each metadata
 * value (dimension `metadata.<name>`). Pure: the budgets are given.
 */
export function usageDeltas(event: UsageEvent, budgets: Iterable<Budget>): { counted: CountedEvent; touched: BudgetTouch[] } {
  const deltas: CounterDelta[] = totalsDeltas(event);
  const touched: BudgetTouch[] = [];
  const at = Date.parse(event.timestamp);
  for (const budget of coveringBudgets(budgets, event)) {
    const w = budgetWindow(budget, at);
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
  const day = event.timestamp.slice(0, 10);
  const inc: Record<string, number> = { requests: 1, cost_micros: event.cost_micros };
  for (const kind of TOKEN_KINDS) inc[kind] = event.usage[kind];
  const values: Array<[string, string | undefined]> = [
    ['key', event.key_id],
    ['workspace', event.workspace_id],
    ['provider', event.provider],
    ['model', event.model_requested],
    ...Object.entries(event.metadata).map(([k, v]): [string, string] => [`metadata.${k}`, v]),
  ];
  for (const [dimension, value] of values) {
    if (value === undefined) continue;
    deltas.push({ collection: 'usage_rollups', id: rollupId(dimension, value, day), fields: { dimension, value, day }, inc });
  }
  return { counted: { event_id: event.event_id, deltas }, touched };
}

function rollupId(dimension: string, value: string, day: string): string {
  return `${dimension}|${value}|${day}`;
}
