import type { TokenUsage } from '../usage-event';
import type { Budget, BudgetMetric, BudgetStatus } from './entity';

/** What one request adds to a budget of this metric. */
export function metricAmount(metric: BudgetMetric, costMicros: number, u: Omit<TokenUsage, 'web_search_requests'>): number {
  switch (metric) {
    case 'cost':
      return costMicros;
    case 'tokens':
      return u.input + u.output + u.cache_write_5m + u.cache_write_1h + u.cache_read;
    case 'input_output_tokens':
      return u.input + u.output;
  }
}

/** The thresholds (percent of the limit) that `usage` has reached, in ascending order. */
export function reachedThresholds(usage: number, limit: number, thresholds: number[]): number[] {
  return [...new Set(thresholds)].filter((t) => usage * 100 >= t * limit).sort((a, b) => a - b);
}

/** exhausted at or over the limit; warning past any threshold below 100%; ok otherwise. */
export function budgetState(usage: number, limit: number, thresholds: number[]): BudgetStatus['state'] {
  if (usage >= limit) return 'exhausted';
  return reachedThresholds(usage, limit, thresholds).length > 0 ? 'warning' : 'ok';
}

/** The thresholds to alert now: reached, and not alerted before in this window. */
export function newAlerts(b: Pick<Budget, 'limit' | 'thresholds'>, usage: number, alerted: number[]): number[] {
  return reachedThresholds(usage, b.limit, b.thresholds).filter((t) => !alerted.includes(t));
}

/** An amount as people read it: dollars for cost (cents, or micro-dollars below one cent), else tokens. */
export function formatAmount(metric: BudgetMetric, n: number): string {
  if (metric === 'cost') return `$${(n / 1e6).toFixed(n >= 10_000 || n === 0 ? 2 : 6)}`;
  return `${n.toLocaleString('en-US')} ${metric === 'tokens' ? 'tokens' : 'input+output tokens'}`;
}
