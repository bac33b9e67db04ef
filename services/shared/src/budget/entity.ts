import { z } from 'zod';

/**
 * A budget: a spend or token limit over a window, for the requests one scope covers.
 * Stored and versioned; the worker counts usage into it and keeps its status, every gateway instance
 * refuses requests it covers once it is exhausted (402 billing_error).
 */

const TIME_ZONE = z.string().refine(isTimeZone, { error: (i) => `unknown IANA time zone ${JSON.stringify(i.input)} (e.g. "UTC", "Europe/Paris")` });

export const BudgetScope = z.discriminatedUnion('type', [
  z.object({ type: z.literal('key'), key_id: z.string().min(1) }).strict(),
  z.object({ type: z.literal('workspace'), workspace_id: z.string().min(1) }).strict(),
  z.object({ type: z.literal('provider'), provider: z.string().regex(/^@?[a-z0-9][a-z0-9_-]{0,62}$/, 'a provider slug such as "@vertex-prod"') }).strict(),
  z.object({ type: z.literal('metadata'), key: z.string().min(1).max(128), value: z.string().max(512) }).strict(),
]);
export type BudgetScope = z.infer<typeof BudgetScope>;

export const BudgetPeriod = z.discriminatedUnion('kind', [
  z.object({ kind: z.enum(['day', 'week', 'month']), time_zone: TIME_ZONE.default('UTC') }).strict(),
  z
    .object({
      kind: z.literal('days'),
      /** Window length in local calendar days. */
      every: z.number().int().min(1).max(3660),
      /** The local date the first window starts on; windows follow back to back from it. */
      anchor: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD'),
      time_zone: TIME_ZONE.default('UTC'),
    })
    .strict(),
  z.object({ kind: z.literal('none') }).strict(),
]);
export type BudgetPeriod = z.infer<typeof BudgetPeriod>;

/** What a budget counts: micro-USD, every token kind, or input + output tokens only. */
export const BudgetMetric = z.enum(['cost', 'tokens', 'input_output_tokens']);
export type BudgetMetric = z.infer<typeof BudgetMetric>;

export const Budget = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lowercase letters, digits, "-" or "_", at most 63 characters'),
  name: z.string().min(1).max(200),
  version: z.number().int().positive().default(1),
  /** The workspace the budget belongs to (workspace keys manage only their own); absent for organisation budgets. */
  workspace_id: z.string().optional(),
  scope: BudgetScope,
  metric: BudgetMetric,
  /** Micro-USD for `cost`, tokens otherwise. */
  limit: z.number().int().positive(),
  period: BudgetPeriod,
  /** Percentages of the limit that raise an alert, once per window each. */
  thresholds: z.array(z.number().int().min(1).max(100)).min(1).default([50, 80, 100]),
  /** Slack-compatible incoming-webhook URL, called for each alert. */
  webhook_url: z.string().url().optional(),
  /**
   * When the current period setting took effect: windows never start before it, so changing the
   * period or the time zone starts a new window, while editing the limit keeps the window's usage.
   */
  period_since: z.string().datetime(),
  created_at: z.string().optional(),
  updated_at: z.string().optional(),
});
export type Budget = z.infer<typeof Budget>;

/** What the worker keeps per budget and every gateway instance mirrors (collection `budget_status`). */
export const BudgetStatus = z.object({
  budget_id: z.string(),
  /** The budget version the status was computed with. */
  version: z.number().int(),
  window_start: z.string(),
  /** Absent for a budget without period. */
  window_end: z.string().optional(),
  usage: z.number().int().nonnegative(),
  limit: z.number().int().positive(),
  state: z.enum(['ok', 'warning', 'exhausted']),
  /** Thresholds already alerted in this window: each fires once. */
  alerted: z.array(z.number().int()),
  updated_at: z.string(),
});
export type BudgetStatus = z.infer<typeof BudgetStatus>;

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
