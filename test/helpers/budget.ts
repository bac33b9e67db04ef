import { Budget } from '../../services/shared/src/budget/entity';

/** "Team web": $500 a month (UTC) for requests with metadata team=web; tests override what they are about. */
export function budgetFixture(over: Partial<Budget> = {}): Budget {
  return Budget.parse({
    id: 'team-web',
    name: 'Team web',
    scope: { type: 'metadata', key: 'team', value: 'web' },
    metric: 'cost',
    limit: 500_000_000,
    period: { kind: 'month', time_zone: 'UTC' },
    period_since: '2025-01-01T00:00:00.000Z',
    ...over,
  });
}
