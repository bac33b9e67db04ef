import { z } from 'zod';
import { type Budget, BudgetMetric, BudgetScope } from './entity';

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

/**
 * An alert as the history keeps it (collection `budget_alerts`, keyed by `alert_id`): written in the
 * transaction that records its threshold as alerted, so once; deleted after `expires_at` (TTL policy,
 * the request logs' retention). `workspace_id` is the budget's, so workspace keys see their own.
 */
export const BudgetAlertRecord = BudgetAlert.extend({
  workspace_id: z.string().optional(),
  expires_at: z.string(),
});
export type BudgetAlertRecord = z.infer<typeof BudgetAlertRecord>;

/** The history's record of an alert of `budget`, kept `retentionMs` from when it fired. Pure. */
export function alertRecord(alert: BudgetAlert, budget: Budget, retentionMs: number): BudgetAlertRecord {
  return {
    ...alert,
    ...(budget.workspace_id !== undefined ? { workspace_id: budget.workspace_id } : {}),
    expires_at: new Date(Date.parse(alert.time) + retentionMs).toISOString(),
  };
}

/** Which alerts to list, newest first. */
export interface BudgetAlertQuery {
  budget_id?: string;
  workspace_id?: string;
  limit: number;
}
