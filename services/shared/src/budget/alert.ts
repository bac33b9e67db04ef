import { z } from 'zod';
import { BudgetMetric, BudgetScope } from './entity';

/**
 * A budget threshold alert: the message on the alerts topic (versioned like the usage event; a
 * consumer rejects versions it does not know), the body of the WARNING log line, and what a webhook
 * is told. `alert_id` is the same for every delivery of one alert: consumers deduplicate by it.
 */
export const BUDGET_ALERT_VERSION = 1;

export const BudgetAlert = z.object({
  version: z.literal(BUDGET_ALERT_VERSION),
  /** `<budget id>|<window start>|<threshold>`. */
  alert_id: z.string(),
  budget_id: z.string(),
  budget_name: z.string(),
  scope: BudgetScope,
  metric: BudgetMetric,
  /** Percent of the limit reached. */
  threshold: z.number().int(),
  usage: z.number().int(),
  limit: z.number().int(),
  state: z.enum(['ok', 'warning', 'exhausted']),
  window_start: z.string(),
  window_end: z.string().optional(),
  time: z.string(),
});
export type BudgetAlert = z.infer<typeof BudgetAlert>;
