import { z } from 'zod';
import { BudgetScope } from '../budget/entity';

/**
 * A rate limit (issue 15): at most `limit` requests, or input+output tokens, per fixed calendar
 * window (UTC second, minute, hour or day) for the requests one key, workspace or provider sends.
 * Shared by every gateway instance through leases taken from the store (gateway policy/rate-limiter.ts).
 */
/** A budget's scopes but metadata: a rate limit protects a key, a workspace or a provider. */
export const RateLimitScope = z.discriminatedUnion('type', [BudgetScope.options[0], BudgetScope.options[1], BudgetScope.options[2]]);
export type RateLimitScope = z.infer<typeof RateLimitScope>;

export const RATE_WINDOWS = { second: 1000, minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;
export type RateWindow = keyof typeof RATE_WINDOWS;

export const RateLimit = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lowercase letters, digits, "-" or "_", at most 63 characters'),
  name: z.string().min(1).max(200),
  version: z.number().int().positive().default(1),
  /** The workspace the limit belongs to (workspace keys manage only their own); absent for organisation limits. */
  workspace_id: z.string().optional(),
  scope: RateLimitScope,
  /** `tokens` counts input + output tokens: admitted on an estimate, settled on the actual usage. */
  unit: z.enum(['requests', 'tokens']),
  per: z.enum(['second', 'minute', 'hour', 'day']),
  limit: z.number().int().positive().max(1e12),
  created_at: z.string().optional(),
  updated_at: z.string().optional(),
});
export type RateLimit = z.infer<typeof RateLimit>;

/** The fixed window (epoch ms, end exclusive) that `now` falls in: aligned to UTC, so every instance agrees. */
export function rateWindow(per: RateWindow, now: number): { start: number; end: number } {
  const ms = RATE_WINDOWS[per];
  const start = Math.floor(now / ms) * ms;
  return { start, end: start + ms };
}

/** What the store hands out per window and limit (collection `rate_limit_leases`). */
export interface LeaseRequest {
  limit_id: string;
  window_start: number;
  window_end: number;
  /** The limit now: a lowered limit grants nothing more once what was granted reaches it. */
  limit: number;
  /** How much this instance asks for. */
  want: number;
}

export interface LeaseGrant {
  /** What this call got: `want`, or less when the window's limit is (nearly) all handed out. */
  granted: number;
  /** Everything handed out for this window so far, this grant included. */
  total: number;
}

/** The grant for one request, given what the window has already handed out: pure, shared by both adapters. */
export function grantLease(req: LeaseRequest, totalBefore: number): LeaseGrant {
  const granted = Math.max(0, Math.min(req.want, req.limit - totalBefore));
  return { granted, total: totalBefore + granted };
}

export function leaseDocId(req: Pick<LeaseRequest, 'limit_id' | 'window_start'>): string {
  return `${req.limit_id}@${req.window_start}`;
}
