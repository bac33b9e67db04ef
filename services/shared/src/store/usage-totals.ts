import type { UsageTotals } from '../entities';
import type { UsageEvent } from '../usage-event';

/** `YYYY-MM` (UTC) of an ISO timestamp: the period usage totals are kept for. */
export function usagePeriod(timestamp: string): string {
  return timestamp.slice(0, 7);
}

export function totalsId(scope: UsageTotals['scope'], scopeId: string, period: string): string {
  return `${scope}:${scopeId}:${period}`;
}

/** Pub/Sub retains unacked messages for at most 31 days, so a redelivery cannot come later than that. */
export const DEDUP_TTL_MS = 32 * 24 * 3600 * 1000;

/** The token kinds usage totals keep (web search requests show only in cost_micros). */
export const TOKEN_KINDS = ['input', 'output', 'cache_write_5m', 'cache_write_1h', 'cache_read'] as const;

/** The totals an event counts towards: its key and its workspace, whichever it names. */
export function usageScopes(event: UsageEvent): Array<[UsageTotals['scope'], string]> {
  const scopes: Array<[UsageTotals['scope'], string]> = [];
  if (event.key_id) scopes.push(['key', event.key_id]);
  if (event.workspace_id) scopes.push(['workspace', event.workspace_id]);
  return scopes;
}
